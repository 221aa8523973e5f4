//! The label algebra's laws, once for the compiler and the proof: every operation on
//! [`Values`], [`Atoms`], [`LabelBox`] and selectors against membership, on a universe
//! small enough to enumerate. Keys `k1`, `k2`; the generators name values `v1`..`v3`, and
//! `v4` stands for every value nobody names, so each key has five states (the four values
//! and absent) and there are 25 label maps: two sets agree on all of them exactly when
//! they are the same set.

use super::*;
use crate::ir::selector::selector_for_tests as sel;
use crate::ir::selector::Labels;
use proptest::prelude::*;

const KEYS: [&str; 2] = ["k1", "k2"];
const NAMED: [&str; 3] = ["v1", "v2", "v3"];
/// Each named value, one unnamed value, absent.
const STATES: [Option<&str>; 5] = [None, Some("v1"), Some("v2"), Some("v3"), Some("v4")];
/// What a pick makes up for "every other value".
const FRESH: &str = "x-netpolc-other";

fn arb_values() -> impl Strategy<Value = Values> {
    let named = prop::collection::btree_set(prop::sample::select(NAMED.to_vec()), 0..=3)
        .prop_map(|s| s.into_iter().map(String::from).collect::<BTreeSet<_>>());
    (named, any::<bool>()).prop_map(|(v, cofinite)| {
        if cofinite {
            Values::AllBut(v)
        } else {
            Values::Only(v)
        }
    })
}

fn arb_atoms() -> impl Strategy<Value = Atoms> {
    (arb_values(), any::<bool>()).prop_map(|(values, absent)| Atoms { values, absent })
}

/// Any box over the universe, empty ones included (as `intersect` makes them), built
/// through `set` as the proof builds them.
fn arb_box() -> impl Strategy<Value = LabelBox> {
    let key = || prop::option::of(arb_atoms());
    (key(), key()).prop_map(|(k1, k2)| {
        let mut b = LabelBox::all();
        for (k, atoms) in KEYS.iter().zip([k1, k2]) {
            if let Some(atoms) = atoms {
                b.set(k, atoms);
            }
        }
        b
    })
}

fn arb_selector() -> impl Strategy<Value = LabelSelector> {
    let key = prop::sample::select(KEYS.to_vec());
    let values = prop::collection::vec(prop::sample::select(NAMED.to_vec()), 1..3);
    let op = prop::sample::select(vec![
        Operator::In,
        Operator::NotIn,
        Operator::Exists,
        Operator::DoesNotExist,
    ]);
    let req = (key, op, values).prop_map(|(k, op, vs)| Requirement {
        key: k.to_string(),
        operator: op,
        values: match op {
            Operator::In | Operator::NotIn => vs.iter().map(|v| v.to_string()).collect(),
            _ => vec![],
        },
    });
    let eq = prop::collection::btree_map(
        prop::sample::select(KEYS.map(String::from).to_vec()),
        prop::sample::select(vec!["v1".to_string(), "v2".to_string()]),
        0..2,
    );
    (eq, prop::collection::vec(req, 0..3)).prop_map(|(match_labels, match_expressions)| {
        LabelSelector {
            match_labels,
            match_expressions,
        }
    })
}

fn all_label_maps() -> Vec<Labels> {
    let mut out = Vec::new();
    for a in STATES {
        for b in STATES {
            let mut l = Labels::new();
            for (key, state) in KEYS.iter().zip([a, b]) {
                if let Some(v) = state {
                    l.insert(key.to_string(), v.to_string());
                }
            }
            out.push(l);
        }
    }
    out
}

/// Membership of every label map, in `all_label_maps`' order.
fn members(maps: &[Labels], contains: impl Fn(&Labels) -> bool) -> Vec<bool> {
    maps.iter().map(contains).collect()
}

fn within(a: &[bool], b: &[bool]) -> bool {
    a.iter().zip(b).all(|(x, y)| !x || *y)
}

fn meet(a: &[bool], b: &[bool]) -> Vec<bool> {
    a.iter().zip(b).map(|(x, y)| *x && *y).collect()
}

fn none(a: &[bool]) -> bool {
    !a.iter().any(|x| *x)
}

