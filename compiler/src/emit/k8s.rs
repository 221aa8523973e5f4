//! A planned policy as a typed `networking.k8s.io/v1` NetworkPolicy (k8s-openapi), so the
//! field names and shapes are the API's own. Every field is written explicitly, nothing is
//! left to the API server's defaulting.

use super::plan::{whole_protocol, Policy, Rule};
use crate::ir::intent::{NamespaceSet, PeerSet, PortAccess, SourceRef};
use crate::ir::PortSet;
use crate::model::{LabelSelector, NAMESPACE_NAME_LABEL};
use k8s_openapi::api::networking::v1 as net;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::{BTreeMap, BTreeSet};

/// The label every emitted object carries (the recommended `app.kubernetes.io/managed-by`
/// label, Kubernetes docs "Recommended Labels").
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "netpolc");

/// The annotation listing the statements behind an object, as `FILE: STATEMENT; ...`.
pub const SOURCE_ANNOTATION: &str = "netpolc.io/source";

/// The longest statement the annotation quotes whole, in bytes; a longer one (a list of
/// thousands of addresses) is cut and carries a hash of its whole text.
const MAX_QUOTE: usize = 200;

/// The longest annotation value, in bytes: the API server allows 256 KiB for all of an
/// object's annotations together (API reference, ObjectMeta.annotations; apimachinery's
/// `ValidateAnnotations`, `TotalAnnotationSizeLimitB`), and `kubectl apply` copies the whole
/// object into another one, so the list stays far below it.
const MAX_ANNOTATION: usize = 16 * 1024;

/// The `netpolc.io/source` value: each statement as `FILE: STATEMENT`, sorted by that text,
/// without lines, so that moving or inserting a line elsewhere never touches the object
/// (decision 0012). No statement of a program that compiles holds `;` (grammar), so `; `
/// separates them. Past [`MAX_ANNOTATION`], the list ends with how many it leaves out.
fn source_annotation(sources: &BTreeSet<SourceRef>) -> String {
    let entries: BTreeSet<String> = sources
        .iter()
        .map(|s| format!("{}: {}", s.file, quote(&s.statement)))
        .collect();
    // Room kept for the closing "; and N more statements".
    const TAIL: usize = 40;
    let mut out = String::new();
    for (i, entry) in entries.iter().enumerate() {
        if out.len() + 2 + entry.len() + TAIL > MAX_ANNOTATION {
            let left = entries.len() - i;
            let noun = if left == 1 { "statement" } else { "statements" };
            out.push_str(&format!("; and {left} more {noun}"));
            break;
        }
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(entry);
    }
    out
}

/// A statement as quoted: whole up to [`MAX_QUOTE`] bytes, else its beginning, `...` and
/// a hash of the whole, so that two long statements that begin alike stay distinct and an
/// edit anywhere in one still shows.
fn quote(statement: &str) -> String {
    if statement.len() <= MAX_QUOTE {
        return statement.to_owned();
    }
    let mut cut = MAX_QUOTE - 24;
    while !statement.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(
        "{}... [{:016x}]",
        statement[..cut].trim_end(),
        super::stable_hash(statement)
    )
}

/// The typed object for a planned policy.
pub fn network_policy(namespace: &str, name: &str, policy: &Policy) -> net::NetworkPolicy {
    // policyTypes is always explicit, Ingress before Egress: without it the API server
    // defaults to Ingress plus Egress only when egress rules exist (API reference,
    // NetworkPolicySpec.policyTypes), which would drop egress-only isolation.
    let mut types = Vec::new();
    if policy.ingress.is_some() {
        types.push("Ingress".to_owned());
    }
    if policy.egress.is_some() {
        types.push("Egress".to_owned());
    }
    net::NetworkPolicy {
        metadata: meta::ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(namespace.to_owned()),
            labels: Some(BTreeMap::from([(
                MANAGED_BY.0.to_owned(),
                MANAGED_BY.1.to_owned(),
            )])),
            annotations: Some(BTreeMap::from([(
                SOURCE_ANNOTATION.to_owned(),
                source_annotation(&policy.sources),
            )])),
            ..meta::ObjectMeta::default()
        },
        spec: Some(net::NetworkPolicySpec {
            pod_selector: Some(selector(&policy.target)),
            policy_types: Some(types),
            // A direction with isolation and no rule has no key at all: an absent or empty
            // list allows nothing once the direction is in policyTypes (API reference,
            // NetworkPolicySpec.ingress / .egress).
            ingress: non_empty(policy.ingress.as_deref(), |r| {
                net::NetworkPolicyIngressRule {
                    from: peers(namespace, &r.peers),
                    ports: ports(&r.ports),
                }
            }),
            egress: non_empty(policy.egress.as_deref(), |r| net::NetworkPolicyEgressRule {
                to: peers(namespace, &r.peers),
                ports: ports(&r.ports),
            }),
        }),
    }
}

