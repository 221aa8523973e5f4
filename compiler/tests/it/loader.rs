//! The loader against the API server's rules: one test per validation rule, named after
//! the rule and the upstream function it mirrors, plus parsing, defaulting and workloads.
#![allow(non_snake_case)] // test names carry upstream Go function names

use netpolc::diag::Diagnostic;
use netpolc::ir::Protocol;
use netpolc::model::load::{load, Source};
use netpolc::model::{Cluster, NamespaceScope, NoteAbout, Peer, PortSpec, NAMESPACE_NAME_LABEL};
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

fn errors(text: &str) -> Vec<Diagnostic> {
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

/// The file, document and field path a loader's diagnostic points at (no document for
/// a whole file).
fn place(e: &Diagnostic) -> (&str, Option<usize>, &str) {
    let label = e.primary.as_ref().expect("every load error has a place");
    let manifest = label.manifest.as_ref();
    (
        label.file.as_str(),
        manifest.map(|m| m.document),
        manifest.map_or("", |m| m.path.as_str()),
    )
}

/// Asserts one error at `path` whose message contains `needle`.
#[track_caller]
fn has_error(errs: &[Diagnostic], path: &str, needle: &str) {
    assert!(
        errs.iter()
            .any(|e| place(e).2 == path && e.message.contains(needle)),
        "no error at `{path}` containing `{needle}` in:\n{errs:#?}"
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

/// The one ipBlock of the one rule of the only policy, and its warnings (each `field path:
/// message`).
fn only_block(c: &Cluster) -> (String, Vec<String>) {
    let rule = c.policies[0]
        .egress
        .first()
        .or(c.policies[0].ingress.first())
        .expect("a rule");
    match &rule.peers.as_deref() {
        Some([Peer::IpBlock { cidr, except }]) => (
            std::iter::once(cidr)
                .chain(except)
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" except "),
            c.notes
                .iter()
                .filter(|n| n.about == NoteAbout::RefusedWhenNew)
                .map(|n| {
                    assert_eq!(n.diagnostic.code, netpolc::diag::Code::HostBitsCidr);
                    format!("{}: {}", place(&n.diagnostic).2, n.diagnostic.message)
                })
                .collect(),
        ),
        other => panic!("one ipBlock expected, got {other:?}"),
    }
}

#[test]
fn validation_cidr_host_bits_read_as_the_network_with_a_warning_IsValidCIDRForLegacyField() {
    // StrictIPCIDRValidation (on by default since 1.36) refuses `10.0.0.1/8` in a new
    // object; existing objects keep it (the check ratchets, KEP 4858) and network plugins
    // read it as its network (issue 11, item 5).
    let c = ok(&policy(
        "  egress:\n  - to:\n    - ipBlock: {cidr: 192.168.242.213/24}\n",
    ));
    let (block, warnings) = only_block(&c);
    assert_eq!(block, "192.168.242.0/24");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = &warnings[0];
    assert!(
        w.starts_with("spec.egress[0].to[0].ipBlock.cidr: NetworkPolicy `ns/p`: `192.168.242.213/24` has bits set beyond its prefix length and is read as `192.168.242.0/24`"),
        "{w}"
    );
    assert!(
        w.contains("refuses it in a new object") && w.contains("KEP 4858"),
        "{w}"
    );
    // A CIDR without host bits says nothing.
    let c = ok(&policy(
        "  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8}\n",
    ));
    assert_eq!(only_block(&c), ("10.0.0.0/8".to_owned(), vec![]));
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
    let sources = [src("bad.yaml", &text)];
    let e = load(&sources).unwrap_err();
    let texts = netpolc::model::load::texts(&sources, &e);
    let shown = netpolc::diag::render(&e, &texts, netpolc::diag::Format::Short, false);
    assert_eq!(
        shown,
        "bad.yaml:13:45: error[NP0703]: document 2, spec.ingress[0].from[1].ipBlock.except[0]: \
         `10.2.0.0/16` is not inside the cidr `10.1.0.0/16`\n"
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
        "  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.1]}\n",
    ));
    has_error(
        &e,
        "spec.egress[0].to[0].ipBlock.except[0]",
        "must be a valid CIDR value",
    );
    // Host bits in an except: read as its network, with a warning, as in the cidr.
    let c = ok(&policy(
        "  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.1/16]}\n",
    ));
    let (block, warnings) = only_block(&c);
    assert_eq!(block, "10.0.0.0/8 except 10.1.0.0/16");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(
            "spec.egress[0].to[0].ipBlock.except[0]: NetworkPolicy `ns/p`: `10.1.0.1/16`"
        ),
        "{warnings:?}"
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
        .any(|n| n.diagnostic.message.contains("spec.ingress is ignored")));
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

// Further groups, sharing the helpers above.
mod documents;
mod no_panic;
mod workloads;
mod write;

/// Issue 11, "Lists as the API server returns them": a list request (`GET /api/v1/pods`,
/// `kubectl get --raw`) answers a typed list whose items carry no `kind` or `apiVersion`
/// (API conventions, "Lists and Simple kinds"); each item takes the list's. A plain `List`
/// names no item kind, so its items still need their own.
#[test]
fn typed_list_items_without_kind_take_the_lists() {
    let c = ok(r#"{"apiVersion": "v1", "kind": "PodList", "items": [
        {"metadata": {"name": "a", "namespace": "shop", "labels": {"app": "a"}}},
        {"metadata": {"name": "b", "namespace": "shop", "labels": {"app": "b"}}}]}"#);
    let names: Vec<String> = c.workloads.iter().map(|w| w.id()).collect();
    assert_eq!(names, ["shop/a", "shop/b"]);
    assert!(c.workloads.iter().all(|w| w.kind == "Pod"));

    let c = ok(
        r#"{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicyList", "items": [
        {"metadata": {"name": "p", "namespace": "shop"}, "spec": {"podSelector": {}}}]}"#,
    );
    assert_eq!(c.policies.len(), 1);

    // An item that says its kind keeps it; a wrong apiVersion for the list's kind is refused.
    let errs = errors(
        r#"{"apiVersion": "apps/v1", "kind": "PodList", "items": [
        {"metadata": {"name": "a", "namespace": "shop"}}]}"#,
    );
    has_error(&errs, "items[0].apiVersion", "");
    let errs = errors(
        r#"{"apiVersion": "v1", "kind": "List", "items": [
        {"metadata": {"name": "a", "namespace": "shop"}}]}"#,
    );
    has_error(&errs, "items[0].kind", "every object needs a `kind`");
}
