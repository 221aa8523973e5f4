//! The data-driven conformance suite: what Kubernetes NetworkPolicies allow,
//! as the Kubernetes documentation, the API reference and the upstream e2e
//! tests say, checked through the public entry point
//! (`netpolc reach DIR --query FILE -o json`, see `docs/reach-contract.md`).
//!
//! Every `*.yaml` file under `tests/it/conformance/` is a case file:
//!
//! ```yaml
//! cases:
//!   - name: unique-kebab-case-name
//!     source: >-
//!       Where the expected answers come from, quoting the sentence tested.
//!     options: {ipblock_pods: false}    # optional; false adds --no-ipblock-pods,
//!                                       # select_host_network: true --select-host-network
//!     manifests: |
//!       # the Kubernetes objects, one or more YAML documents
//!     queries:                          # what netpolc must answer ...
//!       - {src: ns/a, dst: ns/b, protocol: TCP, port: 80, allowed: true}
//!     error: "substring"                # ... or: the API server rejects the input,
//!                                       # so netpolc exits 2 with this in stderr
//! ```
//!
//! Manifests are read as Kubernetes reads them (YAML 1.1): quote names such as
//! `"y"` or `"on"`, which are booleans otherwise.
//!
//! A case has `queries` or `error`, never both and never neither. Any other
//! file in the directory fails the suite, so that no case is silently skipped.
//! Every failing case is reported (name, source, query, expected, actual)
//! before the test fails.

use serde::Deserialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A case file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    cases: Vec<Case>,
}

/// One case: manifests and either queries with expected answers or an error.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    source: String,
    #[serde(default)]
    options: Options,
    manifests: String,
    #[serde(default)]
    queries: Vec<Query>,
    #[serde(default)]
    error: Option<String>,
}

/// Command-line options of a case.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Options {
    /// `false` runs netpolc with `--no-ipblock-pods`.
    #[serde(default = "yes")]
    ipblock_pods: bool,
    /// `true` runs netpolc with `--select-host-network`.
    #[serde(default)]
    select_host_network: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            ipblock_pods: true,
            select_host_network: false,
        }
    }
}

fn yes() -> bool {
    true
}

/// One query and its expected answer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    src: String,
    dst: String,
    protocol: String,
    port: u16,
    allowed: bool,
}

impl Query {
    /// The query as it goes into the query file: everything but `allowed`.
    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "src": self.src,
            "dst": self.dst,
            "protocol": self.protocol,
            "port": self.port,
        })
    }

    fn describe(&self) -> String {
        format!(
            "{} -> {} {}/{}",
            self.src, self.dst, self.protocol, self.port
        )
    }
}

/// A temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    /// A fresh directory under the system temp dir. Its name carries no part
    /// of the case (stderr echoes paths, and an `error` substring must not be
    /// satisfied by the path).
    fn new() -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "netpolc-conformance-{}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            nanos
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/conformance")
}

/// Reads every case file and returns the well-formed cases; problems with the
/// directory, the files or a case's shape go to `problems`.
fn load_cases(problems: &mut Vec<String>) -> Vec<(String, Case)> {
    let dir = conformance_dir();
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            problems.push(format!("cannot read {}: {e}", dir.display()));
            return Vec::new();
        }
    };
    entries.sort();
    let mut cases = Vec::new();
    for path in entries {
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !path.is_file() || path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            problems.push(format!(
                "{file}: not a `.yaml` case file; the harness would not read it \
                 (rename it to *.yaml or remove it)"
            ));
            continue;
        }
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                problems.push(format!("{file}: cannot read: {e}"));
                continue;
            }
        };
        let parsed: CaseFile = match serde_saphyr::from_str(&text) {
            Ok(p) => p,
            Err(e) => {
                problems.push(format!("{file}: not a valid case file: {e}"));
                continue;
            }
        };
        if parsed.cases.is_empty() {
            problems.push(format!("{file}: no cases"));
        }
        for case in parsed.cases {
            cases.push((file.clone(), case));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut runnable = Vec::new();
    for (file, case) in cases {
        let what = format!("{file}: case `{}`", case.name);
        if !seen.insert(case.name.clone()) {
            problems.push(format!("{what}: duplicate case name"));
        }
        if case.source.trim().is_empty() {
            problems.push(format!("{what}: empty `source`"));
        }
        match (&case.error, case.queries.is_empty()) {
            (None, true) => {
                problems.push(format!("{what}: has neither `queries` nor `error`"));
                continue;
            }
            (Some(_), false) => {
                problems.push(format!(
                    "{what}: has both `queries` and `error` (rejected input has no answers)"
                ));
                continue;
            }
            (Some(e), true) if e.is_empty() => {
                problems.push(format!("{what}: empty `error` substring"));
                continue;
            }
            _ => {}
        }
        for q in &case.queries {
            if !["TCP", "UDP", "SCTP"].contains(&q.protocol.as_str()) {
                problems.push(format!(
                    "{what}: query {}: protocol must be TCP, UDP or SCTP",
                    q.describe()
                ));
            }
        }
        runnable.push((file, case));
    }
    runnable
}

