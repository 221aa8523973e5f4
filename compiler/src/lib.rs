//! netpolc: compiles network intent into minimal Kubernetes NetworkPolicies and
//! proves what they mean. See `ARCHITECTURE.md` for the map of modules.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cli;
pub mod diag;
pub mod emit;
pub mod ir;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod resolve;
pub mod syntax;
pub mod verify;
