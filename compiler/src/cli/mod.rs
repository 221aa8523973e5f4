//! The command line: the only user of clap, and (with `vcs`) the only code that
//! touches files. One file per subcommand.

mod check;
mod compile;
mod completions;
mod diff;
mod explain;
pub use crate::source::read as input;
pub mod output;
mod program;
mod reach;

use crate::diag::{escape_controls, explanation, Code};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Exit codes, as documented in the README.
pub mod exit {
    /// Success: allowed, equivalent, no change in meaning.
    pub const OK: u8 = 0;
    /// A check failed or the meaning changed.
    pub const FAILED: u8 = 1;
    /// Bad input or usage.
    pub const BAD_INPUT: u8 = 2;
    /// An internal error: a bug in netpolc.
    pub const INTERNAL: u8 = 3;
}

/// Why a command stopped.
#[derive(Debug)]
pub enum CliError {
    /// The user's input is wrong; each line is one problem.
    BadInput(Vec<String>),
    /// netpolc itself failed.
    Internal(String),
    /// Diagnostics were printed; exit with this code.
    Printed(u8),
}

impl CliError {
    fn bad(msg: impl Into<String>) -> Self {
        CliError::BadInput(vec![msg.into()])
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "netpolc",
    version,
    about = "Compile network intent into minimal Kubernetes NetworkPolicies, and prove what policies allow",
    long_about = "netpolc compiles intent written in a short language (\"app may talk to db on 5432\", \
                  \"isolate namespace\", \"egress only 8.8.8.8\") into minimal Kubernetes NetworkPolicies, \
                  and reads Kubernetes manifests to compute exactly what NetworkPolicies allow, under the \
                  networking.k8s.io/v1 rules.\n\n\
                  Exit codes: 0 ok, 1 check failed (for diff: the meaning changed), 2 bad input or usage, \
                  3 internal error.",
    arg_required_else_help = true,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    /// Print the long explanation of a diagnostic code, such as `NP0203`, and exit.
    #[arg(long, value_name = "CODE")]
    explain: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Compile intent (`.npl` programs) into NetworkPolicy manifests: one file per policy,
    /// with kustomizations, written only when the program has no error.
    Compile(compile::CompileArgs),
    /// Prove that NetworkPolicies (compiled output after a hand edit, or written by people)
    /// mean exactly what the program says, for every cluster; print a concrete connection
    /// for each difference.
    Check(check::CheckArgs),
    /// Print the connectivity map: which workloads may open connections to which, on which ports,
    /// and what each may reach outside the cluster.
    Reach(reach::ReachArgs),
    /// Compare two revisions of a program (by default HEAD and the work tree): the connections
    /// newly allowed and newly denied on every cluster, and the change in the generated
    /// manifests.
    Diff(diff::DiffArgs),
    /// Say whether one connection is allowed, and why: the policies that select each side and the
    /// rule that allows it, or that a side is isolated and no rule matches.
    Explain(explain::ExplainArgs),
    /// Print shell completions for bash, zsh, fish, powershell or elvish.
    Completions(completions::CompletionsArgs),
    /// Print netpolc's man page (roff), or one command's: `netpolc man | man -l -`.
    Man(completions::ManArgs),
}

/// Options shared by the commands that read manifests.
#[derive(clap::Args, Debug, Clone)]
pub struct EngineArgs {
    /// ipBlock never matches pod IPs, as with network plugins such as Cilium that apply ipBlock
    /// only to traffic leaving the cluster. By default an ipBlock matches pods whose IP lies in it,
    /// as the upstream conformance tests expect.
    #[arg(long)]
    pub no_ipblock_pods: bool,
    /// Policies select and match hostNetwork pods like any pod, as plugins that tell their
    /// traffic apart do (and np-guard and NCA read them). By default they are node traffic:
    /// never selected, matched only by an ipBlock holding their address, the most common
    /// implementation (Kubernetes docs). Also `select-host-network = true` in netpolc.toml.
    #[arg(long)]
    pub select_host_network: bool,
}

impl EngineArgs {
    /// The engine's options: these flags, and the reading of hostNetwork pods that the
    /// settings ask for (a flag can only turn it on).
    fn options(&self, settings: &crate::pipeline::Settings) -> crate::verify::Options {
        crate::verify::Options {
            ipblock_matches_pods: !self.no_ipblock_pods,
            select_host_network: self.select_host_network || settings.select_host_network,
        }
    }
}

/// The namespace of manifests that name none, for the commands that read manifests.
#[derive(clap::Args, Debug, Clone)]
pub struct NamespaceArgs {
    /// Read objects that name no namespace into NAMESPACE, as `kubectl apply -n` applies
    /// them (default: `default`). Objects that name one keep it.
    #[arg(short = 'n', long = "namespace", value_name = "NAMESPACE")]
    namespace: Option<String>,
}

impl NamespaceArgs {
    /// The namespace given, if any; bad input unless it is a namespace's name (a DNS-1123
    /// label, as ValidateNamespaceName requires).
    fn get(&self) -> Result<Option<&str>, CliError> {
        let Some(ns) = self.namespace.as_deref() else {
            return Ok(None);
        };
        match crate::model::validate::dns1123_label(ns).first() {
            None => Ok(Some(ns)),
            Some(problem) => Err(CliError::bad(format!(
                "`--namespace {ns}` is not a namespace's name: {problem}"
            ))),
        }
    }
}

/// Reads and loads manifests, turning every problem into bad input. For `reach` and
/// `explain`, which answer about pods: a workload that does not load would be missing
/// from the answer, so it fails the command (unlike `check`, which reads policies only).
/// Objects that name no namespace go into `namespace` (`default` when `None`).
fn load_cluster(
    paths: &[std::path::PathBuf],
    namespace: Option<&str>,
) -> Result<crate::model::Cluster, CliError> {
    let sources = input::read_sources(paths).map_err(CliError::bad)?;
    let format = crate::diag::Format::Human;
    let cluster = match crate::model::load_in(&sources, namespace) {
        Ok(cluster) => cluster,
        Err(errors) => {
            let texts = crate::model::load::texts(&sources, &errors);
            program::print(&errors, &texts, format);
            return Err(CliError::Printed(exit::BAD_INPUT));
        }
    };
    let notes: Vec<&crate::model::Note> = cluster.notes.iter().collect();
    print_notes(&sources, &notes, format);
    Ok(cluster)
}

/// The loader's notes and warnings, as diagnostics.
fn print_notes(
    sources: &[crate::model::Source],
    notes: &[&crate::model::Note],
    format: crate::diag::Format,
) {
    let diags: Vec<crate::diag::Diagnostic> = notes.iter().map(|n| n.diagnostic.clone()).collect();
    let texts = crate::model::load::texts(sources, &diags);
    program::print(&diags, &texts, format);
}

/// Runs the command line and returns the process exit code. Panics are caught
/// and reported as internal errors (exit 3), never as a crash.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with success, usage errors to stderr.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::BAD_INPUT
            } else {
                exit::OK
            });
        }
    };
    std::panic::set_hook(Box::new(|info| {
        // `eprintln!` panics when standard error cannot be written (a full disk): that is
        // the user's I/O failing, not a bug, and the hook must not panic again (an abort).
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied());
        if message.is_some_and(|m| m.starts_with("failed printing to stderr")) {
            STDERR_FAILED.store(true, std::sync::atomic::Ordering::Relaxed);
            return;
        }
        use std::io::Write;
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "internal error: {info}");
        let _ = writeln!(
            err,
            "this is a bug in netpolc; please report it with the input that caused it"
        );
    }));
    let result = std::panic::catch_unwind(|| match (&cli.explain, &cli.command) {
        (Some(code), _) => explain_code(code),
        (None, Some(Command::Compile(args))) => compile::run(args),
        (None, Some(Command::Check(args))) => check::run(args),
        (None, Some(Command::Reach(args))) => reach::run(args),
        (None, Some(Command::Explain(args))) => explain::run(args),
        (None, Some(Command::Diff(args))) => diff::run(args),
        (None, Some(Command::Completions(args))) => completions::completions(args),
        (None, Some(Command::Man(args))) => completions::man(args),
        // clap's `arg_required_else_help` answers an empty command line before this.
        (None, None) => Err(CliError::bad("give a command, or `--explain CODE`")),
    });
    match result {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(CliError::BadInput(lines))) => {
            // These quote manifests (policy names, labels): escaped as diagnostics are.
            for l in lines {
                eprintln!("error: {}", escape_controls(&l));
            }
            ExitCode::from(exit::BAD_INPUT)
        }
        Ok(Err(CliError::Printed(code))) => ExitCode::from(code),
        Ok(Err(CliError::Internal(msg))) => {
            eprintln!("internal error: {}", escape_controls(&msg));
            ExitCode::from(exit::INTERNAL)
        }
        Err(_) if STDERR_FAILED.load(std::sync::atomic::Ordering::Relaxed) => {
            ExitCode::from(exit::BAD_INPUT)
        }
        Err(_) => ExitCode::from(exit::INTERNAL),
    }
}

