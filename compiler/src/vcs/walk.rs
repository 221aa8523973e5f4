//! One way to read a path at either side of a diff, over a [`Store`] (a commit's tree, or
//! the work tree), so that both sides read the same program from the same files.
//!
//! Symbolic links are resolved inside the repository, as the kernel would resolve them
//! on a checkout of the commit: a link's target is relative to the link's directory and
//! may itself go through links. A target that is absolute or climbs out of the
//! repository is refused, naming the link: at a commit there is nothing outside to read,
//! and on disk it would make the two sides read different programs (or read a file that
//! is not the project's). Submodules are skipped at both sides, with a note: their files
//! are not in this repository's objects, so a commit cannot show them.

use crate::source::read::Kind;
use crate::source::Source;
use std::collections::{BTreeSet, VecDeque};
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

/// At most this many links are followed to resolve one path: a longer chain is a loop or
/// a mistake (Linux allows 40 for the whole path).
pub(super) const MAX_LINKS: usize = 16;

/// Directories nested deeper than this are refused, as `source::read` refuses them.
const MAX_DEPTH: usize = 64;

/// At most this many entries are visited below one path: links to the same directory
/// from several places multiply what a walk visits, and a repository is read in full.
const MAX_ENTRIES: usize = 1 << 20;

/// What a path with no link in it names.
pub(super) enum Node<F> {
    Missing,
    Directory,
    File(F),
    /// A gitlink: another repository's commit.
    Submodule,
}

/// A tree of files to read: the paths are relative to the repository's root and, where a
/// store is asked for a node or a directory's names, contain no link.
pub(super) trait Store {
    /// How the store finds a file's content again.
    type File;
    /// The target of the link at `path`, or `None` when `path` is no link (or nothing).
    fn link(&self, path: &Path) -> Result<Option<PathBuf>, String>;
    /// What `path` names.
    fn node(&self, path: &Path) -> Result<Node<Self::File>, String>;
    /// The names in the directory `path`.
    fn names(&self, path: &Path) -> Result<Vec<OsString>, String>;
    /// A file's bytes, named `shown`.
    fn read(&self, file: &Self::File, shown: &Path) -> Result<Source, String>;
}

/// A path's parts, owned, so that a link's target can replace the link in the queue.
enum Part {
    Up,
    Root,
    Name(OsString),
}

fn parts(path: &Path) -> impl DoubleEndedIterator<Item = Part> + '_ {
    path.components().filter_map(|c| match c {
        Component::CurDir => None,
        Component::ParentDir => Some(Part::Up),
        Component::RootDir | Component::Prefix(_) => Some(Part::Root),
        Component::Normal(name) => Some(Part::Name(name.to_owned())),
    })
}

/// `path` (relative to the root, without `.` or `..`) with every link in it resolved, or
/// why a link in it is refused.
pub(super) fn resolve<S: Store>(store: &S, path: &Path) -> Result<PathBuf, String> {
    let mut todo: VecDeque<Part> = parts(path).collect();
    // Always free of links, so that `..` climbs as it does on disk.
    let mut real = PathBuf::new();
    let mut followed = 0;
    // The last link followed: only a link's target can climb out or be absolute.
    let mut last: Option<(PathBuf, PathBuf)> = None;
    let refuse = |last: &Option<(PathBuf, PathBuf)>, why: &str| match last {
        Some((link, target)) => format!(
            "the symbolic link `{}` points to `{}`, {why}: diff reads only what the \
             repository holds",
            link.display(),
            target.display()
        ),
        None => format!("`{}` is {why}", path.display()),
    };
    while let Some(part) = todo.pop_front() {
        let name = match part {
            Part::Up if real.pop() => continue,
            Part::Up => return Err(refuse(&last, "outside the repository")),
            Part::Root => return Err(refuse(&last, "an absolute path")),
            Part::Name(name) => name,
        };
        let candidate = real.join(name);
        let Some(target) = store.link(&candidate)? else {
            real = candidate;
            continue;
        };
        followed += 1;
        if followed > MAX_LINKS {
            return Err(format!(
                "`{}`: more than {MAX_LINKS} symbolic links to follow (a loop?)",
                path.display()
            ));
        }
        if target.as_os_str().is_empty() {
            return Err(format!(
                "the symbolic link `{}` has an empty target",
                candidate.display()
            ));
        }
        // The target takes the link's place, relative to the link's directory (`real`).
        for part in parts(&target).rev() {
            todo.push_front(part);
        }
        last = Some((candidate, target));
    }
    Ok(real)
}

/// A read of one side: the files it found and the submodules it skipped.
pub(super) struct Walk<'a, S: Store> {
    store: &'a S,
    visited: usize,
    /// The submodules met, as the user would name them.
    pub(super) submodules: BTreeSet<PathBuf>,
}

impl<'a, S: Store> Walk<'a, S> {
    pub(super) fn new(store: &'a S) -> Self {
        Walk {
            store,
            visited: 0,
            submodules: BTreeSet::new(),
        }
    }

    /// The file at `path`, links resolved, or `None` when nothing is there.
    pub(super) fn file(&mut self, path: &Path, shown: &Path) -> Result<Option<Source>, String> {
        let real = resolve(self.store, path)?;
        match self.store.node(&real)? {
            Node::Missing => Ok(None),
            Node::File(f) => self.store.read(&f, shown).map(Some),
            Node::Directory => Err("is a directory, not a file".to_owned()),
            Node::Submodule => Err("is a submodule, not a file".to_owned()),
        }
    }

