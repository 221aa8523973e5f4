//! The report of `netpolc diff`: the change in meaning, each region with the statements
//! responsible quoted from the revision that holds them and one concrete example, and
//! the change in the generated manifests. One serialisable value, printed as text, as
//! JSON (schema: docs/diff.md) or through the markdown template.

use crate::cli::output::{unified_diff, Change as FileChange, ChangeKind};
use crate::diag::Sources;
use crate::model::{Direction, Labels, NAMESPACE_NAME_LABEL};
use crate::vcs::Revision;
use crate::verify::equiv::{self, Cause, Change, Lifted, OtherEnd, Provenance, Witness};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// One side of the comparison, read and lifted.
pub(in crate::cli) struct Side {
    /// What it allows.
    pub meaning: Lifted,
    /// Its manifests, by path below the output directory.
    pub files: BTreeMap<String, Vec<u8>>,
    /// The program's texts, to quote statements from (empty for committed manifests).
    pub sources: Sources,
}

/// Everything `netpolc diff` says, in the order of the JSON schema.
#[derive(Serialize)]
pub(super) struct Report {
    /// The base revision as written, or `work tree`.
    pub base: String,
    /// The head revision as written, or `work tree`.
    pub head: String,
    /// The base commit's id, if it is one.
    pub base_commit: Option<String>,
    /// The head commit's id; `None` for the work tree.
    pub head_commit: Option<String>,
    /// `--output-dir`, when the base is the committed manifests.
    pub output_dir: Option<String>,
    /// Whether the meaning changed.
    pub changed: bool,
    /// False when a listing stopped at `verify::equiv::MAX_CHANGES` regions.
    pub complete: bool,
    /// Connection sides head allows and base denies.
    pub allowed: Vec<Group>,
    /// Connection sides base allows and head denies.
    pub denied: Vec<Group>,
    /// The change in the generated files.
    pub manifests: Manifests,
}

/// One region of a side that changed.
#[derive(Clone, Serialize)]
pub(super) struct Group {
    /// `egress` (the source's side) or `ingress` (the destination's).
    pub side: &'static str,
    /// The namespace whose side it is.
    pub namespace: String,
    /// Who opens the connections.
    pub source: String,
    /// Who accepts them.
    pub destination: String,
    /// The destination ports.
    pub ports: String,
    /// The whole change in one sentence.
    pub summary: String,
    /// How the statements below are responsible: `allowed by`, `no longer allowed by`,
    /// `isolated by`, `no longer isolated by`.
    pub because: &'static str,
    /// The statements (or, for committed manifests, the policy rules) responsible.
    pub statements: Vec<Statement>,
    /// One connection of the region.
    pub example: Example,
}

/// A statement or policy behind a change.
#[derive(Clone, Serialize)]
pub(super) struct Statement {
    /// `base` or `head`: the side it is written in.
    pub side: &'static str,
    /// That side's revision label.
    pub revision: String,
    /// `file:line` for a statement, the file for a policy.
    pub location: String,
    /// The statement's line, trimmed, or the policy and rule (`NetworkPolicy shop/db
    /// spec.ingress[0]`).
    pub text: String,
}

/// One concrete connection of a region.
#[derive(Clone, Serialize)]
pub(super) struct Example {
    /// In words.
    pub text: String,
    /// The connection's source.
    pub source: Endpoint,
    /// Its destination.
    pub destination: Endpoint,
    /// `TCP`, `UDP` or `SCTP`.
    pub protocol: String,
    /// The destination port.
    pub port: u16,
    /// The name the destination gives the port, when the region needs one.
    pub port_name: Option<String>,
}

/// One end of an example.
#[derive(Clone, Serialize)]
pub(super) struct Endpoint {
    /// `pod`, `address` (outside the cluster) or `host-network-pod`.
    pub kind: &'static str,
    /// A pod's namespace.
    pub namespace: Option<String>,
    /// A pod's namespace's labels (other than `kubernetes.io/metadata.name`).
    pub namespace_labels: Labels,
    /// A pod's labels.
    pub labels: Labels,
    /// The IP address.
    pub ip: String,
}

