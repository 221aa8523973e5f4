//! The compiler's front door: program files in, policies (or diagnostics) out.
//! syntax → resolve → lower → emit → self-check, each phase reporting [`Diagnostic`]s;
//! the library touches no files (`cli` reads and writes them).

mod pitfall;

use crate::diag::{Code, Diagnostic, Severity, Sources};
use crate::emit;
use crate::ir::{Intent, LabelOrigin, WorkloadLabel, WorkloadLabels};
use crate::model::{self, Source};
use crate::resolve::{self, hir};
use crate::syntax;
use crate::verify::equiv::Budget;
use crate::verify::proof::{self, Failure};
use std::collections::BTreeMap;

/// One `.npl` file as read: its name as the user gave it, and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramFile {
    /// The path as given; [`compile`] names it cleaned (see [`clean_name`]) in messages and
    /// source annotations.
    pub name: String,
    /// The raw bytes (checked for UTF-8 here, so that the error has a code).
    pub bytes: Vec<u8>,
}

/// Project settings (`netpolc.toml`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// The label key that names workloads: `web` means pods with `<key>=web`. The default
    /// `workload-label` and the namespaces' own (`[namespace.NAME]`); a program's block
    /// may add more.
    pub workload_labels: WorkloadLabels,
    /// The analysis commands read hostNetwork pods as pods that policies select and match
    /// (`--select-host-network`, `verify::Options::select_host_network`); `compile`'s
    /// proof holds under both readings and does not read it.
    pub select_host_network: bool,
}

/// `netpolc.toml` as written: every key optional, unknown keys refused.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct SettingsFile {
    workload_label: Option<String>,
    select_host_network: Option<bool>,
    /// `[namespace.NAME]` tables, read in name order.
    namespace: Option<BTreeMap<String, NamespaceSettings>>,
}

/// One `[namespace.NAME]` table.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct NamespaceSettings {
    workload_label: Option<String>,
}

/// The keys netpolc knows, for the help of a refused file.
const KNOWN_KEYS: &str =
    "`workload-label`, `select-host-network`, and `workload-label` in a `[namespace.NAME]` table";

impl Settings {
    /// The settings in a `netpolc.toml` text; `file` names it in messages.
    ///
    /// ```toml
    /// # The label that names workloads: `web` means pods with this label equal to `web`.
    /// workload-label = "app.kubernetes.io/name"
    /// # reach, explain, check and diff: policies select and match hostNetwork pods.
    /// select-host-network = true
    /// # Namespace `kube-system` names its workloads by another label.
    /// [namespace.kube-system]
    /// workload-label = "k8s-app"
    /// ```
    pub fn from_toml(file: &str, text: &str) -> Result<Settings, Diagnostic> {
        let parsed: SettingsFile = toml::from_str(text).map_err(|e| {
            let mut d = Diagnostic::new(Code::BadConfig, format!("`{file}`: {}", e.message()));
            if let Some(span) = e.span() {
                d = d.at(
                    file,
                    syntax::Span {
                        start: span.start,
                        end: span.end,
                    },
                );
            }
            d.with_help(format!("the keys netpolc knows: {KNOWN_KEYS}"))
        })?;
        let mut labels = WorkloadLabels::default();
        if let Some(key) = parsed.workload_label {
            label_key(file, "workload-label", &key)?;
            labels = WorkloadLabels::uniform(&key, LabelOrigin::Settings(file.to_owned()));
        }
        for (namespace, table) in parsed.namespace.unwrap_or_default() {
            if let Some(problem) = crate::model::validate::dns1123_label(&namespace).first() {
                return Err(Diagnostic::new(
                    Code::BadConfig,
                    format!("`{file}`: `[namespace.{namespace}]` does not name a valid namespace"),
                )
                .with_note(problem.clone()));
            }
            let Some(key) = table.workload_label else {
                continue;
            };
            label_key(
                file,
                &format!("[namespace.{namespace}] workload-label"),
                &key,
            )?;
            let label = WorkloadLabel {
                key,
                origin: LabelOrigin::SettingsNamespace {
                    file: file.to_owned(),
                    namespace: namespace.clone(),
                },
            };
            // Each namespace has one table (TOML refuses a table defined twice).
            let _ = labels.set(&namespace, label);
        }
        Ok(Settings {
            workload_labels: labels,
            select_host_network: parsed.select_host_network.unwrap_or(false),
        })
    }
}

