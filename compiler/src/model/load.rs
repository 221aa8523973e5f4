//! The manifest loader: bytes in, a validated [`Cluster`] out, or every error the API
//! server would have reported, each a [`Diagnostic`] (codes NP07xx) with its file,
//! document and field path, and the line and column of that field.
//!
//! The steps live in sibling modules: `parse` (bytes to documents), `meta` (ObjectMeta),
//! `netpol` (NetworkPolicy), `workloads` (Pods and controllers), [`super::validate`]
//! (the syntax rules) and `locate` (field paths back to lines, once everything is read).

use super::meta::{self, NameRule};
use super::parse;
use super::walk::{child, field, index, opt_list, opt_str, Ctx, Object};
use super::workloads::{self, Candidate};
use super::{Cluster, Namespace, NetworkPolicy, Note, NoteAbout, Origin, NAMESPACE_NAME_LABEL};
use crate::diag::{Code, Diagnostic, Sources};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

pub use crate::source::Source;

/// The largest source the loader reads, in bytes; larger ones are refused.
pub use crate::source::{past_read_bound, MAX_SOURCE_BYTES};

/// The namespace of objects that do not name one: kubectl applies them to the context's
/// namespace, `default` unless configured otherwise (or given with `-n`: [`load_in`]).
const DEFAULT_NAMESPACE: &str = "default";

/// How deep `List`s may nest (a List of Lists is legal but rare).
const MAX_LIST_DEPTH: usize = 4;

/// Reads every source and returns the cluster, or all errors found (not just the first).
///
/// Parsing YAML costs the most (a compile's self-check reads thousands of policies), and
/// each source parses alone, so sources are parsed on several threads; the documents are
/// then read in the order given, so that everything, errors included, comes out as if
/// read one by one.
pub fn load(sources: &[Source]) -> Result<Cluster, Vec<Diagnostic>> {
    load_with(sources, State::default())
}

/// As [`load`], objects that name no namespace read into `namespace` (`None`: `default`),
/// as `kubectl apply -n NAMESPACE` applies them. An object that names its namespace keeps
/// it (kubectl would refuse one that names another; an analysis reads a whole tree).
pub fn load_in(sources: &[Source], namespace: Option<&str>) -> Result<Cluster, Vec<Diagnostic>> {
    let state = State {
        namespace: namespace.map(str::to_owned),
        ..State::default()
    };
    load_with(sources, state)
}

/// As [`load`], for a command that reads only the NetworkPolicies (`check`): a problem
/// in an object of another kind (a kustomize `$patch: delete` stub of a Deployment, the
/// same Deployment in two overlays) becomes a [`NoteAbout::Ignored`] note, not an error,
/// since nothing the command answers depends on it. Problems in NetworkPolicies, and
/// documents that cannot be read at all (no object, no `kind`), are still errors.
pub fn load_policies(sources: &[Source]) -> Result<Cluster, Vec<Diagnostic>> {
    load_policies_in(sources, None)
}

/// As [`load_policies`], objects that name no namespace read into `namespace` ([`load_in`]).
pub fn load_policies_in(
    sources: &[Source],
    namespace: Option<&str>,
) -> Result<Cluster, Vec<Diagnostic>> {
    let state = State {
        policies_only: true,
        namespace: namespace.map(str::to_owned),
        ..State::default()
    };
    load_with(sources, state)
}

fn load_with(sources: &[Source], mut state: State) -> Result<Cluster, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    // In batches, so that only one batch's parsed documents are held at a time.
    let batches = sources
        .chunks(PARSE_BATCH)
        .flat_map(|batch| batch.iter().zip(parse_all(batch)));
    for (source, parsed) in batches {
        for item in parsed {
            let doc = match item {
                Ok(doc) => doc,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let mut ctx = Ctx {
                origin: Origin {
                    file: source.name.clone(),
                    document: doc.index,
                },
                prefix: String::new(),
                errors: &mut errors,
            };
            state.object(&mut ctx, &doc.value, 0, None);
        }
    }
    if !errors.is_empty() {
        super::locate::locate(sources, errors.iter_mut());
        return Err(errors);
    }
    let mut cluster = state.finish();
    super::locate::locate(sources, cluster.notes.iter_mut().map(|n| &mut n.diagnostic));
    Ok(cluster)
}