fn non_empty<T>(rules: Option<&[Rule]>, f: impl Fn(&Rule) -> T) -> Option<Vec<T>> {
    rules
        .filter(|r| !r.is_empty())
        .map(|r| r.iter().map(f).collect())
}

/// A label selector; `{}` (both parts absent) for the empty one.
pub fn selector(s: &LabelSelector) -> meta::LabelSelector {
    meta::LabelSelector {
        match_labels: (!s.match_labels.is_empty()).then(|| s.match_labels.clone()),
        match_expressions: (!s.match_expressions.is_empty()).then(|| {
            s.match_expressions
                .iter()
                .map(|r| meta::LabelSelectorRequirement {
                    key: r.key.clone(),
                    operator: r.operator.as_k8s().to_owned(),
                    values: (!r.values.is_empty()).then(|| r.values.clone()),
                })
                .collect()
        }),
    }
}

/// The peers of a rule; `None` (no `from`/`to`: every peer, API reference,
/// NetworkPolicyIngressRule.from) when they include everything.
fn peers(namespace: &str, list: &[PeerSet]) -> Option<Vec<net::NetworkPolicyPeer>> {
    if list.iter().any(|p| matches!(p, PeerSet::Everything)) {
        return None;
    }
    let mut out = Vec::new();
    for p in list {
        match p {
            PeerSet::Everything => {}
            PeerSet::Pods { namespaces, pods } => out.push(pod_peer(namespace, namespaces, pods)),
            // API reference, IPBlock: `cidr` minus every `except`.
            PeerSet::Addresses(set) => out.extend(set.to_blocks().into_iter().map(|b| {
                net::NetworkPolicyPeer {
                    ip_block: Some(net::IPBlock {
                        cidr: b.cidr.to_string(),
                        except: (!b.except.is_empty())
                            .then(|| b.except.iter().map(ToString::to_string).collect()),
                    }),
                    ..net::NetworkPolicyPeer::default()
                }
            })),
        }
    }
    Some(out)
}

/// A pod peer. API reference, NetworkPolicyPeer: `podSelector` alone selects pods of the
/// policy's own namespace; with `namespaceSelector`, pods matching `podSelector` in the
/// namespaces it selects ("If NamespaceSelector is also set ... Otherwise it selects the
/// Pods matching PodSelector in the policy's own namespace"); `namespaceSelector` alone
/// selects every pod of those namespaces.
fn pod_peer(own: &str, namespaces: &NamespaceSet, pods: &LabelSelector) -> net::NetworkPolicyPeer {
    let pod_selector = Some(selector(pods));
    match namespaces {
        NamespaceSet::Named(n) if n == own => net::NetworkPolicyPeer {
            pod_selector,
            ..net::NetworkPolicyPeer::default()
        },
        NamespaceSet::Named(n) => net::NetworkPolicyPeer {
            // The control plane labels every namespace with its name (Kubernetes >= 1.21).
            namespace_selector: Some(meta::LabelSelector {
                match_labels: Some(BTreeMap::from([(
                    NAMESPACE_NAME_LABEL.to_owned(),
                    n.clone(),
                )])),
                match_expressions: None,
            }),
            pod_selector: pod_selector.filter(|_| !pods.is_everything()),
            ..net::NetworkPolicyPeer::default()
        },
        NamespaceSet::Matching(sel) => net::NetworkPolicyPeer {
            namespace_selector: Some(selector(sel)),
            pod_selector: pod_selector.filter(|_| !pods.is_everything()),
            ..net::NetworkPolicyPeer::default()
        },
    }
}

/// The `ports` list; `None` (every port, API reference, NetworkPolicyIngressRule.ports)
/// for all ports. Adjacent numbers are one entry with `endPort` (inclusive, stable since
/// Kubernetes 1.25); a whole protocol is `protocol` alone ("If this field is not provided,
/// this matches all port names and numbers", NetworkPolicyPort.port). Order: TCP, UDP,
/// SCTP ascending, then named ports by protocol and name.
pub fn ports(access: &PortAccess) -> Option<Vec<net::NetworkPolicyPort>> {
    if access.is_all() {
        return None;
    }
    let mut out = Vec::new();
    for (protocol, lo, hi) in access.numbers.ranges() {
        let full = whole_protocol(&PortSet::range(protocol, lo, hi), protocol);
        out.push(net::NetworkPolicyPort {
            protocol: Some(protocol.as_k8s().to_owned()),
            port: (!full).then_some(IntOrString::Int(i32::from(lo))),
            end_port: (!full && hi > lo).then_some(i32::from(hi)),
        });
    }
    for (protocol, name) in &access.named {
        out.push(net::NetworkPolicyPort {
            protocol: Some(protocol.as_k8s().to_owned()),
            port: Some(IntOrString::String(name.clone())),
            end_port: None,
        });
    }
    Some(out)
}
