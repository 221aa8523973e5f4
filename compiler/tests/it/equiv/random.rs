//! Random policy-set pairs over a small label universe (so that random pods hit every
//! class: each named value, another value, absent), held to the concrete engine:
//! - the lift agrees with the engine on every side of every connection of a random
//!   cluster, port by port;
//! - when `equivalent` says equal, the engine gives both sets the same verdicts there;
//! - when it returns witnesses, the engine confirms each one.
//!
//! Pairs are independent, meaning-keeping rewrites of one another, or rewrites with one
//! mutation, so that both answers come up often.

use crate::equiv::harness::confirm_with;
use crate::kit::cluster::{port, Addresses, NamespaceLabels, Pods, Presence, Shape};
use crate::kit::policy::Policies;
use crate::kit::selector::Selectors;
use netpolc::ir::{Family, Protocol};
use netpolc::model::{
    Cluster, ContainerPort, Direction, NetworkPolicy, Peer, PolicyPort, PortSpec, Rule,
    NAMESPACE_NAME_LABEL,
};
use netpolc::verify::equiv::{self, OtherEnd, Point};
use netpolc::verify::{Endpoint, Engine, Options};
use proptest::prelude::*;

/// Pods carry `app` and `tier`, namespaces `team`: selectors over them, with values pods
/// have and values they lack.
const PODS: Selectors = Selectors {
    match_labels: Some(("app", &["x", "y"])),
    keys: &["app", "tier"],
    values: &["x", "y"],
    values_per_requirement: Some(1..3),
    requirements: 0..2,
};

const POLICIES: Policies = Policies {
    namespaces: &["a", "b"],
    pods: PODS,
    namespace_selectors: Selectors {
        match_labels: None,
        keys: &["team", NAMESPACE_NAME_LABEL],
        values: &["obs", "a", "b"],
        values_per_requirement: Some(1..3),
        requirements: 0..2,
    },
    blocks: &[
        ("10.0.0.0/8", &["10.1.0.0/16"]),
        ("10.1.0.0/16", &[]),
        ("0.0.0.0/0", &["10.0.0.0/8"]),
        ("fd00::/8", &[]),
        ("8.8.8.8/32", &[]),
    ],
    protocols: &[Protocol::Tcp, Protocol::Tcp, Protocol::Udp],
    port_starts: 80..84,
    port_lengths: 0..3,
    port_names: &["http", "dns"],
};

/// Three namespaces, maybe in a team; pods with or without each label, an address in a
/// subnet some blocks hold and others do not, `dns` on a port `http` may also use, and
/// now and then hostNetwork.
const UNIVERSE: Pods = Pods {
    namespaces: &["a", "b", "c"],
    namespace_labels: NamespaceLabels::Drawn("team", &["obs", "dev"]),
    count: 1..7,
    labels: &[
        ("app", Presence::Maybe, &["x", "y", "z"]),
        ("tier", Presence::Maybe, &["x", "y"]),
    ],
    addresses: Addresses::Prefixes(&["10.0.0.", "10.1.0.", "192.168.0.", "fd00::", "8.8.8."]),
    shape,
    policies: None,
};

fn shape() -> BoxedStrategy<Shape> {
    (
        prop::option::of(80u16..84),
        prop::sample::select(vec![53u16, 80]),
        prop::sample::select(vec![false, false, false, false, true]),
    )
        .prop_map(|(http, dns, host_network)| {
            let mut ports = vec![port("dns", dns, Protocol::Udp)];
            ports.extend(http.map(|p| port("http", p, Protocol::Tcp)));
            Shape {
                ports,
                host_network,
                single_pod: true,
            }
        })
        .boxed()
}

fn policies() -> impl Strategy<Value = Vec<NetworkPolicy>> {
    POLICIES.policies()
}

/// The same meaning, written differently: policies renamed and in reverse order, rules
/// reversed, every rule split into one rule per port and per peer.
fn rewrite(set: &[NetworkPolicy]) -> Vec<NetworkPolicy> {
    let split = |rules: &[Rule]| -> Vec<Rule> {
        let mut out = Vec::new();
        for r in rules.iter().rev() {
            let peers: Vec<Option<Vec<Peer>>> = match &r.peers {
                None => vec![None],
                Some(list) => list.iter().map(|p| Some(vec![p.clone()])).collect(),
            };
            let ports: Vec<Option<Vec<PolicyPort>>> = match &r.ports {
                None => vec![None],
                Some(list) => list.iter().map(|p| Some(vec![p.clone()])).collect(),
            };
            for pe in &peers {
                for po in &ports {
                    out.push(Rule {
                        peers: pe.clone(),
                        ports: po.clone(),
                    });
                }
            }
        }
        out
    };
    set.iter()
        .rev()
        .map(|p| NetworkPolicy {
            name: format!("rewritten-{}", p.name),
            ingress: split(&p.ingress),
            egress: split(&p.egress),
            ..p.clone()
        })
        .collect()
}

