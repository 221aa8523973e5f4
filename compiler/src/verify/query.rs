//! Naming endpoints (`namespace/name` or an IP address) and answering single
//! questions: is this connection allowed, and in a few words why.

use super::connection::{Connection, ConnectionError, FamilyVerdict};
use super::engine::{Endpoint, Engine, RuleRef, SideVerdict};
use crate::ir::{Family, Protocol};
use crate::model::Direction;
use std::net::IpAddr;

/// An endpoint named by the user, resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// The address family, when the user gave an address.
    pub family: Option<Family>,
}

/// The answer to one question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// Whether the connection is allowed.
    pub allowed: bool,
    /// A short reason.
    pub reason: String,
    /// The full evaluation, for explanations.
    pub connection: Connection,
}

impl<'c> Engine<'c> {
    /// Resolves `namespace/name` (a bare Pod, a controller, or a Pod owned by a
    /// controller) or an IP address (a pod's IP resolves to that pod).
    pub fn resolve(&self, text: &str) -> Result<Resolved, String> {
        let cluster = self.cluster();
        if let Ok(ip) = text.parse::<IpAddr>() {
            if let IpAddr::V6(v4_mapped) = ip {
                if let Some(v4) = v4_mapped.to_ipv4_mapped() {
                    // Answering for the IPv6 address would differ from `1.2.3.4` unsaid.
                    return Err(format!(
                        "`{text}` is an IPv4-mapped IPv6 address, which network plugins read \
                         as IPv4 or as IPv6 differently (and ipBlocks may not name): ask about \
                         `{v4}`"
                    ));
                }
            }
            let family = Some(Family::of(&ip));
            let owner = cluster.workloads.iter().position(|w| w.ips.contains(&ip));
            let endpoint = owner.map_or(Endpoint::Address(ip), Endpoint::Workload);
            return Ok(Resolved { endpoint, family });
        }
        let Some((ns, name)) = text.split_once('/') else {
            return Err(format!(
                "`{text}` is neither `namespace/name` nor an IP address"
            ));
        };
        if !cluster.namespaces.contains_key(ns) {
            let known: Vec<&str> = cluster.namespaces.keys().map(String::as_str).collect();
            return Err(format!(
                "no namespace `{ns}` in the manifests{}",
                did_you_mean(ns, &known)
            ));
        }
        let in_ns = cluster
            .workloads
            .iter()
            .enumerate()
            .filter(|(_, w)| w.namespace == ns);
        let mut names = Vec::new();
        for (i, w) in in_ns {
            if w.name == name || w.pods.iter().any(|p| p == name) {
                return Ok(Resolved {
                    endpoint: Endpoint::Workload(i),
                    family: None,
                });
            }
            names.push(w.name.as_str());
        }
        Err(format!(
            "no pod or workload `{name}` in namespace `{ns}`{}",
            did_you_mean(name, &names)
        ))
    }

    /// Answers "may `src` open a connection to `dst` on `protocol`/`port`?".
    pub fn answer(
        &self,
        src: Resolved,
        dst: Resolved,
        protocol: Protocol,
        port: u16,
    ) -> Result<Answer, String> {
        if let (Some(a), Some(b)) = (src.family, dst.family) {
            if a != b {
                return Err("source and destination addresses are of different IP families".into());
            }
        }
        let family = src.family.or(dst.family);
        let connection = self
            .connection(src.endpoint, dst.endpoint, family)
            .map_err(|e| match e {
                ConnectionError::NoPod => {
                    "neither end is a pod of the cluster: NetworkPolicy has nothing to say"
                        .to_string()
                }
            })?;
        let allowed = connection.allowed().contains(protocol, port);
        let reason = self.reason(&connection, protocol, port);
        Ok(Answer {
            allowed,
            reason,
            connection,
        })
    }

    /// A one-line reason for a verdict.
    fn reason(&self, c: &Connection, protocol: Protocol, port: u16) -> String {
        if c.self_pod {
            return "a pod reaching itself is always allowed".into();
        }
        let chosen = c
            .per_family
            .iter()
            .find(|v| v.allowed.contains(protocol, port))
            .or(c.per_family.first());
        let Some(v) = chosen else {
            return "no verdict".into();
        };
        let allowed = v.allowed.contains(protocol, port);
        let mut parts = Vec::new();
        for (side, direction) in [
            (&v.egress, Direction::Egress),
            (&v.ingress, Direction::Ingress),
        ] {
            let Some(side) = side else { continue };
            let subject = match direction {
                Direction::Egress => self.endpoint_name(c.src),
                Direction::Ingress => self.endpoint_name(c.dst),
            };
            let dir = direction.word();
            let side_allows = side.ports.contains(protocol, port);
            if side.is_open() {
                if allowed {
                    parts.push(format!("{dir} of {subject} is not isolated"));
                }
            } else if side_allows {
                if allowed {
                    let rules = self.rule_refs_for(side, protocol, port, c, v);
                    parts.push(format!(
                        "{dir} of {subject} allowed by {}",
                        rules.join(", ")
                    ));
                }
            } else {
                let by: Vec<String> = side
                    .selecting
                    .iter()
                    .filter_map(|&p| self.cluster().policies.get(p).map(|p| p.id()))
                    .collect();
                parts.push(format!(
                    "{dir} of {subject} is isolated by {} and no rule allows {protocol} {port}",
                    by.join(", ")
                ));
            }
        }
        if let Some(note) = self.host_network_decides(c, protocol, port) {
            parts.push(note);
        }
        let verdict = if allowed { "allowed" } else { "denied" };
        format!("{verdict}: {}", parts.join("; "))
    }