/// The change in the generated files.
#[derive(Serialize)]
pub(super) struct Manifests {
    /// Whether any file changed.
    pub changed: bool,
    /// Every changed file, by path.
    pub files: Vec<ManifestFile>,
    /// A unified diff of them.
    pub diff: String,
}

/// One changed file.
#[derive(Serialize)]
pub(super) struct ManifestFile {
    /// Below the output directory, `/`-separated.
    pub path: String,
    /// `added`, `modified` or `removed`.
    pub change: &'static str,
}

/// Whether a list is what head newly allows or newly denies.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Newly {
    Allowed,
    Denied,
}

impl Report {
    /// The report on two sides and the changes between their files, within the proof's
    /// budget of box comparisons for both directions together.
    pub fn new(
        base: (&Revision, &Side),
        head: (&Revision, &Side),
        output_dir: Option<&Path>,
        files: &[FileChange],
    ) -> Result<Report, equiv::TooLarge> {
        let budget = equiv::Budget::new(crate::verify::proof::BUDGET);
        let allowed = equiv::changes_within(&head.1.meaning, &base.1.meaning, &budget)?;
        let denied = equiv::changes_within(&base.1.meaning, &head.1.meaning, &budget)?;
        let groups = |changes: &[Change], newly| {
            let mut v: Vec<Group> = changes
                .iter()
                .map(|c| group(c, newly, base, head))
                .collect();
            v.sort_by(|a, b| {
                (&a.source, &a.destination, &a.ports, a.side).cmp(&(
                    &b.source,
                    &b.destination,
                    &b.ports,
                    b.side,
                ))
            });
            v
        };
        let allowed_groups = groups(&allowed.list, Newly::Allowed);
        let denied_groups = groups(&denied.list, Newly::Denied);
        Ok(Report {
            base: base.0.label().to_owned(),
            head: head.0.label().to_owned(),
            base_commit: base.0.id().map(str::to_owned),
            head_commit: head.0.id().map(str::to_owned),
            output_dir: output_dir.map(|d| d.display().to_string()),
            changed: !allowed_groups.is_empty() || !denied_groups.is_empty(),
            complete: allowed.complete && denied.complete,
            allowed: allowed_groups,
            denied: denied_groups,
            manifests: Manifests {
                changed: !files.is_empty(),
                files: files
                    .iter()
                    .map(|f| ManifestFile {
                        path: f.path.clone(),
                        change: match f.kind {
                            ChangeKind::Create => "added",
                            ChangeKind::Replace => "modified",
                            ChangeKind::Remove => "removed",
                        },
                    })
                    .collect(),
                diff: unified_diff(files),
            },
        })
    }

    /// `HEAD (1a2b3c4)`, or `work tree`.
    pub fn revision(label: &str, commit: Option<&str>) -> String {
        match commit {
            Some(id) => format!("{label} ({})", id.get(..7).unwrap_or(id)),
            None => label.to_owned(),
        }
    }

    /// What the base side is, in words.
    pub fn base_description(&self) -> String {
        let base = Report::revision(&self.base, self.base_commit.as_deref());
        match &self.output_dir {
            Some(dir) => format!("the manifests committed under {dir} at {base}"),
            None => base,
        }
    }

    /// The report for a terminal.
    pub fn text(&self) -> String {
        let mut out = format!(
            "base: {}\nhead: {}\n\n",
            self.base_description(),
            Report::revision(&self.head, self.head_commit.as_deref())
        );
        if self.changed {
            out.push_str(
                "The meaning changes, on every cluster. Each entry is one side of a connection: the\n\
                 source's egress or the destination's ingress (a connection needs both).\n",
            );
            for (title, mark, groups) in [
                ("Newly allowed", '+', &self.allowed),
                ("Newly denied", '-', &self.denied),
            ] {
                if groups.is_empty() {
                    continue;
                }
                let _ = writeln!(out, "\n{title} ({}):", groups.len());
                for g in groups {
                    let _ = writeln!(out, "  {mark} {}", g.summary);
                    let _ = writeln!(out, "      {} {}", g.because, statements(&g.statements));
                    let _ = writeln!(out, "      e.g. {}", g.example.text);
                }
            }
            if !self.complete {
                out.push_str(INCOMPLETE);
                out.push('\n');
            }
        } else {
            out.push_str(
                "The meaning is unchanged: on every cluster, head allows exactly the connections base allows.\n",
            );
        }
        out.push('\n');
        out.push_str(&self.manifests_heading());
        out.push('\n');
        out.push_str(&self.manifests.diff);
        out
    }

