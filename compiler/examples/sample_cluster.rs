//! A concrete cluster for a program, for peers that decide only for the pods they are
//! shown (NCA's `--equiv`; BENCHMARKS.md, `bench/proof.sh`).
//!
//! ```text
//! cargo run --release --example sample_cluster -- PROGRAM SEED OUTFILE
//! ```
//!
//! Compiles PROGRAM and writes `verify::sample::sample_cluster` of it to OUTFILE: the
//! Namespaces and bare Pods (with labels, container ports and IPs) that the property tests
//! sample, as multi-document YAML, no policies. Prints
//! `sample_cluster: A namespaces, B pods -> OUTFILE` on stderr. Deterministic per seed.

use netpolc::pipeline::{self, ProgramFile, Settings};
use netpolc::verify::sample;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(seed), Some(out)) = (
        args.get(1),
        args.get(2).and_then(|s| s.parse::<u64>().ok()),
        args.get(3),
    ) else {
        eprintln!("usage: sample_cluster PROGRAM SEED OUTFILE");
        std::process::exit(2);
    };
    let bytes = std::fs::read(path).unwrap_or_else(|e| {
        eprintln!("sample_cluster: cannot read {path}: {e}");
        std::process::exit(2);
    });
    let file = ProgramFile {
        name: path.clone(),
        bytes,
    };
    let Ok(compiled) = pipeline::compile(&[file], &Settings::default()) else {
        eprintln!("sample_cluster: {path} does not compile (run `netpolc compile` on it)");
        std::process::exit(2);
    };
    let yaml = sample::sample_cluster(&compiled.program, seed).yaml;
    if let Err(e) = std::fs::write(out, &yaml) {
        eprintln!("sample_cluster: cannot write {out}: {e}");
        std::process::exit(2);
    }
    let count = |kind: &str| yaml.lines().filter(|l| *l == kind).count();
    eprintln!(
        "sample_cluster: {} namespaces, {} pods -> {out}",
        count("kind: Namespace"),
        count("kind: Pod")
    );
}
