//! Lifting: NetworkPolicies (under the Kubernetes rules) and a program's meaning (under
//! the language's rules) into the same boxes, one side per namespace and direction.
//!
//! Both lifts read objects that are already validated and defaulted (`model::load`,
//! `resolve::lower`), so nothing here re-derives defaults. The rules, with sources
//! (Kubernetes docs, "Network Policies", and the `networking.k8s.io/v1` API reference):
//! - a pod is isolated in a direction when some policy of its namespace selects it and
//!   has that direction in `policyTypes` (NetworkPolicySpec.podSelector, .policyTypes);
//!   the rules of a policy count only in the directions it isolates (the engine's
//!   `side` considers selecting policies only);
//! - a side allows what the union of the selecting policies' rules allows ("Network
//!   policies do not conflict; they are additive");
//! - a rule matches a peer and a port when some `from`/`to` entry matches the peer and
//!   some `ports` entry the port; an empty or absent list matches every peer or port
//!   (NetworkPolicyIngressRule: "If this field is empty or missing, this rule matches all
//!   sources"/"all ports");
//! - a `podSelector`-only peer selects pods of the policy's namespace; with a
//!   `namespaceSelector`, pods matching both (NetworkPolicyPeer);
//! - an ipBlock is its cidr minus every except (IPBlock), and matches pods by their IP
//!   only when the network plugin does so (`Options::ipblock_matches_pods`);
//! - a named port matches the destination pod's container port of that name and protocol
//!   (NetworkPolicyPort.port: "a numerical or named port on a pod");
//! - hostNetwork pods are left to the plugin (docs, "Pod network and hostNetwork pods"):
//!   by default they are node traffic, a kind of their own (`Kind::Host`) that only
//!   ipBlocks match; with `Options::select_host_network` they are pods like any other,
//!   already in `Kind::Pod` (whose labels and addresses range over every value), so the
//!   space has no `Kind::Host`. A lift under that reading is the default one without
//!   that kind, which is why equality under the default implies equality under it.

use super::partition::{Cube, Kind};
use super::{Lifted, Provenance, Side};
use crate::ir::intent::{NamespaceIntent, NamespaceSet, PeerSet, PortAccess};
use crate::ir::labels::{Atoms, LabelBox, Values};
use crate::ir::{AddrSet, Intent, PortSet};
use crate::model::{
    validate, Direction, LabelSelector, NamespaceScope, NetworkPolicy, Peer, PolicyPort, PortSpec,
    NAMESPACE_NAME_LABEL,
};
use crate::verify::engine::ipblock_addrs;
use crate::verify::Options;
use std::collections::BTreeMap;

/// Lifts NetworkPolicies, as `model::load` returns them.
pub fn lift_policies<'a>(
    policies: impl IntoIterator<Item = &'a NetworkPolicy>,
    options: Options,
) -> Lifted {
    let mut lifted = Lifted {
        options,
        ..Lifted::default()
    };
    for policy in policies {
        // A selector that matches no pod selects nothing and isolates nothing.
        let Some(subject) = LabelBox::of(&policy.pod_selector) else {
            continue;
        };
        for direction in [Direction::Ingress, Direction::Egress] {
            if !policy.isolates(direction) {
                continue;
            }
            let side = lifted
                .sides
                .entry((policy.namespace.clone(), direction))
                .or_default();
            let provenance = |rule| Provenance::Policy {
                id: policy.id(),
                origin: policy.origin.clone(),
                rule,
            };
            side.isolated.push((subject.clone(), provenance(None)));
            for (i, rule) in policy.rules(direction).iter().enumerate() {
                let why = provenance(Some((direction, i)));
                let peers: Vec<Cube> = match &rule.peers {
                    None => everyone(options),
                    Some(list) => list
                        .iter()
                        .flat_map(|p| policy_peer(&policy.namespace, p, options))
                        .collect(),
                };
                let ports: Vec<(PortSet, Atoms)> = match &rule.ports {
                    None => vec![(PortSet::all(), Atoms::all())],
                    Some(list) => policy_ports(list),
                };
                add(side, &subject, &peers, &ports, direction, &why);
            }
        }
    }
    lifted
}

/// Lifts a program's meaning.
pub fn lift_intent(intent: &Intent, options: Options) -> Lifted {
    lift_namespace_intents(&intent.namespaces, options)
}

