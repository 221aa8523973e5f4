//! Public NetworkPolicy sets, written as programs (`tests/it/realworld/<set>/<variant>.npl`,
//! README there), proved equal to their upstream YAML (`../shared/corpus/realworld/<set>/
//! <variant>/upstream.yaml`) by `netpolc check` as a user runs it: in the set's directory,
//! so that its `netpolc.toml` applies. Each program draws exactly the warnings listed in
//! `PROGRAMS`, each one right for the reason written beside it. Every upstream file needs a
//! program and every program its upstream file and its entry, so nothing is left out
//! silently. Without `../shared` (a user's clone) the test says so and passes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A warning a program must draw: its code, where it points, and words of its message.
struct Warning {
    code: &'static str,
    line: usize,
    column: usize,
    says: &'static str,
}

const fn warning(code: &'static str, line: usize, column: usize, says: &'static str) -> Warning {
    Warning {
        code,
        line,
        column,
        says,
    }
}

/// NP0403 on pods that nothing lets resolve names: the upstream policies close their egress
/// and allow no port 53 either, so the warning says what the YAML means.
const fn no_dns(line: usize, column: usize, pods: &'static str) -> Warning {
    warning("NP0403", line, column, pods)
}

/// Every program, by `<set>/<variant>`, with the warnings it draws (none but these).
const PROGRAMS: &[(&str, &[Warning])] = &[
    ("ahmetb-recipes/01-deny-all-traffic-to-an-application", &[]),
    ("ahmetb-recipes/02-limit-traffic-to-an-application", &[]),
    ("ahmetb-recipes/02a-allow-all-traffic-to-an-application", &[]),
    ("ahmetb-recipes/03-deny-all-non-whitelisted-traffic-in-the-namespace", &[]),
    ("ahmetb-recipes/03b-deny-all-ingress-null-list", &[]),
    ("ahmetb-recipes/04-deny-traffic-from-other-namespaces", &[]),
    ("ahmetb-recipes/05-allow-traffic-from-all-namespaces", &[]),
    ("ahmetb-recipes/05b-allow-all-namespaces-empty-from", &[]),
    ("ahmetb-recipes/06-allow-traffic-from-a-namespace", &[]),
    ("ahmetb-recipes/07-allow-traffic-from-some-pods-in-another-namespace", &[]),
    ("ahmetb-recipes/07b-allow-from-namespace-or-pods", &[]),
    ("ahmetb-recipes/08-allow-external-traffic", &[]),
    ("ahmetb-recipes/08b-allow-external-traffic-port-80", &[]),
    ("ahmetb-recipes/09-allow-traffic-only-to-a-port", &[]),
    ("ahmetb-recipes/09b-allow-traffic-only-to-a-named-port", &[]),
    ("ahmetb-recipes/10-allowing-traffic-with-multiple-selectors", &[]),
    // `egress: []` on app=foo: the recipe's own text says that this drops DNS too.
    (
        "ahmetb-recipes/11-deny-egress-traffic-from-an-application",
        &[no_dns(4, 3, "`default/foo` is isolated for egress")],
    ),
    ("ahmetb-recipes/11b-deny-egress-traffic-from-an-application-allow-dns", &[]),
    // `egress: []` on every pod of `default`: the recipe warns that DNS is dropped as well.
    (
        "ahmetb-recipes/12-deny-all-non-whitelisted-traffic-from-the-namespace",
        &[no_dns(4, 3, "`default/*` is isolated for egress")],
    ),
    ("ahmetb-recipes/14-deny-external-egress-traffic", &[]),
    ("ahmetb-recipes/14b-deny-external-egress-traffic-as-described", &[]),
    ("argo-cd/ha-install", &[]),
    ("argo-cd/install", &[]),
    ("k8s-docs/and-selectors", &[]),
    ("k8s-docs/network-policy-allow-all-egress", &[]),
    ("k8s-docs/network-policy-allow-all-egress-deny-all-ingress", &[]),
    ("k8s-docs/network-policy-allow-all-ingress", &[]),
    // "Default deny all ingress and all egress traffic": every pod of `default`, closed.
    (
        "k8s-docs/network-policy-default-deny-all",
        &[no_dns(4, 3, "`default/*` is isolated for egress")],
    ),
    // "Default deny all egress traffic": every pod of `default`, closed for egress.
    (
        "k8s-docs/network-policy-default-deny-egress",
        &[no_dns(3, 3, "`default/*` is isolated for egress")],
    ),
    ("k8s-docs/network-policy-default-deny-ingress", &[]),
    // role=db may open TCP 32000-32768 towards 10.0.0.0/24 only: no UDP at all.
    (
        "k8s-docs/networkpolicy-multiport-egress",
        &[no_dns(
            4,
            3,
            "`pods(role=db) in namespace default` is isolated for egress",
        )],
    ),
    // role=db may open TCP 5978 towards 10.0.0.0/24 only: no UDP at all.
    (
        "k8s-docs/networkpolicy",
        &[no_dns(
            10,
            3,
            "`pods(role=db) in namespace default` is isolated for egress",
        )],
    ),
    ("k8s-docs/nginx-policy", &[]),
    ("k8s-docs/or-selectors", &[]),
    ("kube-prometheus/policies", &[]),
    // `deny-all` closes every pod of the namespace both ways and only the services'
    // policies open egress: any other pod there cannot resolve names. The warning names
    // exactly those pods, not the services.
    (
        "online-boutique/helm-advanced",
        &[no_dns(
            10,
            3,
            "the pods of `onlineboutique/*` other than `adservice`, `cartservice`, `checkoutservice`, `currencyservice`, `emailservice`, `frontend`, `loadgenerator`, `opentelemetrycollector`, `paymentservice`, `productcatalogservice`, `recommendationservice`, `shippingservice` are isolated for egress",
        )],
    ),
    (
        "online-boutique/helm-default",
        &[no_dns(
            9,
            3,
            "the pods of `onlineboutique/*` other than `adservice`, `cartservice`, `checkoutservice`, `currencyservice`, `emailservice`, `frontend`, `loadgenerator`, `paymentservice`, `productcatalogservice`, `recommendationservice`, `redis-cart`, `shippingservice` are isolated for egress",
        )],
    ),
    (
        "online-boutique/kustomize",
        &[no_dns(
            8,
            3,
            "the pods of `default/*` other than `adservice`, `cartservice`, `checkoutservice`, `currencyservice`, `emailservice`, `frontend`, `loadgenerator`, `paymentservice`, `productcatalogservice`, `recommendationservice`, `redis-cart`, `shippingservice` are isolated for egress",
        )],
    ),
];

