//! Syntax errors: what users read when a file does not parse, as [`Diagnostic`]s (NP0101
//! for the grammar; the parser gives NP0102 and NP0103 to lexical errors).
//!
//! Messages are lower case, quote user input in backticks and always carry a span
//! (cedar's style guide). Users never see the grammar's rule names: [`rule_name`] gives
//! every rule a human name in one exhaustive `match` (jj's parsers do the same), so a rule
//! added to the grammar does not compile until it has one.

use super::ast::Span;
use super::grammar::Rule;
use crate::diag::{Code, Diagnostic};
use pest::error::{ErrorVariant, InputLocation};

/// The human name of every grammar rule, as it reads after "expected".
pub(crate) fn rule_name(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of input",
        Rule::WHITESPACE => "a space",
        Rule::COMMENT => "a comment",
        Rule::file => "a statement, `namespace` block or `rule`",
        Rule::eol => "end of line",
        Rule::top_item => "a statement, `namespace` block or `rule`",
        Rule::namespace_block => "a `namespace` block",
        Rule::close_namespace => "`}` closing the namespace block",
        Rule::workload_label => "`with workload label` and a label key",
        Rule::rule_def => "a `rule` definition",
        Rule::rule_params => "the rule's parameters, as in `($a, $b)`",
        Rule::close_rule => "`}` closing the rule",
        Rule::statement => "a statement",
        Rule::isolate => "an `isolate` statement",
        Rule::this_namespace => "`namespace`",
        Rule::direction => "a direction (`ingress` or `egress`)",
        Rule::talk => "a `may talk to` statement",
        Rule::egress_only => "an `egress only` statement",
        Rule::ingress_only => "an `ingress only from` statement",
        Rule::define => "a `define` statement",
        Rule::use_stmt => "a `use` statement",
        Rule::use_args => "the rule's arguments",
        Rule::arg => "an argument",
        Rule::port_arg => "a port",
        Rule::endpoint_list => "an endpoint",
        Rule::endpoint => "an endpoint",
        Rule::all_pods => "`*`",
        Rule::qualified => "`namespace/name`",
        Rule::namespace_ep => "`namespace` and a name",
        Rule::namespaces => "`namespaces(...)`",
        Rule::pods => "`pods(...)`",
        Rule::ns_ref => "a namespace name",
        Rule::addresses => "an address or CIDR",
        Rule::address => "an address or CIDR",
        Rule::ipv4 => "an IPv4 address",
        Rule::ipv6 => "an IPv6 address",
        Rule::selector => "a label selector",
        Rule::requirement => "a label requirement",
        Rule::req_not_exists => "`!key`",
        Rule::req_in => "`key in (...)`",
        Rule::req_notin => "`key notin (...)`",
        Rule::req_not_eq => "`key != value`",
        Rule::req_eq => "`key = value`",
        Rule::req_exists => "a label key",
        Rule::label_values => "a label value",
        Rule::label_key => "a label key",
        Rule::label_value => "a label value",
        Rule::string => "a double-quoted string",
        Rule::string_text => "the text of a string",
        Rule::ports => "`on` and ports",
        Rule::port_item => "a port",
        Rule::port_value => "a port",
        Rule::protocol => "a protocol (`tcp`, `udp` or `sctp`)",
        Rule::port_range => "a port range",
        Rule::port_number => "a port number",
        Rule::named_port => "a port name",
        Rule::param => "a parameter such as `$a`",
        Rule::name => "a name",
        Rule::word => "a name",
        Rule::name_char => "a letter, digit, `-`, `_` or `.`",
        Rule::keyword => "a keyword",
        Rule::kw_namespace => "`namespace`",
        Rule::kw_namespaces => "`namespaces`",
        Rule::kw_isolate => "`isolate`",
        Rule::kw_ingress => "`ingress`",
        Rule::kw_egress => "`egress`",
        Rule::kw_may => "`may`",
        Rule::kw_talk => "`talk`",
        Rule::kw_to => "`to`",
        Rule::kw_only => "`only`",
        Rule::kw_from => "`from`",
        Rule::kw_on => "`on`",
        Rule::kw_tcp => "`tcp`",
        Rule::kw_udp => "`udp`",
        Rule::kw_sctp => "`sctp`",
        Rule::kw_except => "`except`",
        Rule::kw_use => "`use`",
        Rule::kw_rule => "`rule`",
        Rule::kw_define => "`define`",
        Rule::kw_pods => "`pods`",
        Rule::kw_in => "`in`",
        Rule::kw_notin => "`notin`",
        Rule::kw_cluster => "`cluster`",
        Rule::kw_anywhere => "`anywhere`",
        Rule::kw_with => "`with`",
        Rule::kw_workload => "`workload`",
        Rule::kw_label => "`label`",
    }
}

