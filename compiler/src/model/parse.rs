//! Bytes to documents: UTF-8, JSON or multi-document YAML, with limits so that hostile
//! input (alias bombs, huge files, separator storms) is refused quickly.
//!
//! YAML streams are cut into documents here, at `---` / `...` marker lines, rather than
//! by the YAML library: the library drops empty documents, and the document number in
//! messages must be the document's position in the file. YAML forbids marker lines
//! inside any content (`c-forbidden`, YAML 1.2 section 9.1.1), so a marker line always
//! starts or ends a document.

use crate::diag::{Code, Diagnostic};
use crate::source::{Source, Span, MAX_SOURCE_BYTES};
use serde_json::Value;
use serde_saphyr::{Budget, DuplicateKeyPolicy, Options, SnippetMode};

/// The most documents read from one source.
pub const MAX_DOCUMENTS: usize = 100_000;
/// The most values (objects, lists, scalars) in one document.
pub const MAX_NODES: usize = 250_000;
/// The most events an alias may replay in one document: a billion-laughs document
/// needs far more, a real manifest with a few anchors far fewer.
pub const MAX_ALIAS_REPLAY: usize = 100_000;

/// One document of a source.
pub struct Document {
    /// 1-based position in the file.
    pub index: usize,
    /// The parsed value (never `null`).
    pub value: Value,
}

/// A source that cannot be read at all (NP0701), with no line: not UTF-8, too large.
fn file_error(source: &Source, message: String) -> Diagnostic {
    Diagnostic::new(Code::UnreadableManifest, message).in_file(&source.name)
}

/// A document that cannot be read (NP0701), at `span` of the source's text (where the
/// reader stopped).
fn document_error(source: &Source, document: usize, span: Span, message: String) -> Diagnostic {
    let mut d =
        Diagnostic::new(Code::UnreadableManifest, message).in_manifest(&source.name, document, "");
    if let Some(label) = d.primary.as_mut() {
        label.span = span;
    }
    d
}

/// What parsing a source gives, in file order: each non-empty document, or the error
/// that stopped a document or the whole file.
pub type Parsed = Vec<Result<Document, Diagnostic>>;

