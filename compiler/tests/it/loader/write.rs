//! `model::write` against the loader: every cluster the loader can return is written as
//! manifests that load back to the same cluster (origins aside), and what no manifest can
//! say reads back as the API server would default it.

use super::ok;
use crate::kit::cluster::{Addresses, NamespaceLabels, Pods, Presence, Shape};
use crate::kit::policy::Policies;
use crate::kit::selector::Selectors;
use netpolc::ir::Protocol;
use netpolc::model::{self, Cluster, ContainerPort, NoteAbout, Origin, Rule};
use proptest::prelude::*;

/// Label values YAML 1.1 reads as something else unless quoted (kubectl reads YAML 1.1),
/// the empty value, and plain ones.
const VALUES: &[&str] = &["a", "on", "", "0x10", "true", "null", "1.5", "x-y.z_1"];

const PODS: Selectors = Selectors {
    match_labels: Some(("app", VALUES)),
    keys: &["app", "tier", "example.com/flag"],
    values: VALUES,
    values_per_requirement: Some(1..3),
    requirements: 0..3,
};

/// Pods of every label class, both address families, hostNetwork, unnamed ports and every
/// protocol; policies with every peer and port form.
const UNIVERSE: Pods = Pods {
    namespaces: &["alpha", "beta", "gamma"],
    namespace_labels: NamespaceLabels::Drawn("team", VALUES),
    count: 0..8,
    labels: &[
        ("app", Presence::Maybe, VALUES),
        ("tier", Presence::Maybe, &["x", "yes"]),
        ("example.com/flag", Presence::Maybe, &["on", ""]),
    ],
    addresses: Addresses::Families,
    shape,
    policies: Some(Policies {
        namespaces: &["alpha", "beta", "gamma"],
        pods: PODS,
        namespace_selectors: Selectors {
            match_labels: None,
            keys: &["team", model::NAMESPACE_NAME_LABEL],
            ..PODS
        },
        blocks: &[
            ("0.0.0.0/0", &["10.0.0.0/8", "192.168.1.0/24"]),
            ("10.1.0.0/16", &[]),
            ("8.8.8.8/32", &[]),
            ("::/0", &["fd00::/8"]),
            ("2001:db8::/32", &["2001:db8::1/128"]),
        ],
        protocols: &[Protocol::Tcp, Protocol::Udp, Protocol::Sctp],
        port_starts: 1..65530,
        port_lengths: 0..5,
        port_names: &["http", "dns", "metrics"],
    }),
};

fn shape() -> BoxedStrategy<Shape> {
    let entry = (
        prop::option::of(prop::sample::select(vec!["http", "dns", "metrics"])),
        1u16..=65535,
        prop::sample::select(vec![Protocol::Tcp, Protocol::Udp, Protocol::Sctp]),
    );
    (prop::collection::vec(entry, 0..4), any::<bool>())
        .prop_map(|(entries, host_network)| {
            let mut ports: Vec<ContainerPort> = entries
                .into_iter()
                .map(|(name, port, protocol)| ContainerPort {
                    name: name.map(String::from),
                    port,
                    protocol,
                })
                .collect();
            // The loader keeps each port once.
            ports.sort();
            ports.dedup();
            Shape {
                ports,
                host_network,
                single_pod: true,
            }
        })
        .boxed()
}

/// What a workload becomes besides a bare Pod: a controller's pod template (no pods yet,
/// so no addresses), or two replica Pods of a ReplicaSet standing for it.
const KINDS: &[&str] = &[
    "Pod",
    "Pod",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "ReplicationController",
    "replicas",
];

/// A cluster the loader could return: the universe's, with some workloads turned into
/// controllers or replicas, `gamma` declared or only used, and policies as the API server
/// defaults them (a policy isolates some direction, and has no rules for the others).
fn loadable() -> impl Strategy<Value = Cluster> {
    (
        UNIVERSE.cluster(),
        prop::collection::vec(prop::sample::select(KINDS.to_vec()), 8),
        any::<bool>(),
    )
        .prop_map(|(mut c, kinds, declare_gamma)| {
            for (w, kind) in c.workloads.iter_mut().zip(kinds) {
                match kind {
                    "Pod" => {}
                    "replicas" => {
                        w.kind = "ReplicaSet".into();
                        w.single_pod = false;
                        w.pods = vec![format!("{}-a", w.name), format!("{}-b", w.name)];
                    }
                    _ => {
                        w.kind = kind.into();
                        w.single_pod = false;
                        w.pods = vec![];
                        w.ips = vec![];
                    }
                }
            }
            for p in &mut c.policies {
                if !p.isolates_ingress && !p.isolates_egress {
                    p.isolates_ingress = true;
                }
                if !p.isolates_ingress {
                    p.ingress.clear();
                }
                if !p.isolates_egress {
                    p.egress.clear();
                }
            }
            let used = c.workloads.iter().map(|w| &w.namespace);
            let used = used.chain(c.policies.iter().map(|p| &p.namespace));
            let gamma_used = used.into_iter().any(|n| n == "gamma");
            if !declare_gamma {
                if gamma_used {
                    let gamma = c.namespaces.get_mut("gamma").expect("the universe's");
                    gamma.origin = None;
                    gamma.labels.retain(|k, _| k == model::NAMESPACE_NAME_LABEL);
                } else {
                    c.namespaces.remove("gamma");
                }
            }
            c
        })
}

