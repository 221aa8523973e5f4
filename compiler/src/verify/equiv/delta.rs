//! The whole difference between two lifts, not just one witness: every region of every
//! side where `a` allows and `b` denies, as disjoint boxes, merged wherever one box can
//! say the same, each with the statements or policies behind it and a concrete example.
//! `netpolc diff` reads a program's change of meaning from it.
//!
//! The split is `decide`'s (a side allows when its pod is not isolated, or an allowance
//! holds):
//!
//! ```text
//! eff(a) minus eff(b) = ((Ib minus Ia) x everything minus Ab)  or  ((Aa minus Ab) and Ib)
//! ```
//!
//! In the first part `b` isolates pods that `a` leaves open, so `b`'s isolations are the
//! cause; it is reported as it is written, one change per group of pods ("every
//! connection, less what `b` allows them"), since listing the pieces of a complement
//! buries the one statement that changed under a dozen lines. In the second `a` allows
//! what `b`, isolating the pods too, does not, so `a`'s allowances are; it is listed
//! box by box. Both parts are exact.

use super::decide::{allowed, isolation, keys, same_boxes, space};
use super::describe;
use super::lift::universe;
use super::partition::{first_uncovered_within, Budget, Cube, Kind, Uncovered};
use super::witness::{self, Which, Witness};
use super::{Lifted, Point, Provenance, Side};
use crate::ir::labels::LabelBox;
use crate::model::Direction;
use std::collections::{BTreeMap, BTreeSet};

/// At most this many boxes of difference are enumerated in one call. Subtraction can cut
/// a wide region into many pieces; past this many a report is unreadable anyway, and the
/// listing stops (the meaning is still known to differ).
pub const MAX_CHANGES: usize = 5_000;

/// Why a region is allowed by `a` and denied by `b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cause {
    /// `b` isolates the pods and `a` does not; the reasons are `b`'s isolations. The
    /// region is every connection of the pods on that side, less what `b` allows them
    /// (see [`Change::less_allowed`]).
    Isolation,
    /// Both isolate the pods and `a` allows the region; the reasons are `a`'s allowances.
    Allowance,
}

/// A region of one side, in one namespace and direction, that `a` allows everywhere and
/// `b` denies everywhere, described for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The namespace of the pods whose side it is.
    pub namespace: String,
    /// Egress: those pods open the connections; ingress: they accept them.
    pub direction: Direction,
    /// Those pods: ``pods `app=web` in `shop` ``.
    pub pods: String,
    /// The other end: ``pods `app=db` in `shop` ``, ``addresses `8.8.8.8/32` ``.
    pub other: String,
    /// The destination ports: `TCP 5432`, `all ports`.
    pub ports: String,
    /// Which part of the difference it is.
    pub cause: Cause,
    /// For [`Cause::Isolation`]: `b` allows the pods some connections, which the region
    /// leaves out (then `other` and `ports` say "anything", and the region is anything
    /// but those).
    pub less_allowed: bool,
    /// `b`'s isolations of the pods ([`Cause::Isolation`]) or `a`'s allowances that hold
    /// the region ([`Cause::Allowance`]), sorted.
    pub reasons: Vec<Provenance>,
    /// One connection side of the region (`allowed_by` is [`Which::Left`], `a`).
    pub example: Witness,
    /// The region itself, for [`Change::covers`].
    region: Region,
}

/// Where a change lies: one box, or (an isolation) every connection of some pods.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Region {
    Cube(Box<Cube>),
    Pods(LabelBox),
}

impl Change {
    /// Whether the connection side `point` lies in the change's region: the box of an
    /// allowance (all of it is in `a \ b`); for an isolation, the pods' connections, of
    /// which those `b` does not allow are in `a \ b`. Tests hold the listing to the
    /// point-wise difference with it.
    pub fn covers(&self, point: &Point) -> bool {
        point.namespace == self.namespace
            && point.direction == self.direction
            && match &self.region {
                Region::Cube(c) => c.contains(point),
                Region::Pods(pods) => pods.contains(&point.pod_labels),
            }
    }
}

/// Everything `a` allows and `b` denies.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Sorted by namespace, direction, pods, other end and ports.
    pub list: Vec<Change>,
    /// False when the listing stopped at [`MAX_CHANGES`] boxes.
    pub complete: bool,
}

/// The listing of [`changes_within`] ran out of its budget of box comparisons: no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLarge;

/// Every region where `a` allows what `b` denies, side by side; empty exactly when
/// `difference(a, b)` is `None`. Without a budget: see [`changes_within`] for input that
/// may be hostile.
pub fn changes(a: &Lifted, b: &Lifted) -> Changes {
    // A budget of u64::MAX comparisons is never spent: the default is unreachable.
    changes_within(a, b, &Budget::new(u64::MAX)).unwrap_or_default()
}

