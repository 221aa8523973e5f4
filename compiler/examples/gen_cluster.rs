//! Cluster generator for the differential test and the benchmark.
//!
//! ```text
//! cargo run --release --example gen_cluster -- realistic N OUTDIR
//! cargo run --release --example gen_cluster -- random SEED OUTDIR
//! ```
//!
//! Both modes are deterministic: the same arguments always give byte-identical
//! files. The output is plain YAML (written by hand, every string quoted when it
//! could be read as something else) that both netpolc and NCA
//! (network-config-analyzer) read: Namespaces, Deployments/StatefulSets/Pods and
//! NetworkPolicies, in a flat directory (NCA does not descend into
//! sub-directories).
//!
//! # What the random mode leaves out, and why
//!
//! The random clusters feed the differential test against NCA 2.1.0, so they stay
//! inside the part of the API where NCA's reading agrees with the Kubernetes API
//! (see `docs/peers/nca.md`). Each construct below is valid Kubernetes and is left
//! out only because NCA departs from the API on it:
//!
//! 1. `policyTypes: [Egress, Ingress]` (that order). NCA accepts only the exact
//!    lists `[Ingress]`, `[Egress]` and `[Ingress, Egress]` and rejects the whole
//!    input ("policyTypes has invalid value in spec"). We only emit
//!    `[Ingress, Egress]` for "both".
//! 2. `egress: []` (or `egress: null`) with `policyTypes` absent. The API defaults
//!    `policyTypes` to `[Ingress]` plus `Egress` only when the egress list is
//!    non-empty (`SetDefaults_NetworkPolicy`: `len(spec.Egress) != 0`); NCA adds
//!    Egress when the `egress` key is present at all, so it denies all egress
//!    where the API allows it. With `policyTypes` absent we emit either no
//!    `egress` key or a non-empty list.
//! 3. An `ingress` (`egress`) key in a policy whose explicit `policyTypes` lacks
//!    `Ingress` (`Egress`). The API accepts it and ignores the rules; NCA rejects
//!    the input. We never emit such a key.
//! 4. `Exists` / `DoesNotExist` in the `podSelector` of a peer that also has a
//!    `namespaceSelector`. NCA evaluates those two operators on the pods of the
//!    policy's own namespace only (`get_peers_with_key(self.namespace, ...)`), so
//!    the peer matches nothing in the other selected namespaces. We use only
//!    `matchLabels`, `In` and `NotIn` in such pod selectors (`Exists` /
//!    `DoesNotExist` still appear in policy pod selectors, in pod-only peers and
//!    in namespace selectors).
//! 5. Empty label values (`""`), in `In` / `NotIn` values of a namespace
//!    selector. NCA reads a missing namespace label as `""`, so `In [""]`
//!    matches namespaces without the key and `NotIn [""]` does not. No label
//!    value we generate is empty.
//! 6. ipBlock matching pod IPs. NCA never matches an ipBlock against a pod (pods
//!    have no addresses in its model); the API's reference behaviour (and
//!    netpolc's default) is to match the pod's IP. When bare pods get IPs the
//!    test runs netpolc with `--no-ipblock-pods`, which is NCA's reading.
//! 7. `hostNetwork: true`. NCA treats such a pod as an ordinary pod; to the API
//!    (and to the network plugins) its traffic is node traffic, which policies do
//!    not select. Never emitted.
//! 8. Controllers with fewer than two replicas. NCA models at most two pods per
//!    controller and only shows replica-to-replica traffic when there are two;
//!    all controllers get `replicas: 2`. Bare pods reaching themselves are not
//!    compared (NCA never prints self loops; to the API a pod reaching itself is
//!    always allowed).
//! 9. Port names shared by two ports of one pod, and ports of init containers:
//!    NCA keeps one port per name and reads `containers` only.

use netpolc::verify::sample;
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::path::Path;

/// A namespace.
#[derive(Clone, Debug)]
pub struct Namespace {
    /// Its name.
    pub name: String,
    /// Its labels (besides `kubernetes.io/metadata.name`, which is implicit).
    pub labels: Vec<(String, String)>,
}

/// A container port.
#[derive(Clone, Debug)]
pub struct Port {
    /// The port name, if any.
    pub name: Option<String>,
    /// The port number.
    pub port: u16,
    /// `TCP`, `UDP` or `SCTP`.
    pub protocol: &'static str,
}

/// A workload: a controller or a bare pod.
#[derive(Clone, Debug)]
pub struct Workload {
    /// `Deployment`, `StatefulSet` or `Pod`.
    pub kind: &'static str,
    /// The namespace.
    pub namespace: String,
    /// The object's name.
    pub name: String,
    /// Pod labels.
    pub labels: Vec<(String, String)>,
    /// Container ports.
    pub ports: Vec<Port>,
    /// Replicas (controllers only).
    pub replicas: u32,
    /// Pod IPs (bare pods only; may be empty).
    pub ips: Vec<String>,
}

impl Workload {
    /// `namespace/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// True for a bare Pod.
    pub fn is_pod(&self) -> bool {
        self.kind == "Pod"
    }
}

