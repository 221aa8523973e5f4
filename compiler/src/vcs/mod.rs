//! Reading the project at a revision: the only user of git2 (decision 0007).
//!
//! A [`Revision`] is a commit (any revision git understands: `HEAD~1`, a branch, a tag,
//! an id) or the work tree. Files at a commit are read straight from git's objects, so
//! nothing is checked out and the work tree is never touched; the work tree's files are
//! read through `source::read`, as `netpolc compile` reads them. Both sides are walked the
//! same way (`walk`), so that a clean work tree reads the same program as HEAD: symbolic
//! links are resolved inside the repository and refused when they leave it, and
//! submodules (whose files no commit of this repository holds) are skipped at both sides
//! and listed by [`Repository::take_submodules`].
//!
//! Paths are the user's: relative to the current directory, which must be inside the
//! repository's work tree, and files are named as `compile` would name them (the path as
//! given, joined with the path below it), so that statement locations and the
//! `netpolc.io/source` annotations (which name files) of both sides read alike. A path that leaves the
//! repository is refused.
//!
//! **Invariant:** reading a revision never writes anything, in the repository or
//! elsewhere.

mod tree;
mod walk;
mod worktree;

use crate::source::read::Kind;
use crate::source::Source;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use walk::{Store, Walk};

/// A git repository and where the user stands in it.
pub struct Repository {
    repo: git2::Repository,
    /// The work tree's root, with links resolved.
    root: PathBuf,
    /// The current directory, with links resolved; inside `root`.
    cwd: PathBuf,
    /// The submodules skipped so far, as the user names them.
    skipped: RefCell<BTreeSet<PathBuf>>,
}

/// Where files are read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revision {
    /// The files on disk, as they are now.
    WorkTree,
    /// A commit's tree.
    Commit {
        /// The revision as the user wrote it (`HEAD~1`).
        spec: String,
        /// The commit's id, in hex (the tree's, for a revision naming a tree).
        id: String,
        /// The tree read.
        tree: git2::Oid,
    },
}

impl Revision {
    /// How reports name it: the revision as written, or `work tree`.
    pub fn label(&self) -> &str {
        match self {
            Revision::WorkTree => "work tree",
            Revision::Commit { spec, .. } => spec,
        }
    }

    /// The commit's full id; `None` for the work tree.
    pub fn id(&self) -> Option<&str> {
        match self {
            Revision::WorkTree => None,
            Revision::Commit { id, .. } => Some(id),
        }
    }
}

/// Why the repository or a revision could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The current directory is not inside a git work tree.
    NotARepository(String),
    /// The revision names nothing in this repository.
    BadRevision {
        /// As written.
        spec: String,
        /// What git said.
        reason: String,
    },
    /// A path leads out of the repository.
    Outside {
        /// As given.
        path: String,
        /// The work tree's root.
        root: String,
    },
    /// A file could not be read at a revision.
    Read {
        /// As given.
        path: String,
        /// The revision's label.
        at: String,
        /// What went wrong.
        reason: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotARepository(reason) => {
                write!(f, "not inside a git repository ({reason})")
            }
            Error::BadRevision { spec, reason } => {
                write!(f, "bad revision `{spec}`: {reason}")
            }
            Error::Outside { path, root } => {
                write!(f, "`{path}` is outside the repository at `{root}`")
            }
            Error::Read { path, at, reason } => write!(f, "{path} (at {at}): {reason}"),
        }
    }
}

/// Why a revision may be missing from a shallow clone, and what to do.
const SHALLOW: &str =
    "\n  note: this repository is a shallow clone: its history stops at the commits \
     listed in `.git/shallow`, so older commits (and branches not fetched) are not here\
     \n  help: fetch the history the revision needs: `git fetch --deepen=1` (a larger \
     number for older revisions) or `git fetch --unshallow`; in GitHub Actions, check out \
     with `fetch-depth: 0` (actions/checkout)";

