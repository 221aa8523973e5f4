//! The two readings of hostNetwork pods at the command line: node traffic (the default)
//! and pods that policies select and match (`--select-host-network`, or
//! `select-host-network = true` in `netpolc.toml`), on `reach`, `explain`, `check` and
//! `diff`; the reasons name the host network exactly when the reading decides.

use crate::diff::fixture::{isolated, Repo, Run};
use std::path::Path;
use std::process::Command;
use tempfile::TempDir;

/// A hostNetwork pod `agent` labelled like the clients that a server's policy admits.
const CLUSTER: &str = "
apiVersion: v1
kind: Namespace
metadata: {name: x}
---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: x, labels: {role: client}}
spec:
  hostNetwork: true
  containers: [{name: c, image: agent}]
status: {podIP: 192.168.10.5, podIPs: [{ip: 192.168.10.5}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: x, labels: {role: client}}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: server, namespace: x, labels: {role: server}}
spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: clients-only, namespace: x}
spec:
  podSelector: {matchLabels: {role: server}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {role: client}}}]
";

/// `netpolc ARGS` run in `dir`, with no `netpolc.toml` but the one a test writes there.
fn netpolc(dir: &Path, args: &[&str]) -> Run {
    let o = isolated(Command::new(env!("CARGO_BIN_EXE_netpolc")), dir)
        .args(args)
        .output()
        .expect("netpolc runs");
    Run::of(o)
}

/// A directory holding `cluster.yaml` and the query file `q.json`.
fn cluster_dir() -> TempDir {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("cluster.yaml"), CLUSTER).unwrap();
    let questions = r#"[
        {"src": "x/agent", "dst": "x/server", "protocol": "TCP", "port": 80},
        {"src": "x/client", "dst": "x/server", "protocol": "TCP", "port": 80},
        {"src": "x/agent", "dst": "203.0.113.9", "protocol": "TCP", "port": 443}
    ]"#;
    std::fs::write(dir.path().join("q.json"), questions).unwrap();
    dir
}

