//! The proof that a set of NetworkPolicies means exactly what a program says, for every
//! cluster and under both ways network plugins read ipBlocks: what `compile` checks of
//! its own output before writing it, and what `netpolc check` asks of any policies.
//!
//! Whether an ipBlock matches pod IPs is left to the plugin (API reference, IPBlock:
//! "describes a particular CIDR ... that is allowed to the pods matched by a
//! NetworkPolicySpec's podSelector"; docs "Network Policies": ipBlock is meant for
//! cluster-external IPs, and "cluster ingress and egress mechanisms often require
//! rewriting the source or destination IP"; decision 0004). A policy set that equals the
//! program on one kind of plugin only would change meaning when the cluster changes
//! plugin, so the proof is done under both and each counterexample says under which it
//! holds.
//!
//! hostNetwork pods are left to the plugin too (docs, "Pod network and hostNetwork pods":
//! selected like any pod, or node traffic, "the most common implementation"). The lift
//! under the first reading is the one under the second without its kind of end for
//! hostNetwork pods (`equiv::lift`), so a proof under the default reading (node traffic)
//! holds under both; [`prove_with`] can prove under the first alone, where a difference
//! on a hostNetwork end does not count.

use super::equiv::{self, Budget, Lifted, Verdict, Witness};
use super::Options;
use crate::diag::{Code, Diagnostic};
use crate::ir::intent::NamespaceIntent;
use crate::ir::Intent;
use crate::model::NetworkPolicy;
use std::collections::BTreeMap;

/// The two plugin behaviours for ipBlocks, default first, under a reading of hostNetwork
/// pods.
fn plugins(select_host_network: bool) -> [Options; 2] {
    [true, false].map(|ipblock_matches_pods| Options {
        ipblock_matches_pods,
        select_host_network,
    })
}

/// The network plugins under which a counterexample holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Plugins {
    /// Every plugin: whether ipBlocks match pod IPs does not matter.
    All,
    /// Only plugins whose ipBlocks match pod IPs (the upstream conformance tests' reading).
    IpBlockMatchesPods,
    /// Only plugins whose ipBlocks never match pod IPs (Cilium, for example).
    IpBlockIgnoresPods,
}

impl Plugins {
    fn only(options: Options) -> Plugins {
        if options.ipblock_matches_pods {
            Plugins::IpBlockMatchesPods
        } else {
            Plugins::IpBlockIgnoresPods
        }
    }

    /// Words for messages, empty for [`Plugins::All`].
    pub fn caveat(self) -> &'static str {
        match self {
            Plugins::All => "",
            Plugins::IpBlockMatchesPods => "only on network plugins whose ipBlocks match pod IPs",
            Plugins::IpBlockIgnoresPods => {
                "only on network plugins whose ipBlocks never match pod IPs (such as Cilium)"
            }
        }
    }
}

/// One connection side on which the policies and the program disagree. In the witness,
/// [`Which::Left`](equiv::Which::Left) is the program and `Right` the policies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample {
    /// The connection side, and who allows and denies it.
    pub witness: Witness,
    /// The plugin behaviours under which the two disagree on it.
    pub plugins: Plugins,
    /// The options to evaluate the witness with (the first plugin behaviour it holds for).
    pub options: Options,
}

impl Counterexample {
    /// Whether the other end is a hostNetwork pod read as node traffic: a difference that
    /// a plugin selecting such pods like any pod may not have.
    pub fn on_host_network(&self) -> bool {
        matches!(
            self.witness.point.other,
            equiv::OtherEnd::HostNetworkPod { .. }
        )
    }
}

/// The box comparisons a proof may make ([`Budget`]): about four seconds of work on one
/// core. The 1,000-namespace benchmark program (6,000 policies) needs 1.1 million, a
/// forty-fifth of it; a hostile namespace (a few hundred rules whose selectors combine
/// dozens of label keys, like a hard instance of SAT) can need more than any budget.
pub const BUDGET: u64 = 50_000_000;

/// Why a proof failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The two differ; every counterexample found, sorted by namespace.
    Differ(Vec<Counterexample>),
    /// The proof ran out of its budget before it found an answer, in this namespace
    /// (the first in name order where it did).
    TooLarge {
        /// The namespace.
        namespace: String,
    },
}

/// [`prove_with`] under the default reading of hostNetwork pods (node traffic), which
/// implies the other: what `compile` proves of its output.
pub fn prove(intent: &Intent, policies: &[NetworkPolicy], budget: &Budget) -> Result<(), Failure> {
    prove_with(intent, policies, budget, false)
}

