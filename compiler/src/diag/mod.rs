//! `diag`: the one diagnostic type every phase reports with, the registry of codes, and
//! the renderers that print diagnostics for people, golden files, tools and GitHub.
//!
//! A [`Diagnostic`] points into source text by file name and byte span; a [`Sources`]
//! holds the texts, so renderers can turn spans into lines, columns and snippets. Phases
//! never format diagnostics themselves.

pub mod codes;
pub mod explain;
pub mod render;
pub mod suggest;

pub use codes::Code;
pub use explain::explanation;
pub use render::{escape_controls, render, summary, Format};

pub use crate::source::{line_column, nth_line, LineIndex};

use crate::source::Span;
use std::fmt;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The program cannot be compiled; nothing is written.
    Error,
    /// The program compiles, but probably does not say what was meant.
    Warning,
    /// Information about how the input was read (kinds skipped, workloads formed): never
    /// fails a run, and never counts for `--deny-warnings`.
    Note,
}

impl Severity {
    /// `error`, `warning` or `note`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A place in a source file, with an optional word about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// The file name as the user gave it (`<stdlib>/dns.npl` for the standard library).
    pub file: String,
    /// The bytes pointed at; an empty span points between two characters.
    pub span: Span,
    /// What this place has to do with the diagnostic, if the message alone does not say.
    pub message: Option<String>,
    /// In a Kubernetes manifest: the document and field the label is about. The span is
    /// then where the YAML reader found that field (or its nearest enclosing value), and
    /// means nothing when the file's text is not in [`Sources`] (a file that is not UTF-8).
    pub manifest: Option<ManifestPlace>,
}

/// A place in a manifest as the API server names it: the document of the file and the
/// field path within it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestPlace {
    /// The 1-based document (a YAML document, or the one JSON value) in the file.
    pub document: usize,
    /// The field path (`spec.ingress[0].from[1].ipBlock.cidr`), `items[3].` first for an
    /// item of a List; empty for the whole document.
    pub path: String,
}

impl fmt::Display for ManifestPlace {
    /// `document 2, spec.ingress[0]`, or `document 2` for the whole document.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "document {}", self.document)?;
        if !self.path.is_empty() {
            write!(f, ", {}", self.path)?;
        }
        Ok(())
    }
}

impl Label {
    fn in_manifest(file: &str, document: usize, path: &str, message: Option<String>) -> Label {
        Label {
            file: file.to_owned(),
            span: Span::default(),
            message,
            manifest: Some(ManifestPlace {
                document,
                path: path.to_owned(),
            }),
        }
    }
}

/// One thing the compiler has to tell its user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The registry code: `NP0203`. It fixes the severity.
    pub code: Code,
    /// One lower-case sentence without a final period; user input in backticks.
    pub message: String,
    /// Where the problem is, when it is somewhere in the source.
    pub primary: Option<Label>,
    /// Other places that explain it (the definition of a rule, the first of two
    /// duplicates, the statement a warning is about).
    pub secondary: Vec<Label>,
    /// Facts that help understand the problem.
    pub notes: Vec<String>,
    /// What to do about it, when there is something to suggest.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with a code and message, pointing nowhere yet.
    pub fn new(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    /// The severity, fixed by the code.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    /// Points the diagnostic at `span` in `file`.
    pub fn at(mut self, file: &str, span: Span) -> Diagnostic {
        self.primary = Some(Label {
            file: file.to_owned(),
            span,
            message: None,
            manifest: None,
        });
        self
    }

    /// Points the diagnostic at a field of a manifest: document `document` of `file`, at
    /// field path `path` (empty for the whole document). The loader finds its span.
    pub fn in_manifest(mut self, file: &str, document: usize, path: &str) -> Diagnostic {
        self.primary = Some(Label::in_manifest(file, document, path, None));
        self
    }

    /// Points the diagnostic at a whole file, with no line: a file that cannot be read,
    /// or that is not text.
    pub fn in_file(mut self, file: &str) -> Diagnostic {
        self.primary = Some(Label {
            file: file.to_owned(),
            span: Span::default(),
            message: None,
            manifest: None,
        });
        self
    }

    /// Adds another place that explains the diagnostic.
    pub fn with_secondary(mut self, file: &str, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            file: file.to_owned(),
            span,
            message: Some(message.into()),
            manifest: None,
        });
        self
    }

    /// Adds another place in a manifest that explains the diagnostic (the first of two
    /// duplicates).
    pub fn with_secondary_in_manifest(
        mut self,
        file: &str,
        document: usize,
        path: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        let label = Label::in_manifest(file, document, path, Some(message.into()));
        self.secondary.push(label);
        self
    }

    /// Every label, the primary first.
    pub fn labels_mut(&mut self) -> impl Iterator<Item = &mut Label> {
        self.primary.iter_mut().chain(self.secondary.iter_mut())
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Sets the suggestion.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

/// The texts diagnostics point into, by file name.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<(String, String)>,
}

impl Sources {
    /// No files yet.
    pub fn new() -> Sources {
        Sources::default()
    }

    /// Adds a file's text; a later file with the same name shadows nothing (first wins).
    pub fn add(&mut self, name: &str, text: &str) {
        if self.text(name).is_none() {
            self.files.push((name.to_owned(), text.to_owned()));
        }
    }

    /// The text of a file, if known.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
    }

    /// Every file's name and text, in the order added.
    pub fn files(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().map(|(n, t)| (n.as_str(), t.as_str()))
    }
}

/// A count and its noun in the right number: `count(1, "policy", "policies")` is
/// `1 policy`, `count(2, ...)` is `2 policies`. Every message that counts uses it, so
/// that none says "1 policies".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod count_tests {
    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(super::count(1, "policy", "policies"), "1 policy");
        assert_eq!(super::count(0, "policy", "policies"), "0 policies");
        assert_eq!(super::count(2, "policy", "policies"), "2 policies");
    }
}