/// The programs' directory.
fn programs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/realworld")
}

/// The third-party corpus, beside the clone (`../shared/corpus`).
fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    out.sort();
    out
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

/// `<set>/<variant>` of every `.npl` under the programs' directory; any other file but a
/// set's README or `netpolc.toml` fails, so that nothing there goes unread.
fn programs() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for set in sorted_entries(&programs_dir()) {
        if !set.is_dir() {
            assert_eq!(file_name(&set), "README.md", "unexpected file {set:?}");
            continue;
        }
        for file in sorted_entries(&set) {
            let name = file_name(&file);
            if let Some(variant) = name.strip_suffix(".npl") {
                out.insert(format!("{}/{variant}", file_name(&set)));
            } else {
                assert!(
                    name == "netpolc.toml" || name == "README.md",
                    "unexpected file {file:?}: a program ends in .npl"
                );
            }
        }
    }
    out
}

/// `<set>/<variant>` of every `<set>/<variant>/upstream.yaml` of the corpus.
fn upstream_files(corpus: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for set in sorted_entries(corpus).into_iter().filter(|p| p.is_dir()) {
        for variant in sorted_entries(&set).into_iter().filter(|p| p.is_dir()) {
            if variant.join("upstream.yaml").is_file() {
                out.insert(format!("{}/{}", file_name(&set), file_name(&variant)));
            }
        }
    }
    out
}

/// One diagnostic line of `--message-format short` after `FILE:`: `LINE:COLUMN:
/// SEVERITY[CODE]: MESSAGE`.
#[derive(Debug)]
struct Printed {
    line: usize,
    column: usize,
    severity: String,
    code: String,
    message: String,
}

fn parse_short(after_file: &str) -> Option<Printed> {
    let (place, rest) = after_file.split_once(": ")?;
    let (line_no, column) = place.split_once(':')?;
    let (line_no, column) = (line_no.parse().ok()?, column.parse().ok()?);
    let (head, message) = rest.split_once(": ")?;
    let (severity, code) = head.strip_suffix(']')?.split_once('[')?;
    Some(Printed {
        line: line_no,
        column,
        severity: severity.to_owned(),
        code: code.to_owned(),
        message: message.to_owned(),
    })
}

