//! The fast whole-map computation (`Engine::reach_map`) must agree, pair by
//! pair and address by address, with the plain per-connection evaluation
//! (`Engine::connection`) on random clusters: two implementations of one
//! meaning, held to each other.

use crate::kit::cluster::{port, Addresses, NamespaceLabels, Pods, Presence, Shape};
use crate::kit::policy::Policies;
use crate::kit::selector::Selectors;
use netpolc::ir::Protocol;
use netpolc::verify::{Endpoint, Engine, Options};
use proptest::prelude::*;
use std::net::IpAddr;

/// Selectors over `app` and `tier`, the keys pods carry.
const SELECTORS: Selectors = Selectors {
    match_labels: Some(("app", &["a", "b", "c"])),
    keys: &["app", "tier"],
    values: &["a", "b", "x"],
    values_per_requirement: None,
    requirements: 0..2,
};

/// Two namespaces, `alpha` labelled `tier=a` so that namespace selectors over `tier` cut;
/// pods with no address, one, or one of each family, now and then hostNetwork or several
/// alike; ports of every protocol, and numbers around the pods' `http` ports.
const UNIVERSE: Pods = Pods {
    namespaces: &["alpha", "beta"],
    namespace_labels: NamespaceLabels::Fixed(&[&[("tier", "a")]]),
    count: 1..6,
    labels: &[
        ("app", Presence::Always, &["a", "b", "c"]),
        ("tier", Presence::Maybe, &["a", "x"]),
    ],
    addresses: Addresses::Families,
    shape,
    policies: Some(Policies {
        namespaces: &["alpha", "beta"],
        pods: SELECTORS,
        namespace_selectors: SELECTORS,
        blocks: &[
            ("10.0.0.0/8", &[]),
            ("10.0.0.0/8", &["10.0.1.0/24"]),
            ("0.0.0.0/0", &["10.0.0.0/8"]),
            ("fd00::/8", &[]),
            ("::/0", &["fd00::1/128"]),
            ("8.8.8.8/32", &[]),
        ],
        protocols: &[Protocol::Tcp, Protocol::Udp, Protocol::Sctp],
        port_starts: 1..100,
        port_lengths: 0..5,
        port_names: &["http", "dns"],
    }),
};

fn shape() -> BoxedStrategy<Shape> {
    (
        any::<bool>(),
        prop::sample::select(vec![false, false, false, true]),
        prop::sample::select(vec![10u16, 20, 53]),
    )
        .prop_map(|(single_pod, host_network, http)| Shape {
            ports: vec![
                port("http", http, Protocol::Tcp),
                port("dns", 53, Protocol::Udp),
            ],
            host_network,
            single_pod,
        })
        .boxed()
}

fn cluster() -> impl Strategy<Value = netpolc::model::Cluster> {
    UNIVERSE.cluster()
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
