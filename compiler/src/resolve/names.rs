//! Names to sets: endpoints, namespaces, selectors and ports as written, resolved in a
//! [`Frame`] (the file, the current namespace, the bound rule parameters and the defines
//! in view) into the terms of the intent IR.
//!
//! `define`d names and rule bodies are expanded where they are used, so `*` and bare
//! workload names inside them mean the namespace of the use site.

use super::Decls;
use crate::diag::{Code, Diagnostic};
use crate::ir::intent::{NamespaceSet, PeerSet, PortAccess};
use crate::ir::{labels, AddrSet, PortSet, Protocol, WorkloadLabels};
use crate::model::{validate, LabelSelector, Operator, Requirement};
use crate::syntax::{self, Endpoint, EndpointKind, LabelOp, NsRef, Port, PortSpec, Span};
use std::collections::BTreeMap;
use std::rc::Rc;

/// What a rule parameter stands for in one application of the rule.
#[derive(Clone, Debug)]
pub(super) enum Bound {
    /// A port argument (`5432`, `udp 53`, `8000-8100`).
    Port(PortSpec),
    /// An endpoint argument other than a plain name, already resolved at the use site.
    Endpoints(Vec<PeerSet>),
    /// A plain name: a workload or define (resolved at the use site, where it may fail),
    /// a namespace name, or a named port, depending on where the parameter is used.
    Name {
        text: String,
        endpoints: Result<Vec<PeerSet>, Diagnostic>,
    },
}

/// A `define` in view: its endpoints and where it was written.
#[derive(Clone, Debug)]
pub(super) struct DefineDecl {
    pub endpoints: Vec<Endpoint>,
    pub file: Rc<str>,
    pub span: Span,
}

/// Where text is being resolved.
#[derive(Clone, Debug)]
pub(super) struct Frame {
    /// The file the text is in, for diagnostics.
    pub file: Rc<str>,
    /// The current namespace: the block's, or the use site's for rule bodies.
    pub namespace: Option<String>,
    /// Bound parameters of the rule being applied.
    pub params: Rc<BTreeMap<String, Bound>>,
    /// Defines of the enclosing block or rule body, searched before the program's.
    pub local_defines: Rc<BTreeMap<String, DefineDecl>>,
    /// Rules and defines being expanded, outermost first, to detect recursion.
    pub expanding: Vec<String>,
}

/// Resolves names against the program's declarations.
pub(super) struct Names<'a> {
    pub decls: &'a Decls,
    /// The label key that names workloads, per namespace.
    pub workload_labels: &'a WorkloadLabels,
    /// Warnings found while resolving (errors are returned instead).
    pub warnings: Vec<Diagnostic>,
}

type R<T> = Result<T, Diagnostic>;

fn error(code: Code, file: &str, span: Span, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(code, message).at(file, span)
}

