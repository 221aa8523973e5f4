//! The sets a box is a product of, one per dimension of the space of connections, each
//! closed under intersection and difference with decidable emptiness. That closure is
//! what makes box subtraction (`partition`) exact over infinitely many label values,
//! namespace names and label keys: no finite enumeration of values is ever needed.
//!
//! Addresses and port numbers use the canonical `ir` sets (`AddrSet`, `PortSet`), which
//! are closed the same way.

use crate::model::{LabelSelector, Labels, Operator};
use std::collections::{BTreeMap, BTreeSet};

/// A set of strings: finitely many, or all but finitely many. Label values, namespace
/// names and port names are all unbounded, and selectors only ever name finitely many,
/// so these two shapes are closed under every operation we need.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Values {
    /// Exactly these.
    Only(BTreeSet<String>),
    /// Every string but these.
    AllBut(BTreeSet<String>),
}

impl Values {
    pub(crate) fn all() -> Values {
        Values::AllBut(BTreeSet::new())
    }

    pub(crate) fn one(v: &str) -> Values {
        Values::Only([v.to_owned()].into())
    }

    pub(crate) fn is_empty(&self) -> bool {
        matches!(self, Values::Only(v) if v.is_empty())
    }

    pub(crate) fn is_all(&self) -> bool {
        matches!(self, Values::AllBut(v) if v.is_empty())
    }

    pub(crate) fn contains(&self, v: &str) -> bool {
        match self {
            Values::Only(s) => s.contains(v),
            Values::AllBut(s) => !s.contains(v),
        }
    }

    pub(crate) fn intersect(&self, other: &Values) -> Values {
        use Values::*;
        match (self, other) {
            (Only(a), Only(b)) => Only(a.intersection(b).cloned().collect()),
            (Only(a), AllBut(b)) | (AllBut(b), Only(a)) => Only(a.difference(b).cloned().collect()),
            (AllBut(a), AllBut(b)) => AllBut(a.union(b).cloned().collect()),
        }
    }

    pub(crate) fn difference(&self, other: &Values) -> Values {
        use Values::*;
        match (self, other) {
            (Only(a), Only(b)) => Only(a.difference(b).cloned().collect()),
            (Only(a), AllBut(b)) => Only(a.intersection(b).cloned().collect()),
            (AllBut(a), Only(b)) => AllBut(a.union(b).cloned().collect()),
            (AllBut(a), AllBut(b)) => Only(b.difference(a).cloned().collect()),
        }
    }

    /// The union (finite or cofinite again: the shapes are closed under it too).
    pub(crate) fn union(&self, other: &Values) -> Values {
        use Values::*;
        match (self, other) {
            (Only(a), Only(b)) => Only(a.union(b).cloned().collect()),
            (Only(a), AllBut(b)) | (AllBut(b), Only(a)) => {
                AllBut(b.difference(a).cloned().collect())
            }
            (AllBut(a), AllBut(b)) => AllBut(a.intersection(b).cloned().collect()),
        }
    }

    /// Whether the two sets share a member, without building the intersection.
    pub(crate) fn meets(&self, other: &Values) -> bool {
        use Values::*;
        match (self, other) {
            (Only(a), Only(b)) => !a.is_disjoint(b),
            (Only(a), AllBut(b)) | (AllBut(b), Only(a)) => a.iter().any(|v| !b.contains(v)),
            // Both are infinite.
            (AllBut(_), AllBut(_)) => true,
        }
    }

    /// Inclusion, without building the difference.
    pub(crate) fn within(&self, other: &Values) -> bool {
        use Values::*;
        match (self, other) {
            (Only(a), Only(b)) => a.is_subset(b),
            (Only(a), AllBut(b)) => a.is_disjoint(b),
            (AllBut(_), Only(_)) => false,
            (AllBut(a), AllBut(b)) => b.is_subset(a),
        }
    }

    /// A member, preferring one that a selector named; for "every other value" a fresh
    /// one made from `fresh` (`fresh`, `fresh-2`, ...) that no selector excludes.
    pub(crate) fn pick(&self, fresh: &str) -> Option<String> {
        match self {
            Values::Only(s) => s.iter().next().cloned(),
            Values::AllBut(excluded) => Some(fresh_value(fresh, excluded)),
        }
    }
}

/// `base`, or `base-2`, `base-3`, ... : the first not in `excluded` (which is finite, so
/// this ends).
pub(crate) fn fresh_value(base: &str, excluded: &BTreeSet<String>) -> String {
    let mut n = 1usize;
    let mut candidate = base.to_owned();
    while excluded.contains(&candidate) {
        n += 1;
        candidate = format!("{base}-{n}");
    }
    candidate
}

/// The states one label key can be in on an object: one of its values, or absent. The
/// same shape serves a destination port's name (a name, or no name).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Atoms {
    pub(crate) values: Values,
    pub(crate) absent: bool,
}

