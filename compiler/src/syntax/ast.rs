//! The typed syntax tree of one `.npl` file: what was written, checked only for lexical
//! validity. Names are not resolved here (`web` may be a workload or a `define`d set).
//!
//! Every node carries a [`Span`]; spans never take part in equality, so two trees that say
//! the same thing are `==` wherever they were written.

use crate::ir::{Cidr, Protocol};
pub use crate::source::Span;

/// A name as written, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    /// The text, without a `$` for parameters.
    pub text: String,
    /// Where it was written.
    pub span: Span,
}

/// One parsed `.npl` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// The file name given to `parse`, for messages.
    pub name: String,
    /// The top-level items in source order.
    pub items: Vec<Item>,
}

/// Something at the top level of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// `namespace N { ... }`
    Namespace(NamespaceBlock),
    /// `rule NAME($a) { ... }`
    Rule(RuleDef),
    /// A cluster-scoped statement, outside every block.
    Statement(Statement),
}

/// `namespace N { STATEMENTS }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceBlock {
    /// The namespace the block is about.
    pub namespace: NsRef,
    /// `with workload label KEY`: the key as written (checked when resolving), with where
    /// it was written.
    pub workload_label: Option<Name>,
    /// Its statements in source order.
    pub statements: Vec<Statement>,
    /// The whole block.
    pub span: Span,
}

/// `rule NAME($a, $b) { STATEMENTS }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleDef {
    /// The rule's name.
    pub name: Name,
    /// Its parameters, without the `$`.
    pub params: Vec<Name>,
    /// Its body in source order.
    pub statements: Vec<Statement>,
    /// The whole definition.
    pub span: Span,
}

/// One statement and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// What the statement says.
    pub kind: StatementKind,
    /// The statement, up to the end of its last line.
    pub span: Span,
}

/// The statements of the language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatementKind {
    /// `isolate namespace`, `isolate egress`, `isolate web ingress`, `isolate namespace shop`.
    Isolate {
        /// What is isolated.
        target: IsolateTarget,
        /// One direction, or `None` for both.
        direction: Option<Direction>,
    },
    /// `A may talk to B [on PORTS]`
    Talk {
        /// The side opening connections.
        from: Vec<Endpoint>,
        /// The side accepting them.
        to: Vec<Endpoint>,
        /// `None` for every port of every protocol.
        ports: Option<Vec<PortSpec>>,
    },
    /// `[A] egress only B [on PORTS]`
    EgressOnly {
        /// `A`, or `None` for every pod of the current namespace.
        subject: Option<Vec<Endpoint>>,
        /// `B`.
        to: Vec<Endpoint>,
        /// `None` for every port of every protocol.
        ports: Option<Vec<PortSpec>>,
    },
    /// `[A] ingress only from B [on PORTS]`
    IngressOnly {
        /// `A`, or `None` for every pod of the current namespace.
        subject: Option<Vec<Endpoint>>,
        /// `B`.
        from: Vec<Endpoint>,
        /// `None` for every port of every protocol.
        ports: Option<Vec<PortSpec>>,
    },
    /// `define NAME = ENDPOINTS`
    Define {
        /// The set's name.
        name: Name,
        /// What it stands for.
        endpoints: Vec<Endpoint>,
    },
    /// `use NAME` or `use NAME(ARGS)`
    Use {
        /// The rule applied.
        name: Name,
        /// `None` without parentheses; `Some(vec![])` for `use NAME()`.
        args: Option<Vec<Arg>>,
    },
}

/// What an `isolate` statement isolates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IsolateTarget {
    /// `isolate namespace`, `isolate ingress`: every pod of the current namespace.
    CurrentNamespace,
    /// `isolate web`, `isolate namespace shop`.
    Endpoint(Endpoint),
}

/// A direction of traffic, seen from the pods a statement is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// Connections towards the pods.
    Ingress,
    /// Connections the pods open.
    Egress,
}

/// An endpoint as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Which form.
    pub kind: EndpointKind,
    /// Where it was written.
    pub span: Span,
}

/// The forms of endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndpointKind {
    /// `web`: a workload of the current namespace or a named set; resolution decides.
    Name(String),
    /// `payments/gateway`
    Workload {
        /// `payments`
        namespace: NsRef,
        /// `gateway`
        workload: String,
    },
    /// `*`: every pod of the current namespace.
    AllPods,
    /// `payments/*` or `namespace payments`: every pod of a namespace.
    Namespace(NsRef),
    /// `pods(...)`, optionally `in namespace N` or `in namespaces(...)`.
    Pods {
        /// The pods' labels.
        selector: Selector,
        /// Which namespaces they are in.
        namespaces: PodNamespaces,
    },
    /// `namespaces(...)`: every pod of every matching namespace.
    Namespaces(Selector),
    /// `cluster`
    Cluster,
    /// `anywhere`
    Anywhere,
    /// `10.0.0.0/8`, `8.8.8.8` (a host block), `0.0.0.0/0 except (...)`.
    Addresses {
        /// The block; an address without a prefix becomes `/32` or `/128`.
        cidr: Cidr,
        /// The holes, in source order.
        except: Vec<Cidr>,
    },
    /// `$a`, without the `$`.
    Param(String),
}

/// A namespace named in an endpoint: a name or a `$param` standing for one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NsRef {
    /// `shop`
    Name(String),
    /// `$ns`, without the `$`.
    Param(String),
}

/// Where the pods of `pods(...)` live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PodNamespaces {
    /// No `in`: the current namespace.
    Current,
    /// `in namespace N`
    Named(NsRef),
    /// `in namespaces(...)`
    Selected(Selector),
}

/// A label selector: every requirement must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    /// In source order.
    pub requirements: Vec<Requirement>,
}

/// One requirement on one label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// The label key, such as `app.kubernetes.io/name`.
    pub key: String,
    /// What must hold of it.
    pub op: LabelOp,
    /// Where it was written.
    pub span: Span,
}

/// The ways a requirement constrains a label; values are unquoted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LabelOp {
    /// `k=v`
    Eq(String),
    /// `k!=v`
    NotEq(String),
    /// `k in (a, b)`
    In(Vec<String>),
    /// `k notin (a, b)`
    NotIn(Vec<String>),
    /// `k`
    Exists,
    /// `!k`
    NotExists,
}

/// One item of an `on` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortSpec {
    /// The protocol word in force for this item: written before it, or before an
    /// earlier item of the same list (`on tcp 80, 443`). `None` when no word was
    /// written, which means TCP for numbers and names, and whatever a parameter holds.
    pub protocol: Option<Protocol>,
    /// The port.
    pub port: Port,
    /// Where the item was written.
    pub span: Span,
}

/// A port as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Port {
    /// `5432`, within 1-65535.
    Number(u16),
    /// `8000-8100`, inclusive, low end first.
    Range(u16, u16),
    /// `http`: a container port's name.
    Named(String),
    /// `$p`, without the `$`.
    Param(String),
}

/// An argument of `use NAME(ARGS)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// `5432`, `udp 53`, `8000-8100`.
    Port(PortSpec),
    /// Any endpoint, including a plain name (a name may also stand for a named port;
    /// resolution decides).
    Endpoint(Endpoint),
}
