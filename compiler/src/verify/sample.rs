//! A concrete cluster for a program, for the oracle and the engine to disagree on: every
//! namespace the program names plus namespaces it never names, labelled so that every
//! namespace selector of the program matches somewhere and fails somewhere; in every
//! namespace, a pod for each pod selector of the program, a near miss for each, a pod
//! without labels and random mixes; container ports with every named port the program
//! mentions; one IPv4 address per pod, some inside the program's address blocks.
//!
//! Alongside, the [`Probe`]: outside addresses at both edges of every address block the
//! program mentions and just beyond them, and ports at both edges of every port range and
//! just beyond them, the container ports' numbers, and a few others, per protocol.
//!
//! Choices, and why:
//! - Only bare Pods (one pod each, as the engine's `single_pod`), no hostNetwork pods
//!   (their meaning is the engine's convention, not the language's).
//! - IPv4 pod addresses only: a pod of one family cannot reach a pod of the other, and the
//!   engine then matches no address set against either; the contract's "Meaning" is about
//!   connections that exist. Outside addresses are of both families.
//! - Deterministic per seed: a counterexample names its seed and can be replayed.

use super::intent::Probe;
use crate::ir::intent::{NamespaceSet, PeerSet, PortAccess};
use crate::ir::{AddrSet, Family, PortSet, Protocol};
use crate::model::{
    self, Cluster, ContainerPort, LabelSelector, Labels, Namespace, Operator, Origin, Workload,
    NAMESPACE_NAME_LABEL,
};
use crate::resolve::hir::{Action, Program, Scope};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

mod labels;

use labels::LabelMaker;

/// A sampled cluster and what to ask about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Namespaces and Pods, as multi-document YAML for `model::load`.
    pub yaml: String,
    /// Outside addresses and ports to try on every connection.
    pub probe: Probe,
}

/// A small deterministic generator (SplitMix64): no dependency, and the same sequence on
/// every platform. Public because the tests' and examples' random programs and clusters
/// draw from it too, so that one generator serves the repository.
pub struct Rng(u64);

impl Rng {
    /// The generator whose sequence `seed` fixes.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        usize::try_from(self.next_u64() % (n as u64)).unwrap_or(0)
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: usize, den: usize) -> bool {
        self.below(den) < num
    }

    /// One element, or `None` from an empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

/// What a program mentions: the raw material of its sample.
#[derive(Default)]
struct Mentions {
    namespaces: BTreeSet<String>,
    ns_selectors: BTreeSet<LabelSelector>,
    pod_selectors: BTreeSet<LabelSelector>,
    /// Container-port names, with every protocol each was written with.
    named_ports: BTreeMap<String, BTreeSet<Protocol>>,
    port_sets: Vec<PortSet>,
    addresses: Vec<AddrSet>,
}

impl Mentions {
    fn of(program: &Program) -> Self {
        let mut m = Mentions::default();
        for st in &program.statements {
            if let Scope::Namespace(n) = &st.scope {
                m.namespaces.insert(n.clone());
            }
            match &st.action {
                Action::Isolate {
                    namespace, pods, ..
                } => {
                    m.namespaces.insert(namespace.clone());
                    m.pod_selectors.insert(pods.clone());
                }
                Action::Allow {
                    from, to, ports, ..
                } => {
                    from.iter().chain(to).for_each(|set| m.peer_set(set));
                    m.ports(ports);
                }
            }
        }
        m
    }

    fn peer_set(&mut self, set: &PeerSet) {
        match set {
            PeerSet::Everything => {}
            PeerSet::Addresses(a) => self.addresses.push(a.clone()),
            PeerSet::Pods { namespaces, pods } => {
                self.pod_selectors.insert(pods.clone());
                match namespaces {
                    NamespaceSet::Named(n) => {
                        self.namespaces.insert(n.clone());
                    }
                    NamespaceSet::Matching(sel) => {
                        // Names a selector picks by the name label are namespaces the
                        // program names: they must exist for the selector to match.
                        self.namespaces.extend(names_in(sel));
                        self.ns_selectors.insert(sel.clone());
                    }
                }
            }
        }
    }