/// `allowed` and `reason` of every answer of `reach --query q.json` with `flags`.
fn answers(dir: &Path, flags: &[&str]) -> Vec<(bool, String)> {
    let mut args = vec!["reach", "cluster.yaml", "--query", "q.json"];
    args.extend(flags);
    let run = netpolc(dir, &args).expect(0);
    let serde_json::Value::Array(out) = serde_json::from_str(&run.stdout).unwrap() else {
        panic!("{}", run.stdout)
    };
    out.iter()
        .map(|a| {
            (
                a["allowed"].as_bool().unwrap(),
                a["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn query_reasons_name_the_host_network_exactly_when_the_reading_decides() {
    let dir = cluster_dir();
    let default = answers(dir.path(), &[]);
    let selecting = answers(dir.path(), &["--select-host-network"]);
    // The agent is admitted by its labels only when it is read as a pod.
    assert!(!default[0].0 && selecting[0].0, "{default:?} {selecting:?}");
    assert!(
        default[0].1.ends_with(
            "x/agent uses the host network, read as node traffic that pod selectors never \
             select nor match; on a plugin that selects such pods like any pod \
             (--select-host-network) it would be allowed"
        ),
        "{}",
        default[0].1
    );
    assert!(
        selecting[0].1.ends_with(
            "x/agent uses the host network, selected and matched like any pod \
             (--select-host-network); read as node traffic (the default) it would be denied"
        ),
        "{}",
        selecting[0].1
    );
    // An ordinary pod, and the agent where no policy decides anything: both readings
    // agree, and the reason says nothing of the host network.
    for (i, (allowed, reason)) in default.iter().enumerate().skip(1) {
        assert_eq!((allowed, reason), (&selecting[i].0, &selecting[i].1));
        assert!(*allowed, "{reason}");
        assert!(!reason.contains("host network"), "{reason}");
    }
}

#[test]
fn explain_says_when_the_reading_decides_and_how_it_read_the_pod() {
    let dir = cluster_dir();
    let args = ["explain", "cluster.yaml", "x/agent", "x/server", "tcp/80"];
    let default = netpolc(dir.path(), &args).expect(0).stdout;
    assert!(
        default.starts_with("DENIED: x/agent -> x/server"),
        "{default}"
    );
    assert!(
        default.contains("uses the host network: NetworkPolicy treats it as node traffic"),
        "{default}"
    );
    assert!(
        default
            .contains("\nthe reading of hostNetwork pods decides: x/agent uses the host network"),
        "{default}"
    );
    let mut flagged = args.to_vec();
    flagged.push("--select-host-network");
    let selecting = netpolc(dir.path(), &flagged).expect(0).stdout;
    assert!(
        selecting.starts_with("ALLOWED: x/agent -> x/server"),
        "{selecting}"
    );
    assert!(
        selecting.contains("uses the host network: selected like any pod (--select-host-network)"),
        "{selecting}"
    );
    assert!(selecting.contains("read as node traffic (the default) it would be denied"));
    // Towards an outside address nothing selects the agent under either reading.
    let outside = [
        "explain",
        "cluster.yaml",
        "x/agent",
        "203.0.113.9",
        "tcp/443",
    ];
    let text = netpolc(dir.path(), &outside).expect(0).stdout;
    assert!(text.starts_with("ALLOWED"), "{text}");
    assert!(!text.contains("decides"), "{text}");
}

#[test]
fn the_setting_reads_as_the_flag_and_a_bad_value_is_refused() {
    let dir = cluster_dir();
    let flagged = answers(dir.path(), &["--select-host-network"]);
    std::fs::write(
        dir.path().join("hosts.toml"),
        "select-host-network = true\n",
    )
    .unwrap();
    assert_eq!(answers(dir.path(), &["--config", "hosts.toml"]), flagged);
    // `./netpolc.toml` is the default, for explain too.
    std::fs::write(
        dir.path().join("netpolc.toml"),
        "select-host-network = true\n",
    )
    .unwrap();
    assert_eq!(answers(dir.path(), &[]), flagged);
    let args = ["explain", "cluster.yaml", "x/agent", "x/server", "tcp/80"];
    let text = netpolc(dir.path(), &args).expect(0).stdout;
    assert!(text.starts_with("ALLOWED"), "{text}");
    // `false` is the default reading.
    std::fs::write(
        dir.path().join("netpolc.toml"),
        "select-host-network = false\n",
    )
    .unwrap();
    assert!(!answers(dir.path(), &[])[0].0);
    std::fs::write(
        dir.path().join("netpolc.toml"),
        "select-host-network = \"yes\"\n",
    )
    .unwrap();
    let run = netpolc(dir.path(), &["reach", "cluster.yaml"]).expect(2);
    assert!(run.stderr.contains("error[NP0501]"), "{}", run.stderr);
    assert!(run.stderr.contains("netpolc.toml"), "{}", run.stderr);
}

/// A program whose server takes port 80 from anywhere, and policies that write
/// "anywhere" as every namespace's pods and every address: on plugins whose ipBlocks
/// never match pods, a hostNetwork pod read as node traffic is matched by neither.
const PROGRAM: &str = "namespace x {\n  isolate ingress\n  anywhere may talk to server on 80\n}\n";
const WRITTEN: &str = "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default, namespace: x}
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: server, namespace: x}
spec:
  podSelector: {matchLabels: {app: server}}
  policyTypes: [Ingress]
  ingress:
  - from: [{namespaceSelector: {}}, {ipBlock: {cidr: 0.0.0.0/0}}, {ipBlock: {cidr: '::/0'}}]
    ports: [{port: 80}]
";

#[test]
fn check_proves_both_readings_by_default_and_the_pods_reading_alone_with_the_flag() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("p.npl"), PROGRAM).unwrap();
    std::fs::write(dir.path().join("written.yaml"), WRITTEN).unwrap();
    let check = ["check", "p.npl", "--policies", "written.yaml"];
    let run = netpolc(dir.path(), &check).expect(1);
    let e = &run.stderr;
    assert!(e.contains("from a hostNetwork pod at"), "{e}");
    assert!(
        e.contains("the other end uses the host network, read as node traffic"),
        "{e}"
    );
    assert!(e.contains("whose ipBlocks never match pod IPs"), "{e}");
    let mut flagged = check.to_vec();
    flagged.push("--select-host-network");
    let run = netpolc(dir.path(), &flagged).expect(0);
    assert!(
        run.stderr.contains("exactly what the program says"),
        "{}",
        run.stderr
    );
    std::fs::write(
        dir.path().join("netpolc.toml"),
        "select-host-network = true\n",
    )
    .unwrap();
    netpolc(dir.path(), &check).expect(0);
}

#[test]
fn a_difference_elsewhere_has_no_host_network_note_and_replays_under_the_flag() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("p.npl"), PROGRAM).unwrap();
    std::fs::write(
        dir.path().join("written.yaml"),
        WRITTEN.replace("port: 80", "port: 81"),
    )
    .unwrap();
    let args = [
        "check",
        "p.npl",
        "--policies",
        "written.yaml",
        "--select-host-network",
        "--witnesses",
        "cx",
    ];
    let run = netpolc(dir.path(), &args).expect(1);
    let e = &run.stderr;
    assert!(e.contains("on TCP 80") && e.contains("on TCP 81"), "{e}");
    assert!(!e.contains("host network"), "{e}");
    let replays: Vec<&str> = e
        .lines()
        .filter_map(|l| l.split_once("replay it: netpolc ").map(|(_, c)| c))
        .collect();
    assert!(!replays.is_empty(), "{e}");
    for replay in replays {
        assert!(replay.ends_with(" --select-host-network"), "{replay}");
        let words: Vec<&str> = replay.split(' ').collect();
        let text = netpolc(dir.path(), &words).expect(0).stdout;
        assert!(
            text.starts_with("ALLOWED") || text.starts_with("DENIED"),
            "{text}"
        );
    }
}

