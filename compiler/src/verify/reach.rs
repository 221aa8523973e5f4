//! The whole connectivity map of a cluster, computed row by row so that the
//! cost follows the number of (rule, matched peer) pairs rather than the
//! number of workload pairs times the number of policies.
//!
//! For every isolated subject and direction, a sparse row maps each peer
//! workload to the ports allowed (split by whether an ipBlock of one family
//! matched); non-isolated sides are "open" and need no row. A pair's ports are
//! then the intersection of the source's egress row and the destination's
//! ingress row, per address family, as in [`Engine::connection`], which the
//! tests hold this module to.

use super::engine::{connection_families, ipblock_addrs, resolve_ports, Engine, Families};
use crate::ir::{AddrSet, Family, PortSet};
use crate::model::{Direction, NamespaceScope, Peer};
use std::collections::{BTreeMap, HashMap};

/// Ports allowed towards one peer, split by what matched it: a pod peer (any
/// family) or an ipBlock over one family's address.
#[derive(Clone, Debug, Default)]
struct FamilyPorts {
    any: PortSet,
    v4: PortSet,
    v6: PortSet,
}

impl FamilyPorts {
    fn for_family(&self, f: Option<Family>) -> PortSet {
        match f {
            None => self.any.clone(),
            Some(Family::V4) => self.any.union(&self.v4),
            Some(Family::V6) => self.any.union(&self.v6),
        }
    }

    fn slot(&mut self, f: Option<Family>) -> &mut PortSet {
        match f {
            None => &mut self.any,
            Some(Family::V4) => &mut self.v4,
            Some(Family::V6) => &mut self.v6,
        }
    }
}

/// Matched peers per (policy, direction, rule).
type RuleMatches = HashMap<(usize, Direction, usize), Vec<(usize, Option<Family>)>>;

/// One side of every pair: open (not isolated) or a sparse row.
enum Side {
    Open,
    Row(HashMap<usize, FamilyPorts>),
}

/// A workload's reach towards (egress) or from (ingress) addresses outside the
/// cluster: disjoint address sets, each with the ports allowed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OutsideReach {
    /// Index into [`crate::model::Cluster::workloads`].
    pub workload: usize,
    /// The direction.
    pub direction: Direction,
    /// Address sets and their ports, sorted by port set; no two share a port set.
    pub allowed: Vec<(AddrSet, PortSet)>,
}

/// The connectivity map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReachMap {
    /// Port sets, interned: a connection names one by index.
    pub port_sets: Vec<PortSet>,
    /// (source workload, destination workload, index into `port_sets`), sorted;
    /// only pairs with at least one allowed port; at most [`MAX_PAIRS`].
    pub connections: Vec<(usize, usize, usize)>,
    /// Whether more pairs connect than [`MAX_PAIRS`]: `connections` holds the first ones.
    pub truncated: bool,
    /// Per workload, egress then ingress, towards / from outside addresses.
    pub outside: Vec<OutsideReach>,
}

/// At most this many connected pairs are listed: a map of 1,000 workloads that all reach
/// each other. Past it the listing stops (memory stays bounded: 3,000 pods with no policy
/// are nine million pairs, and their JSON took more than 24 GB); `netpolc reach` says so
/// and points at `--query`.
pub const MAX_PAIRS: usize = 1_000_000;

impl ReachMap {
    /// The ports of a connection entry.
    pub fn ports(&self, index: usize) -> &PortSet {
        static NONE: std::sync::OnceLock<PortSet> = std::sync::OnceLock::new();
        self.port_sets
            .get(index)
            .unwrap_or_else(|| NONE.get_or_init(PortSet::none))
    }
}

/// Every pair's allowed ports, computed on demand from the sides of every workload, with
/// port sets interned: what the map lists, and what grouping compares.
pub(super) struct Pairs {
    egress: Vec<Side>,
    ingress: Vec<Side>,
    fams: Vec<Families>,
    /// Bare Pods: one pod, always allowed to reach itself.
    single_pod: Vec<bool>,
    interner: HashMap<PortSet, usize>,
    pub(super) port_sets: Vec<PortSet>,
    /// The index of every port, interned first (index 0) whatever the cluster.
    all: usize,
}

impl Pairs {
    /// The workloads' count.
    pub(super) fn len(&self) -> usize {
        self.single_pod.len()
    }

    fn intern(&mut self, ps: PortSet) -> usize {
        if let Some(&i) = self.interner.get(&ps) {
            return i;
        }
        self.port_sets.push(ps.clone());
        self.interner.insert(ps, self.port_sets.len() - 1);
        self.port_sets.len() - 1
    }