/// The index's mode of a submodule's entry (a gitlink).
const GITLINK_MODE: u32 = 0o160_000;

/// Whether HEAD names a branch without any commit (a fresh repository).
fn unborn(repo: &git2::Repository) -> bool {
    matches!(repo.head(), Err(e) if e.code() == git2::ErrorCode::UnbornBranch)
}

/// git's message in lower case, without the trailing class and code libgit2 adds.
fn git_reason(e: &git2::Error) -> String {
    let m = e.message();
    let mut chars = m.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => "unknown git error".to_owned(),
    }
}

impl Repository {
    /// The repository holding the current directory, found as git finds it (upwards,
    /// honouring `GIT_DIR` and `GIT_CEILING_DIRECTORIES`).
    pub fn discover() -> Result<Repository, Error> {
        let cwd = std::env::current_dir()
            .and_then(|d| d.canonicalize())
            .map_err(|e| Error::NotARepository(format!("the current directory: {e}")))?;
        let repo =
            git2::Repository::open_from_env().map_err(|e| Error::NotARepository(git_reason(&e)))?;
        let Some(workdir) = repo.workdir() else {
            return Err(Error::NotARepository(
                "the repository is bare: it has no work tree".to_owned(),
            ));
        };
        let root = workdir
            .canonicalize()
            .map_err(|e| Error::NotARepository(format!("its work tree: {e}")))?;
        if !cwd.starts_with(&root) {
            return Err(Error::NotARepository(format!(
                "`{}` is not inside the work tree `{}`",
                cwd.display(),
                root.display()
            )));
        }
        Ok(Repository {
            repo,
            root,
            cwd,
            skipped: RefCell::new(BTreeSet::new()),
        })
    }

    /// The commit (or tree) a revision names.
    pub fn revision(&self, spec: &str) -> Result<Revision, Error> {
        let bad = |e: git2::Error| Error::BadRevision {
            spec: spec.to_owned(),
            reason: if unborn(&self.repo) {
                "the current branch has no commit yet".to_owned()
            } else if self.repo.is_shallow() {
                // libgit2 says only "parent 0 does not exist" (or "not found") for a
                // commit cut off by a shallow clone, as CI checkouts are by default.
                format!("{}{SHALLOW}", git_reason(&e))
            } else {
                git_reason(&e)
            },
        };
        let object = self.repo.revparse_single(spec).map_err(bad)?;
        let tree = object.peel_to_tree().map_err(bad)?;
        let id = object
            .peel_to_commit()
            .map_or_else(|_| tree.id(), |c| c.id())
            .to_string();
        Ok(Revision::Commit {
            spec: spec.to_owned(),
            id,
            tree: tree.id(),
        })
    }

    /// The files at `path` (one file, or a directory's files of `kind`, recursively,
    /// sorted, hidden entries skipped), or `None` when nothing is at `path` in `at`.
    /// Links are resolved inside the repository (one that leaves it is an error) and
    /// submodules skipped, at a commit and in the work tree alike.
    pub fn files(
        &self,
        at: &Revision,
        path: &Path,
        kind: &Kind,
    ) -> Result<Option<Vec<Source>>, Error> {
        let inside = self.inside(path)?;
        match at {
            Revision::WorkTree => self.walk(at, path, &self.work_tree(at, path)?, |w| {
                w.files(&inside, path, kind)
            }),
            Revision::Commit { tree, .. } => {
                let store = self.commit(at, path, *tree)?;
                self.walk(at, path, &store, |w| w.files(&inside, path, kind))
            }
        }
    }

    /// One file at `path`, or `None` when nothing is there in `at`; a directory there is
    /// an error.
    pub fn file(&self, at: &Revision, path: &Path) -> Result<Option<Source>, Error> {
        let inside = self.inside(path)?;
        match at {
            Revision::WorkTree => self.walk(at, path, &self.work_tree(at, path)?, |w| {
                w.file(&inside, path)
            }),
            Revision::Commit { tree, .. } => {
                let store = self.commit(at, path, *tree)?;
                self.walk(at, path, &store, |w| w.file(&inside, path))
            }
        }
    }