/// The texts that `diagnostics` of the loader point into, for a renderer: each source
/// named by a label in a manifest, as the loader read it (UTF-8, byte order mark
/// dropped). A source that is not UTF-8 is left out, so its labels print without a line.
pub fn texts<'d>(
    sources: &[Source],
    diagnostics: impl IntoIterator<Item = &'d Diagnostic>,
) -> Sources {
    let named: BTreeSet<&str> = diagnostics
        .into_iter()
        .flat_map(|d| d.primary.iter().chain(&d.secondary))
        .filter(|l| l.manifest.is_some())
        .map(|l| l.file.as_str())
        .collect();
    let mut texts = Sources::new();
    for source in sources.iter().filter(|s| named.contains(s.name.as_str())) {
        if let Some(text) = parse::text(source) {
            texts.add(&source.name, text);
        }
    }
    texts
}

/// Sources parsed together before their documents are read.
const PARSE_BATCH: usize = 256;

/// Below this many bytes in all, threads cost more than they save.
const PARALLEL_FROM_BYTES: usize = 64 * 1024;

/// Every source parsed, in order; on several threads (`parallel::map_in_order`) when
/// there is enough to parse.
fn parse_all(sources: &[Source]) -> Vec<parse::Parsed> {
    let bytes: usize = sources.iter().map(|s| s.bytes.len()).sum();
    if bytes < PARALLEL_FROM_BYTES {
        return sources.iter().map(parse::documents).collect();
    }
    crate::parallel::map_in_order(sources, parse::documents)
}

/// Where an object was first declared: its document and its name's field path (an item
/// of a List is `items[i].metadata.name`).
struct First {
    file: String,
    document: usize,
    path: String,
}

impl std::fmt::Display for First {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (document {})", self.file, self.document)
    }
}

/// What has been read so far.
#[derive(Default)]
struct State {
    namespaces: BTreeMap<String, Namespace>,
    candidates: Vec<Candidate>,
    policies: Vec<NetworkPolicy>,
    notes: Vec<Note>,
    /// (kind, namespace, name) to where it was first declared, to refuse duplicates.
    seen: BTreeMap<(String, String, String), First>,
    used_namespaces: BTreeSet<String>,
    /// Problems outside NetworkPolicies are notes ([`load_policies`]).
    policies_only: bool,
    /// Objects of kinds not read, noted once per kind when reading ends.
    skipped: super::skipped::Skipped,
    /// The namespace of objects that name none (`None`: [`DEFAULT_NAMESPACE`]).
    namespace: Option<String>,
    /// The NetworkPolicies that named no namespace, as `namespace/name`.
    unnamespaced_policies: BTreeSet<String>,
}

impl State {
    /// One object (or List) of a document. `typed` is the kind and apiVersion of the typed
    /// list (`PodList` → `Pod`) the object is an item of: the API server's list responses
    /// leave them out of every item, so an item without them takes the list's.
    fn object(
        &mut self,
        ctx: &mut Ctx<'_>,
        value: &Value,
        depth: usize,
        typed: Option<(&str, Option<&str>)>,
    ) {
        let Value::Object(root) = value else {
            ctx.shape(
                "",
                "a manifest must be an object with `apiVersion` and `kind`",
            );
            return;
        };
        let kind = match (opt_str(ctx, root, "kind", ""), typed) {
            (Some(kind), _) => kind,
            (None, Some((kind, _))) if field(root, "kind").is_none() => kind,
            (None, _) => {
                if field(root, "kind").is_none() {
                    ctx.shape("kind", "required value: every object needs a `kind`");
                }
                return;
            }
        };
        let api_version = match (field(root, "apiVersion"), typed) {
            (None, Some((_, list_version))) => list_version,
            _ => opt_str(ctx, root, "apiVersion", ""),
        };
        // kubectl (resource.Builder) flattens `List` and typed lists (`PodList`, ...).
        if kind.ends_with("List") && root.contains_key("items") {
            self.list(ctx, root, kind, api_version, depth);
            return;
        }
        if self.policies_only && kind != "NetworkPolicy" {
            let mut ignored = Vec::new();
            let mut inner = Ctx {
                origin: ctx.origin.clone(),
                prefix: ctx.prefix.clone(),
                errors: &mut ignored,
            };
            self.kind(&mut inner, root, kind, api_version);
            for mut e in ignored {
                // The same place, as a note: nothing the command answers depends on it.
                e.code = Code::NotRead;
                e.message = format!(
                    "ignored, since only NetworkPolicies are read: {}",
                    e.message
                );
                self.notes.push(Note {
                    about: NoteAbout::Ignored,
                    diagnostic: e,
                });
            }
            return;
        }
        self.kind(ctx, root, kind, api_version);
    }

