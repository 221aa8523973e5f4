//! The work tree as a [`Store`]: the files on disk below the repository's root, read
//! through `source::read` with its limit, links reported rather than followed (so that
//! `walk` resolves them as it does at a commit).

use super::walk::{Node, Store};
use crate::source::read;
use crate::source::Source;
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// The work tree below `root`.
pub(super) struct WorkTree<'a> {
    pub(super) root: &'a Path,
    /// The submodules the index records (gitlinks), relative to the root: one not checked
    /// out is an empty directory, which must read as a submodule too.
    pub(super) gitlinks: BTreeSet<PathBuf>,
}

impl WorkTree<'_> {
    fn full(&self, path: &Path) -> PathBuf {
        self.root.join(path)
    }
}

/// Whether an error only says that nothing is there (a directory on the way may be a
/// file).
fn absent(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory)
}

impl Store for WorkTree<'_> {
    type File = PathBuf;

    fn link(&self, path: &Path) -> Result<Option<PathBuf>, String> {
        let full = self.full(path);
        match std::fs::symlink_metadata(&full) {
            Ok(meta) if meta.file_type().is_symlink() => std::fs::read_link(&full)
                .map(Some)
                .map_err(|e| format!("{}: {}", path.display(), read::describe(&e))),
            Ok(_) => Ok(None),
            Err(e) if absent(&e) => Ok(None),
            Err(e) => Err(format!("{}: {}", path.display(), read::describe(&e))),
        }
    }

    fn node(&self, path: &Path) -> Result<Node<PathBuf>, String> {
        let full = self.full(path);
        let meta = match std::fs::symlink_metadata(&full) {
            Ok(meta) => meta,
            Err(e) if absent(&e) => return Ok(Node::Missing),
            Err(e) => return Err(format!("{}: {}", path.display(), read::describe(&e))),
        };
        if !meta.is_dir() {
            // A link (which `resolve` leaves none of) or a socket is no file to read.
            return Ok(if meta.is_file() {
                Node::File(full)
            } else {
                Node::Missing
            });
        }
        // A nested repository is a submodule (or would be added as one), as git sees it.
        let nested = !path.as_os_str().is_empty() && full.join(".git").symlink_metadata().is_ok();
        Ok(if nested || self.gitlinks.contains(path) {
            Node::Submodule
        } else {
            Node::Directory
        })
    }

    fn names(&self, path: &Path) -> Result<Vec<OsString>, String> {
        let full = self.full(path);
        let entries = std::fs::read_dir(&full)
            .map_err(|e| format!("{}: {}", path.display(), read::describe(&e)))?;
        entries
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{}: {}", path.display(), read::describe(&e)))
    }

    fn read(&self, full: &PathBuf, shown: &Path) -> Result<Source, String> {
        let shown = shown.display().to_string();
        // Named as the user's path, in errors too.
        let mut source = read::read_file(full)
            .map_err(|e| e.replacen(&full.display().to_string(), &shown, 1))?;
        source.name = shown;
        Ok(source)
    }
}
