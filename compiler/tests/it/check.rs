//! `netpolc check`, run as a user runs it: what `compile` writes for every example and
//! golden program passes; rewrites that keep the meaning pass; every systematic
//! corruption of the output is rejected, or proved equal and then found equal by the
//! engine on sampled clusters too; random programs pass their own output, and on random
//! pairs every counterexample printed is confirmed by both the reach engine and the
//! language's oracle (`check/corruptions.rs`, `check/random.rs`); the public policy sets,
//! written as programs, prove equal to their upstream YAML (`check/realworld.rs`).

mod budget;
mod corruptions;
mod mutate;
mod random;
mod realworld;
mod run;
mod usage;
