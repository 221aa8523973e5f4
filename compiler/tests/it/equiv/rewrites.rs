//! Policy sets written differently that mean the same: each pair must be equivalent.
//! Each case changes one way of writing, so that a lift that leaned on the writing
//! (names, order, grouping, selector spelling) fails it.

use crate::equiv::harness::assert_equivalent;

/// A policy in namespace `shop` with these `spec` lines (indented by two spaces).
fn np(name: &str, spec: &str) -> String {
    np_in("shop", name, spec)
}

fn np_in(namespace: &str, name: &str, spec: &str) -> String {
    format!(
        "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: {namespace}\nspec:\n{spec}"
    )
}

#[test]
fn reordered_rules_are_equivalent() {
    let a = np(
        "web",
        "  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: lb}}}]
    ports: [{port: 80}]
  - from: [{namespaceSelector: {matchLabels: {team: obs}}}]
    ports: [{port: 9090}]
",
    );
    let b = np(
        "web",
        "  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: obs}}}]
    ports: [{port: 9090}]
  - from: [{podSelector: {matchLabels: {app: lb}}}]
    ports: [{port: 80}]
",
    );
    assert_equivalent(&a, &b);
}

#[test]
fn renamed_and_reordered_policies_are_equivalent() {
    let web = "  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: lb}}}]
";
    let deny = "  podSelector: {}
  policyTypes: [Ingress, Egress]
";
    let a = np("web", web) + &np("deny", deny);
    let b = np("zz-deny-all", deny) + &np("allow-lb-to-web", web);
    assert_equivalent(&a, &b);
}

#[test]
fn ports_split_into_separate_rules_are_equivalent() {
    let a = np(
        "web",
        "  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: lb}}}]
    ports: [{port: 80}, {port: 443}, {protocol: UDP, port: 53}]
",
    );
    let b = np(
        "web",
        "  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: lb}}}]
    ports: [{port: 443}]
  - from: [{podSelector: {matchLabels: {app: lb}}}]
    ports: [{protocol: UDP, port: 53}]
  - from: [{podSelector: {matchLabels: {app: lb}}}]
    ports: [{port: 80}]
",
    );
    assert_equivalent(&a, &b);
}

#[test]
fn peers_split_into_separate_rules_are_equivalent() {
    let a = np(
        "web",
        "  podSelector: {matchLabels: {app: web}}
  egress:
  - to:
    - podSelector: {matchLabels: {app: db}}
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
    - namespaceSelector: {matchLabels: {team: obs}}
      podSelector: {matchLabels: {app: prom}}
    ports: [{port: 5432}]
",
    );
    let b = np(
        "web",
        "  podSelector: {matchLabels: {app: web}}
  egress:
  - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]
    ports: [{port: 5432}]
  - to:
    - namespaceSelector: {matchLabels: {team: obs}}
      podSelector: {matchLabels: {app: prom}}
    ports: [{port: 5432}]
  - to: [{podSelector: {matchLabels: {app: db}}}]
    ports: [{port: 5432}]
",
    );
    assert_equivalent(&a, &b);
}

#[test]
fn policies_with_equal_selectors_merged_are_equivalent() {
    let a = np(
        "web-in",
        "  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: lb}}}]
",
    ) + &np(
        "web-out",
        "  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {matchLabels: {app: db}}}]
",
    ) + &np(
        "web-in-2",
        "  podSelector: {matchLabels: {app: web}}
  ingress:
  - ports: [{port: 8080}]
",
    );
    let b = np(
        "web",
        "  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: lb}}}]
  - ports: [{port: 8080}]
  egress:
  - to: [{podSelector: {matchLabels: {app: db}}}]
",
    );
    assert_equivalent(&a, &b);
}

#[test]
fn match_labels_and_equivalent_match_expressions_are_equivalent() {
    let a = np(
        "web",
        "  podSelector: {matchLabels: {app: web, tier: front}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: lb}}}]
",
    );
    let b = np(
        "web",
        "  podSelector:
    matchExpressions:
    - {key: tier, operator: In, values: [front]}
    - {key: app, operator: In, values: [web, web]}
  ingress:
  - from:
    - podSelector:
        matchExpressions: [{key: app, operator: In, values: [lb]}]
",
    );
    assert_equivalent(&a, &b);
}

#[test]
fn namespace_name_label_selector_equals_a_pod_selector_in_that_namespace() {
    let a = np(
        "web",
        "  podSelector: {}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}
      podSelector: {matchLabels: {app: lb}}
",
    );
    let b = np(
        "web",
        "  podSelector: {}
  ingress:
  - from: [{podSelector: {matchLabels: {app: lb}}}]
",
    );
    assert_equivalent(&a, &b);
}

#[test]
fn absent_policy_types_default_to_ingress_only() {
    // SetDefaults_NetworkPolicySpec: no policyTypes and no egress rules is [Ingress].
    let a = np("db", "  podSelector: {matchLabels: {app: db}}\n");
    let b = np(
        "db",
        "  podSelector: {matchLabels: {app: db}}\n  policyTypes: [Ingress]\n",
    );
    assert_equivalent(&a, &b);
}

#[test]
fn port_ranges_equal_their_ports_and_cidrs_their_blocks() {
    let a = np(
        "web",
        "  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.128.0.0/9]}}]
    ports: [{port: 80, endPort: 82}]
",
    );
    let b = np(
        "web",
        "  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 10.0.0.0/9}}]
    ports: [{port: 80}, {port: 81, endPort: 82}]
",
    );
    assert_equivalent(&a, &b);
}

#[test]
fn isolating_and_allowing_everything_equals_no_policy() {
    let a = np(
        "open",
        "  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress: [{}]
  egress: [{}]
",
    );
    assert_equivalent(&a, "");
    // Allowing every pod and every address, on every port of every protocol, is the
    // same as allowing all: only the spelling differs.
    let b = np(
        "open",
        "  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - namespaceSelector: {}
    - ipBlock: {cidr: 0.0.0.0/0}
    - ipBlock: {cidr: ::/0}
    ports: [{protocol: TCP}, {protocol: UDP}, {protocol: SCTP}]
  egress:
  - to:
    - namespaceSelector: {}
    - ipBlock: {cidr: 0.0.0.0/0}
    - ipBlock: {cidr: ::/0}
",
    );
    assert_equivalent(&a, &b);
}

#[test]
fn other_namespaces_policies_do_not_interfere() {
    // The same rule in two namespaces; each compares only with its own.
    let rule = "  podSelector: {}
  ingress:
  - from: [{podSelector: {}}]
";
    let a = np_in("a", "p", rule) + &np_in("b", "p", rule);
    let b = np_in("b", "q", rule) + &np_in("a", "q", rule);
    assert_equivalent(&a, &b);
}
