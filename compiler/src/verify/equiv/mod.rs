//! Equivalence for every cluster: do two sets of NetworkPolicies (or a program's meaning
//! and a set of policies) allow exactly the same connections, whatever the namespaces,
//! labels, pods, addresses and named ports of the cluster they are applied to? And if not,
//! a concrete connection where they differ.
//!
//! Both sides are *lifted* ([`lift_policies`], [`lift_intent`]) into one symbolic form: per
//! namespace and direction, the pods isolated there (a union of label boxes) and the
//! connections allowed there (a union of boxes over the shaped pod's labels, the other
//! end, the protocol and port, and the destination's name for the port; see
//! `partition`). A side of a connection is allowed when its pod is not isolated or an
//! allowed box holds the connection (language.md, "Meaning"; the engine's `side`), so two
//! lifts are equal when, for every namespace either one shapes and both directions, these
//! effective sets are equal. That is decided by box subtraction, exactly, over infinitely
//! many label values and names: no cluster is sampled.
//!
//! Equality is per side: the source's egress and the destination's ingress are compared
//! separately, as the language defines them, and a difference is reported on the side
//! where it is. (A whole connection also needs the other side; a witness towards an
//! outside address, or towards a namespace neither lift shapes, is one on which whole
//! connections differ too.)

mod decide;
mod delta;
mod describe;
mod lift;
mod partition;
mod witness;

pub use delta::{changes, changes_within, Cause, Change, Changes, TooLarge, MAX_CHANGES};
pub use lift::{lift_intent, lift_namespace_intents, lift_policies};
pub use partition::Budget;
pub use witness::{joined, Which, Witness, WITNESS_PEER, WITNESS_POD};

use crate::ir::intent::SourceRef;
use crate::ir::labels::LabelBox;
use crate::ir::Protocol;
use crate::model::{Direction, Labels, Origin};
use crate::verify::Options;
use partition::Cube;
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

/// Policies or a program's meaning, lifted: what every namespace's side allows, in each
/// direction. Build it with [`lift_policies`] or [`lift_intent`]; compare two with
/// [`equivalent`] or [`difference`]. Both must be lifted with the same
/// [`Options`](crate::verify::Options) for the comparison to mean anything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lifted {
    sides: BTreeMap<(String, Direction), Side>,
    /// The plugin behaviour lifted under: with `select_host_network`, hostNetwork pods are
    /// pods, and the space has no separate kind for them (`lift::kinds`).
    options: Options,
}

/// One namespace's side in one direction: what isolates its pods and what it allows,
/// each box with the object or statement it came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Side {
    isolated: Vec<(LabelBox, Provenance)>,
    allowed: Vec<(Cube, Provenance)>,
}

/// What put a box into a lift: a NetworkPolicy (its isolation, or one of its rules) or a
/// program's statement. Kept structured, not as text, so that a report can look the
/// statement up in its file (`netpolc diff` quotes it).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Provenance {
    /// A NetworkPolicy.
    Policy {
        /// `namespace/name`.
        id: String,
        /// The file and document it was read from.
        origin: Origin,
        /// The rule, by direction and index in `spec.ingress` or `spec.egress`; `None`
        /// for the policy's isolation of the pods it selects.
        rule: Option<(Direction, usize)>,
    },
    /// A statement of the program (for one from a rule, the `use` that applied it).
    Statement(SourceRef),
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Provenance::Policy { id, rule: None, .. } => write!(f, "NetworkPolicy {id}"),
            Provenance::Policy {
                id,
                rule: Some((direction, i)),
                ..
            } => write!(f, "NetworkPolicy {id} spec.{}[{i}]", direction.word()),
            Provenance::Statement(source) => write!(f, "statement at {source}"),
        }
    }
}

impl Lifted {
    /// The namespaces whose policies isolate some pods, sorted.
    pub fn namespaces(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.sides.keys().map(|(ns, _)| ns.as_str()).collect();
        v.dedup();
        v
    }

