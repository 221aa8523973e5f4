//! The integration tests, one binary with one module per area (as ripgrep and cargo keep
//! theirs): each binary links the whole library, so one edit used to cost a link per binary.
//! `cargo test --test it MODULE::` runs one area, e.g. `cargo test --test it equiv::`; `kit`
//! holds what the areas share.

mod bad_input;
mod check;
mod cli;
mod cli_compile;
mod compile_fuzz;
mod completions;
mod confirm;
mod conformance;
mod diag;
mod diff;
mod differential_nca;
mod emit;
mod engine_agreement;
mod equiv;
mod golden;
mod host_network;
mod kit;
mod loader;
mod namespace;
mod opens_own_ingress;
mod output;
mod peers;
mod resolve;
mod syntax;
mod workload_label;
