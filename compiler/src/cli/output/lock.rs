//! The exclusive lock on an output directory for the length of one write, so that two
//! concurrent compiles into one directory do not remove each other's staged files or
//! interleave their renames. The lock is the directory's own (an advisory `flock` on it),
//! so no lock file is left behind for version control or a GitOps controller to see.

use super::io_error;
use crate::diag::Diagnostic;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Held while a write is under way; released when dropped. Directories created to take it
/// are removed again when the write left them empty (an error wrote nothing).
pub(super) struct DirLock {
    #[cfg(unix)]
    _file: fs::File,
    /// Created by [`DirLock::take`], outermost first.
    created: Vec<PathBuf>,
}

impl DirLock {
    /// Creates `dir` when missing and locks it, waiting (with a message) while another
    /// netpolc holds it.
    pub(super) fn take(dir: &Path) -> Result<DirLock, Diagnostic> {
        let created = create_missing(dir)?;
        let lock = DirLock {
            #[cfg(unix)]
            _file: lock_dir(dir)?,
            created,
        };
        Ok(lock)
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        for dir in self.created.iter().rev() {
            // Fails, as it should, on a directory the write filled.
            let _ = fs::remove_dir(dir);
        }
    }
}

/// Creates `dir` and the directories above it that are missing; returns them, outermost first.
fn create_missing(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let mut missing = Vec::new();
    for d in dir.ancestors() {
        if d.as_os_str().is_empty() {
            break;
        }
        match fs::metadata(d) {
            Ok(m) if m.is_dir() => break,
            Ok(_) => return Err(io_error(d, "is not a directory", None)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => missing.push(d.to_owned()),
            Err(e) => return Err(io_error(d, "cannot be read", Some(&e))),
        }
    }
    missing.reverse();
    let mut created = Vec::new();
    for d in missing {
        if let Err(e) = fs::create_dir(&d) {
            for c in created.iter().rev() {
                let _ = fs::remove_dir(c);
            }
            return Err(io_error(&d, "cannot be created", Some(&e)));
        }
        created.push(d);
    }
    Ok(created)
}

#[cfg(unix)]
fn lock_dir(dir: &Path) -> Result<fs::File, Diagnostic> {
    let file = fs::File::open(dir).map_err(|e| io_error(dir, "cannot be opened", Some(&e)))?;
    match file.try_lock() {
        Ok(()) => return Ok(file),
        Err(fs::TryLockError::WouldBlock) => eprintln!(
            "waiting for another netpolc that is writing {}",
            dir.display()
        ),
        Err(fs::TryLockError::Error(e)) => return Err(io_error(dir, "cannot be locked", Some(&e))),
    }
    file.lock()
        .map_err(|e| io_error(dir, "cannot be locked", Some(&e)))?;
    Ok(file)
}
