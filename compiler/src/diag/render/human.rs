//! The human format: rustc's layout, which Rust users already read fluently.
//!
//! ```text
//! error[NP0203]: `$clinet` is not a parameter of rule `allow-db`
//!  --> shop.npl:2:3
//!   |
//! 2 |   $clinet may talk to db on 5432
//!   |   ^^^^^^^
//!   |
//!   = help: did you mean `$client`?
//! ```
//!
//! Columns on screen are counted in characters, with a tab as four: wide characters
//! (CJK, emoji) may push the carets off by a cell, which we accept rather than carry a
//! Unicode width table for file names and comments.

use super::{floor_boundary, location, Texts};
use crate::diag::{Diagnostic, Label, Severity};

pub(crate) const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const BLUE: &str = "\x1b[1;34m";
const GREEN: &str = "\x1b[1;32m";
const RESET: &str = "\x1b[0m";

/// How many cells a tab takes on screen.
const TAB_WIDTH: usize = 4;
/// A span over more lines than this shows its first two and last two lines only.
const MAX_LINES: usize = 6;

/// ANSI colour, or none.
pub(crate) struct Style {
    color: bool,
}

impl Style {
    pub(crate) fn new(color: bool) -> Style {
        Style { color }
    }

    pub(crate) fn paint(&self, code: &str, text: &str) -> String {
        if self.color && !text.is_empty() {
            format!("{code}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }
}

pub(crate) fn severity_style(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => RED,
        Severity::Warning => YELLOW,
        Severity::Note => GREEN,
    }
}

/// One row of a snippet.
enum Row {
    /// A source line, with the underline (start cell, width in cells) and the label's
    /// message on the last underlined line.
    Line {
        number: usize,
        text: String,
        underline: Option<(usize, usize)>,
        message: Option<String>,
    },
    /// Lines left out of a long span.
    Elided,
}

/// A label's snippet, or `None` when its file's text is unknown or the label is a whole
/// manifest document (its first line says nothing the location does not).
fn snippet(sources: &Texts<'_>, label: &Label) -> Option<Vec<Row>> {
    if label.manifest.as_ref().is_some_and(|m| m.path.is_empty()) {
        return None;
    }
    let file = sources.get(&label.file)?;
    let start = floor_boundary(file.text, label.span.start);
    let end = floor_boundary(file.text, label.span.end).max(start);
    let line_text = |n: usize| file.line(n);
    let (first, first_col) = file.line_column(start);
    let (mut last, mut last_col) = file.line_column(end);
    if end > start && last_col == 1 && last > first {
        // The span ends just after a line break: underline to the end of the line before.
        last -= 1;
        last_col = line_text(last).chars().count() + 1;
    }
    let mut first_cell = 0;
    let mut rows = Vec::new();
    for number in first..=last {
        if last - first + 1 > MAX_LINES && number == first + 2 {
            rows.push(Row::Elided);
        }
        if last - first + 1 > MAX_LINES && number > first + 1 && number + 1 < last {
            continue;
        }
        let chars: Vec<char> = line_text(number).chars().collect();
        let from = if number == first {
            first_col
        } else {
            chars
                .iter()
                .position(|c| !c.is_whitespace())
                .unwrap_or(chars.len())
                + 1
        };
        let to = if number == last {
            last_col
        } else {
            chars.len() + 1
        };
        let shown = Shown::new(&chars, from, to);
        let (chars, from, to, lead) = (shown.chars, shown.from, shown.to, shown.lead);
        if number == first {
            first_cell = lead + cells(chars, from);
        }
        let underline = if to > from {
            Some((
                lead + cells(chars, from),
                cells(chars, to) - cells(chars, from),
            ))
        } else if first == last {
            // An empty span still gets one caret, between the characters it points at.
            Some((lead + cells(chars, from), 1))
        } else {
            None
        };
        rows.push(Row::Line {
            number,
            text: shown.text,
            underline,
            message: None,
        });
    }
    if !rows.iter().any(|r| {
        matches!(
            r,
            Row::Line {
                underline: Some(_),
                ..
            }
        )
    }) {
        // Every line's share of the span is empty (it starts at a line break and runs
        // over blank lines): point at its start.
        if let Some(Row::Line { underline, .. }) = rows.first_mut() {
            *underline = Some((first_cell, 1));
        }
    }
    if let Some(message) = &label.message {
        let last_underlined = rows.iter_mut().rev().find(|r| {
            matches!(
                r,
                Row::Line {
                    underline: Some(_),
                    ..
                }
            )
        });
        if let Some(Row::Line { message: slot, .. }) = last_underlined {
            *slot = Some(message.clone());
        }
    }
    Some(rows)
}

/// A source line as shown: whole, or, when longer than [`MAX_LINE_CHARS`], cut to a window
/// around the span with `...` at each cut end, as rustc does, so that an error on a
/// 10 MB line prints a line, not 10 MB.
struct Shown<'c> {
    /// The characters shown.
    chars: &'c [char],
    /// The span's 1-based columns within `chars`.
    from: usize,
    to: usize,
    /// Cells before `chars` on screen: the leading `...`.
    lead: usize,
    /// The line as printed.
    text: String,
}

/// The longest line shown whole, in characters.
const MAX_LINE_CHARS: usize = 120;
/// Characters shown before the span on a cut line.
const CONTEXT_CHARS: usize = 40;

impl<'c> Shown<'c> {
    fn new(line: &'c [char], from: usize, to: usize) -> Shown<'c> {
        let (lo, hi) = if line.len() <= MAX_LINE_CHARS {
            (0, line.len())
        } else {
            let lo = from.saturating_sub(1).saturating_sub(CONTEXT_CHARS);
            let hi = (lo + MAX_LINE_CHARS).min(line.len());
            // Near the end of the line, show a full window rather than a short one.
            (hi.saturating_sub(MAX_LINE_CHARS).min(lo), hi)
        };
        let chars = &line[lo..hi];
        let mut text: String = chars.iter().map(|&c| display(c)).collect();
        let lead = if lo > 0 { ELLIPSIS.len() } else { 0 };
        if lo > 0 {
            text.insert_str(0, ELLIPSIS);
        }
        if hi < line.len() {
            text.push_str(ELLIPSIS);
        }
        Shown {
            chars,
            // A span that runs past the window is underlined to its edge.
            from: from.saturating_sub(lo).max(1),
            to: to.saturating_sub(lo).clamp(1, chars.len() + 1),
            lead,
            text,
        }
    }
}

const ELLIPSIS: &str = "...";

/// The screen cell (0-based) where 1-based character column `column` of a line starts.
fn cells(chars: &[char], column: usize) -> usize {
    let before = column.saturating_sub(1);
    let width: usize = chars.iter().take(before).map(|&c| cell_width(c)).sum();
    width + before.saturating_sub(chars.len())
}

fn cell_width(c: char) -> usize {
    if c == '\t' {
        TAB_WIDTH
    } else {
        1
    }
}

/// How a character of source is shown: tabs as spaces, and control characters (which
/// could move the cursor or recolour the terminal) and bidi controls (which reorder the
/// line) as U+FFFD, one cell each so that carets stay under their columns.
fn display(c: char) -> String {
    if c == '\t' {
        " ".repeat(TAB_WIDTH)
    } else if c.is_control() || super::is_unsafe(c) {
        '\u{fffd}'.to_string()
    } else {
        c.to_string()
    }
}

/// Prints one diagnostic, followed by an empty line.
pub(crate) fn render(d: &Diagnostic, sources: &Texts<'_>, color: bool) -> String {
    let style = Style::new(color);
    let severity = severity_style(d.severity());
    let labels: Vec<(&Label, bool)> = d
        .primary
        .iter()
        .map(|l| (l, true))
        .chain(d.secondary.iter().map(|l| (l, false)))
        .collect();
    let snippets: Vec<Option<Vec<Row>>> = labels.iter().map(|(l, _)| snippet(sources, l)).collect();
    let widest = snippets
        .iter()
        .flatten()
        .flatten()
        .filter_map(|r| match r {
            Row::Line { number, .. } => Some(*number),
            Row::Elided => None,
        })
        .max()
        .unwrap_or(1);
    let width = widest.to_string().len();
    let pad = " ".repeat(width);
    let gutter = style.paint(BLUE, &format!("{pad} |"));

    let mut out = format!(
        "{}{}\n",
        style.paint(severity, &format!("{}[{}]", d.severity().as_str(), d.code)),
        style.paint(BOLD, &format!(": {}", d.message))
    );
    let mut after_snippet = false;
    for ((label, primary), rows) in labels.iter().zip(&snippets) {
        let arrow = if *primary { "-->" } else { ":::" };
        if !*primary && after_snippet {
            out.push_str(&format!("{gutter}\n"));
        }
        out.push_str(&format!(
            "{} {}\n",
            style.paint(BLUE, &format!("{pad}{arrow}")),
            location(sources, label)
        ));
        let Some(rows) = rows else {
            if let Some(message) = &label.message {
                out.push_str(&format!("{gutter} {message}\n"));
            }
            after_snippet = false;
            continue;
        };
        let (mark, mark_style) = if *primary {
            ('^', severity)
        } else {
            ('-', BLUE)
        };
        out.push_str(&format!("{gutter}\n"));
        for row in rows {
            match row {
                Row::Elided => out.push_str(&format!("{}\n", style.paint(BLUE, "..."))),
                Row::Line {
                    number,
                    text,
                    underline,
                    message,
                } => {
                    let number = style.paint(BLUE, &format!("{number:>width$} |"));
                    out.push_str(format!("{number} {text}").trim_end());
                    out.push('\n');
                    if let Some((at, len)) = underline {
                        let mut marks = mark.to_string().repeat(*len);
                        if let Some(message) = message {
                            marks.push(' ');
                            marks.push_str(message);
                        }
                        out.push_str(&format!(
                            "{gutter} {}{}\n",
                            " ".repeat(*at),
                            style.paint(mark_style, &marks)
                        ));
                    }
                }
            }
        }
        after_snippet = true;
    }
    let extras: Vec<(&str, &String)> = d
        .notes
        .iter()
        .map(|n| ("note", n))
        .chain(d.help.iter().map(|h| ("help", h)))
        .collect();
    if !extras.is_empty() && after_snippet {
        out.push_str(&format!("{gutter}\n"));
    }
    for (kind, text) in extras {
        let indent = format!("\n{pad}   {}", " ".repeat(kind.len() + 2));
        out.push_str(&format!(
            "{} {}{}\n",
            style.paint(BLUE, &format!("{pad} =")),
            style.paint(BOLD, &format!("{kind}:")),
            format!(" {text}").replace('\n', &indent)
        ));
    }
    out.push('\n');
    out
}