proptest! {
    #[test]
    fn values_operations_agree_with_membership(a in arb_values(), b in arb_values()) {
        let probes = || STATES.iter().flatten();
        for &p in probes() {
            prop_assert_eq!(a.intersect(&b).contains(p), a.contains(p) && b.contains(p));
            prop_assert_eq!(a.difference(&b).contains(p), a.contains(p) && !b.contains(p));
            prop_assert_eq!(a.union(&b).contains(p), a.contains(p) || b.contains(p));
        }
        prop_assert_eq!(a.is_empty(), !probes().any(|p| a.contains(p)));
        prop_assert_eq!(a.is_all(), probes().all(|p| a.contains(p)));
        prop_assert_eq!(a.within(&b), probes().all(|p| !a.contains(p) || b.contains(p)));
        prop_assert_eq!(a.meets(&b), probes().any(|p| a.contains(p) && b.contains(p)));
        prop_assert_eq!(a == b, probes().all(|p| a.contains(p) == b.contains(p)));
        match a.pick(FRESH) {
            None => prop_assert!(a.is_empty()),
            Some(v) => prop_assert!(a.contains(&v)),
        }
    }

    #[test]
    fn atoms_operations_agree_with_membership(a in arb_atoms(), b in arb_atoms()) {
        for p in STATES {
            prop_assert_eq!(a.intersect(&b).contains(p), a.contains(p) && b.contains(p));
            prop_assert_eq!(a.difference(&b).contains(p), a.contains(p) && !b.contains(p));
            prop_assert_eq!(a.union(&b).contains(p), a.contains(p) || b.contains(p));
        }
        prop_assert_eq!(a.is_empty(), !STATES.iter().any(|p| a.contains(*p)));
        prop_assert_eq!(a.is_all(), STATES.iter().all(|p| a.contains(*p)));
        prop_assert_eq!(a.is_subset(&b), STATES.iter().all(|p| !a.contains(*p) || b.contains(*p)));
        prop_assert_eq!(a.meets(&b), STATES.iter().any(|p| a.contains(*p) && b.contains(*p)));
        prop_assert_eq!(a == b, STATES.iter().all(|p| a.contains(*p) == b.contains(*p)));
        match a.pick(FRESH) {
            None => prop_assert!(a.is_empty()),
            Some(v) => prop_assert!(a.contains(v.as_deref())),
        }
    }

    #[test]
    fn boxes_agree_with_membership_on_every_label_map(a in arb_box(), b in arb_box()) {
        let maps = all_label_maps();
        let in_a = members(&maps, |l| a.contains(l));
        let in_b = members(&maps, |l| b.contains(l));
        prop_assert_eq!(a.is_empty(), none(&in_a));
        prop_assert_eq!(members(&maps, |l| a.intersect(&b).contains(l)), meet(&in_a, &in_b));
        // `is_subset`, `meets` and equality as set equality hold for boxes that are not
        // empty, the only ones the proof builds.
        if !a.is_empty() && !b.is_empty() {
            prop_assert_eq!(a.is_subset(&b), within(&in_a, &in_b));
            prop_assert_eq!(a.meets(&b), !none(&meet(&in_a, &in_b)));
            prop_assert_eq!(a == b, in_a == in_b);
            prop_assert!(a.contains(&a.pick(FRESH)));
        }
        for key in KEYS {
            let mut narrowed = a.clone();
            narrowed.narrow(key, &b.get(key));
            let mut taken = a.clone();
            prop_assert_eq!(taken.take(key), a.get(key));
            prop_assert_eq!(taken.get(key), Atoms::all());
            prop_assert_eq!(
                members(&maps, |l| narrowed.contains(l)),
                members(&maps, |l| a.contains(l) && b.get(key).contains(l.get(key).map(String::as_str))),
            );
        }
    }

    #[test]
    fn selector_functions_agree_with_matching_on_every_label_map(
        a in arb_selector(),
        b in arb_selector(),
    ) {
        let maps = all_label_maps();
        let in_a = members(&maps, |l| a.matches(l));
        let in_b = members(&maps, |l| b.matches(l));
        match LabelBox::of(&a) {
            None => prop_assert!(none(&in_a)),
            Some(boxed) => {
                prop_assert_eq!(members(&maps, |l| boxed.contains(l)), in_a.clone());
                prop_assert!(a.matches(&boxed.pick(FRESH)));
            }
        }
        prop_assert_eq!(is_empty(&a), none(&in_a));
        prop_assert_eq!(implies(&a, &b), within(&in_a, &in_b));
        match and(&a, &b) {
            None => prop_assert!(none(&meet(&in_a, &in_b))),
            Some(c) => {
                prop_assert_eq!(members(&maps, |l| c.matches(l)), meet(&in_a, &in_b));
                prop_assert_eq!(canonical(&c), c);
            }
        }
        let canon = canonical(&a);
        prop_assert_eq!(members(&maps, |l| canon.matches(l)), in_a.clone());
        prop_assert_eq!(canonical(&canon), canon.clone());
        if !none(&in_a) && !none(&in_b) {
            prop_assert_eq!(canon == canonical(&b), in_a == in_b);
        }
        // `difference`: disjoint pieces whose union is what `a` matches and `b` does not.
        let pieces: Vec<Vec<bool>> = difference(&a, &b)
            .iter()
            .map(|d| members(&maps, |l| d.matches(l)))
            .collect();
        for (i, l) in maps.iter().enumerate() {
            let count = pieces.iter().filter(|p| p[i]).count();
            prop_assert_eq!(count, usize::from(in_a[i] && !in_b[i]), "{:?}", l);
        }
    }
}

