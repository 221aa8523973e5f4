//! Reading the oracle against the engine: the engine's facts off its connectivity map, the
//! facts on which the two disagree, and statements in one line for counterexamples.

use super::{Fact, Oracle, Probe};
use crate::ir::intent::{NamespaceSet, PeerSet, PortAccess};
use crate::ir::PortSet;
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

/// The engine's map, ready for questions about single connections.
struct EngineAnswers<'m> {
    map: &'m ReachMap,
    pairs: HashMap<(usize, usize), usize>,
}

impl<'m> EngineAnswers<'m> {
    fn new(map: &'m ReachMap) -> Self {
        let pairs = map
            .connections
            .iter()
            .map(|&(s, d, i)| ((s, d), i))
            .collect();
        EngineAnswers { map, pairs }
    }

    /// The ports the map allows from `src` to `dst`: workload pairs from `connections`,
    /// addresses from `outside` (the address sets each workload may reach, or be reached
    /// from, with their ports).
    fn ports(&self, src: Endpoint, dst: Endpoint) -> PortSet {
        let outside = |w: usize, direction: Direction, ip: &std::net::IpAddr| {
            self.map
                .outside
                .iter()
                .filter(|o| o.workload == w && o.direction == direction)
                .flat_map(|o| &o.allowed)
                .filter(|(addrs, _)| addrs.contains(ip))
                .fold(PortSet::none(), |acc, (_, p)| acc.union(p))
        };
        match (src, dst) {
            (Endpoint::Workload(s), Endpoint::Workload(d)) => self
                .pairs
                .get(&(s, d))
                .map_or_else(PortSet::none, |&i| self.map.ports(i).clone()),
            (Endpoint::Workload(s), Endpoint::Address(ip)) => outside(s, Direction::Egress, &ip),
            (Endpoint::Address(ip), Endpoint::Workload(d)) => outside(d, Direction::Ingress, &ip),
            (Endpoint::Address(_), Endpoint::Address(_)) => PortSet::all(),
        }
    }
}

/// The engine's answer to the same probe ([`Oracle::pairs`]), read off its map.
pub fn reach_facts(oracle: &Oracle<'_>, map: &ReachMap, probe: &Probe) -> BTreeSet<Fact> {
    let engine = EngineAnswers::new(map);
    let mut out = BTreeSet::new();
    for (src, dst) in oracle.pairs(probe) {
        let ports = engine.ports(src, dst);
        for &(protocol, port) in &probe.ports {
            if ports.contains(protocol, port) {
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

/// Every fact of the probe on which the engine's map and the oracle disagree, sorted:
/// [`Oracle::facts`] and [`reach_facts`] compared, one connection at a time.
pub fn compare(oracle: &Oracle<'_>, map: &ReachMap, probe: &Probe) -> Vec<Mismatch> {
    let engine = EngineAnswers::new(map);
    let mut out = Vec::new();
    for (src, dst) in oracle.pairs(probe) {
        let ports = engine.ports(src, dst);
        let judgement = oracle.judge(src, dst);
        for &(protocol, port) in &probe.ports {
            let (e, o) = (
                ports.contains(protocol, port),
                judgement.allows(protocol, port),
            );
            if e != o {
                out.push(Mismatch {
                    fact: Fact {
                        src,
                        dst,
                        protocol,
                        port,
                    },
                    engine: e,
                    oracle: o,
                });
            }
        }
    }
    out.sort();
    out
}
