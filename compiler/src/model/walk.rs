//! Walking a parsed document by hand: typed field access that reports every problem
//! with its field path instead of stopping at the first, as the API server does.

use super::validate;
use super::Origin;
use crate::diag::{Code, Diagnostic};
use crate::ir::selector::{LabelSelector, Labels, Operator, Requirement};
use serde_json::{Map, Value};

/// A JSON object.
pub type Object = Map<String, Value>;

/// The document being read and the errors found so far.
pub struct Ctx<'e> {
    /// Where the document is.
    pub origin: Origin,
    /// Prepended to every path: `items[3].` for an item of a List.
    pub prefix: String,
    /// Where errors go.
    pub errors: &'e mut Vec<Diagnostic>,
}

impl Ctx<'_> {
    /// Records a value the API server's validation refuses (NP0703) at a field path
    /// (relative to the object).
    pub fn invalid(&mut self, path: &str, message: impl Into<String>) {
        self.error(Code::InvalidManifestValue, path, message);
    }

    /// Records a field that is unknown, missing or of the wrong type (NP0702): what the
    /// API server's strict decoding, or a "required value" check, refuses.
    pub fn shape(&mut self, path: &str, message: impl Into<String>) {
        self.error(Code::ManifestShape, path, message);
    }

    /// Records an error with `code` at a field path (relative to the object).
    pub fn error(&mut self, code: Code, path: &str, message: impl Into<String>) {
        let d = Diagnostic::new(code, message).in_manifest(
            &self.origin.file,
            self.origin.document,
            &self.full_path(path),
        );
        self.errors.push(d);
    }

    /// `path` with the prefix of the List item being read.
    pub fn full_path(&self, path: &str) -> String {
        if path.is_empty() {
            self.prefix.trim_end_matches('.').to_string()
        } else {
            format!("{}{path}", self.prefix)
        }
    }

    /// The number of errors so far: compare before and after reading an object to know
    /// whether it was valid.
    pub fn mark(&self) -> usize {
        self.errors.len()
    }
}

/// `parent.child`, or `child` at the root.
pub fn child(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

/// `parent[i]`.
pub fn index(parent: &str, i: usize) -> String {
    format!("{parent}[{i}]")
}

/// A short description of a value's type for "must be X, got Y" messages.
fn kind_of(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) => format!("the string `{}`", shorten(s)),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

/// User input cut to a readable length for messages.
pub fn shorten(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_string()
    } else {
        let head: String = s.chars().take(77).collect();
        format!("{head}...")
    }
}

/// Reports a value of the wrong type, with the YAML 1.1 hint when a string was
/// expected: Kubernetes reads YAML as 1.1 (sigs.k8s.io/yaml over go-yaml v2), where an
/// unquoted `on`, `yes`, `n` ... is a boolean and `0755` a number.
pub fn wrong_type(ctx: &mut Ctx<'_>, path: &str, expected: &str, got: &Value) {
    let hint = match (expected, got) {
        ("a string", Value::Bool(_)) => {
            ": YAML 1.1 reads unquoted yes/no/on/off/y/n/true/false as booleans, so quote the \
             value (e.g. \"on\")"
        }
        ("a string", Value::Number(_)) => {
            ": YAML reads unquoted numbers as numbers (`1.10` becomes 1.1), so quote the value \
             as written (e.g. \"1.10\")"
        }
        _ => "",
    };
    ctx.shape(
        path,
        format!("must be {expected}, got {}{hint}", kind_of(got)),
    );
}

/// An object, or `None` (with an error) for anything else. `null` is read as absent.
pub fn as_object<'v>(ctx: &mut Ctx<'_>, v: &'v Value, path: &str) -> Option<&'v Object> {
    match v {
        Value::Object(m) => Some(m),
        Value::Null => None,
        other => {
            wrong_type(ctx, path, "an object", other);
            None
        }
    }
}

/// Reports every field of `m` not in `known`, with a suggestion (strict decoding, as the
/// API server's `fieldValidation=Strict` which kubectl requests by default).
pub fn check_fields(ctx: &mut Ctx<'_>, m: &Object, path: &str, known: &[&str]) {
    for key in m.keys() {
        if !known.contains(&key.as_str()) {
            let hint = validate::suggest(key, known)
                .map(|k| format!(", did you mean `{k}`?"))
                .unwrap_or_default();
            ctx.shape(
                &child(path, key),
                format!("unknown field `{}`{hint}", shorten(key)),
            );
        }
    }
}

