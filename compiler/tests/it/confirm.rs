//! Confirmation: for every example program (`examples/*.npl`), the NetworkPolicies netpolc
//! emits mean, on sampled concrete clusters, what the program means.
//!
//! Two independent readings meet here: the engine (`verify::engine`, the Kubernetes rules)
//! reads the emitted manifests, and the oracle (`verify::intent`, the language contract's
//! "Meaning") reads the resolved program. The sample (`verify::sample`) is a cluster whose
//! namespaces and pods meet and miss every selector of the program, probed on every port
//! and address edge. Both plugin behaviours for address blocks over pod IPs are checked.
//! A failure prints each disagreeing connection with both verdicts, the statements behind
//! the oracle's and the policies behind the engine's, and the seed that replays it.

use netpolc::model::{self, Cluster, Source};
use netpolc::pipeline::{compile, Compiled, ProgramFile, Settings};
use netpolc::verify::intent::{compare, Mismatch, Oracle};
use netpolc::verify::sample::{sample_cluster, Sample};
use netpolc::verify::{Endpoint, Engine, Options};
use std::path::PathBuf;

/// Seeds per example; each gives another labelling, other ports and other addresses.
const SEEDS: u64 = 6;

/// Mismatches printed per failing run (the rest are counted).
const SHOWN: usize = 8;

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// Every `examples/*.npl`, sorted by name.
fn examples() -> Vec<ProgramFile> {
    let entries = match std::fs::read_dir(examples_dir()) {
        Ok(e) => e,
        Err(e) => panic!("examples/: {e}"),
    };
    let mut out: Vec<ProgramFile> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "npl"))
        .map(|p| ProgramFile {
            name: format!(
                "examples/{}",
                p.file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
            ),
            bytes: std::fs::read(&p).unwrap_or_default(),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn compiled(file: &ProgramFile) -> Compiled {
    match compile(std::slice::from_ref(file), &Settings::default()) {
        Ok(c) => c,
        Err(failed) => {
            let errors: Vec<String> = failed.errors().map(|d| format!("{d:?}")).collect();
            panic!("{} does not compile:\n{}", file.name, errors.join("\n"))
        }
    }
}

/// The sample cluster with these manifests applied.
fn cluster(sample: &Sample, seed: u64, manifests: &[(String, String)]) -> Cluster {
    let mut sources = vec![Source {
        name: format!("sample-seed-{seed}.yaml"),
        bytes: sample.yaml.clone().into_bytes(),
    }];
    sources.extend(manifests.iter().map(|(name, yaml)| Source {
        name: name.clone(),
        bytes: yaml.clone().into_bytes(),
    }));
    match model::load(&sources) {
        Ok(c) => c,
        Err(errors) => {
            panic!("seed {seed}: the sample and manifests do not load:\n{errors:#?}")
        }
    }
}

fn endpoint(c: &Cluster, e: Endpoint) -> String {
    match e {
        Endpoint::Address(ip) => format!("address {ip}"),
        Endpoint::Workload(i) => c.workloads.get(i).map_or_else(
            || format!("workload #{i}"),
            |w| {
                let labels: Vec<String> =
                    w.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let ns_labels: Vec<String> = c
                    .namespaces
                    .get(&w.namespace)
                    .map(|n| n.labels.iter().map(|(k, v)| format!("{k}={v}")).collect())
                    .unwrap_or_default();
                let ports: Vec<String> = w
                    .ports
                    .iter()
                    .map(|p| {
                        format!(
                            "{}:{}/{}",
                            p.name.as_deref().unwrap_or("-"),
                            p.port,
                            p.protocol.as_k8s()
                        )
                    })
                    .collect();
                format!(
                    "pod {} {{{}}} ip {:?} ports [{}] (namespace labels {{{}}})",
                    w.id(),
                    labels.join(","),
                    w.ips,
                    ports.join(" "),
                    ns_labels.join(",")
                )
            },
        ),
    }
}

/// The engine's side of a verdict: which policies select each end and which rules allow.
fn engine_reason(engine: &Engine<'_>, c: &Cluster, m: &Mismatch) -> String {
    let Ok(conn) = engine.connection(m.fact.src, m.fact.dst, None) else {
        return "engine: no pod in this connection".into();
    };
    let policy = |i: &usize| {
        c.policies
            .get(*i)
            .map_or_else(|| format!("#{i}"), |p| p.id())
    };
    let mut lines = Vec::new();
    for f in &conn.per_family {
        for (what, side) in [("Egress", &f.egress), ("Ingress", &f.ingress)] {
            let Some(side) = side else { continue };
            let selecting: Vec<String> = side.selecting.iter().map(policy).collect();
            let rules: Vec<String> = side
                .rules
                .iter()
                .map(|r| {
                    format!(
                        "{} {} rule {}",
                        policy(&r.policy),
                        r.direction.as_k8s(),
                        r.rule
                    )
                })
                .collect();
            lines.push(format!(
                "  engine {what} ({:?}): selected by [{}]; ports allowed {} by [{}]",
                f.family,
                selecting.join(", "),
                side.ports,
                rules.join(", ")
            ));
        }
    }
    lines.join("\n")
}

/// Compares the engine on `manifests` with the oracle on `compiled.program`, on one sample,
/// for one plugin behaviour; a report of every disagreement, or `None`.
fn disagreements(
    name: &str,
    program: &netpolc::resolve::hir::Program,
    manifests: &[(String, String)],
    seed: u64,
    options: Options,
) -> Option<String> {
    let sample = sample_cluster(program, seed);
    let c = cluster(&sample, seed, manifests);
    let engine = Engine::new(&c, options);
    let map = engine.reach_map();
    let oracle = Oracle::new(program, &c, options);
    let found = compare(&oracle, &map, &sample.probe);
    if found.is_empty() {
        return None;
    }
    let mut out = format!(
        "{name}, seed {seed}, ipblock_matches_pods {}: {} disagreements",
        options.ipblock_matches_pods,
        found.len()
    );
    for m in found.iter().take(SHOWN) {
        let f = m.fact;
        out.push_str(&format!(
            "\n- {} -> {} on {}/{}: engine {}, oracle {}\n  from {}\n  to   {}\n{}\n{}",
            endpoint(&c, f.src)
                .split(' ')
                .take(2)
                .collect::<Vec<_>>()
                .join(" "),
            endpoint(&c, f.dst)
                .split(' ')
                .take(2)
                .collect::<Vec<_>>()
                .join(" "),
            f.protocol.as_k8s(),
            f.port,
            verdict(m.engine),
            verdict(m.oracle),
            endpoint(&c, f.src),
            endpoint(&c, f.dst),
            oracle.explain(f.src, f.dst, f.protocol, f.port),
            engine_reason(&engine, &c, m),
        ));
    }
    Some(out)
}

fn verdict(allowed: bool) -> &'static str {
    if allowed {
        "allows"
    } else {
        "denies"
    }
}

const PLUGINS: [Options; 2] = [
    Options {
        ipblock_matches_pods: true,
        select_host_network: false,
    },
    Options {
        ipblock_matches_pods: false,
        select_host_network: false,
    },
];

fn confirm(
    name: &str,
    program: &netpolc::resolve::hir::Program,
    manifests: &[(String, String)],
) -> Vec<String> {
    let mut reports = Vec::new();
    for seed in 0..SEEDS {
        for options in PLUGINS {
            reports.extend(disagreements(name, program, manifests, seed, options));
        }
    }
    reports
}

#[test]
fn every_example_compiles_and_says_what_it_is() {
    let files = examples();
    assert!(files.len() >= 11, "{} examples", files.len());
    for file in &files {
        let text = String::from_utf8_lossy(&file.bytes);
        assert!(
            text.starts_with("# "),
            "{} must open with its comment block",
            file.name
        );
        assert!(
            text.contains("Scenario:") && text.contains("Meaning:"),
            "{}",
            file.name
        );
        let c = compiled(file);
        assert!(!c.program.statements.is_empty(), "{}", file.name);
    }
}

/// The end-to-end confirmation of every example.
#[test]
fn every_example_means_what_it_says_on_sampled_clusters() {
    // One thread per example: each run is independent, and debug builds are slow.
    let reports: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = examples()
            .into_iter()
            .map(|file| {
                (
                    file.name.clone(),
                    scope.spawn(move || confirm_example(&file)),
                )
            })
            .collect();
        runs.into_iter()
            .flat_map(|(name, run)| {
                run.join()
                    .unwrap_or_else(|_| vec![format!("{name}: the check panicked (see above)")])
            })
            .collect()
    });
    assert!(reports.is_empty(), "\n{}", reports.join("\n\n"));
}

