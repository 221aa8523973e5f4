//! proptest's configuration for this binary: the seeds of past failures are kept beside the
//! module whose property found them (`equiv/random.proptest-regressions` for
//! `equiv/random.rs`), and every property of the binary uses this configuration.

use proptest::test_runner::{Config, FailurePersistence, FileFailurePersistence};
use std::path::{Path, PathBuf};

/// `NAME.proptest-regressions` beside `NAME.rs`. proptest's default, `SourceParallel`, looks
/// for the crate root's `main.rs` and, finding this binary's, would read and write
/// `tests/proptest-regressions/NAME.txt` instead, missing the seeds kept here.
const PERSISTENCE: FileFailurePersistence =
    FileFailurePersistence::WithSource("proptest-regressions");

/// proptest's defaults (including `PROPTEST_CASES` from the environment), with the seeds
/// beside the module.
pub fn config() -> Config {
    Config {
        failure_persistence: Some(Box::new(PERSISTENCE)),
        ..Config::default()
    }
}

/// [`config`] with `cases` cases per property.
pub fn with_cases(cases: u32) -> Config {
    Config { cases, ..config() }
}

/// The directory of this binary's sources.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it")
}

/// Every file under `dir` whose name ends with `suffix`, sorted.
fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the test sources can be listed")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            found.extend(files(&path, suffix));
        } else if path.to_string_lossy().ends_with(suffix) {
            found.push(path);
        }
    }
    found
}

#[test]
fn proptest_reads_every_regression_file_beside_its_module() {
    let regressions = files(&root(), ".proptest-regressions");
    assert!(
        !regressions.is_empty(),
        "no regression files under {}",
        root().display()
    );
    for file in regressions {
        let module = file.with_extension("rs");
        assert!(
            module.is_file(),
            "{} has no module beside it",
            file.display()
        );
        let text = std::fs::read_to_string(&file).expect("a regression file reads");
        let kept = text.lines().filter(|l| l.starts_with("cc ")).count();
        // proptest wants the source's name for the whole run, as `file!()` gives it.
        let source: &'static str =
            Box::leak(module.to_string_lossy().into_owned().into_boxed_str());
        let loaded = PERSISTENCE.load_persisted_failures2(Some(source));
        assert!(kept > 0, "{} keeps no seed", file.display());
        assert_eq!(
            loaded.len(),
            kept,
            "proptest read {} seeds of {}",
            loaded.len(),
            file.display()
        );
    }
}

/// A property configured elsewhere would keep its seeds where the others do not look.
#[test]
fn every_property_uses_this_configuration() {
    for file in files(&root(), ".rs") {
        let text = std::fs::read_to_string(&file).expect("a test source reads");
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim_start().starts_with("proptest! {") {
                let next = lines.get(i + 1).copied().unwrap_or("");
                assert!(
                    next.contains("#![proptest_config(crate::kit::proptest::"),
                    "{}:{}: a property without kit::proptest's configuration",
                    file.display(),
                    i + 2
                );
            }
        }
    }
}
