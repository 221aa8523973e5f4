//! The markdown report: a pull request's description, rendered through a handlebars
//! template (the default one is `pr-body.hbs`, embedded; decision 0008), kept under
//! GitHub's limit on a body's length by cutting the YAML diff first, then the lists.
//! The context is documented in docs/diff.md.
//!
//! The body is read on GitHub, where a pull request's author chooses file names, statement
//! text and namespaces: every such string is put in a code span that nothing inside it can
//! close (`code_span`), on one line, so none can forge a heading, a link or an "approved".

use super::report::{
    longest_backtick_run, statements_quoted, Group, Report, Statement, INCOMPLETE,
};
use handlebars::Handlebars;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// GitHub's limit on the body of a pull request or an issue, in characters.
pub const LIMIT: usize = 65_536;

/// The template `-o markdown` uses unless `--template` names another.
pub const DEFAULT_TEMPLATE: &str = include_str!("pr-body.hbs");

/// At most this many edges in the picture: Mermaid refuses large graphs (500 edges by
/// default), and long before that a picture stops being read.
const MAX_EDGES: usize = 100;

/// What a template sees.
#[derive(Serialize)]
struct Context<'a> {
    base: &'a str,
    head: &'a str,
    base_commit: Option<&'a str>,
    head_commit: Option<&'a str>,
    output_dir: Option<&'a str>,
    changed: bool,
    complete: bool,
    allowed: &'a [Group],
    denied: &'a [Group],
    omitted: usize,
    meaning: String,
    mermaid: String,
    manifests_changed: bool,
    yaml_diff: String,
    fence: String,
    truncated: bool,
}

/// The report through `template` (name, text), or the default one; an error names the
/// template and what is wrong with it.
pub(super) fn render(report: &Report, template: Option<(&str, &str)>) -> Result<String, String> {
    let (name, text) = template.unwrap_or(("the default template", DEFAULT_TEMPLATE));
    let hb = registry(name, text)?;
    let attempt = |lines: usize, groups: usize| -> Result<String, String> {
        let context = context(report, lines, groups);
        hb.render("body", &context)
            .map_err(|e| format!("template `{name}`: {e}"))
    };
    let fits = |s: &String| s.chars().count() <= LIMIT;
    let lines = report.manifests.diff.lines().count();
    let groups = report.allowed.len().max(report.denied.len());
    let whole = attempt(lines, groups)?;
    if fits(&whole) {
        return Ok(whole);
    }
    // The YAML diff goes first: the change in meaning is what a reviewer needs.
    if let Some(s) = largest(lines, |k| attempt(k, groups), fits)? {
        return Ok(s);
    }
    if let Some(s) = largest(groups, |g| attempt(0, g), fits)? {
        return Ok(s);
    }
    // A template that is too long by itself: cut its output.
    let mut s: String = attempt(0, 0)?
        .chars()
        .take(LIMIT - CUT_NOTE.len())
        .collect();
    s.push_str(CUT_NOTE);
    Ok(s)
}

/// Refuses a template that does not parse, or whose rendering would not be bounded
/// (`partials`), before anything is compiled.
pub(super) fn check(name: &str, text: &str) -> Result<(), String> {
    registry(name, text).map(drop)
}

/// A registry holding the template as `body`, checked by `partials`.
fn registry(name: &str, text: &str) -> Result<Handlebars<'static>, String> {
    let mut hb = Handlebars::new();
    // A misspelt field is an error, not an empty string in someone's pull request.
    hb.set_strict_mode(true);
    // Markdown, not HTML: every value is already written for markdown.
    hb.register_escape_fn(handlebars::no_escape);
    // `{{code base}}`: a string as a code span that cannot be closed (the default template
    // quotes the revisions and the output directory with it).
    hb.register_helper("code", Box::new(code_helper));
    hb.register_template_string("body", text)
        .map_err(|e| format!("template `{name}`: {e}"))?;
    // Handlebars renders partials by recursion, without a limit: a template including
    // itself overflowed the stack (an abort, not an error).
    if let Some(template) = hb.get_template("body") {
        super::partials::check(template, "body").map_err(|e| format!("template `{name}`: {e}"))?;
    }
    Ok(hb)
}

