//! The resolved program: every name looked up, every rule applied, every `define`
//! expanded, and each statement reduced to one of two actions, each with the scope it
//! was written in. This is what the contract's "Meaning" section speaks about; `lower`
//! turns it into per-namespace [`Intent`](crate::ir::Intent).

use crate::ir::intent::{PeerSet, PortAccess, SourceRef};
use crate::ir::WorkloadLabels;
use crate::model::{Direction, LabelSelector};
use crate::syntax::Span;

/// A whole resolved program.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Program {
    /// Every statement, rules expanded, in source order (files in the order given).
    pub statements: Vec<Statement>,
    /// The label key that names workloads in each namespace (`app` unless `netpolc.toml`
    /// or the namespace's block says otherwise).
    pub workload_labels: WorkloadLabels,
}

/// Whose policies a statement may shape.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Written inside `namespace N { }`: only N's pods, on whichever side they are.
    Namespace(String),
    /// Written at the top level: both sides, wherever they are.
    Cluster,
}

/// One resolved statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// Whose policies it may shape.
    pub scope: Scope,
    /// What it does.
    pub action: Action,
    /// The user-facing statement behind it: where it is written, or for a statement from a
    /// rule, the outermost `use` that applied it.
    pub source: SourceRef,
    /// The file and span of that user-facing statement, for diagnostics.
    pub site: (String, Span),
}

/// What a statement does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Pods of one namespace are isolated in one direction.
    Isolate {
        /// The namespace.
        namespace: String,
        /// Its pods, by label.
        pods: LabelSelector,
        /// The direction.
        direction: Direction,
    },
    /// Connections from any of `from` towards any of `to`, on `ports`, are allowed on the
    /// sides that `sides` names (and the scope permits).
    Allow {
        /// The side opening connections.
        from: Vec<PeerSet>,
        /// The side accepting them.
        to: Vec<PeerSet>,
        /// The destination ports.
        ports: PortAccess,
        /// Which sides the statement speaks for.
        sides: Sides,
    },
}

/// Which sides of a connection an allowance speaks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sides {
    /// `A may talk to B`: A's egress and B's ingress.
    Both,
    /// `A egress only B`: A's egress only.
    Egress,
    /// `A ingress only from B`: A's ingress only (A is the destination).
    Ingress,
}

impl Sides {
    /// Whether the statement speaks for this direction's side.
    pub fn includes(self, direction: Direction) -> bool {
        match self {
            Sides::Both => true,
            Sides::Egress => direction == Direction::Egress,
            Sides::Ingress => direction == Direction::Ingress,
        }
    }
}

/// Whether namespace `name` belongs to `set`, as far as that namespace's own policies can
/// tell. Policies cannot see the labels of the namespace they live in, only its name
/// (the API server sets `kubernetes.io/metadata.name`), so a set chosen by other labels
/// gives `None`: the program cannot shape that namespace's side through it.
pub fn namespace_membership(set: &crate::ir::intent::NamespaceSet, name: &str) -> Option<bool> {
    use crate::ir::intent::NamespaceSet;
    use crate::model::{Labels, NAMESPACE_NAME_LABEL};
    match set {
        NamespaceSet::Named(n) => Some(n == name),
        NamespaceSet::Matching(selector) => {
            let only_name = selector
                .match_labels
                .keys()
                .all(|k| k == NAMESPACE_NAME_LABEL)
                && selector
                    .match_expressions
                    .iter()
                    .all(|r| r.key == NAMESPACE_NAME_LABEL);
            if !only_name {
                return None;
            }
            let labels: Labels = [(NAMESPACE_NAME_LABEL.to_owned(), name.to_owned())].into();
            Some(selector.matches(&labels))
        }
    }
}
