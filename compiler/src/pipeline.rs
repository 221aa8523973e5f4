//! The compiler's front door: program files in, policies (or diagnostics) out.
//! syntax → resolve → lower → emit, each phase reporting [`Diagnostic`]s; the library
//! touches no files (`cli` reads and writes them).

use crate::diag::{Diagnostic, Severity, Sources};
use crate::emit;
use crate::ir::Intent;
use crate::resolve::hir;

/// One `.npl` file as read: its name as the user gave it, and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramFile {
    /// The path as given, for messages and source annotations.
    pub name: String,
    /// The raw bytes (checked for UTF-8 here, so that the error has a code).
    pub bytes: Vec<u8>,
}

/// Project settings (`netpolc.toml`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The label key that names workloads: `web` means pods with `<key>=web`.
    pub workload_label: String,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            workload_label: "app".to_owned(),
        }
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
