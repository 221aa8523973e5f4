//! Lowering: the resolved program to its meaning per namespace, by the contract's
//! "Meaning" (language.md):
//!
//! - a pod is isolated in a direction when any statement isolates it;
//! - an allowance only matters for pods isolated on its side, so it is recorded only for
//!   them: its target is intersected with each isolation of its namespace and direction
//!   (selecting a pod isolates it, so an allowance must never widen what is isolated);
//! - a statement shapes a namespace's side only when its scope covers that namespace
//!   (its own block, or the top level) and that namespace's policies can tell the side
//!   holds its pods: a set chosen by namespace labels other than the name cannot be
//!   decided from inside the namespace (`hir::namespace_membership`).

use super::describe;
use super::hir::{namespace_membership, Action, Program, Scope, Statement};
use crate::diag::{Code, Diagnostic};
use crate::ir::intent::{Allowance, Isolation, NamespaceSet, PeerSet, PortAccess};
use crate::ir::{labels, Intent, Protocol};
use crate::model::{Direction, LabelSelector};
use std::collections::BTreeMap;

/// The meaning of `program`, and the warnings found on the way.
pub fn lower(program: &Program) -> (Intent, Vec<Diagnostic>) {
    let mut lowering = Lowering {
        program,
        intent: Intent::default(),
        isolated: BTreeMap::new(),
        warnings: Vec::new(),
    };
    lowering.isolations();
    for stmt in &program.statements {
        if let Action::Allow { .. } = stmt.action {
            lowering.allow(stmt);
        }
    }
    lowering.check_blocked_by_other_side();
    lowering.check_dns();
    (lowering.intent, lowering.warnings)
}

struct Lowering<'a> {
    program: &'a Program,
    intent: Intent,
    /// Distinct isolated selectors per namespace and direction, with the first statement
    /// that isolates each.
    isolated: BTreeMap<(String, Direction), Vec<(LabelSelector, &'a Statement)>>,
    warnings: Vec<Diagnostic>,
}

impl<'a> Lowering<'a> {
    fn warn(&mut self, stmt: &Statement, code: Code, message: String) -> &mut Diagnostic {
        self.warnings
            .push(Diagnostic::new(code, message).at(&stmt.site.0, stmt.site.1));
        self.warnings.last_mut().expect("just pushed")
    }

    fn isolations(&mut self) {
        for stmt in &self.program.statements {
            let Action::Isolate {
                namespace,
                pods,
                direction,
            } = &stmt.action
            else {
                continue;
            };
            if labels::is_empty(pods) {
                let sel = describe::selector(pods);
                self.warn(
                    stmt,
                    Code::NoEffect,
                    format!("`pods({sel})` matches no pod, so isolating it changes nothing"),
                );
                continue;
            }
            let pods = labels::canonical(pods);
            self.intent
                .namespaces
                .entry(namespace.clone())
                .or_default()
                .isolations
                .push(Isolation {
                    direction: *direction,
                    pods: pods.clone(),
                    source: stmt.source.clone(),
                });
            let list = self
                .isolated
                .entry((namespace.clone(), *direction))
                .or_default();
            if !list.iter().any(|(s, _)| *s == pods) {
                list.push((pods, stmt));
            }
        }
    }

