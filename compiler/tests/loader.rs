//! The loader against the API server's rules: one test per validation rule, named after
//! the rule and the upstream function it mirrors, plus parsing, defaulting and workloads.
#![allow(non_snake_case)] // test names carry upstream Go function names

use netpolc::ir::Protocol;
use netpolc::model::load::{load, LoadError, Source};
use netpolc::model::{Cluster, NamespaceScope, Peer, PortSpec, NAMESPACE_NAME_LABEL};
use std::time::{Duration, Instant};

fn src(name: &str, text: &str) -> Source {
    Source {
        name: name.into(),
        bytes: text.as_bytes().to_vec(),
    }
}

fn ok(text: &str) -> Cluster {
    match load(&[src("in.yaml", text)]) {
        Ok(c) => c,
        Err(e) => panic!("unexpected errors: {e:#?}"),
    }
}

fn errors(text: &str) -> Vec<LoadError> {
    match load(&[src("in.yaml", text)]) {
        Ok(c) => panic!("expected errors, loaded {c:#?}"),
        Err(e) => e,
    }
}

/// A NetworkPolicy `p` in namespace `ns` with this (indented) spec body.
fn policy(spec: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n  \
         namespace: ns\nspec:\n{spec}"
    )
}

/// Asserts one error at `path` whose message contains `needle`.
#[track_caller]
fn has_error(errs: &[LoadError], path: &str, needle: &str) {
    assert!(
        errs.iter()
            .any(|e| e.path == path && e.message.contains(needle)),
        "no error at `{path}` containing `{needle}` in:\n{}",
        errs.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

// ---------------------------------------------------------------- ObjectMeta

#[test]
fn validation_name_required_ValidateObjectMeta() {
    let e = errors(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {namespace: a}\nspec: {}\n",
    );
    has_error(&e, "metadata.name", "name or generateName is required");
}

#[test]
fn validation_policy_name_is_dns1123_subdomain_ValidateNetworkPolicyName() {
    let e = errors(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: Allow_All}\n",
    );
    has_error(&e, "metadata.name", "`Allow_All` is not a valid name");
    // Dots are fine in a subdomain.
    ok("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow.all}\n");
}

#[test]
fn validation_namespace_is_dns1123_label_ValidateNamespaceName() {
    let e = errors("apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: my.ns}\n");
    has_error(
        &e,
        "metadata.namespace",
        "`my.ns` is not a valid namespace name",
    );
    let e = errors("apiVersion: v1\nkind: Namespace\nmetadata: {name: Prod}\n");
    has_error(&e, "metadata.name", "RFC 1123 label");
}

#[test]
fn validation_pod_name_is_dns1123_subdomain_ValidatePodName() {
    let e = errors("apiVersion: v1\nkind: Pod\nmetadata: {name: web_1}\n");
    has_error(&e, "metadata.name", "RFC 1123 subdomain");
    let e = errors(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: -web}\nspec: {template: {}}\n",
    );
    has_error(&e, "metadata.name", "RFC 1123 subdomain");
}

#[test]
fn validation_label_key_IsQualifiedName() {
    let e =
        errors("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {\"a/b/c\": x}\n");
    has_error(&e, "metadata.labels.a/b/c", "not a valid label key");
    let e = errors(&policy(
        "  podSelector:\n    matchLabels: {\"-app\": web}\n",
    ));
    has_error(
        &e,
        "spec.podSelector.matchLabels.-app",
        "not a valid label key",
    );
    let e = errors(&policy(
        "  podSelector:\n    matchExpressions: [{key: \"Example.com/x\", operator: Exists}]\n",
    ));
    has_error(
        &e,
        "spec.podSelector.matchExpressions[0].key",
        "prefix part",
    );
}

