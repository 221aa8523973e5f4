//! Reading the oracle against the engine: the engine's facts off its connectivity map, the
//! facts on which the two disagree, and statements in one line for counterexamples.

use super::{Fact, Oracle, Probe};
use crate::ir::intent::{NamespaceSet, PeerSet, PortAccess};
use crate::model::Direction;
use crate::resolve::hir::{Action, Scope, Statement};
use crate::verify::{Endpoint, ReachMap};
use std::collections::{BTreeSet, HashMap};

/// A statement in one line, for counterexamples: where it was written, its scope, and what
/// it does.
pub fn describe(st: &Statement) -> String {
    let scope = match &st.scope {
        Scope::Cluster => "top level".to_owned(),
        Scope::Namespace(n) => format!("namespace {n}"),
    };
    let what = match &st.action {
        Action::Isolate {
            namespace,
            pods,
            direction,
        } => format!(
            "isolate pods({}) in {namespace} {}",
            pods.describe(),
            direction.as_k8s()
        ),
        Action::Allow {
            from,
            to,
            ports,
            sides,
        } => format!(
            "allow {} -> {} on {} ({sides:?} sides)",
            describe_sets(from),
            describe_sets(to),
            describe_ports(ports)
        ),
    };
    format!("[{} ({scope}): {what}]", st.source)
}

fn describe_sets(sets: &[PeerSet]) -> String {
    let parts: Vec<String> = sets
        .iter()
        .map(|s| match s {
            PeerSet::Everything => "anywhere".to_owned(),
            PeerSet::Addresses(a) => a.to_string(),
            PeerSet::Pods { namespaces, pods } => match namespaces {
                NamespaceSet::Named(n) => format!("pods({}) in namespace {n}", pods.describe()),
                NamespaceSet::Matching(sel) => {
                    format!(
                        "pods({}) in namespaces({})",
                        pods.describe(),
                        sel.describe()
                    )
                }
            },
        })
        .collect();
    parts.join(", ")
}

fn describe_ports(ports: &PortAccess) -> String {
    let mut parts = vec![ports.numbers.to_string()];
    parts.extend(
        ports
            .named
            .iter()
            .map(|(p, name)| format!("{}/{name}", p.as_k8s())),
    );
    parts.join(", ")
}

/// The engine's answer to the same probe, read off its connectivity map: workload pairs
/// from `connections`, addresses from `outside` (the address sets each workload may reach,
/// or be reached from, with their ports).
pub fn reach_facts(map: &ReachMap, workloads: usize, probe: &Probe) -> BTreeSet<Fact> {
    let mut out = BTreeSet::new();
    let pairs: HashMap<(usize, usize), usize> = map
        .connections
        .iter()
        .map(|&(s, d, i)| ((s, d), i))
        .collect();
    for s in 0..workloads {
        for d in 0..workloads {
            let Some(&i) = pairs.get(&(s, d)) else {
                continue;
            };
            let ports = map.ports(i);
            for &(protocol, port) in &probe.ports {
                if ports.contains(protocol, port) {
                    out.insert(Fact {
                        src: Endpoint::Workload(s),
                        dst: Endpoint::Workload(d),
                        protocol,
                        port,
                    });
                }
            }
        }
    }
    for reach in &map.outside {
        let pod = Endpoint::Workload(reach.workload);
        for &ip in &probe.addresses {
            let addr = Endpoint::Address(ip);
            let (src, dst) = match reach.direction {
                Direction::Egress => (pod, addr),
                Direction::Ingress => (addr, pod),
            };
            for &(protocol, port) in &probe.ports {
                let allowed = reach
                    .allowed
                    .iter()
                    .any(|(a, p)| a.contains(&ip) && p.contains(protocol, port));
                if allowed {
                    out.insert(Fact {
                        src,
                        dst,
                        protocol,
                        port,
                    });
                }
            }
        }
    }
    out
}

/// A fact on which the engine and the oracle disagree.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mismatch {
    /// The connection and port.
    pub fact: Fact,
    /// Whether the engine, on the emitted policies, allows it.
    pub engine: bool,
    /// Whether the program's meaning allows it.
    pub oracle: bool,
}

/// Every fact of the probe on which the engine's map and the oracle disagree, sorted.
pub fn compare(oracle: &Oracle<'_>, map: &ReachMap, probe: &Probe) -> Vec<Mismatch> {
    let expected = oracle.facts(probe);
    let actual = reach_facts(map, oracle.workloads(), probe);
    let mut out: Vec<Mismatch> = actual
        .difference(&expected)
        .map(|&fact| Mismatch {
            fact,
            engine: true,
            oracle: false,
        })
        .chain(expected.difference(&actual).map(|&fact| Mismatch {
            fact,
            engine: false,
            oracle: true,
        }))
        .collect();
    out.sort();
    out
}
