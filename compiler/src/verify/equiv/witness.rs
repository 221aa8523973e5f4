//! Witnesses: a box of the difference turned into one concrete connection side, with a
//! value picked in every class ("another value" becomes a fresh value such as
//! `x-netpolc-other`), the objects or statements behind each verdict, and a tiny cluster
//! that reproduces it. Every point of a difference box is in the difference, so any pick
//! is a true counterexample; the picks only aim to read well.

use super::partition::{Cube, Kind};
use super::{OtherEnd, Point, Provenance, Side};
use crate::ir::{AddrSet, Family, PortSet, Protocol};
use crate::model::{Direction, Labels, NAMESPACE_NAME_LABEL};
use serde_json::{json, Value};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The fresh value standing for "a value no selector names" (a valid label value and
/// DNS-1123 namespace name).
const FRESH: &str = "x-netpolc-other";
/// The same for a port name (IANA_SVC_NAME: at most 15 characters).
const FRESH_PORT: &str = "x-other";

/// Which of the two compared lifts allows the witness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Which {
    /// The first argument.
    Left,
    /// The second argument.
    Right,
}

impl fmt::Display for Which {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Which::Left => "left",
            Which::Right => "right",
        })
    }
}

/// A concrete connection side on which two lifts disagree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witness {
    /// The connection side.
    pub point: Point,
    /// An IP for the pod whose side it is, of the other end's family, so that a cluster
    /// built from the witness connects over that family.
    pub pod_ip: IpAddr,
    /// The lift that allows it; the other denies it.
    pub allowed_by: Which,
    /// On the allowing side, what allows it; empty when that side does not isolate the pod.
    pub allowing: Vec<Provenance>,
    /// On the denying side, what isolates the pod (never empty: a side only denies pods
    /// it isolates).
    pub isolating: Vec<Provenance>,
}

