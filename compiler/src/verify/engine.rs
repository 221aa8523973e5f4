//! The reachability engine over a concrete cluster: which policies select a pod,
//! which peers match an endpoint, and what one side of a connection allows.
//!
//! Semantics, with sources (Kubernetes docs, "Network Policies", concepts page,
//! and the `networking.k8s.io/v1` API reference):
//! - "By default, a pod is non-isolated for egress/ingress"; a pod is isolated in
//!   a direction when any policy that selects it has that direction in its
//!   policyTypes ([`crate::model::NetworkPolicy::isolates`]).
//! - "Network policies do not conflict; they are additive": a side allows what
//!   the union of the rules of the policies selecting it allows.
//! - "For a connection from a source pod to a destination pod to be allowed, both
//!   the egress policy on the source pod and the ingress policy on the destination
//!   pod need to allow the connection."
//! - Towards or from an address outside the cluster only the pod's side counts.
//! - hostNetwork pods: the docs ("Network Policies", "Pod network and hostNetwork
//!   pods") say NetworkPolicy behaviour for them is undefined, and name two cases: a
//!   plugin that "will apply NetworkPolicy to hostNetwork pods just like it does to
//!   pod-network pods", and one that "ignores hostNetwork pods when matching
//!   podSelectors and namespaceSelectors", their traffic "treated the same as all
//!   other traffic to/from the node IP" ("the most common implementation"). The
//!   second is the default: such pods are never selected, never matched by a pod
//!   peer, and match an ipBlock only by their (node) IP. The first is
//!   [`Options::select_host_network`].

use crate::ir::{AddrSet, Family, PortSet};
use crate::model::{
    Cluster, ContainerPort, Direction, NamespaceScope, NetworkPolicy, Peer, PolicyPort, Rule,
    Workload,
};
use std::net::IpAddr;

/// Choices that differ between network plugins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Whether an ipBlock peer matches pods whose IP lies in the block. The
    /// upstream e2e conformance tests expect it ("should allow egress access to
    /// server in CIDR block" targets a pod IP); Cilium and some others do not.
    pub ipblock_matches_pods: bool,
    /// Whether policies select and match hostNetwork pods like any pod (the docs' first
    /// case; np-guard and NCA read them so). Off by default: they are node traffic, the
    /// docs' "most common implementation".
    pub select_host_network: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            ipblock_matches_pods: true,
            select_host_network: false,
        }
    }
}

impl Options {
    /// Whether pod selectors (a policy's, or a peer's) can see this workload: not when it
    /// uses the host network, unless the plugin treats such pods as pods.
    pub fn selectable(self, w: &Workload) -> bool {
        !w.host_network || self.select_host_network
    }
}

/// One end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    /// A workload, by index into [`Cluster::workloads`].
    Workload(usize),
    /// An address outside the cluster.
    Address(IpAddr),
}

/// A rule of a policy: which policy, which direction, which rule (0-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleRef {
    /// Index into [`Cluster::policies`].
    pub policy: usize,
    /// The direction of the rule list.
    pub direction: Direction,
    /// 0-based index in `spec.ingress` / `spec.egress`.
    pub rule: usize,
}

/// What one side (the source's egress or the destination's ingress) allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SideVerdict {
    /// The policies that select the subject pod in this direction (empty: not isolated).
    pub selecting: Vec<usize>,
    /// The ports allowed on this side.
    pub ports: PortSet,
    /// The rules that contributed at least one port.
    pub rules: Vec<RuleRef>,
}

impl SideVerdict {
    /// True when no policy isolates the subject in this direction.
    pub fn is_open(&self) -> bool {
        self.selecting.is_empty()
    }
}

/// A cluster with its selections precomputed.
pub struct Engine<'c> {
    cluster: &'c Cluster,
    options: Options,
    /// Per workload: the namespace's labels.
    ns_labels: Vec<&'c crate::model::Labels>,
    /// Per direction (0 ingress, 1 egress), per workload: policies that isolate it.
    selecting: [Vec<Vec<usize>>; 2],
    /// The same cluster under the other reading of hostNetwork pods, built when a question
    /// about such a pod first asks whether that reading decides (`query`).
    other_reading: std::sync::OnceLock<Box<Engine<'c>>>,
}

fn dir_index(d: Direction) -> usize {
    match d {
        Direction::Ingress => 0,
        Direction::Egress => 1,
    }
}

