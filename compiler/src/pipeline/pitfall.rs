//! NP0406: `web may talk to anywhere on 53` inside `namespace shop { }` speaks for both
//! sides of the connection, and `anywhere` (or `cluster`) holds shop's own pods, so the
//! statement also opens the ingress of every ingress-isolated pod of shop to `web`
//! (language.md, "Meaning": the destination's side allows it when some in-scope statement
//! allows ingress into a set holding it). Users who write it nearly always mean the egress.
//!
//! The warning must be right, so whether the statement really opens something is decided
//! exactly, for every cluster: the namespace's meaning is lowered once as written and once
//! with each such statement's wide destinations taken out of its ingress side (its egress
//! side kept whole), and `verify::equiv` lists what the first allows and the second does
//! not. Nothing listed (the ingress was open already, no pod of it is isolated) means no
//! warning. That question needs the proof's algebra, which sits above `resolve`, hence
//! here rather than in `lower`.

use crate::diag::{Code, Diagnostic};
use crate::ir::intent::{NamespaceSet, PeerSet, SourceRef};
use crate::ir::labels;
use crate::model::{Direction, LabelSelector, Operator, NAMESPACE_NAME_LABEL};
use crate::resolve::describe;
use crate::resolve::hir::{namespace_membership, Action, Program, Scope, Sides, Statement};
use crate::resolve::lower::lower;
use crate::verify::equiv::{changes_within, lift_intent, Budget, Change, Provenance};
use crate::verify::Options;
use std::collections::{BTreeMap, BTreeSet};

/// Box comparisons spent per namespace that has such statements. The question is small
/// (one namespace, one direction, the few statements that differ); past this the warning
/// is not given, as a warning that might be wrong must not be.
const BUDGET: u64 = 2_000_000;

/// The NP0406 warnings of a resolved program.
pub fn wide_destinations(program: &Program) -> Vec<Diagnostic> {
    let mut by_namespace: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, stmt) in program.statements.iter().enumerate() {
        if let Some(namespace) = candidate(stmt) {
            by_namespace.entry(namespace).or_default().push(i);
        }
    }
    let mut warnings = Vec::new();
    let mut warned: BTreeSet<&SourceRef> = BTreeSet::new();
    for (namespace, candidates) in by_namespace {
        let opened = opened(program, namespace, &candidates);
        for &i in &candidates {
            let stmt = &program.statements[i];
            let mine: Vec<&Change> = opened
                .iter()
                .filter(|c| {
                    c.reasons
                        .contains(&Provenance::Statement(stmt.source.clone()))
                })
                .collect();
            // Statements from one `use` share their site: one warning there.
            if mine.is_empty() || !warned.insert(&stmt.source) {
                continue;
            }
            warnings.extend(warning(program, stmt, namespace, &mine));
        }
    }
    warnings
}

/// The namespace of a block statement `A may talk to B` whose subjects include pods of the
/// block and whose destinations include them without naming them (`anywhere`, `cluster`).
fn candidate(stmt: &Statement) -> Option<&str> {
    let Scope::Namespace(namespace) = &stmt.scope else {
        return None;
    };
    let Action::Allow {
        from,
        to,
        sides: Sides::Both,
        ..
    } = &stmt.action
    else {
        return None;
    };
    let subject_here = from.iter().any(|p| holds_pods_of(p, namespace));
    let wide = to.iter().any(|p| wide(p, namespace));
    (subject_here && wide).then_some(namespace.as_str())
}

/// Whether `set` holds pods of `namespace`, as that namespace's policies can tell.
fn holds_pods_of(set: &PeerSet, namespace: &str) -> bool {
    match set {
        PeerSet::Everything => true,
        PeerSet::Addresses(_) => false,
        PeerSet::Pods { namespaces, .. } => {
            namespace_membership(namespaces, namespace) == Some(true)
        }
    }
}

/// Whether a destination holds pods of `namespace` without naming it: `anywhere`,
/// `cluster`, or namespaces chosen by a name selector that does not list it
/// (`kubernetes.io/metadata.name notin (kube-system)`). One that names the namespace
/// (`*`, `web`, `namespace shop`) opens its pods' ingress on purpose.
fn wide(set: &PeerSet, namespace: &str) -> bool {
    match set {
        PeerSet::Everything => true,
        PeerSet::Addresses(_) => false,
        PeerSet::Pods {
            namespaces: NamespaceSet::Named(_),
            ..
        } => false,
        PeerSet::Pods {
            namespaces: NamespaceSet::Matching(sel),
            ..
        } => {
            let named = sel
                .match_labels
                .get(NAMESPACE_NAME_LABEL)
                .map(String::as_str)
                == Some(namespace)
                || sel.match_expressions.iter().any(|r| {
                    r.key == NAMESPACE_NAME_LABEL
                        && r.operator == Operator::In
                        && r.values.iter().any(|v| v == namespace)
                });
            holds_pods_of(set, namespace) && !named
        }
    }
}