/// What the text at `pos` looks like, for "found ...".
fn found_at(text: &str, pos: usize) -> String {
    let rest = text.get(pos..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return "end of input".to_owned();
    };
    if first == '\n' || first == '\r' {
        return "end of line".to_owned();
    }
    let is_word = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/' | '$');
    let token: String = if is_word(first) {
        rest.chars().take_while(|&c| is_word(c)).take(40).collect()
    } else {
        first.to_string()
    };
    format!("`{token}`")
}

/// "a, b or c"
fn join_or(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Turns pest's error into ours, naming rules the human way.
pub(crate) fn from_pest(file: &str, text: &str, error: &pest::error::Error<Rule>) -> Diagnostic {
    let (start, end) = match error.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    let span = Span { start, end };
    let found = found_at(text, start);
    let (positives, negatives) = match &error.variant {
        ErrorVariant::ParsingError {
            positives,
            negatives,
        } => (positives.as_slice(), negatives.as_slice()),
        ErrorVariant::CustomError { .. } => (&[][..], &[][..]),
    };
    let mut expected: Vec<&str> = Vec::new();
    for rule in positives {
        // At the end of the input "end of line" is noise, elsewhere "end of input" is:
        // the file may end wherever a line may.
        if (*rule == Rule::eol && start >= text.len())
            || (*rule == Rule::EOI && positives.contains(&Rule::eol))
        {
            continue;
        }
        let name = rule_name(*rule);
        if !expected.contains(&name) {
            expected.push(name);
        }
    }
    let error = if !expected.is_empty() {
        Diagnostic::new(
            Code::Syntax,
            format!("expected {}, found {found}", join_or(&expected)),
        )
        .at(file, span)
    } else if negatives.contains(&Rule::keyword) {
        Diagnostic::new(Code::Syntax, format!("{found} is a keyword, not a name"))
            .at(file, span)
            .with_help("a name that is a keyword cannot be written in this place")
    } else {
        Diagnostic::new(Code::Syntax, format!("unexpected {found}")).at(file, span)
    };
    let statement_expected = positives
        .iter()
        .any(|r| matches!(r, Rule::statement | Rule::kw_may));
    if statement_expected {
        error.with_help(
            "a statement is `isolate ...`, `A may talk to B`, `[A] egress only B`, \
             `[A] ingress only from B`, `define NAME = ...` or `use NAME`",
        )
    } else {
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The grammar's identifiers that could leak: every rule name with an underscore or a
    /// capital (plain English words such as `endpoint` may appear in messages on purpose).
    fn leaky_identifiers() -> Vec<String> {
        Rule::all_rules()
            .iter()
            .map(|r| format!("{r:?}"))
            .filter(|n| n.contains('_') || n.chars().any(|c| c.is_ascii_uppercase()))
            .collect()
    }

    #[test]
    fn human_names_never_show_rule_identifiers() {
        let leaky = leaky_identifiers();
        for rule in Rule::all_rules() {
            let name = rule_name(*rule);
            assert!(!name.is_empty());
            for id in &leaky {
                assert!(!name.contains(id.as_str()), "{rule:?} is named {name:?}");
            }
        }
    }

    #[test]
    fn messages_never_show_rule_identifiers() {
        let bad = [
            "}",
            "namespace shop {\n  isolate namespace\n",
            "a may talk to",
            "a may talk to b on",
            "a may talk to b on tcp",
            "a may talk to pods(",
            "a may talk to pods(k in ())",
            "a may talk to pods(k=) in",
            "isolate",
            "isolate namespace isolate",
            "namespace shop with {\n}",
            "namespace shop with workload label {\n}",
            "namespace shop workload label app {\n}",
            "define = a",
            "use",
            "use r(",
            "rule r($a {\n}",
            "rule r($a) {\n  isolate egress\n",
            "a may talk to 10.0.0.0/8 except",
            "a may talk to b on 1-",
            "frobnicate",
            "a may talk to b c",
            "a ingress only b",
            "pods(a=\"b) may talk to c",
        ];
        let leaky = leaky_identifiers();
        for text in bad {
            let Err(errors) = crate::syntax::parse("t.npl", text) else {
                panic!("{text:?} parsed");
            };
            for e in errors {
                let shown = format!("{} {:?}", e.message, e.help);
                assert!(!shown.contains("Rule::"), "{shown}");
                for id in &leaky {
                    assert!(!shown.contains(id.as_str()), "{text:?}: {shown}");
                }
                let first = e.message.chars().next();
                assert!(
                    first.is_some_and(|c| c.is_lowercase() || c == '`'),
                    "lower case: {shown}"
                );
            }
        }
    }
}
