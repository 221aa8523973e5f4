//! Boxes over the space of one side's connections, and their subtraction.
//!
//! A point of one namespace's side in one direction is: the shaped pod's labels; the other
//! end, either a pod (its namespace's name and labels, its labels, its address) or an
//! address outside the cluster; the protocol and port number; and the name the
//! destination pod gives that port, if any (named ports resolve on the destination: API
//! reference, NetworkPolicyPort.port). Every selector, ipBlock and port entry is a box, a
//! product of one set per dimension, so every allow set is a finite union of boxes.
//!
//! `A \ B` of two boxes is cut one dimension at a time: the part of A outside B in the
//! first dimension, then, inside B there, the part outside B in the next, and so on. The
//! pieces are disjoint, and only the dimensions B actually constrains produce any, so the
//! space is split only where the two sides' boxes cut it (algebra.md's finite partition,
//! built lazily instead of enumerated).

use super::{OtherEnd, Point};
use crate::ir::labels::{Atoms, LabelBox, Values};
use crate::ir::{AddrSet, Family, PortSet, Protocol};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// What the other end of a connection is. The kinds are disjoint parts of the space, so
/// boxes of different kinds never meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Kind {
    /// A pod of the cluster.
    Pod,
    /// An address outside the cluster.
    Address,
    /// A hostNetwork pod: never matched by a pod peer, matched by an ipBlock through its
    /// (node) IP like an address, yet a destination with container ports, so named ports
    /// resolve on it (the engine's rules; the docs leave such pods to the plugin).
    Host,
}

impl Kind {
    /// Every kind.
    pub(crate) const ALL: [Kind; 3] = [Kind::Pod, Kind::Address, Kind::Host];
}

/// A box: a product of one set per dimension. For `Kind::Address` and `Kind::Host` the
/// namespace and peer-label dimensions are unused and stay full. No dimension is ever empty.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Cube {
    /// The shaped pod's labels (its namespace is fixed by the side).
    pub(crate) subject: LabelBox,
    pub(crate) kind: Kind,
    /// The other end's namespace name. The `kubernetes.io/metadata.name` label always
    /// equals it, so constraints on that label land here and never in `ns_labels`.
    pub(crate) ns_name: Values,
    /// The other end's namespace labels, that label excepted.
    pub(crate) ns_labels: LabelBox,
    /// The other end's pod labels.
    pub(crate) peer_labels: LabelBox,
    /// The other end's address (a pod's IP, or the outside address).
    pub(crate) addr: AddrSet,
    /// Protocol and port number.
    pub(crate) ports: PortSet,
    /// The name the destination pod gives the port (absent: no name).
    pub(crate) port_name: Atoms,
}

/// One dimension's set type: closed under intersection and difference. `overlaps` and
/// `within` answer without building sets: they run for every pair of boxes the search
/// compares, and allocation dominated the time when they did.
pub(crate) trait Dim: Clone {
    fn meet(&self, other: &Self) -> Self;
    fn minus(&self, other: &Self) -> Self;
    fn void(&self) -> bool;
    fn overlaps(&self, other: &Self) -> bool;
    fn within(&self, other: &Self) -> bool;
}

impl Dim for Values {
    fn meet(&self, other: &Self) -> Self {
        self.intersect(other)
    }
    fn minus(&self, other: &Self) -> Self {
        self.difference(other)
    }
    fn void(&self) -> bool {
        self.is_empty()
    }
    fn overlaps(&self, other: &Self) -> bool {
        self.meets(other)
    }
    fn within(&self, other: &Self) -> bool {
        Values::within(self, other)
    }
}

impl Dim for Atoms {
    fn meet(&self, other: &Self) -> Self {
        self.intersect(other)
    }
    fn minus(&self, other: &Self) -> Self {
        self.difference(other)
    }
    fn void(&self) -> bool {
        self.is_empty()
    }
    fn overlaps(&self, other: &Self) -> bool {
        self.meets(other)
    }
    fn within(&self, other: &Self) -> bool {
        self.is_subset(other)
    }
}

impl Dim for AddrSet {
    fn meet(&self, other: &Self) -> Self {
        self.intersect(other)
    }
    fn minus(&self, other: &Self) -> Self {
        self.difference(other)
    }
    fn void(&self) -> bool {
        self.is_empty()
    }
    fn overlaps(&self, other: &Self) -> bool {
        [Family::V4, Family::V6]
            .iter()
            .any(|&f| ranges_meet(self.of(f).ranges(), other.of(f).ranges()))
    }
    fn within(&self, other: &Self) -> bool {
        [Family::V4, Family::V6]
            .iter()
            .all(|&f| ranges_within(self.of(f).ranges(), other.of(f).ranges()))
    }
}

