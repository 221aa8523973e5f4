//! `emit` against its contract: minimal objects and rules, names, layout, determinism,
//! API-server validity of everything it writes (through the loader's validation), YAML
//! that reads back unchanged (`emit/golden.rs`), and the same meaning as the intent on
//! random intents and clusters (`emit/meaning.rs`); and through `compile` (`emit/pipeline.rs`).

use netpolc::diag::Code;
use netpolc::emit::{self, Options, Output, GENERATED_HEADER};
use netpolc::ir::intent::{
    Allowance, Isolation, NamespaceIntent, NamespaceSet, PeerSet, PortAccess, SourceRef,
};
use netpolc::ir::{AddrSet, Cidr, Intent, PortSet, Protocol};
use netpolc::model::load::{load, Source};
use netpolc::model::{
    Cluster, Direction, LabelSelector, NamespaceScope, NetworkPolicy, Operator, Peer, PortSpec,
    Requirement,
};
use std::collections::BTreeSet;

mod golden;
mod meaning;
mod pipeline;
mod stable;

const IN: Direction = Direction::Ingress;
const EG: Direction = Direction::Egress;

pub fn sel(pairs: &[(&str, &str)]) -> LabelSelector {
    LabelSelector {
        match_labels: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        match_expressions: vec![],
    }
}

pub fn src(line: usize) -> SourceRef {
    SourceRef {
        file: "policies/shop.npl".into(),
        line,
        statement: format!("statement {line}"),
    }
}

pub fn tcp(ports: &[u16]) -> PortAccess {
    PortAccess {
        numbers: ports.iter().fold(PortSet::none(), |acc, p| {
            acc.union(&PortSet::single(Protocol::Tcp, *p))
        }),
        named: BTreeSet::new(),
    }
}

pub fn pods_in(ns: &str, pods: LabelSelector) -> PeerSet {
    PeerSet::Pods {
        namespaces: NamespaceSet::Named(ns.into()),
        pods,
    }
}

pub fn addrs(cidrs: &[&str]) -> PeerSet {
    PeerSet::Addresses(cidrs.iter().fold(AddrSet::none(), |acc, c| {
        acc.union(&AddrSet::cidr(&c.parse::<Cidr>().expect("test CIDR")))
    }))
}

fn iso(d: Direction, pods: LabelSelector, line: usize) -> Isolation {
    Isolation {
        direction: d,
        pods,
        source: src(line),
    }
}

fn allow(
    d: Direction,
    pods: LabelSelector,
    peer: PeerSet,
    ports: PortAccess,
    line: usize,
) -> Allowance {
    Allowance {
        direction: d,
        pods,
        peer,
        ports,
        source: src(line),
    }
}

/// `namespace shop { isolate namespace ... }`: both directions of every pod isolated.
fn shop(allowances: Vec<Allowance>) -> Intent {
    one(
        "shop",
        vec![iso(IN, sel(&[]), 2), iso(EG, sel(&[]), 2)],
        allowances,
    )
}

fn one(ns: &str, isolations: Vec<Isolation>, allowances: Vec<Allowance>) -> Intent {
    let mut intent = Intent::default();
    intent.namespaces.insert(
        ns.into(),
        NamespaceIntent {
            isolations,
            allowances,
        },
    );
    intent
}

pub fn options() -> Options {
    Options {
        workload_labels: Default::default(),
    }
}

pub fn emit_ok(intent: &Intent) -> Output {
    match emit::emit(intent, &options()) {
        Ok(o) => o,
        Err(d) => panic!("emit failed: {d:#?}"),
    }
}

/// Every emitted file through the loader (the API server's validation rules): no error,
/// and one policy per manifest.
pub fn load_output(output: &Output) -> Cluster {
    let sources: Vec<Source> = output
        .files
        .iter()
        .map(|(path, text)| Source {
            name: path.clone(),
            bytes: text.as_bytes().to_vec(),
        })
        .collect();
    let cluster = match load(&sources) {
        Ok(c) => c,
        Err(e) => panic!(
            "emitted YAML does not validate: {e:#?}\n{}",
            emit::stream(output)
        ),
    };
    assert_eq!(cluster.policies.len(), output.manifests.len());
    cluster
}

