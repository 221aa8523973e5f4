//! Random intents (keeping the lowering's invariant): their lift against the language's
//! "Meaning" point by point, against a naive translation into policies (one policy per
//! isolation and per allowance, which is correct because every allowance lies inside an
//! isolation), and against what `emit` writes for them.

use super::intent::meaning;
use crate::equiv::harness::{engine_allows, policies};
use crate::kit::selector::Selectors;
use netpolc::emit;
use netpolc::ir::intent::{
    Allowance, Isolation, NamespaceIntent, NamespaceSet, PeerSet, PortAccess, SourceRef,
};
use netpolc::ir::{labels, AddrSet, Cidr, Intent, PortSet, Protocol};
use netpolc::model::{
    Direction, LabelSelector, NamespaceScope, NetworkPolicy, Origin, Peer, PolicyPort, PortSpec,
    Rule, NAMESPACE_NAME_LABEL,
};
use netpolc::verify::equiv::{self, OtherEnd, Point, Which};
use netpolc::verify::Options;
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::net::IpAddr;
fn origin() -> Origin {
    Origin {
        file: "naive.yaml".into(),
        document: 1,
    }
}

fn source(line: usize) -> SourceRef {
    SourceRef {
        file: "gen.npl".into(),
        line,
        statement: format!("statement {line}"),
    }
}

/// Pod selectors: up to two requirements of one value each, no `matchLabels`.
const PODS: Selectors = Selectors {
    match_labels: None,
    keys: &["app", "tier"],
    values: &["x", "y"],
    values_per_requirement: None,
    requirements: 0..3,
};

/// Namespace selectors alike, over `team` and the namespace's name.
const NAMESPACES: Selectors = Selectors {
    keys: &["team", NAMESPACE_NAME_LABEL],
    values: &["obs", "a"],
    ..PODS
};

fn pods() -> impl Strategy<Value = LabelSelector> {
    PODS.selector()
}

fn cidr(s: &str) -> Cidr {
    s.parse().expect("a CIDR")
}

fn peer_set() -> impl Strategy<Value = PeerSet> {
    let addrs = prop::sample::select(vec![
        ("10.0.0.0/8", "10.1.0.0/16"),
        ("0.0.0.0/0", "10.0.0.0/8"),
        ("fd00::/8", "fd00::/16"),
        ("8.8.8.8/32", "8.8.4.4/32"),
    ])
    .prop_map(|(c, e)| AddrSet::cidr(&cidr(c)).difference(&AddrSet::cidr(&cidr(e))));
    prop_oneof![
        Just(PeerSet::Everything),
        addrs.prop_map(PeerSet::Addresses),
        (prop::sample::select(vec!["a", "b"]), pods()).prop_map(|(n, pods)| PeerSet::Pods {
            namespaces: NamespaceSet::Named(n.into()),
            pods,
        }),
        (NAMESPACES.selector(), pods()).prop_map(|(ns, pods)| PeerSet::Pods {
            namespaces: NamespaceSet::Matching(ns),
            pods,
        }),
    ]
}

fn port_access() -> impl Strategy<Value = PortAccess> {
    let numbers = prop_oneof![
        Just(PortSet::all()),
        (80u16..83, 0u16..3).prop_map(|(s, l)| PortSet::range(Protocol::Tcp, s, s + l)),
        Just(PortSet::single(Protocol::Udp, 53)),
        Just(PortSet::none()),
    ];
    let named = prop::collection::btree_set(
        prop::sample::select(vec![(Protocol::Tcp, "http"), (Protocol::Udp, "dns")]),
        0..2,
    );
    (numbers, named)
        .prop_filter("some port", |(n, m)| !n.is_empty() || !m.is_empty())
        .prop_map(|(numbers, named)| PortAccess {
            named: if numbers.is_all() {
                BTreeSet::new()
            } else {
                named.into_iter().map(|(p, n)| (p, n.to_string())).collect()
            },
            numbers,
        })
}

fn direction() -> impl Strategy<Value = Direction> {
    prop::sample::select(vec![Direction::Ingress, Direction::Egress])
}

