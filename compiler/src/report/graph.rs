//! Pictures of the map: Graphviz DOT and Mermaid flowcharts, one box per
//! namespace, one node per workload, edges labelled with ports. Addresses
//! outside the cluster are one node per distinct address set.
//!
//! Both printers draw the same [`Picture`], so they cannot disagree about
//! what is connected.

use crate::ir::AddrSet;
use crate::model::{Cluster, Direction};
use crate::verify::ReachMap;
use std::collections::BTreeMap;

/// What to draw, independent of the drawing language.
struct Picture {
    /// Namespace name and its workloads as (node id, label).
    groups: Vec<(String, Vec<(String, String)>)>,
    /// Outside address sets as (node id, label).
    outside: Vec<(String, String)>,
    /// (from node, to node, label).
    edges: Vec<(String, String, String)>,
}

impl Picture {
    fn of(cluster: &Cluster, map: &ReachMap) -> Self {
        let mut by_ns: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
        for (i, w) in cluster.workloads.iter().enumerate() {
            by_ns
                .entry(w.namespace.as_str())
                .or_default()
                .push((format!("w{i}"), w.name.clone()));
        }
        let mut outside_ids: BTreeMap<&AddrSet, String> = BTreeMap::new();
        for o in &map.outside {
            for (a, _) in &o.allowed {
                let next = format!("x{}", outside_ids.len());
                outside_ids.entry(a).or_insert(next);
            }
        }
        let mut edges: Vec<(String, String, String)> = map
            .connections
            .iter()
            .map(|&(s, d, p)| (format!("w{s}"), format!("w{d}"), map.ports(p).to_string()))
            .collect();
        for o in &map.outside {
            for (a, p) in &o.allowed {
                let x = outside_ids.get(a).cloned().unwrap_or_default();
                let w = format!("w{}", o.workload);
                edges.push(match o.direction {
                    Direction::Egress => (w, x, p.to_string()),
                    Direction::Ingress => (x, w, p.to_string()),
                });
            }
        }
        let mut outside: Vec<(String, String)> = outside_ids
            .into_iter()
            .map(|(a, id)| (id, a.to_string()))
            .collect();
        outside.sort_by_key(|(id, _)| id[1..].parse::<usize>().unwrap_or(usize::MAX));
        Picture {
            groups: by_ns
                .into_iter()
                .map(|(ns, ws)| (ns.to_string(), ws))
                .collect(),
            outside,
            edges,
        }
    }
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The map in Graphviz DOT.
pub fn dot(cluster: &Cluster, map: &ReachMap) -> String {
    let pic = Picture::of(cluster, map);
    let mut out = String::from("digraph netpolc {\n  rankdir=LR;\n  node [shape=box];\n");
    for (i, (ns, nodes)) in pic.groups.iter().enumerate() {
        out.push_str(&format!(
            "  subgraph cluster_{i} {{\n    label=\"{}\";\n",
            dot_escape(ns)
        ));
        for (id, label) in nodes {
            out.push_str(&format!("    {id} [label=\"{}\"];\n", dot_escape(label)));
        }
        out.push_str("  }\n");
    }
    for (id, label) in &pic.outside {
        out.push_str(&format!(
            "  {id} [shape=ellipse, label=\"{}\"];\n",
            dot_escape(label)
        ));
    }
    for (from, to, label) in &pic.edges {
        out.push_str(&format!(
            "  {from} -> {to} [label=\"{}\"];\n",
            dot_escape(label)
        ));
    }
    out.push_str("}\n");
    out
}

/// Mermaid labels may not hold quotes or pipes; `#quot;` is Mermaid's escape.
fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;").replace('|', "#124;")
}

/// The map as a Mermaid flowchart.
pub fn mermaid(cluster: &Cluster, map: &ReachMap) -> String {
    let pic = Picture::of(cluster, map);
    let mut out = String::from("flowchart LR\n");
    for (i, (ns, nodes)) in pic.groups.iter().enumerate() {
        out.push_str(&format!("  subgraph ns{i}[\"{}\"]\n", mermaid_escape(ns)));
        for (id, label) in nodes {
            out.push_str(&format!("    {id}[\"{}\"]\n", mermaid_escape(label)));
        }
        out.push_str("  end\n");
    }
    for (id, label) in &pic.outside {
        out.push_str(&format!("  {id}((\"{}\"))\n", mermaid_escape(label)));
    }
    for (from, to, label) in &pic.edges {
        out.push_str(&format!(
            "  {from} -->|\"{}\"| {to}\n",
            mermaid_escape(label)
        ));
    }
    out
}
