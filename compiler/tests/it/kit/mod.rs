//! The machinery the areas share, written once: the random-number generator, generators
//! of label selectors, policies, clusters and programs (each area passing its own
//! universe), running the binary, the hard instance of every budget test, and proptest's
//! configuration. Clusters become manifests through the library's `model::write`.

pub mod cli;
pub mod cluster;
pub mod hostile;
pub mod policy;
pub mod program;
pub mod proptest;
pub mod selector;

/// The repository's one random-number generator (SplitMix64), which the library's samples
/// use too: a seed gives the same program or cluster in every test and example.
pub use netpolc::verify::sample::Rng;
