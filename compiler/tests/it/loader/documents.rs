//! Part of the loader tests (see `loader.rs`, which holds the helpers).

use super::*;

// ---------------------------------------------------------------- strictness and types

#[test]
fn unknown_field_is_an_error_with_path_and_suggestion() {
    let e = errors(&policy(
        "  ingress:\n  - from:\n    - ipblock: {cidr: 10.0.0.0/8}\n",
    ));
    has_error(
        &e,
        "spec.ingress[0].from[0].ipblock",
        "unknown field `ipblock`, did you mean `ipBlock`?",
    );
    let e = errors(&policy("  podSelectr: {}\n  ingres: []\n"));
    has_error(&e, "spec.podSelectr", "did you mean `podSelector`?");
    has_error(&e, "spec.ingres", "did you mean `ingress`?");
    let e = errors(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, lables: {}}\nspecs: {}\n",
    );
    has_error(&e, "metadata.lables", "did you mean `labels`?");
    has_error(&e, "specs", "did you mean `spec`?");
}

#[test]
fn known_metadata_and_status_are_accepted() {
    ok("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n  uid: u\n  \
        resourceVersion: \"1\"\n  generation: 2\n  creationTimestamp: \"2024-01-01T00:00:00Z\"\n  \
        annotations: {a: b}\n  finalizers: [x]\n  managedFields:\n  - {manager: kubectl, operation: Update, \
        fieldsType: FieldsV1, fieldsV1: {f:spec: {}}}\nspec: {}\nstatus: {}\n");
}

#[test]
fn wrong_types_are_errors_with_the_path() {
    let e = errors(&policy("  ingress: everything\n"));
    has_error(
        &e,
        "spec.ingress",
        "must be a list, got the string `everything`",
    );
    let e = errors(&policy("  ingress:\n  - from:\n      podSelector: {}\n"));
    has_error(&e, "spec.ingress[0].from", "must be a list, got an object");
    let e = errors(&policy("  egress:\n  - ports:\n    - port: [80]\n"));
    has_error(
        &e,
        "spec.egress[0].ports[0].port",
        "must be a port number or name",
    );
}

#[test]
fn yaml_1_1_boolean_label_value_needs_quotes() {
    // Kubernetes reads YAML 1.1: `on`, `yes`, `n` unquoted are booleans.
    let e = errors(&policy(
        "  podSelector:\n    matchLabels: {feature: on, beta: n}\n",
    ));
    has_error(
        &e,
        "spec.podSelector.matchLabels.feature",
        "got the boolean `true`",
    );
    has_error(
        &e,
        "spec.podSelector.matchLabels.feature",
        "quote the value",
    );
    has_error(
        &e,
        "spec.podSelector.matchLabels.beta",
        "got the boolean `false`",
    );
    let e = errors("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: {version: 1.10}\n");
    has_error(&e, "metadata.labels.version", "got the number `1.1`");
    ok("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: {feature: \"on\", version: '1.10'}\n");
}

#[test]
fn network_policy_api_version_must_be_networking_v1() {
    let e = errors(
        "apiVersion: extensions/v1beta1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec: {}\n",
    );
    has_error(&e, "apiVersion", "served as `networking.k8s.io/v1`");
}

#[test]
fn document_without_kind_is_an_error() {
    let e = errors("apiVersion: v1\nmetadata: {name: a}\n");
    has_error(&e, "kind", "required value");
    let e = errors("- a\n- b\n");
    assert!(e[0].message.contains("must be an object"), "{e:?}");
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let bad = policy("  policyTypes: [Sideways]\n  ingress:\n  - ports: [{port: 0}]\n");
    let e = load(&[
        src("a.yaml", &bad),
        src("b.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: A}\n"),
    ])
    .unwrap_err();
    let files: Vec<(&str, &str)> = e.iter().map(|e| (place(e).0, place(e).2)).collect();
    assert_eq!(
        files,
        vec![
            ("a.yaml", "spec.ingress[0].ports[0].port"),
            ("a.yaml", "spec.policyTypes[0]"),
            ("b.yaml", "metadata.name"),
        ]
    );
}

