//! The command line: the only user of clap, and (with `vcs`) the only code that
//! touches files. One file per subcommand.

mod explain;
pub mod input;
mod reach;

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
    long_about = "netpolc reads Kubernetes manifests (Namespaces, Pods, workloads, NetworkPolicies) and \
                  computes exactly what the NetworkPolicies allow, under the networking.k8s.io/v1 rules.\n\n\
                  Exit codes: 0 ok, 1 check failed, 2 bad input or usage, 3 internal error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the connectivity map: which workloads may open connections to which, on which ports,
    /// and what each may reach outside the cluster.
    Reach(reach::ReachArgs),
    /// Say whether one connection is allowed, and why: the policies that select each side and the
    /// rule that allows it, or that a side is isolated and no rule matches.
    Explain(explain::ExplainArgs),
}

/// Options shared by the commands that read manifests.
#[derive(clap::Args, Debug, Clone)]
pub struct EngineArgs {
    /// ipBlock never matches pod IPs, as with network plugins such as Cilium that apply ipBlock
    /// only to traffic leaving the cluster. By default an ipBlock matches pods whose IP lies in it,
    /// as the upstream conformance tests expect.
    #[arg(long)]
    pub no_ipblock_pods: bool,
}

impl EngineArgs {
    fn options(&self) -> crate::verify::Options {
        crate::verify::Options {
            ipblock_matches_pods: !self.no_ipblock_pods,
        }
    }
}

/// Reads and loads manifests, turning every problem into bad input.
fn load_cluster(paths: &[std::path::PathBuf]) -> Result<crate::model::Cluster, CliError> {
    let sources = input::read_sources(paths).map_err(CliError::bad)?;
    let cluster = crate::model::load(&sources)
        .map_err(|errs| CliError::BadInput(errs.iter().map(|e| e.to_string()).collect()))?;
    for note in &cluster.notes {
        eprintln!("note: {}: {}", note.origin, note.message);
    }
    Ok(cluster)
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
        eprintln!("internal error: {info}");
        eprintln!("this is a bug in netpolc; please report it with the input that caused it");
    }));
    let result = std::panic::catch_unwind(|| match &cli.command {
        Command::Reach(args) => reach::run(args),
        Command::Explain(args) => explain::run(args),
    });
    match result {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(CliError::BadInput(lines))) => {
            for l in lines {
                eprintln!("error: {l}");
            }
            ExitCode::from(exit::BAD_INPUT)
        }
        Ok(Err(CliError::Internal(msg))) => {
            eprintln!("internal error: {msg}");
            ExitCode::from(exit::INTERNAL)
        }
        Err(_) => ExitCode::from(exit::INTERNAL),
    }
}

/// Writes to stdout, treating a closed pipe (`| head`) as success.
fn print_out(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Internal(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}
