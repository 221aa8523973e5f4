//! Sets and ports written back in the intent language, for messages that suggest a
//! statement to add.

use crate::ir::intent::{NamespaceSet, PeerSet, PortAccess};
use crate::ir::{Protocol, WorkloadLabels};
use crate::model::{LabelSelector, Operator};

/// An endpoint set as a user would write it, seen from a block of namespace `here`
/// (`None` at the top level): pods of one namespace chosen by its workload label alone are
/// a workload name.
pub fn endpoint(set: &PeerSet, here: Option<&str>, workload_labels: &WorkloadLabels) -> String {
    match set {
        PeerSet::Everything => "anywhere".to_owned(),
        PeerSet::Addresses(a) => a.to_string(),
        PeerSet::Pods { namespaces, pods } => {
            let workload = match namespaces {
                NamespaceSet::Named(ns)
                    if pods.match_expressions.is_empty() && pods.match_labels.len() == 1 =>
                {
                    pods.match_labels.get(workload_labels.key(ns))
                }
                _ => None,
            };
            match namespaces {
                NamespaceSet::Named(ns) => match (Some(ns.as_str()) == here, workload) {
                    (true, Some(w)) => w.clone(),
                    (false, Some(w)) => format!("{ns}/{w}"),
                    (true, None) if pods.is_everything() => "*".to_owned(),
                    (false, None) if pods.is_everything() => format!("{ns}/*"),
                    (true, None) => format!("pods({})", selector(pods)),
                    (false, None) => format!("pods({}) in namespace {ns}", selector(pods)),
                },
                NamespaceSet::Matching(sel) if sel.is_everything() && pods.is_everything() => {
                    "cluster".to_owned()
                }
                NamespaceSet::Matching(sel) if pods.is_everything() => {
                    format!("namespaces({})", selector(sel))
                }
                NamespaceSet::Matching(sel) => {
                    format!("pods({}) in namespaces({})", selector(pods), selector(sel))
                }
            }
        }
    }
}

/// A selector in the language's syntax: `tier=db, env in (a, b), !legacy`.
pub fn selector(s: &LabelSelector) -> String {
    let mut parts: Vec<String> = s
        .match_labels
        .iter()
        .map(|(k, v)| format!("{k}={}", value(v)))
        .collect();
    for r in &s.match_expressions {
        let values = || {
            r.values
                .iter()
                .map(|v| value(v))
                .collect::<Vec<_>>()
                .join(", ")
        };
        parts.push(match (r.operator, r.values.len()) {
            (Operator::In, _) => format!("{} in ({})", r.key, values()),
            (Operator::NotIn, 1) => format!("{}!={}", r.key, values()),
            (Operator::NotIn, _) => format!("{} notin ({})", r.key, values()),
            (Operator::Exists, _) => r.key.clone(),
            (Operator::DoesNotExist, _) => format!("!{}", r.key),
        });
    }
    parts.join(", ")
}

/// A label value, quoted when it is not a plain word.
fn value(v: &str) -> String {
    let plain = v.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if plain {
        v.to_owned()
    } else {
        format!("\"{v}\"")
    }
}

/// ` on tcp 80, 443, udp 53` (with the leading space), or nothing for every port.
pub fn ports(p: &PortAccess) -> String {
    if p.is_all() {
        return String::new();
    }
    let mut items = Vec::new();
    let mut current: Option<Protocol> = None;
    let mut push = |proto: Protocol, text: String, items: &mut Vec<String>| {
        if current == Some(proto) || (current.is_none() && proto == Protocol::Tcp) {
            items.push(text);
        } else {
            items.push(format!("{} {text}", proto.as_k8s().to_ascii_lowercase()));
        }
        current = Some(proto);
    };
    for (proto, lo, hi) in p.numbers.ranges() {
        let text = if lo == hi {
            lo.to_string()
        } else {
            format!("{lo}-{hi}")
        };
        push(proto, text, &mut items);
    }
    for (proto, name) in &p.named {
        push(*proto, name.clone(), &mut items);
    }
    format!(" on {}", items.join(", "))
}
