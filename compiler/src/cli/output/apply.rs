//! Carrying a [`Plan`] out, under the directory's lock: stage every new content beside its
//! target (undone if any of it fails), then switch through the journal (see `journal`).

use super::journal::{self, Step};
use super::lock::DirLock;
use super::scan::{exists, is_netpolc_file};
use super::{foreign, io_error, join, ChangeKind, Plan, STAGED_PREFIX};
use crate::diag::Diagnostic;
use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// How many names a staged file may try before giving up.
const STAGED_ATTEMPTS: usize = 10_000;

impl Plan {
    /// Carries the plan out: takes the directory's lock, then stages and switches (see
    /// [`Plan::apply_locked`]). Refuses when an interrupted write is pending, since the plan
    /// was made from a half-written directory: [`super::write`] finishes it first.
    pub fn apply(self) -> Result<(), Diagnostic> {
        let _lock = DirLock::take(&self.dir)?;
        let journal = self.dir.join(journal::JOURNAL);
        if exists(&journal) {
            return Err(
                io_error(&journal, "is the journal of an interrupted write", None)
                    .with_help("run `netpolc compile -o` into this directory to finish it first"),
            );
        }
        self.apply_locked()
    }

    /// Stages (directories, hidden files, fsync) and either completes or undoes it; then
    /// switches every file through the journal, so that a run killed during the switch is
    /// finished by the next one.
    pub(super) fn apply_locked(self) -> Result<(), Diagnostic> {
        let mut staging = Staging::default();
        if let Err(d) = self.stage(&mut staging) {
            staging.undo();
            return Err(d);
        }
        let relative = |path: &Path| {
            path.strip_prefix(&self.dir)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default()
        };
        let mut steps: Vec<Step> = staging
            .files
            .iter()
            .map(|(staged, target)| Step::Rename {
                staged: relative(staged),
                target: relative(target),
            })
            .collect();
        steps.extend(
            self.changes
                .iter()
                .filter(|c| c.kind == ChangeKind::Remove)
                .map(|c| Step::Remove(c.path.clone())),
        );
        if let Err(d) = journal::commit(&self.dir, &steps) {
            if !exists(&self.dir.join(journal::JOURNAL)) {
                staging.undo();
            }
            return Err(d);
        }
        Ok(())
    }

    fn stage(&self, staging: &mut Staging) -> Result<(), Diagnostic> {
        let mut cleaned = BTreeSet::new();
        for change in &self.changes {
            let Some(content) = &change.new else { continue };
            let target = join(&self.dir, &change.path);
            let parent = target.parent().unwrap_or(&self.dir).to_owned();
            staging.make_dirs(&self.dir, &parent)?;
            if cleaned.insert(parent.clone()) {
                remove_leftovers(&parent);
            }
            // The target may have changed since the plan: never overwrite what is not ours.
            let still_ours = match change.kind {
                ChangeKind::Create => !exists(&target),
                _ => is_netpolc_file(&target).unwrap_or(false),
            };
            if !still_ours {
                return Err(foreign(
                    &self.dir,
                    &change.path,
                    "it changed after netpolc read the directory",
                    None,
                ));
            }
            let staged = staging.write_staged(&parent, &target, content)?;
            if change.kind == ChangeKind::Replace {
                if let Ok(meta) = fs::metadata(&target) {
                    fs::set_permissions(&staged, meta.permissions())
                        .map_err(|e| io_error(&staged, "cannot be written", Some(&e)))?;
                }
            }
        }
        Ok(())
    }
}

/// Removes the staged files that a run killed while staging left in `dir` (only netpolc's:
/// a hidden name with the staging prefix and netpolc's header). Safe under the lock: no
/// other run is staging.
fn remove_leftovers(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // `.<name>.netpolc-tmp` was the staging name before the journal.
        let staged = name.starts_with(STAGED_PREFIX)
            || (name.starts_with('.') && name.contains(".netpolc-tmp"));
        if staged && is_netpolc_file(&entry.path()).unwrap_or(false) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// What `apply` has staged, so that a failure can undo it.
#[derive(Default)]
struct Staging {
    /// Directories created, outermost first.
    dirs: Vec<PathBuf>,
    /// (staged file, target), in the plan's order.
    files: Vec<(PathBuf, PathBuf)>,
}

impl Staging {
    /// Creates `parent` and the directories above it up to `root`, refusing to go through
    /// anything that is not a directory. `root` exists: the lock made it.
    fn make_dirs(&mut self, root: &Path, parent: &Path) -> Result<(), Diagnostic> {
        let mut missing = Vec::new();
        for dir in parent.ancestors() {
            if dir == root || !dir.starts_with(root) {
                break;
            }
            match fs::symlink_metadata(dir) {
                Ok(m) if m.is_dir() => break,
                Ok(_) => return Err(io_error(dir, "is not a directory", None)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => missing.push(dir.to_owned()),
                Err(e) => return Err(io_error(dir, "cannot be read", Some(&e))),
            }
        }
        for dir in missing.into_iter().rev() {
            fs::create_dir(&dir).map_err(|e| io_error(&dir, "cannot be created", Some(&e)))?;
            self.dirs.push(dir);
        }
        Ok(())
    }

    /// Writes `content` to a new hidden file in `dir` (beside `target`) and flushes it to
    /// disk. The name is short whatever the target's, so that any file name that fits the
    /// file system can be staged.
    fn write_staged(
        &mut self,
        dir: &Path,
        target: &Path,
        content: &str,
    ) -> Result<PathBuf, Diagnostic> {
        for attempt in self.files.len()..self.files.len() + STAGED_ATTEMPTS {
            let staged = dir.join(format!("{STAGED_PREFIX}{attempt}"));
            // `create_new` fails on anything already there, a symbolic link included, so a
            // staged write never goes through a link or over a file.
            let mut file = match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&staged)
            {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io_error(&staged, "cannot be created", Some(&e))),
            };
            self.files.push((staged.clone(), target.to_owned()));
            file.write_all(content.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| io_error(&staged, "cannot be written", Some(&e)))?;
            return Ok(staged);
        }
        Err(io_error(dir, "has no free name to stage a file in", None))
    }

    /// Removes everything staged: files, then the directories made for them.
    fn undo(&self) {
        for (staged, _) in &self.files {
            let _ = fs::remove_file(staged);
        }
        for dir in self.dirs.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}
