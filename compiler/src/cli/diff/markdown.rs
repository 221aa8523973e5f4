//! The markdown report: a pull request's description, rendered through a handlebars
//! template (the default one is `pr-body.hbs`, embedded; decision 0008), kept under
//! GitHub's limit on a body's length by cutting the YAML diff first, then the lists.
//! The context is documented in docs/diff.md.

use super::report::{longest_backtick_run, statements, Group, Report, INCOMPLETE};
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
    let mut hb = Handlebars::new();
    // A misspelt field is an error, not an empty string in someone's pull request.
    hb.set_strict_mode(true);
    // Markdown, not HTML: every value is already written for markdown.
    hb.register_escape_fn(handlebars::no_escape);
    hb.register_template_string("body", text)
        .map_err(|e| format!("template `{name}`: {e}"))?;
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
            "… {} lines omitted; run `netpolc diff` locally",
            all_lines - lines
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
            let _ = writeln!(
                out,
                "  {} {}  ",
                g.because,
                text(&statements(&g.statements))
            );
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

/// Text for markdown: characters that would start emphasis, links or HTML are escaped
/// outside inline code (`TCP *; UDP *` must not turn italic).
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_code = false;
    for c in s.chars() {
        if c == '`' {
            in_code = !in_code;
        } else if !in_code && matches!(c, '\\' | '*' | '_' | '<' | '>' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
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
            "  more[\"… {} more changes, not drawn\"]",
            edges.len() - MAX_EDGES
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

/// A node or edge label inside Mermaid's quotes: backticks (Mermaid's markdown strings)
/// dropped, quotes as entities.
fn label(s: &str) -> String {
    s.replace('`', "").replace('"', "#quot;")
}
