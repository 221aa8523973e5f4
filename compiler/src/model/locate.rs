//! Field paths back to places in the text: the loader reads documents as plain values
//! (`serde_json::Value`, which keeps no positions) and names problems by field path, as
//! the API server does. Once reading is done, each document that a diagnostic points into
//! is read again, this time keeping where every key and value starts, so that the label
//! can carry the line and column of the field (`spec.ingress[0].from[1].ipBlock`).
//!
//! Only documents with a diagnostic are read again, so a clean load pays nothing. A path
//! that does not lead to a value (a missing field) points at the nearest value it does
//! reach; a document that cannot be read again keeps the span it has (where the YAML
//! reader stopped) or points at the document's start.

use super::parse;
use crate::diag::{Diagnostic, Label};
use crate::source::Source;
use crate::source::Span;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;

/// Sets the span of every label in a manifest that `diagnostics` carry.
pub(super) fn locate<'d>(
    sources: &[Source],
    diagnostics: impl Iterator<Item = &'d mut Diagnostic>,
) {
    // Labels by file, then document, so that each file is split and each document read
    // once however many diagnostics point into it.
    let mut labels: Vec<&'d mut Label> = Vec::new();
    for d in diagnostics {
        labels.extend(d.labels_mut().filter(|l| l.manifest.is_some()));
    }
    let names: Vec<String> = labels.iter().map(|l| l.file.clone()).collect();
    let mut wanted: BTreeMap<&str, BTreeMap<usize, Vec<&mut Label>>> = BTreeMap::new();
    for (label, name) in labels.into_iter().zip(&names) {
        let document = label.manifest.as_ref().map_or(0, |m| m.document);
        wanted
            .entry(name.as_str())
            .or_default()
            .entry(document)
            .or_default()
            .push(label);
    }
    for (name, documents) in wanted {
        // A name given twice is one file read twice: the first is as good as any.
        let Some(text) = sources
            .iter()
            .find(|s| s.name == name)
            .and_then(parse::text)
        else {
            continue;
        };
        let chunks: Vec<Range<usize>> = if parse::is_json_name(name) {
            std::iter::once(0..text.len()).collect()
        } else {
            parse::split_documents(text)
                .iter()
                .map(|c| c.start..c.end)
                .collect()
        };
        for (document, labels) in documents {
            let Some(chunk) = document.checked_sub(1).and_then(|i| chunks.get(i)) else {
                continue;
            };
            let body = text.get(chunk.start..chunk.end).unwrap_or("");
            let tree = read(body);
            for label in labels {
                let path = label.manifest.as_ref().map_or("", |m| m.path.as_str());
                match &tree {
                    Some(root) => {
                        let found = find(root, path);
                        label.span = Span {
                            start: chunk.start + found.start,
                            end: chunk.start + found.end,
                        };
                    }
                    // The reader's own error already points where it stopped.
                    None if label.span != Span::default() => {}
                    None => {
                        label.span = Span {
                            start: chunk.start,
                            end: chunk.start,
                        }
                    }
                }
            }
        }
    }
}

/// A document's values with their places, or `None` when it does not read (it is the
/// document a syntax error is about) or holds no value.
fn read(body: &str) -> Option<Spanned<Node>> {
    let values: Vec<Spanned<Node>> =
        serde_saphyr::from_multiple_with_options(body, parse::yaml_options()).ok()?;
    // The loader numbers every value of a chunk with the chunk's number; the first that
    // is not null is the one it read first.
    values.into_iter().find(|v| !matches!(v.value, Node::Null))
}

/// A value as far as finding paths needs: objects by key, lists by index.
enum Node {
    Map(
        Vec<(Spanned<String>, Spanned<Node>)>,
        HashMap<String, usize>,
    ),
    Seq(Vec<Spanned<Node>>),
    Scalar,
    Null,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_i128<E>(self, _: i128) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_u128<E>(self, _: u128) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_str<E>(self, _: &str) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_bytes<E>(self, _: &[u8]) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries: Vec<(Spanned<String>, Spanned<Node>)> = Vec::new();
        let mut index = HashMap::new();
        while let Some((key, value)) = map.next_entry::<Spanned<String>, Spanned<Node>>()? {
            index.entry(key.value.clone()).or_insert(entries.len());
            entries.push((key, value));
        }
        Ok(Node::Map(entries, index))
    }
}