    /// One line on the generated files.
    pub fn manifests_heading(&self) -> String {
        let n = self.manifests.files.len();
        let files = crate::diag::count(n, "file", "files");
        match (n, self.changed) {
            (0, _) => "Generated manifests: unchanged.".to_owned(),
            (_, true) => format!("Generated manifests: {files} changed:"),
            (_, false) => format!(
                "Generated manifests: {files} changed, allowing exactly the same connections \
                 (source annotations, names or layout):"
            ),
        }
    }

    /// The report for tools.
    pub fn json(&self) -> String {
        match serde_json::to_string_pretty(self) {
            Ok(mut s) => {
                s.push('\n');
                s
            }
            // Plain strings, numbers and maps with string keys: nothing here fails.
            Err(e) => format!("{{\"error\": \"{e}\"}}\n"),
        }
    }
}

/// Said when a listing stopped early.
pub(super) const INCOMPLETE: &str =
    "(the listing stops here: the change is larger than netpolc lists; the meaning changed all the same)";

/// `policies/shop.npl:4 `web may talk to db on 5432` (head)`, joined by `; `.
fn statements(list: &[Statement]) -> String {
    statements_quoted(list, str::to_owned, code)
}

/// The statements, each its location and text (when there is one) quoted as the output
/// needs, then its side; joined by `; `.
pub(super) fn statements_quoted(
    list: &[Statement],
    location: impl Fn(&str) -> String,
    text: impl Fn(&str) -> String,
) -> String {
    if list.is_empty() {
        return "(no statement: the standard library or the defaults)".to_owned();
    }
    let parts: Vec<String> = list
        .iter()
        .map(|s| {
            if s.text.is_empty() {
                format!("{} ({})", location(&s.location), s.side)
            } else {
                format!("{} {} ({})", location(&s.location), text(&s.text), s.side)
            }
        })
        .collect();
    parts.join("; ")
}

/// Inline code that survives any backticks inside `text` (CommonMark: a longer fence,
/// and a space where the text touches it).
pub(super) fn code(text: &str) -> String {
    let longest = longest_backtick_run(text);
    let fence = "`".repeat(longest + 1);
    if longest == 0 {
        format!("{fence}{text}{fence}")
    } else {
        format!("{fence} {text} {fence}")
    }
}

/// The longest run of backticks in `text`.
pub(super) fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// The group of one change.
fn group(c: &Change, newly: Newly, base: (&Revision, &Side), head: (&Revision, &Side)) -> Group {
    let (verb, source, destination) = match (newly, c.direction) {
        (Newly::Allowed, Direction::Egress) => ("may now open connections to", &c.pods, &c.other),
        (Newly::Allowed, Direction::Ingress) => {
            ("may now accept connections from", &c.other, &c.pods)
        }
        (Newly::Denied, Direction::Egress) => {
            ("may no longer open connections to", &c.pods, &c.other)
        }
        (Newly::Denied, Direction::Ingress) => {
            ("may no longer accept connections from", &c.other, &c.pods)
        }
    };
    // The reasons are the allowing side's allowances or the denying side's isolations.
    let (because, (name, (revision, side))) = match (newly, c.cause) {
        (Newly::Allowed, Cause::Allowance) => ("allowed by", ("head", head)),
        (Newly::Allowed, Cause::Isolation) => ("no longer isolated by", ("base", base)),
        (Newly::Denied, Cause::Isolation) => ("isolated by", ("head", head)),
        (Newly::Denied, Cause::Allowance) => ("no longer allowed by", ("base", base)),
    };
    Group {
        side: c.direction.word(),
        namespace: c.namespace.clone(),
        source: source.clone(),
        destination: destination.clone(),
        ports: c.ports.clone(),
        summary: summary(c, newly, verb),
        because,
        statements: c
            .reasons
            .iter()
            .map(|p| statement(p, name, revision, &side.sources))
            .collect(),
        example: example(&c.example),
    }
}