/// A `matchExpressions` requirement.
#[derive(Clone, Debug)]
pub struct Expr {
    /// Label key.
    pub key: String,
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`.
    pub op: &'static str,
    /// Values (empty for `Exists` / `DoesNotExist`).
    pub values: Vec<String>,
}

/// A label selector. Both parts empty means "everything" (`{}`).
#[derive(Clone, Debug, Default)]
pub struct Selector {
    /// `matchLabels`.
    pub labels: Vec<(String, String)>,
    /// `matchExpressions`.
    pub exprs: Vec<Expr>,
}

/// A policy peer.
#[derive(Clone, Debug)]
pub enum Peer {
    /// podSelector and/or namespaceSelector (at least one is `Some`).
    Pods {
        /// `namespaceSelector`.
        ns: Option<Selector>,
        /// `podSelector`.
        pod: Option<Selector>,
    },
    /// `ipBlock`.
    Block {
        /// `cidr`.
        cidr: String,
        /// `except`.
        except: Vec<String>,
    },
}

/// A port of a policy rule.
#[derive(Clone, Debug)]
pub enum PortVal {
    /// A number.
    Num(u16),
    /// A container port name.
    Name(String),
}

/// A `NetworkPolicyPort`.
#[derive(Clone, Debug)]
pub struct PolicyPort {
    /// `protocol` (absent = TCP).
    pub protocol: Option<&'static str>,
    /// `port` (absent = all ports).
    pub port: Option<PortVal>,
    /// `endPort`.
    pub end_port: Option<u16>,
}

/// An ingress or egress rule. `None` = key absent, `Some(vec![])` = empty list.
#[derive(Clone, Debug)]
pub struct Rule {
    /// `from` / `to`.
    pub peers: Option<Vec<Peer>>,
    /// `ports`.
    pub ports: Option<Vec<PolicyPort>>,
}

/// A NetworkPolicy.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `spec.podSelector`.
    pub pod_selector: Selector,
    /// `spec.policyTypes` (absent when `None`).
    pub policy_types: Option<Vec<&'static str>>,
    /// `spec.ingress` (absent when `None`).
    pub ingress: Option<Vec<Rule>>,
    /// `spec.egress` (absent when `None`).
    pub egress: Option<Vec<Rule>>,
}

/// A whole cluster.
#[derive(Clone, Debug, Default)]
pub struct Cluster {
    /// Namespaces.
    pub namespaces: Vec<Namespace>,
    /// Workloads.
    pub workloads: Vec<Workload>,
    /// Policies.
    pub policies: Vec<Policy>,
}

// ---------------------------------------------------------------------------
// PRNG

/// The repository's generator (`verify::sample::Rng`, SplitMix64) with the ranges this
/// generator draws from; seeds are salted so that a seed gives the clusters it always gave.
pub struct Rng(sample::Rng);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(sample::Rng::new(seed ^ 0x005e_ed0f_c1a5_7e25))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `num/den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    /// A random element.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

// ---------------------------------------------------------------------------
// Random clusters

const NS_NAMES: &[&str] = &["alpha", "beta", "gamma", "delta"];
const NS_KEYS: &[&str] = &["team", "env", "zone"];
const POD_KEYS: &[&str] = &["app", "role", "tier", "env"];
const VALUES: &[&str] = &["x", "y", "z"];
const PORT_NAMES: &[&str] = &["http", "grpc", "dns", "metrics", "db"];
const PORT_NUMS: &[u16] = &[53, 80, 443, 5432, 8080, 9090, 30000, 32767];
const PROTOCOLS: &[&str] = &["TCP", "UDP", "SCTP"];

fn random_labels(rng: &mut Rng, keys: &[&str], max: u64) -> Vec<(String, String)> {
    let n = rng.range(0, max);
    let mut out: Vec<(String, String)> = Vec::new();
    for _ in 0..n {
        let k = rng.pick(keys).to_string();
        if out.iter().any(|(key, _)| *key == k) {
            continue;
        }
        out.push((k, rng.pick(VALUES).to_string()));
    }
    out.sort();
    out
}

fn random_selector(
    rng: &mut Rng,
    keys: &[&str],
    allow_existence_ops: bool,
    extra_key: Option<(&str, &[String])>,
) -> Selector {
    let mut sel = Selector::default();
    // About a third of selectors are `{}`.
    if rng.chance(1, 3) {
        return sel;
    }
    if rng.chance(1, 2) {
        let n = rng.range(1, 2);
        for _ in 0..n {
            let (k, v) = match extra_key {
                Some((key, vals)) if rng.chance(1, 4) => {
                    (key.to_string(), rng.pick(vals).to_string())
                }
                _ => (rng.pick(keys).to_string(), rng.pick(VALUES).to_string()),
            };
            if !sel.labels.iter().any(|(key, _)| *key == k) {
                sel.labels.push((k, v));
            }
        }
        sel.labels.sort();
    }
    if sel.labels.is_empty() || rng.chance(1, 2) {
        let n = rng.range(1, 2);
        for _ in 0..n {
            let ops: &[&str] = if allow_existence_ops {
                &["In", "NotIn", "Exists", "DoesNotExist"]
            } else {
                &["In", "NotIn"]
            };
            let op = *rng.pick(ops);
            let key = rng.pick(keys).to_string();
            let values = if op == "In" || op == "NotIn" {
                let mut v: Vec<String> = Vec::new();
                for _ in 0..rng.range(1, 2) {
                    let val = rng.pick(VALUES).to_string();
                    if !v.contains(&val) {
                        v.push(val);
                    }
                }
                v
            } else {
                vec![]
            };
            sel.exprs.push(Expr { key, op, values });
        }
    }
    sel
}

fn v4(addr: u32, len: u32) -> String {
    let a = addr.to_be_bytes();
    format!("{}.{}.{}.{}/{}", a[0], a[1], a[2], a[3], len)
}

fn v6(addr: u128, len: u32) -> String {
    format!("{}/{}", std::net::Ipv6Addr::from(addr), len)
}

fn mask32(len: u32) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - len)
    }
}

