//! Renderers: one list of [`Diagnostic`]s printed four ways.
//!
//! - [`Format::Human`]: rustc-like, with source snippets and optional colour, for terminals.
//! - [`Format::Short`]: one line per diagnostic, for golden files. **Stable:** the shape
//!   `file:line:col: severity[CODE]: message`, followed by lines indented by two spaces
//!   (`see file:line:col: message` for each secondary place, then `note: ...`, then
//!   `help: ...`) is a contract; golden files and scripts may depend on it, and changing
//!   it is a breaking change to be written in the changelog. In a manifest, the message
//!   starts with its place (`document 2, spec.ingress[0]: `) and a `see` place is
//!   `file:line:col (document 1): metadata.name`.
//! - [`Format::Json`]: JSON Lines, as cargo prints them: one object per diagnostic on one
//!   line, fields in a fixed order, for tools.
//! - [`Format::Github`]: GitHub Actions workflow commands (`::error`, `::warning`,
//!   `::notice`), which the runner turns into annotations on the pull request.
//!
//! Every renderer is total: spans past the end of a text, reversed spans, spans inside a
//! multi-byte character and files that [`Sources`] does not know are all printed as well
//! as they can be, never a panic.

mod human;

use super::{Diagnostic, Label, LineIndex, ManifestPlace, Severity, Sources};
use serde_json::{json, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// How to print diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// For people at a terminal: snippets of source with the span underlined.
    Human,
    /// One stable line per diagnostic (plus indented notes), for golden files.
    Short,
    /// JSON Lines (one object per diagnostic), for tools.
    Json,
    /// GitHub Actions workflow commands (`::error file=...::message`).
    Github,
}

impl Format {
    /// Every format, in the order help texts list them.
    pub const ALL: &'static [Format] =
        &[Format::Human, Format::Short, Format::Json, Format::Github];

    /// The name on the command line: `human`, `short`, `json`, `github`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Short => "short",
            Format::Json => "json",
            Format::Github => "github",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    /// Parses a format's name, as `--format` takes it (clap's `value_parser` can use this).
    fn from_str(text: &str) -> Result<Format, String> {
        Format::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
                format!(
                    "unknown diagnostic format `{text}`: expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// Prints `diags` in `format`, in the order given. `color` adds ANSI colours to the human
/// format (the others never have colour: they are read by programs).
pub fn render(diags: &[Diagnostic], sources: &Sources, format: Format, color: bool) -> String {
    let texts = Texts::new(diags, sources);
    let sources = &texts;
    // The one place user text is made safe to print, for every format and message.
    let escaped: Vec<Diagnostic> = diags.iter().map(escape_diagnostic).collect();
    let diags = &escaped;
    match format {
        Format::Human => diags
            .iter()
            .map(|d| human::render(d, sources, color))
            .collect(),
        Format::Short => diags.iter().map(|d| short(d, sources)).collect(),
        Format::Json => diags.iter().map(|d| json_line(d, sources)).collect(),
        Format::Github => diags.iter().map(|d| github(d, sources)).collect(),
    }
}

/// The closing line of human output: `error: could not compile: 2 errors, 1 warning`, or
/// `warning: 1 warning emitted` when there are only warnings; `None` when there is
/// nothing to sum up (notes are not counted). Ends with a newline.
pub fn summary(diags: &[Diagnostic], color: bool) -> Option<String> {
    let count_of = |s: Severity| diags.iter().filter(|d| d.severity() == s).count();
    let (errors, warnings) = (count_of(Severity::Error), count_of(Severity::Warning));
    let count = |n: usize, what: &str| super::count(n, what, &format!("{what}s"));
    let (severity, text) = match (errors, warnings) {
        (0, 0) => return None,
        (0, w) => (
            Severity::Warning,
            format!("{} emitted", count(w, "warning")),
        ),
        (e, 0) => (
            Severity::Error,
            format!("could not compile: {}", count(e, "error")),
        ),
        (e, w) => (
            Severity::Error,
            format!(
                "could not compile: {}, {}",
                count(e, "error"),
                count(w, "warning")
            ),
        ),
    };
    let style = human::Style::new(color);
    Some(format!(
        "{}{}",
        style.paint(human::severity_style(severity), severity.as_str()),
        style.paint(human::BOLD, &format!(": {text}\n"))
    ))
}

/// Text from the input as it may be printed to a terminal: control characters (ESC starts
/// the sequences that set a terminal's title or colours, CR overwrites the line) and the
/// Unicode controls that reorder what is shown are written as escapes (`\u{1b}`), so that a
/// policy name, label or file name quoted in a message shows what it is and does nothing.
/// Line breaks and tabs stay: the formats indent continuation lines themselves.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A character that must not reach a terminal as it is.
pub(crate) fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c)
}

/// The bidirectional formatting characters ("Trojan Source", CVE-2021-42574).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The longest text quoted in backticks that a message prints whole, in characters.
const MAX_QUOTE_CHARS: usize = 160;

/// `text` with each backticked quote longer than [`MAX_QUOTE_CHARS`] cut in its middle: a
/// label value of 5 MB is named by its start and end, not printed whole.
fn shorten_quotes(text: &str) -> Cow<'_, str> {
    let long = |q: &str| q.chars().count() > MAX_QUOTE_CHARS;
    if !text.split('`').skip(1).step_by(2).any(long) {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 && long(part) {
            let n = part.chars().count();
            out.extend(part.chars().take(MAX_QUOTE_CHARS - 40));
            out.push_str("...");
            out.extend(part.chars().skip(n - 20));
        } else {
            out.push_str(part);
        }
    }
    Cow::Owned(out)
}