/// A repository whose program takes port 80 from anywhere at HEAD and, in the work tree,
/// from every namespace's pods and every address instead.
fn anywhere_rewritten() -> Repo {
    let repo = Repo::new();
    repo.write("policies/p.npl", PROGRAM);
    repo.commit("anywhere");
    repo.write(
        "policies/p.npl",
        &PROGRAM.replace("anywhere may", "cluster, 0.0.0.0/0, ::/0 may"),
    );
    repo
}

#[test]
fn diff_compares_under_the_reading_asked_for() {
    let repo = anywhere_rewritten();
    let changed = repo.netpolc(&["diff", "--no-ipblock-pods"]).expect(1);
    assert!(
        changed.stdout.contains(
            "may no longer accept connections from hostNetwork pods (node addresses) on TCP 80"
        ),
        "{}",
        changed.stdout
    );
    let same = repo
        .netpolc(&["diff", "--no-ipblock-pods", "--select-host-network"])
        .expect(0);
    assert!(
        same.stdout.contains("The meaning is unchanged"),
        "{}",
        same.stdout
    );
    assert!(
        !same.stderr.contains("select-host-network"),
        "{}",
        same.stderr
    );
}

#[test]
fn diff_reads_the_setting_at_head_and_says_when_base_read_otherwise() {
    let repo = anywhere_rewritten();
    repo.write("netpolc.toml", "select-host-network = true\n");
    let run = repo.netpolc(&["diff", "--no-ipblock-pods"]).expect(0);
    assert!(
        run.stderr.contains(
            "note: `select-host-network` changes between base and head: both sides are \
             compared with hostNetwork pods read as head's settings say (pods that policies \
             select and match)"
        ),
        "{}",
        run.stderr
    );
    // Committed at both sides: nothing to say.
    repo.commit("settings");
    repo.write("policies/p.npl", PROGRAM);
    let run = repo.netpolc(&["diff", "--no-ipblock-pods"]).expect(0);
    assert!(!run.stderr.contains("note:"), "{}", run.stderr);
}
