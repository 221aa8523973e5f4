//! The emitted policies mean what the intent means: random intents (satisfying the
//! lowering's invariant) are emitted, loaded with a random concrete cluster, and the
//! engine's reach map is compared, connection by connection on sampled ports, with a
//! direct reading of the intent (language contract, "Meaning"). Also: shuffling the
//! input changes no byte of the output.

use super::{allow, emit_ok, iso, load_output, one, options, pods_in, sel};
use crate::kit::cluster::{port, Addresses, NamespaceLabels, Pods, Presence, Shape};
use crate::kit::selector::Selectors;
use crate::kit::Rng;
use netpolc::emit;
use netpolc::ir::intent::{
    Allowance, Isolation, NamespaceIntent, NamespaceSet, PeerSet, PortAccess, SourceRef,
};
use netpolc::ir::{labels, AddrSet, Cidr, Intent, PortSet, Protocol};
use netpolc::model::load::{load, Source};
use netpolc::model::{
    self, Cluster, ContainerPort, Direction, LabelSelector, Operator, Requirement, Workload,
};
use netpolc::verify::{Engine, Options};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::net::IpAddr;

const NAMESPACES: [&str; 3] = ["alpha", "beta", "gamma"];

/// Selectors over the labels pods carry, with values they have and values they lack.
const SELECTORS: Selectors = Selectors {
    match_labels: Some(("app", &["a", "b", "c"])),
    keys: &["app", "tier"],
    values: &["a", "b", "x", "y"],
    values_per_requirement: Some(1..3),
    requirements: 0..2,
};

fn selector() -> impl Strategy<Value = LabelSelector> {
    SELECTORS.selector()
}

fn or_everything() -> impl Strategy<Value = LabelSelector> {
    prop_oneof![2 => Just(LabelSelector::default()), 3 => selector()]
}

fn namespace_selector() -> impl Strategy<Value = LabelSelector> {
    prop_oneof![
        Just(LabelSelector::default()),
        prop::sample::select(vec!["red", "blue"]).prop_map(|t| LabelSelector {
            match_labels: [("team".to_string(), t.to_string())].into(),
            match_expressions: vec![]
        }),
        (
            prop::sample::select(vec!["red", "blue"]),
            prop::sample::select(vec![Operator::NotIn, Operator::In])
        )
            .prop_map(|(t, operator)| LabelSelector {
                match_labels: Default::default(),
                match_expressions: vec![Requirement {
                    key: "team".into(),
                    operator,
                    values: vec![t.into()]
                }],
            }),
        prop::sample::select(NAMESPACES.to_vec()).prop_map(|n| LabelSelector {
            match_labels: Default::default(),
            match_expressions: vec![Requirement {
                key: "kubernetes.io/metadata.name".into(),
                operator: Operator::NotIn,
                values: vec![n.into()],
            }],
        }),
        // The same namespaces as a named one, written as a selector.
        prop::sample::select(NAMESPACES.to_vec()).prop_map(|n| LabelSelector {
            match_labels: Default::default(),
            match_expressions: vec![Requirement {
                key: "kubernetes.io/metadata.name".into(),
                operator: Operator::In,
                values: vec![n.into()],
            }],
        }),
    ]
}

fn cidr(s: &str) -> AddrSet {
    let (block, holes) = s.split_once(" except ").unwrap_or((s, ""));
    let base = AddrSet::cidr(&block.parse::<Cidr>().expect("test CIDR"));
    holes
        .split(',')
        .filter(|h| !h.is_empty())
        .fold(base, |acc, h| {
            acc.difference(&AddrSet::cidr(
                &h.trim().parse::<Cidr>().expect("test CIDR"),
            ))
        })
}

fn peer() -> impl Strategy<Value = PeerSet> {
    prop_oneof![
        3 => (prop::sample::select(NAMESPACES.to_vec()), selector()).prop_map(|(n, pods)| PeerSet::Pods {
            namespaces: NamespaceSet::Named(n.into()),
            pods,
        }),
        2 => (namespace_selector(), selector()).prop_map(|(ns, pods)| PeerSet::Pods {
            namespaces: NamespaceSet::Matching(ns),
            pods,
        }),
        2 => prop::sample::select(vec![
            "10.0.0.0/16",
            "10.0.1.0/24",
            "10.0.2.0/25",
            "8.8.8.8/32",
            "0.0.0.0/0 except 10.0.0.0/8",
            "0.0.0.0/0 except 10.0.1.0/24,8.8.8.8/32",
            "2001:db8::/32",
        ])
        .prop_map(|s| PeerSet::Addresses(cidr(s))),
        1 => Just(PeerSet::Everything),
    ]
}