    /// The submodules skipped by the reads since the last call (their files are in no
    /// commit of this repository, so neither side reads them), as the user names them.
    pub fn take_submodules(&self) -> Vec<PathBuf> {
        std::mem::take(&mut *self.skipped.borrow_mut())
            .into_iter()
            .collect()
    }

    /// Runs `read` on a walk of `store`, recording the submodules it skipped; its error
    /// is about `path` at `at`.
    fn walk<S: Store, T>(
        &self,
        at: &Revision,
        path: &Path,
        store: &S,
        read: impl FnOnce(&mut Walk<'_, S>) -> Result<T, String>,
    ) -> Result<T, Error> {
        let mut walk = Walk::new(store);
        let result = read(&mut walk);
        self.skipped.borrow_mut().append(&mut walk.submodules);
        result.map_err(|reason| self.read_error(at, path, reason))
    }

    /// The work tree, with the submodules its index records.
    fn work_tree(&self, at: &Revision, path: &Path) -> Result<worktree::WorkTree<'_>, Error> {
        let index = self
            .repo
            .index()
            .map_err(|e| self.read_error(at, path, git_reason(&e)))?;
        let gitlinks = index
            .iter()
            .filter(|e| e.mode == GITLINK_MODE)
            .map(|e| PathBuf::from(String::from_utf8_lossy(&e.path).into_owned()))
            .collect();
        Ok(worktree::WorkTree {
            root: &self.root,
            gitlinks,
        })
    }

    fn commit(&self, at: &Revision, path: &Path, id: git2::Oid) -> Result<tree::Commit<'_>, Error> {
        let tree = self
            .repo
            .find_tree(id)
            .map_err(|e| self.read_error(at, path, git_reason(&e)))?;
        Ok(tree::Commit {
            repo: &self.repo,
            tree,
        })
    }

    fn read_error(&self, at: &Revision, path: &Path, reason: String) -> Error {
        Error::Read {
            path: path.display().to_string(),
            at: at.label().to_owned(),
            reason,
        }
    }

    /// `path` relative to the work tree's root; refused when it leads out of it.
    fn inside(&self, path: &Path) -> Result<PathBuf, Error> {
        inside(&self.root, &self.cwd, path).ok_or_else(|| Error::Outside {
            path: path.display().to_string(),
            root: self.root.display().to_string(),
        })
    }
}

/// `path` (relative to `cwd`, or absolute) relative to `root`, or `None` when it is not
/// below `root`. Decided on the words of the path (`..` climbs out), not on the file
/// system, since the path may exist only at some revision; a path that exists and
/// reaches the root only through links is accepted by its real location.
fn inside(root: &Path, cwd: &Path, path: &Path) -> Option<PathBuf> {
    let absolute = cwd.join(path);
    let mut normal = PathBuf::new();
    for part in absolute.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !normal.pop() {
                    return None;
                }
            }
            other => normal.push(other),
        }
    }
    if let Ok(below) = normal.strip_prefix(root) {
        return Some(below.to_owned());
    }
    let real = absolute.canonicalize().ok()?;
    real.strip_prefix(root).ok().map(Path::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_into_the_repository_and_never_out_of_it() {
        let root = Path::new("/repo");
        let cwd = Path::new("/repo/sub");
        let inside = |p: &str| inside(root, cwd, Path::new(p));
        assert_eq!(inside("policies"), Some(PathBuf::from("sub/policies")));
        assert_eq!(
            inside("../policies/./a.npl"),
            Some(PathBuf::from("policies/a.npl"))
        );
        assert_eq!(inside(".."), Some(PathBuf::new()));
        assert_eq!(inside("/repo/x"), Some(PathBuf::from("x")));
        assert_eq!(inside("../../etc"), None);
        assert_eq!(inside("/etc/passwd"), None);
        assert_eq!(inside("../../../../.."), None);
    }
}
