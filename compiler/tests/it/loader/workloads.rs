//! Part of the loader tests (see `loader.rs`, which holds the helpers).

use super::*;

// ---------------------------------------------------------------- kinds, namespaces, workloads

#[test]
fn undeclared_namespaces_are_added_with_their_name_label() {
    let c = ok(&policy("  podSelector: {}\n"));
    let ns = &c.namespaces["ns"];
    assert_eq!(ns.origin, None);
    assert_eq!(ns.labels.len(), 1);
    assert_eq!(ns.labels[NAMESPACE_NAME_LABEL], "ns");
}

#[test]
fn namespace_name_label_is_set_by_the_control_plane() {
    let c = ok(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n  labels:\n    \
                kubernetes.io/metadata.name: staging\n    team: a\n",
    );
    let ns = &c.namespaces["prod"];
    assert_eq!(ns.labels[NAMESPACE_NAME_LABEL], "prod");
    assert_eq!(ns.labels["team"], "a");
    assert!(ns.origin.is_some());
    assert!(c
        .notes
        .iter()
        .any(|n| n.diagnostic.message.contains("overwritten")));
}

#[test]
fn other_kinds_are_skipped_with_a_note() {
    let c = ok(
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\n\
                apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    );
    let msgs: Vec<&str> = c
        .notes
        .iter()
        .map(|n| n.diagnostic.message.as_str())
        .collect();
    assert_eq!(
        msgs,
        vec!["skipped kind `Service`", "skipped kind `ConfigMap`"]
    );
    assert_eq!(place(&c.notes[1].diagnostic).1, Some(2));
}

#[test]
fn duplicate_objects_are_errors_naming_both_origins() {
    let one = policy("  podSelector: {}\n");
    let e = load(&[src("a.yaml", &one), src("b.yaml", &one)]).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(place(&e[0]), ("b.yaml", Some(1), "metadata.name"));
    assert_eq!(e[0].code, netpolc::diag::Code::DuplicateObject);
    assert!(e[0].message.contains("duplicate NetworkPolicy `ns/p`"));
    assert!(
        e[0].message.contains("a.yaml (document 1)"),
        "{}",
        e[0].message
    );
    // The first declaration is the secondary place, at its name.
    let first = &e[0].secondary[0];
    assert_eq!(first.file, "a.yaml");
    assert_eq!(
        first
            .manifest
            .as_ref()
            .map(|m| (m.document, m.path.as_str())),
        Some((1, "metadata.name"))
    );
    assert_eq!(first.span.start, one.find("name: p").expect("the name"));
    // Same name, other kind or namespace: no clash.
    ok(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\n\
        metadata: {name: a, namespace: other}\n",
    );
}

#[test]
fn pods_and_templates_become_workloads() {
    let c = ok("apiVersion: v1\nkind: Pod\nmetadata: {name: solo, labels: {app: solo}}\nspec:\n  \
                containers:\n  - name: c\n    ports: [{containerPort: 80, name: http}, {containerPort: 53, protocol: UDP}]\n  \
                initContainers:\n  - name: side\n    ports: [{containerPort: 9090}]\nstatus:\n  podIP: 10.0.0.1\n  \
                podIPs: [{ip: 10.0.0.1}, {ip: \"fd00::1\"}]\n---\n\
                apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec:\n  jobTemplate:\n    spec:\n      \
                template:\n        metadata: {labels: {app: batch}}\n        spec: {containers: [{name: j}]}\n");
    let solo = c.workloads.iter().find(|w| w.name == "solo").unwrap();
    assert!(solo.single_pod);
    assert_eq!(solo.pods, vec!["solo"]);
    assert_eq!(solo.kind, "Pod");
    assert_eq!(solo.ports.len(), 3);
    assert_eq!(solo.ips.len(), 2);
    let cron = c.workloads.iter().find(|w| w.name == "nightly").unwrap();
    assert_eq!(cron.kind, "CronJob");
    assert!(!cron.single_pod && cron.pods.is_empty() && cron.ips.is_empty());
    assert_eq!(cron.labels["app"], "batch");
}

#[test]
fn validation_container_ports_validateContainerPorts() {
    let e = errors("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      \
                    containers:\n      - name: c\n        ports: [{containerPort: 0}, {name: Web, containerPort: 80}, {containerPort: 1, protocol: udp}]\n");
    has_error(
        &e,
        "spec.template.spec.containers[0].ports[0].containerPort",
        "between 1 and 65535",
    );
    has_error(
        &e,
        "spec.template.spec.containers[0].ports[1].name",
        "not a valid port name",
    );
    has_error(
        &e,
        "spec.template.spec.containers[0].ports[2].protocol",
        "`udp`",
    );
}