/// A label key from the settings, checked as the API server checks label keys.
fn label_key(file: &str, setting: &str, key: &str) -> Result<(), Diagnostic> {
    match crate::model::validate::qualified_name(key).first() {
        None => Ok(()),
        Some(problem) => Err(Diagnostic::new(
            Code::BadConfig,
            format!("`{file}`: `{setting} = \"{key}\"` is not a valid label key"),
        )
        .with_note(problem.clone())),
    }
}

/// A program that compiled.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The resolved program.
    pub program: hir::Program,
    /// Its meaning, per namespace.
    pub intent: Intent,
    /// The files to write.
    pub output: emit::Output,
    /// Warnings (never errors).
    pub warnings: Vec<Diagnostic>,
    /// The texts the warnings point into.
    pub sources: Sources,
}

/// A program that did not compile.
#[derive(Clone, Debug)]
pub struct Failed {
    /// Every error found, and the warnings found before the compile stopped.
    pub diagnostics: Vec<Diagnostic>,
    /// The texts they point into.
    pub sources: Sources,
}

impl Failed {
    /// The errors alone.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity() == Severity::Error)
    }
}

/// Compiles a program: every file given is part of it, with the standard library.
pub fn compile(files: &[ProgramFile], settings: &Settings) -> Result<Compiled, Failed> {
    let mut sources = Sources::new();
    let mut diagnostics = Vec::new();
    let mut texts: Vec<(&str, &str)> = Vec::new();
    let names: Vec<String> = files.iter().map(|f| clean_name(&f.name)).collect();
    for (file, name) in files.iter().zip(&names) {
        // The readers stop one byte past the limit: a longer file must not compile cut short
        // (`on 5432` read as `on 54`).
        if file.bytes.len() > crate::model::load::MAX_SOURCE_BYTES {
            diagnostics.push(too_large(name));
            continue;
        }
        match std::str::from_utf8(&file.bytes) {
            Ok(text) => {
                // A byte order mark (Windows editors write one) is no character of the
                // program: dropped before anything counts columns, as the loader does.
                let text = text.strip_prefix('\u{feff}').unwrap_or(text);
                sources.add(name, text);
                texts.push((name, text));
            }
            Err(e) => diagnostics.push(not_utf8(name, &file.bytes, &e)),
        }
    }
    for (name, text) in resolve::stdlib::FILES {
        sources.add(name, text);
    }
    let mut parsed = Vec::new();
    for (name, text) in &texts {
        match syntax::parse(name, text) {
            Ok(tree) => parsed.push((tree, *text)),
            Err(errors) => diagnostics.extend(errors),
        }
    }
    let mut library = Vec::new();
    for (name, text) in resolve::stdlib::FILES {
        match syntax::parse(name, text) {
            Ok(tree) => library.push((tree, *text)),
            Err(errors) => diagnostics.extend(errors),
        }
    }
    if has_errors(&diagnostics) {
        return Err(failed(diagnostics, sources));
    }
    let (program, found) =
        resolve::resolve(&views(&parsed), &views(&library), &settings.workload_labels);
    diagnostics.extend(found);
    let Some(program) = program else {
        return Err(failed(diagnostics, sources));
    };
    let (intent, warnings) = resolve::lower::lower(&program);
    diagnostics.extend(warnings);
    diagnostics.extend(pitfall::wide_destinations(&program));
    let options = emit::Options {
        workload_labels: program.workload_labels.clone(),
    };
    let output = match emit::emit(&intent, &options) {
        Ok(output) => output,
        Err(internal) => {
            diagnostics.push(internal);
            return Err(failed(diagnostics, sources));
        }
    };
    if let Err(internal) = self_check(&intent, &output) {
        diagnostics.push(internal);
        return Err(failed(diagnostics, sources));
    }
    sort(&mut diagnostics);
    Ok(Compiled {
        program,
        intent,
        output,
        warnings: diagnostics,
        sources,
    })
}