/// One change that usually alters the meaning.
fn mutate(mut set: Vec<NetworkPolicy>, which: u8) -> Vec<NetworkPolicy> {
    let Some(p) = set.first_mut() else {
        return set;
    };
    match which % 5 {
        0 => {
            for r in p.ingress.iter_mut().chain(p.egress.iter_mut()) {
                for port in r.ports.iter_mut().flatten() {
                    if let PortSpec::Numbers { start, end } = &mut port.port {
                        *start += 1;
                        *end += 1;
                        return set;
                    }
                }
            }
        }
        1 => {
            if p.ingress.pop().is_none() {
                p.egress.pop();
            }
        }
        2 => p.isolates_egress = !p.isolates_egress,
        3 => {
            p.pod_selector
                .match_labels
                .insert("tier".into(), "x".into());
        }
        _ => {
            p.isolates_ingress = true;
            p.ingress.push(Rule {
                peers: None,
                ports: None,
            });
        }
    }
    set
}

fn pair() -> impl Strategy<Value = (Vec<NetworkPolicy>, Vec<NetworkPolicy>)> {
    (policies(), policies(), 0u8..3, any::<u8>()).prop_map(|(a, other, mode, m)| {
        let b = match mode {
            0 => other,
            1 => rewrite(&a),
            _ => mutate(rewrite(&a), m),
        };
        (a, b)
    })
}

fn cluster() -> impl Strategy<Value = Cluster> {
    UNIVERSE.cluster()
}

const OUTSIDE: [&str; 6] = [
    "10.0.0.200",
    "10.1.0.200",
    "8.8.8.8",
    "192.168.5.5",
    "fd00::200",
    "2001:db8::200",
];

/// Every side of every connection in the cluster: (subject, other end, direction).
fn sides(c: &Cluster, options: Options) -> Vec<(usize, Endpoint, Direction)> {
    let mut others: Vec<Endpoint> = (0..c.workloads.len()).map(Endpoint::Workload).collect();
    others.extend(
        OUTSIDE
            .iter()
            .map(|a| Endpoint::Address(a.parse().expect("an address"))),
    );
    let mut out = Vec::new();
    for s in 0..c.workloads.len() {
        // A hostNetwork pod read as node traffic is never selected, so its sides are open
        // under any policies; a point has no way to say "hostNetwork" for the shaped pod.
        if c.workloads[s].host_network && !options.select_host_network {
            continue;
        }
        for &o in &others {
            if o == Endpoint::Workload(s) {
                continue;
            }
            for d in [Direction::Ingress, Direction::Egress] {
                out.push((s, o, d));
            }
        }
    }
    out
}

/// The point of one side and port, as the symbolic side sees it (a hostNetwork pod is a
/// pod under `select_host_network`).
fn point(
    c: &Cluster,
    (s, other, d): (usize, Endpoint, Direction),
    (protocol, port): (Protocol, u16),
    options: Options,
) -> Point {
    let w = &c.workloads[s];
    let other_end = match other {
        Endpoint::Workload(o) if c.workloads[o].host_network && !options.select_host_network => {
            OtherEnd::HostNetworkPod {
                ip: c.workloads[o].ips[0],
            }
        }
        Endpoint::Workload(o) => {
            let ow = &c.workloads[o];
            OtherEnd::Pod {
                namespace: ow.namespace.clone(),
                namespace_labels: c.namespaces[&ow.namespace].labels.clone(),
                labels: ow.labels.clone(),
                ip: ow.ips[0],
            }
        }
        Endpoint::Address(ip) => OtherEnd::Address(ip),
    };
    let destination_ports: &[ContainerPort] = match (d, other) {
        (Direction::Ingress, _) => &w.ports,
        (Direction::Egress, Endpoint::Workload(o)) => &c.workloads[o].ports,
        (Direction::Egress, Endpoint::Address(_)) => &[],
    };
    let port_name = destination_ports
        .iter()
        .find(|cp| cp.protocol == protocol && cp.port == port)
        .and_then(|cp| cp.name.clone());
    Point {
        namespace: w.namespace.clone(),
        direction: d,
        pod_labels: w.labels.clone(),
        other: other_end,
        protocol,
        port,
        port_name,
    }
}