/// Ends an output cut in the middle.
const CUT_NOTE: &str = "\n\n… cut to fit; run `netpolc diff` locally\n";

/// The attempt with the largest `k` in `0..=max` whose output fits (outputs grow with
/// `k`), or `None` when even `k = 0` does not; `max` itself is known not to fit.
fn largest(
    max: usize,
    attempt: impl Fn(usize) -> Result<String, String>,
    fits: impl Fn(&String) -> bool,
) -> Result<Option<String>, String> {
    let first = attempt(0)?;
    if !fits(&first) {
        return Ok(None);
    }
    let (mut lo, mut hi, mut best) = (0, max, first);
    // Invariant: `lo` fits (its output is `best`), `hi` does not.
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        let s = attempt(mid)?;
        if fits(&s) {
            (lo, best) = (mid, s);
        } else {
            hi = mid;
        }
    }
    Ok(Some(best))
}

/// The context with the first `lines` lines of the YAML diff and at most `groups` of
/// each list.
fn context(report: &Report, lines: usize, groups: usize) -> Context<'_> {
    let all_lines = report.manifests.diff.lines().count();
    let mut yaml_diff: String = report
        .manifests
        .diff
        .lines()
        .take(lines)
        .flat_map(|l| [l, "\n"])
        .collect();
    if lines < all_lines {
        let _ = writeln!(
            yaml_diff,
            "… {} omitted; run `netpolc diff` locally",
            crate::diag::count(all_lines - lines, "line", "lines")
        );
    }
    let allowed = &report.allowed[..groups.min(report.allowed.len())];
    let denied = &report.denied[..groups.min(report.denied.len())];
    let omitted = report.allowed.len() + report.denied.len() - allowed.len() - denied.len();
    Context {
        base: &report.base,
        head: &report.head,
        base_commit: report.base_commit.as_deref(),
        head_commit: report.head_commit.as_deref(),
        output_dir: report.output_dir.as_deref(),
        changed: report.changed,
        complete: report.complete,
        allowed,
        denied,
        omitted,
        meaning: meaning(report, allowed, denied),
        mermaid: mermaid(allowed, denied),
        manifests_changed: report.manifests.changed,
        fence: "`".repeat(longest_backtick_run(&yaml_diff).max(2) + 1),
        yaml_diff,
        truncated: lines < all_lines || omitted > 0,
    }
}

/// Both lists as markdown, each group with its statements and example.
fn meaning(report: &Report, allowed: &[Group], denied: &[Group]) -> String {
    if !report.changed {
        return "The meaning is unchanged: on every cluster, head allows exactly the connections \
                base allows."
            .to_owned();
    }
    let mut out = String::new();
    for (title, shown, all) in [
        ("Newly allowed", allowed, &report.allowed),
        ("Newly denied", denied, &report.denied),
    ] {
        if all.is_empty() {
            continue;
        }
        let _ = writeln!(out, "**{title}** ({})\n", all.len());
        for g in shown {
            let _ = writeln!(out, "- {}  ", text(&g.summary));
            let _ = writeln!(out, "  {} {}  ", g.because, statements(&g.statements));
            let _ = writeln!(out, "  <sub>e.g. {}</sub>", text(&g.example.text));
        }
        if shown.len() < all.len() {
            let _ = writeln!(
                out,
                "- … and {} more; run `netpolc diff` locally",
                all.len() - shown.len()
            );
        }
        out.push('\n');
    }
    if !report.complete {
        let _ = writeln!(out, "{INCOMPLETE}\n");
    }
    out.trim_end().to_owned()
}

/// `policies/shop.npl:4` ``web may talk to db on 5432`` (head), joined by `; `: the
/// location and the statement each a code span, since the pull request's author wrote both.
fn statements(list: &[Statement]) -> String {
    statements_quoted(list, code_span, code_span)
}

