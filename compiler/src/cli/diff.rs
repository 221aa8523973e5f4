//! `netpolc diff`: what a change to the program does, for every cluster. Both sides are
//! read through `vcs` (a commit's objects, or the work tree) and compiled with
//! `pipeline::compile`; their meanings are lifted and subtracted both ways
//! (`verify::equiv::changes`), and the emitted trees are compared as a unified diff.
//! With `--output-dir`, the base side is instead the policies committed under that
//! directory: what a pull request that regenerates them would change.

mod markdown;
mod partials;
mod report;

use super::program::{self, parse_settings};
use super::{exit, input, output, print_out};
use super::{CliError, EngineArgs, NamespaceArgs};
use crate::diag::{Code, Diagnostic, Format, Sources};
use crate::emit::GENERATED_HEADER;
use crate::model::load::Source;
use crate::pipeline::{self, Compiled, ProgramFile, Settings};
use crate::vcs::{Repository, Revision};
use crate::verify::equiv;
use report::{Report, Side};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How `diff` prints its report.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffFormat {
    /// For people at a terminal.
    Text,
    /// A pull request's description (the default template, or `--template`).
    Markdown,
    /// For tools (schema: docs/diff.md).
    Json,
}

/// Arguments of `netpolc diff`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    netpolc diff                                  # HEAD against the work tree, policies/\n  \
    netpolc diff --base main --head HEAD intent/  # two commits\n  \
    netpolc diff --base origin/main --output-dir deploy/netpol -o markdown > body.md\n\n\
    The meaning is compared side by side, for every cluster: a connection's source side (its\n\
    egress) and its destination side (its ingress) are reported separately, each with the\n\
    statements responsible. Comments, layout and order change nothing; the manifests' diff is\n\
    printed when they change without a change in meaning (a statement moved to another file\n\
    or reworded changes its netpolc.io/source annotation).\n\n\
    Exit codes: 0 the meaning is unchanged, 1 it changed, 2 bad input (not in a git repository,\n\
    a bad revision, a path outside the repository, a program that does not compile at one\n\
    side, a bad template), 3 internal error.")]
pub struct DiffArgs {
    /// Program files, or directories whose `.npl` files (recursively) are the program,
    /// relative to the current directory. Default: `policies/`.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The revision to compare from.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    base: String,
    /// The revision to compare to. Default: the work tree (the files on disk).
    #[arg(long, value_name = "REV")]
    head: Option<String>,
    /// Take the base side from the NetworkPolicies netpolc wrote under DIR, as committed at
    /// the base revision, instead of compiling the base program (none if DIR is absent).
    #[arg(long, value_name = "DIR")]
    output_dir: Option<PathBuf>,
    /// Output format: `text` (default), `markdown` (a pull request's description) or `json`.
    #[arg(short, long, value_enum, value_name = "FORMAT")]
    output: Option<DiffFormat>,
    /// Render the markdown through this handlebars template (implies `-o markdown`; the
    /// context is documented in docs/diff.md).
    #[arg(long, value_name = "FILE")]
    template: Option<PathBuf>,
    /// The project settings, read at each side. Default: `netpolc.toml` in the current
    /// directory, where a side has it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    engine: EngineArgs,
    // With `--output-dir`: the namespace of committed manifests that name none.
    #[command(flatten)]
    namespace: NamespaceArgs,
}

/// Why the comparison stopped: a message already printed, or one to print.
enum Stop {
    /// Diagnostics were printed; exit with this code.
    Printed(u8),
    /// A problem to print as `error: ...`.
    Cli(CliError),
}

impl From<CliError> for Stop {
    fn from(e: CliError) -> Stop {
        Stop::Cli(e)
    }
}

impl From<crate::vcs::Error> for Stop {
    fn from(e: crate::vcs::Error) -> Stop {
        Stop::Cli(CliError::bad(e.to_string()))
    }
}

/// Runs `netpolc diff`.
pub fn run(args: &DiffArgs) -> Result<u8, CliError> {
    match compare(args) {
        Ok(code) => Ok(code),
        Err(Stop::Printed(code)) => Ok(code),
        Err(Stop::Cli(e)) => Err(e),
    }
}

