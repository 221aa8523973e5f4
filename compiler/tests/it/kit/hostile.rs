//! The hard instance of deciding equality, shared by the tests of every budget: 800
//! selectors, each requiring three of 80 label keys to be `v` or not to be `v`. Their union
//! is a DNF formula, and deciding whether it covers everything (a DNF tautology, like SAT)
//! explores exponentially many boxes.

/// For each of the 800 selectors, its three (key number, `true` for "is `v`") requirements.
/// Deterministic: the same every run. Drawn with a 64-bit LCG rather than the kit's
/// [`super::Rng`], because `bench/hostile.sh` writes the same instance in Python for the
/// benchmark, and the two must stay equal.
pub fn selectors() -> Vec<Vec<(u64, bool)>> {
    let mut state: u64 = 7;
    let mut next = |n: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    (0..800)
        .map(|_| {
            let mut keys: Vec<u64> = Vec::new();
            while keys.len() < 3 {
                let k = next(80);
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
            keys.into_iter().map(|k| (k, next(2) == 0)).collect()
        })
        .collect()
}