impl Dim for PortSet {
    fn meet(&self, other: &Self) -> Self {
        self.intersect(other)
    }
    fn minus(&self, other: &Self) -> Self {
        self.difference(other)
    }
    fn void(&self) -> bool {
        self.is_empty()
    }
    fn overlaps(&self, other: &Self) -> bool {
        Protocol::ALL
            .iter()
            .any(|&p| ranges_meet(self.of(p).ranges(), other.of(p).ranges()))
    }
    fn within(&self, other: &Self) -> bool {
        Protocol::ALL
            .iter()
            .all(|&p| ranges_within(self.of(p).ranges(), other.of(p).ranges()))
    }
}

/// Whether two sorted, disjoint lists of inclusive ranges share a value.
fn ranges_meet(a: &[(u128, u128)], b: &[(u128, u128)]) -> bool {
    let (mut i, mut j) = (0, 0);
    while let (Some(&(a0, a1)), Some(&(b0, b1))) = (a.get(i), b.get(j)) {
        if a0.max(b0) <= a1.min(b1) {
            return true;
        }
        if a1 < b1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    false
}

/// Whether every value of sorted, disjoint ranges `a` lies in sorted, disjoint,
/// non-adjacent ranges `b` (canonical, so each range of `a` fits inside one of `b`).
fn ranges_within(a: &[(u128, u128)], b: &[(u128, u128)]) -> bool {
    let mut j = 0;
    for &(a0, a1) in a {
        while b.get(j).is_some_and(|&(_, b1)| b1 < a0) {
            j += 1;
        }
        match b.get(j) {
            Some(&(b0, b1)) if b0 <= a0 && a1 <= b1 => {}
            _ => return false,
        }
    }
    true
}

impl Cube {
    /// Every connection with an other end of this kind.
    pub(crate) fn everything(kind: Kind) -> Cube {
        Cube {
            subject: LabelBox::all(),
            kind,
            ns_name: Values::all(),
            ns_labels: LabelBox::all(),
            peer_labels: LabelBox::all(),
            // Only addresses a packet can carry: a difference confined to IPv4-mapped
            // addresses would have no pod or connection to show it (`AddrSet::routable`).
            addr: AddrSet::routable(),
            ports: PortSet::all(),
            port_name: Atoms::all(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.subject.is_empty()
            || self.ns_name.void()
            || self.ns_labels.is_empty()
            || self.peer_labels.is_empty()
            || self.addr.void()
            || self.ports.void()
            || self.port_name.void()
    }

    /// Whether the boxes meet, without building the common part.
    pub(crate) fn meets(&self, o: &Cube) -> bool {
        self.kind == o.kind
            && self.ports.overlaps(&o.ports)
            && self.port_name.overlaps(&o.port_name)
            && self.ns_name.overlaps(&o.ns_name)
            && self.addr.overlaps(&o.addr)
            && self.subject.meets(&o.subject)
            && self.ns_labels.meets(&o.ns_labels)
            && self.peer_labels.meets(&o.peer_labels)
    }

    /// Inclusion; exact because no box is empty.
    pub(crate) fn is_subset(&self, o: &Cube) -> bool {
        self.kind == o.kind
            && self.ports.within(&o.ports)
            && self.port_name.within(&o.port_name)
            && self.ns_name.within(&o.ns_name)
            && self.addr.within(&o.addr)
            && self.subject.is_subset(&o.subject)
            && self.ns_labels.is_subset(&o.ns_labels)
            && self.peer_labels.is_subset(&o.peer_labels)
    }

    /// `self \ o` as disjoint, non-empty boxes.
    pub(crate) fn subtract(&self, o: &Cube) -> Vec<Cube> {
        if !self.meets(o) {
            return vec![self.clone()];
        }
        let mut out = Vec::new();
        let mut rest = self.clone();
        // Coarse dimensions first: they tend to leave fewer, larger pieces.
        let _ = cut(&mut rest, &mut out, |c| &mut c.ports, &o.ports)
            && cut(&mut rest, &mut out, |c| &mut c.port_name, &o.port_name)
            && cut(&mut rest, &mut out, |c| &mut c.addr, &o.addr)
            && cut(&mut rest, &mut out, |c| &mut c.ns_name, &o.ns_name)
            && cut_labels(&mut rest, &mut out, |c| &mut c.subject, &o.subject)
            && cut_labels(&mut rest, &mut out, |c| &mut c.ns_labels, &o.ns_labels)
            && cut_labels(&mut rest, &mut out, |c| &mut c.peer_labels, &o.peer_labels);
        // What is left of `rest` lies inside `o`: it is what the subtraction removes.
        out
    }

    /// Whether a concrete connection lies in the box.
    pub(crate) fn contains(&self, p: &Point) -> bool {
        let other = match &p.other {
            OtherEnd::Pod {
                namespace,
                namespace_labels,
                labels,
                ip,
            } => {
                self.kind == Kind::Pod
                    && self.ns_name.contains(namespace)
                    && self.ns_labels.contains(namespace_labels)
                    && self.peer_labels.contains(labels)
                    && self.addr.contains(ip)
            }
            OtherEnd::Address(ip) => self.kind == Kind::Address && self.addr.contains(ip),
            OtherEnd::HostNetworkPod { ip } => self.kind == Kind::Host && self.addr.contains(ip),
        };
        other
            && self.subject.contains(&p.pod_labels)
            && self.ports.contains(p.protocol, p.port)
            && self.port_name.contains(p.port_name.as_deref())
    }
}

/// Cuts `rest` along one dimension against `b`'s set there: the part outside goes to
/// `out`, `rest` keeps the part inside. False when nothing is inside (then `rest` went
/// to `out` whole and the subtraction is complete).
fn cut<T: Dim>(
    rest: &mut Cube,
    out: &mut Vec<Cube>,
    field: impl Fn(&mut Cube) -> &mut T,
    b: &T,
) -> bool {
    let current = field(rest).clone();
    let outside = current.minus(b);
    if !outside.void() {
        let mut piece = rest.clone();
        *field(&mut piece) = outside;
        out.push(piece);
    }
    let inside = current.meet(b);
    if inside.void() {
        return false;
    }
    *field(rest) = inside;
    true
}

/// [`cut`] for a label box, one constrained key of `b` at a time (keys `b` leaves free
/// cut nothing).
fn cut_labels(
    rest: &mut Cube,
    out: &mut Vec<Cube>,
    field: impl Fn(&mut Cube) -> &mut LabelBox,
    b: &LabelBox,
) -> bool {
    for (key, atoms) in b.iter() {
        let current = field(rest).get(key);
        let outside = current.difference(atoms);
        if !outside.is_empty() {
            let mut piece = rest.clone();
            field(&mut piece).set(key, outside);
            out.push(piece);
        }
        let inside = current.intersect(atoms);
        if inside.is_empty() {
            return false;
        }
        field(rest).set(key, inside);
    }
    true
}

/// The parts of `a` that no box of `bs` covers, as disjoint boxes, found lazily: depth
/// first over an explicit stack, so memory stays small and a caller that needs one
/// witness stops at the first. A piece of `p \ bs[j]` is disjoint from `bs[j]`, and `p`
/// met no box before `j`, so each piece only needs the boxes after `j`.
pub(crate) struct Uncovered<'a> {
    stack: Vec<(Cube, usize)>,
    bs: &'a [&'a Cube],
    budget: Option<&'a Budget>,
}

impl<'a> Uncovered<'a> {
    pub(crate) fn new(a: &[&Cube], bs: &'a [&'a Cube]) -> Uncovered<'a> {
        Uncovered {
            stack: a.iter().rev().map(|&c| (c.clone(), 0)).collect(),
            bs,
            budget: None,
        }
    }

    /// As [`Uncovered::new`], spending `budget`; when it runs out the iteration ends
    /// early, so the caller must ask [`Budget::exhausted`] before trusting an end.
    pub(crate) fn within(a: &[&Cube], bs: &'a [&'a Cube], budget: &'a Budget) -> Uncovered<'a> {
        Uncovered {
            budget: Some(budget),
            ..Uncovered::new(a, bs)
        }
    }
}

