//! Lifting a program's meaning (`ir::Intent`): against policies written by hand for the
//! same meaning, and against what `compile` emits for programs over every form; the
//! language's "Meaning" read point by point (`meaning`), for the random tests.

use crate::equiv::harness::{engine_allows, policies};
use netpolc::emit;
use netpolc::ir::intent::{NamespaceSet, PeerSet};
use netpolc::ir::Intent;
use netpolc::model::NAMESPACE_NAME_LABEL;
use netpolc::pipeline::{compile, ProgramFile, Settings};
use netpolc::verify::equiv::{self, OtherEnd, Point, Which};
use netpolc::verify::Options;

fn intent_of(program: &str) -> Intent {
    let files = [ProgramFile {
        name: "main.npl".into(),
        bytes: program.as_bytes().to_vec(),
    }];
    match compile(&files, &Settings::default()) {
        Ok(c) => c.intent,
        Err(f) => panic!("does not compile: {:#?}", f.diagnostics),
    }
}

/// The language's "Meaning" for one side, evaluated directly on the intent: the pod is
/// not isolated, or an allowance holds the connection.
pub fn meaning(intent: &Intent, p: &Point, options: Options) -> bool {
    let Some(ns) = intent.namespaces.get(&p.namespace) else {
        return true;
    };
    let isolated = ns
        .isolations
        .iter()
        .any(|i| i.direction == p.direction && i.pods.matches(&p.pod_labels));
    !isolated
        || ns.allowances.iter().any(|a| {
            a.direction == p.direction
                && a.pods.matches(&p.pod_labels)
                && peer_holds(&a.peer, &p.other, options)
                && (a.ports.numbers.contains(p.protocol, p.port)
                    || p.port_name
                        .as_ref()
                        .is_some_and(|n| a.ports.named.contains(&(p.protocol, n.clone()))))
        })
}

fn peer_holds(peer: &PeerSet, other: &OtherEnd, options: Options) -> bool {
    match (peer, other) {
        (PeerSet::Everything, _) => true,
        (PeerSet::Addresses(set), OtherEnd::Address(ip)) => set.contains(ip),
        (PeerSet::Addresses(set), OtherEnd::Pod { ip, .. } | OtherEnd::HostNetworkPod { ip }) => {
            options.ipblock_matches_pods && set.contains(ip)
        }
        (
            PeerSet::Pods { namespaces, pods },
            OtherEnd::Pod {
                namespace,
                namespace_labels,
                labels,
                ..
            },
        ) => {
            let ns_ok = match namespaces {
                NamespaceSet::Named(n) => n == namespace,
                NamespaceSet::Matching(s) => {
                    let mut l = namespace_labels.clone();
                    l.insert(NAMESPACE_NAME_LABEL.into(), namespace.clone());
                    s.matches(&l)
                }
            };
            ns_ok && pods.matches(labels)
        }
        (PeerSet::Pods { .. }, _) => false,
    }
}

const SHOP: &str = "
namespace shop {
  isolate namespace
  web may talk to db on 5432
  egress only 8.8.8.8
  use dns
}
";

const SHOP_POLICIES: &str = "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  egress:
  - to: [{ipBlock: {cidr: 8.8.8.8/32}}]
  - to:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
      podSelector: {matchLabels: {k8s-app: kube-dns}}
    ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {matchLabels: {app: db}}}]
    ports: [{port: 5432}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: 5432}]
";

#[test]
fn a_program_equals_the_policies_written_for_it_by_hand() {
    let program = equiv::lift_intent(&intent_of(SHOP), Options::default());
    let hand = equiv::lift_policies(&policies(SHOP_POLICIES), Options::default());
    if let Err(d) = equiv::equivalent(&program, &hand) {
        panic!("{d}");
    }
}

#[test]
fn hand_policies_that_drift_from_the_program_are_caught_and_confirmed() {
    let intent = intent_of(SHOP);
    let program = equiv::lift_intent(&intent, Options::default());
    for (from, to) in [
        ("cidr: 8.8.8.8/32", "cidr: 8.8.8.0/24"),
        ("ports: [{port: 5432}]\n---", "ports: [{port: 5433}]\n---"),
        ("{protocol: UDP, port: 53}, ", ""),
        (
            "podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]",
            "podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress]",
        ),
    ] {
        assert_eq!(SHOP_POLICIES.matches(from).count(), 1, "{from}");
        let set = policies(&SHOP_POLICIES.replacen(from, to, 1));
        let hand = equiv::lift_policies(&set, Options::default());
        let d = equiv::equivalent(&program, &hand).expect_err(to);
        for w in &d.witnesses {
            // The program's verdict from its meaning, the policies' from the engine.
            let program_allows = meaning(&intent, &w.point, Options::default());
            assert_eq!(program_allows, w.allowed_by == Which::Left, "{w}");
            assert_eq!(
                engine_allows(w, &set, Options::default()),
                w.allowed_by == Which::Right,
                "{w}\n{}",
                w.manifests()
            );
        }
    }
}

#[test]
fn top_level_statements_and_namespace_selectors_lift() {
    let intent = intent_of(
        "
isolate namespace shop
anywhere may talk to shop/web on 443
namespace shop {
  web ingress only from namespaces(team=obs) on http
}
",
    );
    let hand = policies(
        "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: all, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - ports: [{port: 443}]
  - from: [{namespaceSelector: {matchLabels: {team: obs}}}]
    ports: [{port: http}]
---
# A top-level statement shapes both sides: shop's pods may also reach shop/web.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: to-web, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: 443}]
",
    );
    let (a, b) = (
        equiv::lift_intent(&intent, Options::default()),
        equiv::lift_policies(&hand, Options::default()),
    );
    if let Err(d) = equiv::equivalent(&a, &b) {
        panic!("{d}");
    }
}

/// Programs over every endpoint and port form of the language: what `compile` emits,
/// read back through the loader, equals the program's meaning (the self-check `compile`
/// will run before writing).
#[test]
fn compiled_programs_equal_their_emitted_policies() {
    let programs = [
        SHOP,
        "
isolate namespace shop
anywhere may talk to shop/web on 443
namespace shop {
  web ingress only from namespaces(team=obs) on http
}
",
        "
define partners = 203.0.113.0/24, 2001:db8::/32
namespace pay {
  isolate namespace
  use dns
  use deny-metadata
  gateway egress only partners on 443, 8000-8100
  gateway egress only internet on tcp 443
  pods(tier in (api, worker), !legacy) may talk to pods(app=db) in namespace data on 5432
  pods(tier=api) ingress only from pods(app=lb) in namespaces(team=edge), cluster on http
  * may talk to * on udp dns, tcp 53
}
namespace data {
  isolate ingress
  pay/* may talk to db on 5432
  db ingress only from 10.0.0.0/8 except (10.1.0.0/16, 10.2.3.4)
}
",
    ];
    for program in programs {
        let files = [ProgramFile {
            name: "main.npl".into(),
            bytes: program.as_bytes().to_vec(),
        }];
        let compiled = match compile(&files, &Settings::default()) {
            Ok(c) => c,
            Err(f) => panic!("does not compile: {:#?}", f.diagnostics),
        };
        let set = policies(&emit::stream(&compiled.output));
        assert!(!set.is_empty());
        for options in [
            Options::default(),
            Options {
                ipblock_matches_pods: false,
                select_host_network: false,
            },
        ] {
            let a = equiv::lift_intent(&compiled.intent, options);
            let b = equiv::lift_policies(&set, options);
            if let Err(d) = equiv::equivalent(&a, &b) {
                panic!("{d}\n{}", emit::stream(&compiled.output));
            }
        }
    }
}
