//! Deciding equality side by side: what each namespace's side allows in each direction,
//! compared both ways by box subtraction.
//!
//! A side allows a connection when its pod is not isolated or an allowance holds it
//! (language.md, "Meaning": "when s is not isolated, or some in-scope statement allows"
//! it; the Kubernetes rule is the same, docs "Network Policies": "By default, a pod is
//! non-isolated"). With I the isolated pods and A the allowances of each side,
//!
//! ```text
//! (not Ia or Aa) minus (not Ib or Ab)  =  ((Ib minus Ia) x everything  minus Ab)
//!                                      or ((Aa minus Ab) and Ib)
//! ```
//!
//! so no complement is ever built: complements of unions of boxes grow exponentially
//! with the number of label keys the selectors use, while the two parts above stay as
//! small as the differences themselves. When both sides isolate the same pods, as a
//! compile's output and its program do, the first part is empty at once.

use super::lift::universe;
use super::partition::{first_uncovered_within, Budget, Cube, Kind, Uncovered};
use super::witness::{self, Which, Witness};
use super::{Lifted, Side};
use crate::ir::labels::LabelBox;
use crate::model::Direction;
use crate::verify::Options;
use std::collections::BTreeSet;

/// The pods a side isolates, as boxes whose other dimensions are full: only their labels
/// are ever compared.
pub(super) fn isolation(side: Option<&Side>) -> Vec<Cube> {
    side.into_iter()
        .flat_map(|s| &s.isolated)
        .map(|(pods, _)| {
            let mut c = Cube::everything(Kind::Pod);
            c.subject = pods.clone();
            c
        })
        .collect()
}

/// A side's allowances, borrowed (cloning boxes cost the most when they were copied).
pub(super) fn allowed(side: Option<&Side>) -> Vec<&Cube> {
    side.into_iter()
        .flat_map(|s| &s.allowed)
        .map(|(c, _)| c)
        .collect()
}

/// The space two lifts are compared in: without a kind for hostNetwork pods when either
/// reads them as pods (both should be lifted alike; a kind only one of them has would
/// make every difference there a false one).
pub(super) fn space(a: &Lifted, b: &Lifted) -> Options {
    Options {
        select_host_network: a.options.select_host_network || b.options.select_host_network,
        ..a.options
    }
}

/// A box of connections that side `a` allows and side `b` denies, if there is one.
fn one_way(
    a: Option<&Side>,
    b: Option<&Side>,
    (direction, space): (Direction, Options),
    budget: &Budget,
) -> Option<Cube> {
    let (ia, ib) = (isolation(a), isolation(b));
    let (ia, ib): (Vec<&Cube>, Vec<&Cube>) = (ia.iter().collect(), ib.iter().collect());
    let (aa, ab) = (allowed(a), allowed(b));
    // Pods that `b` isolates and `a` does not: `a` allows them everything, `b` only its
    // allowances.
    for pods in Uncovered::within(&ib, &ia, budget) {
        for mut everything in universe(direction, space) {
            everything.subject = pods.subject.clone();
            if let Some(c) = first_uncovered_within(&[&everything], &ab, budget) {
                return Some(c);
            }
        }
    }
    // What `a` allows beyond `b`'s allowances, for pods `b` isolates.
    for piece in Uncovered::within(&aa, &ab, budget) {
        if let Some(iso) = ib.iter().find(|i| piece.subject.meets(&i.subject)) {
            let mut c = piece.clone();
            c.subject = piece.subject.intersect(&iso.subject);
            return Some(c);
        }
    }
    None
}

/// Two sides made of the same boxes (in any order, from any sources) are equal without
/// any subtraction: the common case when a compile's output is checked against itself.
pub(super) fn same_boxes(a: Option<&Side>, b: Option<&Side>) -> bool {
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
pub(super) fn keys<'a>(a: &'a Lifted, b: &'a Lifted) -> BTreeSet<&'a (String, Direction)> {
    a.sides.keys().chain(b.sides.keys()).collect()
}

/// The witnesses of one side: `a \ b` (allowed by `Left`), then, when `both`, `b \ a`.
fn side_differences(
    key: &(String, Direction),
    (a, b): (Option<&Side>, Option<&Side>),
    space: Options,
    both: bool,
    budget: &Budget,
) -> Vec<Witness> {
    let mut out = Vec::new();
    if same_boxes(a, b) {
        return out;
    }
    let (namespace, direction) = key;
    if let Some(c) = one_way(a, b, (*direction, space), budget) {
        out.push(witness::build(&c, namespace, *direction, Which::Left, a, b));
    }
    if both {
        if let Some(c) = one_way(b, a, (*direction, space), budget) {
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

/// One witness per side and way in which `a` and `b` differ (all of them only when
/// `budget` is not exhausted by the search).
pub(crate) fn differences(a: &Lifted, b: &Lifted, budget: &Budget) -> Vec<Witness> {
    keys(a, b)
        .into_iter()
        .flat_map(|key| {
            let sides = (a.sides.get(key), b.sides.get(key));
            side_differences(key, sides, space(a, b), true, budget)
        })
        .collect()
}

/// The first side, in namespace and direction order, where `a` allows what `b` does not
/// (`None` is only an answer when `budget` is not exhausted).
pub(crate) fn first_difference(a: &Lifted, b: &Lifted, budget: &Budget) -> Option<Witness> {
    keys(a, b).into_iter().find_map(|key| {
        let sides = (a.sides.get(key), b.sides.get(key));
        side_differences(key, sides, space(a, b), false, budget)
            .into_iter()
            .next()
    })
}