/// A message as printed: long quotes cut, then controls escaped.
fn printable(text: &str) -> String {
    escape_controls(&shorten_quotes(text)).into_owned()
}

fn escape_label(label: &Label) -> Label {
    Label {
        file: escape_controls(&label.file).into_owned(),
        span: label.span,
        message: label.message.as_deref().map(printable),
        manifest: label.manifest.as_ref().map(|m| ManifestPlace {
            document: m.document,
            path: escape_controls(&m.path).into_owned(),
        }),
    }
}

fn escape_diagnostic(d: &Diagnostic) -> Diagnostic {
    Diagnostic {
        code: d.code,
        message: printable(&d.message),
        primary: d.primary.as_ref().map(escape_label),
        secondary: d.secondary.iter().map(escape_label).collect(),
        notes: d.notes.iter().map(|n| printable(n)).collect(),
        help: d.help.as_deref().map(printable),
    }
}

/// The texts the diagnostics point into, each with the starts of its lines, indexed once
/// per [`render`]: many diagnostics on a large file then cost one scan of it, not one each.
/// Files are keyed by their names as printed (escaped), which is how renderers ask.
pub(crate) struct Texts<'a> {
    files: BTreeMap<String, Indexed<'a>>,
}

impl<'a> Texts<'a> {
    fn new(diags: &'a [Diagnostic], sources: &'a Sources) -> Texts<'a> {
        let mut files = BTreeMap::new();
        let labels = diags
            .iter()
            .flat_map(|d| d.primary.iter().chain(&d.secondary));
        for label in labels {
            if let Some(text) = sources.text(&label.file) {
                files
                    .entry(escape_controls(&label.file).into_owned())
                    .or_insert_with(|| Indexed::new(text));
            }
        }
        Texts { files }
    }

    /// A file's indexed text, if [`Sources`] knows it.
    pub(crate) fn get(&self, file: &str) -> Option<&Indexed<'a>> {
        self.files.get(file)
    }
}

/// One text and where its lines start.
pub(crate) struct Indexed<'a> {
    pub(crate) text: &'a str,
    lines: LineIndex,
}

impl<'a> Indexed<'a> {
    fn new(text: &'a str) -> Indexed<'a> {
        Indexed {
            text,
            lines: LineIndex::new(text),
        }
    }

    /// The same as [`super::line_column`], without scanning the text before `offset`.
    pub(crate) fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = floor_boundary(self.text, offset);
        let line = self.lines.line(offset);
        let start = self.lines.start(line).unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |t| t.chars().count())
            + 1;
        (line, column)
    }

    /// Line `number` (1-based) without its line break (`\n` or `\r\n`); empty past the end.
    pub(crate) fn line(&self, number: usize) -> &'a str {
        let Some(start) = self.lines.start(number) else {
            return "";
        };
        let end = self
            .lines
            .start(number + 1)
            .map_or(self.text.len(), |next| next - 1);
        let line = self.text.get(start..end).unwrap_or("");
        line.strip_suffix('\r').unwrap_or(line)
    }
}

