//! Label selectors as sets, one algebra for the compiler and the proof. A selector is a
//! conjunction of requirements on independent keys, so the set of label maps it matches is
//! a product over keys, a [`LabelBox`]; per key, what the requirements allow is a set over
//! "absent" and the values ([`Atoms`]): finite (`In`, `Exists` narrowed by `In`) or
//! cofinite (`NotIn`, `Exists`). On boxes, emptiness, inclusion and conjunction are exact,
//! key by key. `emit::plan` and `resolve` ask those questions of selectors through the
//! functions here; the proof (`verify::equiv`) computes with the boxes and sets
//! themselves. Matching rules: `ir::selector` (API reference, LabelSelector; NotIn and
//! DoesNotExist match objects without the key). The laws are property-tested once, in
//! `labels/tests.rs`, against matching on every label map of a small universe.

mod label_box;
mod sets;
#[cfg(test)]
mod tests;

pub use label_box::LabelBox;
pub use sets::{Atoms, Values};

use crate::ir::selector::{LabelSelector, Operator, Requirement};
use std::collections::BTreeSet;

/// True when no label map matches the selector (`app=a` and `app=b`, say).
pub fn is_empty(selector: &LabelSelector) -> bool {
    LabelBox::matching(selector).is_empty()
}

/// True when every label map that `a` matches, `b` matches too.
pub fn implies(a: &LabelSelector, b: &LabelSelector) -> bool {
    let Some(a) = LabelBox::of(a) else {
        return true;
    };
    LabelBox::of(b).is_some_and(|b| a.is_subset(&b))
}

/// The selector matching what both match, in canonical form; `None` when nothing does.
pub fn and(a: &LabelSelector, b: &LabelSelector) -> Option<LabelSelector> {
    let mut both = LabelBox::matching(a);
    both.narrow_to(b);
    (!both.is_empty()).then(|| selector(&both))
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
pub fn canonical(sel: &LabelSelector) -> LabelSelector {
    selector(&LabelBox::matching(sel))
}

/// The canonical selector of a box made from a selector (see [`canonical`]).
fn selector(b: &LabelBox) -> LabelSelector {
    let mut out = LabelSelector::default();
    for (key, atoms) in b.iter() {
        for r in key_requirements(key, atoms) {
            if r.operator == Operator::In && r.values.len() == 1 {
                out.match_labels.insert(key.clone(), r.values[0].clone());
            } else {
                out.match_expressions.push(r);
            }
        }
    }
    out
}

/// The canonical requirements for one key's constraint (none when it allows anything).
fn key_requirements(key: &str, atoms: &Atoms) -> Vec<Requirement> {
    let req = |operator, values: &BTreeSet<String>| Requirement {
        key: key.to_owned(),
        operator,
        values: values.iter().cloned().collect(),
    };
    match (&atoms.values, atoms.absent) {
        (Values::AllBut(v), true) if v.is_empty() => vec![],
        (Values::AllBut(v), true) => vec![req(Operator::NotIn, v)],
        (Values::AllBut(v), false) if v.is_empty() => vec![req(Operator::Exists, v)],
        (Values::AllBut(v), false) => {
            vec![
                req(Operator::Exists, &BTreeSet::new()),
                req(Operator::NotIn, v),
            ]
        }
        (Values::Only(v), false) => vec![req(Operator::In, v)],
        (Values::Only(v), true) if v.is_empty() => {
            vec![req(Operator::DoesNotExist, &BTreeSet::new())]
        }
        // Unreachable from a selector: only DoesNotExist builds a finite set that admits
        // absence, and it admits no value, so intersections never widen it. (No selector
        // says "one of these values or absent"; the proof's boxes, which can, are never
        // written back as selectors.)
        (Values::Only(v), true) => vec![req(Operator::In, v)],
    }
}
