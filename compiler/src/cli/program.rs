//! What the commands that read programs share: the project settings, the program files,
//! and printing diagnostics in the format asked for.

use super::{exit, input, stderr_color, CliError};
use crate::diag::{render, summary, Code, Diagnostic, Format, Severity, Sources};
use crate::pipeline::{self, Compiled, ProgramFile, Settings};
use std::path::{Path, PathBuf};

/// Where programs are looked for when no PATH is given.
pub const DEFAULT_PROGRAM_DIR: &str = "policies";

/// Prints diagnostics to stderr in `format`, with the summary line for people.
pub fn report(diags: &[Diagnostic], sources: &Sources, format: Format) {
    print(diags, sources, format);
    if format == Format::Human {
        if let Some(line) = summary(diags, stderr_color()) {
            eprintln!("{line}");
        }
    }
}

/// Prints diagnostics to stderr in `format`, without the summary line (which speaks of
/// compiling); human ones coloured when stderr is a terminal.
pub fn print(diags: &[Diagnostic], sources: &Sources, format: Format) {
    let color = stderr_color() && format == Format::Human;
    eprint!("{}", render(diags, sources, format, color));
}

/// Exit 3 for an internal error, 2 for any other error, else 0.
pub fn exit_for(diags: &[Diagnostic]) -> u8 {
    if diags.iter().any(|d| d.code == Code::Internal) {
        exit::INTERNAL
    } else if diags.iter().any(|d| d.severity() == Severity::Error) {
        exit::BAD_INPUT
    } else {
        exit::OK
    }
}

/// Reads the settings (`--config`, or `./netpolc.toml`) and the program under `paths`,
/// compiles it and prints its diagnostics, warnings included. The inner `Err` is the exit
/// code when there is no compiled program.
pub fn compile(
    paths: &[PathBuf],
    config: Option<&Path>,
    format: Format,
) -> Result<Result<Compiled, u8>, CliError> {
    match load_settings(config, format) {
        Ok(settings) => compile_with(paths, &settings, format),
        Err(code) => Ok(Err(code)),
    }
}

/// The settings (`--config`, or `./netpolc.toml`), or the exit code after printing why
/// they are not valid.
pub fn load_settings(config: Option<&Path>, format: Format) -> Result<Settings, u8> {
    settings(config).map_err(|(d, sources)| {
        report(&[d], &sources, format);
        exit::BAD_INPUT
    })
}

/// [`compile`] with settings already read.
pub fn compile_with(
    paths: &[PathBuf],
    settings: &Settings,
    format: Format,
) -> Result<Result<Compiled, u8>, CliError> {
    let files = read(paths)?;
    match pipeline::compile(&files, settings) {
        Ok(compiled) => {
            if !compiled.warnings.is_empty() {
                report(&compiled.warnings, &compiled.sources, format);
            }
            Ok(Ok(compiled))
        }
        Err(failed) => {
            report(&failed.diagnostics, &failed.sources, format);
            Ok(Err(exit_for(&failed.diagnostics)))
        }
    }
}

/// The `.npl` files under `paths` (default `policies/`), as the pipeline takes them.
pub fn read(paths: &[PathBuf]) -> Result<Vec<ProgramFile>, CliError> {
    let default = [PathBuf::from(DEFAULT_PROGRAM_DIR)];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    // An absolute path inside the current directory is named relative to it, so that no
    // home directory reaches the generated files' annotations.
    let cwd = std::env::current_dir().ok();
    Ok(input::read(paths, &input::PROGRAMS)
        .map_err(CliError::bad)?
        .into_iter()
        .map(|s| {
            let relative = cwd
                .as_deref()
                .and_then(|cwd| Path::new(&s.name).strip_prefix(cwd).ok())
                .map(|p| p.display().to_string());
            ProgramFile {
                name: relative.unwrap_or(s.name),
                bytes: s.bytes,
            }
        })
        .collect())
}

/// The settings from `--config FILE`, or `./netpolc.toml` when it exists, or defaults.
pub fn settings(config: Option<&Path>) -> Result<Settings, (Diagnostic, Sources)> {
    let default = Path::new("netpolc.toml");
    let path = match config {
        Some(p) => p,
        None if default.is_file() => default,
        None => return Ok(Settings::default()),
    };
    let name = path.display().to_string();
    let bytes = input::read_limited(path).map_err(|e| {
        (
            Diagnostic::new(Code::BadConfig, format!("cannot read the settings: {e}")),
            Sources::new(),
        )
    })?;
    parse_settings(&name, &bytes)
}

/// Settings from the bytes of a `netpolc.toml` named `name` (read from disk or from a
/// revision), with the text kept for the diagnostic's snippet.
pub fn parse_settings(name: &str, bytes: &[u8]) -> Result<Settings, (Diagnostic, Sources)> {
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
