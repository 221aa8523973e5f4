//! Mutations of a realistic policy set: each changes the meaning, so each must be found,
//! with a witness that the engine confirms on a cluster built from it.

use crate::equiv::harness::{assert_differ, policies};
use netpolc::model::{Direction, NetworkPolicy};
use netpolc::verify::equiv::{self, OtherEnd, Which, Witness};
use netpolc::verify::Options;

const BASE: &str = "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: obs}}
      podSelector: {matchLabels: {app: prometheus}}
    ports:
    - {port: metrics}
  - from:
    - podSelector: {matchLabels: {app: lb}}
    ports:
    - {port: 8080}
  egress:
  - to:
    - podSelector: {matchLabels: {app: db}}
    ports:
    - {port: 5432}
  - to:
    - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 169.254.169.254/32]}
    ports:
    - {port: 443}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector: {matchLabels: {app: web}}
    ports:
    - {port: 5432}
";

/// `BASE` with `from` (which must occur exactly once) replaced by `to`.
fn mutate(from: &str, to: &str) -> String {
    assert_eq!(BASE.matches(from).count(), 1, "`{from}` must occur once");
    BASE.replacen(from, to, 1)
}

/// The only witness, or the one on the given side.
fn on_side(ws: &[Witness], direction: Direction, which: Which) -> &Witness {
    ws.iter()
        .find(|w| w.point.direction == direction && w.allowed_by == which)
        .unwrap_or_else(|| panic!("no {direction:?} witness for {which}: {ws:#?}"))
}

#[test]
fn the_base_equals_itself() {
    crate::equiv::harness::assert_equivalent(BASE, BASE);
}

#[test]
fn dropping_a_policy_is_found() {
    let start = BASE
        .find("---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db")
        .expect("db policy");
    let dropped = &BASE[..start];
    let ws = assert_differ(BASE, dropped);
    let w = on_side(&ws, Direction::Ingress, Which::Left);
    assert_eq!(
        w.point.pod_labels.get("app").map(String::as_str),
        Some("db")
    );
    assert_eq!(w.point.port, 5432);
    assert_eq!(
        equiv::joined(&w.allowing),
        "NetworkPolicy shop/db spec.ingress[0]"
    );
    assert_eq!(
        equiv::joined(&w.isolating),
        "NetworkPolicy shop/default-deny"
    );
}

#[test]
fn dropping_the_default_deny_is_found() {
    let end = BASE
        .find("---\n")
        .expect("the first policy ends at the first separator");
    let ws = assert_differ(BASE, &BASE[end..]);
    // Pods no other policy selects are no longer isolated: everything reaches them.
    let w = on_side(&ws, Direction::Ingress, Which::Right);
    assert_eq!(w.point.pod_labels.get("app"), None, "{w}");
    assert!(w.allowing.is_empty(), "{w}");
    assert_eq!(
        equiv::joined(&w.isolating),
        "NetworkPolicy shop/default-deny"
    );
    on_side(&ws, Direction::Egress, Which::Right);
}

#[test]
fn shifting_a_port_is_found() {
    let ws = assert_differ(
        BASE,
        &mutate(
            "{app: web}}\n    ports:\n    - {port: 5432}",
            "{app: web}}\n    ports:\n    - {port: 5433}",
        ),
    );
    // Ingress of db: 5432 is gone, 5433 has come.
    let lost = on_side(&ws, Direction::Ingress, Which::Left);
    assert_eq!(lost.point.port, 5432);
    let gained = on_side(&ws, Direction::Ingress, Which::Right);
    assert_eq!(gained.point.port, 5433);
}

#[test]
fn dropping_an_except_is_found() {
    let ws = assert_differ(
        BASE,
        &mutate(
            "except: [10.0.0.0/8, 169.254.169.254/32]",
            "except: [10.0.0.0/8]",
        ),
    );
    assert_eq!(ws.len(), 1, "{ws:#?}");
    let w = on_side(&ws, Direction::Egress, Which::Right);
    // The metadata address, reached either as an outside address or as a pod's IP.
    let ip = match &w.point.other {
        OtherEnd::Address(ip) | OtherEnd::Pod { ip, .. } | OtherEnd::HostNetworkPod { ip } => {
            ip.to_string()
        }
    };
    assert_eq!(ip, "169.254.169.254");
    assert_eq!((w.point.protocol.as_k8s(), w.point.port), ("TCP", 443));
}