fn compare(args: &DiffArgs) -> Result<u8, Stop> {
    let format = match (args.output, &args.template) {
        (None | Some(DiffFormat::Markdown), Some(_)) => DiffFormat::Markdown,
        (Some(_), Some(_)) => {
            return Err(
                CliError::bad("`--template` renders markdown: use it with `-o markdown`").into(),
            )
        }
        (format, None) => format.unwrap_or(DiffFormat::Text),
    };
    // Only the committed manifests of `--output-dir` are read as manifests; the programs
    // always name their namespaces.
    let namespace = args.namespace.get()?;
    if namespace.is_some() && args.output_dir.is_none() {
        return Err(CliError::bad(
            "`--namespace` places the committed manifests of `--output-dir`: give it with `--output-dir`",
        )
        .into());
    }
    // Read before anything is compiled, so a bad template costs nothing.
    let template = match &args.template {
        Some(path) => Some(read_template(path)?),
        None => None,
    };
    let repo = Repository::discover()?;
    let base = repo.revision(&args.base)?;
    let head = match &args.head {
        Some(spec) => repo.revision(spec)?,
        None => Revision::WorkTree,
    };
    let sides = [("base", &base), ("head", &head)];
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("policies")]
    } else {
        args.paths.clone()
    };
    let settings = settings(&repo, &sides, args.config.as_deref())?;
    let programs = programs(&repo, &sides, &paths)?;
    note_submodules(&repo);
    let [base_program, head_program] = programs;
    let [base_settings, head_settings] = settings;
    // Both sides' meanings are compared on one kind of cluster: head's, the settings
    // under review.
    let options = args.engine.options(&head_settings);
    if base_settings.select_host_network != head_settings.select_host_network
        && !args.engine.select_host_network
    {
        eprintln!(
            "note: `select-host-network` changes between base and head: both sides are compared \
             with hostNetwork pods read as head's settings say ({})",
            if options.select_host_network {
                "pods that policies select and match"
            } else {
                "node traffic"
            }
        );
    }
    let new = compile(("head", &head), &head_program, &head_settings)?;
    let old = match &args.output_dir {
        Some(dir) => {
            let side = committed(&repo, &base, dir, (options, namespace))?;
            note_submodules(&repo);
            side
        }
        None => {
            let compiled = compile(("base", &base), &base_program, &base_settings)?;
            Side {
                meaning: equiv::lift_intent(&compiled.intent, options),
                files: owned_bytes(&compiled.output.files),
                sources: compiled.sources,
            }
        }
    };
    let head_side = Side {
        meaning: equiv::lift_intent(&new.intent, options),
        files: owned_bytes(&new.output.files),
        sources: new.sources,
    };
    let yaml = output::changes_between(&old.files, &new.output.files);
    let Ok(report) = Report::new(
        (&base, &old),
        (&head, &head_side),
        args.output_dir.as_deref(),
        &yaml,
    ) else {
        program::print(&[too_large()], &Sources::new(), Format::Human);
        return Err(Stop::Printed(exit::BAD_INPUT));
    };
    let text = match format {
        DiffFormat::Text => report.text(),
        DiffFormat::Json => report.json(),
        DiffFormat::Markdown => markdown::render(
            &report,
            template
                .as_ref()
                .map(|(name, text)| (name.as_str(), text.as_str())),
        )
        .map_err(CliError::bad)?,
    };
    print_out(&text)?;
    Ok(if report.changed {
        exit::FAILED
    } else {
        exit::OK
    })
}

/// Names the submodules the reads skipped: `compile` reads a submodule's checkout, but no
/// commit of this repository holds its files, so `diff` reads it at neither side.
fn note_submodules(repo: &Repository) {
    for path in repo.take_submodules() {
        eprintln!(
            "note: skipped the submodule `{}` at both sides: its files are not in this \
             repository's history",
            crate::diag::escape_controls(&path.display().to_string())
        );
    }
}

/// The change in meaning did not fit the proof's budget: a refusal, not a guess.
fn too_large() -> Diagnostic {
    Diagnostic::new(
        Code::ProofTooLarge,
        format!(
            "computing the change in meaning between base and head needs more than {} box comparisons, its budget",
            crate::verify::proof::BUDGET
        ),
    )
    .with_note(
        "listing every connection one side allows and the other denies grows exponentially \
         with the label keys that selectors of one namespace combine, and with the address and \
         port ranges of rules that overlap",
    )
    .with_help(
        "split the namespace's selectors, use fewer distinct label keys in one side's rules, \
         or merge address and port ranges that overlap",
    )
}

