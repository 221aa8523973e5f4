//! The Kubernetes objects netpolc reads, in validated, normalised form.
//!
//! `load` turns bytes into a [`Cluster`]: namespaces, workloads (pods and the pod
//! templates of controllers) and NetworkPolicies; `write` turns a cluster back into
//! manifests that `load` reads to the same cluster. Everything here has passed the
//! API server's validation rules, so the engine never sees an object a real
//! cluster would have refused.

pub mod load;
mod locate;
mod meta;
mod netpol;
mod parse;
mod skipped;
pub mod strict_json;
pub mod validate;
mod walk;
mod workloads;
pub mod write;

pub use crate::ir::selector::{LabelSelector, Labels, Operator, Requirement};
pub use crate::ir::Direction;
use crate::ir::{Cidr, PortSet, Protocol};
pub use load::{load, load_in, load_policies, load_policies_in, Source};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
pub use write::write;

/// The label every namespace carries with its own name (Kubernetes >= 1.21:
/// "The Kubernetes control plane sets an immutable label
/// kubernetes.io/metadata.name on all namespaces").
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Where an object came from: the file and the 1-based document within it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// The file as the user named it (`-` for standard input).
    pub file: String,
    /// The 1-based index of the YAML document (or JSON value) in the file.
    pub document: usize,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (document {})", self.file, self.document)
    }
}

/// A namespace and its labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Namespace {
    /// The name.
    pub name: String,
    /// Its labels, always including [`NAMESPACE_NAME_LABEL`].
    pub labels: Labels,
    /// Where it was declared; `None` when it is used but not declared.
    pub origin: Option<Origin>,
}

/// A named container port: what a named NetworkPolicy port resolves to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContainerPort {
    /// The port's name, if it has one.
    pub name: Option<String>,
    /// The container port number.
    pub port: u16,
    /// The protocol (TCP when not given).
    pub protocol: Protocol,
}

/// A workload: a bare Pod, or the pod template of a controller. Replicas of one
/// workload share labels and ports, so they behave identically.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workload {
    /// The namespace.
    pub namespace: String,
    /// The object's name (the controller's, for a pod template).
    pub name: String,
    /// The kind it came from: `Pod`, `Deployment`, `CronJob`, ...
    pub kind: String,
    /// The pod labels (for a controller, the template's labels).
    pub labels: Labels,
    /// The container ports of all containers (init containers included).
    pub ports: Vec<ContainerPort>,
    /// The pod's IPs (`status.podIPs` / `status.podIP`), possibly empty.
    pub ips: Vec<IpAddr>,
    /// `spec.hostNetwork`: such pods are node traffic to NetworkPolicy.
    pub host_network: bool,
    /// True for a bare Pod (one pod), false for a controller's template or a
    /// group of replica Pods (several pods).
    pub single_pod: bool,
    /// The names of the Pod objects this workload stands for (replica Pods
    /// collapsed into it, or the bare Pod itself); queries may name any of them.
    pub pods: Vec<String>,
    /// Where it was declared.
    pub origin: Origin,
}

impl Workload {
    /// `namespace/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// Which namespaces a pod peer looks in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NamespaceScope {
    /// No `namespaceSelector`: the policy's own namespace.
    PolicyNamespace,
    /// `namespaceSelector`: every namespace whose labels match.
    Matching(LabelSelector),
}

/// A peer of a rule (`from` / `to` entry).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Peer {
    /// `podSelector` and/or `namespaceSelector` (both present means AND).
    /// An absent `podSelector` is stored as the empty selector (all pods).
    Pods {
        /// The namespaces to look in.
        namespaces: NamespaceScope,
        /// The pods within them.
        pods: LabelSelector,
    },
    /// `ipBlock`: `cidr` minus every `except`.
    IpBlock {
        /// The block.
        cidr: Cidr,
        /// The holes.
        except: Vec<Cidr>,
    },
}

/// The port part of a policy port entry.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PortSpec {
    /// No `port`: every port of the protocol.
    All,
    /// A number, with `endPort` making an inclusive range.
    Numbers {
        /// `port`.
        start: u16,
        /// `endPort`, or `start` when absent.
        end: u16,
    },
    /// A named port, resolved on the destination pod by name and protocol.
    Named(String),
}

/// One `ports` entry of a rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PolicyPort {
    /// The protocol (TCP when absent).
    pub protocol: Protocol,
    /// The port or ports.
    pub port: PortSpec,
}