impl Names<'_> {
    /// A list of endpoints, each resolved.
    pub fn endpoints(&mut self, frame: &Frame, list: &[Endpoint]) -> R<Vec<PeerSet>> {
        let mut out = Vec::new();
        for e in list {
            out.extend(self.endpoint(frame, e)?);
        }
        Ok(out)
    }

    /// One endpoint; a name may stand for several sets.
    pub fn endpoint(&mut self, frame: &Frame, e: &Endpoint) -> R<Vec<PeerSet>> {
        let file = &*frame.file;
        let pods = |namespaces, pods| PeerSet::Pods { namespaces, pods };
        Ok(match &e.kind {
            EndpointKind::Name(name) => return self.name(frame, name, e.span),
            EndpointKind::Workload {
                namespace,
                workload,
            } => {
                let ns = self.namespace_ref(frame, namespace, e.span)?;
                let selector = self.workload_selector(file, &ns, workload, e.span)?;
                vec![pods(NamespaceSet::Named(ns), selector)]
            }
            EndpointKind::AllPods => {
                let ns = current_namespace(frame, "`*`", e.span)?;
                vec![pods(NamespaceSet::Named(ns), LabelSelector::default())]
            }
            EndpointKind::Namespace(ns) => {
                let ns = self.namespace_ref(frame, ns, e.span)?;
                vec![pods(NamespaceSet::Named(ns), LabelSelector::default())]
            }
            EndpointKind::Pods {
                selector,
                namespaces,
            } => {
                let namespaces = match namespaces {
                    syntax::PodNamespaces::Current => NamespaceSet::Named(current_namespace(
                        frame,
                        "`pods(...)` without `in`",
                        e.span,
                    )?),
                    syntax::PodNamespaces::Named(ns) => {
                        NamespaceSet::Named(self.namespace_ref(frame, ns, e.span)?)
                    }
                    syntax::PodNamespaces::Selected(sel) => {
                        NamespaceSet::Matching(selector_of(file, sel)?)
                    }
                };
                vec![pods(namespaces, selector_of(file, selector)?)]
            }
            EndpointKind::Namespaces(sel) => vec![pods(
                NamespaceSet::Matching(selector_of(file, sel)?),
                LabelSelector::default(),
            )],
            EndpointKind::Cluster => vec![pods(
                NamespaceSet::Matching(LabelSelector::default()),
                LabelSelector::default(),
            )],
            EndpointKind::Anywhere => vec![PeerSet::Everything],
            EndpointKind::Addresses { cidr, except } => {
                let set = addresses(file, cidr, except, e.span)?;
                if set.is_empty() {
                    self.warn_no_address(file, cidr, e.span);
                }
                vec![PeerSet::Addresses(set)]
            }
            EndpointKind::Param(p) => match self.param(frame, p, e.span)? {
                Bound::Endpoints(sets) => sets,
                Bound::Name { endpoints, .. } => endpoints?,
                Bound::Port(_) => {
                    return Err(error(
                        Code::WrongArgumentKind,
                        file,
                        e.span,
                        format!("`${p}` is a port here, but it is used as an endpoint"),
                    ))
                }
            },
        })
    }

    /// A bare name: a define in view, or a workload of the current namespace.
    fn name(&mut self, frame: &Frame, name: &str, span: Span) -> R<Vec<PeerSet>> {
        let file = &*frame.file;
        if let Some(decl) = self.define(frame, name).cloned() {
            // Scoping is lexical. A define of this block or rule body is found among the
            // frame's own defines, so its endpoints see them (and the rule's parameters):
            // `define all = web, db` may list the block's `define db = pods(role=db)`. A
            // top-level define sees only the program's.
            let local = frame.local_defines.contains_key(name);
            if let Some(at) = frame.expanding.iter().position(|n| n == name) {
                let chain = frame.expanding[at..].join("` → `");
                return Err(error(
                    Code::Recursion,
                    file,
                    span,
                    format!("`{name}` is defined in terms of itself: `{chain}` → `{name}`"),
                ));
            }
            let mut inner = frame.clone();
            inner.file = decl.file.clone();
            inner.expanding.push(name.to_owned());
            if !local {
                inner.params = Rc::default();
                inner.local_defines = Rc::default();
            }
            return self.endpoints(&inner, &decl.endpoints);
        }
        if looks_like_domain(name) {
            return Err(error(
                Code::CannotExpress,
                file,
                span,
                format!("`{name}` looks like a domain name, which NetworkPolicy cannot match"),
            )
            .with_note(
                "NetworkPolicy matches pods by label and addresses by CIDR, never by DNS name",
            )
            .with_help(format!(
                "write the addresses it resolves to, or, for a workload, `pods({}=\"{name}\")`",
                match &frame.namespace {
                    Some(ns) => self.workload_labels.key(ns),
                    None => &self.workload_labels.default_label().key,
                }
            )));
        }
        let ns = current_namespace(frame, &format!("the workload name `{name}`"), span)?;
        let selector = self.workload_selector(file, &ns, name, span)?;
        if let Some(close) = self.near_miss_define(frame, name) {
            let d = Diagnostic::new(
                Code::NameLooksLikeDefine,
                format!(
                    "`{name}` is taken as the workload `{}={name}`, but `{close}` is a defined set",
                    self.workload_labels.key(&ns)
                ),
            )
            .at(file, span)
            .with_help(format!("if you meant the set, write `{close}`"));
            self.push_once(d);
        }
        Ok(vec![PeerSet::Pods {
            namespaces: NamespaceSet::Named(ns),
            pods: selector,
        }])
    }

    /// `10.0.0.0/8 except (10.0.0.0/9, 10.128.0.0/9)`: holes that cover the whole block
    /// leave no address, so the endpoint allows nothing (and `egress only` of it alone
    /// denies all egress). Once per place, however often a rule or define expands it.
    fn warn_no_address(&mut self, file: &str, cidr: &crate::ir::Cidr, span: Span) {
        let d = Diagnostic::new(
            Code::NoEffect,
            format!(
                "the excepts cover all of `{cidr}`, so this block is no address and allows nothing"
            ),
        )
        .at(file, span)
        .with_help("remove the excepts that cover what should be allowed, or the whole block");
        self.push_once(d);
    }

    /// A warning, once per code and place however often a rule or define expands it.
    fn push_once(&mut self, d: Diagnostic) {
        // `Span`'s `==` ignores positions (for comparing trees), so compare the offsets.
        let place = |w: &Diagnostic| {
            w.primary
                .as_ref()
                .map(|l| (l.file.clone(), l.span.start, l.span.end))
        };
        if !self
            .warnings
            .iter()
            .any(|w| w.code == d.code && place(w) == place(&d))
        {
            self.warnings.push(d);
        }
    }

    /// The define a workload name was probably meant as (NP0404): one typo away (edit
    /// distance 1 as `diag::suggest` counts it; more is a different name, not a typo), and
    /// the name is not known as a workload: written as `ns/name` somewhere in the program,
    /// or a member of that define (`define services = adservice, cartservice` says that
    /// `adservice` is a workload, however close it is to `services`).
    fn near_miss_define(&self, frame: &Frame, name: &str) -> Option<String> {
        if self.decls.written_workloads.contains(name) {
            return None;
        }
        let defines = self.define_names(frame);
        let near: Vec<&str> = defines
            .into_iter()
            .filter(|d| crate::diag::suggest::edit_distance(name, d) == 1)
            .collect();
        if near.iter().any(|d| self.has_member(frame, d, name, 0)) {
            return None;
        }
        crate::diag::suggest::closest(name, &near).map(str::to_owned)
    }

    /// Whether the define `define` lists the bare name `name`, itself or through the
    /// defines it lists (to a bounded depth: recursion is reported elsewhere).
    fn has_member(&self, frame: &Frame, define: &str, name: &str, depth: usize) -> bool {
        let Some(decl) = self.define(frame, define) else {
            return false;
        };
        decl.endpoints.iter().any(|e| match &e.kind {
            EndpointKind::Name(n) => {
                n == name || (depth < 8 && self.has_member(frame, n, name, depth + 1))
            }
            _ => false,
        })
    }

    fn define<'d>(&'d self, frame: &'d Frame, name: &str) -> Option<&'d DefineDecl> {
        frame
            .local_defines
            .get(name)
            .or_else(|| self.decls.defines.get(name))
    }

    fn define_names<'d>(&'d self, frame: &'d Frame) -> Vec<&'d str> {
        let mut names: Vec<&str> = frame.local_defines.keys().map(String::as_str).collect();
        names.extend(self.decls.defines.keys().map(String::as_str));
        names
    }

    /// `{<namespace's workload label>: name}`, with the name checked as a label value.
    fn workload_selector(
        &self,
        file: &str,
        namespace: &str,
        name: &str,
        span: Span,
    ) -> R<LabelSelector> {
        check_label_value(file, name, span)?;
        let mut selector = LabelSelector::default();
        selector.match_labels.insert(
            self.workload_labels.key(namespace).to_owned(),
            name.to_owned(),
        );
        Ok(selector)
    }

    /// A namespace named directly or through a parameter, checked as a DNS-1123 label.
    pub fn namespace_ref(&self, frame: &Frame, ns: &NsRef, span: Span) -> R<String> {
        let name = match ns {
            NsRef::Name(n) => n.clone(),
            NsRef::Param(p) => match self.param(frame, p, span)? {
                Bound::Name { text, .. } => text,
                _ => {
                    return Err(error(
                        Code::WrongArgumentKind,
                        &frame.file,
                        span,
                        format!(
                        "`${p}` stands for a namespace here, so its argument must be a plain name"
                    ),
                    ))
                }
            },
        };
        namespace_name(&frame.file, &name, span)?;
        Ok(name)
    }

    /// The binding of `$name` in the current rule application.
    pub fn param(&self, frame: &Frame, name: &str, span: Span) -> R<Bound> {
        if let Some(bound) = frame.params.get(name) {
            return Ok(bound.clone());
        }
        let known: Vec<&str> = frame.params.keys().map(String::as_str).collect();
        let mut d = error(
            Code::UnknownParameter,
            &frame.file,
            span,
            format!("`${name}` is not a parameter here"),
        );
        d = match validate::suggest(name, &known) {
            Some(close) => d.with_help(format!("did you mean `${close}`?")),
            None if known.is_empty() => {
                d.with_note("parameters exist only inside `rule NAME($a, ...) { }`")
            }
            None => d.with_note(format!("this rule's parameters: ${}", known.join(", $"))),
        };
        Err(d)
    }

    /// An `on` list; `None` is every port of every protocol.
    pub fn ports(&self, frame: &Frame, specs: Option<&[PortSpec]>) -> R<PortAccess> {
        let Some(specs) = specs else {
            return Ok(PortAccess::all());
        };
        let mut access = PortAccess {
            numbers: PortSet::none(),
            named: Default::default(),
        };
        for spec in specs {
            self.add_port(frame, spec, spec.protocol, &mut access)?;
        }
        Ok(access)
    }

    fn add_port(
        &self,
        frame: &Frame,
        spec: &PortSpec,
        protocol: Option<Protocol>,
        access: &mut PortAccess,
    ) -> R<()> {
        // "on 5432 is TCP 5432 (TCP is the default protocol)" (language.md, Ports).
        let proto = protocol.unwrap_or(Protocol::Tcp);
        match &spec.port {
            Port::Number(n) => access.numbers = access.numbers.union(&PortSet::single(proto, *n)),
            Port::Range(lo, hi) => {
                access.numbers = access.numbers.union(&PortSet::range(proto, *lo, *hi))
            }
            Port::Named(name) => {
                port_name(&frame.file, name, spec.span)?;
                access.named.insert((proto, name.clone()));
            }
            Port::Param(p) => match self.param(frame, p, spec.span)? {
                // A protocol written with the argument wins over the one at the use.
                Bound::Port(arg) => {
                    self.add_port(frame, &arg, arg.protocol.or(protocol), access)?
                }
                Bound::Name { text, .. } => {
                    port_name(&frame.file, &text, spec.span)?;
                    access.named.insert((proto, text));
                }
                Bound::Endpoints(_) => {
                    return Err(error(
                        Code::WrongArgumentKind,
                        &frame.file,
                        spec.span,
                        format!("`${p}` is an endpoint here, but it is used as a port"),
                    ))
                }
            },
        }
        Ok(())
    }
}