/// Turns a box of `allowing \ denying` into a witness.
pub(crate) fn build(
    cube: &Cube,
    namespace: &str,
    direction: Direction,
    allowed_by: Which,
    allowing: Option<&Side>,
    denying: Option<&Side>,
) -> Witness {
    let point = pick(cube, namespace, direction);
    let isolating_in = |side: Option<&Side>| -> Vec<Provenance> {
        let mut v: Vec<Provenance> = side
            .into_iter()
            .flat_map(|s| &s.isolated)
            .filter(|(b, _)| b.contains(&point.pod_labels))
            .map(|(_, why)| why.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let allowing = if isolating_in(allowing).is_empty() {
        Vec::new()
    } else {
        let mut v: Vec<Provenance> = allowing
            .into_iter()
            .flat_map(|s| &s.allowed)
            .filter(|(c, _)| c.contains(&point))
            .map(|(_, why)| why.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let isolating = isolating_in(denying);
    let other_ip = match &point.other {
        OtherEnd::Pod { ip, .. } | OtherEnd::Address(ip) | OtherEnd::HostNetworkPod { ip } => *ip,
    };
    Witness {
        pod_ip: own_ip(other_ip),
        point,
        allowed_by,
        allowing,
        isolating,
    }
}

/// One point of the box.
fn pick(c: &Cube, namespace: &str, direction: Direction) -> Point {
    let other = match c.kind {
        Kind::Pod => {
            let ns = c.ns_name.pick(FRESH).unwrap_or_else(|| FRESH.to_owned());
            let mut namespace_labels = c.ns_labels.pick(FRESH);
            namespace_labels.insert(NAMESPACE_NAME_LABEL.to_owned(), ns.clone());
            OtherEnd::Pod {
                namespace: ns,
                namespace_labels,
                labels: c.peer_labels.pick(FRESH),
                ip: pick_addr(&c.addr, POD_ADDRS),
            }
        }
        Kind::Address => OtherEnd::Address(pick_addr(&c.addr, OUTSIDE_ADDRS)),
        Kind::Host => OtherEnd::HostNetworkPod {
            ip: pick_addr(&c.addr, NODE_ADDRS),
        },
    };
    let (protocol, port) = pick_port(&c.ports);
    Point {
        namespace: namespace.to_owned(),
        direction,
        pod_labels: c.subject.pick(FRESH),
        other,
        protocol,
        port,
        port_name: c.port_name.pick(FRESH_PORT).flatten(),
    }
}

/// Addresses that read as pod IPs, tried before any other.
const POD_ADDRS: &[&str] = &["10.244.1.10", "fd00:10:244:1::10"];
/// Addresses that read as node IPs.
const NODE_ADDRS: &[&str] = &["10.0.0.10", "fd00:10::10"];
/// Documentation addresses (RFC 5737, RFC 3849), tried first for outside ends.
const OUTSIDE_ADDRS: &[&str] = &["203.0.113.10", "198.51.100.10", "2001:db8::10"];

/// A preferred address in the set, else one near the start of its first range (past the
/// network address when the range is wide). Boxes are never empty; the fallback to the
/// first preferred address only keeps this total.
fn pick_addr(set: &AddrSet, preferred: &[&str]) -> IpAddr {
    let fallback = IpAddr::V4(Ipv4Addr::new(10, 244, 1, 10));
    for p in preferred {
        if let Ok(ip) = p.parse::<IpAddr>() {
            if set.contains(&ip) {
                return ip;
            }
        }
    }
    for family in [Family::V4, Family::V6] {
        if let Some(&(lo, hi)) = set.of(family).ranges().first() {
            let v = if hi - lo >= 2 { lo + 1 } else { lo };
            return match family {
                Family::V4 => u32::try_from(v).map_or(fallback, |v| IpAddr::V4(Ipv4Addr::from(v))),
                Family::V6 => IpAddr::V6(Ipv6Addr::from(v)),
            };
        }
    }
    fallback
}

/// TCP 80 when the set has it (it reads as "any port"), else the first port, TCP first.
fn pick_port(ports: &PortSet) -> (Protocol, u16) {
    if ports.contains(Protocol::Tcp, 80) {
        return (Protocol::Tcp, 80);
    }
    ports
        .ranges()
        .first()
        .map_or((Protocol::Tcp, 80), |&(p, lo, _)| (p, lo))
}

/// An IP for the shaped pod in the other end's family, distinct from it.
fn own_ip(other: IpAddr) -> IpAddr {
    let candidates: [IpAddr; 2] = match other {
        IpAddr::V4(_) => [
            IpAddr::V4(Ipv4Addr::new(10, 244, 0, 10)),
            IpAddr::V4(Ipv4Addr::new(10, 244, 0, 11)),
        ],
        IpAddr::V6(_) => [
            IpAddr::V6(Ipv6Addr::new(0xfd00, 0x10, 0x244, 0, 0, 0, 0, 0x10)),
            IpAddr::V6(Ipv6Addr::new(0xfd00, 0x10, 0x244, 0, 0, 0, 0, 0x11)),
        ],
    };
    if candidates[0] == other {
        candidates[1]
    } else {
        candidates[0]
    }
}

/// The name of the pod whose side the witness is, in [`Witness::manifests`].
pub const WITNESS_POD: &str = "witness-pod";
/// The name of the other end when it is a pod, in [`Witness::manifests`].
pub const WITNESS_PEER: &str = "witness-peer";

impl Witness {
    /// A cluster holding just this connection, as a JSON `List` (which is also YAML) that
    /// `model::load` reads: the namespaces with their labels, the pod [`WITNESS_POD`] and,
    /// when the other end is a pod (hostNetwork or not), [`WITNESS_PEER`], each with its
    /// IP, and the named
    /// container port on the destination when the witness needs one. Add the policies and
    /// evaluate the connection to see the two verdicts.
    pub fn manifests(&self) -> String {
        let p = &self.point;
        let mut items = Vec::new();
        let own_ns_labels = match &p.other {
            OtherEnd::Pod {
                namespace,
                namespace_labels,
                ..
            } if *namespace == p.namespace => namespace_labels.clone(),
            _ => Labels::new(),
        };
        items.push(namespace_json(&p.namespace, &own_ns_labels));
        let named = p.port_name.as_deref();
        let (own_port, peer_port) = match p.direction {
            Direction::Ingress => (named, None),
            Direction::Egress => (None, named),
        };
        items.push(pod_json(
            WITNESS_POD,
            &p.namespace,
            &p.pod_labels,
            self.pod_ip,
            own_port.map(|n| (n, p.protocol, p.port)),
            false,
        ));
        let peer_port = peer_port.map(|n| (n, p.protocol, p.port));
        match &p.other {
            OtherEnd::Pod {
                namespace,
                namespace_labels,
                labels,
                ip,
            } => {
                if *namespace != p.namespace {
                    items.push(namespace_json(namespace, namespace_labels));
                }
                items.push(pod_json(
                    WITNESS_PEER,
                    namespace,
                    labels,
                    *ip,
                    peer_port,
                    false,
                ));
            }
            // Its namespace and labels never count; the pod's own namespace will do.
            OtherEnd::HostNetworkPod { ip } => items.push(pod_json(
                WITNESS_PEER,
                &p.namespace,
                &Labels::new(),
                *ip,
                peer_port,
                true,
            )),
            OtherEnd::Address(_) => {}
        }
        let list = json!({"apiVersion": "v1", "kind": "List", "items": items});
        serde_json::to_string_pretty(&list).unwrap_or_default()
    }
}

fn namespace_json(name: &str, labels: &Labels) -> Value {
    // The control plane sets kubernetes.io/metadata.name itself; leave it to the loader.
    let labels: Labels = labels
        .iter()
        .filter(|(k, _)| *k != NAMESPACE_NAME_LABEL)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})
}

fn pod_json(
    name: &str,
    namespace: &str,
    labels: &Labels,
    ip: IpAddr,
    port: Option<(&str, Protocol, u16)>,
    host_network: bool,
) -> Value {
    let ports: Vec<Value> = port
        .map(|(n, protocol, number)| {
            json!({"name": n, "containerPort": number, "protocol": protocol.as_k8s()})
        })
        .into_iter()
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "hostNetwork": host_network,
            "containers": [{"name": "main", "image": "witness", "ports": ports}]
        },
        "status": {"podIP": ip.to_string(), "podIPs": [{"ip": ip.to_string()}]}
    })
}

