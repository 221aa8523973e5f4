//! Grouping: one namespace's [`NamespaceIntent`] to the fewest policies that mean the same.
//!
//! The Kubernetes rules this relies on (API reference, `networking.k8s.io/v1`
//! NetworkPolicySpec, and the "Network Policies" concepts page):
//! - a pod is isolated in a direction when any policy selecting it lists that direction in
//!   `policyTypes`; selecting a pod is what isolates it;
//! - "Network policies do not conflict; they are additive": what a pod's side allows is the
//!   union of the rules of every policy that selects it in that direction;
//! - a rule allows a connection when any of its peers matches the other end and any of its
//!   ports matches.
//!
//! So an object per distinct target selector is enough, and within a direction anything
//! another retained rule already allows for a superset of pods can be dropped. Every step
//! works on canonical forms in sorted maps, so the result does not depend on the order of
//! the input.

use crate::diag::{Code, Diagnostic};
use crate::ir::intent::{
    Allowance, Isolation, NamespaceIntent, NamespaceSet, PeerSet, PortAccess, SourceRef,
};
use crate::ir::{labels, AddrSet, PortSet, Protocol};
use crate::model::{Direction, LabelSelector, NAMESPACE_NAME_LABEL};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One NetworkPolicy to emit, before naming.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// `spec.podSelector`, canonical.
    pub target: LabelSelector,
    /// The ingress rules, or `None` when the policy does not list `Ingress` in
    /// `policyTypes`. `Some(vec![])` isolates without allowing anything.
    pub ingress: Option<Vec<Rule>>,
    /// The egress rules, as `ingress`.
    pub egress: Option<Vec<Rule>>,
    /// The statements whose meaning this object carries.
    pub sources: BTreeSet<SourceRef>,
}

/// One rule: peers that share their ports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The peers, sorted; `[Everything]` alone when the rule matches every peer.
    pub peers: Vec<PeerSet>,
    /// The ports (normalised: see [`normalise_ports`]).
    pub ports: PortAccess,
}

/// An allowance after grouping: pods of `target` may talk with `peer` on `ports`.
#[derive(Clone, Debug)]
struct Entry {
    target: LabelSelector,
    peer: PeerSet,
    ports: PortAccess,
    sources: BTreeSet<SourceRef>,
}

/// Plans the policies of one namespace, sorted by target selector. Fails only when the
/// lowering broke its invariant (an allowance outside every isolation of its direction):
/// emitting it would isolate pods the program did not isolate.
pub fn plan(namespace: &str, intent: &NamespaceIntent) -> Result<Vec<Policy>, Diagnostic> {
    let mut by_target: BTreeMap<LabelSelector, Policy> = BTreeMap::new();
    for direction in [Direction::Ingress, Direction::Egress] {
        let isolations = isolations(&intent.isolations, direction);
        check_invariant(namespace, &intent.allowances, direction, &isolations)?;
        let (rules, mut extra_sources) = rules(namespace, &intent.allowances, direction);
        let kept = keep_isolations(&isolations, &rules, &mut extra_sources);
        let targets: BTreeSet<&LabelSelector> = rules.keys().chain(kept.keys()).collect();
        for target in targets {
            let policy = by_target.entry(target.clone()).or_insert_with(|| Policy {
                target: target.clone(),
                ingress: None,
                egress: None,
                sources: BTreeSet::new(),
            });
            let mut list = Vec::new();
            if let Some(r) = rules.get(target) {
                for (rule, sources) in r {
                    list.push(rule.clone());
                    policy.sources.extend(sources.iter().cloned());
                }
            }
            if let Some(sources) = kept.get(target) {
                policy.sources.extend(sources.iter().cloned());
            }
            if let Some(sources) = extra_sources.get(target) {
                policy.sources.extend(sources.iter().cloned());
            }
            match direction {
                Direction::Ingress => policy.ingress = Some(list),
                Direction::Egress => policy.egress = Some(list),
            }
        }
    }
    Ok(by_target.into_values().collect())
}

