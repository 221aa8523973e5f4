//! A commit's tree as a [`Store`]: files read straight from git's objects, nothing
//! checked out.

use super::git_reason;
use super::walk::{Node, Store};
use crate::source::{past_read_bound, Source, MAX_SOURCE_BYTES};
use git2::{ObjectType, Oid, Repository, Tree, TreeEntry};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Git's file mode of a symbolic link.
const LINK_MODE: i32 = 0o120_000;

/// A link's target longer than this is refused unread (Linux's `PATH_MAX`).
const MAX_TARGET: usize = 4096;

/// A commit's tree in its repository.
pub(super) struct Commit<'r> {
    pub(super) repo: &'r Repository,
    pub(super) tree: Tree<'r>,
}

impl Commit<'_> {
    /// The entry at `path` (relative to the root, not empty: the root is no entry), or
    /// `None` when there is none.
    fn entry(&self, path: &Path) -> Result<Option<TreeEntry<'static>>, String> {
        match self.tree.get_path(path) {
            Ok(e) => Ok(Some(e)),
            // `NotFound` also when a directory on the way is a file.
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(git_reason(&e)),
        }
    }

    /// A blob's size, read from the object's header so that nothing oversized is loaded.
    fn size(&self, id: Oid) -> Result<usize, String> {
        let odb = self.repo.odb().map_err(|e| git_reason(&e))?;
        let (size, _) = odb.read_header(id).map_err(|e| git_reason(&e))?;
        Ok(size)
    }
}

/// A name or a target from git's objects, byte for byte where the platform allows, so
/// that `tree.get_path` finds it again.
fn os_string(bytes: &[u8]) -> OsString {
    #[cfg(unix)]
    {
        std::os::unix::ffi::OsStringExt::from_vec(bytes.to_vec())
    }
    #[cfg(not(unix))]
    {
        OsString::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

fn is_link(e: &TreeEntry<'_>) -> bool {
    e.kind() == Some(ObjectType::Blob) && e.filemode() == LINK_MODE
}

impl Store for Commit<'_> {
    type File = Oid;

    fn link(&self, path: &Path) -> Result<Option<PathBuf>, String> {
        let Some(e) = self.entry(path)? else {
            return Ok(None);
        };
        if !is_link(&e) {
            return Ok(None);
        }
        // A link's blob holds its target, as the bytes `readlink` would return.
        if self.size(e.id())? > MAX_TARGET {
            return Err(format!(
                "the symbolic link `{}` has a target longer than {MAX_TARGET} bytes",
                path.display()
            ));
        }
        let blob = self.repo.find_blob(e.id()).map_err(|e| git_reason(&e))?;
        Ok(Some(PathBuf::from(os_string(blob.content()))))
    }

    fn node(&self, path: &Path) -> Result<Node<Oid>, String> {
        if path.as_os_str().is_empty() {
            return Ok(Node::Directory);
        }
        Ok(match self.entry(path)? {
            None => Node::Missing,
            Some(e) => match e.kind() {
                Some(ObjectType::Tree) => Node::Directory,
                Some(ObjectType::Commit) => Node::Submodule,
                // `resolve` leaves no link in a path, but a link is no file either.
                _ if is_link(&e) => Node::Missing,
                _ => Node::File(e.id()),
            },
        })
    }

    fn names(&self, path: &Path) -> Result<Vec<OsString>, String> {
        let owned;
        let tree = if path.as_os_str().is_empty() {
            &self.tree
        } else {
            let Some(e) = self.entry(path)? else {
                return Ok(Vec::new());
            };
            owned = self.repo.find_tree(e.id()).map_err(|e| git_reason(&e))?;
            &owned
        };
        Ok(tree.iter().map(|e| os_string(e.name_bytes())).collect())
    }

    /// The blob, refused past the bound every read has, its size checked from the object's
    /// header so that an oversized blob is never loaded.
    fn read(&self, id: &Oid, shown: &Path) -> Result<Source, String> {
        if self.size(*id)? > MAX_SOURCE_BYTES {
            return Err(format!("{}: {}", shown.display(), past_read_bound()));
        }
        let blob = self.repo.find_blob(*id).map_err(|e| git_reason(&e))?;
        Ok(Source {
            name: shown.display().to_string(),
            bytes: blob.content().to_vec(),
        })
    }
}
