//! Golden tests: programs compiled with their output pinned under `golden/`.
//!
//! - `golden/<case>.npl` → `golden/<case>.yaml` (every policy, as `--stdout` prints it) and
//!   `golden/<case>.diagnostics` (short format), each present only when non-empty.
//! - `examples/<name>.npl` → `golden/examples/<name>/` (the whole output directory, as
//!   `compile -o` writes it) and `golden/examples/<name>.diagnostics`.
//!
//! `NETPOLC_BLESS=1 cargo test --test it golden::` rewrites the expected files from what the
//! compiler does now; never under `CI=true`, where expected files are only read. A file
//! under `golden/` that no input explains fails the test, so stale expectations cannot
//! linger.

use netpolc::diag::{render, Format};
use netpolc::emit;
use netpolc::pipeline::{compile, ProgramFile, Settings};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn blessing() -> bool {
    let bless = std::env::var("NETPOLC_BLESS").is_ok_and(|v| v == "1");
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(
        !(bless && ci),
        "NETPOLC_BLESS is refused under CI=true: expected files are only read in CI"
    );
    bless
}

/// What compiling one file gives: the output files and the diagnostics in short form.
struct Outcome {
    files: BTreeMap<String, String>,
    stream: String,
    diagnostics: String,
}

fn compile_file(relative: &str) -> Outcome {
    let bytes = std::fs::read(repo().join(relative)).expect("input readable");
    let files = [ProgramFile {
        name: relative.to_owned(),
        bytes,
    }];
    match compile(&files, &Settings::default()) {
        Ok(c) => Outcome {
            stream: emit::stream(&c.output),
            files: c.output.files,
            diagnostics: render(&c.warnings, &c.sources, Format::Short, false),
        },
        Err(f) => Outcome {
            files: BTreeMap::new(),
            stream: String::new(),
            diagnostics: render(&f.diagnostics, &f.sources, Format::Short, false),
        },
    }
}

/// Compares (or, when blessing, writes) one expected file; empty content means "absent".
fn check(path: &Path, actual: &str, failures: &mut Vec<String>) {
    let expected = std::fs::read_to_string(path).ok();
    if blessing() {
        if actual.is_empty() {
            let _ = std::fs::remove_file(path);
        } else {
            std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
            std::fs::write(path, actual).expect("write expected file");
        }
        return;
    }
    let expected = expected.unwrap_or_default();
    if expected != actual {
        let diff = similar::TextDiff::from_lines(&expected, actual)
            .unified_diff()
            .header("expected", "actual")
            .to_string();
        failures.push(format!("{}:\n{diff}", path.display()));
    }
}

fn sorted_files(dir: &Path, ext: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(ext))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Every file below `dir`, relative, `/`-separated.
fn tree(dir: &Path) -> BTreeSet<String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.filter_map(|e| e.ok()) {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else if let Ok(rel) = p.strip_prefix(base) {
                out.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn golden_cases() {
    let dir = repo().join("golden");
    let inputs = sorted_files(&dir, ".npl");
    assert!(!inputs.is_empty(), "golden/ holds no .npl case");
    let mut failures = Vec::new();
    for input in &inputs {
        let stem = input.trim_end_matches(".npl");
        let outcome = compile_file(&format!("golden/{input}"));
        check(
            &dir.join(format!("{stem}.yaml")),
            &outcome.stream,
            &mut failures,
        );
        check(
            &dir.join(format!("{stem}.diagnostics")),
            &outcome.diagnostics,
            &mut failures,
        );
    }
    // Expected files without an input.
    let stems: BTreeSet<&str> = inputs.iter().map(|i| i.trim_end_matches(".npl")).collect();
    for ext in [".yaml", ".diagnostics"] {
        for f in sorted_files(&dir, ext) {
            if !stems.contains(f.trim_end_matches(ext)) {
                failures.push(format!(
                    "golden/{f} has no golden/{}.npl",
                    f.trim_end_matches(ext)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn examples_outputs_are_pinned() {
    let examples = repo().join("examples");
    let pinned = repo().join("golden/examples");
    let inputs = sorted_files(&examples, ".npl");
    assert!(!inputs.is_empty(), "examples/ holds no .npl program");
    let mut failures = Vec::new();
    for input in &inputs {
        let stem = input.trim_end_matches(".npl");
        let outcome = compile_file(&format!("examples/{input}"));
        assert!(
            !outcome.files.is_empty(),
            "examples/{input} must compile:\n{}",
            outcome.diagnostics
        );
        let out_dir = pinned.join(stem);
        if blessing() {
            let _ = std::fs::remove_dir_all(&out_dir);
        }
        for (path, content) in &outcome.files {
            check(&out_dir.join(path), content, &mut failures);
        }
        let produced: BTreeSet<String> = outcome.files.keys().cloned().collect();
        for extra in tree(&out_dir).difference(&produced) {
            failures.push(format!(
                "golden/examples/{stem}/{extra} is no longer produced"
            ));
        }
        check(
            &pinned.join(format!("{stem}.diagnostics")),
            &outcome.diagnostics,
            &mut failures,
        );
    }
    let stems: BTreeSet<&str> = inputs.iter().map(|i| i.trim_end_matches(".npl")).collect();
    for entry in std::fs::read_dir(&pinned)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        let stem = name.trim_end_matches(".diagnostics");
        if !stems.contains(stem) {
            failures.push(format!("golden/examples/{name} has no examples/{stem}.npl"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn compiling_twice_gives_byte_identical_output() {
    for dir in ["examples", "golden"] {
        for input in sorted_files(&repo().join(dir), ".npl") {
            let path = format!("{dir}/{input}");
            let (a, b) = (compile_file(&path), compile_file(&path));
            assert_eq!(a.files, b.files, "{path}");
            assert_eq!(a.diagnostics, b.diagnostics, "{path}");
        }
    }
}