fn confirm_example(file: &ProgramFile) -> Vec<String> {
    let c = compiled(file);
    let manifests: Vec<(String, String)> = c
        .output
        .manifests
        .iter()
        .map(|m| (format!("{}/{}.yaml", m.namespace, m.name), m.yaml.clone()))
        .collect();
    if !c.intent.namespaces.is_empty() && manifests.is_empty() {
        return vec![format!(
            "{}: the program shapes namespaces but nothing was emitted",
            file.name
        )];
    }
    confirm(&file.name, &c.program, &manifests)
}

// What a correct emitter writes for `examples/shop.npl`, by hand: the harness checked on the
// real resolved program before emission lands, and shown to catch a wrong policy.

const SHOP_ISOLATE: &str = r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: isolate, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  egress:
    - to: [{ipBlock: {cidr: 8.8.8.8/32}}]
"#;

const SHOP_APP: &str = r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: app, namespace: shop}
spec:
  podSelector: {matchLabels: {app: app}}
  policyTypes: [Egress]
  egress:
    - to: [{podSelector: {matchLabels: {app: db}}}]
      ports: [{port: 5432}]
"#;

const SHOP_DB: &str = r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
    - from: [{podSelector: {matchLabels: {app: app}}}]
      ports: [{port: 5432}]