/// Where a label points, in 1-based lines and character columns. `end_*` is the position
/// just after the last character (equal to the start for an empty span); `last_*` is the
/// position of the last character itself (the start, for an empty span).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Position {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) end_line: usize,
    pub(crate) end_column: usize,
    pub(crate) last_line: usize,
    pub(crate) last_column: usize,
}

/// The position of a label, or `None` when its file's text is unknown (so that no
/// renderer invents a line number).
pub(crate) fn position(sources: &Texts<'_>, label: &Label) -> Option<Position> {
    let file = sources.get(&label.file)?;
    let text = file.text;
    let start = floor_boundary(text, label.span.start);
    // A reversed span is treated as empty at its start rather than rejected.
    let end = floor_boundary(text, label.span.end).max(start);
    let last = if end > start {
        floor_boundary(text, end - 1)
    } else {
        start
    };
    let (line, column) = file.line_column(start);
    let (end_line, end_column) = file.line_column(end);
    let (last_line, last_column) = file.line_column(last);
    Some(Position {
        line,
        column,
        end_line,
        end_column,
        last_line,
        last_column,
    })
}

/// The largest character boundary of `text` at or before `offset`.
pub(crate) fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut at = offset.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `file:line:col`, or just `file` when its text is unknown; in a manifest followed by
/// ` (document N): field.path`.
pub(crate) fn location(sources: &Texts<'_>, label: &Label) -> String {
    let mut out = file_line_column(sources, label);
    if let Some(m) = &label.manifest {
        out.push_str(&format!(" (document {})", m.document));
        if !m.path.is_empty() {
            out.push_str(&format!(": {}", m.path));
        }
    }
    out
}

/// `file:line:col`, or just `file` when its text is unknown.
fn file_line_column(sources: &Texts<'_>, label: &Label) -> String {
    match position(sources, label) {
        Some(p) => format!("{}:{}:{}", label.file, p.line, p.column),
        None => label.file.clone(),
    }
}

/// The message, after the primary place in a manifest (`document 2, spec.ingress[0]: `)
/// for the one-line formats, whose location is only `file:line:col`.
fn placed_message(d: &Diagnostic) -> String {
    match d.primary.as_ref().and_then(|l| l.manifest.as_ref()) {
        Some(m) => format!("{m}: {}", d.message),
        None => d.message.clone(),
    }
}

/// Lines after the first indented, so that a multi-line text cannot pass for a new
/// diagnostic in the line-oriented formats.
fn indent_continuation(text: &str, indent: &str) -> String {
    text.replace('\n', &format!("\n{indent}"))
}

fn short(d: &Diagnostic, sources: &Texts<'_>) -> String {
    let mut out = String::new();
    if let Some(primary) = &d.primary {
        out.push_str(&file_line_column(sources, primary));
        out.push_str(": ");
    }
    out.push_str(&format!(
        "{}[{}]: {}\n",
        d.severity().as_str(),
        d.code,
        indent_continuation(&placed_message(d), "    ")
    ));
    for label in &d.secondary {
        out.push_str(&format!("  see {}", location(sources, label)));
        if let Some(message) = &label.message {
            out.push_str(&format!(": {}", indent_continuation(message, "    ")));
        }
        out.push('\n');
    }
    for note in &d.notes {
        out.push_str(&format!("  note: {}\n", indent_continuation(note, "    ")));
    }
    if let Some(help) = &d.help {
        out.push_str(&format!("  help: {}\n", indent_continuation(help, "    ")));
    }
    out
}

/// One JSON Lines record: the object on one line, then a line break.
fn json_line(d: &Diagnostic, sources: &Texts<'_>) -> String {
    // Serialising a `Value` cannot fail: every key is a string.
    let mut text = serde_json::to_string(&json_object(d, sources)).unwrap_or_default();
    text.push('\n');
    text
}

