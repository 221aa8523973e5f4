//! The `netpolc` binary as users meet it: exit codes, output formats,
//! determinism, explanations and error messages, on the shipped example.

use crate::kit::cli::{netpolc, stderr, stdout, SHOP};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn temp_file(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netpolc-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, content).expect("temp file");
    path
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    assert_eq!(netpolc(&[]).status.code(), Some(2));
    assert_eq!(netpolc(&["reach"]).status.code(), Some(2));
    assert_eq!(netpolc(&["frobnicate"]).status.code(), Some(2));
    let help = netpolc(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("Exit codes"));
}

/// Issue 11, item 9: the usage of `explain` reads once, plainly; without a path before
/// SRC DST PROTO/PORT it is a usage error.
#[test]
fn explain_usage_reads_once() {
    let help = netpolc(&["explain", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    let text = stdout(&help);
    let usage = text
        .lines()
        .find(|l| l.starts_with("Usage:"))
        .expect("a usage line");
    assert_eq!(
        usage,
        "Usage: netpolc explain [OPTIONS] <PATH>... <SRC> <DST> <PROTO/PORT>"
    );
    assert_eq!(text.matches("SRC DST PROTO/PORT").count(), 1, "{text}");
    let o = netpolc(&["explain", "shop/web", "shop/db", "tcp/5432"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("usage: netpolc explain PATH... SRC DST PROTO/PORT"),
        "{}",
        stderr(&o)
    );
}

/// Issue 11, item 6: one note per skipped kind, with its count, and a distinct note for a
/// kind whose pods are missing from the map.
#[test]
fn skipped_kinds_are_noted_once_per_kind() {
    let mut extra = String::new();
    for i in 0..40 {
        extra.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}, namespace: shop}}\n"
        ));
    }
    extra.push_str("---\napiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s, namespace: shop}\n");
    let path = temp_file("skipped.yaml", &extra);
    let o = netpolc(&["reach", SHOP, path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    let notes: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("note[NP0707]: "))
        .collect();
    assert_eq!(notes.len(), 2, "{err}");
    assert!(
        notes[0].ends_with(": skipped kind `ConfigMap` (40 objects; this is the first)"),
        "{err}"
    );
    // At the first one, without a snippet: the whole object is the place.
    assert!(err.contains("skipped.yaml:2:1 (document 1)\n\n"), "{err}");
    assert!(
        notes[1].contains(
            "kind `Prometheus` (monitoring.coreos.com) creates pods that netpolc cannot see"
        ),
        "{err}"
    );
    // Nothing skipped, nothing said.
    let o = netpolc(&["reach", SHOP]);
    assert!(!stderr(&o).contains("skipped"), "{}", stderr(&o));
}

