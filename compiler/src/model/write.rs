//! A [`Cluster`] written back as manifests: multi-document YAML that [`super::load`] reads
//! to an equal cluster (origins aside: each object's is where this file puts it).
//!
//! Documents come in a fixed order: the declared Namespaces (by name), the workloads, then
//! the NetworkPolicies, each in the cluster's order. What the loader normalised is written
//! in one spelling of it: `policyTypes` always explicit, every peer's `podSelector` present
//! (`{}` for all pods), protocols always named. Strings are quoted wherever YAML 1.1 would
//! read them as something else (serde-saphyr's default, as `emit` prints), since kubectl
//! reads YAML 1.1.
//!
//! A value the loader never produces is still written, as closely as a manifest can say
//! it, and reads back as the API server would default it: a policy isolating neither
//! direction (`policyTypes: []`, read as `[Ingress]`), `Some` empty peers or ports (an
//! empty list, read as absent), a workload of a kind without a pod template and no pods
//! (written with that kind; the loader skips it). Every object names its namespace, so a
//! policy that named none reads back as one that named the namespace it was read into.

use super::workloads::template_path;
use super::{
    Cluster, ContainerPort, LabelSelector, Namespace, NamespaceScope, NetworkPolicy, Peer,
    PolicyPort, PortSpec, Rule, Workload, NAMESPACE_NAME_LABEL,
};
use serde_json::{json, Map, Value};

/// The image of every written container: the pause image, which does nothing.
const IMAGE: &str = "registry.k8s.io/pause:3.10";

/// The cluster as manifests, one YAML document per object.
pub fn write(cluster: &Cluster) -> String {
    let mut docs: Vec<Value> = Vec::new();
    docs.extend(
        cluster
            .namespaces
            .values()
            .filter(|ns| ns.origin.is_some())
            .map(namespace),
    );
    for w in &cluster.workloads {
        workload(w, &mut docs);
    }
    docs.extend(cluster.policies.iter().map(policy));
    let mut out = String::new();
    for doc in &docs {
        out.push_str("---\n");
        out.push_str(&document(doc));
    }
    out
}

/// One document as YAML, ending in a newline. serde-saphyr prints every `Value`; were it
/// ever to refuse one, the document is written as JSON, which is YAML too.
fn document(doc: &Value) -> String {
    let options = serde_saphyr::ser_options! {
        prefer_block_scalars: false,
    };
    let mut text =
        serde_saphyr::to_string_with_options(doc, options).unwrap_or_else(|_| doc.to_string());
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// A Namespace, without the label the control plane sets itself (the loader adds it).
fn namespace(ns: &Namespace) -> Value {
    let labels: Map<String, Value> = ns
        .labels
        .iter()
        .filter(|(k, v)| !(k.as_str() == NAMESPACE_NAME_LABEL && **v == ns.name))
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let mut meta = Map::new();
    meta.insert("name".into(), json!(ns.name));
    if !labels.is_empty() {
        meta.insert("labels".into(), Value::Object(labels));
    }
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": meta})
}

/// A workload as the objects the loader turns into it: a bare Pod; a controller with its
/// pod template; or, when it stands for Pods of a controller, those Pods, each owned by it
/// (its addresses all on the first, since the loader gathers them).
fn workload(w: &Workload, docs: &mut Vec<Value>) {
    if w.kind == "Pod" {
        docs.push(pod(w, &w.name, None, &w.ips));
    } else if w.pods.is_empty() {
        docs.push(controller(w));
    } else {
        for (i, name) in w.pods.iter().enumerate() {
            let ips = if i == 0 { &w.ips[..] } else { &[] };
            docs.push(pod(w, name, Some((&w.kind, &w.name)), ips));
        }
    }
}

/// `metadata` of a namespaced object.
fn metadata(namespace: &str, name: &str, labels: &super::Labels) -> Map<String, Value> {
    let mut meta = Map::new();
    meta.insert("name".into(), json!(name));
    meta.insert("namespace".into(), json!(namespace));
    if !labels.is_empty() {
        meta.insert("labels".into(), json!(labels));
    }
    meta
}

/// A Pod named `name` with the workload's labels, ports and hostNetwork, `ips` in its
/// status, and a controller owner reference when `owner` (kind, name) is given.
fn pod(w: &Workload, name: &str, owner: Option<(&str, &str)>, ips: &[std::net::IpAddr]) -> Value {
    let mut meta = metadata(&w.namespace, name, &w.labels);
    if let Some((kind, owner)) = owner {
        meta.insert(
            "ownerReferences".into(),
            json!([{"apiVersion": api_version(kind), "kind": kind, "name": owner, "controller": true}]),
        );
    }
    let mut doc = json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": pod_spec(w)});
    if let (Some(first), Some(map)) = (ips.first(), doc.as_object_mut()) {
        let all: Vec<Value> = ips.iter().map(|ip| json!({"ip": ip.to_string()})).collect();
        map.insert(
            "status".into(),
            json!({"podIP": first.to_string(), "podIPs": all}),
        );
    }
    doc
}

/// A controller whose pod template has the workload's labels, ports and hostNetwork.
fn controller(w: &Workload) -> Value {
    let template = json!({
        "metadata": if w.labels.is_empty() { json!({}) } else { json!({"labels": w.labels}) },
        "spec": pod_spec(w),
    });
    // The template sits at the kind's path (a CronJob's under `jobTemplate`); a kind with
    // none gets a Deployment's layout.
    let path = template_path(&w.kind).unwrap_or(&["spec", "template"]);
    let mut value = template;
    for step in path.iter().rev() {
        let mut outer = Map::new();
        outer.insert((*step).to_string(), value);
        value = Value::Object(outer);
    }
    let mut doc = Map::new();
    doc.insert("apiVersion".into(), json!(api_version(&w.kind)));
    doc.insert("kind".into(), json!(w.kind));
    doc.insert(
        "metadata".into(),
        Value::Object(metadata(&w.namespace, &w.name, &super::Labels::new())),
    );
    if let Value::Object(m) = value {
        doc.extend(m);
    }
    Value::Object(doc)
}

/// The API group and version a kind is served at (the loader accepts any version of the
/// group for controllers).
fn api_version(kind: &str) -> &'static str {
    match kind {
        "Pod" | "ReplicationController" => "v1",
        "Job" | "CronJob" => "batch/v1",
        _ => "apps/v1",
    }
}

