//! `netpolc compile`: programs in, NetworkPolicy manifests out (or a check that they are
//! up to date). Nothing is written when there is any error; `cli::output` writes the tree.

use super::{exit, input, output, print_diagnostics, print_out, CliError};
use crate::diag::{Code, Diagnostic, Format, Severity, Sources};
use crate::emit;
use crate::pipeline::{self, ProgramFile, Settings};
use std::path::{Path, PathBuf};

/// Arguments of `netpolc compile`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    netpolc compile -o deploy/netpol                 # policies/ → deploy/netpol/<namespace>/<name>.yaml\n  \
    netpolc compile intent/ -o deploy/netpol --check # in CI: exit 1 if the manifests are stale\n  \
    netpolc compile shop.npl --stdout | kubectl diff -f -\n\n\
    The output directory gets one file per NetworkPolicy, a kustomization.yaml per namespace and\n\
    one at its root (for Argo CD, Flux or `kubectl apply -k`). netpolc replaces or removes only\n\
    files it wrote itself (their first line says so) and refuses to touch any other.\n\n\
    Exit codes: 0 compiled (or up to date), 1 --check found differences or --deny-warnings\n\
    found warnings, 2 errors in the program or its files, 3 internal error.")]
pub struct CompileArgs {
    /// Program files, or directories whose `.npl` files (recursively) are the program.
    /// Default: `policies/`.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The output directory.
    #[arg(
        short = 'o',
        long = "out",
        value_name = "DIR",
        required_unless_present = "stdout"
    )]
    out: Option<PathBuf>,
    /// Print every NetworkPolicy to standard output as one multi-document YAML stream,
    /// instead of writing a directory.
    #[arg(long, conflicts_with_all = ["out", "check"])]
    stdout: bool,
    /// Write nothing; exit 1 and print a unified diff when DIR differs from what compile
    /// would write.
    #[arg(long)]
    check: bool,
    /// How to print diagnostics: human, short, json, or github (workflow annotations).
    #[arg(long, value_name = "FORMAT", default_value = "human")]
    message_format: Format,
    /// Treat warnings as failures: print them, write nothing, exit 1.
    #[arg(long)]
    deny_warnings: bool,
    /// The project settings. Default: `netpolc.toml` in the current directory, if present.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// Runs `netpolc compile`.
pub fn run(args: &CompileArgs) -> Result<u8, CliError> {
    let report = |diags: &[Diagnostic], sources: &Sources| {
        print_diagnostics(diags, sources, args.message_format);
    };
    let settings = match settings(args.config.as_deref()) {
        Ok(s) => s,
        Err((d, sources)) => {
            report(&[d], &sources);
            return Ok(exit::BAD_INPUT);
        }
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("policies")]
    } else {
        args.paths.clone()
    };
    let files: Vec<ProgramFile> = input::read(&paths, &input::PROGRAMS)
        .map_err(CliError::bad)?
        .into_iter()
        .map(|s| ProgramFile {
            name: s.name,
            bytes: s.bytes,
        })
        .collect();
    let compiled = match pipeline::compile(&files, &settings) {
        Ok(c) => c,
        Err(failed) => {
            report(&failed.diagnostics, &failed.sources);
            let internal = failed.diagnostics.iter().any(|d| d.code == Code::Internal);
            return Ok(if internal {
                exit::INTERNAL
            } else {
                exit::BAD_INPUT
            });
        }
    };
    if !compiled.warnings.is_empty() {
        report(&compiled.warnings, &compiled.sources);
        if args.deny_warnings {
            eprintln!("error: warnings are denied (--deny-warnings); nothing was written");
            return Ok(exit::FAILED);
        }
    }
    if args.stdout {
        print_out(&emit::stream(&compiled.output))?;
        return Ok(exit::OK);
    }
    let Some(dir) = &args.out else {
        return Err(CliError::bad(
            "give an output directory with `-o DIR`, or `--stdout`",
        ));
    };
    let plan = match output::plan(dir, &compiled.output.files) {
        Ok(plan) => plan,
        Err(diags) => {
            report(&diags, &compiled.sources);
            return Ok(exit_for(&diags));
        }
    };
    let policies = compiled.output.manifests.len();
    if args.check {
        if plan.is_empty() {
            eprintln!("{} is up to date ({policies} policies)", dir.display());
            return Ok(exit::OK);
        }
        print_out(&plan.diff())?;
        eprintln!(
            "{} is not up to date: {}; run `netpolc compile` to update it",
            dir.display(),
            plan.summary()
        );
        return Ok(exit::FAILED);
    }
    let changes = plan.summary();
    if let Err(d) = plan.apply() {
        report(std::slice::from_ref(&d), &compiled.sources);
        return Ok(exit_for(std::slice::from_ref(&d)));
    }
    eprintln!(
        "compiled {policies} policies into {}: {changes}",
        dir.display()
    );
    Ok(exit::OK)
}

/// Exit 3 for an internal error, otherwise 2.
fn exit_for(diags: &[Diagnostic]) -> u8 {
    if diags.iter().any(|d| d.code == Code::Internal) {
        exit::INTERNAL
    } else if diags.iter().any(|d| d.severity() == Severity::Error) {
        exit::BAD_INPUT
    } else {
        exit::OK
    }
}

/// The settings from `--config FILE`, or `./netpolc.toml` when it exists, or defaults.
fn settings(config: Option<&Path>) -> Result<Settings, (Diagnostic, Sources)> {
    let default = Path::new("netpolc.toml");
    let path = match config {
        Some(p) => p,
        None if default.is_file() => default,
        None => return Ok(Settings::default()),
    };
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        (
            Diagnostic::new(Code::BadConfig, format!("cannot read `{name}`: {e}")),
            Sources::new(),
        )
    })?;
    parse_settings(&name, &bytes)
}

/// Settings from the bytes of a `netpolc.toml` named `name`, with the text kept for the
/// diagnostic's snippet.
pub(super) fn parse_settings(name: &str, bytes: &[u8]) -> Result<Settings, (Diagnostic, Sources)> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        (
            Diagnostic::new(Code::BadConfig, format!("`{name}` is not UTF-8 text")),
            Sources::new(),
        )
    })?;
    let mut sources = Sources::new();
    sources.add(name, text);
    Settings::from_toml(name, text).map_err(|d| (d, sources))
}
