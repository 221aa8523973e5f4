//! Statements to resolved statements: `isolate`, `may talk to`, `egress only`,
//! `ingress only`, and `use`, which applies a rule's body in the use site's namespace with
//! its parameters bound.

use super::hir::{Action, Scope, Sides, Statement as HirStatement};
use super::names::{Bound, DefineDecl, Frame, Names};
use super::quote;
use crate::diag::{Code, Diagnostic, LineIndex};
use crate::ir::intent::{NamespaceSet, PeerSet, SourceRef};
use crate::model::{Direction as ModelDirection, LabelSelector};
use crate::syntax::{
    Arg, Direction, Endpoint, EndpointKind, IsolateTarget, Name, Span, Statement, StatementKind,
};
use std::collections::BTreeMap;
use std::rc::Rc;

type R<T> = Result<T, Diagnostic>;

/// The user-facing statement that a resolved statement comes from.
#[derive(Clone, Debug)]
pub(super) struct Site {
    pub file: Rc<str>,
    pub span: Span,
    pub line: usize,
    /// The statement's text without layout (`quote::statement`).
    pub statement: Rc<str>,
}

/// Where the statements of a list come from.
#[derive(Clone, Copy)]
pub(super) enum Sites<'a> {
    /// Each is its own site, written in this text.
    Own { text: &'a str, lines: &'a LineIndex },
    /// Each comes from the `use` of the rule whose body the list is.
    Use(&'a Site),
}

impl Site {
    fn new(file: &Rc<str>, text: &str, lines: &LineIndex, span: Span) -> Site {
        Site {
            file: file.clone(),
            span,
            line: lines.line(span.start),
            statement: Rc::from(quote::statement(
                text.get(span.start..span.end).unwrap_or(""),
            )),
        }
    }
}

/// Expands statements into resolved ones, collecting errors per statement.
pub(super) struct Expander<'a> {
    pub names: Names<'a>,
    pub errors: Vec<Diagnostic>,
    pub out: Vec<HirStatement>,
}