/// The isolation selectors of one direction, canonical, with their statements. A selector
/// that matches no label map selects no pod, so it is left out.
fn isolations(
    list: &[Isolation],
    direction: Direction,
) -> BTreeMap<LabelSelector, BTreeSet<SourceRef>> {
    let mut out: BTreeMap<LabelSelector, BTreeSet<SourceRef>> = BTreeMap::new();
    for i in list.iter().filter(|i| i.direction == direction) {
        if labels::is_empty(&i.pods) {
            continue;
        }
        out.entry(labels::canonical(&i.pods))
            .or_default()
            .insert(i.source.clone());
    }
    out
}

/// The lowering's invariant: every allowance's pods lie inside some isolation of its
/// direction. An object selecting them would otherwise isolate pods the program left
/// open (API reference, NetworkPolicySpec.podSelector: the policy applies to the pods it
/// selects), so this is checked and reported, never emitted.
fn check_invariant(
    namespace: &str,
    allowances: &[Allowance],
    direction: Direction,
    isolations: &BTreeMap<LabelSelector, BTreeSet<SourceRef>>,
) -> Result<(), Diagnostic> {
    for a in allowances.iter().filter(|a| a.direction == direction) {
        if labels::is_empty(&a.pods) || isolations.keys().any(|i| labels::implies(&a.pods, i)) {
            continue;
        }
        return Err(Diagnostic::new(
            Code::Internal,
            format!(
                "an {} allowance for pods `{}` of namespace `{namespace}` lies outside every \
                 {} isolation, so emitting it would isolate pods the program did not isolate",
                direction.as_k8s().to_ascii_lowercase(),
                a.pods.describe(),
                direction.as_k8s().to_ascii_lowercase(),
            ),
        )
        .with_note(format!("the allowance comes from {}", a.source)));
    }
    Ok(())
}

/// Rules with the statements behind each, per target.
type RulesByTarget = BTreeMap<LabelSelector, Vec<(Rule, BTreeSet<SourceRef>)>>;
/// The peers of one rule and the statements behind them.
type PeersWithSources = (Vec<PeerSet>, BTreeSet<SourceRef>);
/// Statements whose meaning another target's object carries, per that target.
type SourcesByTarget = BTreeMap<LabelSelector, BTreeSet<SourceRef>>;

/// The rules of one direction, per target, and the sources of dropped entries by the
/// target that now carries their meaning.
fn rules(
    namespace: &str,
    allowances: &[Allowance],
    direction: Direction,
) -> (RulesByTarget, SourcesByTarget) {
    let entries = entries(allowances, direction);
    let (kept, moved) = drop_dominated(entries);
    // Peers that share ports become one rule (BTreeMap by ports: one rule per PortAccess).
    let mut grouped: BTreeMap<LabelSelector, BTreeMap<PortAccess, PeersWithSources>> =
        BTreeMap::new();
    for e in kept {
        let slot = grouped
            .entry(e.target)
            .or_default()
            .entry(e.ports)
            .or_default();
        slot.0.push(e.peer);
        slot.1.extend(e.sources);
    }
    let mut out = RulesByTarget::new();
    for (target, by_ports) in grouped {
        let mut list: Vec<(Rule, BTreeSet<SourceRef>)> = by_ports
            .into_iter()
            .map(|(ports, (mut peers, sources))| {
                peers.sort_by(|a, b| peer_order(namespace, a).cmp(&peer_order(namespace, b)));
                (Rule { peers, ports }, sources)
            })
            .collect();
        // Rules read best ordered by who they admit; ports break ties (never equal).
        list.sort_by(|(a, _), (b, _)| {
            let ka: Vec<_> = a.peers.iter().map(|p| peer_order(namespace, p)).collect();
            let kb: Vec<_> = b.peers.iter().map(|p| peer_order(namespace, p)).collect();
            ka.cmp(&kb).then_with(|| a.ports.cmp(&b.ports))
        });
        out.insert(target, list);
    }
    (out, moved)
}