#[test]
fn splitting_an_and_peer_into_two_or_peers_is_found() {
    let ws = assert_differ(
        BASE,
        &mutate(
            "    - namespaceSelector: {matchLabels: {team: obs}}\n      podSelector:",
            "    - namespaceSelector: {matchLabels: {team: obs}}\n    - podSelector:",
        ),
    );
    let w = on_side(&ws, Direction::Ingress, Which::Right);
    assert_eq!(w.point.port_name.as_deref(), Some("metrics"));
    let OtherEnd::Pod {
        namespace_labels,
        labels,
        ..
    } = &w.point.other
    else {
        panic!("a pod peer expected: {w}");
    };
    // Either half of the AND alone: obs but not prometheus, or prometheus outside obs.
    let obs = namespace_labels.get("team").map(String::as_str) == Some("obs");
    let prometheus = labels.get("app").map(String::as_str) == Some("prometheus");
    assert!(obs != prometheus, "{w}");
}

#[test]
fn dropping_a_policy_type_is_found() {
    let ws = assert_differ(
        BASE,
        &mutate(
            "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress, Egress]",
            "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress]",
        ),
    );
    // default-deny still isolates web's egress; web's egress rules no longer count.
    let w = on_side(&ws, Direction::Egress, Which::Left);
    assert_eq!(
        w.point.pod_labels.get("app").map(String::as_str),
        Some("web")
    );
}

#[test]
fn retargeting_a_selector_is_found() {
    let ws = assert_differ(
        BASE,
        &mutate(
            "  podSelector: {matchLabels: {app: db}}\n  policyTypes: [Ingress]",
            "  podSelector: {matchLabels: {app: database}}\n  policyTypes: [Ingress]",
        ),
    );
    let lost = on_side(&ws, Direction::Ingress, Which::Left);
    assert_eq!(
        lost.point.pod_labels.get("app").map(String::as_str),
        Some("db")
    );
    let gained = on_side(&ws, Direction::Ingress, Which::Right);
    assert_eq!(
        gained.point.pod_labels.get("app").map(String::as_str),
        Some("database")
    );
}

#[test]
fn adding_an_allow_all_rule_is_found() {
    let ws = assert_differ(
        BASE,
        &mutate(
            "  policyTypes: [Ingress]\n  ingress:\n",
            "  policyTypes: [Ingress]\n  ingress:\n  - {}\n",
        ),
    );
    assert_eq!(ws.len(), 1, "{ws:#?}");
    let w = on_side(&ws, Direction::Ingress, Which::Right);
    assert_eq!(
        equiv::joined(&w.allowing),
        "NetworkPolicy shop/db spec.ingress[0]"
    );
}

#[test]
fn witnesses_read_as_sentences() {
    let ws = assert_differ(BASE, &mutate("{port: 8080}", "{port: 8081}"));
    let w = on_side(&ws, Direction::Ingress, Which::Left);
    let text = w.to_string();
    assert!(
        text.starts_with("ingress of a pod in namespace `shop` with labels app=web from a pod with labels app=lb"),
        "{text}"
    );
    assert!(text.contains("on TCP 8080"), "{text}");
    assert!(
        text.contains("left allows it (NetworkPolicy shop/web spec.ingress[1])"),
        "{text}"
    );
}

