//! Reading the PATH arguments into [`Source`]s: the only place the loader's input
//! touches the file system (the library itself takes bytes).

use super::{past_read_bound, Source, MAX_SOURCE_BYTES};
use std::io::Read;
use std::path::{Path, PathBuf};

/// What a command reads from directories: the file name endings, and how to name them
/// in messages.
pub struct Kind {
    extensions: &'static [&'static str],
    what: &'static str,
}

/// Kubernetes manifests (`reach`, `explain`).
pub const MANIFESTS: Kind = Kind {
    extensions: &["yaml", "yml", "json"],
    what: ".yaml, .yml or .json file",
};

/// Programs in the intent language (`compile`).
pub const PROGRAMS: Kind = Kind {
    extensions: &["npl"],
    what: ".npl file",
};

/// Directories nested deeper than this are refused (a symlink loop, most likely).
const MAX_DEPTH: usize = 64;

/// Reads PATHs: a file; a directory recursively (files ending .yaml, .yml, .json; sorted by
/// path so the order is deterministic; hidden dirs like .git skipped); "-" = stdin (at
/// most once).
pub fn read_sources(paths: &[PathBuf]) -> Result<Vec<Source>, String> {
    read(paths, &MANIFESTS)
}

/// Reads PATHs as [`read_sources`] does, taking from directories the files of `kind`.
pub fn read(paths: &[PathBuf], kind: &Kind) -> Result<Vec<Source>, String> {
    // Checked before reading anything, so a refused command line never waits on stdin.
    if paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err("`-` (standard input) may be given only once".to_string());
    }
    let mut sources = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            // One byte over the loader's limit is enough for it to refuse the input,
            // without reading an endless stream into memory.
            let limit = u64::try_from(MAX_READ).unwrap_or(u64::MAX);
            std::io::stdin()
                .lock()
                .take(limit)
                .read_to_end(&mut bytes)
                .map_err(|e| format!("-: cannot read standard input: {e}"))?;
            sources.push(Source {
                name: "-".to_string(),
                bytes,
            });
            continue;
        }
        let meta =
            std::fs::metadata(path).map_err(|e| format!("{}: {}", path.display(), describe(&e)))?;
        if meta.is_dir() {
            let files = list(path, kind)?;
            if files.is_empty() {
                return Err(format!(
                    "{}: no {} in this directory",
                    path.display(),
                    kind.what
                ));
            }
            for f in files {
                sources.push(read_file(&f)?);
            }
        } else {
            sources.push(read_file(path)?);
        }
    }
    Ok(sources)
}

/// The loader refuses sources over 64 MiB; read at most one byte more, so that it can.
const MAX_READ: usize = MAX_SOURCE_BYTES + 1;

/// A file given by a flag (`--config`, `--template`, `--query`), refused past the limit every
/// input has (64 MiB): a regular file by its size before reading, a stream (`/dev/zero`, a
/// pipe) after reading one byte more, so that nothing reads without bound.
pub fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    let limit = MAX_SOURCE_BYTES;
    let too_large = || format!("{}: {}", path.display(), past_read_bound());
    let file =
        std::fs::File::open(path).map_err(|e| format!("{}: {}", path.display(), describe(&e)))?;
    if let Ok(meta) = file.metadata() {
        if meta.is_file() && meta.len() > limit as u64 {
            return Err(too_large());
        }
    }
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {}", path.display(), describe(&e)))?;
    if bytes.len() > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The files of `kind` in directory `dir`, recursively, sorted by path so the order is
/// deterministic; hidden entries are skipped and links followed, as [`read`] does.
pub fn list(dir: &Path, kind: &Kind) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    collect(dir, 0, kind, &mut files)?;
    files.sort();
    Ok(files)
}

/// One file, named as given, at most one byte over the loader's limit.
pub fn read_file(path: &Path) -> Result<Source, String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("{}: {}", path.display(), describe(&e)))?;
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_READ).unwrap_or(u64::MAX);
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {}", path.display(), describe(&e)))?;
    Ok(Source {
        name: path.display().to_string(),
        bytes,
    })
}

/// The directory's files of `kind`, recursively; hidden entries (`.git`, `.github`) are
/// skipped.
fn collect(dir: &Path, depth: usize, kind: &Kind, out: &mut Vec<PathBuf>) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("{}: directories nested too deeply", dir.display()));
    }
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("{}: {}", dir.display(), describe(&e)))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {}", dir.display(), describe(&e)))?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if hidden {
            continue;
        }
        let file_type = entry
            .file_type()
            .map_err(|e| format!("{}: {}", path.display(), describe(&e)))?;
        if file_type.is_symlink() {
            link(&path, depth, kind, out)?;
        } else if file_type.is_dir() {
            collect(&path, depth + 1, kind, out)?;
        } else if file_type.is_file() && kind.accepts(&path) {
            out.push(path);
        }
    }
    Ok(())
}