fn mask128(len: u32) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    }
}

/// A random ipBlock whose excepts are strict subnets of the cidr (the API
/// rejects anything else).
fn random_block(rng: &mut Rng) -> Peer {
    if rng.chance(2, 3) {
        // IPv4, mostly inside 10.0.0.0/8 so that blocks overlap.
        let len = *rng.pick(&[0u32, 8, 12, 16, 20, 24, 28, 32]);
        let base: u32 = if rng.chance(3, 4) {
            0x0a00_0000 | (rng.next_u64() as u32 & 0x00ff_ffff)
        } else {
            rng.next_u64() as u32
        };
        let addr = base & mask32(len);
        let mut except = Vec::new();
        if len < 32 && rng.chance(1, 2) {
            for _ in 0..rng.range(1, 2) {
                let elen = rng.range(len as u64 + 1, 32.min(len as u64 + 12)) as u32;
                let eaddr = (addr | (rng.next_u64() as u32 & !mask32(len))) & mask32(elen);
                let e = v4(eaddr, elen);
                if !except.contains(&e) {
                    except.push(e);
                }
            }
        }
        Peer::Block {
            cidr: v4(addr, len),
            except,
        }
    } else {
        let len = *rng.pick(&[0u32, 32, 48, 64, 128]);
        let base: u128 = if rng.chance(3, 4) {
            (0x2001_0db8u128 << 96) | (rng.next_u64() as u128) << 32
        } else {
            ((rng.next_u64() as u128) << 64) | rng.next_u64() as u128
        };
        let addr = base & mask128(len);
        let mut except = Vec::new();
        if len < 128 && rng.chance(1, 2) {
            let elen = rng.range(len as u64 + 1, 128.min(len as u64 + 16)) as u32;
            let rnd = ((rng.next_u64() as u128) << 64) | rng.next_u64() as u128;
            let eaddr = (addr | (rnd & !mask128(len))) & mask128(elen);
            except.push(v6(eaddr, elen));
        }
        Peer::Block {
            cidr: v6(addr, len),
            except,
        }
    }
}

fn random_peer(rng: &mut Rng, ns_values: &[String]) -> Peer {
    match rng.below(5) {
        0 => random_block(rng),
        1 => Peer::Pods {
            ns: None,
            pod: Some(random_selector(rng, POD_KEYS, true, None)),
        },
        2 => Peer::Pods {
            ns: Some(random_selector(
                rng,
                NS_KEYS,
                true,
                Some(("kubernetes.io/metadata.name", ns_values)),
            )),
            pod: None,
        },
        _ => Peer::Pods {
            ns: Some(random_selector(
                rng,
                NS_KEYS,
                true,
                Some(("kubernetes.io/metadata.name", ns_values)),
            )),
            // Departure 4: no Exists/DoesNotExist here.
            pod: Some(random_selector(rng, POD_KEYS, false, None)),
        },
    }
}

fn random_policy_port(rng: &mut Rng) -> PolicyPort {
    let protocol = match rng.below(5) {
        0 => None,
        1 | 2 => Some("TCP"),
        3 => Some("UDP"),
        _ => Some("SCTP"),
    };
    match rng.below(6) {
        0 => PolicyPort {
            protocol,
            port: None,
            end_port: None,
        },
        1 | 2 => PolicyPort {
            protocol,
            port: Some(PortVal::Name(rng.pick(PORT_NAMES).to_string())),
            end_port: None,
        },
        3 => {
            let start = if rng.chance(1, 2) {
                *rng.pick(PORT_NUMS)
            } else {
                rng.range(1, 65535) as u16
            };
            let end = (start as u64 + rng.range(0, 3000)).min(65535) as u16;
            PolicyPort {
                protocol,
                port: Some(PortVal::Num(start)),
                end_port: Some(end),
            }
        }
        _ => PolicyPort {
            protocol,
            port: Some(PortVal::Num(*rng.pick(PORT_NUMS))),
            end_port: None,
        },
    }
}

fn random_rule(rng: &mut Rng, ns_values: &[String]) -> Rule {
    let peers = match rng.below(6) {
        0 => None,
        1 => Some(vec![]),
        _ => Some(
            (0..rng.range(1, 3))
                .map(|_| random_peer(rng, ns_values))
                .collect(),
        ),
    };
    let ports = match rng.below(5) {
        0 => None,
        1 => Some(vec![]),
        _ => Some(
            (0..rng.range(1, 3))
                .map(|_| random_policy_port(rng))
                .collect(),
        ),
    };
    Rule { peers, ports }
}

fn random_rules(rng: &mut Rng, ns_values: &[String], allow_empty: bool) -> Vec<Rule> {
    let lo = if allow_empty { 0 } else { 1 };
    (0..rng.range(lo, 3))
        .map(|_| random_rule(rng, ns_values))
        .collect()
}

/// Bare pods in odd seeds get IPs from this /16 (`100.64.0.0/10` is shared
/// address space, so it rarely collides with the 10/8-heavy random blocks, but
/// it may: the test then relies on `--no-ipblock-pods`).
const POD_IP_BASE: u32 = 0x6440_0000;

