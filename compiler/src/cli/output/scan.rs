//! Reading the output directory: which files are netpolc's, and what stands at each
//! target path. Nothing here writes, and nothing follows a symbolic link inside the
//! directory.

use super::{io_error, join};
use crate::diag::Diagnostic;
use crate::emit::GENERATED_HEADER;
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::Path;

/// Directories never scanned: a version-control store is nobody's output, and can be large.
const SKIPPED_DIRS: &[&str] = &[".git"];

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

/// netpolc's own files under `dir` (relative path → content). Unreadable entries are
/// reported; names that are not UTF-8 cannot be netpolc's and are left alone.
pub(super) fn owned_files(dir: &Path, errors: &mut Vec<Diagnostic>) -> BTreeMap<String, Vec<u8>> {
    let mut owned = BTreeMap::new();
    let mut stack = vec![String::new()];
    while let Some(rel) = stack.pop() {
        let here = join(dir, &rel);
        let entries = match fs::read_dir(&here) {
            Ok(entries) => entries,
            Err(e) => {
                errors.push(io_error(&here, "cannot be read", Some(&e)));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    errors.push(io_error(&here, "cannot be read", Some(&e)));
                    continue;
                }
            };
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            // `DirEntry::file_type` does not follow symbolic links.
            match entry.file_type() {
                Ok(t) if t.is_dir() && !SKIPPED_DIRS.contains(&name.as_str()) => stack.push(path),
                Ok(t) if t.is_file() => match read_if_ours(&entry.path()) {
                    Ok(Some(content)) => {
                        owned.insert(path, content);
                    }
                    Ok(None) => {}
                    Err(e) => errors.push(io_error(&entry.path(), "cannot be read", Some(&e))),
                },
                Ok(_) => {}
                Err(e) => errors.push(io_error(&entry.path(), "cannot be read", Some(&e))),
            }
        }
    }
    owned
}

/// The content of a file if netpolc wrote it; reads only the header's length otherwise,
/// so a large foreign file costs nothing.
pub(super) fn read_if_ours(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let mut file = fs::File::open(path)?;
    let mut head = Vec::with_capacity(GENERATED_HEADER.len());
    (&mut file)
        .take(GENERATED_HEADER.len() as u64)
        .read_to_end(&mut head)?;
    if head != GENERATED_HEADER.as_bytes() {
        return Ok(None);
    }
    file.read_to_end(&mut head)?;
    Ok(Some(head))
}

/// Whether `path` is a regular file (not a link) that starts with the header.
pub(super) fn is_netpolc_file(path: &Path) -> io::Result<bool> {
    if !fs::symlink_metadata(path)?.file_type().is_file() {
        return Ok(false);
    }
    let mut head = Vec::new();
    fs::File::open(path)?
        .take(GENERATED_HEADER.len() as u64)
        .read_to_end(&mut head)?;
    Ok(head == GENERATED_HEADER.as_bytes())
}

pub(super) fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}
