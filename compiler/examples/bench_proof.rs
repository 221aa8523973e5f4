//! The proof benchmark (BENCHMARKS.md, `bench/proof.sh`).
//!
//! ```text
//! cargo run --release --example bench_proof -- PROGRAM [RUNS]
//! ```
//!
//! Compiles PROGRAM with `pipeline::compile` (which proves its own output), then times,
//! in this process, the median of RUNS runs (default 5) of:
//! - `load`: reading the emitted manifests back through `model::load`, as the self-check
//!   does;
//! - `prove`: `verify::proof::prove`, the proof under both ipBlock behaviours with the
//!   budget `compile` and `check` give it, on up to `available_parallelism` threads (pin
//!   the process to one core for one thread); `comparisons` is how much of the budget it
//!   used;
//! - `lift` and `decide`: for context, the same comparison under one behaviour (ipBlocks
//!   match pod IPs) on one thread: lifting the program and the policies
//!   (`equiv::lift_intent`, `equiv::lift_policies`), then `equiv::equivalent`.
//!
//! What a timed call returns is dropped outside the timed part (`prove` drops its lifts
//! inside, one namespace at a time). The first run of each pays for fresh memory pages;
//! the median leaves it out, a `netpolc` process does not.
//!
//! Prints one line of `key=value` pairs (seconds), e.g.
//! `namespaces=1000 policies=6000 runs=5 cpus=1 comparisons=1100000 load_s=0.1 prove_s=0.2 lift_s=0.1 decide_s=0.1`.
//! Exits 1 if the proof fails.

use netpolc::model::{self, Source};
use netpolc::pipeline::{self, ProgramFile, Settings};
use netpolc::verify::equiv::{self, Budget};
use netpolc::verify::{proof, Options};
use std::time::{Duration, Instant};

/// As in the `netpolc` binary, so that the numbers compare.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(runs)) = (
        args.get(1),
        args.get(2)
            .map_or(Some(5), |r| r.parse::<usize>().ok())
            .filter(|&r| r > 0),
    ) else {
        eprintln!("usage: bench_proof PROGRAM [RUNS]");
        std::process::exit(2);
    };
    let bytes = std::fs::read(path).unwrap_or_else(|e| {
        eprintln!("bench_proof: cannot read {path}: {e}");
        std::process::exit(2);
    });
    let file = ProgramFile {
        name: path.clone(),
        bytes,
    };
    let Ok(compiled) = pipeline::compile(&[file], &Settings::default()) else {
        eprintln!("bench_proof: {path} does not compile (run `netpolc compile` on it)");
        std::process::exit(2);
    };
    let sources: Vec<Source> = compiled
        .output
        .manifests
        .iter()
        .map(|m| Source {
            name: format!("{}/{}.yaml", m.namespace, m.name),
            bytes: m.yaml.as_bytes().to_vec(),
        })
        .collect();
    let load = || model::load(&sources).expect("the emitted manifests load");
    let policies = load().policies;
    let intent = &compiled.intent;
    let one = Options {
        ipblock_matches_pods: true,
        select_host_network: false,
    };

    let load_s = median(runs, load);
    let mut comparisons = 0;
    let prove_s = median(runs, || {
        let budget = Budget::new(proof::BUDGET);
        if let Err(failure) = proof::prove(intent, &policies, &budget) {
            eprintln!("bench_proof: the proof fails on {path}: {failure:?}");
            std::process::exit(1);
        }
        comparisons = proof::BUDGET - budget.left();
    });
    let lift = || {
        (
            equiv::lift_intent(intent, one),
            equiv::lift_policies(&policies, one),
        )
    };
    let lift_s = median(runs, lift);
    let (program, written) = lift();
    let decide_s = median(runs, || {
        assert!(equiv::equivalent(&program, &written).is_ok());
    });

    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "namespaces={} policies={} runs={runs} cpus={cpus} comparisons={comparisons} load_s={:.3} prove_s={:.3} lift_s={:.3} decide_s={:.3}",
        intent.namespaces.len(),
        policies.len(),
        load_s.as_secs_f64(),
        prove_s.as_secs_f64(),
        lift_s.as_secs_f64(),
        decide_s.as_secs_f64(),
    );
}

/// The median wall time of `runs` calls of `f`; what it returns is dropped untimed.
fn median<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let out = f();
            let time = start.elapsed();
            drop(out);
            time
        })
        .collect();
    times.sort();
    times[(runs - 1) / 2]
}