    /// The allowances of one `Allow` statement, on each side it speaks for.
    fn allow(&mut self, stmt: &'a Statement) {
        let Action::Allow {
            from,
            to,
            ports,
            sides,
        } = &stmt.action
        else {
            return;
        };
        let mut produced = 0;
        for direction in [Direction::Egress, Direction::Ingress] {
            if !sides.includes(direction) {
                continue;
            }
            let (subjects, peers) = shaped_and_other(direction, from, to);
            produced += self.side(stmt, direction, subjects, peers, ports);
        }
        if produced == 0 {
            let d = self.warn(
                stmt,
                Code::NoEffect,
                "this statement changes nothing: no pod it speaks for is isolated on its side"
                    .to_owned(),
            );
            d.notes.push("an allowance only matters for pods that some statement isolates in that direction; pods that are not isolated already allow everything".to_owned());
            d.help = Some("isolate the pods (`isolate namespace`, `isolate web egress`), or remove the statement".to_owned());
        }
        let named_to_addresses = !ports.named.is_empty()
            && sides.includes(Direction::Egress)
            && to.iter().any(|t| matches!(t, PeerSet::Addresses(_)));
        if named_to_addresses {
            let d = self.warn(
                stmt,
                Code::NamedPortToAddress,
                "a named port towards addresses matches nothing: addresses have no container ports"
                    .to_owned(),
            );
            d.help = Some("write the port number instead".to_owned());
        }
    }

    fn side(
        &mut self,
        stmt: &'a Statement,
        direction: Direction,
        subjects: &[PeerSet],
        peers: &[PeerSet],
        ports: &PortAccess,
    ) -> usize {
        let mut produced = 0;
        // A block shapes only its own namespace; the top level every isolated one.
        let namespaces: Vec<String> = match &stmt.scope {
            Scope::Namespace(block) => vec![block.clone()],
            Scope::Cluster => self
                .isolated
                .keys()
                .filter(|(_, d)| *d == direction)
                .map(|(ns, _)| ns.clone())
                .collect(),
        };
        for namespace in namespaces {
            let Some(list) = self.isolated.get(&(namespace.clone(), direction)) else {
                continue;
            };
            let selectors: Vec<LabelSelector> = list.iter().map(|(s, _)| s.clone()).collect();
            for subject in subjects {
                let (namespaces, pods) = match subject {
                    PeerSet::Pods { namespaces, pods } => (namespaces.clone(), pods.clone()),
                    PeerSet::Everything => (
                        NamespaceSet::Matching(LabelSelector::default()),
                        LabelSelector::default(),
                    ),
                    // Addresses have no policies: only the pod side of such a connection counts.
                    PeerSet::Addresses(_) => continue,
                };
                match namespace_membership(&namespaces, &namespace) {
                    Some(true) => {}
                    Some(false) => continue,
                    None => {
                        if stmt.scope == Scope::Cluster {
                            self.warn_labels_unknown(stmt, subject, &namespace, direction);
                        }
                        continue;
                    }
                }
                for target in targets(&pods, &selectors) {
                    for peer in peers {
                        self.intent
                            .namespaces
                            .entry(namespace.clone())
                            .or_default()
                            .allowances
                            .push(Allowance {
                                direction,
                                pods: target.clone(),
                                peer: peer.clone(),
                                ports: ports.clone(),
                                source: stmt.source.clone(),
                            });
                        produced += 1;
                    }
                }
            }
        }
        produced
    }

    fn warn_labels_unknown(
        &mut self,
        stmt: &Statement,
        subject: &PeerSet,
        namespace: &str,
        direction: Direction,
    ) {
        let set = describe::endpoint(subject, None, &self.program.workload_labels);
        let side = direction.word();
        let d = self.warn(
            stmt,
            Code::NamespaceLabelsUnknown,
            format!("`{set}` may include namespace `{namespace}`, whose {side} is isolated, but its policies cannot see its own labels; this statement does not open `{namespace}`'s {side}"),
        );
        d.help = Some(format!(
            "to open it, name the namespace: `namespace {namespace}` or `{namespace}/...`"
        ));
    }