impl Atoms {
    pub(crate) fn all() -> Atoms {
        Atoms {
            values: Values::all(),
            absent: true,
        }
    }

    /// Only the value `v` (a named port: the destination names the port `v`).
    pub(crate) fn one(v: &str) -> Atoms {
        Atoms {
            values: Values::one(v),
            absent: false,
        }
    }

    /// Only "absent" (an address outside the cluster names no port).
    pub(crate) fn absent() -> Atoms {
        Atoms {
            values: Values::Only(BTreeSet::new()),
            absent: true,
        }
    }

    /// What one selector requirement allows. API reference, LabelSelectorRequirement, and
    /// apimachinery `labels.Requirement.Matches`: In needs the key with one of the values;
    /// NotIn matches a missing key or a value not listed; Exists needs the key;
    /// DoesNotExist needs it missing.
    pub(crate) fn of(operator: Operator, values: &[String]) -> Atoms {
        let set: BTreeSet<String> = values.iter().cloned().collect();
        match operator {
            Operator::In => Atoms {
                values: Values::Only(set),
                absent: false,
            },
            Operator::NotIn => Atoms {
                values: Values::AllBut(set),
                absent: true,
            },
            Operator::Exists => Atoms {
                values: Values::all(),
                absent: false,
            },
            Operator::DoesNotExist => Atoms::absent(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        !self.absent && self.values.is_empty()
    }

    pub(crate) fn is_all(&self) -> bool {
        self.absent && self.values.is_all()
    }

    pub(crate) fn contains(&self, v: Option<&str>) -> bool {
        match v {
            None => self.absent,
            Some(v) => self.values.contains(v),
        }
    }

    pub(crate) fn intersect(&self, other: &Atoms) -> Atoms {
        Atoms {
            values: self.values.intersect(&other.values),
            absent: self.absent && other.absent,
        }
    }

    pub(crate) fn difference(&self, other: &Atoms) -> Atoms {
        Atoms {
            values: self.values.difference(&other.values),
            absent: self.absent && !other.absent,
        }
    }

    pub(crate) fn union(&self, other: &Atoms) -> Atoms {
        Atoms {
            values: self.values.union(&other.values),
            absent: self.absent || other.absent,
        }
    }

    pub(crate) fn is_subset(&self, other: &Atoms) -> bool {
        (!self.absent || other.absent) && self.values.within(&other.values)
    }

    pub(crate) fn meets(&self, other: &Atoms) -> bool {
        (self.absent && other.absent) || self.values.meets(&other.values)
    }

    /// A member: a value a selector named, else "absent" (the simplest object), else a
    /// fresh value. `None` only when the set is empty.
    pub(crate) fn pick(&self, fresh: &str) -> Option<Option<String>> {
        match &self.values {
            Values::Only(s) if !s.is_empty() => Some(s.iter().next().cloned()),
            _ if self.absent => Some(None),
            v => v.pick(fresh).map(Some),
        }
    }
}

/// A set of label maps that is a product over keys: each key constrained to some
/// [`Atoms`], every key not listed free. A label selector is exactly such a set
/// (API reference, LabelSelector: "The requirements are ANDed"). Keys whose constraint
/// is "anything" are never stored, so equal boxes are equal values.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct LabelBox {
    keys: BTreeMap<String, Atoms>,
}

impl LabelBox {
    /// Every label map.
    pub(crate) fn all() -> LabelBox {
        LabelBox::default()
    }

    /// The label maps a selector matches; `None` when it matches none (`app=a` and
    /// `app=b`, say).
    pub(crate) fn of(selector: &LabelSelector) -> Option<LabelBox> {
        let mut b = LabelBox::all();
        // matchLabels {k: v} is the requirement `k In (v)` (API reference, LabelSelector:
        // "A single {key,value} in the matchLabels map is equivalent to an element of
        // matchExpressions, whose key field is "key", the operator is "In", and the
        // values array contains only "value"").
        for (key, value) in &selector.match_labels {
            b.narrow(key, &Atoms::one(value));
        }
        for r in &selector.match_expressions {
            b.narrow(&r.key, &Atoms::of(r.operator, &r.values));
        }
        (!b.is_empty()).then_some(b)
    }

    /// The constraint on one key.
    pub(crate) fn get(&self, key: &str) -> Atoms {
        self.keys.get(key).cloned().unwrap_or_else(Atoms::all)
    }

    /// Replaces the constraint on one key.
    pub(crate) fn set(&mut self, key: &str, atoms: Atoms) {
        if atoms.is_all() {
            self.keys.remove(key);
        } else {
            self.keys.insert(key.to_owned(), atoms);
        }
    }

    /// Intersects the constraint on one key with `atoms`.
    pub(crate) fn narrow(&mut self, key: &str, atoms: &Atoms) {
        let now = self.get(key).intersect(atoms);
        self.set(key, now);
    }