/// The allowances of one direction as canonical entries: ports united per (target, peer),
/// then address peers with equal ports united into one address set.
fn entries(allowances: &[Allowance], direction: Direction) -> Vec<Entry> {
    let mut per_peer: BTreeMap<(LabelSelector, PeerSet), (PortAccess, BTreeSet<SourceRef>)> =
        BTreeMap::new();
    for a in allowances.iter().filter(|a| a.direction == direction) {
        if labels::is_empty(&a.pods) {
            continue;
        }
        let (Some(peer), Some(ports)) = (normalise_peer(&a.peer), normalise_ports(&a.ports)) else {
            continue;
        };
        let key = (labels::canonical(&a.pods), peer);
        match per_peer.get_mut(&key) {
            Some((p, s)) => {
                *p = normalise_ports(&p.union(&ports)).unwrap_or(ports);
                s.insert(a.source.clone());
            }
            None => {
                per_peer.insert(key, (ports, BTreeSet::from([a.source.clone()])));
            }
        }
    }
    let mut out = Vec::new();
    let mut addresses: BTreeMap<(LabelSelector, PortAccess), (AddrSet, BTreeSet<SourceRef>)> =
        BTreeMap::new();
    for ((target, peer), (ports, sources)) in per_peer {
        match peer {
            PeerSet::Addresses(set) => {
                let slot = addresses.entry((target, ports)).or_default();
                slot.0 = slot.0.union(&set);
                slot.1.extend(sources);
            }
            peer => out.push(Entry {
                target,
                peer,
                ports,
                sources,
            }),
        }
    }
    out.extend(
        addresses
            .into_iter()
            .map(|((target, ports), (set, sources))| Entry {
                target,
                peer: PeerSet::Addresses(set),
                ports,
                sources,
            }),
    );
    out.sort_by(|a, b| (&a.target, &a.peer, &a.ports).cmp(&(&b.target, &b.peer, &b.ports)));
    out
}

/// Drops every entry that another retained entry of the same direction makes redundant:
/// a superset of its pods, of its peer and of its ports (allowances add up, so the other
/// entry's object already allows all of it). Returns the retained entries and, per target,
/// the statements of dropped entries, credited to the entry that carries them now.
///
/// "Dominates" is the strict part of (covers, then position in the sorted list), a strict
/// partial order: no cycles, so every dropped entry has a retained dominator.
fn drop_dominated(entries: Vec<Entry>) -> (Vec<Entry>, SourcesByTarget) {
    // The pairwise test runs n² times; the values repeat a lot (few port sets and peers),
    // so each relation is decided once per pair of distinct values.
    let mut ports = Memo::new(entries.iter().map(|e| &e.ports), ports_cover);
    let mut peers = Memo::new(entries.iter().map(|e| &e.peer), peer_covers);
    let mut targets = Memo::new(entries.iter().map(|e| &e.target), labels::implies);
    // `i` covers `j`: its ports, its peer and its pods (`j`'s target implies `i`'s).
    let mut covers =
        |i: usize, j: usize| ports.holds(i, j) && peers.holds(i, j) && targets.holds(j, i);
    let first: Vec<Option<usize>> = (0..entries.len())
        .map(|j| (0..entries.len()).find(|&i| i != j && covers(i, j) && (i < j || !covers(j, i))))
        .collect();
    let carriers = retained_carriers(&first);
    let mut moved = SourcesByTarget::new();
    let mut kept = Vec::new();
    for (j, e) in entries.iter().enumerate() {
        match carriers[j] {
            Some(i) => moved
                .entry(entries[i].target.clone())
                .or_default()
                .extend(e.sources.iter().cloned()),
            None => kept.push(e.clone()),
        }
    }
    (kept, moved)
}

/// A reflexive relation over the values of a list, decided at most once per pair of
/// distinct values.
struct Memo<'a, T> {
    /// The distinct values.
    values: Vec<&'a T>,
    /// Per list item, the index of its value.
    ids: Vec<usize>,
    relation: fn(&T, &T) -> bool,
    known: Known,
}

/// Decided pairs: a dense table while it stays small (lookups are most of the cost of the
/// quadratic pass), a map beyond.
enum Known {
    /// `values.len()²` cells: 0 undecided, 1 false, 2 true.
    Dense(Vec<u8>),
    Sparse(HashMap<(usize, usize), bool>),
}

