//! `verify::equiv`, equivalence of policy sets for every cluster, against its contract:
//! rewrites that keep the meaning are equivalent (`equiv/rewrites.rs`); mutations are
//! not, and every witness is confirmed by the concrete engine on a cluster built from it
//! (`equiv/mutations.rs`); random pairs agree with the engine on random clusters
//! (`equiv/random.rs`); the lift of a program's meaning equals its meaning, policies
//! written for it by hand, and what `emit` writes for it (`equiv/intent.rs`). The example
//! and golden programs, and corruptions of their output, are proved through
//! `netpolc check` itself (`check.rs`).

pub mod harness;
mod intent;
mod intent_random;
mod mutations;
mod random;
mod rewrites;