/// A list element that must be an object: `null` decodes in Go to the zero value of the
/// element's struct, so it is read as `{}` (and then validated like one).
pub fn element<'v>(ctx: &mut Ctx<'_>, v: &'v Value, path: &str) -> Option<&'v Object> {
    static EMPTY: std::sync::OnceLock<Object> = std::sync::OnceLock::new();
    match v {
        Value::Null => Some(EMPTY.get_or_init(Object::new)),
        _ => as_object(ctx, v, path),
    }
}

/// A field's value, treating `null` as absent (Go's zero value for pointers and slices).
pub fn field<'v>(m: &'v Object, key: &str) -> Option<&'v Value> {
    m.get(key).filter(|v| !v.is_null())
}

/// An optional string field.
pub fn opt_str<'v>(ctx: &mut Ctx<'_>, m: &'v Object, key: &str, path: &str) -> Option<&'v str> {
    match field(m, key)? {
        Value::String(s) => Some(s),
        other => {
            wrong_type(ctx, &child(path, key), "a string", other);
            None
        }
    }
}

/// An optional list field (`null` and absent are `None`).
pub fn opt_list<'v>(
    ctx: &mut Ctx<'_>,
    m: &'v Object,
    key: &str,
    path: &str,
) -> Option<&'v Vec<Value>> {
    match field(m, key)? {
        Value::Array(a) => Some(a),
        other => {
            wrong_type(ctx, &child(path, key), "a list", other);
            None
        }
    }
}

/// An optional boolean field.
pub fn opt_bool(ctx: &mut Ctx<'_>, m: &Object, key: &str, path: &str) -> Option<bool> {
    match field(m, key)? {
        Value::Bool(b) => Some(*b),
        other => {
            wrong_type(ctx, &child(path, key), "a boolean", other);
            None
        }
    }
}

/// An integer value. A float with no fractional part is accepted because
/// sigs.k8s.io/yaml turns YAML `80.0` into JSON `80`, which Go decodes as an integer.
pub fn as_int(ctx: &mut Ctx<'_>, v: &Value, path: &str) -> Option<i64> {
    if let Value::Number(n) = v {
        if let Some(i) = n.as_i64() {
            return Some(i);
        }
        if let Some(f) = n.as_f64() {
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                // Exact: |f| < 2^53, integral.
                #[allow(clippy::cast_possible_truncation)]
                return Some(f as i64);
            }
        }
        ctx.shape(path, format!("must be an integer, got `{n}`"));
        return None;
    }
    wrong_type(ctx, path, "an integer", v);
    None
}

/// A list of strings (label selector values, `except`, `policyTypes`).
pub fn string_list(ctx: &mut Ctx<'_>, list: &[Value], path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, v) in list.iter().enumerate() {
        match v {
            Value::String(s) => out.push(s.clone()),
            other => wrong_type(ctx, &index(path, i), "a string", other),
        }
    }
    out
}

fn report(ctx: &mut Ctx<'_>, path: &str, what: &str, value: &str, errs: Vec<String>) {
    if !errs.is_empty() {
        ctx.invalid(
            path,
            format!(
                "`{}` is not a valid {what}: {}",
                shorten(value),
                errs.join("; ")
            ),
        );
    }
}

/// apimachinery `ValidateLabelName` (`IsQualifiedName`) on a label key.
pub fn check_label_key(ctx: &mut Ctx<'_>, key: &str, path: &str) {
    report(ctx, path, "label key", key, validate::qualified_name(key));
}

/// apimachinery `IsValidLabelValue`.
pub fn check_label_value(ctx: &mut Ctx<'_>, value: &str, path: &str) {
    report(
        ctx,
        path,
        "label value",
        value,
        validate::label_value(value),
    );
}

/// A label map (`metadata.labels`, `matchLabels`), validated as apimachinery
/// `ValidateLabels` does: every key a qualified name, every value a valid label value.
pub fn labels(ctx: &mut Ctx<'_>, v: &Value, path: &str) -> Labels {
    let mut out = Labels::new();
    let Some(m) = as_object(ctx, v, path) else {
        return out;
    };
    for (k, v) in m {
        let p = child(path, k);
        check_label_key(ctx, k, &p);
        match v {
            Value::String(s) => {
                check_label_value(ctx, s, &p);
                out.insert(k.clone(), s.clone());
            }
            // `app:` with nothing after it is null, which Go decodes into a map[string]string
            // as the empty string: the label exists with value "".
            Value::Null => {
                out.insert(k.clone(), String::new());
            }
            other => wrong_type(ctx, &p, "a string", other),
        }
    }
    out
}