fn describe_labels(labels: &Labels) -> String {
    if labels.is_empty() {
        return "no labels".to_owned();
    }
    let parts: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("labels {}", parts.join(","))
}

impl Witness {
    /// The connection side in words: "egress of a pod in namespace `shop` with labels
    /// app=web to address 203.0.113.10 on TCP 80".
    pub fn connection(&self) -> String {
        let p = &self.point;
        let (dir, towards) = match p.direction {
            Direction::Ingress => ("ingress", "from"),
            Direction::Egress => ("egress", "to"),
        };
        let mut out = format!(
            "{dir} of a pod in namespace `{}` with {} {towards} ",
            p.namespace,
            describe_labels(&p.pod_labels)
        );
        match &p.other {
            OtherEnd::Pod {
                namespace,
                namespace_labels,
                labels,
                ip,
            } => {
                let ns_labels: Labels = namespace_labels
                    .iter()
                    .filter(|(k, _)| *k != NAMESPACE_NAME_LABEL)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                out.push_str(&format!(
                    "a pod with {} at {ip} in namespace `{namespace}` (namespace with {})",
                    describe_labels(labels),
                    describe_labels(&ns_labels)
                ));
            }
            OtherEnd::Address(ip) => out.push_str(&format!("address {ip}")),
            OtherEnd::HostNetworkPod { ip } => out.push_str(&format!("a hostNetwork pod at {ip}")),
        }
        out.push_str(&format!(" on {} {}", p.protocol, p.port));
        if let Some(name) = &p.port_name {
            out.push_str(&format!(" (a container port named `{name}`)"));
        }
        out
    }
}

impl fmt::Display for Witness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let by = if self.allowing.is_empty() {
            "the pod is not isolated".to_owned()
        } else {
            joined(&self.allowing)
        };
        write!(
            f,
            "{}: {} allows it ({by}); the other denies it (isolated by {}, and no rule allows it)",
            self.connection(),
            self.allowed_by,
            joined(&self.isolating)
        )
    }
}

/// Provenances in words, comma-separated.
pub fn joined(list: &[Provenance]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
