//! NP0603: NetworkPolicies that name no namespace read into `default` while the program
//! names other namespaces. `kubectl apply -n NS` (or a kustomization's `namespace:`) puts
//! such manifests where the program expects them; read without it they land in `default`,
//! which the program does not shape, and the proof then fails there for a reason its
//! counterexamples do not say.

use crate::diag::{count, Code, Diagnostic};
use crate::ir::intent::{NamespaceSet, PeerSet};
use crate::model::Cluster;
use crate::pipeline::Compiled;
use crate::resolve::hir::{Action, Scope};
use std::collections::BTreeSet;

/// The namespace objects without one land in when no `-n` is given.
const DEFAULT: &str = "default";

/// How many names a note lists before "and N more".
const LISTED: usize = 3;

/// The warning, when `namespace` (the `-n` given) is `None`, some policies named no
/// namespace, and the program names namespaces, none of them `default`.
pub fn warning(
    compiled: &Compiled,
    cluster: &Cluster,
    namespace: Option<&str>,
) -> Option<Diagnostic> {
    if namespace.is_some() || cluster.unnamespaced_policies.is_empty() {
        return None;
    }
    let named = program_namespaces(compiled);
    if named.is_empty() || named.contains(DEFAULT) {
        return None;
    }
    let policies = &cluster.unnamespaced_policies;
    let read: Vec<String> = cluster
        .policies
        .iter()
        .filter(|p| policies.contains(&p.id()))
        .map(|p| format!("NetworkPolicy {} at {}", p.id(), p.origin))
        .collect();
    let suggestion = match named.iter().collect::<Vec<_>>().as_slice() {
        [one] => format!("-n {one}"),
        _ => "-n NAMESPACE".to_owned(),
    };
    Some(
        Diagnostic::new(
            Code::PoliciesInDefaultNamespace,
            format!(
                "{} no namespace and {} read into `{DEFAULT}`, which the program does not name",
                count(
                    policies.len(),
                    "NetworkPolicy names",
                    "NetworkPolicies name"
                ),
                if policies.len() == 1 { "was" } else { "were" }
            ),
        )
        .with_note(format!(
            "the program names {}",
            listed(named.iter().map(|n| format!("`{n}`")))
        ))
        .with_note(format!(
            "read into `{DEFAULT}`: {}",
            listed(read.into_iter())
        ))
        .with_help(format!(
            "give the namespace they are applied to, as `kubectl apply -n` does: `{suggestion}`"
        )),
    )
}

/// Every namespace the program names: those it shapes, the blocks its statements are
/// written in, and the namespaces its endpoints name.
fn program_namespaces(compiled: &Compiled) -> BTreeSet<&str> {
    let mut named: BTreeSet<&str> = compiled
        .intent
        .namespaces
        .keys()
        .map(String::as_str)
        .collect();
    for statement in &compiled.program.statements {
        if let Scope::Namespace(ns) = &statement.scope {
            named.insert(ns);
        }
        match &statement.action {
            Action::Isolate { namespace, .. } => {
                named.insert(namespace);
            }
            Action::Allow { from, to, .. } => {
                for peer in from.iter().chain(to) {
                    if let PeerSet::Pods {
                        namespaces: NamespaceSet::Named(ns),
                        ..
                    } = peer
                    {
                        named.insert(ns);
                    }
                }
            }
        }
    }
    named
}

/// `a, b, c and 4 more`.
fn listed(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    let shown = items
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    match items.len().saturating_sub(LISTED) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}
