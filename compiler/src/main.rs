//! The `netpolc` binary: everything lives in the library's `cli` module.
#![forbid(unsafe_code)]

/// netpolc allocates many small values (YAML nodes, label sets, boxes) and frees them in
/// bulk; mimalloc does this about twice as fast as the system allocator (BENCHMARKS.md,
/// decision 0010).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    netpolc::cli::main()
}