#[test]
fn host_network_pods_tell_ip_blocks_from_pod_peers() {
    // On ordinary pods and outside addresses these agree: every pod's IP is in one of the
    // blocks, and a named port never matches an outside address. A hostNetwork pod with
    // a port named `http` is matched by the ipBlocks only (the engine's rules).
    let blocks = "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: out, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 0.0.0.0/0}}, {ipBlock: {cidr: ::/0}}]
    ports: [{port: http}]
";
    let pods = blocks.replace(
        "[{ipBlock: {cidr: 0.0.0.0/0}}, {ipBlock: {cidr: ::/0}}]",
        "[{namespaceSelector: {}}]",
    );
    let ws = assert_differ(blocks, &pods);
    assert_eq!(ws.len(), 1, "{ws:#?}");
    assert!(matches!(ws[0].point.other, OtherEnd::HostNetworkPod { .. }));
    assert_eq!(ws[0].point.port_name.as_deref(), Some("http"));
    // Read as pods (`--select-host-network`), hostNetwork pods are in the pods' space:
    // the same two sets are equal, since every pod's IP is in the blocks.
    let selecting = Options {
        select_host_network: true,
        ..Options::default()
    };
    let lift = |yaml: &str| equiv::lift_policies(&policies(yaml), selecting);
    assert_eq!(equiv::equivalent(&lift(blocks), &lift(&pods)), Ok(()));
}

#[test]
fn read_as_pods_host_network_pods_are_matched_by_pod_peers_not_blocks() {
    // Pods and every address, written out, against no `to` at all. Where ipBlocks never
    // match pods, a hostNetwork pod read as node traffic is matched by neither peer, so
    // the two differ there alone; read as a pod, `namespaceSelector: {}` matches it.
    let written = "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: out, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {}}, {ipBlock: {cidr: 0.0.0.0/0}}, {ipBlock: {cidr: ::/0}}]
";
    let everything = written.replace(
        "to: [{namespaceSelector: {}}, {ipBlock: {cidr: 0.0.0.0/0}}, {ipBlock: {cidr: ::/0}}]",
        "{}",
    );
    let (a, b) = (policies(written), policies(&everything));
    for select_host_network in [false, true] {
        let options = Options {
            ipblock_matches_pods: false,
            select_host_network,
        };
        let found = equiv::equivalent(
            &equiv::lift_policies(&a, options),
            &equiv::lift_policies(&b, options),
        );
        if select_host_network {
            assert_eq!(found, Ok(()));
            assert_eq!(changes_both_ways(&a, &b, options), 0);
            continue;
        }
        let ws = found.expect_err("node traffic tells them apart").witnesses;
        assert_eq!(ws.len(), 1, "{ws:#?}");
        assert!(matches!(ws[0].point.other, OtherEnd::HostNetworkPod { .. }));
        assert_eq!(ws[0].allowed_by, Which::Right);
        assert_eq!(changes_both_ways(&a, &b, options), 1);
    }
}

/// How many changes `changes` lists between two policy sets, both ways.
fn changes_both_ways(a: &[NetworkPolicy], b: &[NetworkPolicy], options: Options) -> usize {
    let (la, lb) = (
        equiv::lift_policies(a, options),
        equiv::lift_policies(b, options),
    );
    equiv::changes(&la, &lb).list.len() + equiv::changes(&lb, &la).list.len()
}

/// A policy selecting by two label keys of its own, allowing pods with two more.
fn distinct_keys_policy(i: usize) -> String {
    format!(
        "---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: p{i}, namespace: s}}
spec:
  podSelector: {{matchLabels: {{k{i}: a, j{i}: b}}}}
  ingress:
  - from: [{{podSelector: {{matchLabels: {{x{i}: yy, z{i}: ww}}}}}}]
    ports: [{{port: {}}}]
",
        1000 + i
    )
}

#[test]
fn many_selectors_over_distinct_keys_stay_fast() {
    // The complement of n such selectors has about 2^n boxes; a decision that built it
    // took 8 s at n = 12. This one never builds complements, so n = 40 is instant.
    let n = 40;
    let base: String = (0..n).map(distinct_keys_policy).collect();
    // The same meaning with other boxes: a redundant copy of part of one rule.
    let redundant = distinct_keys_policy(7)
        .replace("name: p7", "name: extra")
        .replace("x7: yy, z7: ww", "x7: yy, z7: ww, extra: x");
    crate::equiv::harness::assert_equivalent(&base, &(base.clone() + &redundant));
    let ws = assert_differ(&base, &base.replacen("port: 1000", "port: 999", 1));
    assert_eq!(ws.len(), 2, "{ws:#?}");
}