fn policy<'c>(cluster: &'c Cluster, name: &str) -> &'c NetworkPolicy {
    cluster
        .policies
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no policy {name} in {:?}", names(cluster)))
}

fn names(cluster: &Cluster) -> Vec<String> {
    cluster.policies.iter().map(|p| p.id()).collect()
}

fn file<'o>(output: &'o Output, path: &str) -> &'o str {
    output
        .files
        .get(path)
        .unwrap_or_else(|| panic!("no file {path} in {:?}", output.files.keys()))
}

#[test]
fn namespace_isolation_and_namespace_wide_allowances_share_the_default_object() {
    let out = emit_ok(&shop(vec![
        allow(
            IN,
            sel(&[]),
            pods_in("shop", sel(&[])),
            PortAccess::all(),
            3,
        ),
        allow(EG, sel(&[]), addrs(&["8.8.8.8/32"]), tcp(&[53]), 4),
    ]));
    let c = load_output(&out);
    assert_eq!(names(&c), vec!["shop/default"]);
    let p = policy(&c, "default");
    assert!(p.pod_selector.is_everything());
    assert!(p.isolates_ingress && p.isolates_egress);
    assert_eq!(p.ingress.len(), 1);
    assert_eq!(p.egress.len(), 1);
    assert!(file(&out, "shop/default.yaml").contains(
        "netpolc.io/source: \"policies/shop.npl: statement 2; policies/shop.npl: statement 3; policies/shop.npl: statement 4\"\n"
    ));
}

#[test]
fn peers_that_share_ports_are_one_rule() {
    let out = emit_ok(&shop(vec![
        allow(
            IN,
            sel(&[("app", "db")]),
            pods_in("shop", sel(&[("app", "api")])),
            tcp(&[5432]),
            3,
        ),
        allow(
            IN,
            sel(&[("app", "db")]),
            pods_in("ops", sel(&[])),
            tcp(&[5432]),
            4,
        ),
        allow(
            IN,
            sel(&[("app", "db")]),
            pods_in("shop", sel(&[("app", "batch")])),
            tcp(&[5433]),
            5,
        ),
    ]));
    let c = load_output(&out);
    let db = policy(&c, "db");
    assert_eq!(db.ingress.len(), 2, "{}", emit::stream(&out));
    // Rules are ordered by the peers they admit: `app=api` sorts before `app=batch`.
    let peers = db.ingress[0].peers.as_ref().expect("peers");
    assert_eq!(peers.len(), 2);
    // The policy's own namespace first (podSelector alone), then the other namespace.
    assert_eq!(
        peers[0],
        Peer::Pods {
            namespaces: NamespaceScope::PolicyNamespace,
            pods: sel(&[("app", "api")])
        }
    );
    assert_eq!(
        peers[1],
        Peer::Pods {
            namespaces: NamespaceScope::Matching(sel(&[("kubernetes.io/metadata.name", "ops")])),
            pods: sel(&[])
        }
    );
    // The other namespace's peer has no podSelector: it would only repeat `{}`.
    assert!(file(&out, "shop/db.yaml").contains(
        "    - namespaceSelector:\n        matchLabels:\n          kubernetes.io/metadata.name: ops\n    ports:"
    ));
}

#[test]
fn adjacent_ports_are_one_end_port_range_and_whole_protocols_have_no_port() {
    let mut ports = tcp(&[80, 81, 82, 443]);
    ports.numbers = ports.numbers.union(&PortSet::all_of(Protocol::Udp));
    ports.named.insert((Protocol::Udp, "dns".into())); // held by all of UDP: dropped
    ports.named.insert((Protocol::Sctp, "sig".into()));
    ports.named.insert((Protocol::Tcp, "http".into()));
    let out = emit_ok(&shop(vec![allow(
        EG,
        sel(&[]),
        PeerSet::Everything,
        ports,
        3,
    )]));
    let text = file(&out, "shop/default.yaml");
    let expected = "  egress:
  - ports:
    - endPort: 82
      port: 80
      protocol: TCP
    - port: 443
      protocol: TCP
    - protocol: UDP
    - port: http
      protocol: TCP
    - port: sig
      protocol: SCTP
  podSelector: {}
";
    assert!(text.contains(expected), "{text}");
    let c = load_output(&out);
    let rule = &policy(&c, "default").egress[0];
    assert_eq!(rule.peers, None, "everything: no `to`");
    let got: Vec<PortSpec> = rule
        .ports
        .iter()
        .flatten()
        .map(|p| p.port.clone())
        .collect();
    assert_eq!(
        got,
        vec![
            PortSpec::Numbers { start: 80, end: 82 },
            PortSpec::Numbers {
                start: 443,
                end: 443
            },
            PortSpec::All,
            PortSpec::Named("http".into()),
            PortSpec::Named("sig".into()),
        ]
    );
}

