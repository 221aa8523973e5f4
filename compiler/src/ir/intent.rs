//! What a program means, per namespace: which pods are isolated in which direction, and
//! which connections each side allows. This is the output of `resolve::lower` and the
//! input of `emit`; it is stated in the same terms as NetworkPolicy (label selectors,
//! address sets, ports) so that emission only has to group and print.
//!
//! **Invariant:** every allowance targets pods that the same namespace isolates in the
//! allowance's direction (`Allowance::pods` implies some `Isolation::pods`): an allowance
//! for pods that are not isolated would change nothing, and emitting it would isolate them.

use crate::ir::selector::LabelSelector;
use crate::ir::{AddrSet, PortSet, Protocol};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A direction of traffic relative to the selected pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// Traffic into the selected pods.
    Ingress,
    /// Traffic out of the selected pods.
    Egress,
}

impl Direction {
    /// The Kubernetes spelling used in `policyTypes`.
    pub fn as_k8s(self) -> &'static str {
        match self {
            Direction::Ingress => "Ingress",
            Direction::Egress => "Egress",
        }
    }

    /// The word in messages and JSON: `ingress`, `egress`.
    pub fn word(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

/// The meaning of a whole program.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Intent {
    /// Every namespace whose policies the program shapes, by name.
    pub namespaces: BTreeMap<String, NamespaceIntent>,
}

/// What the program says about the pods of one namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NamespaceIntent {
    /// Pods isolated in a direction: a pod is isolated when any entry selects it.
    pub isolations: Vec<Isolation>,
    /// Connections allowed on this namespace's side; they add up.
    pub allowances: Vec<Allowance>,
}

/// "These pods are isolated in this direction."
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Isolation {
    /// The direction.
    pub direction: Direction,
    /// The pods of the namespace, by label.
    pub pods: LabelSelector,
    /// The statement that said so.
    pub source: SourceRef,
}

/// "These pods accept connections from `peer` (ingress) or may open them towards `peer`
/// (egress), on these ports."
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allowance {
    /// Ingress: connections into `pods`; egress: connections out of them.
    pub direction: Direction,
    /// The pods of the namespace, by label.
    pub pods: LabelSelector,
    /// The other end.
    pub peer: PeerSet,
    /// The destination ports.
    pub ports: PortAccess,
    /// The statement that said so.
    pub source: SourceRef,
}

/// The other end of an allowed connection.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeerSet {
    /// Pods chosen by namespace and labels.
    Pods {
        /// Which namespaces.
        namespaces: NamespaceSet,
        /// Which pods within them.
        pods: LabelSelector,
    },
    /// Addresses (which, depending on the network plugin, may include pod IPs).
    Addresses(AddrSet),
    /// Every pod and every address.
    Everything,
}

/// Namespaces, by name or by label.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NamespaceSet {
    /// One namespace.
    Named(String),
    /// Every namespace whose labels match; `{}` is every namespace.
    Matching(LabelSelector),
}

/// A set of destination ports: numbers per protocol, and container-port names that
/// resolve on the destination pod.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortAccess {
    /// Port numbers, per protocol.
    pub numbers: PortSet,
    /// Named ports, with the protocol they were written with.
    pub named: BTreeSet<(Protocol, String)>,
}

impl PortAccess {
    /// Every port of every protocol (no `on`).
    pub fn all() -> PortAccess {
        PortAccess {
            numbers: PortSet::all(),
            named: BTreeSet::new(),
        }
    }

    /// True when every port of every protocol is in the set (named ports then add
    /// nothing).
    pub fn is_all(&self) -> bool {
        self.numbers.is_all()
    }

    /// The union of two sets.
    pub fn union(&self, other: &PortAccess) -> PortAccess {
        let numbers = self.numbers.union(&other.numbers);
        let named = if numbers.is_all() {
            BTreeSet::new()
        } else {
            self.named.union(&other.named).cloned().collect()
        };
        PortAccess { numbers, named }
    }
}

/// The user-facing statement behind a piece of meaning: where it was written, or, for a
/// statement that came from a rule, the `use` that applied it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceRef {
    /// The file name as given (`<stdlib>/dns.npl` for the standard library).
    pub file: String,
    /// The 1-based line, for messages: it never reaches a manifest (decision 0012).
    pub line: usize,
    /// The statement as written, in the layout-free form of `resolve::quote`.
    pub statement: String,
}

impl fmt::Display for SourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}
