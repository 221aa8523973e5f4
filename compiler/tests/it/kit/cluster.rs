//! Random clusters (`model::Cluster`, as the loader returns them): namespaces with drawn
//! or fixed labels, bare pods with labels from a small universe, addresses and container
//! ports, and policies. [`Pods`] is the universe; each area keeps its own, since what it
//! tests decides which classes pods must fall in. `model::write` turns a cluster into
//! manifests for the command line.

use super::policy::{origin, Policies};
use netpolc::ir::Protocol;
use netpolc::model::{Cluster, ContainerPort, Labels, Namespace, Workload, NAMESPACE_NAME_LABEL};
use proptest::prelude::*;
use std::net::IpAddr;
use std::ops::Range;

/// The labels of the namespaces besides their name.
#[derive(Clone, Copy, Debug)]
pub enum NamespaceLabels {
    /// The same every time: entry `i` is namespace `i`'s.
    Fixed(&'static [&'static [(&'static str, &'static str)]]),
    /// One key, each namespace drawing one of the values or none.
    Drawn(&'static str, &'static [&'static str]),
}

/// Whether a pod carries a label.
#[derive(Clone, Copy, Debug)]
pub enum Presence {
    /// Always, with one of the values.
    Always,
    /// With one of the values, or not at all.
    Maybe,
}

/// Where pods' addresses come from (`n` is the namespace's number, `i` the pod's).
#[derive(Clone, Copy, Debug)]
pub enum Addresses {
    /// One IPv4 address, `10.0.n.(i+1)`.
    PerNamespace,
    /// Drawn: none, `10.0.(i%2).(i+1)`, `fd00::(i+1)`, or both.
    Families,
    /// One address, `i+1` appended to a drawn prefix (`10.0.0.`, `fd00::`).
    Prefixes(&'static [&'static str]),
}

/// What a pod is besides its labels and address, drawn as a whole by the universe.
#[derive(Clone, Debug)]
pub struct Shape {
    /// Its container ports.
    pub ports: Vec<ContainerPort>,
    /// `hostNetwork`.
    pub host_network: bool,
    /// One pod (a bare Pod) rather than several alike.
    pub single_pod: bool,
}

/// What clusters are made of.
#[derive(Clone, Debug)]
pub struct Pods {
    /// The namespaces, all of them in every cluster.
    pub namespaces: &'static [&'static str],
    /// Their labels.
    pub namespace_labels: NamespaceLabels,
    /// How many pods.
    pub count: Range<usize>,
    /// The pods' labels: key, presence and values, drawn in this order.
    pub labels: &'static [(&'static str, Presence, &'static [&'static str])],
    /// Their addresses.
    pub addresses: Addresses,
    /// Their ports, hostNetwork and multiplicity.
    pub shape: fn() -> BoxedStrategy<Shape>,
    /// The policies, drawn after the pods; none without.
    pub policies: Option<Policies>,
}

/// A named container port.
pub fn port(name: &str, port: u16, protocol: Protocol) -> ContainerPort {
    ContainerPort {
        name: Some(name.into()),
        port,
        protocol,
    }
}

fn address(s: String) -> IpAddr {
    s.parse().expect("a universe's address")
}

impl Addresses {
    /// The draw: which of the choices (nothing to draw for [`Addresses::PerNamespace`]).
    fn choice(self) -> BoxedStrategy<usize> {
        match self {
            Addresses::PerNamespace => Just(0).boxed(),
            Addresses::Families => prop::sample::select(vec![0usize, 1, 2, 3]).boxed(),
            Addresses::Prefixes(prefixes) => (0..prefixes.len()).boxed(),
        }
    }

    fn of(self, choice: usize, n: usize, i: usize) -> Vec<IpAddr> {
        match self {
            Addresses::PerNamespace => vec![address(format!("10.0.{n}.{}", i + 1))],
            Addresses::Families => {
                let v4 = address(format!("10.0.{}.{}", i % 2, i + 1));
                let v6 = address(format!("fd00::{}", i + 1));
                match choice {
                    0 => vec![],
                    1 => vec![v4],
                    2 => vec![v6],
                    _ => vec![v4, v6],
                }
            }
            Addresses::Prefixes(prefixes) => {
                vec![address(format!("{}{}", prefixes[choice], i + 1))]
            }
        }
    }
}