/// Lifts what a program says about some of its namespaces, by name: the sides of other
/// namespaces are left out, as if the program did not shape them.
pub fn lift_namespace_intents<'a>(
    namespaces: impl IntoIterator<Item = (&'a String, &'a NamespaceIntent)>,
    options: Options,
) -> Lifted {
    let mut lifted = Lifted {
        options,
        ..Lifted::default()
    };
    for (namespace, ns) in namespaces {
        for iso in &ns.isolations {
            let Some(subject) = LabelBox::of(&iso.pods) else {
                continue;
            };
            lifted
                .sides
                .entry((namespace.clone(), iso.direction))
                .or_default()
                .isolated
                .push((subject, Provenance::Statement(iso.source.clone())));
        }
        for a in &ns.allowances {
            let Some(subject) = LabelBox::of(&a.pods) else {
                continue;
            };
            let side = lifted
                .sides
                .entry((namespace.clone(), a.direction))
                .or_default();
            let peers = intent_peer(&a.peer, options);
            let ports = intent_ports(&a.ports);
            let why = Provenance::Statement(a.source.clone());
            add(side, &subject, &peers, &ports, a.direction, &why);
        }
    }
    lifted
}

/// Every box `subject × peer × port`, within the space of `direction`.
fn add(
    side: &mut Side,
    subject: &LabelBox,
    peers: &[Cube],
    ports: &[(PortSet, Atoms)],
    direction: Direction,
    why: &Provenance,
) {
    for peer in peers {
        for (numbers, name) in ports {
            let mut c = peer.clone();
            c.subject = subject.clone();
            c.ports = numbers.clone();
            c.port_name = name.clone();
            if let Some(c) = clip(c, direction) {
                side.allowed.push((c, why.clone()));
            }
        }
    }
}

/// The kinds of other end a lift under `options` has: [`Kind::Host`] only when
/// hostNetwork pods are not pods.
pub(crate) fn kinds(options: Options) -> &'static [Kind] {
    if options.select_host_network {
        &[Kind::Pod, Kind::Address]
    } else {
        &Kind::ALL
    }
}

/// The boxes that make up the whole space of one direction under `options`, one per
/// kind. Towards an outside address (egress), the destination is the address, which has
/// no container ports and so names no port: that part of the space has no port names.
pub(crate) fn universe(direction: Direction, options: Options) -> Vec<Cube> {
    kinds(options)
        .iter()
        .map(|&kind| {
            let mut c = Cube::everything(kind);
            if kind == Kind::Address && direction == Direction::Egress {
                c.port_name = Atoms::absent();
            }
            c
        })
        .collect()
}

/// A box cut to the space of `direction`, or `None` when nothing of it is in that space.
fn clip(c: Cube, direction: Direction) -> Option<Cube> {
    if c.is_empty() {
        return None;
    }
    if c.kind == Kind::Address && direction == Direction::Egress {
        let mut c = c;
        c.port_name = c.port_name.intersect(&Atoms::absent());
        return (!c.is_empty()).then_some(c);
    }
    Some(c)
}

/// Every pod and every address (no `from`/`to`, or the language's `anywhere`).
fn everyone(options: Options) -> Vec<Cube> {
    kinds(options)
        .iter()
        .map(|&k| Cube::everything(k))
        .collect()
}

/// Pods of the namespaces `namespaces` (already split into the name dimension and the
/// other labels) whose labels match `pods`.
fn pods(ns_name: Values, ns_labels: LabelBox, pods: &LabelSelector) -> Vec<Cube> {
    let Some(peer_labels) = LabelBox::of(pods) else {
        return vec![];
    };
    let mut c = Cube::everything(Kind::Pod);
    c.ns_name = ns_name;
    c.ns_labels = ns_labels;
    c.peer_labels = peer_labels;
    if c.is_empty() {
        vec![]
    } else {
        vec![c]
    }
}

/// A namespace selector as (names, other labels). Every namespace carries the label
/// `kubernetes.io/metadata.name` with its own name (set and kept immutable by the
/// control plane since 1.21), so a requirement on that label is a requirement on the
/// name, and "absent" is impossible for it.
fn namespace_selector(selector: &LabelSelector) -> Option<(Values, LabelBox)> {
    let mut labels = LabelBox::of(selector)?;
    let names = match labels.take(NAMESPACE_NAME_LABEL).values {
        // A namespace's name is a DNS-1123 label (ValidateNamespaceName); a label value
        // that is not one names no namespace.
        Values::Only(names) => Values::Only(
            names
                .into_iter()
                .filter(|n| validate::dns1123_label(n).is_empty())
                .collect(),
        ),
        others => others,
    };
    Some((names, labels))
}