#[test]
fn validation_label_value_IsValidLabelValue() {
    let e = errors(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: {app: \"web server\"}\n",
    );
    has_error(&e, "metadata.labels.app", "not a valid label value");
    let long = "v".repeat(64);
    let e = errors(&policy(&format!(
        "  podSelector:\n    matchLabels: {{app: {long}}}\n"
    )));
    has_error(
        &e,
        "spec.podSelector.matchLabels.app",
        "no more than 63 characters",
    );
    // The empty value is valid.
    ok("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: {app: \"\"}\n");
}

#[test]
fn validation_annotations_are_strings_ValidateAnnotations() {
    let e = errors(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations: {prometheus.io/port: 9090}\n",
    );
    has_error(
        &e,
        "metadata.annotations.prometheus.io/port",
        "must be a string",
    );
}

#[test]
fn validation_one_controller_owner_ValidateOwnerReferences() {
    let e = errors(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  ownerReferences:\n  \
         - {kind: ReplicaSet, name: x, controller: true}\n  \
         - {kind: ReplicaSet, name: y, controller: true}\n",
    );
    has_error(&e, "metadata.ownerReferences[1]", "only one reference");
}

// ---------------------------------------------------------------- selectors

#[test]
fn validation_in_notin_need_values_ValidateLabelSelectorRequirement() {
    let e = errors(&policy(
        "  podSelector:\n    matchExpressions:\n    - {key: app, operator: In, values: []}\n    \
         - {key: app, operator: NotIn}\n",
    ));
    has_error(
        &e,
        "spec.podSelector.matchExpressions[0].values",
        "must be specified",
    );
    has_error(
        &e,
        "spec.podSelector.matchExpressions[1].values",
        "must be specified",
    );
}

#[test]
fn validation_exists_takes_no_values_ValidateLabelSelectorRequirement() {
    let e = errors(&policy(
        "  podSelector:\n    matchExpressions:\n    - {key: app, operator: DoesNotExist, values: [a]}\n",
    ));
    has_error(
        &e,
        "spec.podSelector.matchExpressions[0].values",
        "may not be specified",
    );
}

#[test]
fn validation_unknown_operator_ValidateLabelSelectorRequirement() {
    let e = errors(&policy(
        "  podSelector:\n    matchExpressions:\n    - {key: app, operator: in, values: [a]}\n",
    ));
    has_error(
        &e,
        "spec.podSelector.matchExpressions[0].operator",
        "did you mean `In`?",
    );
}

#[test]
fn validation_selector_values_are_label_values_ValidateLabelSelectorRequirement() {
    let e = errors(&policy(
        "  podSelector:\n    matchExpressions:\n    - {key: app, operator: In, values: [\"a b\"]}\n",
    ));
    has_error(
        &e,
        "spec.podSelector.matchExpressions[0].values[0]",
        "not a valid label value",
    );
}

// ---------------------------------------------------------------- ports

#[test]
fn validation_port_range_IsValidPortNum() {
    let e = errors(&policy(
        "  ingress:\n  - ports:\n    - port: 0\n    - port: 65536\n",
    ));
    has_error(&e, "spec.ingress[0].ports[0].port", "between 1 and 65535");
    has_error(&e, "spec.ingress[0].ports[1].port", "between 1 and 65535");
}

#[test]
fn validation_named_port_IsValidPortName() {
    let e = errors(&policy(
        "  ingress:\n  - ports:\n    - port: HTTP\n    - port: a--b\n    - port: abcdefghijklmnop\n    \
         - port: \"80\"\n",
    ));
    has_error(&e, "spec.ingress[0].ports[0].port", "alpha-numeric");
    has_error(&e, "spec.ingress[0].ports[1].port", "consecutive hyphens");
    has_error(&e, "spec.ingress[0].ports[2].port", "no more than 15");
    // IntOrString: a quoted number is a name, and names need a letter.
    has_error(&e, "spec.ingress[0].ports[3].port", "at least one letter");
    has_error(&e, "spec.ingress[0].ports[3].port", "without quotes");
}

#[test]
fn validation_protocol_is_case_sensitive_ValidateNetworkPolicyPort() {
    let e = errors(&policy(
        "  egress:\n  - ports:\n    - {protocol: tcp, port: 53}\n",
    ));
    has_error(
        &e,
        "spec.egress[0].ports[0].protocol",
        "supported values: `TCP`, `UDP`, `SCTP`",
    );
    let e = errors(&policy("  egress:\n  - ports:\n    - {protocol: ICMP}\n"));
    has_error(&e, "spec.egress[0].ports[0].protocol", "`ICMP`");
}

#[test]
fn validation_endport_needs_a_numeric_port_ValidateNetworkPolicyPort() {
    let e = errors(&policy(
        "  ingress:\n  - ports:\n    - {port: http, endPort: 90}\n    - {endPort: 90}\n",
    ));
    has_error(
        &e,
        "spec.ingress[0].ports[0].endPort",
        "when `port` is non-numeric",
    );
    has_error(
        &e,
        "spec.ingress[0].ports[1].endPort",
        "when `port` is not specified",
    );
}

#[test]
fn validation_endport_not_below_port_ValidateNetworkPolicyPort() {
    let e = errors(&policy(
        "  ingress:\n  - ports:\n    - {port: 90, endPort: 80}\n",
    ));
    has_error(
        &e,
        "spec.ingress[0].ports[0].endPort",
        "greater than or equal to `port`",
    );
}

#[test]
fn validation_endport_at_most_65535_IsValidPortNum() {
    let e = errors(&policy(
        "  ingress:\n  - ports:\n    - {port: 90, endPort: 70000}\n",
    ));
    has_error(
        &e,
        "spec.ingress[0].ports[0].endPort",
        "between 1 and 65535",
    );
}

// ---------------------------------------------------------------- peers

#[test]
fn validation_peer_must_select_something_ValidateNetworkPolicyPeer() {
    let e = errors(&policy("  ingress:\n  - from:\n    - {}\n"));
    has_error(&e, "spec.ingress[0].from[0]", "must specify a peer");
}

#[test]
fn validation_ipblock_cannot_combine_ValidateNetworkPolicyPeer() {
    let e = errors(&policy(
        "  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8}\n      namespaceSelector: {}\n",
    ));
    has_error(
        &e,
        "spec.egress[0].to[0]",
        "may not specify both ipBlock and another peer",
    );
}

#[test]
fn validation_cidr_required_ValidateIPBlock() {
    let e = errors(&policy(
        "  egress:\n  - to:\n    - ipBlock: {except: [10.0.0.0/8]}\n",
    ));
    has_error(&e, "spec.egress[0].to[0].ipBlock.cidr", "required value");
    let e = errors(&policy("  egress:\n  - to:\n    - ipBlock: {cidr: \"\"}\n"));
    has_error(&e, "spec.egress[0].to[0].ipBlock.cidr", "required value");
}

#[test]
fn validation_cidr_must_parse_IsValidCIDRForLegacyField() {
    let e = errors(&policy(
        "  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0}\n    - ipBlock: {cidr: 10.0.0.0/33}\n    \
         - ipBlock: {cidr: 300.0.0.0/8}\n",
    ));
    for i in 0..3 {
        has_error(
            &e,
            &format!("spec.egress[0].to[{i}].ipBlock.cidr"),
            "must be a valid CIDR",
        );
    }
}

#[test]
fn validation_cidr_host_bits_refused_IsValidCIDRForLegacyField_strict() {
    // StrictIPCIDRValidation (on by default since 1.36): `10.0.0.1/8` is ambiguous.
    let e = errors(&policy(
        "  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.1/8}\n",
    ));
    has_error(
        &e,
        "spec.egress[0].to[0].ipBlock.cidr",
        "must not have bits set beyond the prefix length (did you mean `10.0.0.0/8`?)",
    );
}

#[test]
fn validation_cidr_leading_zeros_refused_IsValidCIDRForLegacyField_strict() {
    let e = errors(&policy(
        "  egress:\n  - to:\n    - ipBlock: {cidr: 010.0.0.0/8}\n    - ipBlock: {cidr: 10.0.0.0/08}\n",
    ));
    has_error(&e, "spec.egress[0].to[0].ipBlock.cidr", "leading 0s");
    has_error(&e, "spec.egress[0].to[1].ipBlock.cidr", "leading 0s");
}

#[test]
fn validation_cidr_ipv4_mapped_refused_IsValidCIDRForLegacyField_strict() {
    let e = errors(&policy(
        "  egress:\n  - to:\n    - ipBlock: {cidr: \"::ffff:10.0.0.0/104\"}\n",
    ));
    has_error(&e, "spec.egress[0].to[0].ipBlock.cidr", "IPv4-mapped");
}

#[test]
fn validation_except_must_be_inside_cidr_ValidateIPBlock() {
    let text = format!(
        "---\n# first\n---\n{}",
        policy(
            "  ingress:\n  - from:\n    - podSelector: {}\n    \
             - ipBlock: {cidr: 10.1.0.0/16, except: [10.2.0.0/16]}\n",
        )
    );
    let e = load(&[src("bad.yaml", &text)]).unwrap_err();
    let shown: Vec<String> = e.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        vec!["bad.yaml (document 2): spec.ingress[0].from[1].ipBlock.except[0]: `10.2.0.0/16` is not \
              inside the cidr `10.1.0.0/16`"]
    );
}