fn ports() -> impl Strategy<Value = PortAccess> {
    let range = (
        prop::sample::select(vec![
            Protocol::Tcp,
            Protocol::Tcp,
            Protocol::Udp,
            Protocol::Sctp,
        ]),
        prop::sample::select(vec![53u16, 80, 81, 82, 443, 8080]),
        0u16..3,
    )
        .prop_map(|(p, lo, len)| PortSet::range(p, lo, lo + len));
    let named = prop::collection::btree_set(
        prop::sample::select(vec![
            (Protocol::Tcp, "http".to_string()),
            (Protocol::Udp, "dns".to_string()),
            (Protocol::Tcp, "metrics".to_string()),
            (Protocol::Tcp, "dns".to_string()),
        ]),
        0..2,
    );
    prop_oneof![
        1 => Just(PortAccess::all()),
        1 => Just(PortAccess { numbers: PortSet::all_of(Protocol::Udp), named: BTreeSet::from([(Protocol::Tcp, "http".to_string())]) }),
        6 => (prop::collection::vec(range, 0..3), named).prop_map(|(ranges, named)| PortAccess {
            numbers: ranges.iter().fold(PortSet::none(), |acc, r| acc.union(r)),
            named,
        }),
    ]
}

fn direction() -> impl Strategy<Value = Direction> {
    prop::sample::select(vec![Direction::Ingress, Direction::Egress])
}

fn namespace_intent() -> impl Strategy<Value = NamespaceIntent> {
    // Namespace-wide isolations and un-narrowed allowances are common in programs, and
    // they make targets nest, which is where minimisation could go wrong.
    let isolations = prop::collection::vec((direction(), or_everything(), 1usize..40), 0..4);
    // `reuse` makes allowances share peers and ports with the one before, so that rules
    // merge and cover each other (the interesting cases for minimisation) often enough.
    let allowances = prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            or_everything(),
            peer(),
            ports(),
            0u8..4,
            1usize..40,
        ),
        0..6,
    );
    (isolations, allowances).prop_map(|(isos, allows)| {
        let source = |line| SourceRef {
            file: "p.npl".into(),
            line,
            statement: format!("statement {line}"),
        };
        let isolations: Vec<Isolation> = isos
            .into_iter()
            .map(|(direction, pods, line)| Isolation {
                direction,
                pods,
                source: source(line),
            })
            .collect();
        let mut allowances: Vec<Allowance> = Vec::new();
        if !isolations.is_empty() {
            for (index, narrower, mut peer, mut ports, reuse, line) in allows {
                // Inside an isolation of its direction: the lowering's invariant.
                let iso = &isolations[index.index(isolations.len())];
                let pods = labels::and(&iso.pods, &narrower).unwrap_or_else(|| iso.pods.clone());
                if let Some(prev) = allowances.last() {
                    if reuse & 1 == 1 {
                        peer = prev.peer.clone();
                    }
                    if reuse & 2 == 2 {
                        ports = prev.ports.clone();
                    }
                }
                allowances.push(Allowance {
                    direction: iso.direction,
                    pods,
                    peer,
                    ports,
                    source: source(line),
                });
            }
        }
        NamespaceIntent {
            isolations,
            allowances,
        }
    })
}

fn intent() -> impl Strategy<Value = Intent> {
    prop::collection::btree_map(
        prop::sample::select(NAMESPACES.to_vec()),
        namespace_intent(),
        0..4,
    )
    .prop_map(|m| Intent {
        namespaces: m.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    })
}

/// The namespaces with a `team` label (or none), and pods with labels from the selectors'
/// universe, one IPv4 address each, and named container ports.
const PODS: Pods = Pods {
    namespaces: &NAMESPACES,
    namespace_labels: NamespaceLabels::Drawn("team", &["red", "blue"]),
    count: 1..10,
    labels: &[
        ("app", Presence::Maybe, &["a", "b", "c"]),
        ("tier", Presence::Maybe, &["a", "x", "y"]),
    ],
    addresses: Addresses::PerNamespace,
    shape,
    policies: None,
};

/// `http` on one of two ports, `dns`, and sometimes `metrics`.
fn shape() -> BoxedStrategy<Shape> {
    (prop::sample::select(vec![80u16, 8080]), any::<bool>())
        .prop_map(|(http, metrics)| {
            let mut ports = vec![
                port("http", http, Protocol::Tcp),
                port("dns", 53, Protocol::Udp),
            ];
            if metrics {
                ports.push(port("metrics", 9090, Protocol::Tcp));
            }
            Shape {
                ports,
                host_network: false,
                single_pod: true,
            }
        })
        .boxed()
}

