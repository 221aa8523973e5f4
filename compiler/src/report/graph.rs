//! Pictures of the map: Graphviz DOT and Mermaid flowcharts, one box per
//! namespace, one node per workload, edges labelled with ports. Addresses
//! outside the cluster are one node per distinct address set.

use crate::ir::AddrSet;
use crate::model::{Cluster, Direction};
use crate::verify::ReachMap;
use std::collections::BTreeMap;

/// Addresses outside the cluster as nodes: the distinct address sets, numbered.
fn outside_nodes(map: &ReachMap) -> BTreeMap<&AddrSet, usize> {
    let mut nodes = BTreeMap::new();
    for o in &map.outside {
        for (a, _) in &o.allowed {
            let next = nodes.len();
            nodes.entry(a).or_insert(next);
        }
    }
    nodes
}

fn by_namespace(cluster: &Cluster) -> BTreeMap<&str, Vec<usize>> {
    let mut m: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, w) in cluster.workloads.iter().enumerate() {
        m.entry(w.namespace.as_str()).or_default().push(i);
    }
    m
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The map in Graphviz DOT.
pub fn dot(cluster: &Cluster, map: &ReachMap) -> String {
    let mut out = String::from("digraph netpolc {\n  rankdir=LR;\n  node [shape=box];\n");
    for (i, (ns, ws)) in by_namespace(cluster).into_iter().enumerate() {
        out.push_str(&format!(
            "  subgraph cluster_{i} {{\n    label=\"{}\";\n",
            dot_escape(ns)
        ));
        for w in ws {
            let name = cluster
                .workloads
                .get(w)
                .map(|w| w.name.as_str())
                .unwrap_or("");
            out.push_str(&format!("    w{w} [label=\"{}\"];\n", dot_escape(name)));
        }
        out.push_str("  }\n");
    }
    let outside = outside_nodes(map);
    for (a, i) in &outside {
        out.push_str(&format!(
            "  x{i} [shape=ellipse, label=\"{}\"];\n",
            dot_escape(&a.to_string())
        ));
    }
    for &(s, d, p) in &map.connections {
        out.push_str(&format!(
            "  w{s} -> w{d} [label=\"{}\"];\n",
            dot_escape(&map.ports(p).to_string())
        ));
    }
    for o in &map.outside {
        for (a, p) in &o.allowed {
            let x = outside.get(a).copied().unwrap_or(0);
            let label = dot_escape(&p.to_string());
            match o.direction {
                Direction::Egress => {
                    out.push_str(&format!("  w{} -> x{x} [label=\"{label}\"];\n", o.workload))
                }
                Direction::Ingress => {
                    out.push_str(&format!("  x{x} -> w{} [label=\"{label}\"];\n", o.workload))
                }
            }
        }
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
    let mut out = String::from("flowchart LR\n");
    for (i, (ns, ws)) in by_namespace(cluster).into_iter().enumerate() {
        out.push_str(&format!("  subgraph ns{i}[\"{}\"]\n", mermaid_escape(ns)));
        for w in ws {
            let name = cluster
                .workloads
                .get(w)
                .map(|w| w.name.as_str())
                .unwrap_or("");
            out.push_str(&format!("    w{w}[\"{}\"]\n", mermaid_escape(name)));
        }
        out.push_str("  end\n");
    }
    let outside = outside_nodes(map);
    for (a, i) in &outside {
        out.push_str(&format!(
            "  x{i}((\"{}\"))\n",
            mermaid_escape(&a.to_string())
        ));
    }
    for &(s, d, p) in &map.connections {
        out.push_str(&format!(
            "  w{s} -->|\"{}\"| w{d}\n",
            mermaid_escape(&map.ports(p).to_string())
        ));
    }
    for o in &map.outside {
        for (a, p) in &o.allowed {
            let x = outside.get(a).copied().unwrap_or(0);
            let label = mermaid_escape(&p.to_string());
            match o.direction {
                Direction::Egress => {
                    out.push_str(&format!("  w{} -->|\"{label}\"| x{x}\n", o.workload))
                }
                Direction::Ingress => {
                    out.push_str(&format!("  x{x} -->|\"{label}\"| w{}\n", o.workload))
                }
            }
        }
    }
    out
}
