//! Writing `compile`'s files into an output directory: plan first, then apply.
//!
//! [`plan`] reads the directory and decides, without writing anything, which files to
//! create, replace and remove. netpolc owns a file when its first line is
//! [`GENERATED_HEADER`]: it replaces and removes only such files, refuses (with
//! [`Code::ForeignFile`]) to write where any other file stands, and never touches other
//! files. Symbolic links are never followed inside the directory: a link is a file netpolc
//! did not write.
//!
//! [`Plan::apply`] stages every new content in a hidden file beside its target and fsyncs
//! it; if any of that fails it removes what it staged and the directory is as it was. Only
//! then does it rename each staged file over its target (atomic per file on POSIX) and
//! remove stale files, and the directories that removing them left empty.

use crate::diag::{Code, Diagnostic};
use crate::emit::GENERATED_HEADER;
use crate::syntax::Span;
use scan::{inspect, owned_files, Blocker, Target};
use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

mod apply;
mod scan;

/// What happens to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    /// A new file.
    Create,
    /// A file netpolc wrote before, with other content now.
    Replace,
    /// A file netpolc wrote before that the program no longer produces.
    Remove,
}

/// One file to create, replace or remove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Relative to the output directory, `/`-separated.
    pub path: String,
    /// What happens to it.
    pub kind: ChangeKind,
    /// The content there now (`Replace`, `Remove`); not necessarily UTF-8.
    pub old: Option<Vec<u8>>,
    /// The content to write (`Create`, `Replace`).
    pub new: Option<String>,
}

/// How many files a plan changes, and how many it leaves as they are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files to create.
    pub created: usize,
    /// Files to replace.
    pub replaced: usize,
    /// Stale files to remove.
    pub removed: usize,
    /// Files whose content is already right.
    pub unchanged: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} created, {} replaced, {} removed, {} unchanged",
            self.created, self.replaced, self.removed, self.unchanged
        )
    }
}

/// The changes that bring an output directory to a set of files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    dir: PathBuf,
    /// Sorted by path.
    changes: Vec<Change>,
    unchanged: usize,
}

/// Plans writing `files` (relative `/`-separated path → content) into `dir`, which need
/// not exist yet. Reads, never writes. Errors: [`Code::ForeignFile`] for every path where
/// netpolc would have to overwrite a file it did not write, [`Code::Io`] when the
/// directory cannot be read, [`Code::Internal`] for a path that is not plainly inside `dir`.
pub fn plan(dir: &Path, files: &BTreeMap<String, String>) -> Result<Plan, Vec<Diagnostic>> {
    let mut errors: Vec<Diagnostic> = files
        .keys()
        .filter_map(|path| check_path(path, files).err())
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let owned = match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => owned_files(dir, &mut errors),
        Ok(_) => return Err(vec![io_error(dir, "is not a directory", None)]),
        Err(e) if e.kind() == io::ErrorKind::NotFound => BTreeMap::new(),
        Err(e) => return Err(vec![io_error(dir, "cannot be read", Some(&e))]),
    };
    let mut changes = Vec::new();
    let mut unchanged = 0;
    for (path, content) in files {
        match inspect(dir, path) {
            Ok(Target::Missing) => changes.push(Change {
                path: path.clone(),
                kind: ChangeKind::Create,
                old: None,
                new: Some(content.clone()),
            }),
            Ok(Target::File) => match owned.get(path) {
                Some(old) if old == content.as_bytes() => unchanged += 1,
                Some(old) => changes.push(Change {
                    path: path.clone(),
                    kind: ChangeKind::Replace,
                    old: Some(old.clone()),
                    new: Some(content.clone()),
                }),
                None => errors.push(foreign(dir, path, "netpolc did not write it", None)),
            },
            Ok(Target::Blocked(at, blocker)) => errors.push(blocked(dir, &at, blocker, &owned)),
            Err(e) => errors.push(io_error(&join(dir, path), "cannot be read", Some(&e))),
        }
    }
    for (path, old) in &owned {
        if !files.contains_key(path) {
            changes.push(Change {
                path: path.clone(),
                kind: ChangeKind::Remove,
                old: Some(old.clone()),
                new: None,
            });
        }
    }
    if !errors.is_empty() {
        errors.sort_by(|a, b| a.message.cmp(&b.message));
        errors.dedup();
        return Err(errors);
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Plan {
        dir: dir.to_owned(),
        changes,
        unchanged,
    })
}

impl Plan {
    /// The output directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every change, sorted by path.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// Whether the directory already holds exactly these files.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// How many files each kind of change touches.
    pub fn summary(&self) -> Summary {
        let count = |kind| self.changes.iter().filter(|c| c.kind == kind).count();
        Summary {
            created: count(ChangeKind::Create),
            replaced: count(ChangeKind::Replace),
            removed: count(ChangeKind::Remove),
            unchanged: self.unchanged,
        }
    }

    /// A unified diff of every change, by path (see [`unified_diff`]).
    pub fn diff(&self) -> String {
        unified_diff(&self.changes)
    }
}

