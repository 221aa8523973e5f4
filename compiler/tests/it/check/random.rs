//! Random programs (`kit/program.rs`): each passes `check` against what `compile`
//! wrote for it; and on random pairs (a program against another program's output) the
//! verdict agrees with the engine: every counterexample printed is confirmed by the
//! engine and the oracle, and a pair judged equal gets equal verdicts on sampled clusters.

use super::run::{check, compile_into, counterexamples, load_policies, same_on_samples};
use crate::kit::program::program;
use netpolc::pipeline::{compile, ProgramFile, Settings};
use tempfile::TempDir;

/// Random programs per run.
const PROGRAMS: u64 = 48;

/// Writes the random program of `seed` into `dir` and returns its path.
fn write_program(dir: &std::path::Path, seed: u64) -> std::path::PathBuf {
    let path = dir.join(format!("random-{seed}.npl"));
    std::fs::write(&path, program(seed)).unwrap();
    path
}

#[test]
fn random_programs_pass_check_against_their_own_output() {
    for seed in 0..PROGRAMS {
        let dir = TempDir::new().unwrap();
        let path = write_program(dir.path(), seed);
        let out = compile_into(&path.display().to_string(), dir.path());
        let run = check(&path, &out, &dir.path().join("w"));
        assert_eq!(
            run.code,
            0,
            "seed {seed}:\n{}\n{}",
            program(seed),
            run.stderr
        );
    }
}

#[test]
fn on_random_pairs_check_agrees_with_the_engine() {
    let (mut differ, mut equal) = (0, 0);
    for seed in 0..PROGRAMS {
        let dir = TempDir::new().unwrap();
        let a = write_program(dir.path(), seed);
        let other = TempDir::new().unwrap();
        let b = write_program(other.path(), seed + 1000);
        let out_b = compile_into(&b.display().to_string(), other.path());
        let policies_b = load_policies(&out_b);
        let compiled_a = compile(
            &[ProgramFile {
                name: a.display().to_string(),
                bytes: program(seed).into_bytes(),
            }],
            &Settings::default(),
        )
        .expect("random programs compile");
        let witnesses = dir.path().join("w");
        let run = check(&a, &out_b, &witnesses);
        if run.code == 1 {
            differ += 1;
            let found = counterexamples(&witnesses);
            assert!(
                !found.is_empty(),
                "seed {seed}: exit 1 without a counterexample"
            );
            for c in found {
                c.confirm(&compiled_a, &policies_b);
            }
        } else {
            equal += 1;
            let out_a = compile_into(&a.display().to_string(), dir.path());
            assert!(
                same_on_samples(&compiled_a, &load_policies(&out_a), &policies_b),
                "seed {seed}: check passed, yet the engine differs on a sample"
            );
        }
    }
    assert!(differ > PROGRAMS / 2, "differ {differ}, equal {equal}");
}
