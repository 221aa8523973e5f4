//! The journal of a write: before the first rename, the list of renames and removals that
//! switch the output directory from old to new is written (and flushed) to
//! `.netpolc-journal` at its root; it is removed once all are done. A run killed between
//! the two leaves the directory part old and part new, with every new file already on disk
//! beside its target, so the next `netpolc compile -o` rolls the switch forward before it
//! does anything else. A journal is read as a list of requests, not trusted: each step must
//! name paths inside the directory, a staged file of netpolc's beside its target, and files
//! that start with netpolc's header.

use super::scan::{inspect, is_netpolc_file, Target};
use super::{io_error, join, valid_relative, STAGED_PREFIX};
use crate::diag::Diagnostic;
use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// The journal's name, at the root of the output directory.
pub const JOURNAL: &str = ".netpolc-journal";

/// The journal's first line: only a file that starts with it is replayed.
pub const JOURNAL_HEADER: &str = "# netpolc journal: an interrupted write of this directory. The next `netpolc compile -o` finishes it.";

/// One step of the switch, with paths relative to the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// Rename a staged file over its target (in the same directory).
    Rename { staged: String, target: String },
    /// Remove a stale file of netpolc's, and the directories that leaves empty.
    Remove(String),
}

/// Writes the journal of `steps`, performs them, then removes the journal. On an error the
/// journal stays, so that the next run finishes the switch.
pub(super) fn commit(dir: &Path, steps: &[Step]) -> Result<(), Diagnostic> {
    if steps.is_empty() {
        return Ok(());
    }
    write(dir, steps)?;
    for step in steps {
        perform(dir, step).map_err(|d| {
            d.with_note("the write was interrupted; run `netpolc compile` again to finish it")
        })?;
    }
    finish(dir)
}

/// Finishes the switch that an interrupted run left in `dir`, if any: the number of steps
/// it performed now (`None` when there was no journal).
pub(super) fn replay(dir: &Path) -> Result<Option<usize>, Diagnostic> {
    let path = dir.join(JOURNAL);
    let text = match fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_file() => {
            fs::read_to_string(&path).map_err(|e| io_error(&path, "cannot be read", Some(&e)))?
        }
        Ok(_) => return Err(damaged(&path, "is not a regular file")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(&path, "cannot be read", Some(&e))),
    };
    let steps = parse(&text).map_err(|why| damaged(&path, &why))?;
    let mut done = 0;
    for step in &steps {
        if perform(dir, step)? {
            done += 1;
        }
    }
    finish(dir)?;
    Ok(Some(done))
}

fn damaged(path: &Path, why: &str) -> Diagnostic {
    io_error(path, why, None).with_help(
        "it is not a journal netpolc wrote; check the directory against version control, then delete it",
    )
}

fn render(steps: &[Step]) -> String {
    let mut out = format!("{JOURNAL_HEADER}\n");
    for step in steps {
        match step {
            Step::Rename { staged, target } => {
                out.push_str(&format!("rename\t{staged}\t{target}\n"))
            }
            Step::Remove(path) => out.push_str(&format!("remove\t{path}\n")),
        }
    }
    out
}

fn parse(text: &str) -> Result<Vec<Step>, String> {
    let mut lines = text.lines();
    if lines.next() != Some(JOURNAL_HEADER) {
        return Err("does not start with netpolc's journal header".to_owned());
    }
    let mut steps = Vec::new();
    for (i, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split('\t').collect();
        let bad = |why: &str| format!("line {}: {why}", i + 2);
        for path in &fields[1..] {
            valid_relative(path).map_err(|why| bad(&format!("`{path}` {why}")))?;
        }
        let step = match fields.as_slice() {
            ["rename", staged, target] => {
                let (staged_dir, staged_name) = split(staged);
                if staged_dir != split(target).0 || !staged_name.starts_with(STAGED_PREFIX) {
                    return Err(bad("a rename must be of a staged file beside its target"));
                }
                Step::Rename {
                    staged: (*staged).to_owned(),
                    target: (*target).to_owned(),
                }
            }
            ["remove", path] => Step::Remove((*path).to_owned()),
            _ => return Err(bad("not a step netpolc writes")),
        };
        steps.push(step);
    }
    Ok(steps)
}