    /// One object of `kind` (not a List).
    fn kind(&mut self, ctx: &mut Ctx<'_>, root: &Object, kind: &str, api_version: Option<&str>) {
        match kind {
            "Namespace" => {
                if check_api_version(ctx, kind, api_version, &["v1"]) {
                    self.namespace(ctx, root);
                }
            }
            "Pod" => {
                if check_api_version(ctx, kind, api_version, &["v1"]) {
                    self.pod(ctx, root, kind);
                }
            }
            "NetworkPolicy" => {
                // The only served version since 1.16 (extensions/v1beta1 was removed).
                if check_api_version(ctx, kind, api_version, &["networking.k8s.io/v1"]) {
                    self.policy(ctx, root);
                }
            }
            _ if workloads::template_path(kind).is_some() => {
                // Loosely: the group must be right, the version may be any served one.
                let group_ok = match (kind, api_version) {
                    (_, None) => false,
                    ("ReplicationController", Some(v)) => v == "v1",
                    ("Job" | "CronJob", Some(v)) => v.starts_with("batch/"),
                    (_, Some(v)) => v.starts_with("apps/"),
                };
                if group_ok {
                    self.pod(ctx, root, kind);
                } else {
                    api_version_error(ctx, kind, api_version);
                }
            }
            other => self.skipped.add(&ctx.origin, other, api_version, root),
        }
    }

    /// `kind: List` (or `PodList`, ...): each item, with `items[i].` in paths. The items of a
    /// typed list (`PodList`, `NetworkPolicyList`), as a list request returns them, carry no
    /// `kind` or `apiVersion` (API conventions, "Lists and Simple kinds": the list's kind is
    /// the item kind plus `List`); they take the list's.
    fn list(
        &mut self,
        ctx: &mut Ctx<'_>,
        root: &Object,
        kind: &str,
        api_version: Option<&str>,
        depth: usize,
    ) {
        if depth >= MAX_LIST_DEPTH {
            ctx.error(
                Code::UnreadableManifest,
                "items",
                format!("Lists nested more than {MAX_LIST_DEPTH} deep, the most netpolc reads"),
            );
            return;
        }
        let saved = ctx.prefix.clone();
        for (i, item) in opt_list(ctx, root, "items", "")
            .into_iter()
            .flatten()
            .enumerate()
        {
            ctx.prefix = format!("{saved}{}.", index("items", i));
            let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
            self.object(ctx, item, depth + 1, item_kind.map(|k| (k, api_version)));
        }
        ctx.prefix = saved;
    }

