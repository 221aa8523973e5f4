//! `netpolc completions SHELL` and `netpolc man [COMMAND]`: shell completions and roff man
//! pages generated from the clap definition itself, so they cannot drift from the options.
//! The release archives carry both (`.ci/release/package.sh` runs these two commands).

use super::{print_with, Cli, CliError};
use clap::CommandFactory;

#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for. Install, for example: bash `netpolc completions bash >
    /// ~/.local/share/bash-completion/completions/netpolc`, zsh into a directory of `$fpath` as
    /// `_netpolc`, fish into `~/.config/fish/completions/netpolc.fish`.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

#[derive(clap::Args, Debug)]
pub struct ManArgs {
    /// The page of one command (`compile` prints netpolc-compile(1)); default netpolc(1),
    /// which lists every command.
    #[arg(value_name = "COMMAND")]
    command: Option<String>,
}

pub fn completions(args: &CompletionsArgs) -> Result<u8, CliError> {
    let mut cmd = Cli::command();
    // Into memory first: clap_complete panics when its writer fails (a closed pipe, as in
    // `netpolc completions bash | head`), and that is the user's I/O, exit 2, not a bug.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "netpolc", &mut script);
    print_with(|out| out.write_all(&script))?;
    Ok(super::exit::OK)
}

pub fn man(args: &ManArgs) -> Result<u8, CliError> {
    let mut root = Cli::command();
    // Names and versions of subcommands are filled in by `build`, as `--help` sees them.
    root.build();
    let page = match &args.command {
        None => root,
        Some(name) => {
            let names: Vec<String> = root
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            let Some(sub) = root.find_subcommand(name) else {
                return Err(CliError::bad(format!(
                    "`{name}` is not a netpolc command; the commands are {}",
                    names.join(", ")
                )));
            };
            // `build` named it netpolc-compile (its page's title) with usage `netpolc compile`.
            // The page's footer shows the version, which clap gives the root only.
            sub.clone().version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut roff)
        .map_err(|e| CliError::Internal(format!("cannot render the man page: {e}")))?;
    print_with(|out| out.write_all(&roff))?;
    Ok(super::exit::OK)
}