/// One container holding every port, and hostNetwork when set.
fn pod_spec(w: &Workload) -> Value {
    let mut container = Map::new();
    container.insert("name".into(), json!("main"));
    container.insert("image".into(), json!(IMAGE));
    if !w.ports.is_empty() {
        let ports: Vec<Value> = w.ports.iter().map(container_port).collect();
        container.insert("ports".into(), Value::Array(ports));
    }
    let mut spec = Map::new();
    if w.host_network {
        spec.insert("hostNetwork".into(), json!(true));
    }
    spec.insert("containers".into(), json!([container]));
    Value::Object(spec)
}

fn container_port(p: &ContainerPort) -> Value {
    let mut m = Map::new();
    if let Some(name) = &p.name {
        m.insert("name".into(), json!(name));
    }
    m.insert("containerPort".into(), json!(p.port));
    m.insert("protocol".into(), json!(p.protocol.as_k8s()));
    Value::Object(m)
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
    if !p.ingress.is_empty() {
        spec.insert("ingress".into(), rules(&p.ingress, "from"));
    }
    if !p.egress.is_empty() {
        spec.insert("egress".into(), rules(&p.egress, "to"));
    }
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(&p.namespace, &p.name, &super::Labels::new()),
        "spec": spec,
    })
}

fn rules(rules: &[Rule], peers_key: &str) -> Value {
    let rules = rules.iter().map(|r| {
        let mut m = Map::new();
        if let Some(peers) = &r.peers {
            m.insert(peers_key.into(), peers.iter().map(peer).collect());
        }
        if let Some(ports) = &r.ports {
            m.insert("ports".into(), ports.iter().map(policy_port).collect());
        }
        Value::Object(m)
    });
    Value::Array(rules.collect())
}

fn peer(p: &Peer) -> Value {
    match p {
        Peer::Pods { namespaces, pods } => {
            let mut m = Map::new();
            if let NamespaceScope::Matching(ns) = namespaces {
                m.insert("namespaceSelector".into(), selector(ns));
            }
            m.insert("podSelector".into(), selector(pods));
            Value::Object(m)
        }
        Peer::IpBlock { cidr, except } => {
            let mut block = Map::new();
            block.insert("cidr".into(), json!(cidr.to_string()));
            if !except.is_empty() {
                let except: Vec<String> = except.iter().map(ToString::to_string).collect();
                block.insert("except".into(), json!(except));
            }
            json!({ "ipBlock": block })
        }
    }
}

fn policy_port(p: &PolicyPort) -> Value {
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
        let requirements = s.match_expressions.iter().map(|r| {
            let mut x = Map::new();
            x.insert("key".into(), json!(r.key));
            x.insert("operator".into(), json!(r.operator.as_k8s()));
            if !r.values.is_empty() {
                x.insert("values".into(), json!(r.values));
            }
            Value::Object(x)
        });
        m.insert(
            "matchExpressions".into(),
            Value::Array(requirements.collect()),
        );
    }
    Value::Object(m)
}