/// Addresses: outside ones, and pods (hostNetwork ones included) whose IP lies in them
/// when the plugin matches pods by ipBlock.
fn addresses(set: AddrSet, options: Options) -> Vec<Cube> {
    let set = set.intersect(&AddrSet::routable());
    if set.is_empty() {
        return vec![];
    }
    let kinds: &[Kind] = if options.ipblock_matches_pods {
        kinds(options)
    } else {
        &[Kind::Address]
    };
    kinds
        .iter()
        .map(|&kind| {
            let mut c = Cube::everything(kind);
            c.addr = set.clone();
            c
        })
        .collect()
}

/// One `from`/`to` entry of a policy in `namespace` (API reference, NetworkPolicyPeer:
/// podSelector alone selects pods "in the same namespace as the NetworkPolicy"; with
/// namespaceSelector, "pods matching podSelector in the Namespaces selected by
/// NamespaceSelector").
fn policy_peer(namespace: &str, peer: &Peer, options: Options) -> Vec<Cube> {
    match peer {
        Peer::Pods {
            namespaces: NamespaceScope::PolicyNamespace,
            pods: selector,
        } => pods(Values::one(namespace), LabelBox::all(), selector),
        Peer::Pods {
            namespaces: NamespaceScope::Matching(ns),
            pods: selector,
        } => match namespace_selector(ns) {
            Some((names, labels)) => pods(names, labels, selector),
            None => vec![],
        },
        Peer::IpBlock { .. } => addresses(ipblock_addrs(peer), options),
    }
}

/// A rule's `ports` entries, merged: every numbered entry into one set, and the entries
/// of each port name into one, since a connection matches the rule when it matches any
/// entry (NetworkPolicyPort: "each item in this list is combined using a logical OR"). One
/// box per entry made a rule of 5,000 ports 5,000 boxes, and its proof quadratic.
fn policy_ports(list: &[PolicyPort]) -> Vec<(PortSet, Atoms)> {
    let mut numbers: Option<PortSet> = None;
    let mut named: BTreeMap<&str, PortSet> = BTreeMap::new();
    for port in list {
        let (set, _) = policy_port(port);
        match &port.port {
            PortSpec::Named(name) => {
                let entry = named.entry(name.as_str()).or_insert_with(PortSet::none);
                *entry = entry.union(&set);
            }
            _ => numbers = Some(numbers.map_or(set.clone(), |n| n.union(&set))),
        }
    }
    numbers
        .map(|n| (n, Atoms::all()))
        .into_iter()
        .chain(named.into_iter().map(|(name, set)| (set, Atoms::one(name))))
        .collect()
}

/// One `ports` entry: the numbers it names, and which port names it needs.
fn policy_port(port: &PolicyPort) -> (PortSet, Atoms) {
    match &port.port {
        PortSpec::All => (PortSet::all_of(port.protocol), Atoms::all()),
        PortSpec::Numbers { start, end } => {
            (PortSet::range(port.protocol, *start, *end), Atoms::all())
        }
        PortSpec::Named(name) => (PortSet::all_of(port.protocol), Atoms::one(name)),
    }
}

/// The other end of an allowance, as the language defines its endpoints.
fn intent_peer(peer: &PeerSet, options: Options) -> Vec<Cube> {
    match peer {
        PeerSet::Everything => everyone(options),
        PeerSet::Addresses(set) => addresses(set.clone(), options),
        PeerSet::Pods {
            namespaces: NamespaceSet::Named(name),
            pods: selector,
        } => pods(Values::one(name), LabelBox::all(), selector),
        PeerSet::Pods {
            namespaces: NamespaceSet::Matching(ns),
            pods: selector,
        } => match namespace_selector(ns) {
            Some((names, labels)) => pods(names, labels, selector),
            None => vec![],
        },
    }
}

/// The ports of an allowance: numbers whatever their name, and each named port on any
/// number the destination gives that name.
fn intent_ports(ports: &PortAccess) -> Vec<(PortSet, Atoms)> {
    let mut out = Vec::new();
    if !ports.numbers.is_empty() {
        out.push((ports.numbers.clone(), Atoms::all()));
    }
    for (protocol, name) in &ports.named {
        out.push((PortSet::all_of(*protocol), Atoms::one(name)));
    }
    out
}