    fn ports(&mut self, ports: &PortAccess) {
        self.port_sets.push(ports.numbers.clone());
        for (protocol, name) in &ports.named {
            self.named_ports
                .entry(name.clone())
                .or_default()
                .insert(*protocol);
        }
    }
}

/// The namespace names a selector lists under the name label.
fn names_in(sel: &LabelSelector) -> Vec<String> {
    let mut out: Vec<String> = sel
        .match_labels
        .get(NAMESPACE_NAME_LABEL)
        .cloned()
        .into_iter()
        .collect();
    for r in &sel.match_expressions {
        if r.key == NAMESPACE_NAME_LABEL && matches!(r.operator, Operator::In | Operator::NotIn) {
            out.extend(r.values.iter().cloned());
        }
    }
    out
}

/// Builds the sample cluster for `program`; the same seed gives the same sample.
pub fn sample_cluster(program: &Program, seed: u64) -> Sample {
    let m = Mentions::of(program);
    let mut rng = Rng::new(seed);
    let mut pod_labels = LabelMaker::new(m.pod_selectors.iter());
    for key in program.workload_labels.keys() {
        pod_labels.add_key(key);
    }
    let mut ns_labels = LabelMaker::new(m.ns_selectors.iter());
    ns_labels.forbid_key(NAMESPACE_NAME_LABEL);

    let namespaces = namespaces(&m, &mut ns_labels, &mut rng);
    let port_numbers = boundaries(&m.port_sets);
    // Container ports take their numbers from the program's port edges or from three
    // other numbers: named and numbered ports then overlap often, and the probe stays small.
    let mut pool = port_numbers.clone();
    for _ in 0..3 {
        pool.push((
            Protocol::Tcp,
            u16::try_from(1 + rng.below(65535)).unwrap_or(1),
        ));
    }
    let mut ips = IpPool::new(&m.addresses);
    let selectors: Vec<&LabelSelector> = m.pod_selectors.iter().collect();
    // Written by `model::write`, which leaves origins out.
    let origin = Origin {
        file: format!("sample-seed-{seed}"),
        document: 0,
    };
    let mut cluster = Cluster::default();
    let mut container_ports = BTreeSet::new();
    for (ns, labels) in &namespaces {
        let mut labels = labels.clone();
        labels.insert(NAMESPACE_NAME_LABEL.into(), ns.clone());
        cluster.namespaces.insert(
            ns.clone(),
            Namespace {
                name: ns.clone(),
                labels,
                origin: Some(origin.clone()),
            },
        );
        let mut pods: Vec<(String, Labels)> = Vec::new();
        for (k, sel) in selectors.iter().enumerate() {
            pods.push((format!("sel-{k}"), pod_labels.satisfying(sel, &mut rng)));
            if let Some(near) = pod_labels.violating(sel, &mut rng) {
                pods.push((format!("near-{k}"), near));
            }
        }
        pods.push(("bare".into(), Labels::new()));
        for i in 0..2 {
            pods.push((format!("mix-{i}"), pod_labels.mix(&mut rng)));
        }
        for (name, labels) in pods {
            let ports = named_ports(&m, &pool, &mut rng);
            let ip = ips.next(&mut rng);
            container_ports.extend(ports.iter().map(|(_, n, _)| *n));
            cluster.workloads.push(Workload {
                namespace: ns.clone(),
                kind: "Pod".into(),
                labels,
                ports: ports
                    .into_iter()
                    .map(|(name, port, protocol)| ContainerPort {
                        name: Some(name),
                        port,
                        protocol,
                    })
                    .collect(),
                ips: vec![IpAddr::V4(ip)],
                host_network: false,
                single_pod: true,
                pods: vec![name.clone()],
                name,
                origin: origin.clone(),
            });
        }
    }
    let yaml = format!(
        "# netpolc sample cluster, seed {seed}\n{}",
        model::write(&cluster)
    );
    let probe = Probe {
        addresses: outside_addresses(&m.addresses),
        ports: probe_ports(&port_numbers, &container_ports, &mut rng),
    };
    Sample { yaml, probe }
}

