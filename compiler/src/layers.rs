//! The module graph is a DAG, held here: each top-level module of the crate sits on a
//! layer, and a file may name (`crate::X`, also inside `use crate::{a, b}` groups and
//! inline paths) only its own module and modules on lower layers. Modules on one layer
//! never name each other. `ARCHITECTURE.md` draws the same picture and says why each
//! module sits where it does; the two change together.
//!
//! Compilation cannot hold this: Rust allows cycles between modules of one crate, and a
//! back edge (a low module reaching up for a type) is how a crate stops being layered.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The layers, lowest first.
const LAYERS: &[&[&str]] = &[
    &["parallel", "source"],
    &["diag", "ir", "vcs"],
    &["syntax", "model"],
    &["resolve"],
    &["emit", "verify"],
    &["report", "pipeline"],
    &["cli"],
];

/// Files of the crate root that belong to no layer: the root declares the modules, and
/// this test names every module in its strings.
const NOT_LAYERED: &[&str] = &["lib.rs", "main.rs", "layers.rs"];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// A module of the crate root named from a file: the name and the byte offset where it is
/// named.
#[derive(Debug, PartialEq)]
struct Mention {
    module: String,
    at: usize,
    /// Named through `super::`: then a name that is no module of the root is an item of
    /// an inline `mod`'s parent, not of the root.
    via_super: bool,
}

/// Every crate-root module `text` names: `crate::X`, each entry of `crate::{X, Y::z}`,
/// and `super::X` when the chain of `super`s climbs from a file `depth` modules deep to
/// the crate root (inside an inline `mod` it may stop short; see [`Mention::via_super`]).
fn mentions(text: &str, depth: usize) -> Vec<Mention> {
    let bytes = text.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let word_start = i == 0 || !(ident(bytes[i - 1]) || bytes[i - 1] == b'$');
        let at_root = if !word_start {
            None
        } else if let Some(rest) = path_after(text, i, "crate") {
            Some((rest, false))
        } else if i < 2 || bytes[i - 2..i] != *b"::" {
            // Count a chain of `super::` from its first link only.
            let mut end = i;
            let mut count = 0;
            while let Some(rest) = path_after(text, end, "super") {
                end = rest;
                count += 1;
            }
            (count > 0 && count >= depth).then_some((end, true))
        } else {
            None
        };
        match at_root {
            Some((rest, via_super)) => {
                let first = found.len();
                roots(text, rest, &mut found);
                for m in &mut found[first..] {
                    m.via_super = via_super;
                }
                i = rest;
            }
            None => i += 1,
        }
    }
    found
}

/// When `keyword` followed by `::` starts at `at`, the offset after the `::` and any
/// white space.
fn path_after(text: &str, at: usize, keyword: &str) -> Option<usize> {
    let rest = text.get(at..)?.strip_prefix(keyword)?;
    let after = rest.trim_start();
    let after = after.strip_prefix("::")?.trim_start();
    Some(text.len() - after.len())
}

/// The first segment of each path starting at `at` (one name, or every entry of a
/// `{...}` group, nested groups skipped).
fn roots(text: &str, at: usize, found: &mut Vec<Mention>) {
    let rest = &text[at..];
    if let Some(group) = rest.strip_prefix('{') {
        let mut depth = 0;
        let mut entry_start = Some(at + 1);
        for (k, c) in group.char_indices() {
            let here = at + 1 + k;
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => entry_start = Some(here + 1),
                c if c.is_whitespace() => {
                    if entry_start == Some(here) {
                        entry_start = Some(here + c.len_utf8());
                    }
                }
                _ => {
                    if entry_start.take() == Some(here) {
                        push_name(text, here, found);
                    }
                }
            }
        }
    } else {
        push_name(text, at, found);
    }
}

fn push_name(text: &str, at: usize, found: &mut Vec<Mention>) {
    let name: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '*')
        .collect();
    // `crate::{self}` names the root itself, which holds nothing but the modules.
    if !name.is_empty() && name != "self" {
        found.push(Mention {
            module: name,
            at,
            via_super: false,
        });
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("src is readable")
        .map(|e| e.expect("src is readable").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file's module path below the crate root: `cli/diff/report.rs` is `cli::diff::report`,
/// `cli/mod.rs` is `cli`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// Every back edge or unlisted module under `src`, as `file:line: what`.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let root_modules: Vec<String> = files
        .iter()
        .filter_map(|f| module_path(f.strip_prefix(src).ok()?).into_iter().next())
        .collect();
    let mut out = Vec::new();
    for file in files {
        let relative = file.strip_prefix(src).expect("under src");
        if NOT_LAYERED.iter().any(|n| relative == Path::new(n)) {
            continue;
        }
        let path = module_path(relative);
        let own = &path[0];
        let shown = format!("src/{}", relative.display());
        let Some(own_layer) = layer(own) else {
            out.push(format!(
                "{shown}: module `{own}` is on no layer of `LAYERS`"
            ));
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("sources are UTF-8");
        for m in mentions(&text, path.len()) {
            if &m.module == own || (m.via_super && !root_modules.contains(&m.module)) {
                continue;
            }
            let line = text[..m.at].matches('\n').count() + 1;
            let what = match layer(&m.module) {
                None => format!("`{}` is on no layer of `LAYERS`", m.module),
                Some(l) if l < own_layer => continue,
                Some(l) if l == own_layer => format!(
                    "`{own}` names `{}`, on its own layer: neither may name the other",
                    m.module
                ),
                Some(_) => format!("`{own}` names `{}`, a layer above it", m.module),
            };
            out.push(format!("{shown}:{line}: {what}"));
        }
    }
    out
}

#[test]
fn no_module_names_one_on_its_layer_or_above() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    let mut message = String::new();
    for v in &found {
        let _ = writeln!(message, "{v}");
    }
    assert!(
        found.is_empty(),
        "the module graph has back edges:\n{message}"
    );
}

#[test]
fn every_layered_module_exists_once() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut listed: Vec<&str> = LAYERS.iter().flat_map(|l| l.iter().copied()).collect();
    for m in &listed {
        assert!(
            src.join(m).is_dir() || src.join(format!("{m}.rs")).is_file(),
            "`{m}` is in LAYERS but not in src"
        );
    }
    let count = listed.len();
    listed.sort_unstable();
    listed.dedup();
    assert_eq!(listed.len(), count, "a module is on two layers");
}

#[test]
fn mentions_are_found_in_groups_inline_paths_and_super_chains() {
    let text = "use crate::{\n    diag::{Code, Diagnostic},\n    ir::Cidr, self,\n};\n\
                fn f() -> crate :: model::Cluster { $crate::x; my_crate::y; }\n\
                use super::{a, b}; use super::super::verify::Engine;\n";
    let names = |depth| -> Vec<String> {
        mentions(text, depth)
            .into_iter()
            .map(|m| m.module)
            .collect()
    };
    assert_eq!(names(3), ["diag", "ir", "model"]);
    assert_eq!(names(2), ["diag", "ir", "model", "verify"]);
    assert_eq!(names(1), ["diag", "ir", "model", "a", "b", "verify"]);
    let m = &mentions(text, 3)[2];
    assert_eq!(&text[m.at..m.at + 5], "model");
}
