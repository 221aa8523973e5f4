//! netpolc against other analysers' own expectations: the probes of
//! `../shared/corpus/peers/` (np-guard's connlist outputs, NCA's connectivity maps, each
//! case a cluster, its policies and `{src, dst, protocol, port, allowed}` probes), asked
//! through `netpolc reach --query` with the flags that match the peers' model (`FLAGS`).
//!
//! Both peers read hostNetwork pods as pods that policies select; netpolc's default reads
//! them as node traffic (Kubernetes docs, "Pod network and hostNetwork pods": "the most
//! common implementation"). So the probes tagged `hostNetwork` must all agree under
//! `--select-host-network`, and every other probe under both readings. The corpus lives
//! beside the repository (CI has it); on a clone without it the test says so and passes.

use crate::kit::cli::{netpolc, stderr, stdout};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The corpus, relative to the crate's directory (`../shared` beside the repository).
const PEERS: &str = "../../shared/corpus/peers";

/// One case: its directory, the flags of its source, and its probes.
struct Case {
    dir: PathBuf,
    flags: Vec<String>,
    probes: Vec<Value>,
}

/// Every case of every source, in path order; `None` when the corpus is absent.
fn cases() -> Option<Vec<Case>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(PEERS);
    if !root.is_dir() {
        eprintln!(
            "peers: skipped: {} is absent (the corpus sits beside the repository in CI)",
            root.display()
        );
        return None;
    }
    let mut cases = Vec::new();
    for source in sorted_dirs(&root) {
        let flags = std::fs::read_to_string(source.join("FLAGS")).expect("each source has FLAGS");
        let flags: Vec<String> = flags.split_whitespace().map(str::to_owned).collect();
        for dir in sorted_dirs(&source) {
            let text = std::fs::read_to_string(dir.join("expected.json")).expect("expected.json");
            let Value::Array(probes) = serde_json::from_str(&text).expect("probes are JSON") else {
                panic!("{}: expected.json is not an array", dir.display());
            };
            cases.push(Case {
                dir,
                flags: flags.clone(),
                probes,
            });
        }
    }
    Some(cases)
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn host_network(probe: &Value) -> bool {
    probe["tags"]
        .as_array()
        .is_some_and(|tags| tags.iter().any(|t| t == "hostNetwork"))
}

/// netpolc's answers to `probes` on a case, with `extra` flags: for each probe, `allowed`.
fn answers(case: &Case, probes: &[&Value], extra: &[&str]) -> Vec<bool> {
    let questions: Vec<Value> = probes
        .iter()
        .map(|p| {
            serde_json::json!({
                "src": p["src"], "dst": p["dst"], "protocol": p["protocol"], "port": p["port"],
            })
        })
        .collect();
    let tmp = tempfile::TempDir::new().expect("temporary directory");
    let query = tmp.path().join("query.json");
    std::fs::write(&query, serde_json::to_string(&questions).expect("JSON")).expect("write");
    let (cluster, policies, query) = (
        case.dir.join("cluster.yaml"),
        case.dir.join("policies.yaml"),
        query,
    );
    let mut args: Vec<&str> = vec![
        "reach",
        cluster.to_str().expect("UTF-8 path"),
        policies.to_str().expect("UTF-8 path"),
        "--query",
        query.to_str().expect("UTF-8 path"),
    ];
    args.extend(case.flags.iter().map(String::as_str));
    args.extend(extra);
    let run = netpolc(&args);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}: {}",
        case.dir.display(),
        stderr(&run)
    );
    let Ok(Value::Array(out)) = serde_json::from_str(&stdout(&run)) else {
        panic!("{}: the answer is not a JSON array", case.dir.display());
    };
    out.iter()
        .map(|a| a["allowed"].as_bool().expect("allowed"))
        .collect()
}

/// A probe on which netpolc answers `got` and the peer otherwise, as one line.
fn disagreement(case: &Case, probe: &Value, got: bool) -> String {
    format!(
        "{}: {} -> {} {}/{}: peer {}, netpolc {got}",
        case.dir.display(),
        probe["src"],
        probe["dst"],
        probe["protocol"],
        probe["port"],
        probe["allowed"]
    )
}

#[test]
fn every_probe_agrees_with_both_flags_and_untagged_ones_under_the_default_reading() {
    let Some(cases) = cases() else { return };
    let (mut probes, mut tagged) = (0, 0);
    let mut wrong = Vec::new();
    let mut only_under_the_flag = 0;
    for case in &cases {
        let all: Vec<&Value> = case.probes.iter().collect();
        let selecting = answers(case, &all, &["--select-host-network"]);
        let default = answers(case, &all, &[]);
        for ((probe, selecting), default) in all.iter().zip(selecting).zip(default) {
            let want = probe["allowed"].as_bool().expect("allowed");
            probes += 1;
            if selecting != want {
                wrong.push(disagreement(case, probe, selecting));
            }
            if host_network(probe) {
                tagged += 1;
                only_under_the_flag += usize::from(default != want);
            } else if default != want {
                wrong.push(format!(
                    "{} (default reading)",
                    disagreement(case, probe, default)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The corpus holds thousands of probes, hundreds of them on hostNetwork pods; on some
    // the reading decides, or the flag would test nothing.
    assert!(
        probes > 10_000 && tagged > 1_000,
        "{probes} probes, {tagged} tagged"
    );
    assert!(
        only_under_the_flag > 0,
        "no hostNetwork probe needs the flag"
    );
    eprintln!(
        "peers: {} cases, {probes} probes agree ({tagged} on hostNetwork pods; {only_under_the_flag} of \
         those only with --select-host-network)",
        cases.len()
    );
}