fn json_object(d: &Diagnostic, sources: &Texts<'_>) -> Value {
    let at = d.primary.as_ref().and_then(|l| position(sources, l));
    let manifest = d.primary.as_ref().and_then(|l| l.manifest.as_ref());
    let secondary: Vec<Value> = d
        .secondary
        .iter()
        .map(|label| {
            let p = position(sources, label);
            json!({
                "file": label.file,
                "line": p.map(|p| p.line),
                "column": p.map(|p| p.column),
                "document": label.manifest.as_ref().map(|m| m.document),
                "path": label.manifest.as_ref().map(|m| m.path.as_str()),
                "message": label.message,
            })
        })
        .collect();
    // Field order is part of the format (serde_json's `preserve_order` keeps it).
    json!({
        "code": d.code.as_str(),
        "severity": d.severity().as_str(),
        "message": d.message,
        "file": d.primary.as_ref().map(|l| l.file.as_str()),
        "line": at.map(|p| p.line),
        "column": at.map(|p| p.column),
        "end_line": at.map(|p| p.end_line),
        "end_column": at.map(|p| p.end_column),
        "document": manifest.map(|m| m.document),
        "path": manifest.map(|m| m.path.as_str()),
        "notes": d.notes,
        "help": d.help,
        "secondary": secondary,
    })
}

/// Escapes the message of a workflow command, as the Actions toolkit's `escapeData` does.
pub(crate) fn github_escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command (`escapeProperty`): also `:` and `,`,
/// which would otherwise end the value.
pub(crate) fn github_escape_property(text: &str) -> String {
    github_escape_data(text)
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// One `::error`, `::warning` or `::notice` command. GitHub's `endColumn` is taken as
/// inclusive (the last character's column), matching the `^^^` of the human format; an
/// empty span points at one column.
fn github(d: &Diagnostic, sources: &Texts<'_>) -> String {
    let mut properties = Vec::new();
    if let Some(primary) = &d.primary {
        properties.push(format!("file={}", github_escape_property(&primary.file)));
        if let Some(p) = position(sources, primary) {
            properties.push(format!("line={}", p.line));
            properties.push(format!("col={}", p.column));
            properties.push(format!("endLine={}", p.last_line));
            properties.push(format!("endColumn={}", p.last_column));
        }
    }
    properties.push(format!("title={}", github_escape_property(d.code.as_str())));
    let mut message = placed_message(d);
    for label in &d.secondary {
        message.push_str(&format!("\nsee {}", location(sources, label)));
        if let Some(text) = &label.message {
            message.push_str(&format!(": {text}"));
        }
    }
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let command = match d.severity() {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    format!(
        "::{command} {}::{}\n",
        properties.join(","),
        github_escape_data(&message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{line_column, Code};
    use crate::source::Span;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_index_agrees_with_line_column(text in "(\\PC|\r|\n){0,40}", offset in 0usize..60) {
            let indexed = Indexed::new(&text);
            prop_assert_eq!(indexed.line_column(offset), line_column(&text, offset));
            let (line, _) = line_column(&text, offset);
            // Lines end at `\r\n`, `\n` or a lone `\r`, as the grammar's NEWLINE.
            let lines: Vec<&str> = text.split("\r\n").flat_map(|l| l.split(['\n', '\r'])).collect();
            prop_assert_eq!(indexed.line(line), lines.get(line - 1).copied().unwrap_or(""));
        }
    }

    /// Thousands of warnings on a long file must not cost a scan of the file each.
    #[test]
    fn many_diagnostics_on_a_long_file_render_in_linear_time() {
        let text = "web may talk to db on 5432\n".repeat(20_000);
        let mut sources = Sources::new();
        sources.add("big.npl", &text);
        let diags: Vec<Diagnostic> = (0..20_000)
            .map(|i| {
                let start = i * 27;
                Diagnostic::new(Code::NoEffect, "x").at(
                    "big.npl",
                    Span {
                        start,
                        end: start + 3,
                    },
                )
            })
            .collect();
        let started = std::time::Instant::now();
        for format in Format::ALL {
            let out = render(&diags, &sources, *format, false);
            assert!(out.contains("20000"), "{format}");
        }
        assert!(
            started.elapsed().as_secs() < 20,
            "took {:?}",
            started.elapsed()
        );
    }
}