#[test]
fn validation_except_must_be_a_strict_subset_ValidateIPBlock() {
    let e = errors(&policy(
        "  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8, 10.1.0.0/16]}\n",
    ));
    has_error(
        &e,
        "spec.egress[0].to[0].ipBlock.except[0]",
        "strict subset",
    );
    assert_eq!(e.len(), 1, "{e:#?}");
}

#[test]
fn validation_except_same_family_ValidateIPBlock() {
    let e = errors(&policy(
        "  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8, except: [\"2001:db8::/32\"]}\n",
    ));
    has_error(
        &e,
        "spec.egress[0].to[0].ipBlock.except[0]",
        "is IPv6 but the cidr",
    );
}

#[test]
fn validation_except_entries_are_cidrs_IsValidCIDRForLegacyField() {
    let e = errors(&policy(
        "  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.1/16]}\n",
    ));
    has_error(
        &e,
        "spec.egress[0].to[0].ipBlock.except[0]",
        "bits set beyond",
    );
}

// ---------------------------------------------------------------- policyTypes

#[test]
fn validation_policy_types_values_ValidateNetworkPolicySpec() {
    let e = errors(&policy("  policyTypes: [Ingress, egress]\n"));
    has_error(
        &e,
        "spec.policyTypes[1]",
        "supported values: `Ingress`, `Egress`",
    );
}