/// [`changes`] within a budget of box comparisons (the proof's kind of budget: a program
/// or committed manifests made to make subtraction explode end with `TooLarge` instead of
/// running for ever; `netpolc diff` turns it into NP0602).
pub fn changes_within(a: &Lifted, b: &Lifted, budget: &Budget) -> Result<Changes, TooLarge> {
    let mut list = Vec::new();
    let mut listed = MAX_CHANGES;
    let mut complete = true;
    for key in keys(a, b) {
        let (sa, sb) = (a.sides.get(key), b.sides.get(key));
        if same_boxes(sa, sb) {
            continue;
        }
        let (namespace, direction) = key;
        for (pods, example) in isolation_part(sa, sb, (*direction, space(a, b)), budget) {
            list.push(isolation_change(
                &pods, &example, namespace, *direction, sa, sb,
            ));
        }
        let (boxes, done) = allowance_part(sa, sb, &mut listed, budget);
        if budget.exhausted() {
            return Err(TooLarge);
        }
        complete &= done;
        for cube in coalesce(boxes) {
            list.push(allowance_change(&cube, namespace, *direction, sa, sb));
        }
    }
    list.sort_by(|x, y| {
        (
            &x.namespace,
            x.direction,
            &x.pods,
            &x.other,
            &x.ports,
            x.cause,
        )
            .cmp(&(
                &y.namespace,
                y.direction,
                &y.pods,
                &y.other,
                &y.ports,
                y.cause,
            ))
    });
    Ok(Changes { list, complete })
}

/// Takes boxes from `pieces` into `out` while the budget lasts; false when it ran out.
fn take(pieces: impl Iterator<Item = Cube>, out: &mut Vec<Cube>, budget: &mut usize) -> bool {
    for piece in pieces {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        out.push(piece);
    }
    true
}

/// `(Ib \ Ia) × everything \ Ab`: pods `b` isolates and `a` does not, on whatever `b`
/// does not allow them. One entry per box of such pods, with one box of the difference
/// for its example; `None` for pods whose every connection `b` allows (then nothing
/// differs for them).
fn isolation_part(
    a: Option<&Side>,
    b: Option<&Side>,
    (direction, space): (Direction, crate::verify::Options),
    budget: &Budget,
) -> Vec<(LabelBox, Cube)> {
    let (ia, ib) = (isolation(a), isolation(b));
    let (ia, ib): (Vec<&Cube>, Vec<&Cube>) = (ia.iter().collect(), ib.iter().collect());
    let ab = allowed(b);
    let pods: Vec<Cube> = coalesce(Uncovered::within(&ib, &ia, budget).collect());
    pods.into_iter()
        .filter_map(|pods| {
            universe(direction, space)
                .into_iter()
                .find_map(|mut everything| {
                    everything.subject = pods.subject.clone();
                    first_uncovered_within(&[&everything], &ab, budget)
                        .map(|c| (pods.subject.clone(), c))
                })
        })
        .collect()
}

/// `(Aa \ Ab) ∩ Ib`: what `a` allows beyond `b`'s allowances, for pods `b` isolates; the
/// intersection with `b`'s isolations (which may overlap) is cut into disjoint pieces.
fn allowance_part(
    a: Option<&Side>,
    b: Option<&Side>,
    listed: &mut usize,
    budget: &Budget,
) -> (Vec<Cube>, bool) {
    let ib: Vec<&LabelBox> = b
        .into_iter()
        .flat_map(|s| &s.isolated)
        .map(|(pods, _)| pods)
        .collect();
    let (aa, ab) = (allowed(a), allowed(b));
    let mut out = Vec::new();
    for piece in Uncovered::within(&aa, &ab, budget) {
        for (k, iso) in ib.iter().enumerate() {
            if !piece.subject.meets(iso) {
                continue;
            }
            let mut inside = piece.clone();
            inside.subject = piece.subject.intersect(iso);
            if inside.is_empty() {
                continue;
            }
            let earlier: Vec<Cube> = ib[..k].iter().map(|s| pods_of(piece.kind, s)).collect();
            let earlier: Vec<&Cube> = earlier.iter().collect();
            if !take(
                Uncovered::within(&[&inside], &earlier, budget),
                &mut out,
                listed,
            ) {
                return (out, false);
            }
        }
    }
    (out, true)
}

/// Every connection of `kind` whose shaped pod is in `pods`.
fn pods_of(kind: Kind, pods: &LabelBox) -> Cube {
    let mut c = Cube::everything(kind);
    c.subject = pods.clone();
    c
}

/// One dimension along which two boxes may be joined into one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Along {
    Ports,
    PortName,
    Addr,
    NsName,
    /// One key of one of the three label boxes.
    Subject(String),
    NsLabel(String),
    PeerLabel(String),
}

