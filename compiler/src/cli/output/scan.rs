//! Reading the output directory: which of the files its record lists are still netpolc's,
//! and what stands at each target path. Nothing here writes, and nothing follows a symbolic
//! link inside the directory.

use super::record::RECORD;
use super::{io_error, join};
use crate::diag::Diagnostic;
use crate::emit::OWNED_MARK;
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::Path;

/// What stands at a target path.
pub(super) enum Target {
    /// Nothing: the file and maybe directories above it will be created.
    Missing,
    /// A regular file.
    File,
    /// Something netpolc must not write over or through, at this path relative to the
    /// output directory.
    Blocked(String, Blocker),
}

/// What stands in a target's way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Blocker {
    /// A symbolic link, at the target or where a directory is needed.
    Link,
    /// A directory where the file goes.
    Directory,
    /// A file where a directory is needed.
    File,
    /// A device, socket or pipe.
    Special,
}

impl Blocker {
    pub(super) fn describe(self) -> &'static str {
        match self {
            Blocker::Link => "the symbolic link",
            Blocker::Directory => "the directory",
            Blocker::File => "the file",
            Blocker::Special => "the special file",
        }
    }
}

/// Looks at a target path component by component, never following a symbolic link.
pub(super) fn inspect(dir: &Path, path: &str) -> io::Result<Target> {
    let parts: Vec<&str> = path.split('/').collect();
    for i in 0..parts.len() {
        let rel = parts[..=i].join("/");
        let last = i + 1 == parts.len();
        let meta = match fs::symlink_metadata(join(dir, &rel)) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Target::Missing),
            // `dir` itself is missing or not a directory: `plan` reports that.
            Err(e) if e.kind() == io::ErrorKind::NotADirectory => return Ok(Target::Missing),
            Err(e) => return Err(e),
        };
        let kind = meta.file_type();
        let blocker = if kind.is_symlink() {
            Blocker::Link
        } else if kind.is_dir() && last {
            Blocker::Directory
        } else if kind.is_file() && !last {
            Blocker::File
        } else if kind.is_file() || kind.is_dir() {
            continue;
        } else {
            Blocker::Special
        };
        return Ok(Target::Blocked(rel, blocker));
    }
    Ok(Target::File)
}

/// The files of `candidates` (relative paths) that are netpolc's: regular files, reached
/// without a symbolic link, whose first line is netpolc's header.
pub(super) fn owned_files(
    dir: &Path,
    candidates: &[String],
    errors: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Vec<u8>> {
    let mut owned = BTreeMap::new();
    for path in candidates {
        match inspect(dir, path) {
            Ok(Target::File) => match read_if_ours(&join(dir, path)) {
                Ok(Some(content)) => {
                    owned.insert(path.clone(), content);
                }
                Ok(None) => {}
                Err(e) => errors.push(io_error(&join(dir, path), "cannot be read", Some(&e))),
            },
            Ok(_) => {}
            Err(e) => errors.push(io_error(&join(dir, path), "cannot be read", Some(&e))),
        }
    }
    owned
}

/// The directory strictly between `dir` and `path` (relative) that is the root of another
/// output directory (it has a record of its own), if any.
pub(super) fn other_root_above(dir: &Path, path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    (1..parts.len())
        .map(|i| parts[..i].join("/"))
        .find(|sub| exists(&join(dir, sub).join(RECORD)))
}

/// The content of a file if netpolc wrote it (its first line starts with [`OWNED_MARK`]);
/// reads only the mark's length otherwise, so a large foreign file costs nothing.
pub(super) fn read_if_ours(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let mut file = fs::File::open(path)?;
    let mut head = Vec::with_capacity(OWNED_MARK.len());
    (&mut file)
        .take(OWNED_MARK.len() as u64)
        .read_to_end(&mut head)?;
    if head != OWNED_MARK.as_bytes() {
        return Ok(None);
    }
    file.read_to_end(&mut head)?;
    Ok(Some(head))
}

/// Whether `path` is a regular file (not a link) that starts with [`OWNED_MARK`].
pub(super) fn is_netpolc_file(path: &Path) -> io::Result<bool> {
    if !fs::symlink_metadata(path)?.file_type().is_file() {
        return Ok(false);
    }
    let mut head = Vec::new();
    fs::File::open(path)?
        .take(OWNED_MARK.len() as u64)
        .read_to_end(&mut head)?;
    Ok(head == OWNED_MARK.as_bytes())
}

pub(super) fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}
