//! Label selectors as sets: conjunction, emptiness and inclusion, decided exactly.
//!
//! A selector is a conjunction of requirements on independent keys, so the set of label
//! maps it matches is a product over keys. Per key, what the requirements allow is a set
//! over "absent" and the values: finite (`In`, `Exists` narrowed by `In`) or cofinite
//! (`NotIn`, `Exists`). Inclusion of two products is inclusion key by key, unless the left
//! side is empty. Matching rules: `ir::selector` (API reference, LabelSelector; NotIn
//! and DoesNotExist match objects without the key).

use crate::ir::selector::{LabelSelector, Operator, Requirement};
use std::collections::{BTreeMap, BTreeSet};

/// The values one key may take under a selector, plus whether it may be absent.
#[derive(Clone, Debug, PartialEq, Eq)]
struct KeyConstraint {
    values: ValueSet,
    absent: bool,
}

/// A set of label values: finitely many, or all but finitely many.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ValueSet {
    Only(BTreeSet<String>),
    AllBut(BTreeSet<String>),
}

impl ValueSet {
    fn intersect(&self, other: &ValueSet) -> ValueSet {
        use ValueSet::*;
        match (self, other) {
            (Only(a), Only(b)) => Only(a.intersection(b).cloned().collect()),
            (Only(a), AllBut(b)) | (AllBut(b), Only(a)) => Only(a.difference(b).cloned().collect()),
            (AllBut(a), AllBut(b)) => AllBut(a.union(b).cloned().collect()),
        }
    }

    fn is_subset(&self, other: &ValueSet) -> bool {
        use ValueSet::*;
        match (self, other) {
            (Only(a), Only(b)) => a.is_subset(b),
            (Only(a), AllBut(b)) => a.is_disjoint(b),
            // Infinitely many values are never inside a finite set.
            (AllBut(_), Only(_)) => false,
            (AllBut(a), AllBut(b)) => b.is_subset(a),
        }
    }

    fn is_empty(&self) -> bool {
        matches!(self, ValueSet::Only(v) if v.is_empty())
    }
}

impl KeyConstraint {
    fn anything() -> KeyConstraint {
        KeyConstraint {
            values: ValueSet::AllBut(BTreeSet::new()),
            absent: true,
        }
    }

    fn of(operator: Operator, values: &[String]) -> KeyConstraint {
        let set: BTreeSet<String> = values.iter().cloned().collect();
        match operator {
            Operator::In => KeyConstraint {
                values: ValueSet::Only(set),
                absent: false,
            },
            Operator::NotIn => KeyConstraint {
                values: ValueSet::AllBut(set),
                absent: true,
            },
            Operator::Exists => KeyConstraint {
                values: ValueSet::AllBut(BTreeSet::new()),
                absent: false,
            },
            Operator::DoesNotExist => KeyConstraint {
                values: ValueSet::Only(BTreeSet::new()),
                absent: true,
            },
        }
    }

    fn intersect(&self, other: &KeyConstraint) -> KeyConstraint {
        KeyConstraint {
            values: self.values.intersect(&other.values),
            absent: self.absent && other.absent,
        }
    }

    fn is_empty(&self) -> bool {
        self.values.is_empty() && !self.absent
    }

    fn is_subset(&self, other: &KeyConstraint) -> bool {
        (!self.absent || other.absent) && self.values.is_subset(&other.values)
    }

    /// The canonical requirements for this constraint (empty when it allows anything).
    fn requirements(&self, key: &str) -> Vec<Requirement> {
        let req = |operator, values: &BTreeSet<String>| Requirement {
            key: key.to_owned(),
            operator,
            values: values.iter().cloned().collect(),
        };
        match (&self.values, self.absent) {
            (ValueSet::AllBut(v), true) if v.is_empty() => vec![],
            (ValueSet::AllBut(v), true) => vec![req(Operator::NotIn, v)],
            (ValueSet::AllBut(v), false) if v.is_empty() => vec![req(Operator::Exists, v)],
            (ValueSet::AllBut(v), false) => {
                vec![
                    req(Operator::Exists, &BTreeSet::new()),
                    req(Operator::NotIn, v),
                ]
            }
            (ValueSet::Only(v), false) => vec![req(Operator::In, v)],
            (ValueSet::Only(v), true) if v.is_empty() => {
                vec![req(Operator::DoesNotExist, &BTreeSet::new())]
            }
            // Unreachable: only DoesNotExist builds a finite set that admits absence,
            // and it admits no value, so intersections never widen it.
            (ValueSet::Only(v), true) => vec![req(Operator::In, v)],
        }
    }
}

/// Each key's constraint under a selector.
fn constraints(selector: &LabelSelector) -> BTreeMap<String, KeyConstraint> {
    let mut map: BTreeMap<String, KeyConstraint> = BTreeMap::new();
    let mut add = |key: &str, c: KeyConstraint| {
        let entry = map
            .entry(key.to_owned())
            .or_insert_with(KeyConstraint::anything);
        *entry = entry.intersect(&c);
    };
    for (key, value) in &selector.match_labels {
        add(
            key,
            KeyConstraint::of(Operator::In, std::slice::from_ref(value)),
        );
    }
    for r in &selector.match_expressions {
        add(&r.key, KeyConstraint::of(r.operator, &r.values));
    }
    map
}

/// True when no label map matches the selector (`app=a` and `app=b`, say).
pub fn is_empty(selector: &LabelSelector) -> bool {
    constraints(selector).values().any(KeyConstraint::is_empty)
}

/// True when every label map that `a` matches, `b` matches too.
pub fn implies(a: &LabelSelector, b: &LabelSelector) -> bool {
    let ca = constraints(a);
    if ca.values().any(KeyConstraint::is_empty) {
        return true;
    }
    constraints(b).iter().all(|(key, cb)| {
        let left = ca.get(key).cloned().unwrap_or_else(KeyConstraint::anything);
        left.is_subset(cb)
    })
}