#[test]
fn an_allowance_for_a_workload_in_an_isolated_namespace_is_named_after_it() {
    let out = emit_ok(&shop(vec![allow(
        IN,
        sel(&[("app", "web")]),
        PeerSet::Everything,
        tcp(&[443]),
        3,
    )]));
    let c = load_output(&out);
    assert_eq!(names(&c), vec!["shop/default", "shop/web"]);
    let web = policy(&c, "web");
    assert_eq!(web.pod_selector, sel(&[("app", "web")]));
    assert!(web.isolates_ingress && !web.isolates_egress);
    assert!(policy(&c, "default").ingress.is_empty(), "deny by default");
    assert!(!file(&out, "shop/default.yaml").contains("ingress:"));
}

#[test]
fn duplicated_statements_do_not_duplicate_rules() {
    let a = allow(
        IN,
        sel(&[("app", "db")]),
        pods_in("shop", sel(&[("app", "api")])),
        tcp(&[5432]),
        3,
    );
    let mut b = a.clone();
    b.source = src(7);
    let mut i = shop(vec![a.clone(), b, a]);
    let dup = i.namespaces["shop"].isolations.clone();
    i.namespaces
        .get_mut("shop")
        .expect("shop")
        .isolations
        .extend(dup);
    let out = emit_ok(&i);
    let c = load_output(&out);
    assert_eq!(c.policies.len(), 2);
    let db = policy(&c, "db");
    assert_eq!(db.ingress.len(), 1);
    assert_eq!(db.ingress[0].peers.as_ref().map(Vec::len), Some(1));
    assert!(file(&out, "shop/db.yaml").contains(
        "netpolc.io/source: \"policies/shop.npl: statement 3; policies/shop.npl: statement 7\"\n"
    ));
}

#[test]
fn what_a_wider_rule_allows_is_not_repeated() {
    // `* may talk to db on 5432, 5433` and `api may talk to db on 5432` (egress side): the
    // second adds nothing to the first, so there is no `api` object; its line moves to
    // the object that carries it. Same within one object: a pods peer inside a wider one.
    let db = pods_in("shop", sel(&[("app", "db")]));
    let out = emit_ok(&shop(vec![
        allow(EG, sel(&[]), db.clone(), tcp(&[5432, 5433]), 3),
        allow(EG, sel(&[("app", "api")]), db, tcp(&[5432]), 4),
        allow(EG, sel(&[]), pods_in("shop", sel(&[])), tcp(&[8080]), 5),
        allow(
            EG,
            sel(&[]),
            pods_in("shop", sel(&[("app", "cache")])),
            tcp(&[8080]),
            6,
        ),
        allow(EG, sel(&[]), addrs(&["10.0.0.0/8"]), tcp(&[443]), 7),
        allow(EG, sel(&[]), addrs(&["10.1.0.0/16"]), tcp(&[443]), 8),
    ]));
    let c = load_output(&out);
    assert_eq!(names(&c), vec!["shop/default"]);
    let egress = &policy(&c, "default").egress;
    assert_eq!(egress.len(), 3, "{}", emit::stream(&out));
    for rule in egress {
        assert_eq!(rule.peers.as_ref().map(Vec::len), Some(1));
    }
    let every: Vec<String> = (2..=8)
        .map(|l| format!("policies/shop.npl: statement {l}"))
        .collect();
    assert!(file(&out, "shop/default.yaml").contains(&format!("\"{}\"\n", every.join("; "))));
}