/// The most cells of a dense table (16 MiB).
const MAX_DENSE: usize = 1 << 24;

impl<'a, T: Ord> Memo<'a, T> {
    fn new(items: impl Iterator<Item = &'a T>, relation: fn(&T, &T) -> bool) -> Self {
        let mut index: BTreeMap<&'a T, usize> = BTreeMap::new();
        let mut values = Vec::new();
        let ids = items
            .map(|v| {
                *index.entry(v).or_insert_with(|| {
                    values.push(v);
                    values.len() - 1
                })
            })
            .collect();
        let cells = values.len().saturating_mul(values.len());
        let known = if cells <= MAX_DENSE {
            Known::Dense(vec![0; cells])
        } else {
            Known::Sparse(HashMap::new())
        };
        Memo {
            values,
            ids,
            relation,
            known,
        }
    }

    /// Whether the relation holds from item `i`'s value to item `j`'s.
    fn holds(&mut self, i: usize, j: usize) -> bool {
        let (a, b) = (self.ids[i], self.ids[j]);
        if a == b {
            return true;
        }
        let (values, relation) = (&self.values, self.relation);
        match &mut self.known {
            Known::Dense(cells) => {
                let cell = &mut cells[a * values.len() + b];
                if *cell == 0 {
                    *cell = if relation(values[a], values[b]) { 2 } else { 1 };
                }
                *cell == 2
            }
            Known::Sparse(map) => *map
                .entry((a, b))
                .or_insert_with(|| relation(values[a], values[b])),
        }
    }
}

/// For each item with a dominator (`first[j]`, any one), a retained item that dominates
/// it: following dominators ends at one with none, and dominance is transitive. The walk
/// is bounded; an item whose walk does not end (impossible for a strict order) is kept.
fn retained_carriers(first: &[Option<usize>]) -> Vec<Option<usize>> {
    (0..first.len())
        .map(|j| {
            let mut k = first[j]?;
            for _ in 0..first.len() {
                match first.get(k).copied().flatten() {
                    Some(next) => k = next,
                    None => return Some(k),
                }
            }
            None
        })
        .collect()
}

/// The isolation selectors that still need an object in this direction. One with no rules
/// whose pods a larger isolation selector of the same direction holds isolates nothing
/// new, so it is dropped and its statements credited to the larger one. Same strict-order
/// argument as [`drop_dominated`].
fn keep_isolations(
    isolations: &BTreeMap<LabelSelector, BTreeSet<SourceRef>>,
    rules: &RulesByTarget,
    moved: &mut SourcesByTarget,
) -> BTreeMap<LabelSelector, BTreeSet<SourceRef>> {
    let list: Vec<(&LabelSelector, &BTreeSet<SourceRef>)> = isolations.iter().collect();
    let n = list.len();
    let dominates = |i: usize, j: usize| {
        let (a, b) = (list[i].0, list[j].0);
        i != j && labels::implies(b, a) && (i < j || !labels::implies(a, b))
    };
    // Only an isolation without rules may go: one with rules needs its object anyway.
    let first: Vec<Option<usize>> = (0..n)
        .map(|j| {
            if rules.contains_key(list[j].0) {
                None
            } else {
                (0..n).find(|&i| dominates(i, j))
            }
        })
        .collect();
    let carriers = retained_carriers(&first);
    let mut kept = BTreeMap::new();
    for (j, (target, sources)) in list.iter().enumerate() {
        match carriers[j] {
            Some(i) => moved
                .entry(list[i].0.clone())
                .or_default()
                .extend(sources.iter().cloned()),
            None => {
                kept.insert((*target).clone(), (*sources).clone());
            }
        }
    }
    kept
}

/// A peer in canonical form, or `None` when it matches nothing.
fn normalise_peer(peer: &PeerSet) -> Option<PeerSet> {
    match peer {
        PeerSet::Everything => Some(PeerSet::Everything),
        PeerSet::Addresses(set) => (!set.is_empty()).then(|| PeerSet::Addresses(set.clone())),
        PeerSet::Pods { namespaces, pods } => {
            if labels::is_empty(pods) {
                return None;
            }
            let namespaces = match namespaces {
                NamespaceSet::Named(n) => NamespaceSet::Named(n.clone()),
                NamespaceSet::Matching(sel) if labels::is_empty(sel) => return None,
                NamespaceSet::Matching(sel) => NamespaceSet::Matching(labels::canonical(sel)),
            };
            Some(PeerSet::Pods {
                namespaces,
                pods: labels::canonical(pods),
            })
        }
    }
}