/// Random intents that keep the invariant: each allowance's pods lie inside an
/// isolation of its namespace and direction.
fn intent() -> impl Strategy<Value = Intent> {
    let isolation = (direction(), pods());
    let allowance = (0usize..3, pods(), peer_set(), port_access());
    let ns = (
        prop::collection::vec(isolation, 1..3),
        prop::collection::vec(allowance, 0..4),
    );
    prop::collection::vec(ns, 1..3).prop_map(|nss| {
        let mut intent = Intent::default();
        for (i, (isos, allows)) in nss.into_iter().enumerate() {
            let isolations: Vec<Isolation> = isos
                .into_iter()
                .enumerate()
                .map(|(line, (direction, pods))| Isolation {
                    direction,
                    pods,
                    source: source(line),
                })
                .collect();
            let mut allowances = Vec::new();
            for (line, (k, extra, peer, ports)) in allows.into_iter().enumerate() {
                let iso = &isolations[k % isolations.len()];
                if let Some(pods) = labels::and(&iso.pods, &extra) {
                    allowances.push(Allowance {
                        direction: iso.direction,
                        pods,
                        peer,
                        ports,
                        source: source(100 + line),
                    });
                }
            }
            intent.namespaces.insert(
                ["a", "b"][i].to_string(),
                NamespaceIntent {
                    isolations,
                    allowances,
                },
            );
        }
        intent
    })
}

fn one_direction(d: Direction) -> (bool, bool) {
    (d == Direction::Ingress, d == Direction::Egress)
}

/// One policy per isolation (no rules) and per allowance (one rule).
fn naive_policies(intent: &Intent) -> Vec<NetworkPolicy> {
    let mut out = Vec::new();
    for (ns, ni) in &intent.namespaces {
        let policy = |name: String, d: Direction, pods: &LabelSelector, rules: Vec<Rule>| {
            let (isolates_ingress, isolates_egress) = one_direction(d);
            let (ingress, egress) = match d {
                Direction::Ingress => (rules, vec![]),
                Direction::Egress => (vec![], rules),
            };
            NetworkPolicy {
                namespace: ns.clone(),
                name,
                pod_selector: pods.clone(),
                isolates_ingress,
                isolates_egress,
                ingress,
                egress,
                origin: origin(),
            }
        };
        for (i, iso) in ni.isolations.iter().enumerate() {
            out.push(policy(format!("iso-{i}"), iso.direction, &iso.pods, vec![]));
        }
        for (i, a) in ni.allowances.iter().enumerate() {
            let rule = Rule {
                peers: naive_peers(&a.peer),
                ports: Some(naive_ports(&a.ports)),
            };
            out.push(policy(
                format!("allow-{i}"),
                a.direction,
                &a.pods,
                vec![rule],
            ));
        }
    }
    out
}

fn naive_peers(peer: &PeerSet) -> Option<Vec<Peer>> {
    match peer {
        PeerSet::Everything => None,
        PeerSet::Addresses(set) => Some(
            set.to_blocks()
                .into_iter()
                .map(|b| Peer::IpBlock {
                    cidr: b.cidr,
                    except: b.except,
                })
                .collect(),
        ),
        PeerSet::Pods { namespaces, pods } => {
            let ns = match namespaces {
                NamespaceSet::Named(n) => LabelSelector {
                    match_labels: [(NAMESPACE_NAME_LABEL.to_string(), n.clone())].into(),
                    match_expressions: vec![],
                },
                NamespaceSet::Matching(s) => s.clone(),
            };
            Some(vec![Peer::Pods {
                namespaces: NamespaceScope::Matching(ns),
                pods: pods.clone(),
            }])
        }
    }
}

fn naive_ports(ports: &PortAccess) -> Vec<PolicyPort> {
    let mut out: Vec<PolicyPort> = ports
        .numbers
        .ranges()
        .into_iter()
        .map(|(protocol, start, end)| PolicyPort {
            protocol,
            port: PortSpec::Numbers { start, end },
        })
        .collect();
    out.extend(ports.named.iter().map(|(protocol, name)| PolicyPort {
        protocol: *protocol,
        port: PortSpec::Named(name.clone()),
    }));
    out
}