#[test]
fn validation_policy_types_at_most_two_ValidateNetworkPolicySpec() {
    let e = errors(&policy("  policyTypes: [Ingress, Egress, Ingress]\n"));
    has_error(&e, "spec.policyTypes", "more than two");
    // Upstream counts entries, not distinct values: a duplicate pair is accepted.
    let c = ok(&policy("  policyTypes: [Egress, Egress]\n"));
    assert!(c.policies[0].isolates_egress && !c.policies[0].isolates_ingress);
}

#[test]
fn defaulting_policy_types_SetDefaults_NetworkPolicySpec() {
    let get = |spec: &str| {
        let c = ok(&policy(spec));
        let p = &c.policies[0];
        (p.isolates_ingress, p.isolates_egress)
    };
    assert_eq!(get("  podSelector: {}\n"), (true, false));
    assert_eq!(get("  egress: [{}]\n"), (true, true));
    assert_eq!(get("  egress: []\n"), (true, false));
    assert_eq!(get("  policyTypes: []\n  egress: [{}]\n"), (true, true));
    assert_eq!(get("  policyTypes: [Egress]\n"), (false, true));
    assert_eq!(
        get("  policyTypes: [Ingress]\n  egress: [{}]\n"),
        (true, false)
    );
}

#[test]
fn rules_of_a_direction_not_in_policy_types_are_noted() {
    let c = ok(&policy("  policyTypes: [Egress]\n  ingress: [{}]\n"));
    assert!(c
        .notes
        .iter()
        .any(|n| n.message.contains("spec.ingress is ignored")));
}

// ---------------------------------------------------------------- normalisation

#[test]
fn empty_or_absent_peers_and_ports_mean_all() {
    let c = ok(&policy(
        "  ingress:\n  - from: []\n    ports: []\n  - {}\n  - from:\n    - podSelector: {}\n",
    ));
    let r = &c.policies[0].ingress;
    assert_eq!(r.len(), 3);
    assert_eq!((r[0].peers.clone(), r[0].ports.clone()), (None, None));
    assert_eq!((r[1].peers.clone(), r[1].ports.clone()), (None, None));
    assert!(r[2].peers.is_some());
}

