//! `golden/quoting/`: strings that YAML 1.1 (kubectl's reader) would take for booleans,
//! null or numbers must come out quoted, so that they read back as the same strings.
//! The expected files are compared byte for byte; `NETPOLC_BLESS=1` rewrites them, except
//! under `CI=true`.

use super::{emit_ok, load_output, sel};
use netpolc::emit;
use netpolc::ir::intent::{
    Allowance, Isolation, NamespaceIntent, NamespaceSet, PeerSet, PortAccess, SourceRef,
};
use netpolc::ir::{Intent, PortSet, Protocol};
use netpolc::model::load::{load, Source};
use netpolc::model::{
    Direction, LabelSelector, NamespaceScope, Operator, Peer, PortSpec, Requirement,
};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Label values that YAML 1.1 resolves to something other than a string (and that are
/// valid label values): booleans, null, ints in every base, floats, a timestamp.
const AMBIGUOUS: &[&str] = &[
    "on",
    "off",
    "yes",
    "no",
    "y",
    "n",
    "Y",
    "N",
    "true",
    "false",
    "True",
    "FALSE",
    "null",
    "Null",
    "NULL",
    "1.0",
    "0x10",
    "012",
    "0o17",
    "0b101",
    "1_000",
    "123",
    "1e3",
    "1.5e-3",
    "2001-01-01",
];

fn source(file: &str, line: usize) -> SourceRef {
    SourceRef {
        file: file.into(),
        line,
        statement: format!("statement {line}"),
    }
}

/// The input: namespace `on`, workloads and namespaces with ambiguous names, selectors with
/// ambiguous keys and values, ambiguous named ports, and a source annotation
/// `1: statement 20` (`: ` would end a plain scalar's key).
fn input() -> Intent {
    let everything: Vec<(&str, &str)> = vec![];
    let mut intent = Intent::default();
    let ns = NamespaceIntent {
        isolations: vec![
            Isolation {
                direction: Direction::Ingress,
                pods: sel(&everything),
                source: source("yes.npl", 1),
            },
            Isolation {
                direction: Direction::Egress,
                pods: sel(&[("app", "1.0")]),
                source: source("1", 20),
            },
        ],
        allowances: vec![
            Allowance {
                direction: Direction::Ingress,
                pods: sel(&[("app", "y")]),
                peer: PeerSet::Pods {
                    namespaces: NamespaceSet::Named("null".into()),
                    pods: sel(&[("on", "off"), ("n", "true"), ("y", "012")]),
                },
                ports: PortAccess {
                    numbers: PortSet::single(Protocol::Tcp, 80),
                    named: BTreeSet::from([
                        (Protocol::Tcp, "1e3".to_string()),
                        (Protocol::Udp, "0x10".to_string()),
                        (Protocol::Tcp, "yes".to_string()),
                    ]),
                },
                source: source("yes.npl", 2),
            },
            Allowance {
                direction: Direction::Ingress,
                pods: sel(&[("app", "true")]),
                peer: PeerSet::Pods {
                    namespaces: NamespaceSet::Matching(LabelSelector {
                        match_labels: [("no".to_string(), "yes".to_string())].into(),
                        match_expressions: vec![Requirement {
                            key: "env".into(),
                            operator: Operator::In,
                            values: AMBIGUOUS.iter().map(|v| v.to_string()).collect(),
                        }],
                    }),
                    pods: sel(&[]),
                },
                ports: PortAccess::all(),
                source: source("yes.npl", 3),
            },
        ],
    };
    intent.namespaces.insert("on".into(), ns);
    intent
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../golden/quoting")
}

/// Compares `actual` with the expected file, or rewrites it when blessing.
fn check(name: &str, actual: &str) {
    let path = dir().join(name);
    let bless = std::env::var("NETPOLC_BLESS").is_ok_and(|v| v == "1")
        && std::env::var("CI").map_or(true, |v| v != "true");
    if bless {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (bless with NETPOLC_BLESS=1)", path.display()));
    assert!(
        expected == actual,
        "{} differs (bless with NETPOLC_BLESS=1 after checking the change):\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

#[test]
fn ambiguous_strings_are_quoted_and_read_back_unchanged() {
    let out = emit_ok(&input());
    let stream = emit::stream(&out);
    check("expected.yaml", &stream);
    check(
        "expected-kustomization.yaml",
        out.files
            .get("kustomization.yaml")
            .expect("root kustomization"),
    );
    load_output(&out);

    // Read back what was written, as kubectl would: YAML 1.1.
    let text = std::fs::read_to_string(dir().join("expected.yaml")).expect("golden file");
    let c = load(&[Source {
        name: "expected.yaml".into(),
        bytes: text.into_bytes(),
    }])
    .expect("golden file loads");
    let ids: Vec<String> = c.policies.iter().map(|p| p.id()).collect();
    assert_eq!(ids, vec!["on/1.0", "on/default", "on/true", "on/y"]);
    let by_name = |n: &str| c.policies.iter().find(|p| p.name == n).expect("policy");
    assert_eq!(by_name("1.0").pod_selector, sel(&[("app", "1.0")]));
    assert_eq!(by_name("true").pod_selector, sel(&[("app", "true")]));
    let y = by_name("y");
    assert_eq!(y.pod_selector, sel(&[("app", "y")]));
    let rule = &y.ingress[0];
    assert_eq!(
        rule.peers,
        Some(vec![Peer::Pods {
            namespaces: NamespaceScope::Matching(sel(&[("kubernetes.io/metadata.name", "null")])),
            pods: sel(&[("on", "off"), ("n", "true"), ("y", "012")]),
        }])
    );
    let ports: Vec<PortSpec> = rule
        .ports
        .iter()
        .flatten()
        .map(|p| p.port.clone())
        .collect();
    assert_eq!(
        ports,
        vec![
            PortSpec::Numbers { start: 80, end: 80 },
            PortSpec::Named("1e3".into()),
            PortSpec::Named("yes".into()),
            PortSpec::Named("0x10".into()),
        ]
    );
    let Some(Peer::Pods {
        namespaces: NamespaceScope::Matching(ns),
        ..
    }) = by_name("true").ingress[0]
        .peers
        .as_ref()
        .and_then(|p| p.first())
    else {
        panic!("namespace peer expected")
    };
    assert_eq!(ns.match_labels.get("no").map(String::as_str), Some("yes"));
    let mut values = ns.match_expressions[0].values.clone();
    values.sort();
    let mut expected: Vec<String> = AMBIGUOUS.iter().map(|v| v.to_string()).collect();
    expected.sort();
    assert_eq!(values, expected);
}