impl Pods {
    /// Each namespace's labels, its name's included.
    fn namespace_labels(&self) -> BoxedStrategy<Vec<Labels>> {
        let named = |labels: Vec<Labels>, names: &'static [&'static str]| {
            names
                .iter()
                .zip(labels)
                .map(|(name, mut l)| {
                    l.insert(NAMESPACE_NAME_LABEL.into(), name.to_string());
                    l
                })
                .collect::<Vec<Labels>>()
        };
        let names = self.namespaces;
        match self.namespace_labels {
            NamespaceLabels::Fixed(fixed) => {
                let labels = (0..names.len())
                    .map(|i| {
                        fixed
                            .get(i)
                            .into_iter()
                            .flat_map(|pairs| pairs.iter())
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect()
                    })
                    .collect();
                Just(named(labels, names)).boxed()
            }
            NamespaceLabels::Drawn(key, values) => prop::collection::vec(
                prop::option::of(prop::sample::select(values.to_vec())),
                names.len(),
            )
            .prop_map(move |drawn| {
                let labels = drawn
                    .into_iter()
                    .map(|v| v.map(|v| [(key.to_string(), v.to_string())].into()))
                    .map(Option::unwrap_or_default)
                    .collect();
                named(labels, names)
            })
            .boxed(),
        }
    }

    /// A pod's labels, one draw per key of the universe.
    fn pod_labels(&self) -> BoxedStrategy<Labels> {
        let mut all: BoxedStrategy<Labels> = Just(Labels::new()).boxed();
        for &(key, presence, values) in self.labels {
            let value = prop::sample::select(values.to_vec());
            let value: BoxedStrategy<Option<&str>> = match presence {
                Presence::Always => value.prop_map(Some).boxed(),
                Presence::Maybe => prop::option::of(value).boxed(),
            };
            all = (all, value)
                .prop_map(move |(mut labels, v)| {
                    if let Some(v) = v {
                        labels.insert(key.into(), v.into());
                    }
                    labels
                })
                .boxed();
        }
        all
    }

    /// A cluster: every namespace, the pods `w0`, `w1`, ... (bare Pods), the policies.
    pub fn cluster(&self) -> BoxedStrategy<Cluster> {
        let universe = self.clone();
        let pod = (
            0..self.namespaces.len(),
            self.pod_labels(),
            self.addresses.choice(),
            (self.shape)(),
        );
        let policies = match &self.policies {
            Some(p) => p.policies(),
            None => Just(vec![]).boxed(),
        };
        (
            self.namespace_labels(),
            prop::collection::vec(pod, self.count.clone()),
            policies,
        )
            .prop_map(move |(ns_labels, pods, policies)| {
                let mut c = Cluster::default();
                for (name, labels) in universe.namespaces.iter().zip(ns_labels) {
                    c.namespaces.insert(
                        name.to_string(),
                        Namespace {
                            name: name.to_string(),
                            labels,
                            origin: Some(origin()),
                        },
                    );
                }
                for (i, (n, labels, choice, shape)) in pods.into_iter().enumerate() {
                    let name = format!("w{i}");
                    let mut ports = shape.ports;
                    ports.sort();
                    c.workloads.push(Workload {
                        namespace: universe.namespaces[n].into(),
                        kind: "Pod".into(),
                        labels,
                        ports,
                        ips: universe.addresses.of(choice, n, i),
                        host_network: shape.host_network,
                        single_pod: shape.single_pod,
                        pods: if shape.single_pod {
                            vec![name.clone()]
                        } else {
                            vec![]
                        },
                        name,
                        origin: origin(),
                    });
                }
                c.workloads
                    .sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
                c.policies = policies;
                c.policies
                    .sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
                c
            })
            .boxed()
    }
}