/// A small random cluster, deterministic in `seed`.
pub fn random_cluster(seed: u64) -> Cluster {
    let mut rng = Rng::new(seed);
    let mut c = Cluster::default();
    let nns = rng.range(2, 4) as usize;
    for name in NS_NAMES.iter().take(nns) {
        c.namespaces.push(Namespace {
            name: name.to_string(),
            labels: random_labels(&mut rng, NS_KEYS, 2),
        });
    }
    let ns_values: Vec<String> = c.namespaces.iter().map(|n| n.name.clone()).collect();
    let with_ips = seed % 2 == 1;
    let nwl = rng.range(3, 8);
    for i in 0..nwl {
        let namespace = rng.pick(&ns_values).clone();
        let kind = *rng.pick(&["Deployment", "StatefulSet", "Pod", "Pod"]);
        let mut ports = Vec::new();
        for pname in PORT_NAMES {
            if rng.chance(1, 3) {
                ports.push(Port {
                    name: Some(pname.to_string()),
                    port: *rng.pick(PORT_NUMS),
                    protocol: PROTOCOLS[rng.below(PROTOCOLS.len() as u64) as usize],
                });
            }
        }
        if rng.chance(1, 4) {
            ports.push(Port {
                name: None,
                port: *rng.pick(PORT_NUMS),
                protocol: "TCP",
            });
        }
        let mut labels = random_labels(&mut rng, POD_KEYS, 3);
        if rng.chance(1, 2) && !labels.iter().any(|(k, _)| k == "app") {
            labels.push(("app".to_string(), rng.pick(VALUES).to_string()));
            labels.sort();
        }
        let ips = if kind == "Pod" && with_ips {
            vec![v4(POD_IP_BASE + i as u32 + 1, 32)
                .trim_end_matches("/32")
                .to_string()]
        } else {
            vec![]
        };
        c.workloads.push(Workload {
            kind,
            namespace,
            // No dash: NCA names controller pods `NAME-1`, `NAME-2`.
            name: format!("w{i}"),
            labels,
            ports,
            replicas: 2,
            ips,
        });
    }
    let npol = rng.range(1, 6);
    for i in 0..npol {
        let namespace = rng.pick(&ns_values).clone();
        let pod_selector = random_selector(&mut rng, POD_KEYS, true, None);
        let (policy_types, ingress, egress) = match rng.below(4) {
            // policyTypes absent: ingress key optional (absent, [] or rules);
            // egress absent or non-empty (departure 2).
            0 => {
                let ingress = match rng.below(3) {
                    0 => None,
                    _ => Some(random_rules(&mut rng, &ns_values, true)),
                };
                let egress = if rng.chance(1, 2) {
                    Some(random_rules(&mut rng, &ns_values, false))
                } else {
                    None
                };
                (None, ingress, egress)
            }
            1 => {
                let ingress = if rng.chance(3, 4) {
                    Some(random_rules(&mut rng, &ns_values, true))
                } else {
                    None
                };
                (Some(vec!["Ingress"]), ingress, None)
            }
            2 => {
                let egress = if rng.chance(3, 4) {
                    Some(random_rules(&mut rng, &ns_values, true))
                } else {
                    None
                };
                (Some(vec!["Egress"]), None, egress)
            }
            _ => {
                let ingress = if rng.chance(3, 4) {
                    Some(random_rules(&mut rng, &ns_values, true))
                } else {
                    None
                };
                let egress = if rng.chance(3, 4) {
                    Some(random_rules(&mut rng, &ns_values, true))
                } else {
                    None
                };
                // Departure 1: always this order.
                (Some(vec!["Ingress", "Egress"]), ingress, egress)
            }
        };
        c.policies.push(Policy {
            namespace,
            name: format!("p{i}"),
            pod_selector,
            policy_types,
            ingress,
            egress,
        });
    }
    c
}

// ---------------------------------------------------------------------------
// Realistic clusters

fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn sel(pairs: &[(&str, &str)]) -> Selector {
    Selector {
        labels: kv(pairs),
        exprs: vec![],
    }
}