/// A symbolic link met in a directory walk. Links are followed, as `kubectl apply -R -f`
/// does, when they can be input: one named as the kind's files (a dangling one is an
/// error that names it), or one to a directory. A link to anything else is none of the
/// walk's business: a dangling `README.md` must not stop the run, so it is not followed
/// beyond finding that it is no directory.
fn link(path: &Path, depth: usize, kind: &Kind, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let target = std::fs::metadata(path);
    if kind.accepts(path) {
        let meta = target.map_err(|e| {
            let to = std::fs::read_link(path)
                .map(|t| format!(" to `{}`", t.display()))
                .unwrap_or_default();
            format!(
                "{}: a symbolic link{to} that cannot be followed: {}",
                path.display(),
                describe(&e)
            )
        })?;
        if meta.is_file() {
            out.push(path.to_path_buf());
        } else if meta.is_dir() {
            collect(path, depth + 1, kind, out)?;
        }
    } else if target.is_ok_and(|m| m.is_dir()) {
        collect(path, depth + 1, kind, out)?;
    }
    Ok(())
}

impl Kind {
    /// Whether a directory walk takes this file: its name ends with one of the kind's
    /// extensions, in any case.
    pub fn accepts(&self, path: &Path) -> bool {
        path.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| self.extensions.iter().any(|x| x.eq_ignore_ascii_case(e)))
    }

    /// How messages name one file of this kind (`.npl file`).
    pub fn what(&self) -> &'static str {
        self.what
    }
}

/// An I/O error in lower case without the OS error number.
pub fn describe(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("netpolc-input-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn directories_are_read_recursively_sorted_skipping_hidden_and_other_files() {
        let d = temp_dir("walk");
        std::fs::create_dir_all(d.join("b/sub")).unwrap();
        std::fs::create_dir_all(d.join(".git")).unwrap();
        std::fs::write(d.join("b/sub/z.yml"), "a: 1").unwrap();
        std::fs::write(d.join("a.json"), "{}").unwrap();
        std::fs::write(d.join("c.YAML"), "a: 1").unwrap();
        std::fs::write(d.join("readme.md"), "x").unwrap();
        std::fs::write(d.join(".git/x.yaml"), "a: 1").unwrap();
        let s = read_sources(std::slice::from_ref(&d)).unwrap();
        let names: Vec<String> = s
            .iter()
            .map(|s| {
                Path::new(&s.name)
                    .strip_prefix(&d)
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(names, vec!["a.json", "b/sub/z.yml", "c.YAML"]);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_file_keeps_the_name_given_and_missing_files_are_errors() {
        let d = temp_dir("file");
        let f = d.join("x.txt");
        std::fs::write(&f, "kind: Namespace").unwrap();
        let s = read_sources(std::slice::from_ref(&f)).unwrap();
        assert_eq!(s[0].name, f.display().to_string());
        assert_eq!(s[0].bytes, b"kind: Namespace");
        let e = read_sources(&[d.join("missing.yaml")]).unwrap_err();
        assert!(e.contains("no such file"), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// A dangling link to a file of another kind (`README.md` -> missing) stopped the whole
    /// run; one named as the files read is an error that names it.
    #[cfg(unix)]
    #[test]
    fn dangling_links_are_skipped_unless_named_as_input() {
        let d = temp_dir("links");
        std::fs::write(d.join("a.yaml"), "a: 1").unwrap();
        std::fs::create_dir_all(d.join("real")).unwrap();
        std::fs::write(d.join("real/b.yaml"), "a: 1").unwrap();
        std::os::unix::fs::symlink("missing", d.join("README.md")).unwrap();
        std::os::unix::fs::symlink("real", d.join("linked")).unwrap();
        std::os::unix::fs::symlink("a.yaml", d.join("c.yml")).unwrap();
        let names: Vec<String> = read_sources(std::slice::from_ref(&d))
            .unwrap()
            .iter()
            .map(|s| {
                s.name
                    .strip_prefix(&format!("{}/", d.display()))
                    .unwrap_or(&s.name)
                    .to_string()
            })
            .collect();
        assert_eq!(
            names,
            vec!["a.yaml", "c.yml", "linked/b.yaml", "real/b.yaml"]
        );
        std::os::unix::fs::symlink("gone.yaml", d.join("x.yaml")).unwrap();
        let e = read_sources(std::slice::from_ref(&d)).unwrap_err();
        assert!(
            e.contains("x.yaml: a symbolic link to `gone.yaml` that cannot be followed"),
            "{e}"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn stdin_at_most_once() {
        let e = read_sources(&[PathBuf::from("-"), PathBuf::from("-")]);
        assert!(e.unwrap_err().contains("only once"));
    }
}
