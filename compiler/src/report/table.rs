//! Aligned plain-text tables.

use crate::model::{Cluster, Direction};
use crate::verify::ReachMap;
use serde_json::Value;

/// Formats rows as columns separated by two spaces, the last column unpadded.
fn columns(rows: &[Vec<String>]) -> String {
    let ncol = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; ncol];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(c);
            } else {
                // Padded by hand: `format!`'s width is limited to u16::MAX, and a cell of
                // addresses (thousands of excepts) can be wider.
                line.push_str(c);
                let pad = widths[i].saturating_sub(c.chars().count()) + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The map as two tables: workload pairs, then addresses outside the cluster.
pub fn table(cluster: &Cluster, map: &ReachMap) -> String {
    let id = |w: usize| cluster.workloads.get(w).map(|w| w.id()).unwrap_or_default();
    use crate::diag::count;
    let mut out = format!(
        "{}, {}, {}; {} between workloads\n\n",
        count(cluster.workloads.len(), "workload", "workloads"),
        count(cluster.namespaces.len(), "namespace", "namespaces"),
        count(cluster.policies.len(), "NetworkPolicy", "NetworkPolicies"),
        count(
            map.connections.len(),
            "allowed connection",
            "allowed connections"
        )
    );
    let mut rows = vec![vec![
        "SOURCE".to_string(),
        "DESTINATION".into(),
        "PORTS".into(),
    ]];
    for &(s, d, p) in &map.connections {
        rows.push(vec![id(s), id(d), map.ports(p).to_string()]);
    }
    out.push_str(&columns(&rows));
    out.push('\n');
    let mut rows = vec![vec![
        "WORKLOAD".to_string(),
        "DIRECTION".into(),
        "ADDRESSES OUTSIDE THE CLUSTER".into(),
        "PORTS".into(),
    ]];
    for o in &map.outside {
        let dir = match o.direction {
            Direction::Egress => "egress to",
            Direction::Ingress => "ingress from",
        };
        if o.allowed.is_empty() {
            rows.push(vec![
                id(o.workload),
                dir.into(),
                "none".into(),
                String::new(),
            ]);
        }
        for (addrs, ports) in &o.allowed {
            rows.push(vec![
                id(o.workload),
                dir.into(),
                addrs.to_string(),
                ports.to_string(),
            ]);
        }
    }
    out.push_str(&columns(&rows));
    out
}

/// Query answers as a table.
pub fn query_table(answers: &[Value]) -> String {
    let field = |v: &Value, k: &str| match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => if *b { "allowed" } else { "denied" }.to_string(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let mut rows = vec![vec![
        "SOURCE".to_string(),
        "DESTINATION".into(),
        "PORT".into(),
        "VERDICT".into(),
        "REASON".into(),
    ]];
    for a in answers {
        let proto = a
            .get("protocol")
            .and_then(Value::as_str)
            .unwrap_or("TCP")
            .to_uppercase();
        rows.push(vec![
            field(a, "src"),
            field(a, "dst"),
            format!("{proto} {}", field(a, "port")),
            field(a, "allowed"),
            field(a, "reason"),
        ]);
    }
    columns(&rows)
}

#[cfg(test)]
mod tests {
    use super::columns;

    /// `format!`'s width stops at u16::MAX: a cell of 8,000 excepted addresses panicked
    /// (exit 3) in `netpolc reach` (issue 15, item 13).
    #[test]
    fn a_cell_wider_than_a_format_width_is_aligned_not_a_panic() {
        let wide = "10.0.0.1/32, ".repeat(8_000);
        let rows = vec![
            vec![wide.clone(), "TCP 80".to_owned()],
            vec!["x".to_owned(), "UDP 53".to_owned()],
        ];
        let out = columns(&rows);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], format!("{wide}  TCP 80"));
        assert_eq!(lines[1].find("UDP 53"), Some(wide.chars().count() + 2));
    }
}