#[test]
fn peers_are_normalised_per_the_api_reference() {
    let c = ok(&policy(
        "  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {team: a}}\n    \
         - podSelector: {matchLabels: {app: x}}\n    \
         - namespaceSelector: {}\n      podSelector: {matchLabels: {app: yy}}\n    \
         - ipBlock: {cidr: \"2001:db8::/32\", except: [\"2001:db8:1::/48\"]}\n",
    ));
    let peers = c.policies[0].ingress[0].peers.clone().unwrap();
    match &peers[0] {
        Peer::Pods {
            namespaces: NamespaceScope::Matching(ns),
            pods,
        } => {
            assert_eq!(ns.match_labels.get("team").map(String::as_str), Some("a"));
            assert!(pods.is_everything());
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        &peers[1],
        Peer::Pods { namespaces: NamespaceScope::PolicyNamespace, pods } if pods.match_labels.contains_key("app")
    ));
    assert!(matches!(
        &peers[2],
        Peer::Pods { namespaces: NamespaceScope::Matching(ns), pods } if ns.is_everything() && !pods.is_everything()
    ));
    match &peers[3] {
        Peer::IpBlock { cidr, except } => {
            assert_eq!(cidr.to_string(), "2001:db8::/32");
            assert_eq!(except.len(), 1);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn ports_are_normalised_SetDefaults_NetworkPolicyPort() {
    let c = ok(&policy(
        "  egress:\n  - ports:\n    - {}\n    - {protocol: UDP, port: 53}\n    - {port: 8000, endPort: 8080}\n    \
         - {port: metrics, protocol: SCTP}\n",
    ));
    let p = c.policies[0].egress[0].ports.clone().unwrap();
    assert_eq!((p[0].protocol, &p[0].port), (Protocol::Tcp, &PortSpec::All));
    assert_eq!(
        (p[1].protocol, &p[1].port),
        (Protocol::Udp, &PortSpec::Numbers { start: 53, end: 53 })
    );
    assert_eq!(
        p[2].port,
        PortSpec::Numbers {
            start: 8000,
            end: 8080
        }
    );
    assert_eq!(
        (p[3].protocol, &p[3].port),
        (Protocol::Sctp, &PortSpec::Named("metrics".into()))
    );
}

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
    let files: Vec<(&str, &str)> = e
        .iter()
        .map(|e| (e.file.as_str(), e.path.as_str()))
        .collect();
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
    assert_eq!(e[0].document, Some(3));
    assert_eq!(e[0].file, "in.yaml");
}

#[test]
fn list_items_are_loaded_with_item_paths() {
    let c = ok("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n\
                - {apiVersion: v1, kind: Namespace, metadata: {name: b}}\n");
    assert!(c.namespaces.contains_key("a") && c.namespaces.contains_key("b"));
    let e = errors("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n\
                    - apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata: {name: p}\n  \
                    spec: {policyTypes: [x]}\n");
    assert_eq!(e[0].path, "items[1].spec.policyTypes[0]");
    assert_eq!(e[0].document, Some(1));
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
    assert_eq!(e[0].document, Some(1));
    assert!(e[0].message.starts_with("invalid JSON"));
}

#[test]
fn yaml_syntax_errors_name_the_document_and_line() {
    let e = errors("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nkind: [\n");
    assert_eq!(e[0].document, Some(2));
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
    assert!(c.notes.iter().any(|n| n.message.contains("overwritten")));
}

#[test]
fn other_kinds_are_skipped_with_a_note() {
    let c = ok(
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\n\
                apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    );
    let msgs: Vec<&str> = c.notes.iter().map(|n| n.message.as_str()).collect();
    assert_eq!(
        msgs,
        vec!["skipped kind `Service`", "skipped kind `ConfigMap`"]
    );
    assert_eq!(c.notes[1].origin.document, 2);
}

#[test]
fn duplicate_objects_are_errors_naming_both_origins() {
    let one = policy("  podSelector: {}\n");
    let e = load(&[src("a.yaml", &one), src("b.yaml", &one)]).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].file, "b.yaml");
    assert!(e[0].message.contains("duplicate NetworkPolicy `ns/p`"));
    assert!(
        e[0].message.contains("a.yaml (document 1)"),
        "{}",
        e[0].message
    );
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
        "/tests/loader/dump.yaml"
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
        .any(|n| n.message == "skipped kind `Service`"));
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
        .any(|n| n.message.contains("web~statefulset")));
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

