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
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{json, Value};
use std::io::{self, Write};

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

/// Writes the map as pretty-printed JSON (schema in `docs/reach-contract.md`), one
/// connection at a time: a map of a million pairs is never held as one JSON value. The
/// bytes are those of the whole value printed at once.
/// `groups` lists, for a map drawn between groups of workloads, each group of more than
/// one workload with its members (`"groups"`, absent when empty).
pub fn write_json(
    cluster: &Cluster,
    map: &ReachMap,
    groups: &[(String, Vec<String>)],
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut out = io::BufWriter::new(out);
    let whole = JsonMap {
        cluster,
        map,
        groups,
    };
    serde_json::to_writer_pretty(&mut out, &whole).map_err(io::Error::from)?;
    out.write_all(b"\n")?;
    out.flush()
}

struct JsonMap<'a> {
    cluster: &'a Cluster,
    map: &'a ReachMap,
    groups: &'a [(String, Vec<String>)],
}

impl JsonMap<'_> {
    fn id(&self, w: usize) -> String {
        self.cluster
            .workloads
            .get(w)
            .map(|w| w.id())
            .unwrap_or_default()
    }
}

/// The connections, each element serialised when it is written.
struct JsonConnections<'a>(&'a JsonMap<'a>);

impl Serialize for JsonConnections<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let JsonMap { map, .. } = self.0;
        let mut seq = s.serialize_seq(Some(map.connections.len()))?;
        for &(src, dst, p) in &map.connections {
            seq.serialize_element(&json!({
                "src": self.0.id(src), "dst": self.0.id(dst), "ports": ports_json(map.ports(p)),
            }))?;
        }
        seq.end()
    }
}

impl Serialize for JsonMap<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let workloads: Vec<Value> = self
            .cluster
            .workloads
            .iter()
            .map(|w| {
                json!({
                    "id": w.id(), "namespace": w.namespace, "name": w.name, "kind": w.kind,
                    "labels": w.labels,
                })
            })
            .collect();
        let outside: Vec<Value> = self
            .map
            .outside
            .iter()
            .filter(|o| !o.allowed.is_empty())
            .map(|o| {
                let allowed: Vec<Value> = o
                    .allowed
                    .iter()
                    .map(|(a, p)| {
                        let cidrs: Vec<String> =
                            a.to_cidrs().iter().map(ToString::to_string).collect();
                        json!({"cidrs": cidrs, "ports": ports_json(p)})
                    })
                    .collect();
                json!({
                    "workload": self.id(o.workload),
                    "direction": o.direction.word(),
                    "allowed": allowed,
                })
            })
            .collect();
        // In the contract's order (serde_json keeps objects' keys in insertion order).
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("workloads", &workloads)?;
        m.serialize_entry("connections", &JsonConnections(self))?;
        m.serialize_entry("outside", &outside)?;
        if !self.groups.is_empty() {
            let groups: Vec<Value> = self
                .groups
                .iter()
                .map(|(id, members)| json!({"id": id, "workloads": members}))
                .collect();
            m.serialize_entry("groups", &groups)?;
        }
        if self.map.truncated {
            m.serialize_entry("truncated", &true)?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::write_json;
    use crate::model::{load, Source};
    use crate::verify::{Engine, Options};

    fn json_of(max_pairs: usize) -> (serde_json::Value, bool) {
        let pods: Vec<String> = (0..3)
            .map(|i| {
                format!(
                    "apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: a, labels: {{app: p{i}}}}}\nstatus: {{podIP: 10.0.0.{}}}\n",
                    i + 1
                )
            })
            .collect();
        let cluster = load(&[Source {
            name: "pods.yaml".into(),
            bytes: pods.join("---\n").into_bytes(),
        }])
        .expect("loads");
        let map = Engine::new(&cluster, Options::default()).reach_map_listing(max_pairs);
        let mut out = Vec::new();
        write_json(&cluster, &map, &[], &mut out).expect("written");
        let value = serde_json::from_slice(&out).expect("valid JSON");
        (value, map.truncated)
    }

    /// Issue 15, item 13: past the pair limit the map lists the first pairs and says so,
    /// instead of growing without bound; below it nothing changes.
    #[test]
    fn a_map_past_its_pair_limit_lists_the_first_pairs_and_says_truncated() {
        let (whole, truncated) = json_of(9);
        assert!(!truncated);
        assert_eq!(whole["connections"].as_array().map(Vec::len), Some(9));
        assert!(whole.get("truncated").is_none());

        let (cut, truncated) = json_of(4);
        assert!(truncated);
        assert_eq!(cut["truncated"], serde_json::Value::Bool(true));
        let listed = cut["connections"].as_array().expect("connections");
        assert_eq!(
            listed.as_slice(),
            &whole["connections"].as_array().expect("all")[..4]
        );
        assert_eq!(cut["workloads"], whole["workloads"]);
    }
}
