//! Canonical sets of unsigned integers, kept as sorted, disjoint, non-adjacent
//! inclusive ranges. Ports and addresses (IPv4 and IPv6 alike, widened to
//! `u128`) are both sets of this kind, so one implementation serves both.
//!
//! Canonical form is what makes `==` set equality (architecture invariant:
//! "equal sets are equal values").

use std::fmt;

/// A set of `u128` values as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct IntervalSet {
    ranges: Vec<(u128, u128)>,
}

impl IntervalSet {
    /// The empty set.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The inclusive range `lo..=hi`; empty when `lo > hi`.
    pub fn range(lo: u128, hi: u128) -> Self {
        if lo > hi {
            return Self::empty();
        }
        Self {
            ranges: vec![(lo, hi)],
        }
    }

    /// A single value.
    pub fn single(v: u128) -> Self {
        Self::range(v, v)
    }

    /// Builds a canonical set from arbitrary (possibly overlapping) ranges.
    pub fn from_ranges(ranges: impl IntoIterator<Item = (u128, u128)>) -> Self {
        let mut rs: Vec<(u128, u128)> = ranges.into_iter().filter(|(a, b)| a <= b).collect();
        rs.sort_unstable();
        let mut out: Vec<(u128, u128)> = Vec::with_capacity(rs.len());
        for (lo, hi) in rs {
            match out.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        Self { ranges: out }
    }

    /// The ranges, sorted and disjoint.
    pub fn ranges(&self) -> &[(u128, u128)] {
        &self.ranges
    }

    /// True when the set holds nothing.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// True when `v` is in the set.
    pub fn contains(&self, v: u128) -> bool {
        // Binary search on range starts: the candidate is the last range starting at or before v.
        let idx = self.ranges.partition_point(|&(lo, _)| lo <= v);
        idx > 0 && self.ranges[idx - 1].1 >= v
    }

    /// The number of values, saturating at `u128::MAX`.
    pub fn len(&self) -> u128 {
        self.ranges.iter().fold(0u128, |acc, (lo, hi)| {
            acc.saturating_add(hi - lo).saturating_add(1)
        })
    }

    /// The smallest value in the set.
    pub fn first(&self) -> Option<u128> {
        self.ranges.first().map(|r| r.0)
    }

    /// Set union.
    pub fn union(&self, other: &Self) -> Self {
        Self::from_ranges(self.ranges.iter().chain(other.ranges.iter()).copied())
    }

    /// Set intersection.
    pub fn intersect(&self, other: &Self) -> Self {
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < self.ranges.len() && j < other.ranges.len() {
            let (a0, a1) = self.ranges[i];
            let (b0, b1) = other.ranges[j];
            let lo = a0.max(b0);
            let hi = a1.min(b1);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a1 < b1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        Self { ranges: out }
    }

    /// Set difference `self \ other`.
    pub fn difference(&self, other: &Self) -> Self {
        let mut out = Vec::new();
        let mut j = 0;
        for &(lo, hi) in &self.ranges {
            let mut cur = lo;
            let mut done = false;
            while j < other.ranges.len() && other.ranges[j].1 < cur {
                j += 1;
            }
            let mut k = j;
            while k < other.ranges.len() && other.ranges[k].0 <= hi {
                let (b0, b1) = other.ranges[k];
                if b0 > cur {
                    out.push((cur, b0 - 1));
                }
                if b1 >= hi {
                    done = true;
                    break;
                }
                cur = b1 + 1;
                k += 1;
            }
            if !done {
                out.push((cur, hi));
            }
        }
        Self { ranges: out }
    }

    /// True when every value of `self` is in `other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        self.difference(other).is_empty()
    }
}

impl fmt::Debug for IntervalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.ranges.iter().map(|(a, b)| format!("{a}-{b}")))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn small_set() -> impl Strategy<Value = IntervalSet> {
        prop::collection::vec((0u128..64, 0u128..8), 0..6)
            .prop_map(|v| IntervalSet::from_ranges(v.into_iter().map(|(a, l)| (a, a + l))))
    }

    fn members(s: &IntervalSet) -> Vec<u128> {
        (0..80).filter(|v| s.contains(*v)).collect()
    }

    proptest! {
        // The algebra's laws, checked point-wise against the naive membership model.
        #[test]
        fn union_intersection_difference_agree_with_membership(a in small_set(), b in small_set()) {
            for v in 0..80u128 {
                prop_assert_eq!(a.union(&b).contains(v), a.contains(v) || b.contains(v));
                prop_assert_eq!(a.intersect(&b).contains(v), a.contains(v) && b.contains(v));
                prop_assert_eq!(a.difference(&b).contains(v), a.contains(v) && !b.contains(v));
            }
        }

        #[test]
        fn canonical_form_makes_equality_set_equality(a in small_set(), b in small_set()) {
            prop_assert_eq!(a == b, members(&a) == members(&b));
            // Commutativity and De Morgan-style identities, as values.
            prop_assert_eq!(a.union(&b), b.union(&a));
            prop_assert_eq!(a.intersect(&b), b.intersect(&a));
            prop_assert_eq!(a.difference(&b).union(&a.intersect(&b)), a.clone());
            prop_assert!(a.difference(&b).intersect(&b).is_empty());
        }
    }

    #[test]
    fn adjacent_ranges_merge() {
        let s = IntervalSet::from_ranges([(1, 3), (4, 6), (10, 10)]);
        assert_eq!(s.ranges(), &[(1, 6), (10, 10)]);
        assert_eq!(s.len(), 7);
    }

    #[test]
    fn extremes_do_not_overflow() {
        let all = IntervalSet::range(0, u128::MAX);
        let hole = IntervalSet::single(u128::MAX);
        assert_eq!(all.difference(&hole), IntervalSet::range(0, u128::MAX - 1));
        assert_eq!(all.len(), u128::MAX);
        assert!(all.union(&hole).contains(u128::MAX));
    }
}