fn expr(key: &str, op: &'static str, values: &[&str]) -> Expr {
    Expr {
        key: key.to_string(),
        op,
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

fn tcp(name: &str, port: u16) -> Port {
    Port {
        name: Some(name.to_string()),
        port,
        protocol: "TCP",
    }
}

fn pport(protocol: &'static str, port: PortVal) -> PolicyPort {
    PolicyPort {
        protocol: Some(protocol),
        port: Some(port),
        end_port: None,
    }
}

fn named(name: &str) -> PortVal {
    PortVal::Name(name.to_string())
}

fn pods(ns: Option<Selector>, pod: Option<Selector>) -> Peer {
    Peer::Pods { ns, pod }
}

fn ns_named(name: &str) -> Selector {
    sel(&[("kubernetes.io/metadata.name", name)])
}

fn rule(peers: Vec<Peer>, ports: Vec<PolicyPort>) -> Rule {
    Rule {
        peers: Some(peers),
        ports: if ports.is_empty() { None } else { Some(ports) },
    }
}

const PRIVATE: &[&str] = &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
const ENVS: &[&str] = &["prod", "staging", "dev"];

fn deny_all(ns: &str) -> Policy {
    Policy {
        namespace: ns.to_string(),
        name: "default-deny".to_string(),
        pod_selector: Selector::default(),
        policy_types: Some(vec!["Ingress", "Egress"]),
        ingress: None,
        egress: None,
    }
}

fn allow_dns(ns: &str) -> Policy {
    Policy {
        namespace: ns.to_string(),
        name: "allow-dns".to_string(),
        pod_selector: Selector::default(),
        policy_types: Some(vec!["Egress"]),
        ingress: None,
        egress: Some(vec![rule(
            vec![pods(
                Some(ns_named("kube-system")),
                Some(sel(&[("k8s-app", "kube-dns")])),
            )],
            vec![
                pport("UDP", PortVal::Num(53)),
                pport("TCP", PortVal::Num(53)),
            ],
        )]),
    }
}

#[allow(clippy::too_many_arguments)]
fn controller(
    kind: &'static str,
    ns: &str,
    name: &str,
    labels: &[(&str, &str)],
    ports: Vec<Port>,
    replicas: u32,
) -> Workload {
    Workload {
        kind,
        namespace: ns.to_string(),
        name: name.to_string(),
        labels: kv(labels),
        ports,
        replicas,
        ips: vec![],
    }
}

/// A realistic cluster: `n` application namespaces (8 or 9 workloads and 9
/// policies each) plus `kube-system` and `monitoring`. Deterministic in `n`.
pub fn realistic_cluster(n: usize) -> Cluster {
    let mut c = Cluster::default();
    // kube-system
    c.namespaces.push(Namespace {
        name: "kube-system".to_string(),
        labels: vec![],
    });
    c.workloads.push(controller(
        "Deployment",
        "kube-system",
        "coredns",
        &[("k8s-app", "kube-dns")],
        vec![
            Port {
                name: Some("dns".to_string()),
                port: 53,
                protocol: "UDP",
            },
            tcp("dns-tcp", 53),
            tcp("metrics", 9153),
        ],
        2,
    ));
    c.policies.push(Policy {
        namespace: "kube-system".to_string(),
        name: "kube-dns-ingress".to_string(),
        pod_selector: sel(&[("k8s-app", "kube-dns")]),
        policy_types: Some(vec!["Ingress"]),
        ingress: Some(vec![
            rule(
                vec![pods(Some(Selector::default()), None)],
                vec![pport("UDP", named("dns")), pport("TCP", named("dns-tcp"))],
            ),
            rule(
                vec![pods(
                    Some(ns_named("monitoring")),
                    Some(sel(&[("app", "prometheus")])),
                )],
                vec![pport("TCP", named("metrics"))],
            ),
        ]),
        egress: None,
    });
    // monitoring
    c.namespaces.push(Namespace {
        name: "monitoring".to_string(),
        labels: kv(&[("purpose", "monitoring")]),
    });
    c.workloads.push(controller(
        "StatefulSet",
        "monitoring",
        "prometheus",
        &[("app", "prometheus"), ("tier", "monitoring")],
        vec![tcp("web", 9090)],
        2,
    ));
    c.workloads.push(controller(
        "Deployment",
        "monitoring",
        "grafana",
        &[("app", "grafana"), ("tier", "monitoring")],
        vec![tcp("http", 3000)],
        1,
    ));
    c.workloads.push(controller(
        "StatefulSet",
        "monitoring",
        "alertmanager",
        &[("app", "alertmanager"), ("tier", "monitoring")],
        vec![tcp("web", 9093)],
        2,
    ));
    c.policies.push(deny_all("monitoring"));
    c.policies.push(allow_dns("monitoring"));
    c.policies.push(Policy {
        namespace: "monitoring".to_string(),
        name: "prometheus-scrape".to_string(),
        pod_selector: sel(&[("app", "prometheus")]),
        policy_types: Some(vec!["Egress"]),
        ingress: None,
        egress: Some(vec![rule(
            vec![pods(Some(Selector::default()), Some(Selector::default()))],
            vec![pport("TCP", named("metrics"))],
        )]),
    });
    c.policies.push(Policy {
        namespace: "monitoring".to_string(),
        name: "internal".to_string(),
        pod_selector: Selector {
            labels: vec![],
            exprs: vec![expr("tier", "In", &["monitoring"])],
        },
        policy_types: Some(vec!["Ingress", "Egress"]),
        ingress: Some(vec![rule(
            vec![pods(None, Some(sel(&[("tier", "monitoring")])))],
            vec![],
        )]),
        egress: Some(vec![rule(
            vec![pods(None, Some(sel(&[("tier", "monitoring")])))],
            vec![],
        )]),
    });

    for i in 0..n {
        let ns = format!("team-{i:03}");
        let ns = ns.as_str();
        let env = ENVS[i % ENVS.len()];
        let team = format!("t{:02}", i % 17);
        c.namespaces.push(Namespace {
            name: ns.to_string(),
            labels: vec![
                ("env".to_string(), env.to_string()),
                ("team".to_string(), team.clone()),
            ],
        });
        let metrics = tcp("metrics", 9090);
        let r = 2 + (i % 2) as u32;
        c.workloads.extend([
            controller(
                "Deployment",
                ns,
                "frontend",
                &[("app", "frontend"), ("tier", "web")],
                vec![tcp("http", 8080), metrics.clone()],
                r,
            ),
            controller(
                "Deployment",
                ns,
                "api",
                &[("app", "api"), ("tier", "backend")],
                vec![tcp("http", 8080), tcp("grpc", 9000), metrics.clone()],
                r,
            ),
            controller(
                "Deployment",
                ns,
                "auth",
                &[("app", "auth"), ("tier", "backend")],
                vec![tcp("grpc", 9000), metrics.clone()],
                2,
            ),
            controller(
                "Deployment",
                ns,
                "worker",
                &[("app", "worker"), ("tier", "backend"), ("role", "async")],
                vec![metrics.clone()],
                r,
            ),
            controller(
                "Deployment",
                ns,
                "batch",
                &[("app", "batch"), ("role", "batch")],
                vec![],
                1,
            ),
            controller(
                "StatefulSet",
                ns,
                "redis",
                &[("app", "redis"), ("tier", "data")],
                vec![tcp("redis", 6379), tcp("metrics", 9121)],
                3,
            ),
            controller(
                "StatefulSet",
                ns,
                "postgres",
                &[("app", "postgres"), ("tier", "data")],
                vec![tcp("postgres", 5432), tcp("metrics", 9187)],
                2,
            ),
            controller(
                "StatefulSet",
                ns,
                "rabbitmq",
                &[("app", "rabbitmq"), ("tier", "data")],
                vec![
                    tcp("amqp", 5672),
                    tcp("metrics", 15692),
                    Port {
                        name: Some("epmd".to_string()),
                        port: 4369,
                        protocol: "TCP",
                    },
                ],
                3,
            ),
        ]);
        if i % 2 == 1 {
            c.workloads.push(controller(
                "Deployment",
                ns,
                "gateway",
                &[("app", "gateway"), ("tier", "web")],
                vec![
                    tcp("http", 8080),
                    Port {
                        name: Some("quic".to_string()),
                        port: 8443,
                        protocol: "UDP",
                    },
                ],
                2,
            ));
        }
        let p = |name: &str,
                 pod_selector: Selector,
                 types: Vec<&'static str>,
                 ingress: Option<Vec<Rule>>,
                 egress: Option<Vec<Rule>>| Policy {
            namespace: ns.to_string(),
            name: name.to_string(),
            pod_selector,
            policy_types: Some(types),
            ingress,
            egress,
        };
        let neighbour = format!("t{:02}", (i + 1) % 17);
        c.policies.extend([
            deny_all(ns),
            allow_dns(ns),
            // Web tier: reachable from the internet (not from private ranges)
            // and from the gateway.
            p(
                "web-ingress",
                sel(&[("tier", "web")]),
                vec!["Ingress"],
                Some(vec![
                    rule(
                        vec![Peer::Block {
                            cidr: "0.0.0.0/0".to_string(),
                            except: PRIVATE.iter().map(|s| s.to_string()).collect(),
                        }],
                        vec![pport("TCP", named("http")), pport("UDP", named("quic"))],
                    ),
                    rule(
                        vec![pods(None, Some(sel(&[("app", "gateway")])))],
                        vec![pport("TCP", named("http"))],
                    ),
                ]),
                None,
            ),
            // Backend: from the web tier of this namespace, and from gateways
            // of neighbouring prod/staging teams (namespace AND pod selector).
            p(
                "backend-ingress",
                Selector {
                    labels: vec![],
                    exprs: vec![
                        expr("tier", "In", &["backend"]),
                        expr("role", "NotIn", &["async", "batch"]),
                    ],
                },
                vec!["Ingress"],
                Some(vec![
                    rule(
                        vec![pods(None, Some(sel(&[("tier", "web")])))],
                        vec![pport("TCP", named("http")), pport("TCP", named("grpc"))],
                    ),
                    rule(
                        vec![pods(
                            Some(Selector {
                                labels: vec![("team".to_string(), neighbour.clone())],
                                exprs: vec![expr("env", "NotIn", &["dev"])],
                            }),
                            Some(sel(&[("app", "gateway")])),
                        )],
                        vec![pport("TCP", named("grpc"))],
                    ),
                ]),
                None,
            ),
            // Data tier: from the backends on the named service ports.
            p(
                "data-ingress",
                sel(&[("tier", "data")]),
                vec!["Ingress"],
                Some(vec![rule(
                    vec![pods(
                        None,
                        Some(Selector {
                            labels: vec![],
                            exprs: vec![expr("app", "In", &["api", "worker", "auth"])],
                        }),
                    )],
                    vec![
                        pport("TCP", named("postgres")),
                        pport("TCP", named("redis")),
                        pport("TCP", named("amqp")),
                    ],
                )]),
                None,
            ),
            // Egress inside the namespace for the app tiers.
            p(
                "app-egress",
                Selector {
                    labels: vec![],
                    exprs: vec![expr("tier", "In", &["web", "backend"])],
                },
                vec!["Egress"],
                None,
                Some(vec![rule(
                    vec![pods(
                        None,
                        Some(Selector {
                            labels: vec![],
                            exprs: vec![expr("tier", "In", &["backend", "data"])],
                        }),
                    )],
                    vec![
                        pport("TCP", named("http")),
                        pport("TCP", named("grpc")),
                        pport("TCP", named("postgres")),
                        pport("TCP", named("redis")),
                        pport("TCP", named("amqp")),
                    ],
                )]),
            ),
            // Prometheus in `monitoring` scrapes every labelled app.
            p(
                "allow-scrape",
                Selector {
                    labels: vec![],
                    exprs: vec![expr("app", "Exists", &[])],
                },
                vec!["Ingress"],
                Some(vec![rule(
                    vec![pods(
                        Some(ns_named("monitoring")),
                        Some(sel(&[("app", "prometheus")])),
                    )],
                    vec![pport("TCP", named("metrics"))],
                )]),
                None,
            ),
            // Backends may call HTTPS on the internet, not private ranges.
            p(
                "internet-egress",
                Selector {
                    labels: vec![],
                    exprs: vec![
                        expr("tier", "In", &["backend"]),
                        expr("role", "DoesNotExist", &[]),
                    ],
                },
                vec!["Egress"],
                None,
                Some(vec![rule(
                    vec![Peer::Block {
                        cidr: "0.0.0.0/0".to_string(),
                        except: PRIVATE.iter().map(|s| s.to_string()).collect(),
                    }],
                    vec![pport("TCP", PortVal::Num(443))],
                )]),
            ),
            // Batch jobs reach NodePorts on the node network.
            p(
                "batch-nodeports",
                sel(&[("role", "batch")]),
                vec!["Egress"],
                None,
                Some(vec![rule(
                    vec![Peer::Block {
                        cidr: "10.0.0.0/8".to_string(),
                        except: vec![format!("10.{}.0.0/16", i % 256)],
                    }],
                    vec![PolicyPort {
                        protocol: Some("TCP"),
                        port: Some(PortVal::Num(32000)),
                        end_port: Some(32768),
                    }],
                )]),
            ),
        ]);
    }
    c
}

// ---------------------------------------------------------------------------
// YAML output

fn labels_value(labels: &[(String, String)]) -> Value {
    let mut m = Map::new();
    for (k, v) in labels {
        m.insert(k.clone(), Value::String(v.clone()));
    }
    Value::Object(m)
}

fn selector_value(s: &Selector) -> Value {
    let mut m = Map::new();
    if !s.labels.is_empty() {
        m.insert("matchLabels".to_string(), labels_value(&s.labels));
    }
    if !s.exprs.is_empty() {
        let exprs = s
            .exprs
            .iter()
            .map(|e| {
                let mut em = Map::new();
                em.insert("key".to_string(), json!(e.key));
                em.insert("operator".to_string(), json!(e.op));
                if !e.values.is_empty() {
                    em.insert("values".to_string(), json!(e.values));
                }
                Value::Object(em)
            })
            .collect();
        m.insert("matchExpressions".to_string(), Value::Array(exprs));
    }
    Value::Object(m)
}

fn peer_value(p: &Peer) -> Value {
    let mut m = Map::new();
    match p {
        Peer::Pods { ns, pod } => {
            if let Some(ns) = ns {
                m.insert("namespaceSelector".to_string(), selector_value(ns));
            }
            if let Some(pod) = pod {
                m.insert("podSelector".to_string(), selector_value(pod));
            }
        }
        Peer::Block { cidr, except } => {
            let mut b = Map::new();
            b.insert("cidr".to_string(), json!(cidr));
            if !except.is_empty() {
                b.insert("except".to_string(), json!(except));
            }
            m.insert("ipBlock".to_string(), Value::Object(b));
        }
    }
    Value::Object(m)
}

fn rule_value(r: &Rule, peers_key: &str) -> Value {
    let mut m = Map::new();
    if let Some(ports) = &r.ports {
        let ports = ports
            .iter()
            .map(|p| {
                let mut pm = Map::new();
                if let Some(proto) = p.protocol {
                    pm.insert("protocol".to_string(), json!(proto));
                }
                match &p.port {
                    Some(PortVal::Num(n)) => {
                        pm.insert("port".to_string(), json!(n));
                    }
                    Some(PortVal::Name(s)) => {
                        pm.insert("port".to_string(), json!(s));
                    }
                    None => {}
                }
                if let Some(e) = p.end_port {
                    pm.insert("endPort".to_string(), json!(e));
                }
                Value::Object(pm)
            })
            .collect();
        m.insert("ports".to_string(), Value::Array(ports));
    }
    if let Some(peers) = &r.peers {
        m.insert(
            peers_key.to_string(),
            Value::Array(peers.iter().map(peer_value).collect()),
        );
    }
    Value::Object(m)
}

fn namespace_value(n: &Namespace) -> Value {
    let mut meta = Map::new();
    meta.insert("name".to_string(), json!(n.name));
    if !n.labels.is_empty() {
        meta.insert("labels".to_string(), labels_value(&n.labels));
    }
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": Value::Object(meta)})
}

fn workload_value(w: &Workload) -> Value {
    let ports: Vec<Value> = w
        .ports
        .iter()
        .map(|p| {
            let mut m = Map::new();
            if let Some(n) = &p.name {
                m.insert("name".to_string(), json!(n));
            }
            m.insert("containerPort".to_string(), json!(p.port));
            m.insert("protocol".to_string(), json!(p.protocol));
            Value::Object(m)
        })
        .collect();
    let mut container = Map::new();
    container.insert("name".to_string(), json!("main"));
    container.insert("image".to_string(), json!("registry.example/app:1.0"));
    if !ports.is_empty() {
        container.insert("ports".to_string(), Value::Array(ports));
    }
    let pod_spec = json!({"containers": [Value::Object(container)]});
    let mut meta = Map::new();
    meta.insert("name".to_string(), json!(w.name));
    meta.insert("namespace".to_string(), json!(w.namespace));
    if w.is_pod() {
        if !w.labels.is_empty() {
            meta.insert("labels".to_string(), labels_value(&w.labels));
        }
        let mut v = json!({"apiVersion": "v1", "kind": "Pod", "metadata": Value::Object(meta), "spec": pod_spec});
        if !w.ips.is_empty() {
            let ips: Vec<Value> = w.ips.iter().map(|ip| json!({ "ip": ip })).collect();
            v["status"] = json!({"podIP": w.ips[0], "podIPs": ips});
        }
        v
    } else {
        // The selector must match the template: use all template labels, or
        // a private one when there are none.
        let mut tl = w.labels.clone();
        if tl.is_empty() {
            tl.push(("workload".to_string(), w.name.clone()));
        }
        let mut spec = Map::new();
        spec.insert("replicas".to_string(), json!(w.replicas));
        if w.kind == "StatefulSet" {
            spec.insert("serviceName".to_string(), json!(w.name));
        }
        spec.insert(
            "selector".to_string(),
            json!({ "matchLabels": labels_value(&tl) }),
        );
        spec.insert(
            "template".to_string(),
            json!({"metadata": {"labels": labels_value(&tl)}, "spec": pod_spec}),
        );
        json!({"apiVersion": "apps/v1", "kind": w.kind, "metadata": Value::Object(meta), "spec": Value::Object(spec)})
    }
}

fn policy_value(p: &Policy) -> Value {
    let mut spec = Map::new();
    spec.insert("podSelector".to_string(), selector_value(&p.pod_selector));
    if let Some(t) = &p.policy_types {
        spec.insert("policyTypes".to_string(), json!(t));
    }
    if let Some(rules) = &p.ingress {
        spec.insert(
            "ingress".to_string(),
            Value::Array(rules.iter().map(|r| rule_value(r, "from")).collect()),
        );
    }
    if let Some(rules) = &p.egress {
        spec.insert(
            "egress".to_string(),
            Value::Array(rules.iter().map(|r| rule_value(r, "to")).collect()),
        );
    }
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": {"name": p.name, "namespace": p.namespace},
           "spec": Value::Object(spec)})
}

