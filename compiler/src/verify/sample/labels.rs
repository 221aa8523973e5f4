//! Labels that satisfy a selector, that just miss it, or that mix the program's labels at
//! random. Matching is `ir::selector`'s (API reference, LabelSelector): `In` wants a
//! listed value, `NotIn` any other value or none, `Exists` some value, `DoesNotExist` none.

use super::Rng;
use crate::ir::labels::requirements;
use crate::model::{LabelSelector, Labels, Requirement};
use std::collections::{BTreeMap, BTreeSet};

/// Makes labels over the keys and values some selectors mention.
pub(crate) struct LabelMaker {
    /// Every key mentioned, with the values mentioned for it.
    vocabulary: BTreeMap<String, BTreeSet<String>>,
    /// Keys never to set (the namespace name label, which the API server sets).
    forbidden: BTreeSet<String>,
    /// How many fresh values have been made.
    fresh: usize,
}

/// The requirements of a selector, by key.
fn by_key(sel: &LabelSelector) -> BTreeMap<String, Vec<Requirement>> {
    let mut out: BTreeMap<String, Vec<Requirement>> = BTreeMap::new();
    for r in requirements(sel) {
        out.entry(r.key.clone()).or_default().push(r);
    }
    out
}

/// Whether a value (or its absence) for `key` satisfies every requirement on `key`.
fn satisfies(key: &str, value: Option<&String>, reqs: &[Requirement]) -> bool {
    let labels: Labels = value
        .map(|v| (key.to_owned(), v.clone()))
        .into_iter()
        .collect();
    reqs.iter().all(|r| r.matches(&labels))
}

impl LabelMaker {
    /// The vocabulary of these selectors.
    pub(crate) fn new<'a>(selectors: impl Iterator<Item = &'a LabelSelector>) -> Self {
        let mut vocabulary: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for r in selectors.flat_map(requirements) {
            vocabulary.entry(r.key).or_default().extend(r.values);
        }
        LabelMaker {
            vocabulary,
            forbidden: BTreeSet::new(),
            fresh: 0,
        }
    }

    /// Adds a key to the vocabulary (the workload label, which mixes should use).
    pub(crate) fn add_key(&mut self, key: &str) {
        self.vocabulary.entry(key.to_owned()).or_default();
    }

    /// Never sets `key`.
    pub(crate) fn forbid_key(&mut self, key: &str) {
        self.forbidden.insert(key.to_owned());
    }

    /// A value no selector mentions for `key`.
    fn fresh_value(&mut self, key: &str) -> String {
        loop {
            self.fresh += 1;
            let v = format!("z{}", self.fresh);
            if !self.vocabulary.get(key).is_some_and(|vs| vs.contains(&v)) {
                return v;
            }
        }
    }

    /// What `key` may be: absent, any value mentioned for it, or a fresh value.
    fn candidates(&mut self, key: &str, reqs: &[Requirement]) -> Vec<Option<String>> {
        let mut values: BTreeSet<String> = self.vocabulary.get(key).cloned().unwrap_or_default();
        values.extend(reqs.iter().flat_map(|r| r.values.iter().cloned()));
        let mut out = vec![None];
        out.extend(values.into_iter().map(Some));
        out.push(Some(self.fresh_value(key)));
        out
    }

    /// A random value for `key` that satisfies (`want`) or breaks its requirements; `None`
    /// when there is none (an unsatisfiable selector, or nothing to break).
    fn choose(
        &mut self,
        key: &str,
        reqs: &[Requirement],
        want: bool,
        rng: &mut Rng,
    ) -> Option<Option<String>> {
        let fitting: Vec<Option<String>> = self
            .candidates(key, reqs)
            .into_iter()
            .filter(|c| satisfies(key, c.as_ref(), reqs) == want)
            .collect();
        rng.pick(&fitting).cloned()
    }

    /// Labels the selector matches (when it can match anything).
    pub(crate) fn satisfying(&mut self, sel: &LabelSelector, rng: &mut Rng) -> Labels {
        let mut out = Labels::new();
        for (key, reqs) in by_key(sel) {
            if self.forbidden.contains(&key) {
                continue;
            }
            if let Some(Some(v)) = self.choose(&key, &reqs, true, rng) {
                out.insert(key, v);
            }
        }
        out
    }

    /// Labels that break exactly one key of the selector and satisfy the others; `None`
    /// for the empty selector (nothing to break).
    pub(crate) fn violating(&mut self, sel: &LabelSelector, rng: &mut Rng) -> Option<Labels> {
        let groups = by_key(sel);
        let mut keys: Vec<&String> = groups
            .keys()
            .filter(|k| !self.forbidden.contains(*k))
            .collect();
        // Try the keys from a random one onwards, so that every key gets broken across seeds.
        let start = rng.below(keys.len());
        keys.rotate_left(start);
        for key in keys {
            let Some(reqs) = groups.get(key) else {
                continue;
            };
            let Some(bad) = self.choose(key, reqs, false, rng) else {
                continue;
            };
            let mut out = self.satisfying(sel, rng);
            out.remove(key);
            if let Some(v) = bad {
                out.insert(key.clone(), v);
            }
            return Some(out);
        }
        None
    }

    /// Random labels over the vocabulary: each key half of the time, with a mentioned or a
    /// fresh value.
    pub(crate) fn mix(&mut self, rng: &mut Rng) -> Labels {
        let mut out = Labels::new();
        let keys: Vec<String> = self.vocabulary.keys().cloned().collect();
        for key in keys {
            if self.forbidden.contains(&key) || !rng.chance(1, 2) {
                continue;
            }
            let mut values: Vec<String> = self
                .vocabulary
                .get(&key)
                .map(|vs| vs.iter().cloned().collect())
                .unwrap_or_default();
            values.push(self.fresh_value(&key));
            if let Some(v) = rng.pick(&values) {
                out.insert(key, v.clone());
            }
        }
        out
    }
}
