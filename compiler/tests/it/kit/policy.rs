//! Random NetworkPolicies as the loader returns them (`model::NetworkPolicy`): rules of
//! pod peers and ipBlocks, port numbers, ranges and names, over a [`Policies`] universe.

use super::selector::Selectors;
use netpolc::ir::{Cidr, Protocol};
use netpolc::model::{NamespaceScope, NetworkPolicy, Origin, Peer, PolicyPort, PortSpec, Rule};
use proptest::prelude::*;
use std::ops::Range;

/// What policies are made of.
#[derive(Clone, Debug)]
pub struct Policies {
    /// The namespaces policies are in.
    pub namespaces: &'static [&'static str],
    /// Policies' `podSelector` and peers' `podSelector`.
    pub pods: Selectors,
    /// Peers' `namespaceSelector` (a peer without one is in the policy's namespace).
    pub namespace_selectors: Selectors,
    /// ipBlocks: a CIDR and its excepts.
    pub blocks: &'static [(&'static str, &'static [&'static str])],
    /// The protocols of port entries (repeat one to make it likelier).
    pub protocols: &'static [Protocol],
    /// Where port numbers start, and how far past the start a range ends.
    pub port_starts: Range<u16>,
    /// How far past its start a port range ends (0 for a single port).
    pub port_lengths: Range<u16>,
    /// The container-port names entries may name.
    pub port_names: &'static [&'static str],
}

/// Where generated objects say they come from.
pub fn origin() -> Origin {
    Origin {
        file: "gen.yaml".into(),
        document: 1,
    }
}

/// A CIDR written in a universe, which is valid by construction.
pub fn cidr(s: &str) -> Cidr {
    s.parse().expect("a universe's CIDR")
}

impl Policies {
    /// A peer: pods (in the policy's namespace or in matching ones) or an ipBlock.
    pub fn peer(&self) -> BoxedStrategy<Peer> {
        let blocks = prop::sample::select(self.blocks.to_vec());
        prop_oneof![
            (
                prop::option::of(self.namespace_selectors.selector()),
                self.pods.selector()
            )
                .prop_map(|(ns, pods)| Peer::Pods {
                    namespaces: ns
                        .map_or(NamespaceScope::PolicyNamespace, NamespaceScope::Matching),
                    pods,
                }),
            blocks.prop_map(|(c, except)| Peer::IpBlock {
                cidr: cidr(c),
                except: except.iter().map(|e| cidr(e)).collect(),
            }),
        ]
        .boxed()
    }

    /// A `ports` entry: every port of a protocol, a number or range, or a name.
    pub fn port(&self) -> BoxedStrategy<PolicyPort> {
        let names = prop::sample::select(self.port_names.to_vec());
        (
            prop::sample::select(self.protocols.to_vec()),
            prop_oneof![
                Just(PortSpec::All),
                (self.port_starts.clone(), self.port_lengths.clone()).prop_map(|(start, len)| {
                    PortSpec::Numbers {
                        start,
                        end: start + len,
                    }
                }),
                names.prop_map(|n| PortSpec::Named(n.into())),
            ],
        )
            .prop_map(|(protocol, port)| PolicyPort { protocol, port })
            .boxed()
    }

    /// A rule: peers and ports each absent (everything) or one to two entries.
    pub fn rule(&self) -> BoxedStrategy<Rule> {
        (
            prop::option::of(prop::collection::vec(self.peer(), 1..3)),
            prop::option::of(prop::collection::vec(self.port(), 1..3)),
        )
            .prop_map(|(peers, ports)| Rule { peers, ports })
            .boxed()
    }

    /// Up to three policies, named `p0`, `p1`, ...; each isolates either direction or
    /// none, with up to two rules each way.
    pub fn policies(&self) -> BoxedStrategy<Vec<NetworkPolicy>> {
        let namespaces = self.namespaces;
        let policy = (
            0..namespaces.len(),
            self.pods.selector(),
            any::<bool>(),
            any::<bool>(),
            prop::collection::vec(self.rule(), 0..3),
            prop::collection::vec(self.rule(), 0..3),
        );
        prop::collection::vec(policy, 0..4)
            .prop_map(move |ps| {
                ps.into_iter()
                    .enumerate()
                    .map(
                        |(i, (ns, pod_selector, ing, eg, ingress, egress))| NetworkPolicy {
                            namespace: namespaces[ns].into(),
                            name: format!("p{i}"),
                            pod_selector,
                            isolates_ingress: ing,
                            isolates_egress: eg,
                            ingress,
                            egress,
                            origin: origin(),
                        },
                    )
                    .collect()
            })
            .boxed()
    }
}