/// Where `path` leads in `root`, as a byte range of the document: a field's key to the
/// end of its value when that is a scalar (`port: 70000`), only the key otherwise (the
/// object below may run for pages); a list element's value. When the path leaves the
/// document (a missing field), the last place it reached.
fn find(root: &Spanned<Node>, path: &str) -> Range<usize> {
    let mut at = span(root);
    let mut node = root;
    let mut rest = path;
    while !rest.is_empty() {
        let step = match &node.value {
            Node::Map(entries, index) => key_step(rest, index).and_then(|(i, left)| {
                let (key, value) = entries.get(i)?;
                let key_span = span(key);
                let place = match value.value {
                    Node::Scalar | Node::Null => key_span.start..span(value).end.max(key_span.end),
                    _ => key_span,
                };
                Some((value, place, left))
            }),
            Node::Seq(items) => index_step(rest).and_then(|(i, left)| {
                let item = items.get(i)?;
                Some((item, span(item), left))
            }),
            Node::Scalar | Node::Null => None,
        };
        let Some((next, place, left)) = step else {
            break;
        };
        node = next;
        at = place;
        rest = left;
    }
    at
}

/// The key of `index` that starts `path` (then ends it, or is followed by `.` or `[`),
/// and what is left after it. Keys may hold dots (`app.kubernetes.io/name`), so the
/// longest key that fits is taken: each cut of the path is looked up once.
fn key_step<'p>(path: &'p str, index: &HashMap<String, usize>) -> Option<(usize, &'p str)> {
    let path = path.strip_prefix('.').unwrap_or(path);
    let mut cuts: Vec<usize> = path
        .char_indices()
        .filter(|(_, c)| matches!(c, '.' | '['))
        .map(|(i, _)| i)
        .collect();
    cuts.push(path.len());
    cuts.iter().rev().find_map(|&cut| {
        let key = path.get(..cut)?;
        let i = *index.get(key)?;
        Some((i, path.get(cut..).unwrap_or("")))
    })
}

/// `[i]` at the start of `path`, and what is left after it.
fn index_step(path: &str) -> Option<(usize, &str)> {
    let inner = path.strip_prefix('[')?;
    let (number, left) = inner.split_once(']')?;
    Some((number.parse().ok()?, left))
}

/// The bytes of a value or key in its document; empty at its start when the reader gave
/// no length (a block mapping starts where its first key does).
fn span<T>(value: &Spanned<T>) -> Range<usize> {
    let s = value.referenced.span();
    let start = s
        .byte_offset()
        .and_then(|o| usize::try_from(o).ok())
        .unwrap_or(0);
    let len = s
        .byte_len()
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(0);
    start..start + len
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, path: &str) -> String {
        let root = read(text).expect("reads");
        let r = find(&root, path);
        text[r].to_owned()
    }

    #[test]
    fn a_path_leads_to_its_key_and_scalar_value() {
        let text = "spec:\n  ingress:\n  - ports:\n    - port: 70000\n      protocol: tcp\n";
        assert_eq!(at(text, "spec.ingress[0].ports[0].port"), "port: 70000");
        assert_eq!(at(text, "spec.ingress"), "ingress");
        assert_eq!(
            at(text, "spec.ingress[0].ports[0].protocol"),
            "protocol: tcp"
        );
    }

    #[test]
    fn keys_with_dots_and_missing_fields() {
        let text = "metadata:\n  labels:\n    app.kubernetes.io/name: x\n    app: y\n";
        assert_eq!(
            at(text, "metadata.labels.app.kubernetes.io/name"),
            "app.kubernetes.io/name: x"
        );
        assert_eq!(at(text, "metadata.labels.app"), "app: y");
        assert_eq!(at(text, "metadata.name"), "metadata");
        assert_eq!(at(text, "spec.podSelector"), "");
    }

    #[test]
    fn json_and_list_items() {
        let text = "{\"items\": [{\"kind\": \"Pod\", \"spec\": {\"hostNetwork\": \"yes\"}}]}";
        assert_eq!(
            at(text, "items[0].spec.hostNetwork"),
            "\"hostNetwork\": \"yes\""
        );
        assert_eq!(at(text, "items[3]"), "\"items\"");
    }
}