/// A concrete cluster as manifests.
fn cluster_yaml() -> impl Strategy<Value = String> {
    PODS.cluster().prop_map(|c| model::write(&c))
}

/// The other end of a connection, for the direct reading.
enum Other<'a> {
    Pod(&'a Workload),
    Address(IpAddr),
}

/// The intent's meaning for one side: `subject`'s side allows the connection when it is
/// not isolated in `direction`, or some allowance for a selector holding it has a peer
/// holding `other` and ports holding `(protocol, port)`; named ports resolve on the
/// destination (`dst_ports`).
#[allow(clippy::too_many_arguments)]
fn side_allows(
    intent: &Intent,
    cluster: &Cluster,
    direction: Direction,
    subject: &Workload,
    other: &Other<'_>,
    protocol: Protocol,
    port: u16,
    dst_ports: &[ContainerPort],
    ipblock_matches_pods: bool,
) -> bool {
    let Some(ns) = intent.namespaces.get(&subject.namespace) else {
        return true;
    };
    let isolated = ns
        .isolations
        .iter()
        .any(|i| i.direction == direction && i.pods.matches(&subject.labels));
    if !isolated {
        return true;
    }
    ns.allowances.iter().any(|a| {
        a.direction == direction
            && a.pods.matches(&subject.labels)
            && peer_holds(cluster, &a.peer, other, ipblock_matches_pods)
            && (a.ports.numbers.contains(protocol, port)
                || a.ports.named.iter().any(|(p, name)| {
                    *p == protocol
                        && dst_ports.iter().any(|cp| {
                            cp.protocol == protocol
                                && cp.name.as_deref() == Some(name)
                                && cp.port == port
                        })
                }))
    })
}

fn peer_holds(
    cluster: &Cluster,
    peer: &PeerSet,
    other: &Other<'_>,
    ipblock_matches_pods: bool,
) -> bool {
    match (peer, other) {
        (PeerSet::Everything, _) => true,
        (PeerSet::Addresses(set), Other::Address(ip)) => set.contains(ip),
        (PeerSet::Addresses(set), Other::Pod(w)) => {
            ipblock_matches_pods && w.ips.iter().any(|ip| set.contains(ip))
        }
        (PeerSet::Pods { .. }, Other::Address(_)) => false,
        (PeerSet::Pods { namespaces, pods }, Other::Pod(w)) => {
            let ns_ok = match namespaces {
                NamespaceSet::Named(n) => *n == w.namespace,
                NamespaceSet::Matching(sel) => cluster
                    .namespaces
                    .get(&w.namespace)
                    .is_some_and(|n| sel.matches(&n.labels)),
            };
            ns_ok && pods.matches(&w.labels)
        }
    }
}

const SAMPLED: &[(Protocol, u16)] = &[
    (Protocol::Tcp, 53),
    (Protocol::Tcp, 80),
    (Protocol::Tcp, 81),
    (Protocol::Tcp, 82),
    (Protocol::Tcp, 83),
    (Protocol::Tcp, 443),
    (Protocol::Tcp, 8080),
    (Protocol::Tcp, 9090),
    (Protocol::Udp, 53),
    (Protocol::Udp, 80),
    (Protocol::Sctp, 80),
];

const PROBES: &[&str] = &[
    "8.8.8.8",
    "10.0.1.77",
    "10.0.2.200",
    "1.1.1.1",
    "192.168.0.1",
    "2001:db8::1",
];

/// Shuffles `v` in place (Fisher-Yates).
fn shuffle<T>(v: &mut [T], rng: &mut Rng) {
    for i in (1..v.len()).rev() {
        v.swap(i, rng.below(i + 1));
    }
}

/// Every order of `0..n`.
fn orders(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut all = Vec::new();
    for order in orders(n - 1) {
        for at in 0..n {
            let mut longer = order.clone();
            longer.insert(at, n - 1);
            all.push(longer);
        }
    }
    all
}