/// How much box comparison a proof may do. Deciding equality is exponential in the
/// worst case (each subtraction may cut a box in two, for every label key the
/// selectors use), so a hostile policy set or program could otherwise keep netpolc busy
/// for ever; a real one uses a tiny part of the default (BENCHMARKS.md). Shared by the
/// threads of one proof.
#[derive(Debug)]
pub struct Budget {
    left: AtomicU64,
    exhausted: AtomicBool,
}

impl Budget {
    /// A budget of `comparisons` box comparisons.
    pub fn new(comparisons: u64) -> Budget {
        Budget {
            left: AtomicU64::new(comparisons),
            exhausted: AtomicBool::new(false),
        }
    }

    /// Spends `n`; false (and exhausted from then on) when not that much is left.
    fn spend(&self, n: u64) -> bool {
        let ok = self
            .left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(n)
            })
            .is_ok();
        if !ok {
            self.exhausted.store(true, Ordering::Relaxed);
        }
        ok
    }

    /// Whether some comparison was refused: an answer found under this budget may be
    /// incomplete.
    pub fn exhausted(&self) -> bool {
        self.exhausted.load(Ordering::Relaxed)
    }

    /// What is left.
    pub fn left(&self) -> u64 {
        self.left.load(Ordering::Relaxed)
    }
}