#[test]
fn an_isolation_inside_a_wider_one_with_no_rules_adds_no_object() {
    let out = emit_ok(&one(
        "shop",
        vec![
            iso(IN, sel(&[]), 2),
            iso(IN, sel(&[("app", "web")]), 3),
            iso(EG, sel(&[("app", "web")]), 3),
        ],
        vec![],
    ));
    let c = load_output(&out);
    assert_eq!(names(&c), vec!["shop/default", "shop/web"]);
    let web = policy(&c, "web");
    assert!(!web.isolates_ingress && web.isolates_egress);
    assert!(file(&out, "shop/default.yaml")
        .contains("\"policies/shop.npl: statement 2; policies/shop.npl: statement 3\"\n"));
}

#[test]
fn egress_only_isolation_says_so_explicitly() {
    let out = emit_ok(&one(
        "shop",
        vec![iso(EG, sel(&[("tier", "db")]), 2)],
        vec![],
    ));
    let c = load_output(&out);
    let p = policy(&c, "tier-db");
    assert!(!p.isolates_ingress && p.isolates_egress && p.egress.is_empty());
    assert!(file(&out, "shop/tier-db.yaml").contains("  policyTypes:\n  - Egress\n"));
}

#[test]
fn names_come_from_selectors_and_collisions_are_numbered() {
    let notin = LabelSelector {
        match_labels: Default::default(),
        match_expressions: vec![Requirement {
            key: "env".into(),
            operator: Operator::NotIn,
            values: vec!["dev".into()],
        }],
    };
    let out = emit_ok(&one(
        "shop",
        vec![
            iso(IN, notin, 2),
            iso(IN, sel(&[("tier", "db")]), 3),
            iso(IN, sel(&[("app", "tier-db")]), 4),
        ],
        vec![],
    ));
    let c = load_output(&out);
    assert_eq!(
        names(&c),
        vec!["shop/env-notin-dev", "shop/tier-db", "shop/tier-db-2"]
    );
    // The workload's selector sorts first, so it keeps the plain name.
    assert_eq!(
        policy(&c, "tier-db").pod_selector,
        sel(&[("app", "tier-db")])
    );
}

#[test]
fn layout_headers_and_kustomizations() {
    let mut i = shop(vec![allow(
        IN,
        sel(&[("app", "web")]),
        PeerSet::Everything,
        tcp(&[80]),
        3,
    )]);
    i.namespaces
        .insert("empty".into(), NamespaceIntent::default());
    i.namespaces.insert(
        "api".into(),
        NamespaceIntent {
            isolations: vec![iso(IN, sel(&[]), 9)],
            allowances: vec![],
        },
    );
    let out = emit_ok(&i);
    let paths: Vec<&str> = out.files.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        vec![
            "api/default.yaml",
            "api/kustomization.yaml",
            "kustomization.yaml",
            "shop/default.yaml",
            "shop/kustomization.yaml",
            "shop/web.yaml",
        ]
    );
    for (path, text) in &out.files {
        assert!(text.starts_with(&format!("{GENERATED_HEADER}\n")), "{path}");
    }
    assert_eq!(
        file(&out, "kustomization.yaml"),
        format!("{GENERATED_HEADER}\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- api\n- shop\n")
    );
    assert!(
        file(&out, "shop/kustomization.yaml").ends_with("resources:\n- default.yaml\n- web.yaml\n")
    );
    let ids: Vec<String> = out
        .manifests
        .iter()
        .map(|m| format!("{}/{}", m.namespace, m.name))
        .collect();
    assert_eq!(ids, vec!["api/default", "shop/default", "shop/web"]);
    for m in &out.manifests {
        assert_eq!(
            file(&out, &format!("{}/{}.yaml", m.namespace, m.name)),
            m.yaml
        );
    }
    // The stream: the header once, then each document after `---`, in manifest order.
    let s = emit::stream(&out);
    assert_eq!(s.matches("\n---\n").count(), 3);
    assert_eq!(s.matches(GENERATED_HEADER).count(), 1);
    let loaded = load(&[Source {
        name: "-".into(),
        bytes: s.into_bytes(),
    }])
    .expect("stream loads");
    assert_eq!(
        names(&loaded),
        vec!["api/default", "shop/default", "shop/web"]
    );
    // Nothing to emit: no directory, and a root kustomization with no resources.
    let none = emit_ok(&Intent::default());
    assert_eq!(none.files.len(), 1);
    assert!(none.manifests.is_empty());
    assert_eq!(emit::stream(&none), format!("{GENERATED_HEADER}\n"));
}