// ---------------------------------------------------------------- robustness

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    const VALID: &str = include_str!("loader/dump.yaml");

    /// A mutation of a valid manifest: (position, kind, byte).
    fn mutate(base: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
        let mut b = base.to_vec();
        for &(pos, kind, byte) in edits {
            if b.is_empty() {
                b.push(byte);
                continue;
            }
            let at = pos % b.len();
            match kind % 4 {
                0 => b[at] = byte,
                1 => b.insert(at, byte),
                2 => {
                    b.remove(at);
                }
                // Structural characters are where parsers and walkers break.
                _ => {
                    const STRUCTURAL: &[u8] = b":-[]{}&*!|>'\"#\n ";
                    b.insert(at, STRUCTURAL[usize::from(byte) % STRUCTURAL.len()]);
                }
            }
        }
        b
    }

    /// Values shaped like manifests: field names from the schemas, scalars of every type.
    fn value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        const KEYS: &[&str] = &[
            "podSelector",
            "namespaceSelector",
            "ipBlock",
            "cidr",
            "except",
            "ingress",
            "egress",
            "from",
            "to",
            "ports",
            "port",
            "endPort",
            "protocol",
            "policyTypes",
            "matchLabels",
            "matchExpressions",
            "key",
            "operator",
            "values",
            "name",
            "namespace",
            "labels",
            "annotations",
            "ownerReferences",
            "controller",
            "kind",
            "template",
            "metadata",
            "spec",
            "containers",
            "initContainers",
            "containerPort",
            "hostNetwork",
            "status",
            "podIP",
            "podIPs",
            "ip",
            "items",
            "jobTemplate",
            "app",
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (0u16..70).prop_map(Value::from),
            any::<f64>()
                .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            prop::sample::select(vec![
                "10.0.0.0/8",
                "10.1.0.0/16",
                "::/0",
                "TCP",
                "UDP",
                "In",
                "Exists",
                "Ingress",
                "Egress",
                "http",
                "web",
                "",
                "10.0.0.1",
                "Deployment",
                "ReplicaSet",
                "Pod",
            ])
            .prop_map(Value::from),
        ];
        leaf.prop_recursive(5, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((prop::sample::select(KEYS), inner), 0..5).prop_map(|kv| {
                    Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                }),
            ]
        })
    }

    fn manifest() -> impl Strategy<Value = serde_json::Value> {
        let kinds = prop::sample::select(vec![
            ("networking.k8s.io/v1", "NetworkPolicy"),
            ("v1", "Pod"),
            ("v1", "Namespace"),
            ("apps/v1", "Deployment"),
            ("batch/v1", "CronJob"),
            ("v1", "List"),
        ]);
        (kinds, value(), value(), value(), value()).prop_map(
            |((api, kind), meta, spec, status, items)| {
                serde_json::json!({
                    "apiVersion": api, "kind": kind, "metadata": meta, "spec": spec,
                    "status": status, "items": items,
                })
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn load_never_panics_on_manifest_shaped_values(docs in prop::collection::vec(manifest(), 1..4)) {
            let text: String = docs.iter().map(|d| format!("---\n{d}\n")).collect();
            let _ = load(&[Source { name: "v.yaml".into(), bytes: text.into_bytes() }]);
            if let Some(first) = docs.first() {
                let _ = load(&[Source { name: "v.json".into(), bytes: first.to_string().into_bytes() }]);
            }
        }

        #[test]
        fn load_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512), json in any::<bool>()) {
            let name = if json { "x.json" } else { "x.yaml" };
            let _ = load(&[Source { name: name.into(), bytes }]);
        }

        #[test]
        fn load_never_panics_on_mutated_manifests(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..12)) {
            let bytes = mutate(VALID.as_bytes(), &edits);
            if let Err(errs) = load(&[Source { name: "m.yaml".into(), bytes }]) {
                // Every error names its file; every error but file-level ones its document.
                for e in errs {
                    prop_assert_eq!(e.file.as_str(), "m.yaml");
                    prop_assert!(!e.message.is_empty());
                }
            }
        }
    }
}

#[test]
fn excepts_are_checked_even_when_the_cidr_has_host_bits_ValidateIPBlock() {
    let e = errors(&policy(
        "  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.1/8, except: [11.0.0.0/16]}\n    \
         - ipBlock: {cidr: [10.0.0.0/8]}\n",
    ));
    has_error(&e, "spec.egress[0].to[0].ipBlock.cidr", "bits set beyond");
    has_error(
        &e,
        "spec.egress[0].to[0].ipBlock.except[0]",
        "not inside the cidr `10.0.0.0/8`",
    );
    // A wrong type is reported once.
    let at_cidr = e
        .iter()
        .filter(|e| e.path == "spec.egress[0].to[1].ipBlock.cidr")
        .count();
    assert_eq!(at_cidr, 1, "{e:#?}");
}

#[test]
fn empty_namespace_means_default() {
    let c = ok("apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: \"\"}\n");
    assert_eq!(c.workloads[0].namespace, "default");
}
