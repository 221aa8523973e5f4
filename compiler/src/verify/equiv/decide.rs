//! Deciding equality side by side: the effective allow set of each namespace's side in
//! each direction, compared both ways by box subtraction.

use super::lift::universe;
use super::partition::{first_uncovered, subtract_all, Cube, Kind};
use super::sets::LabelBox;
use super::witness::{self, Which, Witness};
use super::{Lifted, Side};
use crate::model::Direction;
use std::collections::BTreeSet;

/// Every connection a side allows: everything for pods it does not isolate, plus its
/// allowances (language.md, "Meaning": a side allows a connection "when s is not
/// isolated, or some in-scope statement allows" it; the Kubernetes rule is the same,
/// docs "Network Policies": "By default, a pod is non-isolated"). A namespace neither
/// side shapes isolates nothing. The allowances are borrowed: cloning boxes is what
/// cost the most when they were copied here.
struct Effective<'a> {
    open: Vec<Cube>,
    allowed: &'a [(Cube, String)],
}

impl<'a> Effective<'a> {
    fn of(side: Option<&'a Side>, direction: Direction) -> Effective<'a> {
        let all = universe(direction);
        let Some(side) = side else {
            return Effective {
                open: all,
                allowed: &[],
            };
        };
        let isolated: Vec<Cube> = side
            .isolated
            .iter()
            .flat_map(|(pods, _)| {
                Kind::ALL.map(|kind| {
                    let mut c = Cube::everything(kind);
                    c.subject = pods.clone();
                    c
                })
            })
            .collect();
        Effective {
            open: subtract_all(all, &isolated),
            allowed: &side.allowed,
        }
    }

    fn boxes(&self) -> Vec<&Cube> {
        self.open
            .iter()
            .chain(self.allowed.iter().map(|(c, _)| c))
            .collect()
    }
}

/// Two sides made of the same boxes (in any order, from any sources) are equal without
/// any subtraction: the common case when a compile's output is checked against itself.
fn same_boxes(a: Option<&Side>, b: Option<&Side>) -> bool {
    fn iso(s: Option<&Side>) -> BTreeSet<&LabelBox> {
        s.map(|s| s.isolated.iter().map(|(b, _)| b).collect())
            .unwrap_or_default()
    }
    fn allowed(s: Option<&Side>) -> BTreeSet<&Cube> {
        s.map(|s| s.allowed.iter().map(|(c, _)| c).collect())
            .unwrap_or_default()
    }
    iso(a) == iso(b) && allowed(a) == allowed(b)
}

/// Every (namespace, direction) either lift shapes, sorted.
fn keys<'a>(a: &'a Lifted, b: &'a Lifted) -> BTreeSet<&'a (String, Direction)> {
    a.sides.keys().chain(b.sides.keys()).collect()
}

/// The witnesses of one side: `a \ b` (allowed by `Left`), then, when `both`, `b \ a`.
fn side_differences(
    key: &(String, Direction),
    a: Option<&Side>,
    b: Option<&Side>,
    both: bool,
) -> Vec<Witness> {
    let mut out = Vec::new();
    if same_boxes(a, b) {
        return out;
    }
    let (namespace, direction) = key;
    let (ea, eb) = (Effective::of(a, *direction), Effective::of(b, *direction));
    let (ba, bb) = (ea.boxes(), eb.boxes());
    if let Some(c) = first_uncovered(&ba, &bb) {
        out.push(witness::build(&c, namespace, *direction, Which::Left, a, b));
    }
    if both {
        if let Some(c) = first_uncovered(&bb, &ba) {
            out.push(witness::build(
                &c,
                namespace,
                *direction,
                Which::Right,
                b,
                a,
            ));
        }
    }
    out
}

/// One witness per side and way in which `a` and `b` differ.
pub(crate) fn differences(a: &Lifted, b: &Lifted) -> Vec<Witness> {
    keys(a, b)
        .into_iter()
        .flat_map(|key| side_differences(key, a.sides.get(key), b.sides.get(key), true))
        .collect()
}

/// The first side, in namespace and direction order, where `a` allows what `b` does not.
pub(crate) fn first_difference(a: &Lifted, b: &Lifted) -> Option<Witness> {
    keys(a, b).into_iter().find_map(|key| {
        side_differences(key, a.sides.get(key), b.sides.get(key), false)
            .into_iter()
            .next()
    })
}
