//! Pairs to AST: one method per grammar rule, named after it (dhall-rust's habit).
//! Nothing outside this file walks pest's pairs.
//!
//! The grammar guarantees the shape of what it accepts, but nothing here relies on it by
//! panicking: an unexpected shape becomes an internal-consistency [`Diagnostic`].
//! Lexical checks that the grammar leaves loose (port numbers, addresses) happen here.

use super::ast::*;
use super::errors::rule_name;
use super::grammar::Rule;
use crate::diag::{Code, Diagnostic};
use crate::ir::{Cidr, Protocol};
use pest::iterators::Pair;
use std::net::IpAddr;

type R<T> = Result<T, Diagnostic>;

/// Builds the AST of one file and collects its lexical errors.
pub(crate) struct Builder<'a> {
    file: &'a str,
    /// Errors of items that could not be built; building continues with the next item.
    pub(crate) errors: Vec<Diagnostic>,
}

fn span(pair: &Pair<'_, Rule>) -> Span {
    Span {
        start: pair.as_span().start(),
        end: pair.as_span().end(),
    }
}

impl<'a> Builder<'a> {
    pub(crate) fn new(file: &'a str) -> Builder<'a> {
        Builder {
            file,
            errors: Vec::new(),
        }
    }

    fn error(&self, code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, message).at(self.file, span)
    }

    /// The grammar produced a shape this file does not expect: a bug, never user error.
    fn internal(&self, pair: &Pair<'_, Rule>) -> Diagnostic {
        self.error(
            Code::Internal,
            span(pair),
            format!(
                "internal error: the parser did not expect {} here",
                rule_name(pair.as_rule())
            ),
        )
        .with_help("this is a bug in netpolc; please report it with the input")
    }

