//! Renderings of the connectivity map: a table for people, JSON for tools, DOT
//! and Mermaid for pictures. All are pure functions of the map, in its sorted
//! order, so the same input prints the same bytes.

mod graph;
mod table;

pub use graph::{dot, mermaid};
pub use table::{query_table, table};

use crate::ir::PortSet;
use crate::model::Cluster;
use crate::verify::ReachMap;
use serde_json::{json, Value};

/// The JSON form of a port set: ranges per protocol.
pub fn ports_json(ports: &PortSet) -> Value {
    Value::Array(
        ports
            .ranges()
            .into_iter()
            .map(|(p, lo, hi)| json!({"protocol": p.as_k8s(), "start": lo, "end": hi}))
            .collect(),
    )
}

/// The map as JSON (schema in `docs/reach-contract.md`).
pub fn json(cluster: &Cluster, map: &ReachMap) -> Value {
    let id = |w: usize| cluster.workloads.get(w).map(|w| w.id()).unwrap_or_default();
    let workloads: Vec<Value> = cluster
        .workloads
        .iter()
        .map(|w| {
            json!({
                "id": w.id(), "namespace": w.namespace, "name": w.name, "kind": w.kind,
                "labels": w.labels,
            })
        })
        .collect();
    let connections: Vec<Value> = map
        .connections
        .iter()
        .map(|&(s, d, p)| json!({"src": id(s), "dst": id(d), "ports": ports_json(map.ports(p))}))
        .collect();
    let outside: Vec<Value> = map
        .outside
        .iter()
        .filter(|o| !o.allowed.is_empty())
        .map(|o| {
            let allowed: Vec<Value> = o
                .allowed
                .iter()
                .map(|(a, p)| {
                    let cidrs: Vec<String> = a.to_cidrs().iter().map(ToString::to_string).collect();
                    json!({"cidrs": cidrs, "ports": ports_json(p)})
                })
                .collect();
            json!({
                "workload": id(o.workload),
                "direction": o.direction.as_k8s().to_lowercase(),
                "allowed": allowed,
            })
        })
        .collect();
    json!({"workloads": workloads, "connections": connections, "outside": outside})
}
