//! The fast whole-map computation (`Engine::reach_map`) must agree, pair by
//! pair and address by address, with the plain per-connection evaluation
//! (`Engine::connection`) on random clusters: two implementations of one
//! meaning, held to each other.

use netpolc::ir::{Cidr, Protocol};
use netpolc::model::{
    Cluster, ContainerPort, LabelSelector, Labels, Namespace, NamespaceScope, NetworkPolicy,
    Operator, Origin, Peer, PolicyPort, PortSpec, Requirement, Rule, Workload,
};
use netpolc::verify::{Endpoint, Engine, Options};
use proptest::prelude::*;
use std::net::IpAddr;

fn labels(pairs: &[(&str, String)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn origin() -> Origin {
    Origin {
        file: "gen.yaml".into(),
        document: 1,
    }
}

fn selector() -> impl Strategy<Value = LabelSelector> {
    let req = (
        prop::sample::select(vec!["app", "tier"]),
        prop::sample::select(vec![
            Operator::In,
            Operator::NotIn,
            Operator::Exists,
            Operator::DoesNotExist,
        ]),
        prop::sample::select(vec!["a", "b", "x"]),
    )
        .prop_map(|(k, op, v)| Requirement {
            key: k.into(),
            operator: op,
            values: match op {
                Operator::In | Operator::NotIn => vec![v.into()],
                _ => vec![],
            },
        });
    (
        prop::option::of(prop::sample::select(vec!["a", "b", "c"])),
        prop::collection::vec(req, 0..2),
    )
        .prop_map(|(app, exprs)| LabelSelector {
            match_labels: app
                .map(|a| labels(&[("app", a.into())]))
                .unwrap_or_default(),
            match_expressions: exprs,
        })
}

fn peer() -> impl Strategy<Value = Peer> {
    let cidrs = prop::sample::select(vec![
        ("10.0.0.0/8", vec![]),
        ("10.0.0.0/8", vec!["10.0.1.0/24"]),
        ("0.0.0.0/0", vec!["10.0.0.0/8"]),
        ("fd00::/8", vec![]),
        ("::/0", vec!["fd00::1/128"]),
        ("8.8.8.8/32", vec![]),
    ]);
    prop_oneof![
        (prop::option::of(selector()), selector()).prop_map(|(ns, pods)| Peer::Pods {
            namespaces: ns.map_or(NamespaceScope::PolicyNamespace, NamespaceScope::Matching),
            pods,
        }),
        cidrs.prop_map(|(c, ex)| Peer::IpBlock {
            cidr: c.parse::<Cidr>().unwrap(),
            except: ex.iter().map(|e| e.parse::<Cidr>().unwrap()).collect(),
        }),
    ]
}

fn policy_port() -> impl Strategy<Value = PolicyPort> {
    (
        prop::sample::select(vec![Protocol::Tcp, Protocol::Udp, Protocol::Sctp]),
        prop_oneof![
            Just(PortSpec::All),
            (1u16..100, 0u16..5).prop_map(|(s, l)| PortSpec::Numbers {
                start: s,
                end: s + l
            }),
            prop::sample::select(vec!["http", "dns"]).prop_map(|n| PortSpec::Named(n.into())),
        ],
    )
        .prop_map(|(protocol, port)| PolicyPort { protocol, port })
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        prop::option::of(prop::collection::vec(peer(), 1..3)),
        prop::option::of(prop::collection::vec(policy_port(), 1..3)),
    )
        .prop_map(|(peers, ports)| Rule { peers, ports })
}

fn cluster() -> impl Strategy<Value = Cluster> {
    let workload = (
        0usize..2,
        prop::sample::select(vec!["a", "b", "c"]),
        prop::option::of(prop::sample::select(vec!["a", "x"])),
        prop::sample::select(vec![0u8, 1, 2, 3]),
        any::<bool>(),
        prop::sample::select(vec![0u8, 0, 0, 1]),
        prop::sample::select(vec![10u16, 20, 53]),
    );
    let policy = (
        0usize..2,
        selector(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(rule(), 0..3),
        prop::collection::vec(rule(), 0..3),
    );
    (
        prop::collection::vec(workload, 1..6),
        prop::collection::vec(policy, 0..4),
    )
        .prop_map(|(ws, ps)| {
            let ns_names = ["alpha", "beta"];
            let mut c = Cluster::default();
            for (i, ns) in ns_names.iter().enumerate() {
                let mut l = labels(&[("kubernetes.io/metadata.name", ns.to_string())]);
                if i == 0 {
                    l.insert("tier".into(), "a".into());
                }
                c.namespaces.insert(
                    ns.to_string(),
                    Namespace {
                        name: ns.to_string(),
                        labels: l,
                        origin: None,
                    },
                );
            }
            for (i, (ns, app, tier, ips, single, host, port)) in ws.into_iter().enumerate() {
                let mut l = labels(&[("app", app.into())]);
                if let Some(t) = tier {
                    l.insert("tier".into(), t.into());
                }
                let v4: IpAddr = format!("10.0.{}.{}", i % 2, i + 1).parse().unwrap();
                let v6: IpAddr = format!("fd00::{}", i + 1).parse().unwrap();
                let ips = match ips {
                    0 => vec![],
                    1 => vec![v4],
                    2 => vec![v6],
                    _ => vec![v4, v6],
                };
                c.workloads.push(Workload {
                    namespace: ns_names[ns].into(),
                    name: format!("w{i}"),
                    kind: "Pod".into(),
                    labels: l,
                    ports: vec![
                        ContainerPort {
                            name: Some("http".into()),
                            port,
                            protocol: Protocol::Tcp,
                        },
                        ContainerPort {
                            name: Some("dns".into()),
                            port: 53,
                            protocol: Protocol::Udp,
                        },
                    ],
                    ips,
                    host_network: host == 1,
                    single_pod: single,
                    pods: vec![],
                    origin: origin(),
                });
            }
            for (i, (ns, sel, ing, eg, irules, erules)) in ps.into_iter().enumerate() {
                c.policies.push(NetworkPolicy {
                    namespace: ns_names[ns].into(),
                    name: format!("p{i}"),
                    pod_selector: sel,
                    isolates_ingress: ing,
                    isolates_egress: eg,
                    ingress: irules,
                    egress: erules,
                    origin: origin(),
                });
            }
            c
        })
}

proptest! {
    #![proptest_config(crate::kit::proptest::with_cases(400))]

    #[test]
    fn reach_map_agrees_with_per_connection_evaluation(c in cluster(), ipblock_pods in any::<bool>(), select_host_network in any::<bool>()) {
        let engine = Engine::new(&c, Options { ipblock_matches_pods: ipblock_pods, select_host_network });
        let map = engine.reach_map();
        let n = c.workloads.len();
        let mut from_map = vec![vec![None; n]; n];
        for &(s, d, p) in &map.connections {
            from_map[s][d] = Some(map.ports(p).clone());
        }
        for (s, row) in from_map.iter().enumerate() {
            for (d, fast) in row.iter().enumerate() {
                let slow = engine
                    .connection(Endpoint::Workload(s), Endpoint::Workload(d), None)
                    .unwrap()
                    .allowed();
                let fast = fast.clone().unwrap_or_default();
                prop_assert_eq!(fast, slow, "pair {} -> {}", s, d);
            }
        }
        let probes: Vec<IpAddr> = ["8.8.8.8", "10.0.1.7", "10.3.3.3", "fd00::1", "2001:db8::1"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        for o in &map.outside {
            for ip in &probes {
                let fast = o
                    .allowed
                    .iter()
                    .filter(|(a, _)| a.contains(ip))
                    .fold(netpolc::ir::PortSet::none(), |acc, (_, p)| acc.union(p));
                let (src, dst) = match o.direction {
                    netpolc::model::Direction::Egress => (Endpoint::Workload(o.workload), Endpoint::Address(*ip)),
                    netpolc::model::Direction::Ingress => (Endpoint::Address(*ip), Endpoint::Workload(o.workload)),
                };
                let fam = Some(netpolc::ir::Family::of(ip));
                let slow = engine.connection(src, dst, fam).unwrap().allowed();
                prop_assert_eq!(fast, slow, "workload {} {:?} {}", o.workload, o.direction, ip);
            }
        }
    }
}