/// The namespaces and their labels (without the name label, which the API server sets):
/// every named one and one never named, labelled at random from the program's namespace
/// selectors; then more never-named ones where a selector would otherwise match
/// everywhere or nowhere.
fn namespaces(m: &Mentions, maker: &mut LabelMaker, rng: &mut Rng) -> Vec<(String, Labels)> {
    let mut out: Vec<(String, Labels)> = Vec::new();
    let mut names: Vec<String> = m.namespaces.iter().cloned().collect();
    names.push(fresh_name("other", &m.namespaces, 0));
    let selectors: Vec<&LabelSelector> = m.ns_selectors.iter().collect();
    for name in names {
        let labels = match (rng.below(4), rng.pick(&selectors)) {
            (1, Some(sel)) => maker.satisfying(sel, rng),
            (2, Some(sel)) => maker.violating(sel, rng).unwrap_or_default(),
            (3, _) => maker.mix(rng),
            _ => Labels::new(),
        };
        out.push((name, labels));
    }
    let mut extra = 0;
    for sel in &selectors {
        let seen = |out: &[(String, Labels)], want: bool| {
            out.iter().any(|(n, l)| {
                let mut full = l.clone();
                full.insert(NAMESPACE_NAME_LABEL.to_owned(), n.clone());
                sel.matches(&full) == want
            })
        };
        for want in [true, false] {
            if seen(&out, want) {
                continue;
            }
            let labels = if want {
                Some(maker.satisfying(sel, rng))
            } else {
                maker.violating(sel, rng)
            };
            if let Some(labels) = labels {
                extra += 1;
                out.push((fresh_name("extra", &m.namespaces, extra), labels));
            }
        }
    }
    out
}

/// `base` or `base-N`, whichever the program does not name.
fn fresh_name(base: &str, taken: &BTreeSet<String>, start: usize) -> String {
    (start..)
        .map(|i| {
            if i == 0 {
                base.to_owned()
            } else {
                format!("{base}-{i}")
            }
        })
        .find(|n| !taken.contains(n))
        .unwrap_or_else(|| base.to_owned())
}

/// Container ports for one pod: each named port the program mentions, most of the time,
/// with one of the protocols it was written with (mostly) and a number from `numbers`.
fn named_ports(
    m: &Mentions,
    numbers: &[(Protocol, u16)],
    rng: &mut Rng,
) -> Vec<(String, u16, Protocol)> {
    let mut out: Vec<(String, u16, Protocol)> = Vec::new();
    for (name, protocols) in &m.named_ports {
        if !rng.chance(3, 4) {
            continue;
        }
        let written: Vec<Protocol> = protocols.iter().copied().collect();
        let protocol = match rng.pick(&written) {
            Some(p) if rng.chance(3, 4) => *p,
            _ => Protocol::ALL[rng.below(Protocol::ALL.len())],
        };
        for _ in 0..4 {
            let Some(&(_, port)) = rng.pick(numbers) else {
                break;
            };
            // The API server rejects duplicate (port, protocol) pairs within a container.
            if !out.iter().any(|(_, n, p)| *n == port && *p == protocol) {
                out.push((name.clone(), port, protocol));
                break;
            }
        }
    }
    out
}

/// Every edge of every port range the program mentions, and the ports just beyond.
fn boundaries(sets: &[PortSet]) -> Vec<(Protocol, u16)> {
    let mut out = BTreeSet::new();
    for (protocol, lo, hi) in sets.iter().flat_map(PortSet::ranges) {
        for n in [lo.checked_sub(1), Some(lo), Some(hi), hi.checked_add(1)] {
            if let Some(n) = n.filter(|&n| n >= 1) {
                out.insert((protocol, n));
            }
        }
    }
    out.into_iter().collect()
}