/// Issue 11, item 5: an ipBlock with host bits, as existing objects may hold, is read as its
/// network with a warning by the analysis commands; a program still refuses it.
#[test]
fn host_bits_in_an_ipblock_are_a_warning_for_analysis_commands() {
    let path = temp_file(
        "host-bits.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{to: [{ipBlock: {cidr: 192.168.242.213/24}}]}]\n",
    );
    let path = path.to_str().unwrap();
    let o = netpolc(&["reach", SHOP, path]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let warned = |o: &Output| {
        stderr(o).lines().any(|l| {
            l.starts_with("warning[NP0706]: ")
                && l.contains("`192.168.242.213/24` has bits set beyond its prefix length and is read as `192.168.242.0/24`")
        })
    };
    assert!(warned(&o), "{}", stderr(&o));
    assert!(stdout(&o).contains("192.168.242.0/24"), "{}", stdout(&o));
    let program = temp_file(
        "host-bits.npl",
        "namespace shop {\n  egress only 192.168.242.0/24\n}\n",
    );
    let o = netpolc(&["check", program.to_str().unwrap(), "--policies", path]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(warned(&o), "{}", stderr(&o));
    // The program refuses it, so `compile` never writes one.
    let program = temp_file(
        "host-bits-refused.npl",
        "namespace shop {\n  egress only 192.168.242.213/24\n}\n",
    );
    let o = netpolc(&["compile", program.to_str().unwrap(), "--stdout"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("NP0103"), "{}", stderr(&o));
}

#[test]
fn a_missing_path_is_bad_input() {
    let o = netpolc(&["reach", "no/such/dir"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no/such/dir"), "{}", stderr(&o));
}

#[test]
fn table_lists_allowed_pairs_and_outside_reach() {
    let o = netpolc(&["reach", SHOP]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let row = |a: &str, b: &str| {
        out.lines()
            .find(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                cols.first() == Some(&a) && cols.get(1) == Some(&b)
            })
            .map(|l| l.split_whitespace().skip(2).collect::<Vec<_>>().join(" "))
    };
    // api -> db: egress rule on 5432 and db's ingress on its named port `postgres` (5432).
    assert_eq!(row("shop/api", "shop/db").as_deref(), Some("TCP 5432"));
    // web -> api on api's named port http (9000).
    assert_eq!(row("shop/web", "shop/api").as_deref(), Some("TCP 9000"));
    // DNS: egress to kube-dns on 53, and coredns is not isolated.
    assert_eq!(
        row("shop/db", "kube-system/coredns").as_deref(),
        Some("TCP 53; UDP 53")
    );
    // web may not reach db directly.
    assert_eq!(row("shop/web", "shop/db"), None);
    // The API reaches public addresses on 443 only.
    assert!(
        out.contains("shop/api") && out.contains("egress to"),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.starts_with("shop/api")
            && l.contains("egress to")
            && l.contains("TCP 443")
            && l.contains("0.0.0.0/0 except 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16")),
        "{out}"
    );
}

#[test]
fn every_format_is_deterministic() {
    for format in ["table", "json", "dot", "mermaid"] {
        let a = netpolc(&["reach", SHOP, "-o", format]);
        let b = netpolc(&["reach", SHOP, "-o", format]);
        assert_eq!(a.status.code(), Some(0), "{format}: {}", stderr(&a));
        assert_eq!(a.stdout, b.stdout, "{format} output differs between runs");
    }
    let dot = stdout(&netpolc(&["reach", SHOP, "-o", "dot"]));
    assert!(dot.starts_with("digraph netpolc {") && dot.trim_end().ends_with('}'));
    let mermaid = stdout(&netpolc(&["reach", SHOP, "-o", "mermaid"]));
    assert!(mermaid.starts_with("flowchart LR"));
}

#[test]
fn json_follows_the_contract() {
    let o = netpolc(&["reach", SHOP, "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["workloads"].as_array().map(Vec::len), Some(4));
    let conn = v["connections"]
        .as_array()
        .and_then(|cs| {
            cs.iter()
                .find(|c| c["src"] == "shop/api" && c["dst"] == "shop/db")
        })
        .expect("api -> db");
    assert_eq!(
        conn["ports"],
        serde_json::json!([{"protocol": "TCP", "start": 5432, "end": 5432}])
    );
}

#[test]
fn stdin_is_read_with_a_dash() {
    let yaml =
        std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SHOP)).expect("example");
    let mut child = Command::new(env!("CARGO_BIN_EXE_netpolc"))
        .args(["reach", "-", "-o", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&yaml)
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(o.stdout, netpolc(&["reach", SHOP, "-o", "json"]).stdout);
}

#[test]
fn explain_names_the_isolating_policies_and_the_allowing_rule() {
    let denied = netpolc(&["explain", SHOP, "shop/web", "shop/db", "tcp/5432"]);
    assert_eq!(denied.status.code(), Some(0));
    let text = stdout(&denied);
    assert!(
        text.starts_with("DENIED: shop/web -> shop/db on TCP 5432"),
        "{text}"
    );
    assert!(text.contains("shop/default-deny"), "{text}");
    assert!(
        text.contains("no rule of these policies allows TCP 5432"),
        "{text}"
    );

    let allowed = netpolc(&["explain", SHOP, "shop/api", "shop/db", "tcp/5432"]);
    let text = stdout(&allowed);
    assert!(text.starts_with("ALLOWED"), "{text}");
    assert!(text.contains("shop/api spec.egress[0]"), "{text}");
    assert!(text.contains("shop/db spec.ingress[0]"), "{text}");

    let outside = netpolc(&["explain", SHOP, "shop/api", "203.0.113.7", "tcp/443"]);
    assert!(
        stdout(&outside).starts_with("ALLOWED"),
        "{}",
        stdout(&outside)
    );
    let private = netpolc(&["explain", SHOP, "shop/api", "10.1.2.3", "tcp/443"]);
    assert!(
        stdout(&private).starts_with("DENIED"),
        "{}",
        stdout(&private)
    );
}

#[test]
fn queries_answer_in_order_and_unknown_names_suggest() {
    let q = temp_file(
        "q.json",
        r#"[{"src": "shop/api", "dst": "shop/db", "protocol": "TCP", "port": 5432},
            {"src": "shop/web", "dst": "shop/db", "protocol": "tcp", "port": 5432},
            {"src": "shop/db", "dst": "kube-system/coredns", "protocol": "UDP", "port": 53}]"#,
    );
    let o = netpolc(&["reach", SHOP, "--query", q.to_str().expect("utf-8 path")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let allowed: Vec<bool> = v
        .as_array()
        .expect("array")
        .iter()
        .map(|a| a["allowed"].as_bool().expect("bool"))
        .collect();
    assert_eq!(allowed, [true, false, true]);
    assert_eq!(v[1]["protocol"], "tcp", "input fields are kept as given");
    assert!(v[1]["reason"]
        .as_str()
        .is_some_and(|r| r.starts_with("denied")));

    let bad = temp_file(
        "bad.json",
        r#"[{"src": "shop/wbe", "dst": "shop/db", "protocol": "TCP", "port": 1}]"#,
    );
    let o = netpolc(&["reach", SHOP, "--query", bad.to_str().expect("utf-8 path")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `web`"), "{}", stderr(&o));

    let not_json = temp_file("nj.json", "{");
    let o = netpolc(&[
        "reach",
        SHOP,
        "--query",
        not_json.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn invalid_policies_are_bad_input_with_file_document_and_path() {
    let bad = temp_file(
        "bad.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: a}\nspec:\n  podSelector: {}\n  ingress:\n    - ports:\n        - port: 70000\n",
    );
    let o = netpolc(&["reach", bad.to_str().expect("utf-8 path")]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("bad.yaml") && err.contains("spec.ingress[0].ports[0].port"),
        "{err}"
    );
}

/// Issue 15, items 16 and 17: every file netpolc reads is bounded (64 MiB, checked before or
/// while reading, never reading an endless stream), and a program past the bound is refused
/// with NP0105 instead of compiling the part that was read.
#[cfg(unix)]
#[test]
fn every_read_is_bounded_and_an_oversized_program_is_refused_not_cut() {
    let program = temp_file("program.npl", "namespace shop {\n  isolate namespace\n}\n");
    let program = program.display().to_string();
    for args in [
        vec![
            "compile",
            program.as_str(),
            "--stdout",
            "--config",
            "/dev/zero",
        ],
        vec!["reach", SHOP, "--query", "/dev/zero"],
        vec![
            "diff",
            "--template",
            "/dev/zero",
            "-o",
            "markdown",
            program.as_str(),
        ],
    ] {
        let o = netpolc(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("/dev/zero: larger than 64 MiB"),
            "{args:?}: {}",
            stderr(&o)
        );
    }

    // `on 5432` past the cut would have compiled as `on 54`.
    let mut text = "# padding\n".repeat((64 << 20) / 10);
    text.push_str("namespace shop {\n  isolate namespace\n  web may talk to db on 5432\n}\n");
    let huge = temp_file("huge.npl", &text);
    let o = netpolc(&["compile", &huge.display().to_string(), "--stdout"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("error[NP0105]"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
}

/// Issue 15, item 20: standard output or standard error on a full disk, or a closed pipe,
/// is the user's I/O failing: exit 2, never 0 with the output lost, 3 or an abort.
#[cfg(target_os = "linux")]
#[test]
fn io_failures_on_the_standard_streams_exit_2() {
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let out = Command::new(env!("CARGO_BIN_EXE_netpolc"))
        .args(["reach", SHOP])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(full())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot write to standard output"),
        "{}",
        stderr(&out)
    );

    // `compile -o` reports on standard error only, and succeeds otherwise.
    let dir = std::env::temp_dir().join(format!("netpolc-cli-{}-full", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let err = Command::new(env!("CARGO_BIN_EXE_netpolc"))
        .args(["compile", "../examples/shop.npl", "-o"])
        .arg(&dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(full())
        .output()
        .unwrap();
    assert_eq!(err.status.code(), Some(2));

    // A reader that went away before netpolc wrote.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let closed = Command::new(env!("CARGO_BIN_EXE_netpolc"))
        .args(["--explain", "NP0101"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(writer)
        .output()
        .unwrap();
    assert_eq!(closed.status.code(), Some(2), "{}", stderr(&closed));
    assert!(stderr(&closed).contains("cannot write to standard output"));
}

/// Issue 15, item 21: a JSON manifest or query file with a key given twice is refused, as
/// the YAML reader and the API server's strict decoding refuse it (the last one does not win).
#[test]
fn duplicate_json_keys_are_refused_in_manifests_and_queries() {
    let manifest = temp_file(
        "dup.json",
        r#"{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "a", "namespace": "shop"},
            "spec": {"podSelector": {}, "podSelector": {"matchLabels": {"app": "db"}}}}"#,
    );
    let o = netpolc(&["reach", &manifest.display().to_string()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("duplicate key `podSelector`"),
        "{}",
        stderr(&o)
    );

    let query = temp_file(
        "dup-query.json",
        r#"[{"src": "shop/web", "dst": "shop/db", "protocol": "TCP", "port": 80, "port": 5432}]"#,
    );
    let o = netpolc(&["reach", SHOP, "--query", &query.display().to_string()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("duplicate key `port`"),
        "{}",
        stderr(&o)
    );
}