/// `netpolc check <variant>.npl --policies UPSTREAM`, in the set's directory; the problems
/// with its result, if any.
fn check(id: &str, upstream: &Path, expected: &[Warning]) -> Vec<String> {
    let (set, variant) = id.split_once('/').expect("<set>/<variant>");
    let program = format!("{variant}.npl");
    let out = Command::new(env!("CARGO_BIN_EXE_netpolc"))
        .args(["check", &program, "--policies"])
        .arg(upstream)
        .args(["--message-format", "short"])
        .current_dir(programs_dir().join(set))
        .env("NO_COLOR", "1")
        .output()
        .expect("netpolc runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let said = || format!("{id}: stdout:\n{stdout}\nstderr:\n{stderr}");
    let mut problems = Vec::new();
    if out.status.code() != Some(0) {
        problems.push(format!("exit {:?}, not 0: {}", out.status.code(), said()));
        return problems;
    }
    // Every line that is not a diagnostic's help or note (indented) is a diagnostic of the
    // program, or the proof's verdict; anything else (an error, a note on the YAML) fails.
    let mut printed = Vec::new();
    let mut proved = false;
    for line in stderr.lines().chain(stdout.lines()) {
        if line.is_empty() || line.starts_with(' ') {
            continue;
        }
        if line.ends_with("exactly what the program says, for every cluster") {
            proved = true;
        } else if let Some(p) = line
            .strip_prefix(&program)
            .and_then(|rest| rest.strip_prefix(':'))
            .and_then(parse_short)
        {
            printed.push(p);
        } else {
            problems.push(format!("unexpected line {line:?}: {}", said()));
        }
    }
    if !proved {
        problems.push(format!("no proof printed: {}", said()));
    }
    let matches = |p: &Printed, w: &Warning| {
        p.severity == "warning"
            && p.code == w.code
            && (p.line, p.column) == (w.line, w.column)
            && p.message.contains(w.says)
    };
    for p in &printed {
        if !expected.iter().any(|w| matches(p, w)) {
            problems.push(format!("unexpected {p:?}: {}", said()));
        }
    }
    for w in expected {
        if !printed.iter().any(|p| matches(p, w)) {
            problems.push(format!(
                "expected {} at {}:{} saying {:?}, not drawn: {}",
                w.code,
                w.line,
                w.column,
                w.says,
                said()
            ));
        }
    }
    if printed.len() != expected.len() {
        problems.push(format!(
            "{} diagnostics, {} expected: {}",
            printed.len(),
            expected.len(),
            said()
        ));
    }
    problems
}

#[test]
fn every_public_set_is_a_program_proved_equal_to_its_upstream_yaml() {
    let listed: BTreeSet<String> = PROGRAMS.iter().map(|(id, _)| (*id).to_owned()).collect();
    assert_eq!(listed.len(), PROGRAMS.len(), "a program listed twice");
    let programs = programs();
    assert_eq!(
        programs, listed,
        "every program under tests/it/realworld/ has its entry in PROGRAMS, and every entry its program"
    );
    let corpus = corpus_dir();
    if !corpus.is_dir() {
        eprintln!(
            "realworld: skipped: {} is absent (the third-party corpus sits beside the clone, never in it)",
            corpus.display()
        );
        return;
    }
    let corpus = corpus.join("realworld");
    let upstream = upstream_files(&corpus);
    let without_program: Vec<&String> = upstream.difference(&programs).collect();
    let without_yaml: Vec<&String> = programs.difference(&upstream).collect();
    assert!(
        without_program.is_empty() && without_yaml.is_empty(),
        "upstream files without a program: {without_program:?}; programs without an upstream file: {without_yaml:?}"
    );
    let mut failures = Vec::new();
    for (id, expected) in PROGRAMS {
        let (set, variant) = id.split_once('/').expect("<set>/<variant>");
        let yaml = corpus.join(set).join(variant).join("upstream.yaml");
        failures.extend(check(id, &yaml, expected));
    }
    eprintln!(
        "realworld: {} programs checked against their upstream YAML, {} failure(s)",
        PROGRAMS.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
