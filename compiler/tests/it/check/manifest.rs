//! NetworkPolicies as the loader returns them, written back as manifests (JSON, which
//! is YAML), so that corrupted and rewritten policy sets reach `netpolc check` as files.

use netpolc::model::{
    LabelSelector, NamespaceScope, NetworkPolicy, Peer, PolicyPort, PortSpec, Rule,
};
use serde_json::{json, Map, Value};

/// A `List` of the policies.
pub fn list(policies: &[NetworkPolicy]) -> String {
    let items: Vec<Value> = policies.iter().map(policy).collect();
    serde_json::to_string_pretty(&json!({"apiVersion": "v1", "kind": "List", "items": items}))
        .expect("JSON values always print")
}

fn policy(p: &NetworkPolicy) -> Value {
    let mut types = Vec::new();
    if p.isolates_ingress {
        types.push("Ingress");
    }
    if p.isolates_egress {
        types.push("Egress");
    }
    let mut spec = Map::new();
    spec.insert("podSelector".into(), selector(&p.pod_selector));
    spec.insert("policyTypes".into(), json!(types));
    if p.isolates_ingress {
        spec.insert("ingress".into(), rules(&p.ingress, "from"));
    }
    if p.isolates_egress {
        spec.insert("egress".into(), rules(&p.egress, "to"));
    }
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": p.name, "namespace": p.namespace},
        "spec": spec,
    })
}

fn rules(rules: &[Rule], peers_key: &str) -> Value {
    Value::Array(
        rules
            .iter()
            .map(|r| {
                let mut m = Map::new();
                if let Some(peers) = &r.peers {
                    m.insert(peers_key.into(), peers.iter().map(peer).collect());
                }
                if let Some(ports) = &r.ports {
                    m.insert("ports".into(), ports.iter().map(port).collect());
                }
                Value::Object(m)
            })
            .collect(),
    )
}

fn peer(p: &Peer) -> Value {
    match p {
        Peer::Pods { namespaces, pods } => {
            let mut m = Map::new();
            m.insert("podSelector".into(), selector(pods));
            if let NamespaceScope::Matching(ns) = namespaces {
                m.insert("namespaceSelector".into(), selector(ns));
            }
            Value::Object(m)
        }
        Peer::IpBlock { cidr, except } => {
            let mut block = Map::new();
            block.insert("cidr".into(), json!(cidr.to_string()));
            if !except.is_empty() {
                let e: Vec<String> = except.iter().map(ToString::to_string).collect();
                block.insert("except".into(), json!(e));
            }
            json!({ "ipBlock": block })
        }
    }
}

fn port(p: &PolicyPort) -> Value {
    let mut m = Map::new();
    m.insert("protocol".into(), json!(p.protocol.as_k8s()));
    match &p.port {
        PortSpec::All => {}
        PortSpec::Numbers { start, end } => {
            m.insert("port".into(), json!(start));
            if end != start {
                m.insert("endPort".into(), json!(end));
            }
        }
        PortSpec::Named(name) => {
            m.insert("port".into(), json!(name));
        }
    }
    Value::Object(m)
}

fn selector(s: &LabelSelector) -> Value {
    let mut m = Map::new();
    if !s.match_labels.is_empty() {
        m.insert("matchLabels".into(), json!(s.match_labels));
    }
    if !s.match_expressions.is_empty() {
        let e: Vec<Value> = s
            .match_expressions
            .iter()
            .map(|r| {
                let mut x = Map::new();
                x.insert("key".into(), json!(r.key));
                x.insert("operator".into(), json!(r.operator.as_k8s()));
                if !r.values.is_empty() {
                    x.insert("values".into(), json!(r.values));
                }
                Value::Object(x)
            })
            .collect();
        m.insert("matchExpressions".into(), Value::Array(e));
    }
    Value::Object(m)
}