/// Runs netpolc on one case and returns its failures (empty when it passes).
fn run_case(file: &str, case: &Case) -> Vec<String> {
    let header = format!(
        "{file}: case `{}`\n    source: {}",
        case.name,
        case.source.trim()
    );
    let tmp = TempDir::new();
    let manifests = tmp.0.join("manifests");
    std::fs::create_dir_all(&manifests).expect("create manifests dir");
    std::fs::write(manifests.join("input.yaml"), &case.manifests).expect("write manifests");
    // The query file lives outside the manifests directory: `reach DIR` reads
    // every *.json under DIR.
    let query_file = tmp.0.join("queries.json");
    let queries: Vec<serde_json::Value> = case.queries.iter().map(Query::to_json).collect();
    std::fs::write(
        &query_file,
        serde_json::to_string_pretty(&queries).expect("serialise queries"),
    )
    .expect("write queries");

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_netpolc"));
    cmd.arg("reach").arg(&manifests);
    if case.error.is_none() {
        cmd.arg("--query").arg(&query_file).args(["-o", "json"]);
    }
    if case.options.select_host_network {
        cmd.arg("--select-host-network");
    }
    if !case.options.ipblock_pods {
        cmd.arg("--no-ipblock-pods");
    }
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => return vec![format!("{header}\n    cannot run netpolc: {e}")],
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();

    if let Some(expected) = &case.error {
        let mut msg = String::new();
        if code != Some(2) {
            let _ = write!(
                msg,
                "\n    expected exit code 2 (input the API server rejects), got {code:?}"
            );
        }
        if !stderr.contains(expected.as_str()) {
            let _ = write!(msg, "\n    expected stderr to contain {expected:?}");
        }
        if msg.is_empty() {
            return Vec::new();
        }
        return vec![format!(
            "{header}{msg}\n    stderr: {}",
            indent(stderr.trim())
        )];
    }

    if code != Some(0) {
        return vec![format!(
            "{header}\n    expected exit code 0, got {code:?}\n    stderr: {}",
            indent(stderr.trim())
        )];
    }
    let answers: Vec<serde_json::Value> = match serde_json::from_str(&stdout) {
        Ok(a) => a,
        Err(e) => {
            return vec![format!(
                "{header}\n    stdout is not a JSON array ({e}): {}",
                indent(stdout.trim())
            )]
        }
    };
    if answers.len() != case.queries.len() {
        return vec![format!(
            "{header}\n    expected {} answers, got {}: {}",
            case.queries.len(),
            answers.len(),
            indent(stdout.trim())
        )];
    }
    let mut failures = Vec::new();
    for (i, (q, a)) in case.queries.iter().zip(&answers).enumerate() {
        let kept = a.get("src").and_then(|v| v.as_str()) == Some(q.src.as_str())
            && a.get("dst").and_then(|v| v.as_str()) == Some(q.dst.as_str())
            && a.get("port").and_then(|v| v.as_u64()) == Some(u64::from(q.port))
            && a.get("protocol")
                .and_then(|v| v.as_str())
                .is_some_and(|p| p.eq_ignore_ascii_case(&q.protocol));
        if !kept {
            failures.push(format!(
                "{header}\n    query #{i} {}: the answer does not keep the query's fields: {a}",
                q.describe()
            ));
            continue;
        }
        let reason = a
            .get("reason")
            .and_then(|v| v.as_str())
            .unwrap_or("<no reason>");
        match a.get("allowed").and_then(|v| v.as_bool()) {
            Some(actual) if actual == q.allowed => {}
            Some(actual) => failures.push(format!(
                "{header}\n    query #{i} {}: expected {}, got {} (reason: {reason})",
                q.describe(),
                verdict(q.allowed),
                verdict(actual)
            )),
            None => failures.push(format!(
                "{header}\n    query #{i} {}: no boolean \"allowed\" in the answer: {a}",
                q.describe()
            )),
        }
    }
    failures
}

fn verdict(allowed: bool) -> &'static str {
    if allowed {
        "allowed"
    } else {
        "denied"
    }
}

fn indent(text: &str) -> String {
    text.replace('\n', "\n        ")
}

#[test]
fn conformance() {
    let mut problems = Vec::new();
    let cases = load_cases(&mut problems);
    let query_count: usize = cases.iter().map(|(_, c)| c.queries.len()).sum();
    let mut failures = Vec::new();
    let mut failed_cases = 0;
    for (file, case) in &cases {
        let f = run_case(file, case);
        if !f.is_empty() {
            failed_cases += 1;
        }
        failures.extend(f);
    }
    eprintln!(
        "conformance: {} cases, {} queries; {} case(s) failed, {} problem(s) with the case files",
        cases.len(),
        query_count,
        failed_cases,
        problems.len()
    );
    if problems.is_empty() && failures.is_empty() {
        return;
    }
    let mut report = String::new();
    for p in &problems {
        let _ = writeln!(report, "CASE FILES: {p}");
    }
    for f in &failures {
        let _ = writeln!(report, "FAIL: {f}");
    }
    panic!(
        "\n{report}\n{} problem(s) with the case files, {} failure(s) in {} of {} case(s)",
        problems.len(),
        failures.len(),
        failed_cases,
        cases.len()
    );
}