/// Set when writing to standard error failed: the run ends with exit 2, an I/O failure.
static STDERR_FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `netpolc --explain CODE`: prints the registry's long text for a code, like
/// `rustc --explain`. The `NP` may be left out: `--explain 0203`.
fn explain_code(text: &str) -> Result<u8, CliError> {
    let trimmed = text.trim();
    let code = if trimmed.len() == 4 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        Code::parse(&format!("NP{trimmed}"))
    } else {
        Code::parse(trimmed)
    };
    let Some(code) = code else {
        let known: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        eprintln!("error: `{text}` is not a netpolc diagnostic code");
        eprintln!("  = note: codes are `NP` followed by four digits, such as `NP0203`");
        eprintln!("  = note: known codes: {}", known.join(", "));
        return Ok(exit::BAD_INPUT);
    };
    print_out(explanation(code))?;
    Ok(exit::OK)
}

/// Whether diagnostics on stderr should be coloured: stderr is a terminal and `NO_COLOR`
/// is unset or empty (<https://no-color.org>).
pub fn stderr_color() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Writes to stdout, treating a closed pipe (`| head`) as success.
fn print_out(text: &str) -> Result<(), CliError> {
    print_with(|out| out.write_all(text.as_bytes()))
}

/// Writes to standard output through `write`, then flushes.
fn print_with(
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    // A full disk or a reader that went away (a closed pipe) loses the output: the user's
    // I/O failed, exit 2 with a message, never a silent 0 or an "internal error".
    write(&mut out)
        .and_then(|()| out.flush())
        .map_err(|e| CliError::bad(format!("cannot write to standard output: {e}")))
}
