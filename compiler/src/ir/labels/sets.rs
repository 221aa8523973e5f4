//! The sets one label key (or one port name) ranges over. Label values, namespace names
//! and port names are unbounded strings, and selectors only ever name finitely many, so a
//! set is either finitely many strings or all but finitely many; with "absent" added for
//! a key an object may lack. Both shapes are closed under intersection, difference and
//! union with decidable emptiness, which is what makes the proof's box subtraction exact
//! over infinitely many values: no finite enumeration of values is ever needed.

use crate::ir::selector::Operator;
use std::collections::BTreeSet;

/// A set of strings: finitely many, or all but finitely many. Each set has exactly one
/// representation, so `==` is set equality.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Values {
    /// Exactly these.
    Only(BTreeSet<String>),
    /// Every string but these.
    AllBut(BTreeSet<String>),
}

impl Values {
    /// Every string.
    pub fn all() -> Values {
        Values::AllBut(BTreeSet::new())
    }

    /// The one string `v`.
    pub fn one(v: &str) -> Values {
        Values::Only([v.to_owned()].into())
    }

    /// True for the empty set.
    pub fn is_empty(&self) -> bool {
        matches!(self, Values::Only(v) if v.is_empty())
    }

    /// True for the set of every string.
    pub fn is_all(&self) -> bool {
        matches!(self, Values::AllBut(v) if v.is_empty())
    }

    /// Membership.
    pub fn contains(&self, v: &str) -> bool {
        match self {
            Values::Only(s) => s.contains(v),
            Values::AllBut(s) => !s.contains(v),
        }
    }

    /// The intersection.
    pub fn intersect(&self, other: &Values) -> Values {
        use Values::*;
        match (self, other) {
            (Only(a), Only(b)) => Only(a.intersection(b).cloned().collect()),
            (Only(a), AllBut(b)) | (AllBut(b), Only(a)) => Only(a.difference(b).cloned().collect()),
            (AllBut(a), AllBut(b)) => AllBut(a.union(b).cloned().collect()),
        }
    }

    /// What `self` holds and `other` does not.
    pub fn difference(&self, other: &Values) -> Values {
        use Values::*;
        match (self, other) {
            (Only(a), Only(b)) => Only(a.difference(b).cloned().collect()),
            (Only(a), AllBut(b)) => Only(a.intersection(b).cloned().collect()),
            (AllBut(a), Only(b)) => AllBut(a.union(b).cloned().collect()),
            (AllBut(a), AllBut(b)) => Only(b.difference(a).cloned().collect()),
        }
    }

    /// The union (finite or cofinite again: the shapes are closed under it too).
    pub fn union(&self, other: &Values) -> Values {
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
    pub fn meets(&self, other: &Values) -> bool {
        use Values::*;
        match (self, other) {
            (Only(a), Only(b)) => !a.is_disjoint(b),
            (Only(a), AllBut(b)) | (AllBut(b), Only(a)) => a.iter().any(|v| !b.contains(v)),
            // Both are infinite.
            (AllBut(_), AllBut(_)) => true,
        }
    }

    /// Inclusion, without building the difference.
    pub fn within(&self, other: &Values) -> bool {
        use Values::*;
        match (self, other) {
            (Only(a), Only(b)) => a.is_subset(b),
            (Only(a), AllBut(b)) => a.is_disjoint(b),
            // Infinitely many values are never inside a finite set.
            (AllBut(_), Only(_)) => false,
            (AllBut(a), AllBut(b)) => b.is_subset(a),
        }
    }

    /// A member, preferring one that a selector named; for "every other value" a fresh
    /// one made from `fresh` (`fresh`, `fresh-2`, ...) that no selector excludes.
    pub fn pick(&self, fresh: &str) -> Option<String> {
        match self {
            Values::Only(s) => s.iter().next().cloned(),
            Values::AllBut(excluded) => Some(fresh_value(fresh, excluded)),
        }
    }
}

/// `base`, or `base-2`, `base-3`, ... : the first not in `excluded` (which is finite, so
/// this ends).
fn fresh_value(base: &str, excluded: &BTreeSet<String>) -> String {
    let mut n = 1usize;
    let mut candidate = base.to_owned();
    while excluded.contains(&candidate) {
        n += 1;
        candidate = format!("{base}-{n}");
    }
    candidate
}

/// The states one label key can be in on an object: one of its values, or absent. The
/// same shape serves a destination port's name (a name, or no name). Each set has exactly
/// one representation, so `==` is set equality.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Atoms {
    /// The values the key may have.
    pub values: Values,
    /// Whether the key may be absent.
    pub absent: bool,
}

impl Atoms {
    /// Every state: any value, or absent.
    pub fn all() -> Atoms {
        Atoms {
            values: Values::all(),
            absent: true,
        }
    }

    /// Only the value `v` (a named port: the destination names the port `v`).
    pub fn one(v: &str) -> Atoms {
        Atoms {
            values: Values::one(v),
            absent: false,
        }
    }

    /// Only "absent" (an address outside the cluster names no port).
    pub fn absent() -> Atoms {
        Atoms {
            values: Values::Only(BTreeSet::new()),
            absent: true,
        }
    }

    /// What one selector requirement allows. API reference, LabelSelectorRequirement, and
    /// apimachinery `labels.Requirement.Matches`: In needs the key with one of the values;
    /// NotIn matches a missing key or a value not listed; Exists needs the key;
    /// DoesNotExist needs it missing.
    pub fn of(operator: Operator, values: &[String]) -> Atoms {
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

    /// True when no state is allowed.
    pub fn is_empty(&self) -> bool {
        !self.absent && self.values.is_empty()
    }

    /// True when every state is allowed.
    pub fn is_all(&self) -> bool {
        self.absent && self.values.is_all()
    }

    /// Membership of a value (`None`: absent).
    pub fn contains(&self, v: Option<&str>) -> bool {
        match v {
            None => self.absent,
            Some(v) => self.values.contains(v),
        }
    }

    /// The intersection.
    pub fn intersect(&self, other: &Atoms) -> Atoms {
        Atoms {
            values: self.values.intersect(&other.values),
            absent: self.absent && other.absent,
        }
    }

    /// What `self` allows and `other` does not.
    pub fn difference(&self, other: &Atoms) -> Atoms {
        Atoms {
            values: self.values.difference(&other.values),
            absent: self.absent && !other.absent,
        }
    }

    /// The union.
    pub fn union(&self, other: &Atoms) -> Atoms {
        Atoms {
            values: self.values.union(&other.values),
            absent: self.absent || other.absent,
        }
    }

    /// Inclusion.
    pub fn is_subset(&self, other: &Atoms) -> bool {
        (!self.absent || other.absent) && self.values.within(&other.values)
    }

    /// Whether the two share a state, without building the intersection.
    pub fn meets(&self, other: &Atoms) -> bool {
        (self.absent && other.absent) || self.values.meets(&other.values)
    }

    /// A member: a value a selector named, else "absent" (the simplest object), else a
    /// fresh value. `None` only when the set is empty.
    pub fn pick(&self, fresh: &str) -> Option<Option<String>> {
        match &self.values {
            Values::Only(s) if !s.is_empty() => Some(s.iter().next().cloned()),
            _ if self.absent => Some(None),
            v => v.pick(fresh).map(Some),
        }
    }
}
