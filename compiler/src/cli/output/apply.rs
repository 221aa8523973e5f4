//! Carrying a [`Plan`] out: stage every new content beside its target, and undo the
//! staging if any of it fails; then rename, then remove what is stale.

use super::scan::{exists, is_netpolc_file};
use super::{foreign, io_error, join, ChangeKind, Plan};
use crate::diag::Diagnostic;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Staged files are named `.<name>.netpolc-tmp`, then `.netpolc-tmp.1` and so on when a
/// leftover of an interrupted run holds the name (leftovers that carry the header are
/// netpolc's, so the same run removes them as stale).
const TEMP_SUFFIX: &str = ".netpolc-tmp";
const TEMP_ATTEMPTS: usize = 100;

impl Plan {
    /// Carries the plan out. Staging (directories, hidden files, fsync) either completes or
    /// is undone; after it, each rename and removal is atomic on its own.
    pub fn apply(self) -> Result<(), Diagnostic> {
        let mut staging = Staging::default();
        if let Err(d) = self.stage(&mut staging) {
            staging.undo();
            return Err(d);
        }
        let total = staging.files.len();
        for (i, (temp, target)) in staging.files.iter().enumerate() {
            if let Err(e) = fs::rename(temp, target) {
                // Files already renamed cannot be put back (their old content is gone):
                // say how far it got, and leave no hidden file behind.
                for (rest, _) in &staging.files[i..] {
                    let _ = fs::remove_file(rest);
                }
                let note = format!(
                    "{i} of {total} files were written before this one; compile again to finish"
                );
                return Err(io_error(target, "cannot be replaced", Some(&e)).with_note(note));
            }
        }
        for dir in staging.parents() {
            sync_dir(&dir);
        }
        for change in self.changes.iter().filter(|c| c.kind == ChangeKind::Remove) {
            self.remove_stale(&change.path)?;
        }
        Ok(())
    }

    fn stage(&self, staging: &mut Staging) -> Result<(), Diagnostic> {
        for change in &self.changes {
            let Some(content) = &change.new else { continue };
            let target = join(&self.dir, &change.path);
            let parent = target.parent().unwrap_or(&self.dir).to_owned();
            staging.make_dirs(&self.dir, &parent)?;
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
            let temp = staging.write_temp(&target, content)?;
            if change.kind == ChangeKind::Replace {
                if let Ok(meta) = fs::metadata(&target) {
                    fs::set_permissions(&temp, meta.permissions())
                        .map_err(|e| io_error(&temp, "cannot be written", Some(&e)))?;
                }
            }
        }
        Ok(())
    }

    /// Removes a stale file, if it is still netpolc's, then every directory between it and
    /// the output directory that this left empty.
    fn remove_stale(&self, path: &str) -> Result<(), Diagnostic> {
        let target = join(&self.dir, path);
        if !is_netpolc_file(&target).unwrap_or(false) {
            return Ok(());
        }
        match fs::remove_file(&target) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_error(&target, "cannot be removed", Some(&e))),
        }
        let mut parts: Vec<&str> = path.split('/').collect();
        parts.pop();
        while !parts.is_empty() {
            let dir = join(&self.dir, &parts.join("/"));
            let empty = fs::read_dir(&dir)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if !empty {
                break;
            }
            fs::remove_dir(&dir).map_err(|e| io_error(&dir, "cannot be removed", Some(&e)))?;
            parts.pop();
        }
        Ok(())
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
    /// Creates `parent` and the directories above it up to `root` (and `root` itself, and
    /// above it, when missing), refusing to go through anything that is not a directory.
    fn make_dirs(&mut self, root: &Path, parent: &Path) -> Result<(), Diagnostic> {
        let mut missing = Vec::new();
        for dir in parent.ancestors() {
            if dir.as_os_str().is_empty() {
                break;
            }
            // Above the output directory, links are the user's choice to follow.
            let inside = dir != root && dir.starts_with(root);
            let meta = if inside {
                fs::symlink_metadata(dir)
            } else {
                fs::metadata(dir)
            };
            match meta {
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

    /// Writes `content` to a new hidden file beside `target` and flushes it to disk.
    fn write_temp(&mut self, target: &Path, content: &str) -> Result<PathBuf, Diagnostic> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = target.parent().unwrap_or(Path::new(""));
        for attempt in 0..TEMP_ATTEMPTS {
            let suffix = if attempt == 0 {
                String::new()
            } else {
                format!(".{attempt}")
            };
            let temp = dir.join(format!(".{name}{TEMP_SUFFIX}{suffix}"));
            // `create_new` fails on anything already there, a symbolic link included, so a
            // staged write never goes through a link or over a file.
            let mut file = match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)
            {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io_error(&temp, "cannot be created", Some(&e))),
            };
            self.files.push((temp.clone(), target.to_owned()));
            file.write_all(content.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| io_error(&temp, "cannot be written", Some(&e)))?;
            return Ok(temp);
        }
        Err(io_error(
            target,
            "has no free name to stage it beside",
            None,
        ))
    }

    /// Removes everything staged: files, then the directories made for them.
    fn undo(&self) {
        for (temp, _) in &self.files {
            let _ = fs::remove_file(temp);
        }
        for dir in self.dirs.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }

    /// The directories whose entries the renames changed.
    fn parents(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = self
            .files
            .iter()
            .filter_map(|(_, target)| target.parent().map(Path::to_owned))
            .collect();
        dirs.sort();
        dirs.dedup();
        dirs
    }
}

/// Makes renames in `dir` durable. Best effort: some systems cannot open directories.
fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}