    /// Warns when a statement opens one side of a connection whose other side lives in a
    /// namespace that isolates it and that this statement cannot shape.
    fn check_blocked_by_other_side(&mut self) {
        let label = self.program.workload_labels.clone();
        for stmt in &self.program.statements {
            let Action::Allow {
                from,
                to,
                ports,
                sides,
            } = &stmt.action
            else {
                continue;
            };
            for direction in [Direction::Egress, Direction::Ingress] {
                if !sides.includes(direction) {
                    continue;
                }
                let (subjects, peers) = shaped_and_other(direction, from, to);
                let other = opposite(direction);
                for subject in subjects {
                    let PeerSet::Pods {
                        namespaces: NamespaceSet::Named(here),
                        pods: subject_pods,
                    } = subject
                    else {
                        continue;
                    };
                    for peer in peers {
                        let PeerSet::Pods {
                            namespaces: NamespaceSet::Named(there),
                            pods: peer_pods,
                        } = peer
                        else {
                            continue;
                        };
                        let shaped_there = sides.includes(other)
                            && (stmt.scope == Scope::Cluster
                                || stmt.scope == Scope::Namespace(there.clone()));
                        if shaped_there || !self.isolates(there, peer_pods, other) {
                            continue;
                        }
                        if self.allows(there, peer_pods, other, here, subject_pods, ports) {
                            continue;
                        }
                        let (src, dst) = match direction {
                            Direction::Egress => (subject, peer),
                            Direction::Ingress => (peer, subject),
                        };
                        let suggestion = format!(
                            "{} may talk to {}{}",
                            describe::endpoint(src, Some(there), &label),
                            describe::endpoint(dst, Some(there), &label),
                            describe::ports(ports)
                        );
                        let side = other.word();
                        let d = self.warn(
                            stmt,
                            Code::BlockedByOtherSide,
                            format!("namespace `{there}` isolates {side} of `{}` and allows nothing that matches this statement, so these connections stay blocked", describe::endpoint(peer, None, &label)),
                        );
                        d.help = Some(format!("add to `namespace {there} {{ }}`: `{suggestion}`"));
                    }
                }
            }
        }
    }

    /// Whether some pod of `pods` in `namespace` is isolated in `direction`.
    fn isolates(&self, namespace: &str, pods: &LabelSelector, direction: Direction) -> bool {
        self.isolated
            .get(&(namespace.to_owned(), direction))
            .is_some_and(|list| list.iter().any(|(s, _)| labels::and(s, pods).is_some()))
    }

    /// Whether `namespace` has an allowance in `direction` for some of `pods` that could
    /// hold pods `peer_pods` of namespace `peer_ns` on some of `ports`.
    fn allows(
        &self,
        namespace: &str,
        pods: &LabelSelector,
        direction: Direction,
        peer_ns: &str,
        peer_pods: &LabelSelector,
        ports: &PortAccess,
    ) -> bool {
        let Some(ns) = self.intent.namespaces.get(namespace) else {
            return false;
        };
        ns.allowances.iter().any(|a| {
            a.direction == direction
                && labels::and(&a.pods, pods).is_some()
                && ports_overlap(&a.ports, ports)
                && match &a.peer {
                    PeerSet::Everything => true,
                    PeerSet::Addresses(_) => false,
                    PeerSet::Pods { namespaces, pods } => {
                        namespace_membership(namespaces, peer_ns) != Some(false)
                            && labels::and(pods, peer_pods).is_some()
                    }
                }
        })
    }

