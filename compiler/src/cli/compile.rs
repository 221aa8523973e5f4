//! `netpolc compile`: programs in, NetworkPolicy manifests out (or a check that they are
//! up to date). Nothing is written when there is any error; `cli::output` writes the tree.

use super::{exit, output, print_out, program, CliError};
use crate::diag::{count, Format};
use crate::emit;
use std::path::PathBuf;

/// Arguments of `netpolc compile`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    netpolc compile -o deploy/netpol                 # policies/ → deploy/netpol/<namespace>/<name>.yaml\n  \
    netpolc compile intent/ -o deploy/netpol --check # in CI: exit 1 if the manifests are stale\n  \
    netpolc compile shop.npl --stdout | kubectl diff -f -\n\n\
    The output directory gets one file per NetworkPolicy, a kustomization.yaml per namespace and\n\
    one at its root (for Argo CD, Flux or `kubectl apply -k`), and `.netpolc-files`, the record\n\
    of what netpolc wrote there: it replaces or removes only those files, refuses to touch any\n\
    other, and never writes into another output directory inside DIR. A run killed while\n\
    switching files is finished by the next `compile -o`.\n\n\
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
    let format = args.message_format;
    let compiled = match program::compile(&args.paths, args.config.as_deref(), format)? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    if args.deny_warnings && !compiled.warnings.is_empty() {
        eprintln!("error: warnings are denied (--deny-warnings); nothing was written");
        return Ok(exit::FAILED);
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
    let policies = compiled.output.manifests.len();
    if args.check {
        let plan = match output::plan(dir, &compiled.output.files) {
            Ok(plan) => plan,
            Err(diags) => {
                program::report(&diags, &compiled.sources, format);
                return Ok(program::exit_for(&diags));
            }
        };
        if plan.is_empty() {
            eprintln!(
                "{} is up to date ({})",
                dir.display(),
                count(policies, "policy", "policies")
            );
            return Ok(exit::OK);
        }
        print_out(&plan.diff())?;
        eprintln!(
            "{} is not up to date: {}; run `netpolc compile` to update it",
            dir.display(),
            plan.summary()
        );
        if dir.join(output::JOURNAL).exists() {
            eprintln!(
                "note: a write into {} was interrupted; `netpolc compile -o` finishes it",
                dir.display()
            );
        }
        return Ok(exit::FAILED);
    }
    let written = match output::write(dir, &compiled.output.files) {
        Ok(written) => written,
        Err(diags) => {
            program::report(&diags, &compiled.sources, format);
            return Ok(program::exit_for(&diags));
        }
    };
    if let Some(steps) = written.recovered {
        eprintln!(
            "finished the write into {} that an earlier run left interrupted ({})",
            dir.display(),
            count(steps, "file", "files")
        );
    }
    eprintln!(
        "compiled {} into {}: {}",
        count(policies, "policy", "policies"),
        dir.display(),
        written.summary
    );
    for path in &written.removed {
        eprintln!(
            "  removed {} (netpolc wrote it; the program no longer produces it)",
            dir.join(path).display()
        );
    }
    if written.adopted {
        eprintln!(
            "note: {} had no record of netpolc's files ({}): the files at the paths written now \
             were taken as netpolc's and the record is written; files an earlier netpolc wrote \
             elsewhere in it are left as they are",
            dir.display(),
            output::RECORD
        );
    }
    Ok(exit::OK)
}