/// True when `s` can be written as a plain YAML scalar and read back as the
/// same string (never as a number, boolean or null).
fn plain_ok(s: &str) -> bool {
    let first = match s.chars().next() {
        Some(c) => c,
        None => return false,
    };
    if !first.is_ascii_alphabetic() {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "nan" | "inf"
    ) {
        return false;
    }
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) if plain_ok(s) => s.clone(),
        Value::String(s) => serde_json::to_string(s).expect("string"),
        Value::Object(m) if m.is_empty() => "{}".to_string(),
        Value::Array(a) if a.is_empty() => "[]".to_string(),
        other => other.to_string(),
    }
}

fn is_block(v: &Value) -> bool {
    match v {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    }
}

fn emit(out: &mut String, v: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) => {
            for (k, val) in m {
                let key = scalar(&Value::String(k.clone()));
                if is_block(val) {
                    let _ = writeln!(out, "{pad}{key}:");
                    let child = if val.is_array() { indent } else { indent + 2 };
                    emit(out, val, child);
                } else {
                    let _ = writeln!(out, "{pad}{key}: {}", scalar(val));
                }
            }
        }
        Value::Array(a) => {
            for item in a {
                if is_block(item) {
                    // "- " followed by the item's first line, the rest indented.
                    let mut inner = String::new();
                    emit(&mut inner, item, 0);
                    let mut first = true;
                    for line in inner.lines() {
                        if first {
                            let _ = writeln!(out, "{pad}- {line}");
                            first = false;
                        } else {
                            let _ = writeln!(out, "{pad}  {line}");
                        }
                    }
                } else {
                    let _ = writeln!(out, "{pad}- {}", scalar(item));
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", scalar(other));
        }
    }
}