    /// Removes the constraint on `key` and returns it (for the namespace-name label,
    /// which becomes a dimension of its own).
    pub(crate) fn take(&mut self, key: &str) -> Atoms {
        self.keys.remove(key).unwrap_or_else(Atoms::all)
    }

    /// The constrained keys, sorted.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &Atoms)> {
        self.keys.iter()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.keys.values().any(Atoms::is_empty)
    }

    pub(crate) fn intersect(&self, other: &LabelBox) -> LabelBox {
        let mut out = self.clone();
        for (key, atoms) in &other.keys {
            out.narrow(key, atoms);
        }
        out
    }

    /// Inclusion key by key; sound only when `self` is not empty, which boxes never are.
    pub(crate) fn is_subset(&self, other: &LabelBox) -> bool {
        // A key `self` leaves free is inside only an unconstrained key, and `other`
        // stores none of those.
        other
            .keys
            .iter()
            .all(|(key, atoms)| self.keys.get(key).is_some_and(|mine| mine.is_subset(atoms)))
    }

    /// Whether the boxes share a label map; sound only when neither is empty.
    pub(crate) fn meets(&self, other: &LabelBox) -> bool {
        other
            .keys
            .iter()
            .all(|(key, atoms)| self.keys.get(key).is_none_or(|mine| mine.meets(atoms)))
    }

    pub(crate) fn contains(&self, labels: &Labels) -> bool {
        self.keys
            .iter()
            .all(|(key, atoms)| atoms.contains(labels.get(key).map(String::as_str)))
    }

    /// A label map in the box: per constrained key, a value a selector named, else no
    /// label, else a fresh value (see [`Atoms::pick`]); other keys unset.
    pub(crate) fn pick(&self, fresh: &str) -> Labels {
        self.keys
            .iter()
            .filter_map(|(key, atoms)| {
                atoms
                    .pick(fresh)
                    .flatten()
                    .map(|value| (key.clone(), value))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Requirement;
    use proptest::prelude::*;

    fn arb_atoms() -> impl Strategy<Value = Atoms> {
        let vals = prop::collection::btree_set(prop::sample::select(vec!["a", "b", "c"]), 0..3)
            .prop_map(|s| s.into_iter().map(String::from).collect::<BTreeSet<_>>());
        (vals, any::<bool>(), any::<bool>()).prop_map(|(v, cofinite, absent)| Atoms {
            values: if cofinite {
                Values::AllBut(v)
            } else {
                Values::Only(v)
            },
            absent,
        })
    }

    /// Every class: each named value, one unnamed value, absent.
    const PROBES: [Option<&str>; 5] = [None, Some("a"), Some("b"), Some("c"), Some("zz")];

    proptest! {
        #[test]
        fn atoms_operations_agree_with_membership(a in arb_atoms(), b in arb_atoms()) {
            for p in PROBES {
                prop_assert_eq!(a.intersect(&b).contains(p), a.contains(p) && b.contains(p));
                prop_assert_eq!(a.difference(&b).contains(p), a.contains(p) && !b.contains(p));
                prop_assert_eq!(a.union(&b).contains(p), a.contains(p) || b.contains(p));
            }
            let members = |x: &Atoms| PROBES.iter().filter(|p| x.contains(**p)).count();
            prop_assert_eq!(a.is_empty(), members(&a) == 0);
            prop_assert_eq!(a.is_subset(&b), PROBES.iter().all(|p| !a.contains(*p) || b.contains(*p)));
            match a.pick("x-netpolc-other") {
                None => prop_assert!(a.is_empty()),
                Some(v) => prop_assert!(a.contains(v.as_deref())),
            }
        }
    }

    #[test]
    fn selectors_become_boxes_and_picks_match_them() {
        let sel = LabelSelector {
            match_labels: [("app".to_string(), "web".to_string())].into(),
            match_expressions: vec![
                Requirement {
                    key: "tier".into(),
                    operator: Operator::NotIn,
                    values: vec!["x-netpolc-other".into()],
                },
                Requirement {
                    key: "tier".into(),
                    operator: Operator::Exists,
                    values: vec![],
                },
            ],
        };
        let b = LabelBox::of(&sel).expect("not empty");
        let picked = b.pick("x-netpolc-other");
        assert!(sel.matches(&picked), "{picked:?}");
        assert_eq!(
            picked.get("tier").map(String::as_str),
            Some("x-netpolc-other-2")
        );
        let conflicting = LabelSelector {
            match_labels: [("app".to_string(), "web".to_string())].into(),
            match_expressions: vec![Requirement {
                key: "app".into(),
                operator: Operator::DoesNotExist,
                values: vec![],
            }],
        };
        assert_eq!(LabelBox::of(&conflicting), None);
    }
}
