//! `namespace N with workload label KEY { }`: the program's own workload labels, gathered
//! from every block before any name is resolved, since `N/web` anywhere in the program
//! (another block, the top level, a rule's use) means N's key.
//!
//! A namespace has one key: two blocks of one namespace naming different keys, or a block
//! naming another key than `netpolc.toml`'s `[namespace.N]`, is an error (NP0209). A block
//! that names none takes the namespace's key from elsewhere; the settings' default
//! `workload-label` is only a default, so a block may differ from it.

use super::names::namespace_name;
use super::Parsed;
use crate::diag::{Code, Diagnostic, LineIndex};
use crate::ir::{LabelOrigin, WorkloadLabel, WorkloadLabels};
use crate::model::validate;
use crate::syntax::{Item, NsRef, Span};
use std::collections::BTreeMap;

/// `settings` (the default key and the settings' namespaces) with every block's key added;
/// errors for keys that are not label keys and for namespaces given two keys.
pub(super) fn gather(
    program: &[Parsed<'_>],
    settings: &WorkloadLabels,
    errors: &mut Vec<Diagnostic>,
) -> WorkloadLabels {
    let mut labels = settings.clone();
    // Where each block's key was written, to point at the first from a conflicting second.
    let mut written: BTreeMap<String, (String, Span)> = BTreeMap::new();
    for parsed in program {
        let file = parsed.file.name.as_str();
        let lines = LineIndex::new(parsed.text);
        for item in &parsed.file.items {
            let Item::Namespace(block) = item else {
                continue;
            };
            let (Some(key), NsRef::Name(namespace)) = (&block.workload_label, &block.namespace)
            else {
                // A `$param` namespace is reported where the block is resolved.
                continue;
            };
            if namespace_name(file, namespace, block.span).is_err() {
                continue;
            }
            if let Some(problem) = validate::qualified_name(&key.text).first() {
                errors.push(
                    Diagnostic::new(
                        Code::InvalidLabel,
                        format!("`{}` is not a valid label key", key.text),
                    )
                    .at(file, key.span)
                    .with_note(problem.clone()),
                );
                continue;
            }
            let label = WorkloadLabel {
                key: key.text.clone(),
                origin: LabelOrigin::Block {
                    file: file.to_owned(),
                    line: lines.line(block.span.start),
                },
            };
            match labels.set(namespace, label) {
                Ok(()) => {
                    written
                        .entry(namespace.clone())
                        .or_insert_with(|| (file.to_owned(), key.span));
                }
                Err(first) => {
                    errors.push(conflict(
                        namespace,
                        &key.text,
                        (file, key.span),
                        first,
                        written.get(namespace),
                    ));
                }
            }
        }
    }
    labels
}

/// NP0209 at the second key, pointing at the first when the program wrote it.
fn conflict(
    namespace: &str,
    key: &str,
    at: (&str, Span),
    first: &WorkloadLabel,
    first_written: Option<&(String, Span)>,
) -> Diagnostic {
    let mut d = Diagnostic::new(
        Code::WorkloadLabelConflict,
        format!(
            "namespace `{namespace}` is given two workload labels, `{}` and `{key}`",
            first.key
        ),
    )
    .at(at.0, at.1);
    if let Some(primary) = d.primary.as_mut() {
        primary.message = Some(format!("`{key}` given here"));
    }
    let d = match first_written {
        Some((file, span)) => d.with_secondary(file, *span, format!("`{}` given here", first.key)),
        None => d.with_note(format!("`{}` is set by {}", first.key, first.origin)),
    };
    d.with_help(format!(
        "a workload name means one label in its namespace, wherever it is written: keep one \
         key for `{namespace}`, and write pods labelled otherwise as `pods({key}=NAME)`"
    ))
}