#[test]
fn a_broken_invariant_is_an_internal_error_not_a_policy() {
    // An egress allowance where only ingress is isolated: emitting it would isolate egress.
    let i = one(
        "shop",
        vec![iso(IN, sel(&[]), 2), iso(EG, sel(&[("app", "web")]), 3)],
        vec![allow(
            EG,
            sel(&[("app", "api")]),
            PeerSet::Everything,
            tcp(&[80]),
            4,
        )],
    );
    let d = emit::emit(&i, &options()).expect_err("invariant broken");
    assert_eq!(d.code, Code::Internal);
    assert!(d.message.contains("`app=api`"), "{}", d.message);
    assert!(d.notes.iter().any(|n| n.contains("policies/shop.npl:4")));
    // Inside the isolation it is fine.
    let ok = one(
        "shop",
        vec![iso(EG, sel(&[("app", "api")]), 3)],
        vec![allow(
            EG,
            sel(&[("app", "api"), ("tier", "x")]),
            PeerSet::Everything,
            tcp(&[80]),
            4,
        )],
    );
    assert!(emit::emit(&ok, &options()).is_ok());
    // A namespace name that is no DNS label (and no safe directory name).
    let bad = one("../etc", vec![iso(IN, sel(&[]), 2)], vec![]);
    assert_eq!(
        emit::emit(&bad, &options()).expect_err("bad name").code,
        Code::Internal
    );
}

#[test]
fn peers_and_selectors_that_match_nothing_emit_nothing() {
    let impossible = LabelSelector {
        match_labels: [("app".to_string(), "a".to_string())].into(),
        match_expressions: vec![Requirement {
            key: "app".into(),
            operator: Operator::DoesNotExist,
            values: vec![],
        }],
    };
    let out = emit_ok(&one(
        "shop",
        vec![iso(IN, impossible.clone(), 2), iso(EG, sel(&[]), 3)],
        vec![
            allow(EG, sel(&[]), pods_in("shop", impossible), tcp(&[80]), 4),
            allow(
                EG,
                sel(&[]),
                PeerSet::Addresses(AddrSet::none()),
                tcp(&[80]),
                5,
            ),
            allow(
                EG,
                sel(&[]),
                PeerSet::Everything,
                PortAccess {
                    numbers: PortSet::none(),
                    named: BTreeSet::new(),
                },
                6,
            ),
        ],
    ));
    let c = load_output(&out);
    assert_eq!(names(&c), vec!["shop/default"]);
    let p = policy(&c, "default");
    assert!(!p.isolates_ingress && p.egress.is_empty());
}

#[test]
fn addresses_with_equal_ports_are_one_set_printed_as_minimal_blocks() {
    let out = emit_ok(&shop(vec![
        allow(EG, sel(&[]), addrs(&["10.0.0.0/8"]), tcp(&[443]), 3),
        allow(EG, sel(&[]), addrs(&["192.168.0.0/16"]), tcp(&[443]), 4),
        allow(
            EG,
            sel(&[]),
            addrs(&["0.0.0.0/1", "128.0.0.0/1"]),
            tcp(&[25]),
            5,
        ),
    ]));
    let c = load_output(&out);
    let egress = &policy(&c, "default").egress;
    assert_eq!(egress.len(), 2, "{}", emit::stream(&out));
    let blocks = |i: usize| -> Vec<String> {
        egress[i]
            .peers
            .iter()
            .flatten()
            .map(|p| match p {
                Peer::IpBlock { cidr, except } => {
                    let ex: Vec<String> = except.iter().map(ToString::to_string).collect();
                    format!("{cidr} {}", ex.join(","))
                }
                other => panic!("{other:?}"),
            })
            .collect()
    };
    // Rules ordered by their peers: 0.0.0.0/0 sorts before 10.0.0.0/8.
    assert_eq!(blocks(0), vec!["0.0.0.0/0 "]);
    assert_eq!(blocks(1), vec!["10.0.0.0/8 ", "192.168.0.0/16 "]);
}