#[test]
fn replica_pods_collapse_into_their_controller() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/it/loader/dump.yaml"
    ))
    .unwrap();
    let c = load(&[src("dump.yaml", &text)]).unwrap();
    let names: Vec<(&str, &str)> = c
        .workloads
        .iter()
        .map(|w| (w.name.as_str(), w.kind.as_str()))
        .collect();
    // The ReplicaSet gives way to its Deployment, and the pods stand for the Deployment.
    assert_eq!(names, vec![("debug", "Pod"), ("web", "Deployment")]);
    let web = &c.workloads[1];
    assert_eq!(web.pods, vec!["web-5d9c-aaaaa", "web-5d9c-bbbbb"]);
    assert!(!web.single_pod);
    let ips: Vec<String> = web.ips.iter().map(ToString::to_string).collect();
    assert_eq!(ips, vec!["10.0.0.11", "10.0.0.12", "fd00::11"]);
    assert!(c.workloads[0].host_network);
    assert_eq!(c.namespaces["shop"].labels["team"], "payments");
    assert!(c
        .notes
        .iter()
        .any(|n| n.diagnostic.message == "skipped kind `Service`"));
    assert_eq!(
        c.policies[0].ingress[0].ports.clone().unwrap()[0].port,
        PortSpec::Named("http".into())
    );
}

#[test]
fn replica_pods_without_their_controller_collapse_under_the_owner_name() {
    let pod = |name: &str, ip: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  labels: {{app: api}}\n  ownerReferences:\n  \
             - {{kind: ReplicaSet, name: api-1, controller: true}}\nstatus: {{podIP: {ip}}}\n---\n"
        )
    };
    let c = ok(&format!(
        "{}{}",
        pod("api-1-x", "10.0.0.2"),
        pod("api-1-y", "10.0.0.1")
    ));
    assert_eq!(c.workloads.len(), 1);
    let w = &c.workloads[0];
    assert_eq!((w.name.as_str(), w.kind.as_str()), ("api-1", "ReplicaSet"));
    assert_eq!(w.pods, vec!["api-1-x", "api-1-y"]);
    assert_eq!(w.ips.len(), 2);
    assert!(!w.single_pod);
}

#[test]
fn workload_name_clashes_get_a_kind_suffix() {
    let c = ok("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web}\nspec: {template: {}}\n---\n\
                apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {template: {}}\n");
    let names: Vec<(&str, &str)> = c
        .workloads
        .iter()
        .map(|w| (w.name.as_str(), w.kind.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![("web", "Deployment"), ("web~statefulset", "StatefulSet")]
    );
    assert!(c
        .notes
        .iter()
        .any(|n| n.diagnostic.message.contains("web~statefulset")));
}

#[test]
fn outputs_are_sorted_by_namespace_and_name() {
    let c = ok(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: z}\n---\n\
                apiVersion: v1\nkind: Pod\nmetadata: {name: c, namespace: a}\n---\n\
                apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: z}\n",
    );
    let ids: Vec<String> = c.workloads.iter().map(|w| w.id()).collect();
    assert_eq!(ids, vec!["a/c", "z/a", "z/b"]);
}

#[test]
fn excepts_are_checked_even_when_the_cidr_has_host_bits_ValidateIPBlock() {
    let e = errors(&policy(
        "  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.1/8, except: [11.0.0.0/16]}\n    \
         - ipBlock: {cidr: [10.0.0.0/8]}\n",
    ));
    // The host bits are a warning (read as the network); the except is still checked.
    assert!(
        !e.iter()
            .any(|e| place(e).2 == "spec.egress[0].to[0].ipBlock.cidr"),
        "{e:#?}"
    );
    has_error(
        &e,
        "spec.egress[0].to[0].ipBlock.except[0]",
        "not inside the cidr `10.0.0.0/8`",
    );
    // A wrong type is reported once.
    let at_cidr = e
        .iter()
        .filter(|e| place(e).2 == "spec.egress[0].to[1].ipBlock.cidr")
        .count();
    assert_eq!(at_cidr, 1, "{e:#?}");
}

#[test]
fn empty_namespace_means_default() {
    let c = ok("apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: \"\"}\n");
    assert_eq!(c.workloads[0].namespace, "default");
}

#[test]
fn stateful_set_pods_that_differ_stay_apart_under_their_own_names() {
    let pod = |i: u8| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: db-{i}\n  labels: {{app: db, \
             statefulset.kubernetes.io/pod-name: db-{i}}}\n  ownerReferences:\n  \
             - {{kind: StatefulSet, name: db, controller: true}}\n---\n"
        )
    };
    let c = ok(&format!(
        "{}{}apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: db}}\nspec: {{template: {{}}}}\n",
        pod(0),
        pod(1)
    ));
    let got: Vec<(&str, &str, bool)> = c
        .workloads
        .iter()
        .map(|w| (w.name.as_str(), w.kind.as_str(), w.single_pod))
        .collect();
    assert_eq!(
        got,
        vec![("db-0", "StatefulSet", true), ("db-1", "StatefulSet", true)]
    );
    assert!(c
        .notes
        .iter()
        .any(|n| n.diagnostic.message.contains("differ")));
}

#[test]
fn mirror_pods_owned_by_a_node_stand_alone() {
    let c = ok(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd-n1\n  namespace: kube-system\n  \
                ownerReferences: [{kind: Node, name: n1, controller: true}]\n",
    );
    let w = &c.workloads[0];
    assert_eq!(
        (w.name.as_str(), w.kind.as_str(), w.single_pod),
        ("etcd-n1", "Pod", true)
    );
}