/// The text of a source as the loader reads it (UTF-8, without a byte order mark), or
/// `None` when it is not UTF-8 or past the read bound. Spans of its diagnostics are
/// offsets into this text.
pub fn text(source: &Source) -> Option<&str> {
    if source.bytes.len() > MAX_SOURCE_BYTES {
        return None;
    }
    let text = std::str::from_utf8(&source.bytes).ok()?;
    Some(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Parses `source`: its non-empty documents and the errors, in file order. A pure
/// function of the source, so that `load` can parse sources side by side.
pub fn documents(source: &Source) -> Parsed {
    let whole_file = |message: String| vec![Err(file_error(source, message))];
    if source.bytes.len() > MAX_SOURCE_BYTES {
        return whole_file(format!(
            "input too large: {} bytes, the limit is {MAX_SOURCE_BYTES} bytes",
            source.bytes.len()
        ));
    }
    let text = match std::str::from_utf8(&source.bytes) {
        Ok(t) => t,
        Err(e) => {
            return whole_file(format!(
                "not valid UTF-8 (byte offset {}): manifests must be UTF-8 text",
                e.valid_up_to()
            ))
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if is_json_name(&source.name) {
        return match parse_json(source, text) {
            Ok(value) if value.is_null() => Vec::new(),
            Ok(value) => vec![Ok(Document { index: 1, value })],
            Err(e) => vec![Err(e)],
        };
    }
    let chunks = split_documents(text);
    if chunks.len() > MAX_DOCUMENTS {
        return whole_file(format!(
            "too many YAML documents: {}, the limit is {MAX_DOCUMENTS}",
            chunks.len()
        ));
    }
    let mut out = Parsed::new();
    for (i, chunk) in chunks.iter().enumerate() {
        if !chunk.has_content {
            continue;
        }
        let index = i + 1;
        let body = text.get(chunk.start..chunk.end).unwrap_or("");
        match serde_saphyr::from_multiple_with_options::<Value>(body, yaml_options()) {
            Ok(values) => out.extend(
                values
                    .into_iter()
                    .filter(|v| !v.is_null())
                    .map(|value| Ok(Document { index, value })),
            ),
            Err(e) => {
                // Where the reader stopped, as an offset into the whole text.
                let at = e
                    .location()
                    .and_then(|l| l.span().byte_offset())
                    .and_then(|o| usize::try_from(o).ok())
                    .map_or(chunk.start, |o| (chunk.start + o).min(chunk.end));
                let span = Span { start: at, end: at };
                out.push(Err(document_error(
                    source,
                    index,
                    span,
                    yaml_message(&e, chunk.first_line),
                )));
            }
        }
    }
    out
}

pub(super) fn is_json_name(name: &str) -> bool {
    name.rsplit('.')
        .next()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json") && name.contains('.'))
}

/// The parser settings: Kubernetes reads YAML 1.1 (sigs.k8s.io/yaml over go-yaml v2), so
/// `yes`/`on`/`y` are booleans and `010` is octal; duplicate keys are errors, as in the
/// API server's strict decoding; the budget bounds time and memory.
pub(super) fn yaml_options() -> Options {
    let mut budget = Budget::default();
    budget.max_nodes = MAX_NODES;
    budget.max_events = 4 * MAX_NODES;
    budget.max_documents = 16;
    budget.max_reader_input_bytes = Some(MAX_SOURCE_BYTES);
    let mut options = Options::default();
    options.budget = Some(budget);
    options.alias_limits.max_total_replayed_events = MAX_ALIAS_REPLAY;
    options.legacy_octal_numbers = true;
    options.duplicate_keys = DuplicateKeyPolicy::Error;
    options.with_snippet = false;
    options
}

/// A one-line message for a YAML error, with the line counted from the file's start.
fn yaml_message(e: &serde_saphyr::Error, first_line: usize) -> String {
    let offset = u64::try_from(first_line.saturating_sub(1)).unwrap_or(0);
    let rendered = e.render_with_options(serde_saphyr::render_options! {
        snippets: SnippetMode::Off,
        line_offset: offset,
    });
    let first = rendered.lines().next().unwrap_or("").trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // The library's advice is for programmers using it, not for manifest authors.
    let mut first = first.replace(", set DuplicateKeyPolicy in Options if acceptable", "");
    if let serde_saphyr::Error::Budget { breach, .. } = e {
        // The library prints the limit as Rust debug text (`Depth { depth: 65 }`).
        first = first.replace(
            &format!("budget breached: {breach:?}"),
            &over_budget(breach),
        );
    }
    format!("invalid YAML: {first}")
}

/// Which of the parser's limits a document passed, as a sentence.
fn over_budget(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    let limits = yaml_options().budget.unwrap_or_default();
    match breach {
        B::Depth { .. } => format!(
            "nested more than {} levels deep, the most netpolc reads",
            limits.max_depth
        ),
        B::Nodes { .. } | B::Events { .. } => {
            format!("more than {MAX_NODES} values, the most netpolc reads in one file")
        }
        B::Documents { .. } => format!(
            "more than {} documents in one file, the most netpolc reads",
            limits.max_documents
        ),
        B::Aliases { .. }
        | B::Anchors { .. }
        | B::AliasAnchorRatio { .. }
        | B::RecordedAnchorEvents { .. }
        | B::RecordedAnchorBytes { .. } => {
            "more anchors and aliases (`&a`, `*a`) than netpolc expands".to_owned()
        }
        B::ScalarBytes { .. } | B::InputBytes { .. } => {
            "more text than netpolc reads from one file".to_owned()
        }
        B::MergeKeys { .. } => "more merge keys (`<<`) than netpolc reads".to_owned(),
        B::SequenceUnbalanced => "a list or mapping closed that was never opened".to_owned(),
        _ => "larger or more deeply built than netpolc reads".to_owned(),
    }
}

/// A JSON source: one value. serde_json bounds nesting (128); the value count is
/// bounded here first by counting the bytes that can start one.
fn parse_json(source: &Source, text: &str) -> Result<Value, Diagnostic> {
    let upper_bound = text
        .bytes()
        .filter(|b| matches!(b, b',' | b'[' | b'{' | b':'))
        .count();
    if upper_bound > 4 * MAX_NODES {
        return Err(document_error(
            source,
            1,
            Span::default(),
            format!("too many JSON values: the limit is about {MAX_NODES} per document"),
        ));
    }
    super::strict_json::from_str(text).map_err(|e| {
        let at = json_offset(text, e.line(), e.column());
        let span = Span { start: at, end: at };
        document_error(source, 1, span, format!("invalid JSON: {e}"))
    })
}

/// The byte offset of serde_json's 1-based line and column (a column counts bytes; 0
/// before the line's first one), kept inside the line and on a character boundary.
fn json_offset(text: &str, line: usize, column: usize) -> usize {
    let lines = crate::source::LineIndex::new(text);
    let Some(start) = lines.start(line) else {
        return text.len();
    };
    let end = lines.start(line + 1).map_or(text.len(), |next| next - 1);
    let mut at = (start + column.saturating_sub(1)).min(end);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A document's byte range in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Chunk {
    pub(super) start: usize,
    pub(super) end: usize,
    /// 1-based line of `start`.
    first_line: usize,
    /// False for a document with nothing but markers, comments and blank lines.
    has_content: bool,
}

/// A line that is a document marker (`---` or `...`) followed by nothing or whitespace.
fn marker(line: &str, m: &str) -> Option<bool> {
    let rest = line.strip_prefix(m)?;
    match rest.chars().next() {
        None | Some(' ' | '\t' | '\r' | '\n') => {
            // Content after the marker (`--- |`, `--- {a: 1}`) belongs to the document.
            let rest = rest.trim();
            Some(!rest.is_empty() && !rest.starts_with('#'))
        }
        _ => None,
    }
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#') || line.starts_with('%')
}

/// Cuts a YAML stream into documents as the YAML spec does: `---` starts a document
/// (unless only comments and directives precede it in the current one), `...` ends one.
/// A stream with only comments has no document.
pub(super) fn split_documents(text: &str) -> Vec<Chunk> {
    let mut out = Vec::new();
    let mut cur = Chunk {
        start: 0,
        end: 0,
        first_line: 1,
        has_content: false,
    };
    let mut has_marker = false;
    let mut pos = 0usize;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let line_no = n + 1;
        if let Some(content) = marker(line, "---") {
            if has_marker || cur.has_content {
                cur.end = pos;
                out.push(cur.clone());
                cur = Chunk {
                    start: pos,
                    end: pos,
                    first_line: line_no,
                    has_content: false,
                };
            }
            has_marker = true;
            cur.has_content |= content;
        } else if let Some(content) = marker(line, "...") {
            cur.has_content |= content;
            pos += line.len();
            if has_marker || cur.has_content {
                cur.end = pos;
                out.push(cur.clone());
            }
            cur = Chunk {
                start: pos,
                end: pos,
                first_line: line_no + 1,
                has_content: false,
            };
            has_marker = false;
            continue;
        } else if !is_blank_or_comment(line) {
            cur.has_content = true;
        }
        pos += line.len();
    }
    if has_marker || cur.has_content {
        cur.end = pos;
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(name: &str, text: &str) -> (Vec<(usize, Value)>, Vec<Diagnostic>) {
        let source = Source {
            name: name.into(),
            bytes: text.as_bytes().to_vec(),
        };
        let mut errors = Vec::new();
        let mut out = Vec::new();
        for item in documents(&source) {
            match item {
                Ok(d) => out.push((d.index, d.value)),
                Err(e) => errors.push(e),
            }
        }
        (out, errors)
    }

    #[test]
    fn documents_are_numbered_by_position_including_empty_ones() {
        let (d, e) = docs(
            "a.yaml",
            "# c\n---\na: 1\n---\n---\n# x\n---\nb: 2\n...\nc: 3\n",
        );
        assert!(e.is_empty(), "{e:?}");
        let idx: Vec<usize> = d.iter().map(|(i, _)| *i).collect();
        assert_eq!(idx, vec![1, 4, 5]);
    }

    #[test]
    fn a_bare_document_then_markers() {
        let (d, _) = docs("a.yaml", "a: 1\n---\nb: 2\n");
        assert_eq!(d.iter().map(|(i, _)| *i).collect::<Vec<_>>(), vec![1, 2]);
        let (d, _) = docs("a.yaml", "--- {a: 1}\n--- |\n  text\n");
        assert_eq!(d.len(), 2);
        assert_eq!(d[1].1, Value::String("text\n".into()));
    }

    #[test]
    fn null_documents_are_skipped_but_counted() {
        let (d, _) = docs("a.yaml", "null\n---\n~\n---\na: 1\n");
        assert_eq!(d.iter().map(|(i, _)| *i).collect::<Vec<_>>(), vec![3]);
    }

    #[test]
    fn yaml_errors_carry_file_lines() {
        let text = "a: 1\n---\nb: 1\nb: 2\n";
        let (_, e) = docs("a.yaml", text);
        assert_eq!(e.len(), 1);
        let label = e[0].primary.as_ref().expect("a place");
        assert_eq!(label.manifest.as_ref().map(|m| m.document), Some(2));
        assert_eq!(crate::diag::line_column(text, label.span.start), (4, 1));
        assert!(e[0].message.contains("line 4"), "{}", e[0].message);
        assert!(e[0].message.contains("duplicate"), "{}", e[0].message);
    }

    /// The nesting limit was reported as `budget breached: Depth { depth: 65 }`.
    #[test]
    fn limits_are_named_in_words() {
        let deep = format!("a: {}{}\n", "[".repeat(70), "]".repeat(70));
        let (_, e) = docs("a.yaml", &deep);
        assert_eq!(e.len(), 1);
        assert!(
            e[0].message.contains("nested more than 64 levels deep"),
            "{}",
            e[0].message
        );
        assert!(!e[0].message.contains('{'), "{}", e[0].message);
        assert!(e[0].message.contains("line 1"), "{}", e[0].message);
    }

    #[test]
    fn yaml_1_1_booleans_and_octal() {
        let (d, _) = docs("a.yaml", "a: on\nb: y\nc: 010\nd: 'on'\n");
        let v = &d[0].1;
        assert_eq!(v["a"], Value::Bool(true));
        assert_eq!(v["b"], Value::Bool(true));
        assert_eq!(v["c"], Value::from(8));
        assert_eq!(v["d"], Value::String("on".into()));
    }

    #[test]
    fn json_by_extension() {
        let (d, e) = docs("x.JSON", "{\"a\": [1, 2]}");
        assert!(e.is_empty());
        assert_eq!(d.len(), 1);
        let (_, e) = docs("x.json", "{\n  \"a\": ]");
        assert!(e[0].message.starts_with("invalid JSON"));
        let at = e[0].primary.as_ref().map(|l| l.span.start);
        assert_eq!(at, Some(9), "the offset of `]`");
    }

    #[test]
    fn bad_utf8_is_refused() {
        let source = Source {
            name: "b.yaml".into(),
            bytes: vec![b'a', b':', b' ', 0xff],
        };
        let parsed = documents(&source);
        let [Err(error)] = &parsed[..] else {
            panic!("one error expected: {}", parsed.len());
        };
        assert!(error.message.contains("UTF-8"));
        assert_eq!(error.code, Code::UnreadableManifest);
        assert!(error.primary.as_ref().is_some_and(|l| l.manifest.is_none()));
    }
}