impl Iterator for Uncovered<'_> {
    type Item = Cube;

    fn next(&mut self) -> Option<Cube> {
        while let Some((p, from)) = self.stack.pop() {
            let rest = self.bs.get(from..).unwrap_or(&[]);
            let cost = u64::try_from(rest.len())
                .unwrap_or(u64::MAX)
                .saturating_add(1)
                .saturating_mul(p.weight());
            if self.budget.is_some_and(|b| !b.spend(cost)) {
                self.stack.clear();
                return None;
            }
            // One box holding all of `p` ends this branch without any cutting.
            if rest.iter().any(|b| p.is_subset(b)) {
                continue;
            }
            match rest.iter().position(|b| p.meets(b)) {
                None => return Some(p),
                Some(j) => {
                    let next = from + j + 1;
                    for piece in p.subtract(rest[j]).into_iter().rev() {
                        self.stack.push((piece, next));
                    }
                }
            }
        }
        None
    }
}

/// How many address or port intervals one budget unit pays for (see [`Cube::weight`]).
const INTERVALS_PER_UNIT: usize = 32;

impl Cube {
    /// What one comparison with this box costs, in budget units: 1, and 1 more for every
    /// [`INTERVALS_PER_UNIT`] address or port intervals it holds, since comparing and
    /// cutting interval sets is linear in them. An ipBlock with 30,000 excepts or a rule
    /// with 5,000 ports is then paid for by its size, not as one comparison.
    fn weight(&self) -> u64 {
        let addresses: usize = [Family::V4, Family::V6]
            .iter()
            .map(|f| self.addr.of(*f).ranges().len())
            .sum();
        let ports: usize = Protocol::ALL
            .iter()
            .map(|p| self.ports.of(*p).ranges().len())
            .sum();
        u64::try_from(1 + (addresses + ports) / INTERVALS_PER_UNIT).unwrap_or(u64::MAX)
    }
}

/// Some box of points in `a` that no box of `bs` covers, or `None` when `bs` covers all of
/// `a`. Without a budget: for the tests of the algebra.
#[cfg(test)]
pub(crate) fn first_uncovered(a: &[&Cube], bs: &[&Cube]) -> Option<Cube> {
    Uncovered::new(a, bs).next()
}

/// As `first_uncovered`, spending `budget` (`None` is then only an answer when the
/// budget is not exhausted).
pub(crate) fn first_uncovered_within(a: &[&Cube], bs: &[&Cube], budget: &Budget) -> Option<Cube> {
    Uncovered::within(a, bs, budget).next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Protocol;

    fn web() -> LabelBox {
        let mut b = LabelBox::all();
        b.set("app", Atoms::one("web"));
        b
    }

    #[test]
    fn subtraction_leaves_disjoint_pieces_that_cover_the_rest() {
        let all = Cube::everything(Kind::Pod);
        let mut b = Cube::everything(Kind::Pod);
        b.subject = web();
        b.ports = PortSet::single(Protocol::Tcp, 80);
        let pieces = all.subtract(&b);
        assert_eq!(pieces.len(), 2);
        assert!(pieces.iter().all(|p| !p.meets(&b)));
        assert!(!pieces[0].meets(&pieces[1]));
        let refs: Vec<&Cube> = pieces.iter().collect();
        assert_eq!(first_uncovered(&[&b], &refs), Some(b.clone()));
        let mut both = refs.clone();
        both.push(&b);
        assert_eq!(first_uncovered(&[&all], &both), None);
    }

    proptest::proptest! {
        #[test]
        fn range_checks_agree_with_the_sets(
            a in proptest::collection::vec((0u128..40, 0u128..6), 0..5),
            b in proptest::collection::vec((0u128..40, 0u128..6), 0..5),
        ) {
            let set = |v: &[(u128, u128)]| {
                crate::ir::IntervalSet::from_ranges(v.iter().map(|&(s, l)| (s, s + l)))
            };
            let (a, b) = (set(&a), set(&b));
            proptest::prop_assert_eq!(
                ranges_meet(a.ranges(), b.ranges()),
                !a.intersect(&b).is_empty()
            );
            proptest::prop_assert_eq!(
                ranges_within(a.ranges(), b.ranges()),
                a.is_subset(&b)
            );
        }
    }

    #[test]
    fn kinds_never_meet() {
        let pods = Cube::everything(Kind::Pod);
        let addrs = Cube::everything(Kind::Address);
        assert!(!pods.meets(&addrs));
        assert_eq!(first_uncovered(&[&pods], &[&addrs]), Some(pods.clone()));
    }
}