/// One YAML document per value, separated by `---`.
pub fn to_yaml(docs: &[Value]) -> String {
    let mut out = String::new();
    for (i, d) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        emit(&mut out, d, 0);
    }
    out
}

/// Writes the cluster into `dir` (created if missing): `namespaces.yaml`, then
/// per namespace `workloads-NS.yaml` and `policies-NS.yaml`.
pub fn write_cluster(c: &Cluster, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let ns_docs: Vec<Value> = c.namespaces.iter().map(namespace_value).collect();
    std::fs::write(dir.join("namespaces.yaml"), to_yaml(&ns_docs))?;
    for ns in &c.namespaces {
        let wl: Vec<Value> = c
            .workloads
            .iter()
            .filter(|w| w.namespace == ns.name)
            .map(workload_value)
            .collect();
        if !wl.is_empty() {
            std::fs::write(
                dir.join(format!("workloads-{}.yaml", ns.name)),
                to_yaml(&wl),
            )?;
        }
        let pol: Vec<Value> = c
            .policies
            .iter()
            .filter(|p| p.namespace == ns.name)
            .map(policy_value)
            .collect();
        if !pol.is_empty() {
            std::fs::write(
                dir.join(format!("policies-{}.yaml", ns.name)),
                to_yaml(&pol),
            )?;
        }
    }
    Ok(())
}

fn usage() -> ! {
    eprintln!("usage: gen_cluster realistic N OUTDIR | gen_cluster random SEED OUTDIR");
    std::process::exit(2)
}

#[allow(dead_code)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 3 {
        usage();
    }
    let num: u64 = args[1].parse().unwrap_or_else(|_| usage());
    let cluster = match args[0].as_str() {
        "realistic" => realistic_cluster(num as usize),
        "random" => random_cluster(num),
        _ => usage(),
    };
    if let Err(e) = write_cluster(&cluster, Path::new(&args[2])) {
        eprintln!("gen_cluster: {}: {e}", args[2]);
        std::process::exit(1);
    }
    eprintln!(
        "gen_cluster: {} namespaces, {} workloads, {} policies -> {}",
        cluster.namespaces.len(),
        cluster.workloads.len(),
        cluster.policies.len(),
        args[2]
    );
}