#[test]
fn conflicting_equalities_are_empty_and_and_returns_none() {
    let web = sel(&[("app", "web")], &[]);
    let db = sel(&[("app", "db")], &[]);
    assert!(and(&web, &db).is_none());
    let conflicting = sel(&[("app", "web")], &[("app", Operator::DoesNotExist, &[])]);
    assert!(is_empty(&conflicting));
    assert_eq!(LabelBox::of(&conflicting), None);
}

#[test]
fn difference_is_what_the_left_matches_and_the_right_does_not() {
    let all = LabelSelector::default();
    let web = sel(&[("app", "web")], &[]);
    assert!(difference(&web, &all).is_empty());
    assert!(difference(&web, &web).is_empty());
    let rest = difference(&all, &web);
    assert_eq!(rest, vec![sel(&[], &[("app", Operator::NotIn, &["web"])])]);
    let tiered = sel(&[("app", "web"), ("tier", "a")], &[]);
    let rest = difference(&web, &tiered);
    assert_eq!(rest.len(), 1);
    assert!(implies(&rest[0], &web) && and(&rest[0], &tiered).is_none());
    // Two halves cover the whole.
    let not_web = sel(&[], &[("app", Operator::NotIn, &["web"])]);
    let left: Vec<_> = difference(&all, &web)
        .iter()
        .flat_map(|l| difference(l, &not_web))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn everything_is_implied_by_any_selector_and_implies_only_itself() {
    let all = LabelSelector::default();
    let web = sel(&[("app", "web")], &[]);
    assert!(implies(&web, &all));
    assert!(!implies(&all, &web));
    assert_eq!(and(&all, &web), Some(web.clone()));
}

#[test]
fn notin_and_exists_round_trip_through_canonical() {
    let s = sel(
        &[],
        &[
            ("env", Operator::NotIn, &["b", "a", "a"]),
            ("env", Operator::Exists, &[]),
        ],
    );
    let c = canonical(&s);
    assert!(implies(&c, &s) && implies(&s, &c));
    assert_eq!(c.match_expressions[1].values, vec!["a", "b"]);
}

#[test]
fn an_empty_selector_keeps_a_canonical_form() {
    // `resolve` canonicalises every selector the program writes, empty ones too (which
    // lowering then describes in a warning), so an empty box still writes out: `In ()`.
    let s = sel(&[("app", "web")], &[("app", Operator::NotIn, &["web"])]);
    assert_eq!(
        canonical(&s),
        sel(&[], &[("app", Operator::In, &[])]),
        "{:?}",
        canonical(&s)
    );
}

#[test]
fn picks_prefer_named_values_and_make_up_fresh_ones_no_selector_excludes() {
    let s = sel(
        &[("app", "web")],
        &[
            ("tier", Operator::NotIn, &[FRESH]),
            ("tier", Operator::Exists, &[]),
        ],
    );
    let picked = LabelBox::of(&s).expect("not empty").pick(FRESH);
    assert!(s.matches(&picked), "{picked:?}");
    assert_eq!(picked.get("app").map(String::as_str), Some("web"));
    assert_eq!(
        picked.get("tier").map(String::as_str),
        Some("x-netpolc-other-2")
    );
}
