//! Writing `compile`'s files into an output directory: plan first, then apply.
//!
//! [`plan`] reads the directory and decides, without writing anything, which files to
//! create, replace and remove. netpolc owns only the files that the directory's record
//! (`.netpolc-files`, see `record`) lists and that still start with its header: it replaces
//! and removes only those, refuses (with [`Code::ForeignFile`]) to write where any other file
//! stands, never writes into another output directory nested inside, and never touches other
//! files. Symbolic links are never followed inside the directory: a link is a file netpolc
//! did not write.
//!
//! [`write`] takes the directory's lock (`lock`), finishes a write that an earlier run left
//! interrupted (`journal`), plans, and applies: every new content is staged in a hidden file
//! beside its target and flushed; if any of that fails, what was staged is removed and the
//! directory is as it was. Only then are the renames and removals listed in a journal and
//! carried out. A run killed during that switch leaves the directory part old and part new,
//! and the next `compile -o` completes it before anything else.

use crate::diag::{Code, Diagnostic};
use crate::emit::OWNED_MARK;
use crate::syntax::Span;
use lock::DirLock;
use scan::{inspect, other_root_above, owned_files, Blocker, Target};
use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

mod apply;
mod journal;
mod lock;
mod record;
mod scan;

pub use journal::{JOURNAL, JOURNAL_HEADER};
pub use record::RECORD;

/// How the names of staged files begin (hidden, beside their targets, short whatever the
/// target's name).
const STAGED_PREFIX: &str = ".netpolc-tmp-";

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
    /// Sorted by path; the record's own change among them.
    changes: Vec<Change>,
    unchanged: usize,
    /// Whether the directory held files of netpolc's but no record (written by a netpolc
    /// before the record): the files at this run's paths were taken as netpolc's.
    adopted: bool,
}

/// What [`write`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// How many files each kind of change touched (the record not counted).
    pub summary: Summary,
    /// The stale files removed, relative to the directory.
    pub removed: Vec<String>,
    /// The steps of an interrupted earlier write that this one finished first, if any.
    pub recovered: Option<usize>,
    /// Whether files of an older netpolc's output, which kept no record, were taken over.
    pub adopted: bool,
}

/// Writes `files` into `dir`: takes the directory's lock (waiting for another netpolc
/// writing it), finishes an interrupted earlier write, then plans and applies. Errors are
/// those of [`plan`] and [`Plan::apply`]; on any, nothing of this run's files is written.
pub fn write(dir: &Path, files: &BTreeMap<String, String>) -> Result<Written, Vec<Diagnostic>> {
    let lock = DirLock::take(dir).map_err(|d| vec![d])?;
    let recovered = journal::replay(dir).map_err(|d| vec![d])?;
    let plan = plan(dir, files)?;
    let written = Written {
        summary: plan.summary(),
        removed: plan.removed(),
        recovered,
        adopted: plan.adopted,
    };
    plan.apply_locked().map_err(|d| vec![d])?;
    drop(lock);
    Ok(written)
}

/// Plans writing `files` (relative `/`-separated path → content) into `dir`, which need
/// not exist yet, with the record of them. Reads, never writes. Errors: [`Code::ForeignFile`]
/// for every path where netpolc would have to overwrite a file it did not write or write
/// into another output directory, [`Code::Io`] when the directory or its record cannot be
/// read, [`Code::Internal`] for a path that is not plainly inside `dir`.
pub fn plan(dir: &Path, files: &BTreeMap<String, String>) -> Result<Plan, Vec<Diagnostic>> {
    let mut errors: Vec<Diagnostic> = files
        .keys()
        .filter_map(|path| check_path(path, files).err())
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    // The files with their record (`check_path` keeps every other path off its name).
    let record = record::render(files.keys());
    let wanted = files
        .iter()
        .map(|(path, content)| (path.as_str(), content.as_str()))
        .chain([(RECORD, record.as_str())]);
    let (owned, adopted) = match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => owned(dir, files, &mut errors),
        Ok(_) => return Err(vec![io_error(dir, "is not a directory", None)]),
        Err(e) if e.kind() == io::ErrorKind::NotFound => (BTreeMap::new(), false),
        Err(e) => return Err(vec![io_error(dir, "cannot be read", Some(&e))]),
    };
    let mut changes = Vec::new();
    let mut unchanged = 0;
    for (path, content) in wanted {
        if let Some(root) = other_root_above(dir, path) {
            errors.push(nested(dir, path, &root));
            continue;
        }
        match inspect(dir, path) {
            Ok(Target::Missing) => changes.push(Change {
                path: path.to_owned(),
                kind: ChangeKind::Create,
                old: None,
                new: Some(content.to_owned()),
            }),
            Ok(Target::File) => match owned.get(path) {
                Some(old) if old == content.as_bytes() => {
                    if path != RECORD {
                        unchanged += 1;
                    }
                }
                Some(old) => changes.push(Change {
                    path: path.to_owned(),
                    kind: ChangeKind::Replace,
                    old: Some(old.clone()),
                    new: Some(content.to_owned()),
                }),
                None => errors.push(foreign(dir, path, "netpolc did not write it", None)),
            },
            Ok(Target::Blocked(at, blocker)) => errors.push(blocked(dir, &at, blocker, &owned)),
            Err(e) => errors.push(io_error(&join(dir, path), "cannot be read", Some(&e))),
        }
    }
    for (path, old) in &owned {
        if path == RECORD || files.contains_key(path) {
            continue;
        }
        if let Some(root) = other_root_above(dir, path) {
            errors.push(nested(dir, path, &root));
            continue;
        }
        changes.push(Change {
            path: path.clone(),
            kind: ChangeKind::Remove,
            old: Some(old.clone()),
            new: None,
        });
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
        adopted,
    })
}