/// `s` on one line: control characters (a line break would end the paragraph, and a code
/// span with it) and Unicode's line and paragraph separators shown as `\n`, `\r`, `\t` or
/// `\u{..}`.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// `s` as inline code that nothing in it can close (CommonMark: a fence longer than any
/// run of backticks inside, and a space where the text touches the fence), on one line.
fn code_span(s: &str) -> String {
    let s = one_line(s);
    let fence = "`".repeat(longest_backtick_run(&s) + 1);
    // CommonMark strips one space at each end when both have one: keep those that are text.
    let pad = if s.is_empty()
        || s.starts_with('`')
        || s.ends_with('`')
        || (s.starts_with(' ') && s.ends_with(' '))
    {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// The `code` helper of templates: its one parameter through `code_span`.
fn code_helper(
    h: &handlebars::Helper,
    _: &Handlebars,
    _: &handlebars::Context,
    _: &mut handlebars::RenderContext,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    let value = h
        .param(0)
        .ok_or_else(|| handlebars::RenderErrorReason::ParamNotFoundForIndex("code", 0))?
        .value();
    let s = match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    out.write(&code_span(&s))?;
    Ok(())
}

/// Text that netpolc composed, with code spans around what came from the program (a
/// summary, an example): on one line; outside the code spans, every character that could
/// start emphasis, a link, HTML, a heading, a table, strikethrough, math or an entity is
/// escaped (`TCP *; UDP *` must not turn italic), and a backtick that opens no code span
/// (CommonMark: no later run of the same length closes it) is escaped too.
fn text(s: &str) -> String {
    let chars: Vec<char> = one_line(s).chars().collect();
    let run_at = |i: usize| chars[i..].iter().take_while(|c| **c == '`').count();
    let mut out = String::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '`' {
            if matches!(
                c,
                '\\' | '*' | '_' | '<' | '>' | '[' | ']' | '!' | '#' | '|' | '~' | '&' | '$'
            ) {
                out.push('\\');
            }
            out.push(c);
            i += 1;
            continue;
        }
        let n = run_at(i);
        // The closing run: the next run of exactly n backticks.
        let mut j = i + n;
        let mut close = None;
        while j < chars.len() {
            if chars[j] == '`' {
                let m = run_at(j);
                if m == n {
                    close = Some(j);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match close {
            Some(j) => {
                out.extend(&chars[i..j + n]);
                i = j + n;
            }
            None => {
                for _ in 0..n {
                    out.push_str("\\`");
                }
                i += n;
            }
        }
    }
    out
}

/// A Mermaid `flowchart LR` of the changed connections: newly allowed solid and green,
/// newly denied dashed and red. A connection whose two sides both changed is one edge;
/// one whose single side changed says which. Node ids are `n0`, `n1`, ... in the order
/// of their labels, so no label can break the syntax.
fn mermaid(allowed: &[Group], denied: &[Group]) -> String {
    // (allowed?, source, destination, ports) -> the sides that changed.
    let mut edges: BTreeMap<(bool, &str, &str, &str), BTreeSet<&str>> = BTreeMap::new();
    for (newly_allowed, groups) in [(true, allowed), (false, denied)] {
        for g in groups {
            edges
                .entry((!newly_allowed, &g.source, &g.destination, &g.ports))
                .or_default()
                .insert(g.side);
        }
    }
    if edges.is_empty() {
        return String::new();
    }
    let drawn: Vec<_> = edges.iter().take(MAX_EDGES).collect();
    let nodes: BTreeSet<&str> = drawn.iter().flat_map(|(k, _)| [k.1, k.2]).collect();
    let id: BTreeMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut out = "flowchart LR\n".to_owned();
    for (n, i) in &id {
        let _ = writeln!(out, "  n{i}[\"{}\"]", label(n));
    }
    let (mut green, mut red) = (Vec::new(), Vec::new());
    for (index, ((denied, source, destination, ports), sides)) in drawn.into_iter().enumerate() {
        let side = match sides.iter().collect::<Vec<_>>().as_slice() {
            [one] => format!(", {one} side only"),
            _ => String::new(),
        };
        let arrow = if *denied { "-.->" } else { "-->" };
        let _ = writeln!(
            out,
            "  n{} {arrow}|\"{}{side}\"| n{}",
            id[source],
            label(ports),
            id[destination]
        );
        if *denied { &mut red } else { &mut green }.push(index.to_string());
    }
    if edges.len() > MAX_EDGES {
        let _ = writeln!(
            out,
            "  more[\"… {}, not drawn\"]",
            crate::diag::count(edges.len() - MAX_EDGES, "more change", "more changes")
        );
    }
    if !green.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:#1a7f37,stroke-width:2px",
            green.join(",")
        );
    }
    if !red.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:#cf222e,stroke-width:2px,stroke-dasharray:4",
            red.join(",")
        );
    }
    out.trim_end().to_owned()
}