    /// The interned ports allowed from `s` to `d`, if any: the source's egress and the
    /// destination's ingress must both allow them (Kubernetes docs, Network Policies: "both
    /// the egress policy on the source pod and the ingress policy on the destination pod
    /// need to allow the connection"), per address family the two have in common. A bare
    /// Pod always reaches itself.
    pub(super) fn at(&mut self, s: usize, d: usize) -> Option<usize> {
        if s == d && self.single_pod[s] {
            return Some(self.all);
        }
        let e = match &self.egress[s] {
            Side::Open => None,
            Side::Row(r) => Some(r.get(&d)?),
        };
        let i = match &self.ingress[d] {
            Side::Open => None,
            Side::Row(r) => Some(r.get(&s)?),
        };
        if e.is_none() && i.is_none() {
            return Some(self.all);
        }
        let mut allowed = PortSet::none();
        for f in connection_families(self.fams[s], self.fams[d]) {
            let ep = e.map_or_else(PortSet::all, |x| x.for_family(f));
            let ip = i.map_or_else(PortSet::all, |x| x.for_family(f));
            allowed = allowed.union(&ep.intersect(&ip));
        }
        (!allowed.is_empty()).then(|| self.intern(allowed))
    }
}

impl<'c> Engine<'c> {
    /// Computes the whole connectivity map, listing at most [`MAX_PAIRS`] connections.
    pub fn reach_map(&self) -> ReachMap {
        self.reach_map_listing(MAX_PAIRS)
    }

    /// Computes the connectivity map, listing at most `max_pairs` connections (the first,
    /// by source then destination; `truncated` says when more connect).
    pub fn reach_map_listing(&self, max_pairs: usize) -> ReachMap {
        let mut pairs = self.pairs();
        let n = pairs.len();
        let mut connections = Vec::new();
        let mut truncated = false;
        'pairs: for s in 0..n {
            for d in 0..n {
                let Some(ports) = pairs.at(s, d) else {
                    continue;
                };
                // Only a pair that connects makes the map longer than the limit.
                if connections.len() == max_pairs {
                    truncated = true;
                    break 'pairs;
                }
                connections.push((s, d, ports));
            }
        }
        ReachMap {
            port_sets: pairs.port_sets,
            connections,
            truncated,
            outside: (0..n).flat_map(|w| self.outside_of(w)).collect(),
        }
    }

    /// A workload's reach to and from addresses outside the cluster, egress then ingress.
    pub(super) fn outside_of(&self, w: usize) -> [OutsideReach; 2] {
        [Direction::Egress, Direction::Ingress].map(|direction| OutsideReach {
            workload: w,
            direction,
            allowed: self.outside_reach(direction, w),
        })
    }

    /// The sides of every workload, ready to answer for any pair.
    pub(super) fn pairs(&self) -> Pairs {
        let cluster = self.cluster();
        let n = cluster.workloads.len();
        let mut by_ns: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, w) in cluster.workloads.iter().enumerate() {
            by_ns.entry(w.namespace.as_str()).or_default().push(i);
        }
        let matcher = PeerMatcher {
            engine: self,
            by_ns: &by_ns,
        };
        let matches = self.rule_matches(&matcher);
        let mut pairs = Pairs {
            egress: (0..n)
                .map(|w| self.row(&matches, Direction::Egress, w))
                .collect(),
            ingress: (0..n)
                .map(|w| self.row(&matches, Direction::Ingress, w))
                .collect(),
            fams: cluster
                .workloads
                .iter()
                .map(|w| Families::of(&w.ips))
                .collect(),
            single_pod: cluster.workloads.iter().map(|w| w.single_pod).collect(),
            interner: HashMap::new(),
            port_sets: Vec::new(),
            all: 0,
        };
        pairs.all = pairs.intern(PortSet::all());
        pairs
    }

    /// For every rule of every policy that selects some workload: the workloads
    /// its peers match (with the family when an ipBlock matched), computed once
    /// and shared by every workload the policy selects.
    fn rule_matches(&self, matcher: &PeerMatcher<'_, '_>) -> RuleMatches {
        let cluster = self.cluster();
        let mut used = vec![false; cluster.policies.len()];
        for d in [Direction::Ingress, Direction::Egress] {
            for w in 0..cluster.workloads.len() {
                for &p in self.selecting(d, w) {
                    used[p] = true;
                }
            }
        }
        let mut out = RuleMatches::new();
        for (pi, policy) in cluster.policies.iter().enumerate() {
            if !used[pi] {
                continue;
            }
            for d in [Direction::Ingress, Direction::Egress] {
                for (ri, rule) in policy.rules(d).iter().enumerate() {
                    let mut found = Vec::new();
                    match &rule.peers {
                        None => found.extend((0..cluster.workloads.len()).map(|o| (o, None))),
                        Some(peers) => {
                            for peer in peers {
                                matcher
                                    .for_each_match(policy, peer, &mut |o, f| found.push((o, f)));
                            }
                        }
                    }
                    out.insert((pi, d, ri), found);
                }
            }
        }
        out
    }

    /// The sparse row of one subject in one direction.
    fn row(&self, matches: &RuleMatches, direction: Direction, subject: usize) -> Side {
        let selecting = self.selecting(direction, subject);
        if selecting.is_empty() {
            return Side::Open;
        }
        let cluster = self.cluster();
        let mut row: HashMap<usize, FamilyPorts> = HashMap::new();
        for &pi in selecting {
            let Some(policy) = cluster.policies.get(pi) else {
                continue;
            };
            for (ri, rule) in policy.rules(direction).iter().enumerate() {
                // Named ports resolve on the destination: the peer for egress,
                // the subject itself for ingress.
                let ports_towards = |other: usize| -> PortSet {
                    let dst = match direction {
                        Direction::Egress => other,
                        Direction::Ingress => subject,
                    };
                    resolve_ports(rule.ports.as_deref(), &cluster.workloads[dst].ports)
                };
                let Some(found) = matches.get(&(pi, direction, ri)) else {
                    continue;
                };
                for &(other, f) in found {
                    let ps = ports_towards(other);
                    if !ps.is_empty() {
                        let slot = row.entry(other).or_default().slot(f);
                        *slot = slot.union(&ps);
                    }
                }
            }
        }
        Side::Row(row)
    }

    /// What a workload may reach outside the cluster (egress) or be reached
    /// from (ingress), grouped by port set.
    fn outside_reach(&self, direction: Direction, w: usize) -> Vec<(AddrSet, PortSet)> {
        let cluster = self.cluster();
        let selecting = self.selecting(direction, w);
        if selecting.is_empty() {
            return vec![(AddrSet::all(), PortSet::all())];
        }
        // An outside address has no named ports; ingress ports resolve on w.
        let no_ports = Vec::new();
        let dst_ports = match direction {
            Direction::Egress => &no_ports,
            Direction::Ingress => &cluster.workloads[w].ports,
        };
        let mut boxes: Vec<(AddrSet, PortSet)> = Vec::new();
        for &pi in selecting {
            let Some(policy) = cluster.policies.get(pi) else {
                continue;
            };
            for rule in policy.rules(direction) {
                let ports = resolve_ports(rule.ports.as_deref(), dst_ports);
                if ports.is_empty() {
                    continue;
                }
                match &rule.peers {
                    None => boxes.push((AddrSet::all(), ports)),
                    Some(peers) => {
                        for peer in peers {
                            let addrs = ipblock_addrs(peer);
                            if !addrs.is_empty() {
                                boxes.push((addrs, ports.clone()));
                            }
                        }
                    }
                }
            }
        }
        group_by_ports(boxes)
    }
}