/// The probe's ports: the boundaries, every container port's number on every protocol,
/// some well-known ports, the extremes, and two random ports per protocol.
fn probe_ports(
    boundaries: &[(Protocol, u16)],
    container: &BTreeSet<u16>,
    rng: &mut Rng,
) -> Vec<(Protocol, u16)> {
    let mut out: BTreeSet<(Protocol, u16)> = boundaries.iter().copied().collect();
    for protocol in Protocol::ALL {
        let fixed = [1, 53, 80, 443, 8080, 65535];
        for n in container.iter().copied().chain(fixed) {
            out.insert((protocol, n));
        }
        for _ in 0..2 {
            out.insert((protocol, u16::try_from(1 + rng.below(65535)).unwrap_or(1)));
        }
    }
    out.into_iter().collect()
}

/// Pod addresses: mostly from 10.244.0.0/16 (a common pod network), a third of the time an
/// unused address at an edge of (or just beyond) an IPv4 block the program mentions.
struct IpPool {
    edges: Vec<Ipv4Addr>,
    used: BTreeSet<Ipv4Addr>,
    next_default: u32,
}

impl IpPool {
    fn new(sets: &[AddrSet]) -> Self {
        let edges = edge_values(sets, Family::V4)
            .into_iter()
            .filter_map(|v| u32::try_from(v).ok().map(Ipv4Addr::from))
            .filter(|ip| !ip.is_unspecified() && !ip.is_broadcast())
            .collect();
        IpPool {
            edges,
            used: BTreeSet::new(),
            next_default: u32::from(Ipv4Addr::new(10, 244, 0, 1)),
        }
    }

    fn next(&mut self, rng: &mut Rng) -> Ipv4Addr {
        if rng.chance(1, 3) {
            let free: Vec<Ipv4Addr> = self
                .edges
                .iter()
                .copied()
                .filter(|ip| !self.used.contains(ip))
                .collect();
            if let Some(ip) = rng.pick(&free).copied() {
                self.used.insert(ip);
                return ip;
            }
        }
        loop {
            let ip = Ipv4Addr::from(self.next_default);
            self.next_default = self.next_default.wrapping_add(1);
            if self.used.insert(ip) {
                return ip;
            }
        }
    }
}

/// For every block of every set, one family: its first and last address and the ones just
/// outside.
fn edge_values(sets: &[AddrSet], family: Family) -> BTreeSet<u128> {
    let max = match family {
        Family::V4 => u128::from(u32::MAX),
        Family::V6 => u128::MAX,
    };
    let mut out = BTreeSet::new();
    for set in sets {
        for &(lo, hi) in set.of(family).ranges() {
            out.extend(
                [lo.checked_sub(1), Some(lo), Some(hi), hi.checked_add(1)]
                    .into_iter()
                    .flatten()
                    .filter(|&v| v <= max),
            );
        }
    }
    out
}

/// The probe's outside addresses: the edges of every block and some well-known addresses.
/// Some may also be a pod's IP: both readings judge an outside address by the address sets
/// alone, so the two endpoints stay distinct questions, and every edge stays probed however
/// many pods landed on edges.
fn outside_addresses(sets: &[AddrSet]) -> Vec<IpAddr> {
    let mut out: BTreeSet<IpAddr> = BTreeSet::new();
    for v in edge_values(sets, Family::V4) {
        if let Ok(v) = u32::try_from(v) {
            out.insert(IpAddr::V4(Ipv4Addr::from(v)));
        }
    }
    out.extend(
        edge_values(sets, Family::V6)
            .into_iter()
            .map(|v| IpAddr::V6(Ipv6Addr::from(v))),
    );
    let known = [
        "8.8.8.8",
        "1.1.1.1",
        "10.1.2.3",
        "169.254.169.254",
        "192.168.0.10",
        "2001:4860:4860::8888",
        "fd00:ec2::254",
        "fe80::1",
    ];
    out.extend(known.iter().filter_map(|s| s.parse::<IpAddr>().ok()));
    out.into_iter().collect()
}

#[cfg(test)]
mod tests;