    /// When an end uses the host network and the other reading of such pods (docs,
    /// "Pod network and hostNetwork pods": node traffic, or pods like any other) answers
    /// otherwise, words saying so: the verdict then rests on the plugin, not on the
    /// policies alone. `None` when no end uses the host network or both readings agree.
    pub fn host_network_decides(
        &self,
        c: &Connection,
        protocol: Protocol,
        port: u16,
    ) -> Option<String> {
        let mut hosts: Vec<String> = [c.src, c.dst]
            .into_iter()
            .filter(|e| match e {
                Endpoint::Workload(w) => self
                    .cluster()
                    .workloads
                    .get(*w)
                    .is_some_and(|w| w.host_network),
                Endpoint::Address(_) => false,
            })
            .map(|e| self.endpoint_name(e))
            .collect();
        hosts.dedup();
        if hosts.is_empty() || c.self_pod {
            return None;
        }
        // The families were pinned when the question named an address; pinning the one
        // family evaluated is the same question otherwise.
        let family = match c.per_family.as_slice() {
            [one] => one.family,
            _ => None,
        };
        let other = self.other_reading().connection(c.src, c.dst, family).ok()?;
        let allowed = c.allowed().contains(protocol, port);
        if other.allowed().contains(protocol, port) == allowed {
            return None;
        }
        let (who, uses) = match hosts.as_slice() {
            [one] => (one.clone(), "uses"),
            _ => (hosts.join(" and "), "use"),
        };
        let otherwise = if allowed { "denied" } else { "allowed" };
        Some(if self.options().select_host_network {
            format!(
                "{who} {uses} the host network, selected and matched like any pod \
                 (--select-host-network); read as node traffic (the default) it would be {otherwise}"
            )
        } else {
            format!(
                "{who} {uses} the host network, read as node traffic that pod selectors never \
                 select nor match; on a plugin that selects such pods like any pod \
                 (--select-host-network) it would be {otherwise}"
            )
        })
    }

    /// The rules of a side that allow exactly this port.
    fn rule_refs_for(
        &self,
        side: &SideVerdict,
        protocol: Protocol,
        port: u16,
        c: &Connection,
        v: &FamilyVerdict,
    ) -> Vec<String> {
        side.rules
            .iter()
            .filter(|r| self.rule_allows(r, c, v.family).contains(protocol, port))
            .map(|r| self.rule_name(r))
            .collect()
    }

    /// The ports one rule allows for a connection.
    pub fn rule_allows(
        &self,
        r: &RuleRef,
        c: &Connection,
        family: Option<Family>,
    ) -> crate::ir::PortSet {
        let Some(policy) = self.cluster().policies.get(r.policy) else {
            return crate::ir::PortSet::none();
        };
        let Some(rule) = policy.rules(r.direction).get(r.rule) else {
            return crate::ir::PortSet::none();
        };
        let (other, destination) = match r.direction {
            Direction::Egress => (c.dst, c.dst),
            Direction::Ingress => (c.src, c.dst),
        };
        self.rule_ports(policy, rule, other, destination, family)
    }

    /// `ns/policy spec.ingress[0]`.
    pub fn rule_name(&self, r: &RuleRef) -> String {
        let id = self
            .cluster()
            .policies
            .get(r.policy)
            .map_or_else(|| "?".to_string(), |p| p.id());
        format!("{id} spec.{}[{}]", r.direction.word(), r.rule)
    }

    /// `namespace/name` of a workload, or the address.
    pub fn endpoint_name(&self, e: Endpoint) -> String {
        match e {
            Endpoint::Workload(w) => self
                .cluster()
                .workloads
                .get(w)
                .map_or_else(|| "?".to_string(), |w| w.id()),
            Endpoint::Address(ip) => ip.to_string(),
        }
    }
}

/// ", did you mean `x`?" for the closest candidate within a small edit distance.
pub fn did_you_mean(input: &str, candidates: &[&str]) -> String {
    match crate::diag::suggest::closest(input, candidates) {
        Some(c) => format!(", did you mean `{c}`?"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_close_names_only() {
        assert_eq!(
            did_you_mean("fronted", &["frontend", "db"]),
            ", did you mean `frontend`?"
        );
        assert_eq!(did_you_mean("wbe", &["web", "db"]), ", did you mean `web`?");
        assert_eq!(did_you_mean("zzz", &["frontend", "db"]), "");
    }
}
