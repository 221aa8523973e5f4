//! The oracle: what a resolved program ([`hir::Program`]) allows on a concrete cluster,
//! evaluated straight from the language contract's "Meaning" section
//! (`shared/design/language.md`), statement by statement.
//!
//! It must stay independent of `resolve::lower` and `emit`: it never builds an
//! [`Intent`](crate::ir::Intent) or a NetworkPolicy, so when the engine's verdict on the
//! emitted policies differs from the oracle's, lowering or emission is wrong (or the oracle,
//! or the contract is ambiguous); a bug hides only if the oracle repeats it independently.
//! It reads only the cluster's namespaces and workloads; `Cluster::policies` is ignored.
//!
//! Two engine conventions that the contract does not speak about are mirrored so that the
//! comparison is fair (both from `verify/engine.rs` and `verify/connection.rs`):
//! - a single pod's traffic to itself is always allowed (no policy can block it; the
//!   upstream e2e tests never expect it denied);
//! - hostNetwork pods are node traffic: never isolated, never held by a pod set, held by an
//!   address set by their (node) IP; under [`Options::select_host_network`] they are pods
//!   like any other. [`super::sample`] never generates them.

use super::engine::{Endpoint, Options};
use crate::ir::intent::{NamespaceSet, PeerSet, PortAccess};
use crate::ir::Protocol;
use crate::model::{Cluster, ContainerPort, Direction, Labels, Workload};
use crate::resolve::hir::{self, Action, Program, Scope, Statement};
use std::collections::BTreeSet;
use std::net::IpAddr;

/// One allowed connection on one port: "`src` may open a connection to `dst` on
/// `protocol`/`port`".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fact {
    /// The side opening the connection.
    pub src: Endpoint,
    /// The side accepting it.
    pub dst: Endpoint,
    /// The protocol.
    pub protocol: Protocol,
    /// The destination port.
    pub port: u16,
}

/// What to ask about: the outside addresses to pair with every workload and the ports to
/// try on every pair. Workload pairs are all of the cluster's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Probe {
    /// Addresses outside the cluster.
    pub addresses: Vec<IpAddr>,
    /// Ports, per protocol.
    pub ports: Vec<(Protocol, u16)>,
}

/// Why one side decides as it does: the statements that isolate the subject, and those
/// whose sets hold both ends (so that only the port is left to check).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SideWitness {
    /// Indices into `Program::statements` of the in-scope `Isolate`s that select the
    /// subject in this direction; empty: the side is open.
    pub isolated_by: Vec<usize>,
    /// Indices of the in-scope `Allow`s for this side whose sets hold both ends.
    pub candidates: Vec<usize>,
}

/// The program's meaning, evaluated on one cluster.
pub struct Oracle<'a> {
    program: &'a Program,
    cluster: &'a Cluster,
    options: Options,
}

/// One connection's verdict, before ports: each side's witness (`None` for an address).
pub struct Judgement<'o, 'a> {
    oracle: &'o Oracle<'a>,
    dst: Endpoint,
    self_pod: bool,
    no_pod: bool,
    egress: Option<SideWitness>,
    ingress: Option<SideWitness>,
}

impl Judgement<'_, '_> {
    /// Whether the connection is allowed on `protocol`/`port`: both pods' sides, or the one
    /// pod's side towards or from an address (contract, "Meaning").
    pub fn allows(&self, protocol: Protocol, port: u16) -> bool {
        if self.self_pod || self.no_pod {
            return true;
        }
        let side_ok = |w: &Option<SideWitness>| {
            w.as_ref()
                .is_none_or(|w| self.oracle.witness_allows(w, self.dst, protocol, port))
        };
        side_ok(&self.egress) && side_ok(&self.ingress)
    }
}

/// Contract, "Blocks and scope": a statement inside `namespace N { }` may only shape the
/// policies of N; a top-level statement shapes both sides wherever they are.
fn in_scope(scope: &Scope, namespace: &str) -> bool {
    match scope {
        Scope::Cluster => true,
        Scope::Namespace(n) => n == namespace,
    }
}