/// netpolc's files in `dir`: those its record lists (and the record), or, in a directory
/// without a record, those at the paths of `files` (the emitted files, without the record:
/// an output written before netpolc kept records; `true` when any was found). Files not
/// listed are never netpolc's, whatever their first line says.
fn owned(
    dir: &Path,
    files: &BTreeMap<String, String>,
    errors: &mut Vec<Diagnostic>,
) -> (BTreeMap<String, Vec<u8>>, bool) {
    let record = owned_files(dir, &[RECORD.to_owned()], errors);
    let Some(content) = record.get(RECORD) else {
        let candidates: Vec<String> = files.keys().cloned().collect();
        let found = owned_files(dir, &candidates, errors);
        let adopted = !found.is_empty();
        return (found, adopted);
    };
    let mut listed = match record::parse(dir, content) {
        Ok(listed) => listed,
        Err(d) => {
            errors.push(d);
            return (record, false);
        }
    };
    listed.retain(|p| p != RECORD && p != JOURNAL && !is_staged(p));
    let mut found = owned_files(dir, &listed, errors);
    found.extend(record);
    (found, false)
}

/// Whether a relative path names a staged file (never a target, never owned).
fn is_staged(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| name.starts_with(STAGED_PREFIX))
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

    /// How many files each kind of change touches; the record is not counted (it is
    /// netpolc's bookkeeping, not output).
    pub fn summary(&self) -> Summary {
        let count = |kind| {
            self.changes
                .iter()
                .filter(|c| c.kind == kind && c.path != RECORD)
                .count()
        };
        Summary {
            created: count(ChangeKind::Create),
            replaced: count(ChangeKind::Replace),
            removed: count(ChangeKind::Remove),
            unchanged: self.unchanged,
        }
    }

    /// The stale files the plan removes, relative to the directory.
    pub fn removed(&self) -> Vec<String> {
        self.changes
            .iter()
            .filter(|c| c.kind == ChangeKind::Remove)
            .map(|c| c.path.clone())
            .collect()
    }

    /// Whether the directory held netpolc's files but no record of them (see [`Written`]).
    pub fn adopted(&self) -> bool {
        self.adopted
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

/// Checks that a path from the emitter is plainly inside the output directory, is none of
/// netpolc's bookkeeping names, and is not also a directory of another path.
fn check_path(path: &str, files: &BTreeMap<String, String>) -> Result<(), Diagnostic> {
    let bad = |why: &str| {
        Err(
            Diagnostic::new(Code::Internal, format!("the output path `{path}` {why}"))
                .with_help("this is a bug in netpolc; please report it with the program"),
        )
    };
    if let Err(why) = valid_relative(path) {
        return bad(why);
    }
    if path == RECORD || path == JOURNAL || is_staged(path) {
        return bad("is a name netpolc keeps for its own bookkeeping");
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

/// Whether `path` is a plain relative path inside a directory: not empty, not absolute, no
/// empty, `.` or `..` component, no character that separates paths on some system. `Err`
/// says why not.
fn valid_relative(path: &str) -> Result<(), &'static str> {
    if path.is_empty() {
        return Err("is empty");
    }
    if path.starts_with('/') {
        return Err("is absolute");
    }
    for part in path.split('/') {
        if part.is_empty() || part == "." || part == ".." {
            return Err("has an empty, `.` or `..` component");
        }
        if part.contains(['\\', ':', '\0']) {
            return Err("has a character that is a separator on some systems");
        }
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
        "netpolc replaces or removes only the files that `{RECORD}` at the output directory's root lists and whose first line begins `{OWNED_MARK}`"
    ))
    .with_help("move it out of the way, or write the output to another directory")
}

/// The refusal to write into (or remove from) another output directory inside this one.
fn nested(dir: &Path, path: &str, root: &str) -> Diagnostic {
    let shown = join(dir, root).display().to_string();
    Diagnostic::new(
        Code::ForeignFile,
        format!(
            "refusing to write `{}`: `{shown}` is another netpolc output directory (it has its own `{RECORD}`)",
            join(dir, path).display()
        ),
    )
    .at(&shown, Span::default())
    .with_help("give each program its own output directory, neither inside the other")
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
