//! The sample covers what the program mentions, loads as a valid cluster, and is the same
//! for the same seed.

use super::*;
use crate::ir::intent::SourceRef;
use crate::ir::Cidr;
use crate::model::{Cluster, Direction, Requirement, Source};
use crate::resolve::hir::{Sides, Statement};
use crate::syntax::Span;

fn req(key: &str, operator: Operator, values: &[&str]) -> Requirement {
    Requirement {
        key: key.into(),
        operator,
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

fn sel(pairs: &[(&str, &str)], exprs: Vec<Requirement>) -> LabelSelector {
    LabelSelector {
        match_labels: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        match_expressions: exprs,
    }
}

fn stmt(scope: Scope, action: Action) -> Statement {
    Statement {
        scope,
        action,
        source: SourceRef {
            file: "t.npl".into(),
            line: 1,
            statement: "statement 1".into(),
        },
        site: ("t.npl".into(), Span::default()),
    }
}

fn addrs(cidr: &str, except: &[&str]) -> AddrSet {
    let parse = |s: &str| match s.parse::<Cidr>() {
        Ok(c) => AddrSet::cidr(&c),
        Err(e) => panic!("{s}: {e}"),
    };
    except
        .iter()
        .fold(parse(cidr), |acc, e| acc.difference(&parse(e)))
}

fn pod_selectors() -> Vec<LabelSelector> {
    vec![
        LabelSelector::everything(),
        sel(&[("app", "web")], vec![]),
        sel(
            &[],
            vec![
                req("tier", Operator::In, &["a", "b"]),
                req("legacy", Operator::DoesNotExist, &[]),
            ],
        ),
        sel(
            &[],
            vec![
                req("track", Operator::NotIn, &["beta"]),
                req("env", Operator::Exists, &[]),
            ],
        ),
    ]
}

fn ns_selectors() -> Vec<LabelSelector> {
    vec![
        sel(&[("team", "obs")], vec![]),
        sel(&[], vec![req("env", Operator::NotIn, &["prod"])]),
        sel(&[], vec![req("legacy", Operator::DoesNotExist, &[])]),
        sel(
            &[],
            vec![req(NAMESPACE_NAME_LABEL, Operator::In, &["c", "d"])],
        ),
    ]
}

/// A program that mentions namespaces `a`, `b` (by name), `c`, `d` (through a name
/// selector), the selectors above, named ports, a port range and address blocks.
fn program() -> Program {
    let pods = pod_selectors();
    let mut from: Vec<PeerSet> = ns_selectors()
        .into_iter()
        .zip(pods.iter().cycle())
        .map(|(ns, p)| PeerSet::Pods {
            namespaces: NamespaceSet::Matching(ns),
            pods: p.clone(),
        })
        .collect();
    from.push(PeerSet::Addresses(addrs("10.0.0.0/8", &["10.1.0.0/16"])));
    let to = pods
        .iter()
        .map(|p| PeerSet::Pods {
            namespaces: NamespaceSet::Named("b".into()),
            pods: p.clone(),
        })
        .chain([PeerSet::Addresses(addrs("2001:db8::/32", &[]))])
        .collect();
    let ports = PortAccess {
        numbers: PortSet::range(Protocol::Tcp, 32000, 32768)
            .union(&PortSet::single(Protocol::Udp, 53)),
        named: [
            (Protocol::Tcp, "http".to_owned()),
            (Protocol::Udp, "dns".to_owned()),
        ]
        .into(),
    };
    Program {
        statements: vec![
            stmt(
                Scope::Namespace("a".into()),
                Action::Isolate {
                    namespace: "a".into(),
                    pods: LabelSelector::everything(),
                    direction: Direction::Egress,
                },
            ),
            stmt(
                Scope::Cluster,
                Action::Allow {
                    from,
                    to,
                    ports,
                    sides: Sides::Both,
                },
            ),
        ],
        workload_labels: Default::default(),
    }
}

fn load(sample: &Sample) -> Cluster {
    let src = Source {
        name: "sample.yaml".into(),
        bytes: sample.yaml.clone().into_bytes(),
    };
    match crate::model::load(&[src]) {
        Ok(c) => c,
        Err(e) => panic!("sample does not load: {e:?}\n{}", sample.yaml),
    }
}

const SEEDS: std::ops::Range<u64> = 0..24;

#[test]
fn the_sample_loads_and_is_the_same_for_the_same_seed() {
    let p = program();
    for seed in SEEDS {
        let s = sample_cluster(&p, seed);
        assert_eq!(s, sample_cluster(&p, seed));
        let c = load(&s);
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        assert!(c.policies.is_empty());
    }
    assert_ne!(sample_cluster(&p, 1), sample_cluster(&p, 2));
}

#[test]
fn every_named_namespace_exists_and_one_never_named() {
    let p = program();
    for seed in SEEDS {
        let c = load(&sample_cluster(&p, seed));
        for n in ["a", "b", "c", "d", "other"] {
            assert!(c.namespaces.contains_key(n), "seed {seed}: no {n}");
        }
    }
}

#[test]
fn every_namespace_selector_matches_somewhere_and_fails_somewhere() {
    let p = program();
    for seed in SEEDS {
        let c = load(&sample_cluster(&p, seed));
        for sel in ns_selectors() {
            let verdicts: BTreeSet<bool> = c
                .namespaces
                .values()
                .map(|n| sel.matches(&n.labels))
                .collect();
            assert_eq!(verdicts.len(), 2, "seed {seed}: {}", sel.describe());
        }
    }
}

#[test]
fn every_pod_selector_matches_and_misses_pods_in_every_namespace() {
    let p = program();
    for seed in SEEDS {
        let c = load(&sample_cluster(&p, seed));
        for (ns, sel) in c
            .namespaces
            .keys()
            .flat_map(|n| pod_selectors().into_iter().map(move |s| (n.clone(), s)))
        {
            let verdicts: BTreeSet<bool> = c
                .workloads
                .iter()
                .filter(|w| w.namespace == ns)
                .map(|w| sel.matches(&w.labels))
                .collect();
            let want = if sel.is_everything() { 1 } else { 2 };
            assert_eq!(
                verdicts.len(),
                want,
                "seed {seed}, {ns}: {}",
                sel.describe()
            );
        }
    }
}

#[test]
fn pods_are_bare_ipv4_single_pods_with_the_named_ports() {
    let p = program();
    let mut seen: BTreeSet<(String, Protocol)> = BTreeSet::new();
    for seed in SEEDS {
        let c = load(&sample_cluster(&p, seed));
        let mut ips = BTreeSet::new();
        for w in &c.workloads {
            assert!(w.single_pod && !w.host_network, "{}", w.id());
            assert_eq!(w.ips.len(), 1, "{}", w.id());
            assert!(w.ips.iter().all(IpAddr::is_ipv4));
            assert!(ips.insert(w.ips.clone()), "two pods share {:?}", w.ips);
            seen.extend(
                w.ports
                    .iter()
                    .filter_map(|cp| Some((cp.name.clone()?, cp.protocol))),
            );
        }
    }
    // Each named port, with the protocol it was written with and with another one.
    for name in ["http", "dns"] {
        let protocols = seen.iter().filter(|(n, _)| n == name).count();
        assert!(protocols >= 2, "{name}: {seen:?}");
    }
    assert!(seen.contains(&("http".into(), Protocol::Tcp)));
    assert!(seen.contains(&("dns".into(), Protocol::Udp)));
}

#[test]
fn the_probe_has_every_port_edge_and_the_ports_beyond() {
    let p = program();
    let s = sample_cluster(&p, 7);
    for port in [
        (Protocol::Tcp, 31999),
        (Protocol::Tcp, 32000),
        (Protocol::Tcp, 32768),
        (Protocol::Tcp, 32769),
        (Protocol::Udp, 52),
        (Protocol::Udp, 54),
    ] {
        assert!(s.probe.ports.contains(&port), "{port:?}");
    }
    // The named ports' numbers, on every protocol.
    let c = load(&s);
    for cp in c.workloads.iter().flat_map(|w| &w.ports) {
        for protocol in Protocol::ALL {
            assert!(s.probe.ports.contains(&(protocol, cp.port)));
        }
    }
}

#[test]
fn every_address_edge_is_probed_and_pods_land_on_some() {
    let p = program();
    let edges = [
        "9.255.255.255",
        "10.0.0.0",
        "10.0.255.255",
        "10.1.0.0",
        "10.1.255.255",
        "10.2.0.0",
        "10.255.255.255",
        "11.0.0.0",
        "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
        "2001:db8::",
        "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
        "2001:db9::",
    ];
    let mut pod_edges = 0;
    for seed in SEEDS {
        let s = sample_cluster(&p, seed);
        let c = load(&s);
        for e in edges {
            let ip: IpAddr = match e.parse() {
                Ok(ip) => ip,
                Err(err) => panic!("{e}: {err}"),
            };
            pod_edges += usize::from(c.workloads.iter().any(|w| w.ips.contains(&ip)));
            assert!(s.probe.addresses.contains(&ip), "seed {seed}: {e}");
        }
    }
    // Pods do land on the blocks' edges, so address sets meet pods too.
    assert!(pod_edges > 0);
}