    /// Refuses a second object of the same kind, namespace and name.
    fn first_declaration(&mut self, ctx: &mut Ctx<'_>, kind: &str, ns: &str, name: &str) -> bool {
        let key = (kind.to_string(), ns.to_string(), name.to_string());
        if let Some(first) = self.seen.get(&key) {
            let id = if ns.is_empty() {
                name.to_string()
            } else {
                format!("{ns}/{name}")
            };
            let path = ctx.full_path("metadata.name");
            let d = Diagnostic::new(
                Code::DuplicateObject,
                format!("duplicate {kind} `{id}`: also declared in {first}"),
            )
            .in_manifest(&ctx.origin.file, ctx.origin.document, &path)
            .with_secondary_in_manifest(
                &first.file,
                first.document,
                &first.path,
                "first declared here",
            );
            ctx.errors.push(d);
            return false;
        }
        let first = First {
            file: ctx.origin.file.clone(),
            document: ctx.origin.document,
            path: ctx.full_path("metadata.name"),
        };
        self.seen.insert(key, first);
        true
    }

    fn namespace(&mut self, ctx: &mut Ctx<'_>, root: &Object) {
        let start = ctx.mark();
        let Some(meta) = meta::read(ctx, root, NameRule::Label, false, false) else {
            return;
        };
        if ctx.mark() != start || !self.first_declaration(ctx, "Namespace", "", &meta.name) {
            return;
        }
        let mut labels = meta.labels;
        // The control plane sets the immutable label kubernetes.io/metadata.name to the
        // namespace's name (NamespaceDefaultLabelName, 1.21+), overwriting any other value.
        if let Some(v) = labels.get(NAMESPACE_NAME_LABEL) {
            if *v != meta.name {
                let path = ctx.full_path(&format!("metadata.labels.{NAMESPACE_NAME_LABEL}"));
                self.notes.push(Note::new(
                    NoteAbout::Namespace,
                    &ctx.origin,
                    &path,
                    format!(
                        "Namespace `{}`: label `{NAMESPACE_NAME_LABEL}={v}` is overwritten with \
                         `{}` by the control plane",
                        meta.name, meta.name
                    ),
                ));
            }
        }
        labels.insert(NAMESPACE_NAME_LABEL.to_string(), meta.name.clone());
        self.namespaces.insert(
            meta.name.clone(),
            Namespace {
                name: meta.name,
                labels,
                origin: Some(ctx.origin.clone()),
            },
        );
    }

    /// A Pod or a controller with a pod template.
    fn pod(&mut self, ctx: &mut Ctx<'_>, root: &Object, kind: &str) {
        let start = ctx.mark();
        let Some(meta) = meta::read(ctx, root, NameRule::Subdomain, false, true) else {
            return;
        };
        let info = if kind == "Pod" {
            workloads::read_pod(ctx, root, meta.labels.clone())
        } else {
            workloads::read_template(ctx, root, kind)
        };
        let ns = meta
            .namespace
            .clone()
            .unwrap_or_else(|| self.default_namespace());
        if ctx.mark() != start || !self.first_declaration(ctx, kind, &ns, &meta.name) {
            return;
        }
        self.used_namespaces.insert(ns.clone());
        self.candidates.push(Candidate {
            namespace: ns,
            name: meta.name,
            kind: kind.to_string(),
            info,
            controller: meta.controller,
            origin: ctx.origin.clone(),
        });
    }

    fn policy(&mut self, ctx: &mut Ctx<'_>, root: &Object) {
        let start = ctx.mark();
        let Some(meta) = meta::read(ctx, root, NameRule::Subdomain, true, true) else {
            // Still report problems in the rest of the object.
            let _ = super::netpol::read(ctx, root, meta::Meta::default(), &mut Vec::new());
            return;
        };
        let named = meta.namespace.is_some();
        let ns = meta
            .namespace
            .clone()
            .unwrap_or_else(|| self.default_namespace());
        let name = meta.name.clone();
        let mut notes = Vec::new();
        let meta = meta::Meta {
            namespace: Some(ns.clone()),
            ..meta
        };
        let policy = super::netpol::read(ctx, root, meta, &mut notes);
        if ctx.mark() != start || !self.first_declaration(ctx, "NetworkPolicy", &ns, &name) {
            return;
        }
        if let Some(p) = policy {
            if !named {
                self.unnamespaced_policies.insert(p.id());
            }
            self.used_namespaces.insert(ns);
            self.policies.push(p);
            self.notes.extend(notes);
        }
    }