/// The current namespace, or the error that there is none (top level).
fn current_namespace(frame: &Frame, what: &str, span: Span) -> R<String> {
    frame.namespace.clone().ok_or_else(|| {
        error(
            Code::NoCurrentNamespace,
            &frame.file,
            span,
            format!("{what} means pods of the current namespace, but this statement is outside every namespace block"),
        )
        .with_help("write it inside `namespace NAME { }`, or name the namespace: `shop/web`, `shop/*`, `pods(...) in namespace shop`")
    })
}

/// A selector as written, checked and in canonical form.
pub(super) fn selector_of(file: &str, sel: &syntax::Selector) -> R<LabelSelector> {
    let mut out = LabelSelector::default();
    for r in &sel.requirements {
        let problems = validate::qualified_name(&r.key);
        if let Some(p) = problems.first() {
            return Err(error(
                Code::InvalidLabel,
                file,
                r.span,
                format!("`{}` is not a valid label key", r.key),
            )
            .with_note(p.clone()));
        }
        let (operator, values) = match &r.op {
            LabelOp::Eq(v) => (Operator::In, vec![v.clone()]),
            LabelOp::NotEq(v) => (Operator::NotIn, vec![v.clone()]),
            LabelOp::In(vs) => (Operator::In, vs.clone()),
            LabelOp::NotIn(vs) => (Operator::NotIn, vs.clone()),
            LabelOp::Exists => (Operator::Exists, vec![]),
            LabelOp::NotExists => (Operator::DoesNotExist, vec![]),
        };
        for v in &values {
            check_label_value(file, v, r.span)?;
        }
        out.match_expressions.push(Requirement {
            key: r.key.clone(),
            operator,
            values,
        });
    }
    Ok(labels::canonical(&out))
}

