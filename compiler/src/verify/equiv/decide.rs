//! Deciding equality side by side: the effective allow set of each namespace's side in
//! each direction, compared both ways by box subtraction.

use super::lift::universe;
use super::partition::{first_uncovered, subtract_all, Cube, Kind};
use super::witness::{self, Which, Witness};
use super::{Lifted, Side};
use crate::model::Direction;
use std::collections::BTreeSet;

/// Every connection a side allows: everything for pods it does not isolate, plus its
/// allowances (language.md, "Meaning": a side allows a connection "when s is not
/// isolated, or some in-scope statement allows" it; the Kubernetes rule is the same,
/// docs "Network Policies": "By default, a pod is non-isolated"). A namespace neither
/// side shapes isolates nothing.
fn effective(side: Option<&Side>, direction: Direction) -> Vec<Cube> {
    let all = universe(direction);
    let Some(side) = side else {
        return all;
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
    let mut out = subtract_all(all, &isolated);
    out.extend(side.allowed.iter().map(|(c, _)| c.clone()));
    out
}

/// Two sides made of the same boxes (in any order, from any sources) are equal without
/// any subtraction: the common case when a compile's output is checked against itself.
fn same_boxes(a: Option<&Side>, b: Option<&Side>) -> bool {
    let iso = |s: Option<&Side>| -> BTreeSet<_> {
        s.map(|s| s.isolated.iter().map(|(b, _)| b.clone()).collect())
            .unwrap_or_default()
    };
    let allowed = |s: Option<&Side>| -> BTreeSet<_> {
        s.map(|s| s.allowed.iter().map(|(c, _)| c.clone()).collect())
            .unwrap_or_default()
    };
    iso(a) == iso(b) && allowed(a) == allowed(b)
}

/// Every (namespace, direction) either lift shapes, sorted.
fn keys<'a>(a: &'a Lifted, b: &'a Lifted) -> BTreeSet<&'a (String, Direction)> {
    a.sides.keys().chain(b.sides.keys()).collect()
}

/// A witness of `a \ b` on one side, if there is one.
fn one_way(
    key: &(String, Direction),
    a: Option<&Side>,
    b: Option<&Side>,
    which: Which,
) -> Option<Witness> {
    let (namespace, direction) = key;
    let ea = effective(a, *direction);
    let eb = effective(b, *direction);
    let cube = first_uncovered(&ea, &eb)?;
    Some(witness::build(&cube, namespace, *direction, which, a, b))
}

/// One witness per side and way in which `a` and `b` differ.
pub(crate) fn differences(a: &Lifted, b: &Lifted) -> Vec<Witness> {
    let mut out = Vec::new();
    for key in keys(a, b) {
        let (sa, sb) = (a.sides.get(key), b.sides.get(key));
        if same_boxes(sa, sb) {
            continue;
        }
        out.extend(one_way(key, sa, sb, Which::Left));
        out.extend(one_way(key, sb, sa, Which::Right));
    }
    out
}

/// The first side, in namespace and direction order, where `a` allows what `b` does not.
pub(crate) fn first_difference(a: &Lifted, b: &Lifted) -> Option<Witness> {
    keys(a, b).into_iter().find_map(|key| {
        let (sa, sb) = (a.sides.get(key), b.sides.get(key));
        if same_boxes(sa, sb) {
            return None;
        }
        one_way(key, sa, sb, Which::Left)
    })
}