#[test]
fn peers_written_differently_that_mean_the_same_are_one_peer() {
    // `ops` by name and by its name label; `app=api` as matchLabels and as `in (api)`:
    // each pair is one set of pods, so one of each pair remains (not none, not both).
    let api_in = LabelSelector {
        match_labels: Default::default(),
        match_expressions: vec![Requirement {
            key: "app".into(),
            operator: Operator::In,
            values: vec!["api".into(), "api".into()],
        }],
    };
    let ops_by_label = PeerSet::Pods {
        namespaces: NamespaceSet::Matching(LabelSelector {
            match_labels: Default::default(),
            match_expressions: vec![Requirement {
                key: "kubernetes.io/metadata.name".into(),
                operator: Operator::In,
                values: vec!["ops".into()],
            }],
        }),
        pods: sel(&[("app", "mon")]),
    };
    let out = emit_ok(&shop(vec![
        allow(
            IN,
            sel(&[]),
            pods_in("shop", sel(&[("app", "api")])),
            tcp(&[80]),
            3,
        ),
        allow(IN, sel(&[]), pods_in("shop", api_in), tcp(&[80]), 4),
        allow(
            IN,
            sel(&[]),
            pods_in("ops", sel(&[("app", "mon")])),
            tcp(&[80]),
            5,
        ),
        allow(IN, sel(&[]), ops_by_label, tcp(&[80]), 6),
    ]));
    let c = load_output(&out);
    let ingress = &policy(&c, "default").ingress;
    assert_eq!(ingress.len(), 1, "{}", emit::stream(&out));
    assert_eq!(
        ingress[0].peers.as_ref().map(Vec::len),
        Some(2),
        "{}",
        emit::stream(&out)
    );
    // Selectors print in canonical form: a one-value `in` is a matchLabels entry.
    assert_eq!(
        ingress[0].peers.as_ref().and_then(|p| p.first()),
        Some(&Peer::Pods {
            namespaces: NamespaceScope::PolicyNamespace,
            pods: sel(&[("app", "api")])
        })
    );
}

#[test]
fn each_object_names_the_statements_behind_it() {
    // `isolate namespace` (2), `isolate web ingress` (3), `web ingress only from api` (4):
    // web's isolation has rules, so it is web's object's, not the namespace's.
    let out = emit_ok(&one(
        "shop",
        vec![
            iso(IN, sel(&[]), 2),
            iso(EG, sel(&[]), 2),
            iso(IN, sel(&[("app", "web")]), 3),
        ],
        vec![allow(
            IN,
            sel(&[("app", "web")]),
            pods_in("shop", sel(&[("app", "api")])),
            PortAccess::all(),
            4,
        )],
    ));
    assert!(file(&out, "shop/default.yaml")
        .contains("netpolc.io/source: \"policies/shop.npl: statement 2\"\n"));
    assert!(file(&out, "shop/web.yaml").contains(
        "netpolc.io/source: \"policies/shop.npl: statement 3; policies/shop.npl: statement 4\"\n"
    ));
}

#[test]
fn targets_written_differently_that_mean_the_same_share_one_object() {
    let web_in = LabelSelector {
        match_labels: Default::default(),
        match_expressions: vec![
            Requirement {
                key: "app".into(),
                operator: Operator::In,
                values: vec!["web".into()],
            },
            Requirement {
                key: "app".into(),
                operator: Operator::Exists,
                values: vec![],
            },
        ],
    };
    let out = emit_ok(&one(
        "shop",
        vec![iso(IN, sel(&[("app", "web")]), 2)],
        vec![allow(IN, web_in, PeerSet::Everything, tcp(&[80]), 3)],
    ));
    let c = load_output(&out);
    assert_eq!(names(&c), vec!["shop/web"]);
    assert_eq!(policy(&c, "web").pod_selector, sel(&[("app", "web")]));
}