/// The changes that turn the files `old` into the files `new` (both by relative,
/// `/`-separated path), sorted by path: `netpolc diff` compares two emitted trees, or a
/// committed one with a new one, the way `compile --check` compares a directory.
pub fn changes_between(
    old: &BTreeMap<String, Vec<u8>>,
    new: &BTreeMap<String, String>,
) -> Vec<Change> {
    let mut changes = Vec::new();
    for (path, content) in new {
        match old.get(path) {
            Some(before) if before == content.as_bytes() => {}
            before => changes.push(Change {
                path: path.clone(),
                kind: if before.is_some() {
                    ChangeKind::Replace
                } else {
                    ChangeKind::Create
                },
                old: before.cloned(),
                new: Some(content.clone()),
            }),
        }
    }
    for (path, before) in old {
        if !new.contains_key(path) {
            changes.push(Change {
                path: path.clone(),
                kind: ChangeKind::Remove,
                old: Some(before.clone()),
                new: None,
            });
        }
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    changes
}

/// A unified diff of `changes`, in their order: `--- a/path` and `+++ b/path`, with
/// `/dev/null` on the missing side of a created or removed file, as git writes it (so
/// `git apply` and `patch -p1` take it).
pub fn unified_diff(changes: &[Change]) -> String {
    let mut out = String::new();
    for change in changes {
        let old = change
            .old
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        let new = change.new.as_deref().unwrap_or("");
        let (a, b) = match change.kind {
            ChangeKind::Create => ("/dev/null".to_owned(), format!("b/{}", change.path)),
            ChangeKind::Replace => (format!("a/{}", change.path), format!("b/{}", change.path)),
            ChangeKind::Remove => (format!("a/{}", change.path), "/dev/null".to_owned()),
        };
        out.push_str(&format!("--- {a}\n+++ {b}\n"));
        let diff = similar::TextDiff::from_lines(old.as_ref(), new);
        for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
            out.push_str(&hunk.to_string());
        }
    }
    out
}

/// Checks that a path from the emitter is plainly inside the output directory and is not
/// also a directory of another path.
fn check_path(path: &str, files: &BTreeMap<String, String>) -> Result<(), Diagnostic> {
    let bad = |why: &str| {
        Err(
            Diagnostic::new(Code::Internal, format!("the output path `{path}` {why}"))
                .with_help("this is a bug in netpolc; please report it with the program"),
        )
    };
    if path.is_empty() {
        return bad("is empty");
    }
    if path.starts_with('/') {
        return bad("is absolute");
    }
    for part in path.split('/') {
        if part.is_empty() || part == "." || part == ".." {
            return bad("has an empty, `.` or `..` component");
        }
        if part.contains(['\\', ':', '\0']) {
            return bad("has a character that is a separator on some systems");
        }
    }
    let mut prefix = String::new();
    for part in path.split('/') {
        if !prefix.is_empty() && files.contains_key(&prefix) {
            return bad(&format!(
                "needs `{prefix}` to be a directory, but it is also a file"
            ));
        }
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(part);
    }
    Ok(())
}

/// `dir` joined with a `/`-separated relative path.
fn join(dir: &Path, path: &str) -> PathBuf {
    let mut out = dir.to_owned();
    out.extend(path.split('/').filter(|p| !p.is_empty()));
    out
}

/// The refusal for a target where a file netpolc did not write stands.
fn foreign(dir: &Path, path: &str, why: &str, what: Option<Blocker>) -> Diagnostic {
    let shown = join(dir, path).display().to_string();
    let subject = match what {
        Some(what) => format!("{} `{shown}`", what.describe()),
        None => format!("`{shown}`"),
    };
    Diagnostic::new(
        Code::ForeignFile,
        format!("refusing to overwrite {subject}: {why}"),
    )
    .at(&shown, Span::default())
    .with_note(format!(
        "netpolc replaces or removes only files whose first line is `{GENERATED_HEADER}`"
    ))
    .with_help("move it out of the way, or write the output to another directory")
}

/// The refusal for something in a target's way: a link, a directory, a file where a
/// directory must be.
fn blocked(
    dir: &Path,
    at: &str,
    blocker: Blocker,
    owned: &BTreeMap<String, Vec<u8>>,
) -> Diagnostic {
    if owned.contains_key(at) {
        // netpolc's own file from an earlier output, where a directory is needed now:
        // removing it first would break "staging changes nothing", so ask.
        return io_error(
            &join(dir, at),
            "is a file netpolc wrote earlier, where a directory is needed now",
            None,
        )
        .with_help("remove it and compile again");
    }
    let why = match blocker {
        Blocker::File => "netpolc did not write it, and needs a directory there",
        _ => "netpolc did not write it",
    };
    foreign(dir, at, why, Some(blocker))
}

/// An I/O problem with a path: `` `out/a.yaml` cannot be read: permission denied``.
fn io_error(path: &Path, what: &str, error: Option<&io::Error>) -> Diagnostic {
    let shown = path.display().to_string();
    let message = match error {
        Some(e) => format!("`{shown}` {what}: {e}"),
        None => format!("`{shown}` {what}"),
    };
    Diagnostic::new(Code::Io, message)
}