/// `Ok` when `policies` allow exactly what `intent` allows, side by side, for every
/// cluster and both plugin behaviours for ipBlocks, hostNetwork pods read as node traffic
/// or (`select_host_network`) as pods; otherwise every counterexample found, sorted by
/// namespace: one per namespace, direction and way in which they differ, under the first
/// behaviour that shows it. Counterexamples found are reported even when the budget ran
/// out elsewhere (each is true); without any, running out is [`Failure::TooLarge`].
///
/// Sides are compared one namespace at a time (a namespace's policies shape only its own
/// pods' sides), which bounds memory by the largest namespace and lets namespaces be
/// proved on several threads.
pub fn prove_with(
    intent: &Intent,
    policies: &[NetworkPolicy],
    budget: &Budget,
    select_host_network: bool,
) -> Result<(), Failure> {
    let plugins = plugins(select_host_network);
    let mut work: BTreeMap<&String, Namespace<'_>> = BTreeMap::new();
    for (name, ns) in &intent.namespaces {
        work.entry(name).or_default().intent = Some(ns);
    }
    for p in policies {
        work.entry(&p.namespace).or_default().policies.push(p);
    }
    let work: Vec<(&String, Namespace<'_>)> = work.into_iter().collect();
    let found: Vec<Proved> =
        crate::parallel::map_in_order(&work, |(n, ns)| prove_namespace(n, ns, &plugins, budget));
    let mut counterexamples = Vec::new();
    let mut too_large = None;
    for proved in found {
        match proved {
            Proved::Equal => {}
            Proved::Differ(c) => counterexamples.extend(c),
            Proved::TooLarge(ns) => {
                too_large.get_or_insert(ns);
            }
        }
    }
    match (counterexamples.is_empty(), too_large) {
        (false, _) => Err(Failure::Differ(counterexamples)),
        (true, Some(namespace)) => Err(Failure::TooLarge { namespace }),
        (true, None) => Ok(()),
    }
}

/// One namespace's outcome.
enum Proved {
    Equal,
    Differ(Vec<Counterexample>),
    TooLarge(String),
}

/// One namespace's part of both sides.
#[derive(Default)]
struct Namespace<'a> {
    intent: Option<&'a NamespaceIntent>,
    policies: Vec<&'a NetworkPolicy>,
}

/// The counterexamples of one namespace, under both plugin behaviours.
fn prove_namespace(
    name: &String,
    ns: &Namespace<'_>,
    plugins: &[Options; 2],
    budget: &Budget,
) -> Proved {
    let lifts: Vec<(Lifted, Lifted)> = plugins
        .iter()
        .map(|&o| {
            (
                equiv::lift_namespace_intents(ns.intent.map(|i| (name, i)), o),
                equiv::lift_policies(ns.policies.iter().copied(), o),
            )
        })
        .collect();
    let mut found: Vec<Counterexample> = Vec::new();
    let mut too_large = false;
    for (i, (program, written)) in lifts.iter().enumerate() {
        let difference = match equiv::compare(program, written, budget) {
            Verdict::Equal => continue,
            Verdict::TooLarge => {
                too_large = true;
                continue;
            }
            Verdict::Differ(d) => d,
        };
        for witness in difference.witnesses {
            let point = &witness.point;
            // Already shown under the first behaviour, on the same side and way.
            if found.iter().any(|c| {
                c.witness.point.direction == point.direction
                    && c.witness.allowed_by == witness.allowed_by
            }) {
                continue;
            }
            let (program, written) = &lifts[1 - i];
            let holds = if program.allows(point) != written.allows(point) {
                Plugins::All
            } else {
                Plugins::only(plugins[i])
            };
            found.push(Counterexample {
                witness,
                plugins: holds,
                options: plugins[i],
            });
        }
    }
    if !found.is_empty() {
        Proved::Differ(found)
    } else if too_large {
        Proved::TooLarge(name.clone())
    } else {
        Proved::Equal
    }
}

/// The error for [`Failure::TooLarge`]: bad input, not a bug (exit 2).
pub fn too_large(namespace: &str) -> Diagnostic {
    Diagnostic::new(
        Code::ProofTooLarge,
        format!(
            "the proof for namespace `{namespace}` needs more than {BUDGET} box comparisons, its budget"
        ),
    )
    .with_note(
        "deciding equality for every cluster grows exponentially with the label keys that \
         selectors of one namespace combine, and with the address and port ranges of rules \
         that overlap; real programs need a tiny fraction of the budget",
    )
    .with_help(
        "split the namespace's selectors, use fewer distinct label keys in one side's rules, \
         or merge address and port ranges that overlap",
    )
}
