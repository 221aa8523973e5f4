//! Files in a commit's tree, read from git's objects: what `cli::input` does on disk,
//! done on a tree (recursive, sorted, hidden entries skipped, files named as the user's
//! path joined with the path below it).

use crate::cli::input::{Kind, MAX_READ};
use crate::model::load::Source;
use git2::{ObjectType, Repository, Tree, TreeEntry};
use std::path::{Path, PathBuf};

/// Git's file mode of a symbolic link.
const LINK_MODE: i32 = 0o120_000;

/// What one path names in a tree.
pub(super) enum Found {
    Nothing,
    File(Source),
    Directory,
}

/// The entry at `inside` (relative to the root, not empty: the root is no entry), or
/// `None` when there is none.
fn entry(tree: &Tree<'_>, inside: &Path) -> Result<Option<TreeEntry<'static>>, git2::Error> {
    match tree.get_path(inside) {
        Ok(e) => Ok(Some(e)),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// A blob's bytes, at most one byte over the loaders' limit (they refuse anything longer).
/// The size is read from the object's header first, so that an oversized blob is refused
/// without being loaded.
fn blob(repo: &Repository, entry: &TreeEntry<'_>, name: &Path) -> Result<Source, git2::Error> {
    let (size, _) = repo.odb()?.read_header(entry.id())?;
    if size > MAX_READ - 1 {
        return Err(git2::Error::from_str(&format!(
            "{}: larger than {} MiB, the most netpolc reads from one file",
            name.display(),
            (MAX_READ - 1) >> 20
        )));
    }
    let blob = repo.find_blob(entry.id())?;
    let bytes = blob.content();
    Ok(Source {
        name: name.display().to_string(),
        bytes: bytes[..bytes.len().min(MAX_READ)].to_vec(),
    })
}

/// What `inside` names in `tree`, the user calling it `shown`.
pub(super) fn file(
    repo: &Repository,
    tree: &Tree<'_>,
    inside: &Path,
    shown: &Path,
) -> Result<Found, git2::Error> {
    if inside.as_os_str().is_empty() {
        return Ok(Found::Directory);
    }
    Ok(match entry(tree, inside)? {
        None => Found::Nothing,
        Some(e) if e.kind() == Some(ObjectType::Tree) => Found::Directory,
        Some(e) if e.kind() == Some(ObjectType::Blob) && e.filemode() != LINK_MODE => {
            Found::File(blob(repo, &e, shown)?)
        }
        // A link or a submodule: nothing netpolc reads.
        Some(_) => Found::Nothing,
    })
}

/// The files at `inside`: the file itself, or the directory's files of `kind`; `None`
/// when nothing readable is there.
pub(super) fn files(
    repo: &Repository,
    tree: &Tree<'_>,
    inside: &Path,
    shown: &Path,
    kind: &Kind,
) -> Result<Option<Vec<Source>>, git2::Error> {
    let dir = if inside.as_os_str().is_empty() {
        tree.clone()
    } else {
        match entry(tree, inside)? {
            None => return Ok(None),
            Some(e) if e.kind() == Some(ObjectType::Tree) => repo.find_tree(e.id())?,
            Some(e) if e.kind() == Some(ObjectType::Blob) && e.filemode() != LINK_MODE => {
                return Ok(Some(vec![blob(repo, &e, shown)?]));
            }
            Some(_) => return Ok(None),
        }
    };
    let mut found = Vec::new();
    walk(repo, &dir, shown, kind, &mut found)?;
    // Sorted as `cli::input` sorts the work tree's files, by path.
    found.sort_by(|a, b| a.0.cmp(&b.0));
    let sources = found
        .iter()
        .map(|(name, e)| blob(repo, e, name))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(sources))
}

/// Collects the files of `kind` below `tree` (named from `shown`), skipping hidden
/// entries, links and submodules. Trees are acyclic, so this ends.
fn walk(
    repo: &Repository,
    tree: &Tree<'_>,
    shown: &Path,
    kind: &Kind,
    out: &mut Vec<(PathBuf, TreeEntry<'static>)>,
) -> Result<(), git2::Error> {
    for e in tree.iter() {
        let name = String::from_utf8_lossy(e.name_bytes()).into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = shown.join(&name);
        match e.kind() {
            Some(ObjectType::Tree) => walk(repo, &repo.find_tree(e.id())?, &path, kind, out)?,
            Some(ObjectType::Blob) if e.filemode() != LINK_MODE && kind.accepts(&path) => {
                out.push((path, e.to_owned()));
            }
            _ => {}
        }
    }
    Ok(())
}
