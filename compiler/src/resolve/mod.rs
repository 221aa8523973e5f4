//! `resolve`: syntax trees to the resolved program ([`hir`]), then to its meaning per
//! namespace ([`Intent`](crate::ir::Intent)) in [`lower`].
//!
//! Scopes: a `namespace N { }` block's statements shape only N (language.md, "Blocks and
//! scope"); top-level statements are cluster-scoped. `define`s at the top level of a file
//! are visible in the whole program, those in a block or rule body only there. Rules live
//! at the top level. A program's own rule or define shadows the standard library's.
//! Defines and rules are expanded where they are used.

pub mod describe;
mod expand;
pub mod hir;
pub mod lower;
mod names;
mod quote;
pub mod stdlib;
mod workload_labels;

use crate::diag::{Code, Diagnostic, LineIndex, Severity};
use crate::ir::WorkloadLabels;
use crate::syntax::{Item, RuleDef, SourceFile, Statement};
use expand::{collect_defines, Expander, Sites};
use names::{DefineDecl, Frame, Names};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// A rule in view: its definition and file.
#[derive(Clone, Debug)]
struct RuleDecl {
    def: RuleDef,
    file: Rc<str>,
}

/// The program-wide declarations: rules and top-level defines.
#[derive(Clone, Debug, Default)]
struct Decls {
    rules: BTreeMap<String, RuleDecl>,
    defines: BTreeMap<String, DefineDecl>,
    /// Workload names the program writes as `ns/name`: names it plainly means as
    /// workloads, which NP0404 never takes for a misspelt define.
    written_workloads: BTreeSet<String>,
}

/// A parsed file with its text.
pub struct Parsed<'a> {
    /// The syntax tree.
    pub file: &'a SourceFile,
    /// The text it was parsed from.
    pub text: &'a str,
}

/// Resolves the program's files (with the standard library's after them). `settings` are
/// the workload labels `netpolc.toml` gives; the program's blocks add theirs. Returns the
/// program when there is no error, and every diagnostic found either way.
pub fn resolve(
    program: &[Parsed<'_>],
    stdlib: &[Parsed<'_>],
    settings: &WorkloadLabels,
) -> (Option<hir::Program>, Vec<Diagnostic>) {
    let mut errors = Vec::new();
    let workload_labels = workload_labels::gather(program, settings, &mut errors);
    let mut decls = Decls::default();
    for parsed in program {
        declare(parsed, &mut decls, &mut errors);
        written_workloads(&parsed.file.items, &mut decls.written_workloads);
    }
    // The standard library fills in what the program does not define itself.
    let mut library = Decls::default();
    for parsed in stdlib {
        declare(parsed, &mut library, &mut errors);
    }
    for (name, rule) in library.rules {
        decls.rules.entry(name).or_insert(rule);
    }
    for (name, define) in library.defines {
        decls.defines.entry(name).or_insert(define);
    }

    let mut expander = Expander {
        names: Names {
            decls: &decls,
            workload_labels: &workload_labels,
            warnings: Vec::new(),
        },
        errors,
        out: Vec::new(),
    };
    for parsed in program {
        let file: Rc<str> = Rc::from(parsed.file.name.as_str());
        let lines = LineIndex::new(parsed.text);
        let own = Sites::Own {
            text: parsed.text,
            lines: &lines,
        };
        let top = Frame {
            file: file.clone(),
            namespace: None,
            params: Rc::default(),
            local_defines: Rc::default(),
            expanding: Vec::new(),
        };
        for item in &parsed.file.items {
            match item {
                Item::Rule(_) => {}
                Item::Statement(stmt) => expander.statements(&top, own, std::slice::from_ref(stmt)),
                Item::Namespace(block) => {
                    let ns = match expander
                        .names
                        .namespace_ref(&top, &block.namespace, block.span)
                    {
                        Ok(ns) => ns,
                        Err(e) => {
                            expander.errors.push(e);
                            continue;
                        }
                    };
                    let mut local = BTreeMap::new();
                    collect_defines(&file, &block.statements, &mut local, &mut expander.errors);
                    let frame = Frame {
                        namespace: Some(ns),
                        local_defines: Rc::new(local),
                        ..top.clone()
                    };
                    expander.statements(&frame, own, &block.statements);
                }
            }
        }
    }
    let mut diagnostics = expander.errors;
    diagnostics.extend(expander.names.warnings);
    let failed = diagnostics.iter().any(|d| d.severity() == Severity::Error);
    let program = (!failed).then(|| hir::Program {
        statements: expander.out,
        workload_labels: workload_labels.clone(),
    });
    (program, diagnostics)
}

/// The workload names written as `ns/name` anywhere in `items`.
fn written_workloads(items: &[Item], into: &mut BTreeSet<String>) {
    use crate::syntax::{Arg, Endpoint, EndpointKind, IsolateTarget, StatementKind};
    fn endpoints<'e>(list: impl IntoIterator<Item = &'e Endpoint>, into: &mut BTreeSet<String>) {
        for e in list {
            if let EndpointKind::Workload { workload, .. } = &e.kind {
                into.insert(workload.clone());
            }
        }
    }
    let statements = items.iter().flat_map(|item| match item {
        Item::Namespace(block) => block.statements.iter().collect::<Vec<_>>(),
        Item::Rule(def) => def.statements.iter().collect(),
        Item::Statement(stmt) => vec![stmt],
    });
    for stmt in statements {
        match &stmt.kind {
            StatementKind::Isolate { target, .. } => {
                if let IsolateTarget::Endpoint(e) = target {
                    endpoints([e], into);
                }
            }
            StatementKind::Talk { from, to, .. } => endpoints(from.iter().chain(to), into),
            StatementKind::EgressOnly { subject, to, .. } => {
                endpoints(subject.iter().flatten().chain(to), into)
            }
            StatementKind::IngressOnly { subject, from, .. } => {
                endpoints(subject.iter().flatten().chain(from), into)
            }
            StatementKind::Define {
                endpoints: list, ..
            } => endpoints(list, into),
            StatementKind::Use { args, .. } => endpoints(
                args.iter().flatten().filter_map(|a| match a {
                    Arg::Endpoint(e) => Some(e),
                    Arg::Port(_) => None,
                }),
                into,
            ),
        }
    }
}

/// Records a file's rules and top-level defines, reporting duplicates.
fn declare(parsed: &Parsed<'_>, decls: &mut Decls, errors: &mut Vec<Diagnostic>) {
    let file: Rc<str> = Rc::from(parsed.file.name.as_str());
    let mut top_statements: Vec<Statement> = Vec::new();
    for item in &parsed.file.items {
        match item {
            Item::Rule(def) => {
                if let Some(first) = decls.rules.get(&def.name.text) {
                    errors.push(
                        Diagnostic::new(
                            Code::DuplicateDefinition,
                            format!("rule `{}` is defined twice", def.name.text),
                        )
                        .at(&file, def.name.span)
                        .with_secondary(
                            &first.file,
                            first.def.name.span,
                            "first defined here",
                        ),
                    );
                    continue;
                }
                decls.rules.insert(
                    def.name.text.clone(),
                    RuleDecl {
                        def: def.clone(),
                        file: file.clone(),
                    },
                );
            }
            Item::Statement(stmt) => top_statements.push(stmt.clone()),
            Item::Namespace(_) => {}
        }
    }
    collect_defines(&file, &top_statements, &mut decls.defines, errors);
}