/// A node or edge label inside Mermaid's quotes: on one line (a line of backticks would
/// close the block), backticks (Mermaid's markdown strings) dropped, quotes as entities.
fn label(s: &str) -> String {
    one_line(s).replace('`', "").replace('"', "#quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file name a pull request's author could commit: it closes a one-backtick code span,
    /// ends the paragraph and writes a heading and a link.
    const HOSTILE: &str = "x`\n\n### Approved by security [click](https:evil)\n\n`.npl:2";

    #[test]
    fn a_code_span_cannot_be_closed_or_broken() {
        assert_eq!(code_span("policies/shop.npl:4"), "`policies/shop.npl:4`");
        assert_eq!(
            code_span(HOSTILE),
            "``x`\\n\\n### Approved by security [click](https:evil)\\n\\n`.npl:2``"
        );
        assert_eq!(code_span("`a"), "`` `a ``");
        assert_eq!(code_span("a ``` b"), "````a ``` b````");
        assert_eq!(code_span(" a "), "`  a  `");
        assert_eq!(
            code_span("a\u{2028}b\u{1b}]0;t\u{7}"),
            "`a\\u{2028}b\\u{1b}]0;t\\u{7}`"
        );
        assert!(!code_span("a\r\nb").contains(['\r', '\n']));
    }

    #[test]
    fn text_keeps_netpolcs_code_spans_and_escapes_the_rest() {
        assert_eq!(
            text("pods `app=web` in `shop` on TCP *"),
            "pods `app=web` in `shop` on TCP \\*"
        );
        // A run of two backticks is one fence: its content is code, not escaped.
        assert_eq!(text("a ``b ` *c`` *"), "a ``b ` *c`` \\*");
        // A backtick that nothing closes would open a span with the next one: escaped.
        assert_eq!(
            text("a ` [l](u) # ~x~ $m$"),
            "a \\` \\[l\\](u) \\# \\~x\\~ \\$m\\$"
        );
        assert_eq!(text("a\n\n# b"), "a\\\\n\\\\n\\# b");
    }

    #[test]
    fn statements_quote_the_location_and_the_text() {
        let s = Statement {
            side: "head",
            revision: "HEAD".to_owned(),
            location: HOSTILE.to_owned(),
            text: "web may talk to `db` on 5432".to_owned(),
        };
        let out = statements(&[s]);
        assert!(!out.contains('\n'), "{out}");
        assert_eq!(
            out,
            "``x`\\n\\n### Approved by security [click](https:evil)\\n\\n`.npl:2`` \
             ``web may talk to `db` on 5432`` (head)"
        );
    }

    #[test]
    fn mermaid_labels_stay_on_their_line() {
        assert_eq!(label("a\n```\n\"b\""), "a\\n\\n#quot;b#quot;");
    }

    #[test]
    fn the_code_helper_quotes_template_values() {
        let mut hb = Handlebars::new();
        hb.register_escape_fn(handlebars::no_escape);
        hb.register_helper("code", Box::new(code_helper));
        hb.register_template_string("t", "Base {{code base}}.")
            .unwrap();
        let out = hb
            .render("t", &serde_json::json!({ "base": "we`ird\n# x" }))
            .unwrap();
        assert_eq!(out, "Base ``we`ird\\n# x``.");
    }
}
