//! `metadata` (ObjectMeta), validated as core `ValidateObjectMeta` does.

use super::validate;
use super::walk::{
    as_object, check_fields, child, field, index, labels, opt_bool, opt_list, opt_str, shorten,
    wrong_type, Ctx, Object,
};
use crate::ir::selector::Labels;
use serde_json::Value;

/// The ObjectMeta fields (meta/v1 `ObjectMeta`); anything else is an unknown field.
const OBJECT_META_FIELDS: &[&str] = &[
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
];

/// meta/v1 `OwnerReference` fields.
const OWNER_REFERENCE_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "name",
    "uid",
    "controller",
    "blockOwnerDeletion",
];

/// meta/v1 `ManagedFieldsEntry` fields (`fieldsV1` itself is free-form).
const MANAGED_FIELDS_FIELDS: &[&str] = &[
    "manager",
    "operation",
    "apiVersion",
    "time",
    "fieldsType",
    "fieldsV1",
    "subresource",
];

/// apimachinery `TotalAnnotationSizeLimitB`.
const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

/// How an object's name is validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRule {
    /// `IsDNS1123Label` (Namespace: `ValidateNamespaceName`).
    Label,
    /// `IsDNS1123Subdomain` (`NameIsDNSSubdomain`: Pods, controllers, NetworkPolicies).
    Subdomain,
}

/// The parts of ObjectMeta netpolc uses.
#[derive(Clone, Debug, Default)]
pub struct Meta {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` as written.
    pub namespace: Option<String>,
    /// `metadata.labels`.
    pub labels: Labels,
    /// The owner with `controller: true`: (kind, name).
    pub controller: Option<(String, String)>,
}

/// Reads and validates `metadata`. `strict` makes unknown fields errors (NetworkPolicy);
/// `namespaced` validates `metadata.namespace` (ignored on cluster-scoped kinds, as
/// kubectl does). Returns `None` when there is no usable name.
pub fn read(
    ctx: &mut Ctx<'_>,
    root: &Object,
    rule: NameRule,
    strict: bool,
    namespaced: bool,
) -> Option<Meta> {
    let path = "metadata";
    let Some(m) = field(root, "metadata").and_then(|v| as_object(ctx, v, path)) else {
        ctx.shape(path, "required value: an object needs `metadata.name`");
        return None;
    };
    if strict {
        check_fields(ctx, m, path, OBJECT_META_FIELDS);
    }
    let mut meta = Meta::default();

    // ValidateObjectMeta: "name or generateName is required". netpolc cannot know the
    // name the server would generate, so generateName alone is refused here too.
    let name = opt_str(ctx, m, "name", path).unwrap_or_default();
    let name_path = child(path, "name");
    if name.is_empty() {
        if field(m, "generateName").is_some() {
            ctx.shape(
                &name_path,
                "required value: `generateName` gives a random name on creation; netpolc \
                 needs a fixed `name`",
            );
        } else {
            ctx.shape(
                &name_path,
                "required value: name or generateName is required",
            );
        }
    } else {
        let (errs, what) = match rule {
            NameRule::Label => (validate::dns1123_label(name), "name (RFC 1123 label)"),
            NameRule::Subdomain => (
                validate::dns1123_subdomain(name),
                "name (RFC 1123 subdomain)",
            ),
        };
        if !errs.is_empty() {
            ctx.invalid(
                &name_path,
                format!(
                    "`{}` is not a valid {what}: {}",
                    shorten(name),
                    errs.join("; ")
                ),
            );
        }
        meta.name = name.to_string();
    }

    if namespaced {
        // An empty namespace is no namespace (Go's zero value): kubectl fills in its own.
        if let Some(ns) = opt_str(ctx, m, "namespace", path).filter(|ns| !ns.is_empty()) {
            // ValidateObjectMeta -> ValidateNamespaceName (IsDNS1123Label).
            let errs = validate::dns1123_label(ns);
            if !errs.is_empty() {
                ctx.invalid(
                    &child(path, "namespace"),
                    format!(
                        "`{}` is not a valid namespace name: {}",
                        shorten(ns),
                        errs.join("; ")
                    ),
                );
            } else {
                meta.namespace = Some(ns.to_string());
            }
        }
    }

    if let Some(l) = field(m, "labels") {
        meta.labels = labels(ctx, l, &child(path, "labels"));
    }
    if let Some(a) = field(m, "annotations") {
        annotations(ctx, a, &child(path, "annotations"));
    }
    meta.controller = owner_references(ctx, m, path, strict);
    if strict {
        let mf_path = child(path, "managedFields");
        for (i, e) in opt_list(ctx, m, "managedFields", path)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let p = index(&mf_path, i);
            if let Some(o) = as_object(ctx, e, &p) {
                check_fields(ctx, o, &p, MANAGED_FIELDS_FIELDS);
            }
        }
    }
    (!meta.name.is_empty()).then_some(meta)
}

/// apimachinery `ValidateAnnotations`: keys are qualified names (compared in lower
/// case), values strings, at most 256 KiB in all.
fn annotations(ctx: &mut Ctx<'_>, v: &Value, path: &str) {
    let Some(m) = as_object(ctx, v, path) else {
        return;
    };
    let mut total = 0usize;
    for (k, v) in m {
        let p = child(path, k);
        let errs = validate::qualified_name(&k.to_ascii_lowercase());
        if !errs.is_empty() {
            ctx.invalid(
                &p,
                format!(
                    "`{}` is not a valid annotation key: {}",
                    shorten(k),
                    errs.join("; ")
                ),
            );
        }
        match v {
            Value::String(s) => total = total.saturating_add(k.len() + s.len()),
            Value::Null => {}
            other => wrong_type(ctx, &p, "a string", other),
        }
    }
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        ctx.invalid(
            path,
            format!("too long: must have at most {TOTAL_ANNOTATION_SIZE_LIMIT} bytes"),
        );
    }
}

/// The controller owner, if any. apimachinery `ValidateOwnerReferences`: "Only one
/// reference can have Controller set to true".
fn owner_references(
    ctx: &mut Ctx<'_>,
    m: &Object,
    path: &str,
    strict: bool,
) -> Option<(String, String)> {
    let refs_path = child(path, "ownerReferences");
    let mut controller = None;
    let mut controllers = 0usize;
    for (i, r) in opt_list(ctx, m, "ownerReferences", path)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = index(&refs_path, i);
        let Some(o) = as_object(ctx, r, &p) else {
            continue;
        };
        if strict {
            check_fields(ctx, o, &p, OWNER_REFERENCE_FIELDS);
        }
        let kind = opt_str(ctx, o, "kind", &p);
        let name = opt_str(ctx, o, "name", &p);
        if opt_bool(ctx, o, "controller", &p) == Some(true) {
            controllers += 1;
            if controllers > 1 {
                ctx.invalid(&p, "only one reference can have Controller set to true");
            }
            match (kind, name) {
                (Some(k), Some(n)) if !k.is_empty() && !n.is_empty() => {
                    controller.get_or_insert((k.to_string(), n.to_string()));
                }
                _ => ctx.shape(
                    &p,
                    "required value: an owner reference needs `kind` and `name`",
                ),
            }
        }
    }
    controller
}