impl<'c> Engine<'c> {
    /// Precomputes which policies select which workloads.
    pub fn new(cluster: &'c Cluster, options: Options) -> Self {
        static NO_LABELS: std::sync::OnceLock<crate::model::Labels> = std::sync::OnceLock::new();
        let empty = NO_LABELS.get_or_init(Default::default);
        let ns_labels = cluster
            .workloads
            .iter()
            .map(|w| {
                cluster
                    .namespaces
                    .get(&w.namespace)
                    .map_or(empty, |n| &n.labels)
            })
            .collect();
        let n = cluster.workloads.len();
        let mut selecting = [vec![Vec::new(); n], vec![Vec::new(); n]];
        for (pi, p) in cluster.policies.iter().enumerate() {
            for (wi, w) in cluster.workloads.iter().enumerate() {
                if Self::policy_selects(p, w, options) {
                    for d in [Direction::Ingress, Direction::Egress] {
                        if p.isolates(d) {
                            selecting[dir_index(d)][wi].push(pi);
                        }
                    }
                }
            }
        }
        Self {
            cluster,
            options,
            ns_labels,
            selecting,
            other_reading: std::sync::OnceLock::new(),
        }
    }

    /// This cluster under the other reading of hostNetwork pods (as pods, or as node
    /// traffic), built once.
    pub fn other_reading(&self) -> &Engine<'c> {
        self.other_reading.get_or_init(|| {
            Box::new(Engine::new(
                self.cluster,
                Options {
                    select_host_network: !self.options.select_host_network,
                    ..self.options
                },
            ))
        })
    }

    /// The cluster.
    pub fn cluster(&self) -> &'c Cluster {
        self.cluster
    }

    /// The options.
    pub fn options(&self) -> Options {
        self.options
    }

    /// A policy selects the pods of its own namespace that its podSelector
    /// matches (API reference, NetworkPolicySpec.podSelector: "Selects the pods to
    /// which this NetworkPolicy object applies ... An empty podSelector selects
    /// all pods in this namespace"); hostNetwork pods only under
    /// [`Options::select_host_network`].
    pub fn policy_selects(p: &NetworkPolicy, w: &Workload, options: Options) -> bool {
        options.selectable(w) && p.namespace == w.namespace && p.pod_selector.matches(&w.labels)
    }

    /// The policies isolating a workload in a direction.
    pub fn selecting(&self, direction: Direction, workload: usize) -> &[usize] {
        self.selecting[dir_index(direction)]
            .get(workload)
            .map_or(&[], Vec::as_slice)
    }

    /// Whether `peer` matches the workload, for a connection over `family`
    /// (`None` when the family is unknown: no ipBlock can then match a pod).
    pub fn peer_matches_workload(
        &self,
        policy: &NetworkPolicy,
        peer: &Peer,
        workload: usize,
        family: Option<Family>,
    ) -> bool {
        let Some(w) = self.cluster.workloads.get(workload) else {
            return false;
        };
        match peer {
            Peer::Pods { namespaces, pods } => {
                // API reference, NetworkPolicyPeer: podSelector alone selects pods "in the
                // same namespace as the NetworkPolicy"; with namespaceSelector, "pods
                // matching podSelector in the Namespaces selected by NamespaceSelector".
                let ns_ok = match namespaces {
                    NamespaceScope::PolicyNamespace => w.namespace == policy.namespace,
                    NamespaceScope::Matching(sel) => {
                        self.ns_labels.get(workload).is_some_and(|l| sel.matches(l))
                    }
                };
                self.options.selectable(w) && ns_ok && pods.matches(&w.labels)
            }
            Peer::IpBlock { .. } => {
                let Some(f) = family else { return false };
                if !self.options.ipblock_matches_pods {
                    return false;
                }
                let block = ipblock_addrs(peer);
                w.ips
                    .iter()
                    .any(|ip| Family::of(ip) == f && block.contains(ip))
            }
        }
    }

    /// Whether `peer` matches an address outside the cluster: only an ipBlock
    /// can (API reference, IPBlock: "describes a particular CIDR ... that is
    /// allowed to the pods matched by a NetworkPolicySpec's podSelector").
    pub fn peer_matches_address(peer: &Peer, ip: &IpAddr) -> bool {
        matches!(peer, Peer::IpBlock { .. }) && ipblock_addrs(peer).contains(ip)
    }

    fn peer_matches(&self, p: &NetworkPolicy, peer: &Peer, e: Endpoint, f: Option<Family>) -> bool {
        match e {
            Endpoint::Workload(w) => self.peer_matches_workload(p, peer, w, f),
            Endpoint::Address(ip) => Self::peer_matches_address(peer, &ip),
        }
    }

    /// The container ports of the destination, for resolving named ports; an
    /// address outside the cluster has none, so a named port never matches it.
    fn destination_ports(&self, destination: Endpoint) -> &[ContainerPort] {
        match destination {
            Endpoint::Workload(w) => self.cluster.workloads.get(w).map_or(&[], |w| &w.ports),
            Endpoint::Address(_) => &[],
        }
    }

    /// The ports a rule allows towards `destination`, or none when no peer of
    /// the rule matches `peer` (the other end of the connection).
    pub fn rule_ports(
        &self,
        policy: &NetworkPolicy,
        rule: &Rule,
        peer: Endpoint,
        destination: Endpoint,
        family: Option<Family>,
    ) -> PortSet {
        let peer_ok = match &rule.peers {
            None => true,
            Some(peers) => peers
                .iter()
                .any(|pe| self.peer_matches(policy, pe, peer, family)),
        };
        if !peer_ok {
            return PortSet::none();
        }
        resolve_ports(rule.ports.as_deref(), self.destination_ports(destination))
    }

    /// What one side of a connection allows. For egress the subject is the
    /// source and `other` the destination; for ingress the subject is the
    /// destination and `other` the source. Named ports always resolve on the
    /// destination pod.
    pub fn side(
        &self,
        direction: Direction,
        subject: usize,
        other: Endpoint,
        family: Option<Family>,
    ) -> SideVerdict {
        let selecting = self.selecting(direction, subject).to_vec();
        if selecting.is_empty() {
            return SideVerdict {
                selecting,
                ports: PortSet::all(),
                rules: Vec::new(),
            };
        }
        let destination = match direction {
            Direction::Egress => other,
            Direction::Ingress => Endpoint::Workload(subject),
        };
        let mut ports = PortSet::none();
        let mut rules = Vec::new();
        for &pi in &selecting {
            let Some(p) = self.cluster.policies.get(pi) else {
                continue;
            };
            for (ri, rule) in p.rules(direction).iter().enumerate() {
                let got = self.rule_ports(p, rule, other, destination, family);
                if !got.is_empty() {
                    ports = ports.union(&got);
                    rules.push(RuleRef {
                        policy: pi,
                        direction,
                        rule: ri,
                    });
                }
            }
        }
        SideVerdict {
            selecting,
            ports,
            rules,
        }
    }

    /// The address families a connection between two endpoints may use: those
    /// both ends have addresses in; when only one end's addresses are known,
    /// that end's families; `[None]` when neither is known.
    pub fn families(&self, a: Endpoint, b: Endpoint) -> Vec<Option<Family>> {
        let fam = |e: Endpoint| match e {
            Endpoint::Address(ip) => Families::of(std::slice::from_ref(&ip)),
            Endpoint::Workload(w) => self
                .cluster
                .workloads
                .get(w)
                .map_or(Families::default(), |w| Families::of(&w.ips)),
        };
        connection_families(fam(a), fam(b))
    }
}