/// (directory, file name) of a relative path; the directory is empty at the root.
fn split(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

/// Writes the journal through a staged file, flushed, then renamed into place: the journal
/// is either whole or absent.
fn write(dir: &Path, steps: &[Step]) -> Result<(), Diagnostic> {
    let staged = dir.join(format!("{STAGED_PREFIX}journal"));
    let _ = fs::remove_file(&staged);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&staged)
        .map_err(|e| io_error(&staged, "cannot be created", Some(&e)))?;
    file.write_all(render(steps).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error(&staged, "cannot be written", Some(&e)))?;
    let path = dir.join(JOURNAL);
    fs::rename(&staged, &path).map_err(|e| io_error(&path, "cannot be written", Some(&e)))?;
    sync_dir(dir);
    Ok(())
}

fn finish(dir: &Path) -> Result<(), Diagnostic> {
    let path = dir.join(JOURNAL);
    match fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(&path, "cannot be removed", Some(&e))),
    }
    sync_dir(dir);
    Ok(())
}

/// Performs one step; `false` when there was nothing left to do (a replay of a step that
/// had been done, or a file that is no longer netpolc's).
fn perform(dir: &Path, step: &Step) -> Result<bool, Diagnostic> {
    match step {
        Step::Rename { staged, target } => {
            let from = join(dir, staged);
            if !is_plain_netpolc_file(dir, staged) {
                return Ok(false);
            }
            let to = join(dir, target);
            let target_is_free = match inspect(dir, target) {
                Ok(Target::Missing) => true,
                Ok(Target::File) => is_netpolc_file(&to).unwrap_or(false),
                _ => false,
            };
            if !target_is_free {
                return Err(super::foreign(
                    dir,
                    target,
                    "it changed while netpolc was writing the directory",
                    None,
                ));
            }
            fs::rename(&from, &to).map_err(|e| io_error(&to, "cannot be replaced", Some(&e)))?;
            if let Some(parent) = to.parent() {
                sync_dir(parent);
            }
            Ok(true)
        }
        Step::Remove(path) => remove_owned(dir, path),
    }
}

fn is_plain_netpolc_file(dir: &Path, path: &str) -> bool {
    matches!(inspect(dir, path), Ok(Target::File))
        && is_netpolc_file(&join(dir, path)).unwrap_or(false)
}

/// Removes a stale file if it is still netpolc's, then every directory between it and the
/// output directory that this left empty.
pub(super) fn remove_owned(dir: &Path, path: &str) -> Result<bool, Diagnostic> {
    if !is_plain_netpolc_file(dir, path) {
        return Ok(false);
    }
    let target = join(dir, path);
    match fs::remove_file(&target) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(io_error(&target, "cannot be removed", Some(&e))),
    }
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    while !parts.is_empty() {
        let sub = join(dir, &parts.join("/"));
        let empty = fs::read_dir(&sub)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty {
            break;
        }
        fs::remove_dir(&sub).map_err(|e| io_error(&sub, "cannot be removed", Some(&e)))?;
        parts.pop();
    }
    Ok(true)
}

/// Makes renames in `dir` durable. Best effort: some systems cannot open directories.
pub(super) fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_reads_back_as_written() {
        let steps = vec![
            Step::Rename {
                staged: format!("shop/{STAGED_PREFIX}3"),
                target: "shop/db.yaml".to_owned(),
            },
            Step::Remove("old/x.yaml".to_owned()),
        ];
        assert_eq!(parse(&render(&steps)), Ok(steps));
    }

    #[test]
    fn a_journal_that_reaches_outside_or_renames_anything_is_refused() {
        for body in [
            "remove\t../x.yaml",
            "remove\t/etc/passwd",
            "rename\tshop/.netpolc-tmp-1\tother/db.yaml",
            "rename\tshop/db.yaml\tshop/web.yaml",
            "chmod\tshop/db.yaml",
        ] {
            let text = format!("{JOURNAL_HEADER}\n{body}\n");
            assert!(parse(&text).is_err(), "{body}");
        }
        assert!(parse("remove\ta.yaml\n").is_err(), "no header");
    }
}