/// The selector matching what both match, in canonical form; `None` when nothing does.
pub fn and(a: &LabelSelector, b: &LabelSelector) -> Option<LabelSelector> {
    let mut both = a.clone();
    both.match_expressions
        .extend(b.match_expressions.iter().cloned());
    for (key, value) in &b.match_labels {
        match both.match_labels.get(key) {
            Some(v) if v != value => return None,
            _ => {
                both.match_labels.insert(key.clone(), value.clone());
            }
        }
    }
    if is_empty(&both) {
        return None;
    }
    Some(canonical(&both))
}

/// The selector as requirements only (`matchLabels` `k: v` is `k in (v)`).
pub fn requirements(sel: &LabelSelector) -> Vec<Requirement> {
    let mut out: Vec<Requirement> = sel
        .match_labels
        .iter()
        .map(|(k, v)| Requirement {
            key: k.clone(),
            operator: Operator::In,
            values: vec![v.clone()],
        })
        .collect();
    out.extend(sel.match_expressions.iter().cloned());
    out
}

/// What `a` matches and `b` does not, as disjoint selectors (none when `b` covers `a`).
/// `b` is a conjunction r1 ∧ … ∧ rn, so its complement is the disjoint union of
/// r1 ∧ … ∧ r(i-1) ∧ ¬ri, and each ¬ri is one requirement: `In` and `NotIn` of the same
/// values are complements, as are `Exists` and `DoesNotExist` (`NotIn` matches objects
/// without the key; API reference, LabelSelectorRequirement).
pub fn difference(a: &LabelSelector, b: &LabelSelector) -> Vec<LabelSelector> {
    let mut out = Vec::new();
    let mut prefix = a.clone();
    for r in requirements(&canonical(b)) {
        let operator = match r.operator {
            Operator::In => Operator::NotIn,
            Operator::NotIn => Operator::In,
            Operator::Exists => Operator::DoesNotExist,
            Operator::DoesNotExist => Operator::Exists,
        };
        let not_r = LabelSelector {
            match_expressions: vec![Requirement {
                operator,
                ..r.clone()
            }],
            ..LabelSelector::default()
        };
        out.extend(and(&prefix, &not_r));
        let only_r = LabelSelector {
            match_expressions: vec![r],
            ..LabelSelector::default()
        };
        match and(&prefix, &only_r) {
            Some(next) => prefix = next,
            None => break,
        }
    }
    out
}

/// The canonical form of a selector: one requirement per key and shape, a single-value
/// `In` written as `matchLabels`, values sorted and deduplicated, expressions sorted by key.
/// Two selectors with equal canonical forms match the same label maps.
pub fn canonical(selector: &LabelSelector) -> LabelSelector {
    let mut out = LabelSelector::default();
    for (key, c) in constraints(selector) {
        for r in c.requirements(&key) {
            if r.operator == Operator::In && r.values.len() == 1 {
                out.match_labels.insert(key.clone(), r.values[0].clone());
            } else {
                out.match_expressions.push(r);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::selector::Labels;
    use proptest::prelude::*;

    use crate::ir::selector::selector_for_tests as sel;

    #[test]
    fn conflicting_equalities_are_empty_and_and_returns_none() {
        let web = sel(&[("app", "web")], &[]);
        let db = sel(&[("app", "db")], &[]);
        assert!(and(&web, &db).is_none());
        assert!(is_empty(&sel(
            &[("app", "web")],
            &[("app", Operator::DoesNotExist, &[])]
        )));
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

    // Small universes: keys k1,k2 and values v1,v2,v3, so that random label maps hit
    // every class (each value, another value, absent).
    fn arb_selector() -> impl Strategy<Value = LabelSelector> {
        let key = prop::sample::select(vec!["k1", "k2"]);
        let values = prop::collection::vec(prop::sample::select(vec!["v1", "v2", "v3"]), 1..3);
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
            prop::sample::select(vec!["k1".to_string(), "k2".to_string()]),
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
        let choices = [None, Some("v1"), Some("v2"), Some("v3"), Some("v4")];
        let mut out = Vec::new();
        for a in choices {
            for b in choices {
                let mut l = Labels::new();
                if let Some(v) = a {
                    l.insert("k1".into(), v.into());
                }
                if let Some(v) = b {
                    l.insert("k2".into(), v.into());
                }
                out.push(l);
            }
        }
        out
    }

    proptest! {
        #[test]
        fn operations_agree_with_matching_on_every_label_map(a in arb_selector(), b in arb_selector()) {
            let maps = all_label_maps();
            let in_a: Vec<bool> = maps.iter().map(|l| a.matches(l)).collect();
            let in_b: Vec<bool> = maps.iter().map(|l| b.matches(l)).collect();
            prop_assert_eq!(is_empty(&a), !in_a.iter().any(|x| *x));
            let subset = in_a.iter().zip(&in_b).all(|(x, y)| !x || *y);
            prop_assert_eq!(implies(&a, &b), subset);
            let both: Vec<bool> = in_a.iter().zip(&in_b).map(|(x, y)| *x && *y).collect();
            match and(&a, &b) {
                None => prop_assert!(!both.iter().any(|x| *x)),
                Some(c) => {
                    let in_c: Vec<bool> = maps.iter().map(|l| c.matches(l)).collect();
                    prop_assert_eq!(in_c, both);
                }
            }
            let canon: Vec<bool> = maps.iter().map(|l| canonical(&a).matches(l)).collect();
            prop_assert_eq!(canon, in_a);
        }
    }
}