    /// The files at `path`: the file itself, or the directory's files of `kind`
    /// (recursively, sorted by path, hidden entries skipped); `None` when nothing is there.
    pub(super) fn files(
        &mut self,
        path: &Path,
        shown: &Path,
        kind: &Kind,
    ) -> Result<Option<Vec<Source>>, String> {
        let real = resolve(self.store, path)?;
        match self.store.node(&real)? {
            Node::Missing => Ok(None),
            Node::File(f) => Ok(Some(vec![self.store.read(&f, shown)?])),
            Node::Submodule => {
                self.submodules.insert(shown.to_owned());
                Ok(Some(Vec::new()))
            }
            Node::Directory => {
                let mut found = Vec::new();
                self.directory(&real, shown, 0, kind, &mut found)?;
                // Sorted as `source::read` sorts the files of a directory, by path.
                found.sort_by(|a, b| a.0.cmp(&b.0));
                let sources = found.iter().map(|(name, f)| self.store.read(f, name));
                sources.collect::<Result<Vec<_>, _>>().map(Some)
            }
        }
    }

    /// Collects the files of `kind` below the directory `real` (free of links), named
    /// from `shown`.
    fn directory(
        &mut self,
        real: &Path,
        shown: &Path,
        depth: usize,
        kind: &Kind,
        out: &mut Vec<(PathBuf, S::File)>,
    ) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "{}: directories nested too deeply",
                shown.display()
            ));
        }
        for name in self.store.names(real)? {
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            self.visited += 1;
            if self.visited > MAX_ENTRIES {
                return Err(format!(
                    "{}: more than {MAX_ENTRIES} entries to read (links that lead to the \
                     same directories many times?)",
                    shown.display()
                ));
            }
            let shown = shown.join(&name);
            let here = real.join(&name);
            let target = resolve(self.store, &here)?;
            match self.store.node(&target)? {
                Node::Directory if real.starts_with(&target) => {
                    return Err(format!(
                        "{}: a symbolic link to a directory that holds it (a loop)",
                        shown.display()
                    ));
                }
                Node::Directory => self.directory(&target, &shown, depth + 1, kind, out)?,
                Node::File(f) if kind.accepts(&shown) => out.push((shown, f)),
                Node::File(_) => {}
                // A dangling link to a file this walk would not read is no concern of it;
                // nor is what is neither file nor directory (a socket), as in `source::read`.
                Node::Missing if kind.accepts(&shown) && target != here => {
                    return Err(format!(
                        "{}: a symbolic link to `{}`, which does not exist",
                        shown.display(),
                        target.display()
                    ));
                }
                Node::Missing => {}
                Node::Submodule => {
                    self.submodules.insert(shown);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Links only: a path that is no link is a directory.
    struct Links(BTreeMap<PathBuf, PathBuf>);

    impl Store for Links {
        type File = ();
        fn link(&self, path: &Path) -> Result<Option<PathBuf>, String> {
            Ok(self.0.get(path).cloned())
        }
        fn node(&self, _: &Path) -> Result<Node<()>, String> {
            Ok(Node::Directory)
        }
        fn names(&self, _: &Path) -> Result<Vec<OsString>, String> {
            Ok(Vec::new())
        }
        fn read(&self, _: &(), _: &Path) -> Result<Source, String> {
            Err("no files".to_owned())
        }
    }

    fn resolved(links: &[(&str, &str)], path: &str) -> Result<String, String> {
        let store = Links(
            links
                .iter()
                .map(|(l, t)| (PathBuf::from(l), PathBuf::from(t)))
                .collect(),
        );
        resolve(&store, Path::new(path)).map(|p| p.display().to_string())
    }

    #[test]
    fn targets_are_relative_to_the_links_directory_and_chains_are_followed() {
        let links = [
            ("p/a.npl", "../shared/a.npl"),
            ("shared", "lib/v1"),
            ("p/dir", "../shared/sub"),
            ("p/b.npl", "a.npl"),
        ];
        assert_eq!(resolved(&links, "p/a.npl"), Ok("lib/v1/a.npl".into()));
        assert_eq!(resolved(&links, "p/b.npl"), Ok("lib/v1/a.npl".into()));
        assert_eq!(
            resolved(&links, "p/dir/x.npl"),
            Ok("lib/v1/sub/x.npl".into())
        );
        // `..` after a link climbs from the link's target, as on disk.
        assert_eq!(resolved(&links, "shared/../x"), Ok("lib/x".into()));
        assert_eq!(resolved(&links, "p/c.npl"), Ok("p/c.npl".into()));
    }

    #[test]
    fn targets_out_of_the_repository_absolute_or_looping_are_refused() {
        let links = [
            ("p/up.npl", "../../x.npl"),
            ("p/abs.npl", "/etc/passwd"),
            ("p/a.npl", "b.npl"),
            ("p/b.npl", "a.npl"),
            ("p/empty.npl", ""),
        ];
        let refused = |path: &str| resolved(&links, path).unwrap_err();
        assert!(refused("p/up.npl").contains("`p/up.npl` points to `../../x.npl`, outside"));
        assert!(refused("p/abs.npl").contains("`p/abs.npl` points to `/etc/passwd`, an absolute"));
        assert!(refused("p/a.npl").contains("more than 16 symbolic links"));
        assert!(refused("p/empty.npl").contains("empty target"));
    }
}