    /// Warns when egress-isolated pods have no allowance on UDP 53, naming exactly those
    /// pods: each isolation's pods less those an allowance lets reach UDP port 53
    /// (`isolate egress` with `web egress only anywhere`: every pod but `web`).
    fn check_dns(&mut self) {
        /// Past this many pieces the difference is not pursued (the warning then still
        /// names the pods that resolve, but may be given when they cover the isolation).
        const PIECES: usize = 256;
        let egress: Vec<(String, LabelSelector, &Statement)> = self
            .isolated
            .iter()
            .filter(|((_, d), _)| *d == Direction::Egress)
            .flat_map(|((ns, _), list)| {
                list.iter()
                    .map(move |(s, stmt)| (ns.clone(), s.clone(), *stmt))
            })
            .collect();
        // Each isolation with pods left that cannot resolve, and the parts that can.
        let mut found: Vec<(String, LabelSelector, &Statement, Vec<LabelSelector>)> = Vec::new();
        for (namespace, selector, stmt) in egress {
            let resolving: Vec<LabelSelector> = self
                .intent
                .namespaces
                .get(&namespace)
                .map(|ns| {
                    ns.allowances
                        .iter()
                        .filter(|a| {
                            a.direction == Direction::Egress
                                && a.ports.numbers.contains(Protocol::Udp, 53)
                        })
                        .filter_map(|a| labels::and(&selector, &a.pods))
                        .collect()
                })
                .unwrap_or_default();
            let mut left = vec![selector.clone()];
            for r in &resolving {
                if left.len() > PIECES {
                    break;
                }
                left = left.iter().flat_map(|l| labels::difference(l, r)).collect();
            }
            let seen = found
                .iter()
                .any(|(n, s, ..)| *n == namespace && *s == selector);
            if !left.is_empty() && !seen {
                found.push((namespace, selector, stmt, resolving));
            }
        }
        for (i, (namespace, selector, stmt, resolving)) in found.iter().enumerate() {
            // An isolation inside another that warns is named by that warning already.
            let inside = found.iter().enumerate().any(|(j, (n, s, ..))| {
                j != i
                    && n == namespace
                    && labels::implies(selector, s)
                    && (!labels::implies(s, selector) || j < i)
            });
            if inside {
                continue;
            }
            let label = &self.program.workload_labels;
            let pods = describe::endpoint(
                &PeerSet::Pods {
                    namespaces: NamespaceSet::Named(namespace.clone()),
                    pods: selector.clone(),
                },
                None,
                label,
            );
            let mut except: Vec<String> = resolving
                .iter()
                .map(|r| {
                    let set = PeerSet::Pods {
                        namespaces: NamespaceSet::Named(namespace.clone()),
                        pods: r.clone(),
                    };
                    format!("`{}`", describe::endpoint(&set, Some(namespace), label))
                })
                .collect();
            except.sort();
            except.dedup();
            let message = if except.is_empty() {
                format!("`{pods}` is isolated for egress and cannot resolve names: nothing allows UDP port 53")
            } else {
                format!(
                    "the pods of `{pods}` other than {} are isolated for egress and cannot resolve names: nothing allows them UDP port 53",
                    except.join(", ")
                )
            };
            let help = format!("add `use dns` to `namespace {namespace} {{ }}`");
            let stmt: &Statement = stmt;
            let d = self.warn(stmt, Code::NoDns, message);
            d.help = Some(help);
        }
    }
}

/// The pods an allowance for `pods` targets, given the isolated selectors of its
/// namespace and direction: `pods` itself when one isolation covers it, otherwise its
/// intersection with each isolation that it meets.
fn targets(pods: &LabelSelector, isolated: &[LabelSelector]) -> Vec<LabelSelector> {
    if isolated.iter().any(|s| labels::implies(pods, s)) {
        return vec![labels::canonical(pods)];
    }
    isolated
        .iter()
        .filter_map(|s| labels::and(pods, s))
        .collect()
}

/// The sets whose side `direction` shapes, and the other ends: egress shapes the sources'
/// side towards the destinations, ingress the destinations' side from the sources.
fn shaped_and_other<'s>(
    direction: Direction,
    from: &'s [PeerSet],
    to: &'s [PeerSet],
) -> (&'s [PeerSet], &'s [PeerSet]) {
    match direction {
        Direction::Egress => (from, to),
        Direction::Ingress => (to, from),
    }
}

fn opposite(d: Direction) -> Direction {
    match d {
        Direction::Egress => Direction::Ingress,
        Direction::Ingress => Direction::Egress,
    }
}

fn ports_overlap(a: &PortAccess, b: &PortAccess) -> bool {
    !a.numbers.intersect(&b.numbers).is_empty()
        || a.named.intersection(&b.named).next().is_some()
        || (a.is_all() || b.is_all())
}