/// Reads the emitted manifests back through the loader that reads hand-written policies,
/// and proves them equal to the program's meaning (`verify::proof`): the proof checks
/// what is about to be written, not what emission meant to write. Any failure is a bug in
/// netpolc, reported with the counterexamples so that it can be reproduced.
fn self_check(intent: &Intent, output: &emit::Output) -> Result<(), Diagnostic> {
    let internal = |message: &str| {
        Diagnostic::new(Code::Internal, message.to_owned()).with_note(
            "nothing was written; the proof checks every compile's output before writing it",
        )
    };
    let written: Vec<Source> = output
        .manifests
        .iter()
        .map(|m| Source {
            name: format!("{}/{}.yaml", m.namespace, m.name),
            bytes: m.yaml.as_bytes().to_vec(),
        })
        .collect();
    let cluster = model::load(&written).map_err(|errors| {
        errors.iter().fold(
            internal("the emitted policies do not load as valid NetworkPolicies"),
            |d, e| d.with_note(manifest_problem(e)),
        )
    })?;
    // The loader reads a CIDR with host bits as its network (existing objects may hold
    // one), but a current API server refuses it in a new object: compile never writes one.
    let refused: Vec<_> = cluster
        .notes
        .iter()
        .filter(|n| n.about == model::NoteAbout::RefusedWhenNew)
        .collect();
    if !refused.is_empty() {
        return Err(refused.iter().fold(
            internal("the emitted policies hold values an API server refuses in a new object"),
            |d, n| d.with_note(manifest_problem(&n.diagnostic)),
        ));
    }
    let budget = Budget::new(proof::BUDGET);
    match proof::prove(intent, &cluster.policies, &budget) {
        Ok(()) => Ok(()),
        Err(Failure::TooLarge { namespace }) => Err(proof::too_large(&namespace)
            .with_note("nothing was written: every compile proves its output before writing it")),
        Err(Failure::Differ(counterexamples)) => Err(counterexamples.iter().fold(
            internal("the emitted policies do not mean what the program means"),
            |d, c| d.with_note(format!("counterexample: {}", c.witness)),
        )),
    }
}

/// A loader's diagnostic about an emitted manifest, as one note of an internal error:
/// `shop/db.yaml (document 1): spec.ingress[0]: [NP0703] message`.
fn manifest_problem(d: &Diagnostic) -> String {
    let place = d.primary.as_ref().map(|l| match &l.manifest {
        Some(m) if m.path.is_empty() => format!("{} (document {}): ", l.file, m.document),
        Some(m) => format!("{} (document {}): {}: ", l.file, m.document, m.path),
        None => format!("{}: ", l.file),
    });
    format!("{}[{}] {}", place.unwrap_or_default(), d.code, d.message)
}

fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.severity() == Severity::Error)
}

fn failed(mut diagnostics: Vec<Diagnostic>, sources: Sources) -> Failed {
    sort(&mut diagnostics);
    Failed {
        diagnostics,
        sources,
    }
}

/// By file and position, so that output reads top to bottom; stable, so diagnostics at one
/// place keep the order they were found in.
fn sort(diagnostics: &mut [Diagnostic]) {
    fn key(d: &Diagnostic) -> Option<(&str, usize)> {
        d.primary.as_ref().map(|l| (l.file.as_str(), l.span.start))
    }
    diagnostics.sort_by(|a, b| key(a).cmp(&key(b)));
}

/// A path written plainly, so that the `netpolc.io/source` annotations (and messages) do not
/// depend on how it was typed: `./policies/a.npl`, `policies//a.npl` and
/// `policies/x/../a.npl` are all `policies/a.npl`. Lexical only: nothing is read.
pub fn clean_name(name: &str) -> String {
    let absolute = name.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

fn too_large(name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::TooLarge,
        format!("`{name}` is {}", crate::model::load::past_read_bound()),
    )
    .with_help("split the program into several files")
}

fn not_utf8(name: &str, bytes: &[u8], e: &std::str::Utf8Error) -> Diagnostic {
    let valid = &bytes[..e.valid_up_to()];
    // Valid up to here by construction, so this decodes.
    let text = String::from_utf8_lossy(valid);
    let (line, column) = crate::diag::line_column(&text, text.len());
    Diagnostic::new(
        Code::NotUtf8,
        format!("`{name}` is not UTF-8 text: invalid byte at line {line}, column {column}"),
    )
    .with_help("save the file as UTF-8")
}

fn views<'a>(list: &'a [(syntax::SourceFile, &'a str)]) -> Vec<resolve::Parsed<'a>> {
    list.iter()
        .map(|(file, text)| resolve::Parsed { file, text })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::clean_name;

    #[test]
    fn a_path_is_named_the_same_however_it_was_typed() {
        for typed in [
            "policies/a.npl",
            "./policies/a.npl",
            "policies//a.npl",
            "policies/./x/../a.npl",
        ] {
            assert_eq!(clean_name(typed), "policies/a.npl", "{typed}");
        }
        assert_eq!(clean_name("../up/a.npl"), "../up/a.npl");
        assert_eq!(clean_name("a/../../b.npl"), "../b.npl");
        assert_eq!(clean_name("/x/../../a.npl"), "/a.npl");
        assert_eq!(clean_name("-"), "-");
    }
}