impl Expander<'_> {
    /// Resolves a list of statements in one frame.
    pub fn statements(&mut self, frame: &Frame, sites: Sites<'_>, body: &[Statement]) {
        for stmt in body {
            let own;
            let site = match sites {
                Sites::Use(site) => site,
                Sites::Own { text, lines } => {
                    own = Site::new(&frame.file, text, lines, stmt.span);
                    &own
                }
            };
            if let Err(e) = self.statement(frame, stmt, site) {
                self.errors.push(e);
            }
        }
    }

    fn emit(&mut self, frame: &Frame, site: &Site, action: Action) {
        self.out.push(HirStatement {
            scope: match &frame.namespace {
                Some(ns) => Scope::Namespace(ns.clone()),
                None => Scope::Cluster,
            },
            action,
            source: SourceRef {
                file: site.file.to_string(),
                line: site.line,
                statement: site.statement.to_string(),
            },
            site: (site.file.to_string(), site.span),
        });
    }

    fn statement(&mut self, frame: &Frame, stmt: &Statement, site: &Site) -> R<()> {
        match &stmt.kind {
            StatementKind::Isolate { target, direction } => {
                let pods = match target {
                    IsolateTarget::CurrentNamespace => {
                        let Some(ns) = &frame.namespace else {
                            return Err(Diagnostic::new(
                                Code::NoCurrentNamespace,
                                "`isolate` without a namespace means the current namespace, but this statement is outside every namespace block",
                            )
                            .at(&frame.file, stmt.span)
                            .with_help("write `isolate namespace NAME`, or put the statement inside `namespace NAME { }`"));
                        };
                        vec![(ns.clone(), LabelSelector::default())]
                    }
                    IsolateTarget::Endpoint(e) => {
                        self.isolated_pods(frame, std::slice::from_ref(e))?
                    }
                };
                for dir in directions(*direction) {
                    for (namespace, selector) in &pods {
                        self.emit(
                            frame,
                            site,
                            Action::Isolate {
                                namespace: namespace.clone(),
                                pods: selector.clone(),
                                direction: dir,
                            },
                        );
                    }
                }
            }
            StatementKind::Talk { from, to, ports } => {
                let action = Action::Allow {
                    from: self.names.endpoints(frame, from)?,
                    to: self.names.endpoints(frame, to)?,
                    ports: self.names.ports(frame, ports.as_deref())?,
                    sides: Sides::Both,
                };
                self.emit(frame, site, action);
            }
            StatementKind::EgressOnly { subject, to, ports } => {
                let only = Only {
                    subject: subject.as_deref(),
                    others: to,
                    ports: ports.as_deref(),
                    direction: ModelDirection::Egress,
                };
                self.only(frame, site, stmt.span, only)?;
            }
            StatementKind::IngressOnly {
                subject,
                from,
                ports,
            } => {
                let only = Only {
                    subject: subject.as_deref(),
                    others: from,
                    ports: ports.as_deref(),
                    direction: ModelDirection::Ingress,
                };
                self.only(frame, site, stmt.span, only)?;
            }
            // Collected before the statements of their scope are expanded.
            StatementKind::Define { .. } => {}
            StatementKind::Use { name, args } => {
                self.use_rule(frame, name, args.as_deref(), site)?
            }
        }
        Ok(())
    }

    /// `[A] egress only B` and `[A] ingress only from B`: A isolated in the direction, and
    /// allowed towards (from) B on that side only.
    fn only(&mut self, frame: &Frame, site: &Site, span: Span, only: Only<'_>) -> R<()> {
        let subject = Self::subject(only.subject, span);
        let pods = self.isolated_pods(frame, &subject)?;
        let others = self.names.endpoints(frame, only.others)?;
        let ports = self.names.ports(frame, only.ports)?;
        for (namespace, selector) in &pods {
            let action = Action::Isolate {
                namespace: namespace.clone(),
                pods: selector.clone(),
                direction: only.direction,
            };
            self.emit(frame, site, action);
        }
        let subject = pods_as_sets(pods);
        let action = match only.direction {
            ModelDirection::Egress => Action::Allow {
                from: subject,
                to: others,
                ports,
                sides: Sides::Egress,
            },
            ModelDirection::Ingress => Action::Allow {
                from: others,
                to: subject,
                ports,
                sides: Sides::Ingress,
            },
        };
        self.emit(frame, site, action);
        Ok(())
    }

    /// The subject of `egress only` / `ingress only`: as written, or `*`.
    fn subject(subject: Option<&[Endpoint]>, span: Span) -> Vec<Endpoint> {
        match subject {
            Some(list) => list.to_vec(),
            None => vec![Endpoint {
                kind: EndpointKind::AllPods,
                span,
            }],
        }
    }

    /// Endpoints that a statement isolates: pods of one named namespace each, and in a
    /// block only of the block's namespace.
    fn isolated_pods(
        &mut self,
        frame: &Frame,
        list: &[Endpoint],
    ) -> R<Vec<(String, LabelSelector)>> {
        let mut out = Vec::new();
        for e in list {
            for set in self.names.endpoint(frame, e)? {
                let cannot = |what: &str| {
                    Diagnostic::new(
                        Code::CannotIsolate,
                        format!("{what} cannot be isolated: a NetworkPolicy selects pods of its own namespace only"),
                    )
                    .at(&frame.file, e.span)
                };
                match set {
                    PeerSet::Pods { namespaces: NamespaceSet::Named(ns), pods } => {
                        if let Some(current) = &frame.namespace {
                            if *current != ns {
                                return Err(Diagnostic::new(
                                    Code::OutOfScope,
                                    format!("the block of namespace `{current}` cannot isolate pods of namespace `{ns}`"),
                                )
                                .at(&frame.file, e.span)
                                .with_note("a namespace block shapes only its own namespace's policies")
                                .with_help(format!("write it in `namespace {ns} {{ }}`, or at the top level")));
                            }
                        }
                        out.push((ns, pods));
                    }
                    PeerSet::Pods { .. } => {
                        return Err(cannot("namespaces chosen by label").with_help(
                            "name each namespace: `isolate namespace NAME`, or isolate inside its block",
                        ))
                    }
                    PeerSet::Everything => return Err(cannot("`anywhere`")),
                    PeerSet::Addresses(_) => {
                        return Err(cannot("addresses")
                            .with_note("addresses outside the cluster have no policies; isolate the pods that talk to them"))
                    }
                }
            }
        }
        Ok(out)
    }

    fn use_rule(&mut self, frame: &Frame, name: &Name, args: Option<&[Arg]>, site: &Site) -> R<()> {
        let decls = self.names.decls;
        let Some(rule) = decls.rules.get(&name.text) else {
            let mut d = Diagnostic::new(
                Code::UnknownRule,
                format!("there is no rule `{}`", name.text),
            )
            .at(&frame.file, name.span);
            if decls.defines.contains_key(&name.text) {
                d = d.with_note(format!(
                    "`{}` is a define: use it as an endpoint, as in `web may talk to {}`",
                    name.text, name.text
                ));
            } else {
                let known: Vec<&str> = decls.rules.keys().map(String::as_str).collect();
                match crate::model::validate::suggest(&name.text, &known) {
                    Some(close) => d = d.with_help(format!("did you mean `{close}`?")),
                    None => d = d.with_note(format!("known rules: {}", known.join(", "))),
                }
            }
            return Err(d);
        };
        if let Some(at) = frame.expanding.iter().position(|n| *n == name.text) {
            let chain = frame.expanding[at..].join("` → `");
            return Err(Diagnostic::new(
                Code::Recursion,
                format!(
                    "rule `{}` uses itself: `{chain}` → `{}`",
                    name.text, name.text
                ),
            )
            .at(&frame.file, name.span));
        }
        let args = args.unwrap_or(&[]);
        if args.len() != rule.def.params.len() {
            let params: Vec<String> = rule
                .def
                .params
                .iter()
                .map(|p| format!("${}", p.text))
                .collect();
            return Err(Diagnostic::new(
                Code::WrongArgumentCount,
                format!(
                    "rule `{}` takes {}, but {} {} given",
                    name.text,
                    crate::diag::count(params.len(), "argument", "arguments"),
                    args.len(),
                    if args.len() == 1 { "is" } else { "are" },
                ),
            )
            .at(&frame.file, name.span)
            .with_secondary(
                &rule.file,
                rule.def.name.span,
                format!("defined here: {}({})", name.text, params.join(", ")),
            ));
        }
        let mut params = BTreeMap::new();
        for (param, arg) in rule.def.params.iter().zip(args) {
            params.insert(param.text.clone(), self.bind(frame, arg)?);
        }
        let mut local_defines = BTreeMap::new();
        collect_defines(
            &rule.file,
            &rule.def.statements,
            &mut local_defines,
            &mut self.errors,
        );
        let inner = Frame {
            file: rule.file.clone(),
            namespace: frame.namespace.clone(),
            params: Rc::new(params),
            local_defines: Rc::new(local_defines),
            expanding: {
                let mut e = frame.expanding.clone();
                e.push(name.text.clone());
                e
            },
        };
        self.statements(&inner, Sites::Use(site), &rule.def.statements);
        Ok(())
    }

    /// An argument, resolved at the use site.
    fn bind(&mut self, frame: &Frame, arg: &Arg) -> R<Bound> {
        Ok(match arg {
            Arg::Port(spec) => match &spec.port {
                crate::syntax::Port::Param(p) => self.names.param(frame, p, spec.span)?,
                _ => Bound::Port(spec.clone()),
            },
            Arg::Endpoint(e) => match &e.kind {
                EndpointKind::Param(p) => self.names.param(frame, p, e.span)?,
                EndpointKind::Name(text) => Bound::Name {
                    text: text.clone(),
                    endpoints: self.names.endpoint(frame, e),
                },
                _ => Bound::Endpoints(self.names.endpoint(frame, e)?),
            },
        })
    }
}