impl Along {
    /// The label box this dimension is a key of, if any.
    fn labels<'c>(&self, c: &'c mut Cube) -> Option<(&'c mut LabelBox, &str)> {
        match self {
            Along::Subject(k) => Some((&mut c.subject, k)),
            Along::NsLabel(k) => Some((&mut c.ns_labels, k)),
            Along::PeerLabel(k) => Some((&mut c.peer_labels, k)),
            _ => None,
        }
    }

    /// `c` with this dimension made full: boxes equal after this differ only here.
    fn blank(&self, c: &Cube) -> Cube {
        let mut c = c.clone();
        let full = Cube::everything(c.kind);
        match self {
            Along::Ports => c.ports = full.ports,
            Along::PortName => c.port_name = full.port_name,
            Along::Addr => c.addr = full.addr,
            Along::NsName => c.ns_name = full.ns_name,
            _ => {
                if let Some((labels, key)) = self.labels(&mut c) {
                    labels.take(key);
                }
            }
        }
        c
    }

    /// Widens `into` along this dimension by `other` (which equals it elsewhere).
    fn join(&self, into: &mut Cube, other: &Cube) {
        match self {
            Along::Ports => into.ports = into.ports.union(&other.ports),
            Along::PortName => into.port_name = into.port_name.union(&other.port_name),
            Along::Addr => into.addr = into.addr.union(&other.addr),
            Along::NsName => into.ns_name = into.ns_name.union(&other.ns_name),
            _ => {
                let mut theirs = other.clone();
                let value = self.labels(&mut theirs).map(|(l, k)| l.get(k));
                if let (Some((labels, key)), Some(value)) = (self.labels(into), value) {
                    let joined = labels.get(key).union(&value);
                    labels.set(key, joined);
                }
            }
        }
    }
}

/// Every dimension some box constrains.
fn dimensions(boxes: &[Cube]) -> Vec<Along> {
    let mut keys = BTreeSet::new();
    for c in boxes {
        keys.extend(c.subject.iter().map(|(k, _)| Along::Subject(k.clone())));
        keys.extend(c.ns_labels.iter().map(|(k, _)| Along::NsLabel(k.clone())));
        keys.extend(
            c.peer_labels
                .iter()
                .map(|(k, _)| Along::PeerLabel(k.clone())),
        );
    }
    let mut all = vec![Along::Ports, Along::PortName, Along::Addr, Along::NsName];
    all.extend(keys);
    all
}

/// Joins disjoint boxes that differ in one dimension only, until none do: subtraction
/// cuts one dimension at a time, and a reader should see "TCP 80,443", not two lines.
/// The union of such boxes is exactly one box, so nothing is lost or added.
fn coalesce(mut boxes: Vec<Cube>) -> Vec<Cube> {
    loop {
        let before = boxes.len();
        for along in dimensions(&boxes) {
            let mut groups: BTreeMap<Cube, Cube> = BTreeMap::new();
            for c in boxes {
                match groups.entry(along.blank(&c)) {
                    std::collections::btree_map::Entry::Occupied(mut e) => {
                        along.join(e.get_mut(), &c)
                    }
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(c);
                    }
                }
            }
            boxes = groups.into_values().collect();
        }
        if boxes.len() == before {
            return boxes;
        }
    }
}

/// What every connection of the pods in an isolation change is called.
const ANYTHING: &str = "any pod or address";

/// The change for pods `b` isolates and `a` does not.
fn isolation_change(
    pods: &LabelBox,
    example: &Cube,
    namespace: &str,
    direction: Direction,
    a: Option<&Side>,
    b: Option<&Side>,
) -> Change {
    let mut reasons: Vec<Provenance> = b
        .into_iter()
        .flat_map(|s| &s.isolated)
        .filter(|(isolated, _)| isolated.meets(pods))
        .map(|(_, why)| why.clone())
        .collect();
    reasons.sort();
    reasons.dedup();
    Change {
        namespace: namespace.to_owned(),
        direction,
        pods: describe::pods(namespace, pods),
        other: ANYTHING.to_owned(),
        ports: "all ports".to_owned(),
        cause: Cause::Isolation,
        less_allowed: allowed(b).iter().any(|c| c.subject.meets(pods)),
        reasons,
        example: witness::build(example, namespace, direction, Which::Left, a, b),
        region: Region::Pods(pods.clone()),
    }
}

/// The change for one box of `(Aa \ Ab) ∩ Ib`.
fn allowance_change(
    cube: &Cube,
    namespace: &str,
    direction: Direction,
    a: Option<&Side>,
    b: Option<&Side>,
) -> Change {
    let allowances: Vec<&(Cube, Provenance)> = a.into_iter().flat_map(|s| &s.allowed).collect();
    // The allowances holding all of the box say it best; a joined box may need several,
    // each holding part of it.
    let holding = |c: &&&(Cube, Provenance)| cube.is_subset(&c.0);
    let meeting = |c: &&&(Cube, Provenance)| cube.meets(&c.0);
    let mut reasons: Vec<Provenance> = if allowances.iter().any(|c| holding(&c)) {
        allowances
            .iter()
            .filter(holding)
            .map(|c| c.1.clone())
            .collect()
    } else {
        allowances
            .iter()
            .filter(meeting)
            .map(|c| c.1.clone())
            .collect()
    };
    reasons.sort();
    reasons.dedup();
    Change {
        namespace: namespace.to_owned(),
        direction,
        pods: describe::pods(namespace, &cube.subject),
        other: describe::other(cube),
        ports: describe::ports(cube, direction),
        cause: Cause::Allowance,
        less_allowed: false,
        reasons,
        example: witness::build(cube, namespace, direction, Which::Left, a, b),
        region: Region::Cube(Box::new(cube.clone())),
    }
}