fn other_end() -> impl Strategy<Value = OtherEnd> {
    let ip = prop::sample::select(vec![
        "10.0.0.5",
        "10.1.0.5",
        "8.8.8.8",
        "8.8.4.4",
        "192.168.0.5",
        "fd00::5",
        "fd00:1::5",
    ])
    .prop_map(|s| s.parse::<IpAddr>().expect("an address"));
    let labels = |keys: Vec<&'static str>, values: Vec<&'static str>| {
        prop::collection::btree_map(
            prop::sample::select(keys).prop_map(String::from),
            prop::sample::select(values).prop_map(String::from),
            0..3,
        )
    };
    prop_oneof![
        ip.clone().prop_map(OtherEnd::Address),
        ip.clone().prop_map(|ip| OtherEnd::HostNetworkPod { ip }),
        (
            prop::sample::select(vec!["a", "b", "c"]),
            labels(vec!["team"], vec!["obs", "dev"]),
            labels(vec!["app", "tier"], vec!["x", "y", "z"]),
            ip,
        )
            .prop_map(|(ns, mut namespace_labels, labels, ip)| {
                namespace_labels.insert(NAMESPACE_NAME_LABEL.into(), ns.into());
                OtherEnd::Pod {
                    namespace: ns.into(),
                    namespace_labels,
                    labels,
                    ip,
                }
            }),
    ]
}

fn point() -> impl Strategy<Value = Point> {
    (
        prop::sample::select(vec!["a", "b", "c"]),
        direction(),
        prop::collection::btree_map(
            prop::sample::select(vec!["app", "tier"]).prop_map(String::from),
            prop::sample::select(vec!["x", "y", "z"]).prop_map(String::from),
            0..3,
        ),
        other_end(),
        prop::sample::select(vec![Protocol::Tcp, Protocol::Udp, Protocol::Sctp]),
        prop::sample::select(vec![1u16, 53, 79, 80, 81, 82, 84, 65535]),
        prop::option::of(prop::sample::select(vec!["http", "dns", "zz"])),
    )
        .prop_map(|(ns, direction, pod_labels, other, protocol, port, name)| {
            // An outside address names no port (it has no container ports).
            let port_name = match (&other, direction) {
                (OtherEnd::Address(_), Direction::Egress) => None,
                _ => name.map(String::from),
            };
            Point {
                namespace: ns.into(),
                direction,
                pod_labels,
                other,
                protocol,
                port,
                port_name,
            }
        })
}

proptest! {
    #![proptest_config(crate::kit::proptest::with_cases(200))]

    #[test]
    fn the_lift_of_an_intent_is_its_meaning(
        i in intent(),
        points in prop::collection::vec(point(), 40),
        ipblock_pods in any::<bool>(),
    ) {
        let options = Options { ipblock_matches_pods: ipblock_pods, select_host_network: false };
        let lifted = equiv::lift_intent(&i, options);
        for p in &points {
            prop_assert_eq!(lifted.allows(p), meaning(&i, p, options), "at {:?}", p);
        }
        let naive = naive_policies(&i);
        let by_hand = equiv::lift_policies(&naive, options);
        if let Err(d) = equiv::equivalent(&lifted, &by_hand) {
            prop_assert!(false, "naive policies differ from the intent:\n{}", d);
        }
    }

    /// The compiler's own emitter, proved: what `emit` writes, read back through the
    /// loader, equals the intent; a witness, if any, is confirmed on both sides.
    #[test]
    fn emitted_policies_equal_their_intent(i in intent()) {
        let options = Options::default();
        let emitted = emit::emit(&i, &emit::Options {
            workload_labels: Default::default(),
        });
        let output = match emitted {
            Ok(o) => o,
            Err(d) => return Err(TestCaseError::fail(format!("emit refused: {}", d.message))),
        };
        let set = policies(&emit::stream(&output));
        let lifted = equiv::lift_intent(&i, options);
        if let Err(d) = equiv::equivalent(&lifted, &equiv::lift_policies(&set, options)) {
            for w in &d.witnesses {
                prop_assert_eq!(meaning(&i, &w.point, options), w.allowed_by == Which::Left);
                prop_assert_eq!(engine_allows(w, &set, options), w.allowed_by == Which::Right);
            }
            prop_assert!(false, "emitted policies differ from the intent:\n{}\n{}", d, emit::stream(&output));
        }
    }
}