"#;

fn shop() -> Compiled {
    let file = examples()
        .into_iter()
        .find(|f| f.name == "examples/shop.npl");
    match file {
        Some(f) => compiled(&f),
        None => panic!("examples/shop.npl is missing"),
    }
}

fn hand(docs: &[&str]) -> Vec<(String, String)> {
    docs.iter()
        .enumerate()
        .map(|(i, d)| (format!("hand-{i}.yaml"), d.to_string()))
        .collect()
}

#[test]
fn shop_with_hand_written_policies_means_what_it_says() {
    let c = shop();
    let reports = confirm(
        "examples/shop.npl",
        &c.program,
        &hand(&[SHOP_ISOLATE, SHOP_APP, SHOP_DB]),
    );
    assert!(reports.is_empty(), "\n{}", reports.join("\n\n"));
}

#[test]
fn a_wrong_policy_for_shop_is_caught_with_a_counterexample() {
    let c = shop();
    // The database accepts `app` pods of every namespace, not only of `shop` (an emitter
    // that put `namespaceSelector: {}` where the peer's namespace is `shop`).
    let any_ns = SHOP_DB.replace(
        "from: [{podSelector:",
        "from: [{namespaceSelector: {}, podSelector:",
    );
    let reports = confirm(
        "examples/shop.npl",
        &c.program,
        &hand(&[SHOP_ISOLATE, SHOP_APP, &any_ns]),
    );
    assert!(!reports.is_empty());
    let first = &reports[0];
    assert!(
        first.contains("on TCP/5432: engine allows, oracle denies"),
        "{first}"
    );
    assert!(first.contains("Ingress of shop/"), "{first}");
    assert!(
        first.contains("isolated by [examples/shop.npl:15"),
        "{first}"
    );
    assert!(
        first.contains("engine Ingress (Some(V4)): selected by [shop/db, shop/isolate]"),
        "{first}"
    );
    // Forgetting the egress allowance towards 8.8.8.8 is caught too.
    let closed = SHOP_ISOLATE.replace("  egress:\n    - to: [{ipBlock: {cidr: 8.8.8.8/32}}]\n", "");
    let reports = confirm(
        "examples/shop.npl",
        &c.program,
        &hand(&[&closed, SHOP_APP, SHOP_DB]),
    );
    let caught = reports
        .iter()
        .any(|r| r.contains("-> address 8.8.8.8") && r.contains("engine denies, oracle allows"));
    assert!(caught, "{reports:?}");
}

use crate::kit::program;

/// Random programs checked per run.
const RANDOM_PROGRAMS: u64 = 48;

fn random_file(seed: u64) -> ProgramFile {
    ProgramFile {
        name: format!("random-{seed}.npl"),
        bytes: program::program(seed).into_bytes(),
    }
}

#[test]
fn every_random_program_compiles() {
    for seed in 0..RANDOM_PROGRAMS {
        let file = random_file(seed);
        if let Err(failed) = compile(std::slice::from_ref(&file), &Settings::default()) {
            let errors: Vec<String> = failed.errors().map(|d| format!("{d:?}")).collect();
            panic!(
                "{}\n{}\n{}",
                file.name,
                String::from_utf8_lossy(&file.bytes),
                errors.join("\n")
            );
        }
    }
}

/// Random programs through the whole pipeline, each on one sample (its own seed) under both
/// plugin behaviours.
#[test]
fn random_programs_mean_what_they_say_on_sampled_clusters() {
    let reports: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..RANDOM_PROGRAMS)
            .map(|seed| (seed, scope.spawn(move || confirm_random(seed))))
            .collect();
        runs.into_iter()
            .flat_map(|(seed, run)| {
                run.join()
                    .unwrap_or_else(|_| vec![format!("random-{seed}: the check panicked")])
            })
            .collect()
    });
    assert!(reports.is_empty(), "\n{}", reports.join("\n\n"));
}

fn confirm_random(seed: u64) -> Vec<String> {
    let file = random_file(seed);
    let c = compiled(&file);
    let manifests: Vec<(String, String)> = c
        .output
        .manifests
        .iter()
        .map(|m| (format!("{}/{}.yaml", m.namespace, m.name), m.yaml.clone()))
        .collect();
    let text = String::from_utf8_lossy(&file.bytes).into_owned();
    PLUGINS
        .iter()
        .filter_map(|&options| disagreements(&file.name, &c.program, &manifests, seed, options))
        .map(|report| format!("{report}\nthe program:\n{text}"))
        .collect()
}