fn family(c: &Cluster, e: Endpoint) -> Family {
    match e {
        Endpoint::Workload(w) => Family::of(&c.workloads[w].ips[0]),
        Endpoint::Address(ip) => Family::of(&ip),
    }
}

/// Ports worth probing one by one: every class the generator's port entries cut.
fn probes() -> Vec<(Protocol, u16)> {
    let mut v = Vec::new();
    for p in [Protocol::Tcp, Protocol::Udp, Protocol::Sctp] {
        for n in [1u16, 53, 79, 80, 81, 82, 83, 84, 85, 86, 65535] {
            v.push((p, n));
        }
    }
    v
}

proptest! {
    #![proptest_config(crate::kit::proptest::with_cases(200))]

    #[test]
    fn verdicts_agree_with_the_engine((a, b) in pair(), c in cluster(), ipblock_pods in any::<bool>(), select_host_network in any::<bool>()) {
        let options = Options { ipblock_matches_pods: ipblock_pods, select_host_network };
        let (la, lb) = (equiv::lift_policies(&a, options), equiv::lift_policies(&b, options));
        let verdict = equiv::equivalent(&la, &lb);
        let mut ca = c.clone();
        ca.policies = a.clone();
        let mut cb = c.clone();
        cb.policies = b.clone();
        let (ea, eb) = (Engine::new(&ca, options), Engine::new(&cb, options));
        for (s, other, d) in sides(&c, options) {
            let f = Some(family(&c, other));
            let (sa, sb) = (ea.side(d, s, other, f), eb.side(d, s, other, f));
            if verdict.is_ok() {
                prop_assert_eq!(&sa.ports, &sb.ports, "equivalent, yet the engine differs: {:?} {:?} {:?}", s, other, d);
            }
            for (protocol, port) in probes() {
                let pt = point(&c, (s, other, d), (protocol, port), options);
                prop_assert_eq!(la.allows(&pt), sa.ports.contains(protocol, port), "lift of a vs engine at {:?}", pt);
                prop_assert_eq!(lb.allows(&pt), sb.ports.contains(protocol, port), "lift of b vs engine at {:?}", pt);
            }
        }
        if let Err(d) = verdict {
            for w in &d.witnesses {
                confirm_with(w, &a, &b, options);
            }
        }
    }
}

proptest! {
    #![proptest_config(crate::kit::proptest::with_cases(120))]

    /// `changes` lists exactly the difference: every point one lift allows and the other
    /// denies lies in a listed change, and every point of a listed change is such a point
    /// (for an isolation change, the points of its pods the denying lift does not allow).
    #[test]
    fn changes_list_exactly_the_difference((a, b) in pair(), c in cluster(), ipblock_pods in any::<bool>(), select_host_network in any::<bool>()) {
        let options = Options { ipblock_matches_pods: ipblock_pods, select_host_network };
        let (la, lb) = (equiv::lift_policies(&a, options), equiv::lift_policies(&b, options));
        for (allowing, denying) in [(&la, &lb), (&lb, &la)] {
            let listed = equiv::changes(allowing, denying);
            prop_assert!(listed.complete);
            for (s, other, d) in sides(&c, options) {
                for (protocol, port) in probes() {
                    let pt = point(&c, (s, other, d), (protocol, port), options);
                    let differs = allowing.allows(&pt) && !denying.allows(&pt);
                    let covering: Vec<&equiv::Change> =
                        listed.list.iter().filter(|ch| ch.covers(&pt)).collect();
                    for ch in &covering {
                        match ch.cause {
                            equiv::Cause::Allowance => prop_assert!(differs, "{:?} is in {:?} {:?} {:?} yet not a difference", pt, ch.pods, ch.other, ch.ports),
                            equiv::Cause::Isolation => prop_assert_eq!(differs, !denying.allows(&pt), "{:?} in the isolation of {:?}", pt, ch.pods),
                        }
                    }
                    if differs {
                        prop_assert!(!covering.is_empty(), "{:?} differs but no change covers it", pt);
                    }
                }
            }
        }
    }
}