/// A case the order property once failed on (allowances that repeat a peer and ports from
/// other lines, beside a narrower one), in each of its 24 orders.
#[test]
fn output_does_not_depend_on_the_order_of_a_case_found_before() {
    let everything = PortAccess::all();
    let narrow = PortAccess {
        numbers: PortSet::range(Protocol::Tcp, 443, 444).union(&PortSet::range(
            Protocol::Sctp,
            81,
            83,
        )),
        named: BTreeSet::from([(Protocol::Udp, "dns".to_string())]),
    };
    let all = LabelSelector::default();
    let allowances = vec![
        allow(
            Direction::Ingress,
            all.clone(),
            PeerSet::Everything,
            everything.clone(),
            1,
        ),
        allow(
            Direction::Ingress,
            all.clone(),
            pods_in("alpha", all.clone()),
            everything.clone(),
            1,
        ),
        allow(
            Direction::Ingress,
            all.clone(),
            PeerSet::Everything,
            everything,
            16,
        ),
        allow(
            Direction::Ingress,
            sel(&[("app", "a")]),
            pods_in("beta", sel(&[("app", "b")])),
            narrow,
            11,
        ),
    ];
    let intent = |allowances| {
        one(
            "alpha",
            vec![iso(Direction::Ingress, all.clone(), 1)],
            allowances,
        )
    };
    let first = emit::emit(&intent(allowances.clone()), &options());
    for order in orders(allowances.len()) {
        let shuffled = order.iter().map(|&i| allowances[i].clone()).collect();
        assert_eq!(
            emit::emit(&intent(shuffled), &options()),
            first,
            "order {order:?}"
        );
    }
}

proptest! {
    #![proptest_config(crate::kit::proptest::with_cases(64))]

    #[test]
    fn emitted_policies_mean_what_the_intent_means(
        intent in intent(),
        cluster in cluster_yaml(),
        ipblock_matches_pods in any::<bool>(),
    ) {
        let out = emit_ok(&intent);
        load_output(&out);
        let mut sources = vec![Source { name: "cluster.yaml".into(), bytes: cluster.into_bytes() }];
        sources.extend(out.files.iter().map(|(p, t)| Source { name: p.clone(), bytes: t.as_bytes().to_vec() }));
        let c = load(&sources).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let engine = Engine::new(&c, Options { ipblock_matches_pods, select_host_network: false });
        let map = engine.reach_map();
        let n = c.workloads.len();
        let mut allowed = vec![vec![PortSet::none(); n]; n];
        for &(s, d, p) in &map.connections {
            allowed[s][d] = map.ports(p).clone();
        }
        for (s, src) in c.workloads.iter().enumerate() {
            for (d, dst) in c.workloads.iter().enumerate() {
                if s == d {
                    continue; // a pod always reaches itself
                }
                for &(protocol, port) in SAMPLED {
                    let egress = side_allows(&intent, &c, Direction::Egress, src, &Other::Pod(dst), protocol, port, &dst.ports, ipblock_matches_pods);
                    let ingress = side_allows(&intent, &c, Direction::Ingress, dst, &Other::Pod(src), protocol, port, &dst.ports, ipblock_matches_pods);
                    prop_assert_eq!(
                        allowed[s][d].contains(protocol, port),
                        egress && ingress,
                        "{} -> {} on {} {}\n{}", src.id(), dst.id(), protocol, port, emit::stream(&out)
                    );
                }
            }
        }
        for o in &map.outside {
            let w = &c.workloads[o.workload];
            for probe in PROBES {
                let ip: IpAddr = probe.parse().expect("probe address");
                let got = o.allowed.iter().filter(|(a, _)| a.contains(&ip)).fold(PortSet::none(), |acc, (_, p)| acc.union(p));
                for &(protocol, port) in SAMPLED {
                    // Named ports resolve on the destination: the pod for ingress, nothing
                    // for an address.
                    let dst_ports: &[ContainerPort] = match o.direction {
                        Direction::Ingress => &w.ports,
                        Direction::Egress => &[],
                    };
                    let want = side_allows(&intent, &c, o.direction, w, &Other::Address(ip), protocol, port, dst_ports, ipblock_matches_pods);
                    prop_assert_eq!(
                        got.contains(protocol, port),
                        want,
                        "{} {:?} {} on {} {}\n{}", w.id(), o.direction, ip, protocol, port, emit::stream(&out)
                    );
                }
            }
        }
    }

    #[test]
    fn output_does_not_depend_on_input_order(intent in intent(), seed in any::<u64>()) {
        let first = emit::emit(&intent, &options());
        let mut shuffled = intent.clone();
        let mut rng = Rng::new(seed);
        for ns in shuffled.namespaces.values_mut() {
            shuffle(&mut ns.isolations, &mut rng);
            shuffle(&mut ns.allowances, &mut rng);
        }
        prop_assert_eq!(first, emit::emit(&shuffled, &options()));
    }
}