    /// The namespace of an object that names none.
    fn default_namespace(&self) -> String {
        self.namespace
            .clone()
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string())
    }

    fn finish(mut self) -> Cluster {
        for ns in &self.used_namespaces {
            self.namespaces
                .entry(ns.clone())
                .or_insert_with(|| Namespace {
                    name: ns.clone(),
                    labels: [(NAMESPACE_NAME_LABEL.to_string(), ns.clone())].into(),
                    origin: None,
                });
        }
        self.notes.extend(std::mem::take(&mut self.skipped).notes());
        let workloads = workloads::assemble(self.candidates, &mut self.notes);
        self.policies
            .sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        Cluster {
            namespaces: self.namespaces,
            workloads,
            policies: self.policies,
            notes: self.notes,
            unnamespaced_policies: self.unnamespaced_policies,
        }
    }
}

/// Checks `apiVersion` against the versions a kind is served at.
fn check_api_version(ctx: &mut Ctx<'_>, kind: &str, got: Option<&str>, want: &[&str]) -> bool {
    if got.is_some_and(|v| want.contains(&v)) {
        return true;
    }
    api_version_error(ctx, kind, got);
    false
}

fn api_version_error(ctx: &mut Ctx<'_>, kind: &str, got: Option<&str>) {
    let served = match kind {
        "NetworkPolicy" => "`networking.k8s.io/v1`",
        "Namespace" | "Pod" | "ReplicationController" => "`v1`",
        "Job" | "CronJob" => "`batch/v1`",
        _ => "`apps/v1`",
    };
    let message = match got {
        None => format!(
            "required value: {kind} needs `apiVersion: {}`",
            served.trim_matches('`')
        ),
        Some(v) => format!(
            "{kind} is served as {served}, not `{}`",
            super::walk::shorten(v)
        ),
    };
    ctx.error(Code::UnservedVersion, &child("", "apiVersion"), message);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(name: &str, text: &str) -> Source {
        Source {
            name: name.into(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_policy_loads_with_defaults() {
        let c = load(&[src(
            "p.yaml",
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\n\
             spec:\n  podSelector: {}\n  ingress: [{}]\n",
        )])
        .unwrap();
        let p = &c.policies[0];
        assert_eq!(p.namespace, "default");
        assert!(p.isolates_ingress && !p.isolates_egress);
        assert_eq!(p.ingress[0].peers, None);
        assert!(c.namespaces.contains_key("default"));
    }

    #[test]
    fn reading_policies_only_turns_other_kinds_problems_into_notes() {
        let stub =
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: lg}\n$patch: delete\n---\n\
                    apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\n\
                    spec: {podSelector: {}}\n";
        assert!(load(&[src("a.yaml", stub)]).is_err());
        let c = load_policies(&[src("a.yaml", stub)]).unwrap();
        assert_eq!(c.policies.len(), 1);
        let ignored: Vec<_> = c
            .notes
            .iter()
            .filter(|n| n.about == NoteAbout::Ignored)
            .collect();
        assert_eq!(ignored.len(), 1, "{:?}", c.notes);
        let note = &ignored[0].diagnostic;
        assert!(note.message.contains("pod template"), "{ignored:?}");
        assert_eq!(note.code, Code::NotRead);
        let place = note.primary.as_ref().and_then(|l| l.manifest.as_ref());
        assert_eq!(
            place.map(|m| (m.document, m.path.as_str())),
            Some((1, "spec"))
        );
        let bad = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: -p}\n\
                   spec: {podSelector: {}}\n";
        assert!(load_policies(&[src("a.yaml", bad)]).is_err());
    }

    #[test]
    fn document_without_kind_is_an_error() {
        let e = load(&[src("a.yaml", "apiVersion: v1\nmetadata: {name: x}\n")]).unwrap_err();
        let place = e[0].primary.as_ref().and_then(|l| l.manifest.as_ref());
        assert_eq!(place.map(|m| m.path.as_str()), Some("kind"));
        assert_eq!(e[0].code, Code::ManifestShape);
    }
}