/// A `LabelSelector`, strictly (unknown fields are errors), validated as apimachinery
/// `ValidateLabelSelector` / `ValidateLabelSelectorRequirement` do.
pub fn selector(ctx: &mut Ctx<'_>, v: &Value, path: &str) -> LabelSelector {
    let mut sel = LabelSelector::everything();
    let Some(m) = as_object(ctx, v, path) else {
        return sel;
    };
    check_fields(ctx, m, path, &["matchLabels", "matchExpressions"]);
    if let Some(ml) = field(m, "matchLabels") {
        sel.match_labels = labels(ctx, ml, &child(path, "matchLabels"));
    }
    let exprs_path = child(path, "matchExpressions");
    for (i, e) in opt_list(ctx, m, "matchExpressions", path)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = index(&exprs_path, i);
        if let Some(r) = requirement(ctx, e, &p) {
            sel.match_expressions.push(r);
        }
    }
    sel
}

/// One `matchExpressions` entry (`ValidateLabelSelectorRequirement`).
fn requirement(ctx: &mut Ctx<'_>, v: &Value, path: &str) -> Option<Requirement> {
    let m = element(ctx, v, path)?;
    check_fields(ctx, m, path, &["key", "operator", "values"]);
    let key = opt_str(ctx, m, "key", path);
    match key {
        // ValidateLabelName on an empty key reports the empty name part.
        Some(k) => check_label_key(ctx, k, &child(path, "key")),
        None if field(m, "key").is_none() => ctx.shape(
            &child(path, "key"),
            "required value: a requirement needs a `key`",
        ),
        None => {}
    }
    let values_path = child(path, "values");
    let values = opt_list(ctx, m, "values", path)
        .map(|l| string_list(ctx, l, &values_path))
        .unwrap_or_default();
    // AllowInvalidLabelValueInSelector is false on create (ValidationOptionsForNetworking).
    for (i, value) in values.iter().enumerate() {
        check_label_value(ctx, value, &index(&values_path, i));
    }
    let operator = match opt_str(ctx, m, "operator", path) {
        Some("In") => Some(Operator::In),
        Some("NotIn") => Some(Operator::NotIn),
        Some("Exists") => Some(Operator::Exists),
        Some("DoesNotExist") => Some(Operator::DoesNotExist),
        Some(other) => {
            let hint = validate::suggest(other, &["In", "NotIn", "Exists", "DoesNotExist"])
                .map(|k| format!(", did you mean `{k}`?"))
                .unwrap_or_default();
            ctx.invalid(
                &child(path, "operator"),
                format!(
                    "`{}` is not a valid selector operator (In, NotIn, Exists, DoesNotExist){hint}",
                    shorten(other)
                ),
            );
            None
        }
        None => {
            if field(m, "operator").is_none() {
                ctx.invalid(
                    &child(path, "operator"),
                    "`\"\"` is not a valid selector operator",
                );
            }
            None
        }
    };
    match operator {
        Some(Operator::In | Operator::NotIn) if values.is_empty() => ctx.shape(
            &values_path,
            "required value: must be specified when `operator` is 'In' or 'NotIn'",
        ),
        Some(Operator::Exists | Operator::DoesNotExist) if !values.is_empty() => ctx.invalid(
            &values_path,
            "forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        ),
        _ => {}
    }
    Some(Requirement {
        key: key?.to_string(),
        operator: operator?,
        values,
    })
}

/// Reads an optional `protocol` field (policy ports and container ports alike):
/// absent means TCP (`SetDefaults_NetworkPolicyPort`, `SetDefaults_ContainerPort`);
/// the value is case-sensitive upstream, so `tcp` is refused. `None` after an error.
pub fn protocol(ctx: &mut Ctx<'_>, m: &Object, path: &str) -> Option<crate::ir::Protocol> {
    use crate::ir::Protocol;
    match opt_str(ctx, m, "protocol", path) {
        None => Some(Protocol::Tcp),
        Some(s) => {
            let p = Protocol::from_k8s(s);
            if p.is_none() {
                ctx.invalid(
                    &child(path, "protocol"),
                    format!(
                        "unsupported value: `{}`: supported values: `TCP`, `UDP`, `SCTP`",
                        shorten(s)
                    ),
                );
            }
            p
        }
    }
}