/// What `namespace`'s ingress side allows through the candidates' wide destinations and
/// through nothing else: the changes from the program as written to the program with
/// those destinations taken out of the candidates' ingress side.
fn opened(program: &Program, namespace: &str, candidates: &[usize]) -> Vec<Change> {
    // Only statements that can shape this namespace: its isolations, its block's and the
    // top level's allowances.
    let relevant = |stmt: &Statement| match &stmt.action {
        Action::Isolate { namespace: n, .. } => n == namespace,
        Action::Allow { .. } => match &stmt.scope {
            Scope::Cluster => true,
            Scope::Namespace(n) => n == namespace,
        },
    };
    let mut written = Vec::new();
    let mut narrowed = Vec::new();
    for (i, stmt) in program.statements.iter().enumerate() {
        if !relevant(stmt) {
            continue;
        }
        written.push(stmt.clone());
        match (&stmt.action, candidates.contains(&i)) {
            (
                Action::Allow {
                    from, to, ports, ..
                },
                true,
            ) => {
                let egress = Action::Allow {
                    from: from.clone(),
                    to: to.clone(),
                    ports: ports.clone(),
                    sides: Sides::Egress,
                };
                narrowed.push(Statement {
                    action: egress,
                    ..stmt.clone()
                });
                let named: Vec<PeerSet> =
                    to.iter().filter(|p| !wide(p, namespace)).cloned().collect();
                if !named.is_empty() {
                    let ingress = Action::Allow {
                        from: from.clone(),
                        to: named,
                        ports: ports.clone(),
                        sides: Sides::Ingress,
                    };
                    narrowed.push(Statement {
                        action: ingress,
                        ..stmt.clone()
                    });
                }
            }
            _ => narrowed.push(stmt.clone()),
        }
    }
    let meaning = |statements: Vec<Statement>| {
        let (mut intent, _) = lower(&Program {
            statements,
            workload_labels: program.workload_labels.clone(),
        });
        intent.namespaces.retain(|n, _| n == namespace);
        lift_intent(&intent, Options::default())
    };
    let (as_written, without) = (meaning(written), meaning(narrowed));
    match changes_within(&as_written, &without, &Budget::new(BUDGET)) {
        Ok(changes) => changes
            .list
            .into_iter()
            .filter(|c| c.direction == Direction::Ingress && c.namespace == namespace)
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn warning(
    program: &Program,
    stmt: &Statement,
    namespace: &str,
    opened: &[&Change],
) -> Option<Diagnostic> {
    let Action::Allow { from, to, .. } = &stmt.action else {
        return None;
    };
    let first = opened.first()?;
    let label = &program.workload_labels;
    let here = Some(namespace);
    let words = |list: &[PeerSet], keep: &dyn Fn(&PeerSet) -> bool| -> Vec<String> {
        list.iter()
            .filter(|p| keep(p))
            .map(|p| format!("`{}`", describe::endpoint(p, here, label)))
            .collect()
    };
    let wide_words = words(to, &|p| wide(p, namespace));
    let mut message = format!(
        "{} includes the pods of namespace `{namespace}`, so this statement also opens their ingress: {} accept {} on {}",
        wide_words.join(" and "),
        first.pods,
        first.other,
        first.ports
    );
    if opened.len() > 1 {
        message.push_str(&format!(" (and {} more)", opened.len() - 1));
    }
    let mut d = Diagnostic::new(Code::OpensOwnIngress, message).at(&stmt.site.0, stmt.site.1);
    d.notes
        .push(format!("for example, {}", first.example.connection()));
    let subjects = words(from, &|p| holds_pods_of(p, namespace)).join(", ");
    let text = &stmt.source.statement;
    let isolated = egress_isolated(program, namespace, from);
    d.help = Some(match (text.strip_prefix("use "), isolated) {
        (Some(rule), _) => {
            let rule = rule.split(['(', ' ']).next().unwrap_or(rule);
            format!("the statement comes from rule `{rule}`: where only the egress of {subjects} is meant, write `egress only` there instead of `may talk to`")
        }
        (None, true) => {
            let egress_only = text.replacen(" may talk to ", " egress only ", 1);
            format!("if only the egress of {subjects} is meant, write `{egress_only}`: it allows the same egress and opens no ingress")
        }
        (None, false) => {
            let egress_only = text.replacen(" may talk to ", " egress only ", 1);
            format!("the egress of {subjects} is not isolated, so this ingress is all the statement opens: if egress was meant, it is open already (remove the statement), or write `{egress_only}` to isolate it to that")
        }
    });
    Some(d)
}

/// Whether every pod of the subjects that lies in `namespace` is isolated for egress by
/// the program, so that `egress only` would isolate nothing new.
fn egress_isolated(program: &Program, namespace: &str, from: &[PeerSet]) -> bool {
    /// Past this many pieces the difference is not pursued: "not isolated" is then said,
    /// whose help suggests the same rewrite with a caveat.
    const PIECES: usize = 256;
    let isolations: Vec<&LabelSelector> = program
        .statements
        .iter()
        .filter_map(|s| match &s.action {
            Action::Isolate {
                namespace: n,
                pods,
                direction: Direction::Egress,
            } if n == namespace => Some(pods),
            _ => None,
        })
        .collect();
    let mut left: Vec<LabelSelector> = from
        .iter()
        .filter(|p| holds_pods_of(p, namespace))
        .map(|p| match p {
            PeerSet::Pods { pods, .. } => pods.clone(),
            _ => LabelSelector::default(),
        })
        .collect();
    for isolation in isolations {
        if left.len() > PIECES {
            return false;
        }
        left = left
            .iter()
            .flat_map(|l| labels::difference(l, isolation))
            .collect();
    }
    left.is_empty()
}
