//! Label selectors as boxes: products over keys of [`Atoms`], the form both `emit::plan`
//! (through the selector functions of `ir::labels`) and the proof (`verify::equiv`, where
//! a box is one dimension of a connection box) compute with.

use super::Atoms;
use crate::ir::selector::{LabelSelector, Labels};
use std::collections::BTreeMap;

/// A set of label maps that is a product over keys: each key constrained to some
/// [`Atoms`], every key not listed free. A label selector is exactly such a set
/// (API reference, LabelSelector: "The requirements are ANDed"). Keys whose constraint
/// is "anything" are never stored, so equal boxes that are not empty are equal values.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LabelBox {
    keys: BTreeMap<String, Atoms>,
}

impl LabelBox {
    /// Every label map.
    pub fn all() -> LabelBox {
        LabelBox::default()
    }

    /// The label maps a selector matches; `None` when it matches none (`app=a` and
    /// `app=b`, say).
    pub fn of(selector: &LabelSelector) -> Option<LabelBox> {
        let b = LabelBox::matching(selector);
        (!b.is_empty()).then_some(b)
    }

    /// The label maps a selector matches, empty or not. Only the selector functions of
    /// `ir::labels` take an empty box (its canonical form is still a selector); elsewhere
    /// boxes are never empty, which `is_subset` and `meets` rely on.
    pub(super) fn matching(selector: &LabelSelector) -> LabelBox {
        let mut b = LabelBox::all();
        b.narrow_to(selector);
        b
    }

    /// Narrows the box to what `selector` matches too, possibly to nothing.
    pub(super) fn narrow_to(&mut self, selector: &LabelSelector) {
        // matchLabels {k: v} is the requirement `k In (v)` (API reference, LabelSelector:
        // "A single {key,value} in the matchLabels map is equivalent to an element of
        // matchExpressions, whose key field is "key", the operator is "In", and the
        // values array contains only "value"").
        for (key, value) in &selector.match_labels {
            self.narrow(key, &Atoms::one(value));
        }
        for r in &selector.match_expressions {
            self.narrow(&r.key, &Atoms::of(r.operator, &r.values));
        }
    }

    /// The constraint on one key.
    pub fn get(&self, key: &str) -> Atoms {
        self.keys.get(key).cloned().unwrap_or_else(Atoms::all)
    }

    /// Replaces the constraint on one key.
    pub fn set(&mut self, key: &str, atoms: Atoms) {
        if atoms.is_all() {
            self.keys.remove(key);
        } else {
            self.keys.insert(key.to_owned(), atoms);
        }
    }

    /// Intersects the constraint on one key with `atoms`.
    pub fn narrow(&mut self, key: &str, atoms: &Atoms) {
        // In place: lifting narrows a box per requirement of every selector it reads.
        match self.keys.get_mut(key) {
            // A stored constraint is not "anything", and what narrows it stays inside it.
            Some(mine) => *mine = mine.intersect(atoms),
            None if atoms.is_all() => {}
            None => {
                self.keys.insert(key.to_owned(), atoms.clone());
            }
        }
    }

    /// Removes the constraint on `key` and returns it (for the namespace-name label,
    /// which becomes a dimension of its own).
    pub fn take(&mut self, key: &str) -> Atoms {
        self.keys.remove(key).unwrap_or_else(Atoms::all)
    }

    /// The constrained keys, sorted.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Atoms)> {
        self.keys.iter()
    }

    /// True when no label map is in the box: some key allows no state.
    pub fn is_empty(&self) -> bool {
        self.keys.values().any(Atoms::is_empty)
    }

    /// The intersection (empty when the two do not meet).
    pub fn intersect(&self, other: &LabelBox) -> LabelBox {
        let mut out = self.clone();
        for (key, atoms) in &other.keys {
            out.narrow(key, atoms);
        }
        out
    }

    /// Inclusion key by key; sound only when `self` is not empty, which boxes never are.
    pub fn is_subset(&self, other: &LabelBox) -> bool {
        // A key `self` leaves free is inside only an unconstrained key, and `other`
        // stores none of those.
        other
            .keys
            .iter()
            .all(|(key, atoms)| self.keys.get(key).is_some_and(|mine| mine.is_subset(atoms)))
    }

    /// Whether the boxes share a label map; sound only when neither is empty.
    pub fn meets(&self, other: &LabelBox) -> bool {
        other
            .keys
            .iter()
            .all(|(key, atoms)| self.keys.get(key).is_none_or(|mine| mine.meets(atoms)))
    }

    /// Membership of one object's labels.
    pub fn contains(&self, labels: &Labels) -> bool {
        self.keys
            .iter()
            .all(|(key, atoms)| atoms.contains(labels.get(key).map(String::as_str)))
    }

    /// A label map in the box: per constrained key, a value a selector named, else no
    /// label, else a fresh value (see [`Atoms::pick`]); other keys unset.
    pub fn pick(&self, fresh: &str) -> Labels {
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
