//! One connection, evaluated side by side with its provenance: the slow, plain
//! path that queries and explanations use, and that the fast whole-map
//! computation in `reach` is tested against.

use super::engine::{Endpoint, Engine, SideVerdict};
use crate::ir::{Family, PortSet};
use crate::model::Direction;

/// The verdict for one address family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FamilyVerdict {
    /// The family the connection uses (`None`: unknown, no pod IPs given).
    pub family: Option<Family>,
    /// The source's egress side; `None` when the source is outside the cluster.
    pub egress: Option<SideVerdict>,
    /// The destination's ingress side; `None` when the destination is outside.
    pub ingress: Option<SideVerdict>,
    /// What both sides allow.
    pub allowed: PortSet,
}

/// Everything about a connection from `src` to `dst`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// The source.
    pub src: Endpoint,
    /// The destination.
    pub dst: Endpoint,
    /// True when both ends are the same single pod: always allowed (docs,
    /// Network Policies: "traffic to and from the node where a Pod is running
    /// is always allowed" and a pod cannot block itself — upstream e2e tests
    /// never expect a pod to be denied towards itself).
    pub self_pod: bool,
    /// The verdict per address family.
    pub per_family: Vec<FamilyVerdict>,
}

impl Connection {
    /// The ports allowed over any family.
    pub fn allowed(&self) -> PortSet {
        if self.self_pod {
            return PortSet::all();
        }
        self.per_family
            .iter()
            .fold(PortSet::none(), |acc, v| acc.union(&v.allowed))
    }
}

/// Why a connection cannot be evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectionError {
    /// Neither end is a pod of the cluster: NetworkPolicy has nothing to say.
    NoPod,
}

impl<'c> Engine<'c> {
    /// Evaluates a connection. `family` pins the address family (when an end
    /// was given as an IP address); otherwise every family both ends may use is
    /// evaluated and the connection is allowed when any of them allows it.
    pub fn connection(
        &self,
        src: Endpoint,
        dst: Endpoint,
        family: Option<Family>,
    ) -> Result<Connection, ConnectionError> {
        if let (Endpoint::Address(_), Endpoint::Address(_)) = (src, dst) {
            return Err(ConnectionError::NoPod);
        }
        let self_pod = match (src, dst) {
            (Endpoint::Workload(a), Endpoint::Workload(b)) => {
                a == b
                    && self
                        .cluster()
                        .workloads
                        .get(a)
                        .is_some_and(|w| w.single_pod)
            }
            _ => false,
        };
        let families = match family {
            Some(f) => vec![Some(f)],
            None => self.families(src, dst),
        };
        let per_family = families
            .into_iter()
            .map(|f| {
                let egress = match src {
                    Endpoint::Workload(s) => Some(self.side(Direction::Egress, s, dst, f)),
                    Endpoint::Address(_) => None,
                };
                let ingress = match dst {
                    Endpoint::Workload(d) => Some(self.side(Direction::Ingress, d, src, f)),
                    Endpoint::Address(_) => None,
                };
                // Both sides must allow a pod-to-pod connection; towards or from an
                // outside address only the pod's side counts (language Meaning; docs).
                let allowed = match (&egress, &ingress) {
                    (Some(e), Some(i)) => e.ports.intersect(&i.ports),
                    (Some(e), None) => e.ports.clone(),
                    (None, Some(i)) => i.ports.clone(),
                    (None, None) => PortSet::none(),
                };
                FamilyVerdict {
                    family: f,
                    egress,
                    ingress,
                    allowed,
                }
            })
            .collect();
        Ok(Connection {
            src,
            dst,
            self_pod,
            per_family,
        })
    }
}