/// Whether a set holds the pod whose side is being shaped, *as that pod's namespace's own
/// policies can tell*: a policy sees its own namespace's name but not its other labels
/// (`hir::namespace_membership`), and an address set never holds the shaped pod (a
/// policy selects pods by label, never by IP).
fn holds_shaped(set: &PeerSet, namespace: &str, labels: &Labels) -> bool {
    match set {
        PeerSet::Everything => true,
        PeerSet::Addresses(_) => false,
        PeerSet::Pods { namespaces, pods } => {
            hir::namespace_membership(namespaces, namespace) == Some(true) && pods.matches(labels)
        }
    }
}

/// Contract, "Ports": `on 5432` is TCP 5432, a range is inclusive, and a named port names
/// a container port of the destination pod, matched by name and protocol (API reference,
/// NetworkPolicyPort.port: "a numerical or named port on a pod"). An address outside the
/// cluster has no named ports.
fn port_in(
    access: &PortAccess,
    destination: &[ContainerPort],
    protocol: Protocol,
    port: u16,
) -> bool {
    access.numbers.contains(protocol, port)
        || access.named.iter().any(|(p, name)| {
            *p == protocol
                && destination.iter().any(|cp| {
                    cp.protocol == protocol && cp.port == port && cp.name.as_deref() == Some(name)
                })
        })
}

impl<'a> Oracle<'a> {
    /// The oracle for `program` on `cluster`; `options` are the engine's (whether an
    /// address set holds pods by IP).
    pub fn new(program: &'a Program, cluster: &'a Cluster, options: Options) -> Self {
        Self {
            program,
            cluster,
            options,
        }
    }