/// Ports in canonical form, or `None` when there are none (an empty `ports` list would
/// mean every port: API reference, NetworkPolicyIngressRule.ports). A named port of a
/// protocol whose every number is already in the set adds nothing, so it is dropped.
pub fn normalise_ports(ports: &PortAccess) -> Option<PortAccess> {
    if ports.is_all() {
        return Some(PortAccess::all());
    }
    let named: BTreeSet<(Protocol, String)> = ports
        .named
        .iter()
        .filter(|(p, _)| !whole_protocol(&ports.numbers, *p))
        .cloned()
        .collect();
    if ports.numbers.is_empty() && named.is_empty() {
        return None;
    }
    Some(PortAccess {
        numbers: ports.numbers.clone(),
        named,
    })
}

/// True when every port number of `protocol` is in `numbers`.
pub fn whole_protocol(numbers: &PortSet, protocol: Protocol) -> bool {
    numbers.of(protocol) == PortSet::all_of(protocol).of(protocol)
}

/// True when `a` holds every port of `b` for every destination. A named port is held only
/// by the same name or by its whole protocol: which number it resolves to depends on the
/// destination pod, so nothing less is certain.
fn ports_cover(a: &PortAccess, b: &PortAccess) -> bool {
    if a.is_all() {
        return true;
    }
    b.numbers.difference(&a.numbers).is_empty()
        && b.named
            .iter()
            .all(|(p, n)| a.named.contains(&(*p, n.clone())) || whole_protocol(&a.numbers, *p))
}

/// The namespaces of a pod peer as a namespace selector: a named namespace is the one whose
/// `kubernetes.io/metadata.name` label is its name (the control plane sets that immutable
/// label on every namespace, Kubernetes >= 1.21, "Namespaces" concepts page).
fn namespace_selector(set: &NamespaceSet) -> LabelSelector {
    match set {
        NamespaceSet::Named(n) => LabelSelector {
            match_labels: BTreeMap::from([(NAMESPACE_NAME_LABEL.to_owned(), n.clone())]),
            match_expressions: Vec::new(),
        },
        NamespaceSet::Matching(sel) => sel.clone(),
    }
}

/// True when every endpoint `b` matches, `a` matches too, decided exactly or not at all.
/// Pods and addresses are never compared: whether an ipBlock matches pod IPs depends on
/// the network plugin (decision 0004).
fn peer_covers(a: &PeerSet, b: &PeerSet) -> bool {
    match (a, b) {
        (PeerSet::Everything, _) => true,
        (_, PeerSet::Everything) => false,
        (PeerSet::Addresses(x), PeerSet::Addresses(y)) => y.difference(x).is_empty(),
        (
            PeerSet::Pods {
                namespaces: na,
                pods: pa,
            },
            PeerSet::Pods {
                namespaces: nb,
                pods: pb,
            },
        ) => {
            labels::implies(&namespace_selector(nb), &namespace_selector(na))
                && labels::implies(pb, pa)
        }
        _ => false,
    }
}

/// How peers are ordered within a rule: everything, then pods of the policy's own
/// namespace, of other named namespaces, of namespaces by label, then addresses.
fn peer_order<'p>(namespace: &str, peer: &'p PeerSet) -> (u8, &'p PeerSet) {
    let rank = match peer {
        PeerSet::Everything => 0,
        PeerSet::Pods {
            namespaces: NamespaceSet::Named(n),
            ..
        } if n == namespace => 1,
        PeerSet::Pods {
            namespaces: NamespaceSet::Named(_),
            ..
        } => 2,
        PeerSet::Pods { .. } => 3,
        PeerSet::Addresses(_) => 4,
    };
    (rank, peer)
}