// ---------------------------------------------------------------- documents and formats

#[test]
fn multi_document_numbering_counts_empty_documents() {
    let text = format!(
        "---\n---\n# nothing\n---\n{}",
        policy("  policyTypes: [Bad]\n")
    );
    let e = errors(&text);
    assert_eq!(place(&e[0]).1, Some(3));
    assert_eq!(place(&e[0]).0, "in.yaml");
}

#[test]
fn list_items_are_loaded_with_item_paths() {
    let c = ok("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n\
                - {apiVersion: v1, kind: Namespace, metadata: {name: b}}\n");
    assert!(c.namespaces.contains_key("a") && c.namespaces.contains_key("b"));
    let e = errors("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n\
                    - apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata: {name: p}\n  \
                    spec: {policyTypes: [x]}\n");
    assert_eq!(place(&e[0]).2, "items[1].spec.policyTypes[0]");
    assert_eq!(place(&e[0]).1, Some(1));
}

#[test]
fn json_sources_are_read_as_json() {
    let c = load(&[src(
        "np.json",
        r#"{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "p", "namespace": "x"},
            "spec": {"podSelector": {}, "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}]}}"#,
    )])
    .unwrap();
    assert!(c.policies[0].isolates_egress);
    let e = load(&[src("np.json", "{\"kind\": ")]).unwrap_err();
    assert_eq!(place(&e[0]).1, Some(1));
    assert!(e[0].message.starts_with("invalid JSON"));
}

#[test]
fn yaml_syntax_errors_name_the_document_and_line() {
    let e = errors("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nkind: [\n");
    assert_eq!(place(&e[0]).1, Some(2));
    assert!(e[0].message.contains("line 5"), "{}", e[0].message);
}

#[test]
fn invalid_utf8_is_refused() {
    let e = load(&[Source {
        name: "x.yaml".into(),
        bytes: b"kind: \xc3\x28".to_vec(),
    }])
    .unwrap_err();
    assert!(e[0].message.contains("UTF-8"));
}

#[test]
fn alias_bomb_is_refused_quickly() {
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let (prev, next) = (w[0], w[1]);
        let refs = vec![format!("*{prev}"); 9].join(",");
        text.push_str(&format!("{next}: &{next} [{refs}]\n"));
    }
    let started = Instant::now();
    let e = errors(&text);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert!(e[0].message.contains("invalid YAML"), "{}", e[0].message);
}

#[test]
fn oversized_input_is_refused() {
    let big = vec![b'#'; netpolc::model::load::MAX_SOURCE_BYTES + 1];
    let started = Instant::now();
    let e = load(&[Source {
        name: "big.yaml".into(),
        bytes: big,
    }])
    .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(e[0].message.contains("too large"), "{}", e[0].message);
}

#[test]
fn document_separator_storm_is_refused() {
    let text = "---\na: 1\n".repeat(100_001);
    let started = Instant::now();
    let e = errors(&text);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        e[0].message.contains("too many YAML documents"),
        "{}",
        e[0].message
    );
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let text = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    assert!(!errors(&text).is_empty());
    let json = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(load(&[src("d.json", &json)]).is_err());
}

#[test]
fn null_elements_decode_as_go_zero_values() {
    // `- null` in ports is a port with nothing set: all TCP ports after defaulting.
    let c = ok(&policy("  egress:\n  - ports:\n    - null\n"));
    let ports = c.policies[0].egress[0].ports.clone().unwrap();
    assert_eq!(ports.len(), 1);
    assert_eq!(ports[0].protocol, Protocol::Tcp);
    assert_eq!(ports[0].port, PortSpec::All);
    // A label with no value is the empty string, as Go decodes null into a string.
    let c = ok("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels:\n    canary:\n");
    assert_eq!(c.workloads[0].labels["canary"], "");
    // A null requirement is an empty one, which the API server refuses.
    let e = errors(&policy("  podSelector:\n    matchExpressions: [null]\n"));
    has_error(
        &e,
        "spec.podSelector.matchExpressions[0].operator",
        "not a valid selector operator",
    );
}