    /// Whether the side of `point.namespace` in `point.direction` allows the connection:
    /// its pod is not isolated there, or an allowance holds it. The point-wise meaning
    /// the symbolic comparison decides for all points at once; tests hold it to the
    /// engine.
    pub fn allows(&self, point: &Point) -> bool {
        let Some(side) = self.sides.get(&(point.namespace.clone(), point.direction)) else {
            return true;
        };
        let isolated = side
            .isolated
            .iter()
            .any(|(b, _)| b.contains(&point.pod_labels));
        !isolated || side.allowed.iter().any(|(c, _)| c.contains(point))
    }
}

/// One side of one concrete connection: the pod of `namespace` whose side it is, the
/// other end, and the port.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Point {
    /// The namespace of the pod whose side this is.
    pub namespace: String,
    /// Egress: the pod opens the connection; ingress: it accepts it.
    pub direction: Direction,
    /// The pod's labels.
    pub pod_labels: Labels,
    /// The other end.
    pub other: OtherEnd,
    /// The protocol.
    pub protocol: Protocol,
    /// The destination port number.
    pub port: u16,
    /// The name the destination pod gives `(protocol, port)` among its container ports,
    /// if any (the pod itself for ingress, the other end for egress; an outside address
    /// names no port).
    pub port_name: Option<String>,
}

/// The other end of a connection.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OtherEnd {
    /// A pod of the cluster. It always has an address: a pod that connects has one.
    Pod {
        /// Its namespace.
        namespace: String,
        /// Its namespace's labels (`kubernetes.io/metadata.name` is always the name,
        /// whatever this map says).
        namespace_labels: Labels,
        /// Its labels.
        labels: Labels,
        /// Its IP (which ipBlocks may match, depending on the network plugin).
        ip: IpAddr,
    },
    /// An address outside the cluster.
    Address(IpAddr),
    /// A hostNetwork pod: to NetworkPolicy, node traffic that ipBlocks may match by its
    /// IP; its namespace and labels never count, but its container ports name ports.
    /// Only in lifts made without [`Options::select_host_network`]: with it, such a pod
    /// is a [`OtherEnd::Pod`].
    HostNetworkPod {
        /// Its (node) IP.
        ip: IpAddr,
    },
}

/// Where two lifts differ: one witness per namespace, direction and side that allows
/// more, sorted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// The witnesses, at least one.
    pub witnesses: Vec<Witness>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, w) in self.witnesses.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{w}")?;
        }
        Ok(())
    }
}

/// `Ok` when `a` and `b` allow exactly the same connections on every side, for every
/// cluster; otherwise a witness for each namespace, direction and side where one allows
/// something the other does not. Without a budget: see [`compare`] for input that may
/// be hostile.
pub fn equivalent(a: &Lifted, b: &Lifted) -> Result<(), Difference> {
    match compare(a, b, &Budget::new(u64::MAX)) {
        Verdict::Equal | Verdict::TooLarge => Ok(()),
        Verdict::Differ(d) => Err(d),
    }
}

/// What [`compare`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The two allow exactly the same connections, for every cluster.
    Equal,
    /// They differ; every witness is a true counterexample (when the budget ran out,
    /// others may exist that were not searched for).
    Differ(Difference),
    /// The budget ran out before any difference was found: no answer.
    TooLarge,
}

/// [`equivalent`] within a budget of box comparisons.
pub fn compare(a: &Lifted, b: &Lifted, budget: &Budget) -> Verdict {
    let witnesses = decide::differences(a, b, budget);
    if !witnesses.is_empty() {
        Verdict::Differ(Difference { witnesses })
    } else if budget.exhausted() {
        Verdict::TooLarge
    } else {
        Verdict::Equal
    }
}

/// A connection side that `a` allows and `b` denies (`a \ b`), or `None` when everything
/// `a` allows `b` allows too (`a` implies `b`).
pub fn difference(a: &Lifted, b: &Lifted) -> Option<Witness> {
    decide::first_difference(a, b, &Budget::new(u64::MAX))
}