/// The change in one sentence. An isolation that appears or goes away changes every
/// connection of the pods but those the isolating side allows them, and says so.
fn summary(c: &Change, newly: Newly, verb: &str) -> String {
    let mut s = format!("{} {verb} {} on {}", c.pods, c.other, c.ports);
    if c.less_allowed {
        s.push_str(match newly {
            Newly::Allowed => ", beyond what base allowed them",
            Newly::Denied => ", except what head allows them",
        });
    }
    s
}

/// A statement quoted from its side's program, or a policy rule.
fn statement(
    p: &Provenance,
    side: &'static str,
    revision: &Revision,
    sources: &Sources,
) -> Statement {
    let (location, text) = match p {
        Provenance::Statement(at) => {
            let line = sources
                .text(&at.file)
                .and_then(|t| crate::diag::nth_line(t, at.line))
                .map(str::trim)
                .unwrap_or_default();
            (at.to_string(), line.to_owned())
        }
        Provenance::Policy { origin, .. } => (origin.file.clone(), p.to_string()),
    };
    Statement {
        side,
        revision: revision.label().to_owned(),
        location,
        text,
    }
}

/// The example of a change, source first.
fn example(w: &Witness) -> Example {
    let p = &w.point;
    let pod = Endpoint {
        kind: "pod",
        namespace: Some(p.namespace.clone()),
        namespace_labels: match &p.other {
            OtherEnd::Pod {
                namespace,
                namespace_labels,
                ..
            } if *namespace == p.namespace => without_name(namespace_labels),
            _ => Labels::new(),
        },
        labels: p.pod_labels.clone(),
        ip: w.pod_ip.to_string(),
    };
    let other = match &p.other {
        OtherEnd::Pod {
            namespace,
            namespace_labels,
            labels,
            ip,
        } => Endpoint {
            kind: "pod",
            namespace: Some(namespace.clone()),
            namespace_labels: without_name(namespace_labels),
            labels: labels.clone(),
            ip: ip.to_string(),
        },
        OtherEnd::Address(ip) => Endpoint {
            kind: "address",
            namespace: None,
            namespace_labels: Labels::new(),
            labels: Labels::new(),
            ip: ip.to_string(),
        },
        OtherEnd::HostNetworkPod { ip } => Endpoint {
            kind: "host-network-pod",
            namespace: None,
            namespace_labels: Labels::new(),
            labels: Labels::new(),
            ip: ip.to_string(),
        },
    };
    let (source, destination) = match p.direction {
        Direction::Egress => (pod, other),
        Direction::Ingress => (other, pod),
    };
    let mut text = format!(
        "{} → {} on {} {}",
        endpoint(&source),
        endpoint(&destination),
        p.protocol,
        p.port
    );
    if let Some(name) = &p.port_name {
        let _ = write!(text, " (a port named `{name}`)");
    }
    Example {
        text,
        source,
        destination,
        protocol: p.protocol.to_string(),
        port: p.port,
        port_name: p.port_name.clone(),
    }
}

/// A namespace's labels without the one that repeats its name.
fn without_name(labels: &Labels) -> Labels {
    labels
        .iter()
        .filter(|(k, _)| *k != NAMESPACE_NAME_LABEL)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// An example's end in words: ``pod `app=web` in `shop` (10.244.0.10)``.
fn endpoint(e: &Endpoint) -> String {
    let labels = |l: &Labels| {
        let parts: Vec<String> = l.iter().map(|(k, v)| format!("{k}={v}")).collect();
        parts.join(",")
    };
    match e.kind {
        "pod" => {
            let who = if e.labels.is_empty() {
                "pod without labels".to_owned()
            } else {
                format!("pod `{}`", labels(&e.labels))
            };
            let mut ns = format!("`{}`", e.namespace.as_deref().unwrap_or_default());
            if !e.namespace_labels.is_empty() {
                let _ = write!(ns, " (labelled `{}`)", labels(&e.namespace_labels));
            }
            format!("{who} in {ns} ({})", e.ip)
        }
        "host-network-pod" => format!("hostNetwork pod at {}", e.ip),
        _ => format!("address {}", e.ip),
    }
}
