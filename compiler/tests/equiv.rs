//! `verify::equiv`, equivalence of policy sets for every cluster, against its contract:
//! rewrites that keep the meaning are equivalent (`equiv/rewrites.rs`); mutations are
//! not, and every witness is confirmed by the concrete engine on a cluster built from it
//! (`equiv/mutations.rs`); random pairs agree with the engine on random clusters
//! (`equiv/random.rs`); the lift of a program's meaning equals its meaning, policies
//! written for it by hand, and what `emit` writes for it (`equiv/intent.rs`). The example
//! and golden programs, and corruptions of their output, are proved through
//! `netpolc check` itself (`tests/check.rs`).

#[path = "equiv/harness.rs"]
mod harness;
#[path = "equiv/intent.rs"]
mod intent;
#[path = "equiv/intent_random.rs"]
mod intent_random;
#[path = "equiv/mutations.rs"]
mod mutations;
#[path = "equiv/random.rs"]
mod random;
#[path = "equiv/rewrites.rs"]
mod rewrites;