/// The cluster with every origin the same (and a namespace still declared or not).
fn without_origins(mut c: Cluster) -> Cluster {
    let none = Origin {
        file: String::new(),
        document: 0,
    };
    for ns in c.namespaces.values_mut() {
        ns.origin = ns.origin.as_ref().map(|_| none.clone());
    }
    for w in &mut c.workloads {
        w.origin = none.clone();
    }
    for p in &mut c.policies {
        p.origin = none.clone();
    }
    c
}

proptest! {
    #![proptest_config(crate::kit::proptest::with_cases(256))]

    #[test]
    fn what_write_writes_loads_back_equal(c in loadable()) {
        let text = model::write(&c);
        let loaded = ok(&text);
        prop_assert!(loaded.notes.is_empty(), "{:?}\n{text}", loaded.notes);
        prop_assert_eq!(without_origins(loaded), without_origins(c), "{}", text);
    }
}

/// Objects come namespaces first, then workloads, then policies; each loaded object says
/// which document it was written in.
#[test]
fn origins_name_the_documents_written() {
    let c = ok("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: b}\nspec: {podSelector: {}}\n\
         ---\napiVersion: v1\nkind: Pod\nmetadata: {name: w, namespace: a}\n\
         ---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b, labels: {team: x}}\n");
    let again = ok(&model::write(&c));
    let doc = |o: &Origin| (o.file.clone(), o.document);
    assert_eq!(
        doc(again.namespaces["b"].origin.as_ref().unwrap()),
        ("in.yaml".into(), 1)
    );
    assert_eq!(again.namespaces["a"].origin, None);
    assert_eq!(doc(&again.workloads[0].origin), ("in.yaml".into(), 2));
    assert_eq!(doc(&again.policies[0].origin), ("in.yaml".into(), 3));
}

/// Strings YAML 1.1 would read as a boolean, a number or null are quoted, so that kubectl
/// reads them as the strings they are.
#[test]
fn yaml_1_1_lookalikes_are_quoted() {
    let c = ok("apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {x: 'on', y: '0x10', z: 'null'}}\n");
    let text = model::write(&c);
    for plain in ["x: on", "y: 0x10", "z: null"] {
        assert!(!text.contains(plain), "`{plain}` unquoted in:\n{text}");
    }
    assert_eq!(ok(&text).namespaces["a"].labels, c.namespaces["a"].labels);
}

/// What no manifest says reads back as the API server defaults it: a policy isolating no
/// direction as one isolating ingress (SetDefaults_NetworkPolicySpec: empty policyTypes
/// become `[Ingress]`), rules of a direction not isolated kept with a note, an empty list
/// of peers as absent ("If this field is empty or missing, this rule matches all
/// sources", API reference, NetworkPolicyIngressRule.from).
#[test]
fn what_no_manifest_says_reads_back_defaulted() {
    let mut c = ok("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\n\
         spec: {podSelector: {}, policyTypes: [Ingress]}\n");
    let p = &mut c.policies[0];
    p.isolates_ingress = false;
    p.egress = vec![Rule {
        peers: Some(vec![]),
        ports: None,
    }];
    let again = ok(&model::write(&c));
    let q = &again.policies[0];
    assert!(q.isolates_ingress && q.isolates_egress, "{q:?}");
    assert_eq!(
        q.egress,
        [Rule {
            peers: None,
            ports: None
        }]
    );

    c.policies[0].isolates_egress = false;
    c.policies[0].isolates_ingress = true;
    let again = ok(&model::write(&c));
    assert_eq!(again.policies[0].egress.len(), 1);
    assert!(
        again
            .notes
            .iter()
            .any(|n| n.about == NoteAbout::NetworkPolicy
                && n.diagnostic.message.contains("spec.egress is ignored")),
        "{:?}",
        again.notes
    );
}