/// Which address families an endpoint has addresses in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Families {
    v4: bool,
    v6: bool,
}

impl Families {
    /// The families of a list of addresses.
    pub(crate) fn of(ips: &[IpAddr]) -> Self {
        Self {
            v4: ips.iter().any(|ip| Family::of(ip) == Family::V4),
            v6: ips.iter().any(|ip| Family::of(ip) == Family::V6),
        }
    }

    fn known(self) -> bool {
        self.v4 || self.v6
    }

    fn list(self) -> Vec<Option<Family>> {
        let mut v = Vec::new();
        if self.v4 {
            v.push(Some(Family::V4));
        }
        if self.v6 {
            v.push(Some(Family::V6));
        }
        v
    }
}

/// The families a connection between two ends may use: those both have
/// addresses in; when only one end's addresses are known, that end's
/// families; `[None]` when neither is known or they share no family.
pub(crate) fn connection_families(a: Families, b: Families) -> Vec<Option<Family>> {
    let v = match (a.known(), b.known()) {
        (false, false) => Vec::new(),
        (true, false) => a.list(),
        (false, true) => b.list(),
        (true, true) => Families {
            v4: a.v4 && b.v4,
            v6: a.v6 && b.v6,
        }
        .list(),
    };
    if v.is_empty() {
        vec![None]
    } else {
        v
    }
}

/// The ports a rule's `ports` list allows on a destination with these
/// container ports; an absent list allows every port.
pub(crate) fn resolve_ports(
    ports: Option<&[PolicyPort]>,
    destination: &[ContainerPort],
) -> PortSet {
    match ports {
        None => PortSet::all(),
        Some(list) => list.iter().fold(PortSet::none(), |acc, pp| {
            acc.union(&pp.resolve(destination))
        }),
    }
}

/// The addresses an ipBlock peer covers: its cidr minus every except.
pub fn ipblock_addrs(peer: &Peer) -> AddrSet {
    match peer {
        Peer::IpBlock { cidr, except } => AddrSet::cidr(cidr).difference(&AddrSet::cidrs(except)),
        Peer::Pods { .. } => AddrSet::none(),
    }
}