    fn workload(&self, w: usize) -> Option<&'a Workload> {
        self.cluster.workloads.get(w)
    }

    /// Whether a set holds an endpoint *in the actual cluster*: the other end of a
    /// connection, seen from the shaped side, is matched as Kubernetes matches peers
    /// (namespace selectors see the namespace's real labels).
    fn holds_actual(&self, set: &PeerSet, endpoint: Endpoint) -> bool {
        match (set, endpoint) {
            // Contract, "Endpoints": `anywhere` is every pod and every address.
            (PeerSet::Everything, _) => true,
            (PeerSet::Pods { .. }, Endpoint::Address(_)) => false,
            (PeerSet::Pods { namespaces, pods }, Endpoint::Workload(w)) => {
                let Some(wl) = self.workload(w) else {
                    return false;
                };
                let ns_ok = match namespaces {
                    NamespaceSet::Named(n) => *n == wl.namespace,
                    NamespaceSet::Matching(sel) => self
                        .cluster
                        .namespaces
                        .get(&wl.namespace)
                        .is_some_and(|ns| sel.matches(&ns.labels)),
                };
                self.options.selectable(wl) && ns_ok && pods.matches(&wl.labels)
            }
            (PeerSet::Addresses(a), Endpoint::Address(ip)) => a.contains(&ip),
            // ir::intent: addresses "may include pod IPs, depending on the network
            // plugin" (decision 0004: the engine's `ipblock_matches_pods`).
            (PeerSet::Addresses(a), Endpoint::Workload(w)) => {
                self.options.ipblock_matches_pods
                    && self
                        .workload(w)
                        .is_some_and(|wl| wl.ips.iter().any(|ip| a.contains(ip)))
            }
        }
    }

    /// The in-scope `Isolate` statements that isolate workload `w` in `direction`
    /// (contract, "Meaning": "a pod is isolated in a direction when any statement isolates
    /// it in that direction").
    pub fn isolated_by(&self, w: usize, direction: Direction) -> Vec<usize> {
        let Some(wl) = self.workload(w) else {
            return Vec::new();
        };
        if !self.options.selectable(wl) {
            return Vec::new();
        }
        self.statements()
            .filter(|(_, st)| match &st.action {
                Action::Isolate {
                    namespace,
                    pods,
                    direction: d,
                } => {
                    *d == direction
                        && *namespace == wl.namespace
                        && in_scope(&st.scope, namespace)
                        && pods.matches(&wl.labels)
                }
                Action::Allow { .. } => false,
            })
            .map(|(i, _)| i)
            .collect()
    }

    fn statements(&self) -> impl Iterator<Item = (usize, &'a Statement)> {
        self.program.statements.iter().enumerate()
    }

    /// One side of a connection, before ports: for egress the subject is the source and
    /// `other` the destination, for ingress the other way round (contract, "Meaning": `s`'s
    /// side allows when `s` is not egress-isolated or some in-scope statement allows egress
    /// from a set holding `s` towards a set holding `d`; `d`'s side symmetrically).
    pub fn side(&self, direction: Direction, subject: usize, other: Endpoint) -> SideWitness {
        let isolated_by = self.isolated_by(subject, direction);
        let Some(wl) = self.workload(subject) else {
            return SideWitness::default();
        };
        if isolated_by.is_empty() {
            return SideWitness::default();
        }
        let candidates = self
            .statements()
            .filter(|(_, st)| {
                let Action::Allow {
                    from, to, sides, ..
                } = &st.action
                else {
                    return false;
                };
                if !sides.includes(direction) || !in_scope(&st.scope, &wl.namespace) {
                    return false;
                }
                let (mine, theirs) = match direction {
                    Direction::Egress => (from, to),
                    Direction::Ingress => (to, from),
                };
                mine.iter()
                    .any(|s| holds_shaped(s, &wl.namespace, &wl.labels))
                    && theirs.iter().any(|s| self.holds_actual(s, other))
            })
            .map(|(i, _)| i)
            .collect();
        SideWitness {
            isolated_by,
            candidates,
        }
    }

    /// The container ports of the destination (named ports resolve there).
    fn destination_ports(&self, destination: Endpoint) -> &'a [ContainerPort] {
        match destination {
            Endpoint::Workload(w) => self.workload(w).map_or(&[], |wl| wl.ports.as_slice()),
            Endpoint::Address(_) => &[],
        }
    }

    /// The candidates of a side that allow `protocol`/`port` towards `destination`.
    pub fn allowed_by(
        &self,
        witness: &SideWitness,
        destination: Endpoint,
        protocol: Protocol,
        port: u16,
    ) -> Vec<usize> {
        let dst_ports = self.destination_ports(destination);
        witness
            .candidates
            .iter()
            .copied()
            .filter(
                |&i| match self.program.statements.get(i).map(|s| &s.action) {
                    Some(Action::Allow { ports, .. }) => port_in(ports, dst_ports, protocol, port),
                    _ => false,
                },
            )
            .collect()
    }

    fn witness_allows(&self, w: &SideWitness, dst: Endpoint, p: Protocol, n: u16) -> bool {
        w.isolated_by.is_empty() || !self.allowed_by(w, dst, p, n).is_empty()
    }

    /// Whether one side allows a connection: the source's egress (`direction` Egress,
    /// `subject` the source) or the destination's ingress.
    pub fn side_allows(
        &self,
        direction: Direction,
        subject: usize,
        other: Endpoint,
        protocol: Protocol,
        port: u16,
    ) -> bool {
        let witness = self.side(direction, subject, other);
        let destination = match direction {
            Direction::Egress => other,
            Direction::Ingress => Endpoint::Workload(subject),
        };
        self.witness_allows(&witness, destination, protocol, port)
    }

    /// Whether the connection is allowed: both sides for two pods; towards or from an
    /// address only the pod's side (contract, "Meaning"). A single pod to itself is always
    /// allowed, as the engine has it. Two addresses are outside NetworkPolicy's reach:
    /// nothing restricts them, so `true`.
    pub fn allows(&self, src: Endpoint, dst: Endpoint, protocol: Protocol, port: u16) -> bool {
        self.judge(src, dst).allows(protocol, port)
    }

    /// How many workloads the cluster has.
    pub fn workloads(&self) -> usize {
        self.cluster.workloads.len()
    }

    fn self_pod(&self, s: usize, d: usize) -> bool {
        s == d && self.workload(s).is_some_and(|w| w.single_pod)
    }

    /// The connections a probe asks about: every ordered pair of workloads, and every
    /// workload with every probe address in both directions.
    pub fn pairs(&self, probe: &Probe) -> Vec<(Endpoint, Endpoint)> {
        let n = self.workloads();
        let mut out = Vec::new();
        for s in (0..n).map(Endpoint::Workload) {
            out.extend((0..n).map(|d| (s, Endpoint::Workload(d))));
            for &ip in &probe.addresses {
                out.push((s, Endpoint::Address(ip)));
                out.push((Endpoint::Address(ip), s));
            }
        }
        out
    }

    /// The port-independent part of a connection's verdict, worked out once: then
    /// [`Judgement::allows`] answers for each port.
    pub fn judge(&self, src: Endpoint, dst: Endpoint) -> Judgement<'_, 'a> {
        let side = |direction, subject, other| match subject {
            Endpoint::Workload(w) => Some(self.side(direction, w, other)),
            Endpoint::Address(_) => None,
        };
        let self_pod = match (src, dst) {
            (Endpoint::Workload(s), Endpoint::Workload(d)) => self.self_pod(s, d),
            _ => false,
        };
        Judgement {
            oracle: self,
            dst,
            self_pod,
            no_pod: matches!((src, dst), (Endpoint::Address(_), Endpoint::Address(_))),
            egress: side(Direction::Egress, src, dst),
            ingress: side(Direction::Ingress, dst, src),
        }
    }

    /// Every allowed fact among the probe's connections ([`Oracle::pairs`]) on every probe
    /// port.
    pub fn facts(&self, probe: &Probe) -> BTreeSet<Fact> {
        let mut out = BTreeSet::new();
        for (src, dst) in self.pairs(probe) {
            let judgement = self.judge(src, dst);
            for &(protocol, port) in &probe.ports {
                if judgement.allows(protocol, port) {
                    out.insert(Fact {
                        src,
                        dst,
                        protocol,
                        port,
                    });
                }
            }
        }
        out
    }

    /// A few lines on why the oracle decides as it does for one connection: each side,
    /// the statements isolating it and those allowing the connection, with their sources.
    pub fn explain(&self, src: Endpoint, dst: Endpoint, protocol: Protocol, port: u16) -> String {
        let mut lines = vec![format!(
            "oracle: {}",
            if self.allows(src, dst, protocol, port) {
                "allowed"
            } else {
                "denied"
            }
        )];
        if let (Endpoint::Workload(s), Endpoint::Workload(d)) = (src, dst) {
            if self.self_pod(s, d) {
                lines.push("  a single pod to itself: always allowed".to_owned());
            }
        }
        let sides = [
            (Direction::Egress, src, dst),
            (Direction::Ingress, dst, src),
        ];
        for (direction, subject, other) in sides {
            let Endpoint::Workload(w) = subject else {
                continue;
            };
            let destination = match direction {
                Direction::Egress => other,
                Direction::Ingress => subject,
            };
            let witness = self.side(direction, w, other);
            let name = self.workload(w).map_or_else(|| "?".into(), Workload::id);
            if witness.isolated_by.is_empty() {
                lines.push(format!(
                    "  {} of {name}: open (not isolated)",
                    direction.as_k8s()
                ));
                continue;
            }
            let allowed = self.allowed_by(&witness, destination, protocol, port);
            lines.push(format!(
                "  {} of {name}: isolated by {}; allowed by {}",
                direction.as_k8s(),
                self.refs(&witness.isolated_by),
                if allowed.is_empty() {
                    "nothing".to_owned()
                } else {
                    self.refs(&allowed)
                }
            ));
            let ports_only: Vec<usize> = witness
                .candidates
                .iter()
                .copied()
                .filter(|i| !allowed.contains(i))
                .collect();
            if !ports_only.is_empty() {
                lines.push(format!(
                    "    (these hold both ends but not the port: {})",
                    self.refs(&ports_only)
                ));
            }
        }
        lines.join("\n")
    }

    fn refs(&self, indices: &[usize]) -> String {
        indices
            .iter()
            .filter_map(|&i| self.program.statements.get(i))
            .map(describe)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

mod compare;
pub use compare::{compare, describe, reach_facts, Mismatch};

#[cfg(test)]
mod tests;
