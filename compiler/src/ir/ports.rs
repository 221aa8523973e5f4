//! Protocols and sets of concrete ports.
//!
//! Kubernetes NetworkPolicy ports: `protocol` is TCP, UDP or SCTP and defaults to
//! TCP; a port without a number matches every port of its protocol; `endPort`
//! makes an inclusive range (API reference, NetworkPolicyPort).

use super::interval::IntervalSet;
use serde::Serialize;
use std::fmt;

/// The lowest and highest valid port numbers (validation: 1-65535).
pub const PORT_MIN: u16 = 1;
/// See [`PORT_MIN`].
pub const PORT_MAX: u16 = 65535;

/// A transport protocol NetworkPolicy can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Protocol {
    /// TCP, the default when a policy port names no protocol.
    #[serde(rename = "TCP")]
    Tcp,
    /// UDP.
    #[serde(rename = "UDP")]
    Udp,
    /// SCTP.
    #[serde(rename = "SCTP")]
    Sctp,
}

impl Protocol {
    /// Every protocol, in output order.
    pub const ALL: [Protocol; 3] = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp];

    /// The Kubernetes spelling: `TCP`, `UDP`, `SCTP`.
    pub fn as_k8s(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }

    /// Parses the Kubernetes spelling (case-sensitive, as the API server is).
    pub fn from_k8s(s: &str) -> Option<Self> {
        match s {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }

    /// Parses a protocol in any letter case (`tcp`, `TCP`), for command-line input.
    pub fn from_any_case(s: &str) -> Option<Self> {
        Self::from_k8s(&s.to_ascii_uppercase())
    }

    fn index(self) -> usize {
        match self {
            Protocol::Tcp => 0,
            Protocol::Udp => 1,
            Protocol::Sctp => 2,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_k8s())
    }
}

/// A set of (protocol, port number) pairs, canonical per protocol.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PortSet {
    by_protocol: [IntervalSet; 3],
}

impl PortSet {
    /// No port at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// Every port of every protocol.
    pub fn all() -> Self {
        let full = IntervalSet::range(PORT_MIN.into(), PORT_MAX.into());
        Self {
            by_protocol: [full.clone(), full.clone(), full],
        }
    }

    /// Every port of one protocol.
    pub fn all_of(protocol: Protocol) -> Self {
        Self::range(protocol, PORT_MIN, PORT_MAX)
    }

    /// The inclusive range `lo..=hi` of one protocol.
    pub fn range(protocol: Protocol, lo: u16, hi: u16) -> Self {
        let mut s = Self::none();
        s.by_protocol[protocol.index()] = IntervalSet::range(lo.into(), hi.into());
        s
    }

    /// One port of one protocol.
    pub fn single(protocol: Protocol, port: u16) -> Self {
        Self::range(protocol, port, port)
    }

    /// The port numbers of one protocol.
    pub fn of(&self, protocol: Protocol) -> &IntervalSet {
        &self.by_protocol[protocol.index()]
    }

    /// True when no port is in the set.
    pub fn is_empty(&self) -> bool {
        self.by_protocol.iter().all(IntervalSet::is_empty)
    }

    /// True when every port of every protocol is in the set.
    pub fn is_all(&self) -> bool {
        *self == Self::all()
    }

    /// True when `(protocol, port)` is in the set.
    pub fn contains(&self, protocol: Protocol, port: u16) -> bool {
        self.of(protocol).contains(port.into())
    }

    /// Set union.
    pub fn union(&self, other: &Self) -> Self {
        self.zip(other, IntervalSet::union)
    }

    /// Set intersection.
    pub fn intersect(&self, other: &Self) -> Self {
        self.zip(other, IntervalSet::intersect)
    }

    /// Set difference.
    pub fn difference(&self, other: &Self) -> Self {
        self.zip(other, IntervalSet::difference)
    }

    fn zip(&self, other: &Self, f: impl Fn(&IntervalSet, &IntervalSet) -> IntervalSet) -> Self {
        Self {
            by_protocol: [0, 1, 2].map(|i| f(&self.by_protocol[i], &other.by_protocol[i])),
        }
    }

    /// The set as `(protocol, lo, hi)` ranges, protocols in TCP, UDP, SCTP order.
    pub fn ranges(&self) -> Vec<(Protocol, u16, u16)> {
        let mut out = Vec::new();
        for p in Protocol::ALL {
            for &(lo, hi) in self.of(p).ranges() {
                // Values are built from u16 only, so the narrowing cannot lose bits.
                out.push((p, narrow(lo), narrow(hi)));
            }
        }
        out
    }
}

fn narrow(v: u128) -> u16 {
    u16::try_from(v).unwrap_or(u16::MAX)
}

/// Human form: `all`, `none`, or e.g. `TCP 80,443,8000-8100; UDP 53`; a whole
/// protocol prints as `TCP *`.
impl fmt::Display for PortSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("all ports");
        }
        if self.is_empty() {
            return f.write_str("no ports");
        }
        let full = IntervalSet::range(PORT_MIN.into(), PORT_MAX.into());
        let mut parts = Vec::new();
        for p in Protocol::ALL {
            let set = self.of(p);
            if set.is_empty() {
                continue;
            }
            if *set == full {
                parts.push(format!("{p} *"));
                continue;
            }
            let nums: Vec<String> = set
                .ranges()
                .iter()
                .map(|&(lo, hi)| {
                    if lo == hi {
                        lo.to_string()
                    } else {
                        format!("{lo}-{hi}")
                    }
                })
                .collect();
            parts.push(format!("{p} {}", nums.join(",")));
        }
        f.write_str(&parts.join("; "))
    }
}

impl fmt::Debug for PortSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_reads_well() {
        let s = PortSet::single(Protocol::Tcp, 80)
            .union(&PortSet::range(Protocol::Tcp, 8000, 8100))
            .union(&PortSet::all_of(Protocol::Udp));
        assert_eq!(s.to_string(), "TCP 80,8000-8100; UDP *");
        assert_eq!(PortSet::all().to_string(), "all ports");
        assert_eq!(PortSet::none().to_string(), "no ports");
    }

    #[test]
    fn protocols_are_independent() {
        let tcp = PortSet::single(Protocol::Tcp, 53);
        let udp = PortSet::single(Protocol::Udp, 53);
        assert!(tcp.intersect(&udp).is_empty());
        assert!(tcp.union(&udp).contains(Protocol::Udp, 53));
    }
}