fn check_label_value(file: &str, value: &str, span: Span) -> R<()> {
    match validate::label_value(value).first() {
        None => Ok(()),
        Some(p) => Err(error(
            Code::InvalidLabel,
            file,
            span,
            format!("`{value}` is not a valid label value"),
        )
        .with_note(p.clone())),
    }
}

/// A namespace name: a DNS-1123 label (ValidateNamespaceName).
pub(super) fn namespace_name(file: &str, name: &str, span: Span) -> R<()> {
    match validate::dns1123_label(name).first() {
        None => Ok(()),
        Some(p) => Err(error(
            Code::InvalidNamespaceName,
            file,
            span,
            format!("`{name}` is not a valid namespace name"),
        )
        .with_note(p.clone())),
    }
}

/// A named port: an IANA service name (IsValidPortName), as the API server requires.
fn port_name(file: &str, name: &str, span: Span) -> R<()> {
    match validate::port_name(name).first() {
        None => Ok(()),
        Some(p) => Err(error(
            Code::InvalidLabel,
            file,
            span,
            format!("`{name}` is not a valid port name"),
        )
        .with_note(p.clone())),
    }
}

/// `cidr except (...)` as a set; the CIDR must not have host bits (it would be ambiguous
/// whether the block or the host was meant) and every except must lie strictly inside it,
/// as the API server requires of an ipBlock (`ValidateIPBlock`).
fn addresses(
    file: &str,
    cidr: &crate::ir::Cidr,
    except: &[crate::ir::Cidr],
    span: Span,
) -> R<AddrSet> {
    for c in std::iter::once(cidr).chain(except) {
        if c.has_host_bits() {
            return Err(error(
                Code::BadAddress,
                file,
                span,
                format!("`{c}` has bits set after its prefix"),
            )
            .with_help(format!("did you mean `{}`?", c.network())));
        }
    }
    for e in except {
        if let Err(why) = validate::except_inside(cidr, e) {
            return Err(error(
                Code::BadAddress,
                file,
                span,
                format!("the except `{e}` is not inside `{cidr}`"),
            )
            .with_note(why));
        }
    }
    Ok(AddrSet::cidr(cidr).difference(&AddrSet::cidrs(except)))
}

/// `api.example.com`: dots and a final label of letters. Workload names rarely look like
/// that; a user who writes it almost surely means a DNS name.
fn looks_like_domain(name: &str) -> bool {
    let mut labels = name.split('.');
    let first = labels.next().unwrap_or("");
    let rest: Vec<&str> = labels.collect();
    !first.is_empty()
        && !rest.is_empty()
        && rest
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
        && rest.iter().all(|l| !l.is_empty())
}