impl PolicyPort {
    /// The concrete ports this entry allows on a destination with these
    /// container ports. A named port matches the destination's container port
    /// of that name and protocol (API reference, NetworkPolicyPort.port: "this
    /// can either be a numerical or named port on a pod").
    pub fn resolve(&self, destination_ports: &[ContainerPort]) -> PortSet {
        match &self.port {
            PortSpec::All => PortSet::all_of(self.protocol),
            PortSpec::Numbers { start, end } => PortSet::range(self.protocol, *start, *end),
            PortSpec::Named(name) => destination_ports
                .iter()
                .filter(|cp| cp.protocol == self.protocol && cp.name.as_deref() == Some(name))
                .fold(PortSet::none(), |acc, cp| {
                    acc.union(&PortSet::single(cp.protocol, cp.port))
                }),
        }
    }
}

/// One ingress or egress rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The peers; `None` when `from`/`to` is absent or empty, which matches
    /// every peer (API reference: "If this field is empty or missing, this rule
    /// matches all sources/destinations").
    pub peers: Option<Vec<Peer>>,
    /// The ports; `None` when `ports` is absent or empty, which matches every
    /// port (API reference: "If this field is empty or missing, this rule
    /// matches all ports").
    pub ports: Option<Vec<PolicyPort>>,
}

/// A NetworkPolicy after validation and defaulting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkPolicy {
    /// The namespace.
    pub namespace: String,
    /// The name.
    pub name: String,
    /// `spec.podSelector`.
    pub pod_selector: LabelSelector,
    /// Whether the policy applies to ingress, after defaulting `policyTypes`.
    pub isolates_ingress: bool,
    /// Whether the policy applies to egress, after defaulting `policyTypes`
    /// (API reference: when policyTypes is absent, "Egress" is included only
    /// when the policy has any egress rules).
    pub isolates_egress: bool,
    /// `spec.ingress` (absent and empty are the same: no rule).
    pub ingress: Vec<Rule>,
    /// `spec.egress`.
    pub egress: Vec<Rule>,
    /// Where it was declared.
    pub origin: Origin,
}

impl NetworkPolicy {
    /// `namespace/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// Whether the policy applies to a direction.
    pub fn isolates(&self, d: Direction) -> bool {
        match d {
            Direction::Ingress => self.isolates_ingress,
            Direction::Egress => self.isolates_egress,
        }
    }

    /// The rules of a direction.
    pub fn rules(&self, d: Direction) -> &[Rule] {
        match d {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }
}

/// A note about input that was read but not used (another kind, say), or a warning about
/// a value that loads but that a current API server refuses in a new object: a
/// diagnostic (NP0706-NP0708) at its place in the manifests, with what it is about, so
/// that commands keep the notes they need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// What kind of object it is about.
    pub about: NoteAbout,
    /// What, and where.
    pub diagnostic: crate::diag::Diagnostic,
}

impl Note {
    /// A note about the field at `path` (empty for the whole object) of the document at
    /// `origin`; its code follows from what it is about.
    pub(crate) fn new(
        about: NoteAbout,
        origin: &Origin,
        path: &str,
        message: impl Into<String>,
    ) -> Note {
        use crate::diag::Code;
        let code = match about {
            NoteAbout::RefusedWhenNew => Code::HostBitsCidr,
            NoteAbout::SkippedKind | NoteAbout::NetworkPolicy | NoteAbout::Ignored => Code::NotRead,
            NoteAbout::Namespace | NoteAbout::Workload => Code::ReadAs,
        };
        let diagnostic = crate::diag::Diagnostic::new(code, message).in_manifest(
            &origin.file,
            origin.document,
            path,
        );
        Note { about, diagnostic }
    }
}

/// What a [`Note`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteAbout {
    /// An object of a kind netpolc does not read.
    SkippedKind,
    /// A Namespace.
    Namespace,
    /// Pods and their controllers.
    Workload,
    /// A NetworkPolicy.
    NetworkPolicy,
    /// A NetworkPolicy value that existing objects may hold but a current API server
    /// refuses in a new one (a CIDR with bits set beyond its prefix): commands that read
    /// it print it as a warning.
    RefusedWhenNew,
    /// A problem in an object the command does not read, which therefore does not fail
    /// it ([`load::load_policies`]).
    Ignored,
}

/// Everything read from the manifests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cluster {
    /// Namespaces by name, including those used but not declared.
    pub namespaces: BTreeMap<String, Namespace>,
    /// Workloads, sorted by namespace then name.
    pub workloads: Vec<Workload>,
    /// NetworkPolicies, sorted by namespace then name.
    pub policies: Vec<NetworkPolicy>,
    /// Things skipped, with the reason.
    pub notes: Vec<Note>,
    /// The NetworkPolicies that named no namespace (read into `default`, or the namespace
    /// the loader was given), as `namespace/name`.
    pub unnamespaced_policies: BTreeSet<String>,
}