/// An `egress only` or `ingress only` statement, as written.
struct Only<'s> {
    subject: Option<&'s [Endpoint]>,
    others: &'s [Endpoint],
    ports: Option<&'s [crate::syntax::PortSpec]>,
    direction: ModelDirection,
}

/// The defines among `statements`, into `into`; a second define of one name is an error.
pub(super) fn collect_defines(
    file: &Rc<str>,
    statements: &[Statement],
    into: &mut BTreeMap<String, DefineDecl>,
    errors: &mut Vec<Diagnostic>,
) {
    for stmt in statements {
        if let StatementKind::Define { name, endpoints } = &stmt.kind {
            if let Some(first) = into.get(&name.text) {
                errors.push(
                    Diagnostic::new(
                        Code::DuplicateDefinition,
                        format!("`{}` is defined twice", name.text),
                    )
                    .at(file, name.span)
                    .with_secondary(
                        &first.file,
                        first.span,
                        "first defined here",
                    ),
                );
                continue;
            }
            into.insert(
                name.text.clone(),
                DefineDecl {
                    endpoints: endpoints.clone(),
                    file: file.clone(),
                    span: name.span,
                },
            );
        }
    }
}

fn directions(direction: Option<Direction>) -> Vec<ModelDirection> {
    match direction {
        Some(Direction::Ingress) => vec![ModelDirection::Ingress],
        Some(Direction::Egress) => vec![ModelDirection::Egress],
        None => vec![ModelDirection::Ingress, ModelDirection::Egress],
    }
}

fn pods_as_sets(pods: Vec<(String, LabelSelector)>) -> Vec<PeerSet> {
    pods.into_iter()
        .map(|(ns, pods)| PeerSet::Pods {
            namespaces: NamespaceSet::Named(ns),
            pods,
        })
        .collect()
}