    /// The only child of `pair`.
    fn only_child<'i>(&self, pair: &Pair<'i, Rule>) -> R<Pair<'i, Rule>> {
        let mut inner = pair.clone().into_inner();
        let (Some(child), None) = (inner.next(), inner.next()) else {
            return Err(self.internal(pair));
        };
        Ok(child)
    }

    /// `file`: the items that built, with the errors of the others in `self.errors`.
    pub(crate) fn file(&mut self, pair: Pair<'_, Rule>) -> Vec<Item> {
        let mut items = Vec::new();
        for child in pair.into_inner() {
            let item = match child.as_rule() {
                Rule::eol | Rule::EOI => continue,
                Rule::namespace_block => self.namespace_block(child).map(Item::Namespace),
                Rule::rule_def => self.rule_def(child).map(Item::Rule),
                Rule::statement => self.statement(child).map(Item::Statement),
                _ => Err(self.internal(&child)),
            };
            match item {
                Ok(item) => items.push(item),
                Err(e) => self.errors.push(e),
            }
        }
        items
    }

    /// Statements of a block body; errors go to `self.errors` so one bad line does not
    /// hide the next.
    fn body_statement(&mut self, child: Pair<'_, Rule>, out: &mut Vec<Statement>) {
        match self.statement(child) {
            Ok(s) => out.push(s),
            Err(e) => self.errors.push(e),
        }
    }

    fn namespace_block(&mut self, pair: Pair<'_, Rule>) -> R<NamespaceBlock> {
        let whole = span(&pair);
        let mut namespace = None;
        let mut workload_label = None;
        let mut statements = Vec::new();
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::kw_namespace | Rule::eol | Rule::close_namespace => {}
                Rule::ns_ref => namespace = Some(self.ns_ref(child)?),
                Rule::workload_label => workload_label = Some(self.workload_label(child)?),
                Rule::statement => self.body_statement(child, &mut statements),
                _ => return Err(self.internal(&child)),
            }
        }
        let Some(namespace) = namespace else {
            return Err(self.error(
                Code::Internal,
                whole,
                "internal error: a namespace block without a name",
            ));
        };
        Ok(NamespaceBlock {
            namespace,
            workload_label,
            statements,
            span: whole,
        })
    }

    /// `with workload label KEY`: the key.
    fn workload_label(&self, pair: Pair<'_, Rule>) -> R<Name> {
        for child in pair.clone().into_inner() {
            match child.as_rule() {
                Rule::kw_with | Rule::kw_workload | Rule::kw_label => {}
                Rule::label_key => return Ok(self.name(child)),
                _ => return Err(self.internal(&child)),
            }
        }
        Err(self.internal(&pair))
    }

    fn rule_def(&mut self, pair: Pair<'_, Rule>) -> R<RuleDef> {
        let whole = span(&pair);
        let mut name = None;
        let mut params = Vec::new();
        let mut statements = Vec::new();
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::kw_rule | Rule::eol | Rule::close_rule => {}
                Rule::name => name = Some(self.name(child)),
                Rule::rule_params => params = self.rule_params(child)?,
                Rule::statement => self.body_statement(child, &mut statements),
                _ => return Err(self.internal(&child)),
            }
        }
        let Some(name) = name else {
            return Err(self.error(
                Code::Internal,
                whole,
                "internal error: a rule without a name",
            ));
        };
        Ok(RuleDef {
            name,
            params,
            statements,
            span: whole,
        })
    }

    fn rule_params(&self, pair: Pair<'_, Rule>) -> R<Vec<Name>> {
        pair.into_inner()
            .map(|p| match p.as_rule() {
                Rule::param => Ok(self.param(p)),
                _ => Err(self.internal(&p)),
            })
            .collect()
    }

    fn statement(&self, pair: Pair<'_, Rule>) -> R<Statement> {
        let whole = span(&pair);
        let child = self.only_child(&pair)?;
        let kind = match child.as_rule() {
            Rule::isolate => self.isolate(child)?,
            Rule::talk => self.talk(child)?,
            Rule::egress_only => self.only(child, Direction::Egress)?,
            Rule::ingress_only => self.only(child, Direction::Ingress)?,
            Rule::define => self.define(child)?,
            Rule::use_stmt => self.use_stmt(child)?,
            _ => return Err(self.internal(&child)),
        };
        Ok(Statement { kind, span: whole })
    }

    fn isolate(&self, pair: Pair<'_, Rule>) -> R<StatementKind> {
        let mut target = IsolateTarget::CurrentNamespace;
        let mut direction = None;
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::kw_isolate | Rule::this_namespace => {}
                Rule::endpoint => target = IsolateTarget::Endpoint(self.endpoint(child)?),
                Rule::direction => direction = Some(self.direction(child)?),
                _ => return Err(self.internal(&child)),
            }
        }
        Ok(StatementKind::Isolate { target, direction })
    }

    fn direction(&self, pair: Pair<'_, Rule>) -> R<Direction> {
        let child = self.only_child(&pair)?;
        match child.as_rule() {
            Rule::kw_ingress => Ok(Direction::Ingress),
            Rule::kw_egress => Ok(Direction::Egress),
            _ => Err(self.internal(&child)),
        }
    }

    fn talk(&self, pair: Pair<'_, Rule>) -> R<StatementKind> {
        let whole = span(&pair);
        let mut lists = Vec::new();
        let mut ports = None;
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::kw_may | Rule::kw_talk | Rule::kw_to => {}
                Rule::endpoint_list => lists.push(self.endpoint_list(child)?),
                Rule::ports => ports = Some(self.ports(child)?),
                _ => return Err(self.internal(&child)),
            }
        }
        let mut lists = lists.into_iter();
        let (Some(from), Some(to), None) = (lists.next(), lists.next(), lists.next()) else {
            return Err(self.error(
                Code::Internal,
                whole,
                "internal error: `may talk to` without two sides",
            ));
        };
        Ok(StatementKind::Talk { from, to, ports })
    }

    /// `egress_only` and `ingress_only`: the subject comes before the direction keyword.
    fn only(&self, pair: Pair<'_, Rule>, direction: Direction) -> R<StatementKind> {
        let whole = span(&pair);
        let mut subject = None;
        let mut peers = None;
        let mut ports = None;
        let mut seen_keyword = false;
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::kw_egress | Rule::kw_ingress => seen_keyword = true,
                Rule::kw_only | Rule::kw_from => {}
                Rule::endpoint_list if seen_keyword => peers = Some(self.endpoint_list(child)?),
                Rule::endpoint_list => subject = Some(self.endpoint_list(child)?),
                Rule::ports => ports = Some(self.ports(child)?),
                _ => return Err(self.internal(&child)),
            }
        }
        let Some(peers) = peers else {
            return Err(self.error(
                Code::Internal,
                whole,
                "internal error: `only` without peers",
            ));
        };
        Ok(match direction {
            Direction::Egress => StatementKind::EgressOnly {
                subject,
                to: peers,
                ports,
            },
            Direction::Ingress => StatementKind::IngressOnly {
                subject,
                from: peers,
                ports,
            },
        })
    }

    fn define(&self, pair: Pair<'_, Rule>) -> R<StatementKind> {
        let whole = span(&pair);
        let mut name = None;
        let mut endpoints = None;
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::kw_define => {}
                Rule::name => name = Some(self.name(child)),
                Rule::endpoint_list => endpoints = Some(self.endpoint_list(child)?),
                _ => return Err(self.internal(&child)),
            }
        }
        let (Some(name), Some(endpoints)) = (name, endpoints) else {
            return Err(self.error(
                Code::Internal,
                whole,
                "internal error: an incomplete `define`",
            ));
        };
        Ok(StatementKind::Define { name, endpoints })
    }

    fn use_stmt(&self, pair: Pair<'_, Rule>) -> R<StatementKind> {
        let whole = span(&pair);
        let mut name = None;
        let mut args = None;
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::kw_use => {}
                Rule::name => name = Some(self.name(child)),
                Rule::use_args => args = Some(self.use_args(child)?),
                _ => return Err(self.internal(&child)),
            }
        }
        let Some(name) = name else {
            return Err(self.error(
                Code::Internal,
                whole,
                "internal error: `use` without a name",
            ));
        };
        Ok(StatementKind::Use { name, args })
    }

    fn use_args(&self, pair: Pair<'_, Rule>) -> R<Vec<Arg>> {
        pair.into_inner().map(|p| self.arg(p)).collect()
    }

    fn arg(&self, pair: Pair<'_, Rule>) -> R<Arg> {
        if pair.as_rule() != Rule::arg {
            return Err(self.internal(&pair));
        }
        let child = self.only_child(&pair)?;
        match child.as_rule() {
            Rule::port_arg => Ok(Arg::Port(self.port_item(child, &mut None)?)),
            Rule::endpoint => Ok(Arg::Endpoint(self.endpoint(child)?)),
            _ => Err(self.internal(&child)),
        }
    }

    // ------------------------------------------------------------------- endpoints

    fn endpoint_list(&self, pair: Pair<'_, Rule>) -> R<Vec<Endpoint>> {
        pair.into_inner().map(|p| self.endpoint(p)).collect()
    }

    fn endpoint(&self, pair: Pair<'_, Rule>) -> R<Endpoint> {
        if pair.as_rule() != Rule::endpoint {
            return Err(self.internal(&pair));
        }
        let whole = span(&pair);
        let child = self.only_child(&pair)?;
        let kind = match child.as_rule() {
            Rule::addresses => self.addresses(child)?,
            Rule::pods => self.pods(child)?,
            Rule::namespaces => EndpointKind::Namespaces(self.namespaces(child)?),
            Rule::namespace_ep => EndpointKind::Namespace(self.namespace_ep(child)?),
            Rule::kw_cluster => EndpointKind::Cluster,
            Rule::kw_anywhere => EndpointKind::Anywhere,
            Rule::qualified => self.qualified(child)?,
            Rule::param => EndpointKind::Param(self.param(child).text),
            Rule::all_pods => EndpointKind::AllPods,
            Rule::name => EndpointKind::Name(self.name(child).text),
            _ => return Err(self.internal(&child)),
        };
        Ok(Endpoint { kind, span: whole })
    }

    fn qualified(&self, pair: Pair<'_, Rule>) -> R<EndpointKind> {
        let mut inner = pair.clone().into_inner();
        let (Some(ns), Some(what), None) = (inner.next(), inner.next(), inner.next()) else {
            return Err(self.internal(&pair));
        };
        let namespace = match ns.as_rule() {
            Rule::param => NsRef::Param(self.param(ns).text),
            Rule::word => NsRef::Name(ns.as_str().to_owned()),
            _ => return Err(self.internal(&ns)),
        };
        match what.as_rule() {
            Rule::all_pods => Ok(EndpointKind::Namespace(namespace)),
            Rule::word => Ok(EndpointKind::Workload {
                namespace,
                workload: what.as_str().to_owned(),
            }),
            _ => Err(self.internal(&what)),
        }
    }

    fn namespace_ep(&self, pair: Pair<'_, Rule>) -> R<NsRef> {
        for child in pair.clone().into_inner() {
            match child.as_rule() {
                Rule::kw_namespace => {}
                Rule::ns_ref => return self.ns_ref(child),
                _ => return Err(self.internal(&child)),
            }
        }
        Err(self.internal(&pair))
    }

    fn ns_ref(&self, pair: Pair<'_, Rule>) -> R<NsRef> {
        let child = self.only_child(&pair)?;
        match child.as_rule() {
            Rule::param => Ok(NsRef::Param(self.param(child).text)),
            Rule::name => Ok(NsRef::Name(self.name(child).text)),
            _ => Err(self.internal(&child)),
        }
    }

    fn namespaces(&self, pair: Pair<'_, Rule>) -> R<Selector> {
        for child in pair.clone().into_inner() {
            match child.as_rule() {
                Rule::kw_namespaces => {}
                Rule::selector => return self.selector(child),
                _ => return Err(self.internal(&child)),
            }
        }
        Err(self.internal(&pair))
    }

    fn pods(&self, pair: Pair<'_, Rule>) -> R<EndpointKind> {
        let mut selector = None;
        let mut namespaces = PodNamespaces::Current;
        for child in pair.clone().into_inner() {
            match child.as_rule() {
                Rule::kw_pods | Rule::kw_in => {}
                Rule::selector => selector = Some(self.selector(child)?),
                Rule::namespace_ep => namespaces = PodNamespaces::Named(self.namespace_ep(child)?),
                Rule::namespaces => namespaces = PodNamespaces::Selected(self.namespaces(child)?),
                _ => return Err(self.internal(&child)),
            }
        }
        let Some(selector) = selector else {
            return Err(self.internal(&pair));
        };
        Ok(EndpointKind::Pods {
            selector,
            namespaces,
        })
    }

    fn addresses(&self, pair: Pair<'_, Rule>) -> R<EndpointKind> {
        let mut cidr = None;
        let mut except = Vec::new();
        for child in pair.clone().into_inner() {
            match child.as_rule() {
                Rule::kw_except => {}
                Rule::address if cidr.is_none() => cidr = Some(self.address(child)?),
                Rule::address => except.push(self.address(child)?),
                _ => return Err(self.internal(&child)),
            }
        }
        let Some(cidr) = cidr else {
            return Err(self.internal(&pair));
        };
        Ok(EndpointKind::Addresses { cidr, except })
    }

    /// The lexical check of an address or CIDR.
    fn address(&self, pair: Pair<'_, Rule>) -> R<Cidr> {
        let text = pair.as_str();
        let parsed = if text.contains('/') {
            text.parse::<Cidr>().map_err(|e| e.to_string())
        } else {
            text.parse::<IpAddr>()
                .map(Cidr::host)
                .map_err(|_| "it is not a valid IPv4 or IPv6 address".to_owned())
        };
        let cidr = parsed.map_err(|why| {
            self.error(
                Code::BadAddress,
                span(&pair),
                format!("`{text}` is not a valid address or CIDR"),
            )
            .with_help(why)
        })?;
        if cidr.is_v4_mapped() {
            // The API server refuses these in an ipBlock (strict CIDR validation), and network
            // plugins disagree on whether `::ffff:1.2.3.4` is IPv4 or IPv6: refuse the literal
            // here, at its place, rather than compile a set no policy can carry.
            let suggestion = match cidr.to_ipv4() {
                Some(v4) if text.contains('/') => format!("write the IPv4 form `{v4}`"),
                Some(v4) => format!("write the IPv4 form `{}`", v4.addr),
                None => "write the block without the `::ffff:` form".to_owned(),
            };
            return Err(self
                .error(
                    Code::BadAddress,
                    span(&pair),
                    format!("`{text}` is an IPv4-mapped IPv6 address"),
                )
                .with_help(format!(
                    "Kubernetes refuses IPv4-mapped addresses in an ipBlock, and network plugins \
                     disagree on whether they are IPv4 or IPv6; {suggestion}"
                )));
        }
        Ok(cidr)
    }

    // ------------------------------------------------------------------- selectors

    fn selector(&self, pair: Pair<'_, Rule>) -> R<Selector> {
        let requirements = pair
            .into_inner()
            .map(|p| self.requirement(p))
            .collect::<R<_>>()?;
        Ok(Selector { requirements })
    }

    /// One of the `req_*` rules.
    fn requirement(&self, pair: Pair<'_, Rule>) -> R<Requirement> {
        let whole = span(&pair);
        let rule = pair.as_rule();
        let mut key = None;
        let mut values = Vec::new();
        for child in pair.clone().into_inner() {
            match child.as_rule() {
                Rule::kw_in | Rule::kw_notin => {}
                Rule::label_key => key = Some(child.as_str().to_owned()),
                Rule::label_value => values.push(self.label_value(child)?),
                _ => return Err(self.internal(&child)),
            }
        }
        let Some(key) = key else {
            return Err(self.internal(&pair));
        };
        let single = |values: Vec<String>| -> R<String> {
            let mut values = values.into_iter();
            let (Some(v), None) = (values.next(), values.next()) else {
                return Err(self.internal(&pair));
            };
            Ok(v)
        };
        let op = match rule {
            Rule::req_eq => LabelOp::Eq(single(values)?),
            Rule::req_not_eq => LabelOp::NotEq(single(values)?),
            Rule::req_in => LabelOp::In(values),
            Rule::req_notin => LabelOp::NotIn(values),
            Rule::req_exists => LabelOp::Exists,
            Rule::req_not_exists => LabelOp::NotExists,
            _ => return Err(self.internal(&pair)),
        };
        Ok(Requirement {
            key,
            op,
            span: whole,
        })
    }

    fn label_value(&self, pair: Pair<'_, Rule>) -> R<String> {
        let child = self.only_child(&pair)?;
        match child.as_rule() {
            Rule::word => Ok(child.as_str().to_owned()),
            Rule::string => self.string(child),
            _ => Err(self.internal(&child)),
        }
    }

    fn string(&self, pair: Pair<'_, Rule>) -> R<String> {
        let child = self.only_child(&pair)?;
        match child.as_rule() {
            Rule::string_text => Ok(child.as_str().to_owned()),
            _ => Err(self.internal(&child)),
        }
    }

    // ------------------------------------------------------------------------ ports

    fn ports(&self, pair: Pair<'_, Rule>) -> R<Vec<PortSpec>> {
        let mut protocol = None;
        let mut out = Vec::new();
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::kw_on => {}
                Rule::port_item => out.push(self.port_item(child, &mut protocol)?),
                _ => return Err(self.internal(&child)),
            }
        }
        Ok(out)
    }

    /// `port_item` or `port_arg`. `protocol` is the word in force before the item, and
    /// after it when the item names one.
    fn port_item(&self, pair: Pair<'_, Rule>, protocol: &mut Option<Protocol>) -> R<PortSpec> {
        let whole = span(&pair);
        let mut port = None;
        for child in pair.clone().into_inner() {
            match child.as_rule() {
                Rule::protocol => *protocol = Some(self.protocol(child)?),
                Rule::port_number => port = Some(Port::Number(self.port_number(child)?)),
                Rule::port_range => port = Some(self.port_range(child)?),
                Rule::param => port = Some(Port::Param(self.param(child).text)),
                Rule::named_port => port = Some(Port::Named(self.named_port(child)?)),
                _ => return Err(self.internal(&child)),
            }
        }
        let Some(port) = port else {
            return Err(self.internal(&pair));
        };
        Ok(PortSpec {
            protocol: *protocol,
            port,
            span: whole,
        })
    }

    fn protocol(&self, pair: Pair<'_, Rule>) -> R<Protocol> {
        let child = self.only_child(&pair)?;
        match child.as_rule() {
            Rule::kw_tcp => Ok(Protocol::Tcp),
            Rule::kw_udp => Ok(Protocol::Udp),
            Rule::kw_sctp => Ok(Protocol::Sctp),
            _ => Err(self.internal(&child)),
        }
    }

    /// The lexical check of a port number: 1-65535.
    fn port_number(&self, pair: Pair<'_, Rule>) -> R<u16> {
        let text = pair.as_str();
        match text.parse::<u16>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(self
                .error(
                    Code::PortOutOfRange,
                    span(&pair),
                    format!("port `{text}` is out of range"),
                )
                .with_help("a port number is between 1 and 65535")),
        }
    }

    fn port_range(&self, pair: Pair<'_, Rule>) -> R<Port> {
        let mut inner = pair.clone().into_inner();
        let (Some(lo), Some(hi), None) = (inner.next(), inner.next(), inner.next()) else {
            return Err(self.internal(&pair));
        };
        let (lo_text, hi_text) = (lo.as_str(), hi.as_str());
        let (lo, hi) = (self.port_number(lo)?, self.port_number(hi)?);
        if lo > hi {
            return Err(self
                .error(
                    Code::PortOutOfRange,
                    span(&pair),
                    format!("the port range `{lo_text}-{hi_text}` is reversed"),
                )
                .with_help(format!("write the low end first: `{hi_text}-{lo_text}`")));
        }
        Ok(Port::Range(lo, hi))
    }

    fn named_port(&self, pair: Pair<'_, Rule>) -> R<String> {
        let child = self.only_child(&pair)?;
        match child.as_rule() {
            Rule::name => Ok(self.name(child).text),
            _ => Err(self.internal(&child)),
        }
    }

    // ------------------------------------------------------------------------ words

    fn param(&self, pair: Pair<'_, Rule>) -> Name {
        let text = pair.as_str();
        Name {
            text: text.strip_prefix('$').unwrap_or(text).to_owned(),
            span: span(&pair),
        }
    }

    fn name(&self, pair: Pair<'_, Rule>) -> Name {
        Name {
            text: pair.as_str().to_owned(),
            span: span(&pair),
        }
    }
}
