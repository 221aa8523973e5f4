//! Renderers: one list of [`Diagnostic`]s printed four ways.
//!
//! - [`Format::Human`]: rustc-like, with source snippets and optional colour, for terminals.
//! - [`Format::Short`]: one line per diagnostic, for golden files. **Stable:** the shape
//!   `file:line:col: severity[CODE]: message`, followed by lines indented by two spaces
//!   (`see file:line:col: message` for each secondary place, then `note: ...`, then
//!   `help: ...`) is a contract; golden files and scripts may depend on it, and changing
//!   it is a breaking change to be written in the changelog.
//! - [`Format::Json`]: one JSON array, fields in a fixed order, for tools.
//! - [`Format::Github`]: GitHub Actions workflow commands, which the runner turns into
//!   annotations on the pull request.
//!
//! Every renderer is total: spans past the end of a text, reversed spans, spans inside a
//! multi-byte character and files that [`Sources`] does not know are all printed as well
//! as they can be, never a panic.

mod human;

use super::{line_column, Diagnostic, Label, Severity, Sources};
use serde_json::{json, Value};
use std::fmt;
use std::str::FromStr;

/// How to print diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// For people at a terminal: snippets of source with the span underlined.
    Human,
    /// One stable line per diagnostic (plus indented notes), for golden files.
    Short,
    /// A JSON array, for tools.
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
    match format {
        Format::Human => diags
            .iter()
            .map(|d| human::render(d, sources, color))
            .collect(),
        Format::Short => diags.iter().map(|d| short(d, sources)).collect(),
        Format::Json => json_array(diags, sources),
        Format::Github => diags.iter().map(|d| github(d, sources)).collect(),
    }
}

/// The closing line of human output: `error: could not compile: 2 errors, 1 warning`, or
/// `warning: 1 warning emitted` when there are only warnings; `None` when there is
/// nothing to sum up. Ends with a newline.
pub fn summary(diags: &[Diagnostic], color: bool) -> Option<String> {
    let errors = diags
        .iter()
        .filter(|d| d.severity() == Severity::Error)
        .count();
    let warnings = diags.len() - errors;
    let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
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
pub(crate) fn position(sources: &Sources, label: &Label) -> Option<Position> {
    let text = sources.text(&label.file)?;
    let start = floor_boundary(text, label.span.start);
    // A reversed span is treated as empty at its start rather than rejected.
    let end = floor_boundary(text, label.span.end).max(start);
    let last = if end > start {
        floor_boundary(text, end - 1)
    } else {
        start
    };
    let (line, column) = line_column(text, start);
    let (end_line, end_column) = line_column(text, end);
    let (last_line, last_column) = line_column(text, last);
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

/// `file:line:col`, or just `file` when its text is unknown.
fn location(sources: &Sources, label: &Label) -> String {
    match position(sources, label) {
        Some(p) => format!("{}:{}:{}", label.file, p.line, p.column),
        None => label.file.clone(),
    }
}

/// Lines after the first indented, so that a multi-line text cannot pass for a new
/// diagnostic in the line-oriented formats.
fn indent_continuation(text: &str, indent: &str) -> String {
    text.replace('\n', &format!("\n{indent}"))
}

fn short(d: &Diagnostic, sources: &Sources) -> String {
    let mut out = String::new();
    if let Some(primary) = &d.primary {
        out.push_str(&location(sources, primary));
        out.push_str(": ");
    }
    out.push_str(&format!(
        "{}[{}]: {}\n",
        d.severity().as_str(),
        d.code,
        indent_continuation(&d.message, "    ")
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

fn json_array(diags: &[Diagnostic], sources: &Sources) -> String {
    let items: Vec<Value> = diags.iter().map(|d| json_object(d, sources)).collect();
    // Serialising a `Value` cannot fail: every key is a string.
    let mut text =
        serde_json::to_string_pretty(&Value::Array(items)).unwrap_or_else(|_| "[]".to_owned());
    text.push('\n');
    text
}

fn json_object(d: &Diagnostic, sources: &Sources) -> Value {
    let at = d.primary.as_ref().and_then(|l| position(sources, l));
    let secondary: Vec<Value> = d
        .secondary
        .iter()
        .map(|label| {
            let p = position(sources, label);
            json!({
                "file": label.file,
                "line": p.map(|p| p.line),
                "column": p.map(|p| p.column),
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

/// One `::error` or `::warning` command. GitHub's `endColumn` is taken as inclusive (the
/// last character's column), matching the `^^^` of the human format; an empty span
/// points at one column.
fn github(d: &Diagnostic, sources: &Sources) -> String {
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
    let mut message = d.message.clone();
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
    format!(
        "::{} {}::{}\n",
        d.severity().as_str(),
        properties.join(","),
        github_escape_data(&message)
    )
}