/// The template's name and text, its syntax and partials checked.
fn read_template(path: &Path) -> Result<(String, String), Stop> {
    let name = path.display().to_string();
    let bytes = input::read_limited(path)
        .map_err(|e| CliError::bad(format!("cannot read the template: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::bad(format!("the template `{name}` is not UTF-8 text")))?;
    markdown::check(&name, &text).map_err(CliError::bad)?;
    Ok((name, text))
}

/// The emitted files as bytes, as a committed tree is read.
fn owned_bytes(files: &BTreeMap<String, String>) -> BTreeMap<String, Vec<u8>> {
    files
        .iter()
        .map(|(path, content)| (path.clone(), content.as_bytes().to_vec()))
        .collect()
}

/// Each side's settings: `--config FILE` or `netpolc.toml` where the side has it. An
/// explicit file that neither side has is an error; a side without it uses the defaults
/// (a program may gain its settings in the change being reviewed).
fn settings(
    repo: &Repository,
    sides: &[(&str, &Revision); 2],
    config: Option<&Path>,
) -> Result<[Settings; 2], Stop> {
    let path = config.unwrap_or(Path::new("netpolc.toml"));
    let found = [repo.file(sides[0].1, path)?, repo.file(sides[1].1, path)?];
    if config.is_some() && found.iter().all(Option::is_none) {
        return Err(at_neither(
            &format!("`{}`: no such file", path.display()),
            sides,
        ));
    }
    let mut out = [Settings::default(), Settings::default()];
    for (i, file) in found.iter().enumerate() {
        let Some(file) = file else { continue };
        out[i] = parse_settings(&file.name, &file.bytes).map_err(|(d, sources)| {
            failed_at(sides[i], "the settings are not valid", &[d], &sources);
            Stop::Printed(exit::BAD_INPUT)
        })?;
    }
    Ok(out)
}

/// Each side's program files. A PATH that one side lacks is empty there (a program may
/// be created, moved or deleted by the change); a PATH that neither side has is an error.
fn programs(
    repo: &Repository,
    sides: &[(&str, &Revision); 2],
    paths: &[PathBuf],
) -> Result<[Vec<ProgramFile>; 2], Stop> {
    let mut out: [Vec<ProgramFile>; 2] = [Vec::new(), Vec::new()];
    for path in paths {
        let found = [
            repo.files(sides[0].1, path, &input::PROGRAMS)?,
            repo.files(sides[1].1, path, &input::PROGRAMS)?,
        ];
        if found.iter().all(Option::is_none) {
            let what = format!("{}: no such file or directory", path.display());
            return Err(at_neither(&what, sides));
        }
        for (i, files) in found.into_iter().enumerate() {
            out[i].extend(files.into_iter().flatten().map(|s: Source| ProgramFile {
                name: s.name,
                bytes: s.bytes,
            }));
        }
    }
    if out.iter().all(Vec::is_empty) {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(CliError::bad(format!(
            "no {} in {} at either side",
            input::PROGRAMS.what(),
            shown.join(", ")
        ))
        .into());
    }
    Ok(out)
}

/// The error for something neither side has: `what at base (HEAD) nor at head (work tree)`.
fn at_neither(what: &str, sides: &[(&str, &Revision); 2]) -> Stop {
    CliError::bad(format!(
        "{what} at base ({}) nor at head ({})",
        sides[0].1.label(),
        sides[1].1.label()
    ))
    .into()
}

/// Compiles one side, printing its diagnostics under the side's name when it fails.
fn compile(
    side: (&str, &Revision),
    files: &[ProgramFile],
    settings: &Settings,
) -> Result<Compiled, Stop> {
    pipeline::compile(files, settings).map_err(|failed| {
        failed_at(
            side,
            "the program does not compile",
            &failed.diagnostics,
            &failed.sources,
        );
        let internal = failed.diagnostics.iter().any(|d| d.code == Code::Internal);
        Stop::Printed(if internal {
            exit::INTERNAL
        } else {
            exit::BAD_INPUT
        })
    })
}

/// Prints a side's diagnostics, naming the side first: `at base (HEAD~1): ...`.
fn failed_at(side: (&str, &Revision), what: &str, diags: &[Diagnostic], sources: &Sources) {
    eprintln!("error: at {} ({}): {what}", side.0, side.1.label());
    program::report(diags, sources, Format::Human);
}

/// The base side from the policies committed under `dir` at `base`: netpolc's own files
/// only (the first line is its header), since regenerating touches no other file.
fn committed(
    repo: &Repository,
    base: &Revision,
    dir: &Path,
    (options, namespace): (crate::verify::Options, Option<&str>),
) -> Result<Side, Stop> {
    let found = repo
        .files(base, dir, &input::MANIFESTS)?
        .unwrap_or_default();
    let owned: Vec<Source> = found
        .into_iter()
        .filter(|s| s.bytes.starts_with(GENERATED_HEADER.as_bytes()))
        .collect();
    let cluster = crate::model::load_in(&owned, namespace).map_err(|errors| {
        eprintln!(
            "error: at base ({}): the manifests under `{}` do not load",
            base.label(),
            dir.display()
        );
        let texts = crate::model::load::texts(&owned, &errors);
        program::print(&errors, &texts, Format::Human);
        Stop::Printed(exit::BAD_INPUT)
    })?;
    let files = owned
        .into_iter()
        .map(|s| (relative(dir, &s.name), s.bytes))
        .collect();
    Ok(Side {
        meaning: equiv::lift_policies(&cluster.policies, options),
        files,
        sources: Sources::new(),
    })
}

/// A file's path below `dir`, `/`-separated, as `emit::Output::files` names it.
fn relative(dir: &Path, name: &str) -> String {
    let path = Path::new(name);
    let below = path.strip_prefix(dir).unwrap_or(path);
    let parts: Vec<String> = below
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}
