//! Corruptions of emitted policies, as the issue lists them: drop a policy, shift a port,
//! drop an except, split an AND peer into two OR peers, drop a policy type, retarget a
//! selector, add an allow-all rule. Each applies at every place it can, one per mutant.

use netpolc::model::{Direction, NamespaceScope, NetworkPolicy, Peer, PortSpec, Rule};

/// The kinds of corruption, as the issue lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    DropPolicy,
    ShiftPort,
    DropExcept,
    SplitAndPeer,
    DropPolicyType,
    Retarget,
    AddAllowAll,
}

/// Every corruption of one kind, one per place it applies (at most `limit`).
pub fn mutants(set: &[NetworkPolicy], kind: Kind, limit: usize) -> Vec<Vec<NetworkPolicy>> {
    let mut out = Vec::new();
    for i in 0..set.len() {
        for variant in mutate_policy(&set[i], kind) {
            let mut m = set.to_vec();
            match variant {
                Some(p) => m[i] = p,
                None => {
                    m.remove(i);
                }
            }
            out.push(m);
            if out.len() >= limit {
                return out;
            }
        }
    }
    out
}

/// The corruptions of one policy (`None`: the policy is dropped).
fn mutate_policy(p: &NetworkPolicy, kind: Kind) -> Vec<Option<NetworkPolicy>> {
    let mut out = Vec::new();
    let directions = [Direction::Ingress, Direction::Egress];
    match kind {
        Kind::DropPolicy => out.push(None),
        Kind::DropPolicyType => {
            for d in directions.into_iter().filter(|d| p.isolates(*d)) {
                let mut q = p.clone();
                match d {
                    Direction::Ingress => q.isolates_ingress = false,
                    Direction::Egress => q.isolates_egress = false,
                }
                out.push(Some(q));
            }
        }
        Kind::Retarget => {
            let mut q = p.clone();
            match q.pod_selector.match_labels.values_mut().next() {
                Some(v) => v.push_str("-mutant"),
                None => {
                    q.pod_selector
                        .match_labels
                        .insert("mutant".into(), "yes-please".into());
                }
            }
            out.push(Some(q));
        }
        Kind::AddAllowAll => {
            for d in directions.into_iter().filter(|d| p.isolates(*d)) {
                let mut q = p.clone();
                let all = Rule {
                    peers: None,
                    ports: None,
                };
                match d {
                    Direction::Ingress => q.ingress.push(all),
                    Direction::Egress => q.egress.push(all),
                }
                out.push(Some(q));
            }
        }
        Kind::ShiftPort | Kind::DropExcept | Kind::SplitAndPeer => {
            for d in directions {
                for r in 0..p.rules(d).len() {
                    for q in mutate_rule(p, d, r, kind) {
                        out.push(Some(q));
                    }
                }
            }
        }
    }
    out
}

fn rule_mut(p: &mut NetworkPolicy, d: Direction, r: usize) -> Option<&mut Rule> {
    match d {
        Direction::Ingress => p.ingress.get_mut(r),
        Direction::Egress => p.egress.get_mut(r),
    }
}

/// The corruptions of one rule, one per port or peer they apply to.
fn mutate_rule(p: &NetworkPolicy, d: Direction, r: usize, kind: Kind) -> Vec<NetworkPolicy> {
    let mut out = Vec::new();
    let Some(rule) = p.rules(d).get(r) else {
        return out;
    };
    match kind {
        Kind::ShiftPort => {
            for (k, port) in rule.ports.iter().flatten().enumerate() {
                if let PortSpec::Numbers { start, end } = port.port {
                    if end < u16::MAX {
                        let mut q = p.clone();
                        if let Some(pp) = rule_mut(&mut q, d, r)
                            .and_then(|x| x.ports.as_mut())
                            .and_then(|x| x.get_mut(k))
                        {
                            pp.port = PortSpec::Numbers {
                                start: start + 1,
                                end: end + 1,
                            };
                        }
                        out.push(q);
                    }
                }
            }
        }
        Kind::DropExcept | Kind::SplitAndPeer => {
            for (k, peer) in rule.peers.iter().flatten().enumerate() {
                let replacement = match (kind, peer) {
                    (Kind::DropExcept, Peer::IpBlock { cidr, except }) if !except.is_empty() => {
                        let mut fewer = except.clone();
                        fewer.pop();
                        vec![Peer::IpBlock {
                            cidr: *cidr,
                            except: fewer,
                        }]
                    }
                    (
                        Kind::SplitAndPeer,
                        Peer::Pods {
                            namespaces: NamespaceScope::Matching(ns),
                            pods,
                        },
                    ) if !pods.is_everything() => vec![
                        Peer::Pods {
                            namespaces: NamespaceScope::Matching(ns.clone()),
                            pods: Default::default(),
                        },
                        Peer::Pods {
                            namespaces: NamespaceScope::PolicyNamespace,
                            pods: pods.clone(),
                        },
                    ],
                    _ => continue,
                };
                let mut q = p.clone();
                if let Some(peers) = rule_mut(&mut q, d, r).and_then(|x| x.peers.as_mut()) {
                    peers.splice(k..=k, replacement);
                }
                out.push(q);
            }
        }
        _ => {}
    }
    out
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 7] = [
        Kind::DropPolicy,
        Kind::ShiftPort,
        Kind::DropExcept,
        Kind::SplitAndPeer,
        Kind::DropPolicyType,
        Kind::Retarget,
        Kind::AddAllowAll,
    ];
}
