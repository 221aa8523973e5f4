//! netpolc: compiles network intent into minimal Kubernetes NetworkPolicies and
//! proves what they mean. See `ARCHITECTURE.md` for the map of modules.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Errors are `Diagnostic`s, which carry labels and notes; they travel on the cold path
// only, so their size costs nothing where it matters.
#![allow(clippy::result_large_err)]

pub mod cli;
pub mod diag;
pub mod emit;
pub mod ir;
#[cfg(test)]
mod layers;
pub mod model;
pub mod parallel;
pub mod pipeline;
pub mod report;
pub mod resolve;
pub mod source;
pub mod syntax;
pub mod vcs;
pub mod verify;