/// Makes address sets disjoint, then merges those with equal ports, so the
/// result is canonical: one entry per distinct port set.
fn group_by_ports(boxes: Vec<(AddrSet, PortSet)>) -> Vec<(AddrSet, PortSet)> {
    let mut disjoint: Vec<(AddrSet, PortSet)> = Vec::new();
    for (addrs, ports) in boxes {
        let mut rest = addrs;
        let mut next = Vec::with_capacity(disjoint.len() + 2);
        for (a, p) in disjoint {
            let both = a.intersect(&rest);
            if both.is_empty() {
                next.push((a, p));
                continue;
            }
            let only_old = a.difference(&rest);
            if !only_old.is_empty() {
                next.push((only_old, p.clone()));
            }
            next.push((both, p.union(&ports)));
            rest = rest.difference(&a);
        }
        if !rest.is_empty() {
            next.push((rest, ports));
        }
        disjoint = next;
    }
    let mut grouped: BTreeMap<PortSet, AddrSet> = BTreeMap::new();
    for (a, p) in disjoint {
        let slot = grouped.entry(p).or_default();
        *slot = slot.union(&a);
    }
    grouped.into_iter().map(|(p, a)| (a, p)).collect()
}

/// Finds the workloads a peer matches, using the namespace index.
struct PeerMatcher<'e, 'c> {
    engine: &'e Engine<'c>,
    by_ns: &'e BTreeMap<&'c str, Vec<usize>>,
}

impl PeerMatcher<'_, '_> {
    fn for_each_match(
        &self,
        policy: &crate::model::NetworkPolicy,
        peer: &Peer,
        f: &mut impl FnMut(usize, Option<Family>),
    ) {
        let cluster = self.engine.cluster();
        match peer {
            Peer::Pods { namespaces, .. } => {
                let candidates: Vec<usize> = match namespaces {
                    NamespaceScope::PolicyNamespace => self
                        .by_ns
                        .get(policy.namespace.as_str())
                        .cloned()
                        .unwrap_or_default(),
                    NamespaceScope::Matching(sel) => self
                        .by_ns
                        .iter()
                        .filter(|(ns, _)| {
                            cluster
                                .namespaces
                                .get(**ns)
                                .is_some_and(|n| sel.matches(&n.labels))
                        })
                        .flat_map(|(_, ws)| ws.iter().copied())
                        .collect(),
                };
                for w in candidates {
                    if self.engine.peer_matches_workload(policy, peer, w, None) {
                        f(w, None);
                    }
                }
            }
            Peer::IpBlock { .. } => {
                if !self.engine.options().ipblock_matches_pods {
                    return;
                }
                let block = ipblock_addrs(peer);
                for (w, wl) in cluster.workloads.iter().enumerate() {
                    for fam in [Family::V4, Family::V6] {
                        if wl
                            .ips
                            .iter()
                            .any(|ip| Family::of(ip) == fam && block.contains(ip))
                        {
                            f(w, Some(fam));
                        }
                    }
                }
            }
        }
    }
}
