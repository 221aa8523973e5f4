//! `explain`: a verdict for one connection and why — the policies that select
//! each side, the rules that allow it, or that a side is isolated and no rule
//! matches.

use super::engine::{Endpoint, Engine, SideVerdict};
use super::query::Answer;
use crate::ir::Protocol;
use crate::model::Direction;
use std::fmt::Write as _;

impl<'c> Engine<'c> {
    /// A multi-line explanation of an answer, for people.
    pub fn explain(&self, answer: &Answer, protocol: Protocol, port: u16) -> String {
        let c = &answer.connection;
        let mut out = String::new();
        let verdict = if answer.allowed { "ALLOWED" } else { "DENIED" };
        let _ = writeln!(
            out,
            "{verdict}: {} -> {} on {protocol} {port}",
            self.endpoint_name(c.src),
            self.endpoint_name(c.dst)
        );
        if c.self_pod {
            let _ = writeln!(
                out,
                "\na pod reaching itself is always allowed: NetworkPolicy never blocks a pod's own traffic to itself"
            );
            return out;
        }
        let chosen = c
            .per_family
            .iter()
            .find(|v| v.allowed.contains(protocol, port) == answer.allowed)
            .or(c.per_family.first());
        let Some(v) = chosen else { return out };
        if let Some(f) = v.family {
            if c.per_family.len() > 1 {
                let _ = writeln!(
                    out,
                    "(over {f}; the pods have addresses of several families)"
                );
            }
        }
        for (side, direction) in [
            (&v.egress, Direction::Egress),
            (&v.ingress, Direction::Ingress),
        ] {
            let (role, subject, other, word) = match direction {
                Direction::Egress => ("source", c.src, c.dst, "towards"),
                Direction::Ingress => ("destination", c.dst, c.src, "from"),
            };
            let _ = writeln!(out);
            match side {
                None => {
                    let _ = writeln!(
                        out,
                        "{role} {} is outside the cluster: only the other side's policies count",
                        self.endpoint_name(subject)
                    );
                }
                Some(side) => {
                    self.explain_side(&mut out, role, direction, subject, side);
                    self.explain_rules(&mut out, side, (protocol, port), c, v.family, word, other);
                }
            }
        }
        if let Some(note) = self.host_network_decides(c, protocol, port) {
            let _ = writeln!(out, "\nthe reading of hostNetwork pods decides: {note}");
        }
        out
    }

    fn explain_side(
        &self,
        out: &mut String,
        role: &str,
        direction: Direction,
        subject: Endpoint,
        side: &SideVerdict,
    ) {
        let dir = direction.word();
        let mut header = format!("{role} {}", self.endpoint_name(subject));
        if let Endpoint::Workload(w) = subject {
            if let Some(w) = self.cluster().workloads.get(w) {
                let labels: Vec<String> =
                    w.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let _ = write!(
                    header,
                    " ({}, labels {})",
                    w.kind,
                    if labels.is_empty() {
                        "none".into()
                    } else {
                        labels.join(",")
                    }
                );
                if w.host_network && self.options().select_host_network {
                    let _ = write!(
                        header,
                        " uses the host network: selected like any pod (--select-host-network)"
                    );
                } else if w.host_network {
                    let _ = write!(
                        header,
                        " uses the host network: NetworkPolicy treats it as node traffic and never selects it"
                    );
                }
            }
        }
        let _ = writeln!(out, "{header}, {dir}:");
        if side.is_open() {
            let _ = writeln!(
                out,
                "  not isolated for {dir}: no NetworkPolicy selects it with {} in its policyTypes, so all {dir} is allowed",
                direction.as_k8s()
            );
            return;
        }
        let _ = writeln!(out, "  isolated for {dir} by:");
        for &pi in &side.selecting {
            if let Some(p) = self.cluster().policies.get(pi) {
                let _ = writeln!(
                    out,
                    "    {} (podSelector {}) at {}",
                    p.id(),
                    p.pod_selector.describe(),
                    p.origin
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn explain_rules(
        &self,
        out: &mut String,
        side: &SideVerdict,
        (protocol, port): (Protocol, u16),
        c: &super::connection::Connection,
        family: Option<crate::ir::Family>,
        word: &str,
        other: Endpoint,
    ) {
        if side.is_open() {
            return;
        }
        let other_name = self.endpoint_name(other);
        let matching: Vec<String> = side
            .rules
            .iter()
            .filter(|r| self.rule_allows(r, c, family).contains(protocol, port))
            .map(|r| {
                let at = self
                    .cluster()
                    .policies
                    .get(r.policy)
                    .map(|p| p.origin.to_string())
                    .unwrap_or_default();
                format!("{} at {at}", self.rule_name(r))
            })
            .collect();
        if matching.is_empty() {
            let _ = writeln!(
                out,
                "  no rule of these policies allows {protocol} {port} {word} {other_name}"
            );
            if side.ports.is_empty() {
                let _ = writeln!(
                    out,
                    "  (no rule of these policies matches {other_name} at all)"
                );
            } else {
                let _ = writeln!(
                    out,
                    "  (their rules allow {word} {other_name}: {})",
                    side.ports
                );
            }
        } else {
            let _ = writeln!(out, "  allowed {word} {other_name} by:");
            for m in matching {
                let _ = writeln!(out, "    {m}");
            }
        }
    }
}
