//! The output writer (`cli::output`): what it plans, what it writes, what it refuses, and
//! that a failure leaves the directory as it was.

use netpolc::cli::output::{
    plan, write, ChangeKind, Plan, Summary, JOURNAL, JOURNAL_HEADER, RECORD,
};
use netpolc::diag::{Code, Diagnostic};
use netpolc::emit::GENERATED_HEADER;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};
use tempfile::TempDir;

/// The record's comment lines, between the header and the paths.
const RECORD_COMMENT: &str = "# The files netpolc wrote in this directory, one a line: it replaces and removes only\n# these, and only while their first line is the one above. Commit this file with them.\n";

/// A file as netpolc writes it.
fn ours(body: &str) -> String {
    format!("{GENERATED_HEADER}\n{body}")
}

fn files(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
    entries
        .iter()
        .map(|(path, body)| (path.to_string(), ours(body)))
        .collect()
}

fn put(dir: &Path, rel: &str, content: &str) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    fs::write(path, content).expect("write");
}

/// Every entry under `dir`: files with their bytes, directories as `None`, links as their
/// target, so that "nothing changed" can be asserted byte for byte.
fn snapshot(dir: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    if !dir.exists() {
        return out;
    }
    let mut stack = vec![dir.to_owned()];
    while let Some(here) = stack.pop() {
        for entry in fs::read_dir(&here).expect("read_dir") {
            let entry = entry.expect("entry");
            let rel = entry
                .path()
                .strip_prefix(dir)
                .expect("inside")
                .to_string_lossy()
                .replace('\\', "/");
            let kind = entry.file_type().expect("type");
            if kind.is_symlink() {
                let target = fs::read_link(entry.path()).expect("link");
                out.insert(rel, Some(target.to_string_lossy().as_bytes().to_vec()));
            } else if kind.is_dir() {
                out.insert(rel, None);
                stack.push(entry.path());
            } else {
                out.insert(rel, Some(fs::read(entry.path()).expect("read")));
            }
        }
    }
    out
}

fn plan_ok(dir: &Path, wanted: &BTreeMap<String, String>) -> Plan {
    match plan(dir, wanted) {
        Ok(p) => p,
        Err(errors) => panic!("plan failed: {errors:?}"),
    }
}

fn write_all(dir: &Path, wanted: &BTreeMap<String, String>) {
    plan_ok(dir, wanted).apply().expect("apply");
}

fn no_staged_files_left(dir: &Path) {
    let left: Vec<String> = snapshot(dir)
        .into_keys()
        .filter(|p| p.contains(".netpolc-tmp"))
        .collect();
    assert!(left.is_empty(), "staged files left behind: {left:?}");
}

fn codes(errors: &[Diagnostic]) -> Vec<Code> {
    errors.iter().map(|d| d.code).collect()
}

#[test]
fn a_fresh_directory_gets_every_file() {
    let tmp = TempDir::new().expect("tempdir");
    let out = tmp.path().join("deploy/policies");
    let wanted = files(&[
        ("kustomization.yaml", "resources: [shop]\n"),
        ("shop/kustomization.yaml", "resources: [web.yaml]\n"),
        ("shop/web.yaml", "kind: NetworkPolicy\n"),
    ]);
    let p = plan_ok(&out, &wanted);
    assert!(!out.exists(), "planning writes nothing");
    assert_eq!(
        p.summary(),
        Summary {
            created: 3,
            ..Summary::default()
        }
    );
    assert_eq!(
        p.summary().to_string(),
        "3 created, 0 replaced, 0 removed, 0 unchanged"
    );
    p.apply().expect("apply");
    for (path, content) in &wanted {
        assert_eq!(
            &fs::read_to_string(out.join(path)).expect("written"),
            content
        );
    }
    assert_eq!(
        snapshot(&out).len(),
        5,
        "three files, the record and the `shop` directory"
    );
    assert_eq!(
        fs::read_to_string(out.join(RECORD)).expect("the record"),
        format!(
            "{GENERATED_HEADER}\n{}kustomization.yaml\nshop/kustomization.yaml\nshop/web.yaml\n",
            RECORD_COMMENT
        )
    );
    no_staged_files_left(&out);
}

#[test]
fn writing_the_same_files_again_plans_nothing_and_touches_nothing() {
    let tmp = TempDir::new().expect("tempdir");
    let wanted = files(&[("a.yaml", "a\n"), ("shop/b.yaml", "b\n")]);
    write_all(tmp.path(), &wanted);
    let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    for path in wanted.keys() {
        let file = fs::File::options()
            .write(true)
            .open(tmp.path().join(path))
            .expect("open");
        file.set_modified(long_ago).expect("set mtime");
    }
    let before = snapshot(tmp.path());

    let p = plan_ok(tmp.path(), &wanted);
    assert!(p.is_empty());
    assert_eq!(p.summary().unchanged, 2);
    assert_eq!(p.diff(), "");
    p.apply().expect("apply");

    assert_eq!(snapshot(tmp.path()), before);
    for path in wanted.keys() {
        let modified = fs::metadata(tmp.path().join(path))
            .and_then(|m| m.modified())
            .expect("mtime");
        assert_eq!(modified, long_ago, "`{path}` was touched");
    }
}

#[test]
fn a_changed_file_is_replaced_and_the_diff_shows_the_line() {
    let tmp = TempDir::new().expect("tempdir");
    write_all(
        tmp.path(),
        &files(&[("shop/web.yaml", "spec:\n  port: 80\n"), ("z.yaml", "z\n")]),
    );
    let wanted = files(&[("shop/web.yaml", "spec:\n  port: 443\n"), ("z.yaml", "z\n")]);
    let p = plan_ok(tmp.path(), &wanted);
    assert_eq!(p.changes().len(), 1);
    assert_eq!(p.changes()[0].kind, ChangeKind::Replace);
    let diff = p.diff();
    assert!(
        diff.starts_with("--- a/shop/web.yaml\n+++ b/shop/web.yaml\n@@ "),
        "{diff}"
    );
    assert!(diff.contains("\n-  port: 80\n+  port: 443\n"), "{diff}");
    p.apply().expect("apply");
    assert_eq!(
        fs::read_to_string(tmp.path().join("shop/web.yaml")).expect("read"),
        ours("spec:\n  port: 443\n")
    );
    no_staged_files_left(tmp.path());
}

#[test]
fn stale_files_are_removed_with_the_directories_they_leave_empty_and_nothing_else() {
    let tmp = TempDir::new().expect("tempdir");
    let dir = tmp.path();
    write_all(
        dir,
        &files(&[
            ("shop/old.yaml", "old\n"),
            ("shop/web.yaml", "web\n"),
            ("gone/deep/x.yaml", "x\n"),
        ]),
    );
    put(dir, "shop/NOTES.md", "written by a person\n");
    fs::create_dir(dir.join("empty-before")).expect("mkdir");

    let p = plan_ok(dir, &files(&[("shop/web.yaml", "web\n")]));
    let removed: Vec<(&str, ChangeKind)> = p
        .changes()
        .iter()
        .map(|c| (c.path.as_str(), c.kind))
        .collect();
    assert_eq!(
        removed,
        [
            (RECORD, ChangeKind::Replace),
            ("gone/deep/x.yaml", ChangeKind::Remove),
            ("shop/old.yaml", ChangeKind::Remove)
        ]
    );
    let diff = p.diff();
    assert!(
        diff.contains("--- a/shop/old.yaml\n+++ /dev/null\n@@ -1,2 +0,0 @@\n"),
        "{diff}"
    );
    p.apply().expect("apply");

    let left: Vec<String> = snapshot(dir).into_keys().collect();
    assert_eq!(
        left,
        [
            ".netpolc-files",
            "empty-before",
            "shop",
            "shop/NOTES.md",
            "shop/web.yaml"
        ]
    );
}

#[test]
fn a_foreign_file_at_a_target_is_refused_and_nothing_is_written() {
    let tmp = TempDir::new().expect("tempdir");
    let dir = tmp.path();
    write_all(dir, &files(&[("a.yaml", "a\n"), ("old.yaml", "old\n")]));
    put(
        dir,
        "shop/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\n",
    );
    put(dir, "b.yaml", "");
    let before = snapshot(dir);

    let wanted = files(&[
        ("a.yaml", "a, changed\n"),
        ("b.yaml", "b\n"),
        ("new.yaml", "new\n"),
        ("shop/kustomization.yaml", "k\n"),
    ]);
    let errors = plan(dir, &wanted).expect_err("refused");
    assert_eq!(codes(&errors), [Code::ForeignFile, Code::ForeignFile]);
    for name in ["b.yaml", "shop/kustomization.yaml"] {
        let shown = dir.join(name).display().to_string();
        let message = format!("refusing to overwrite `{shown}`: netpolc did not write it");
        assert!(
            errors.iter().any(|d| d.message == message),
            "no `{message}` in {errors:?}"
        );
    }
    assert_eq!(snapshot(dir), before);
}

#[test]
fn a_file_where_a_directory_is_needed_is_refused() {
    let tmp = TempDir::new().expect("tempdir");
    put(tmp.path(), "shop", "a person's file\n");
    let errors = plan(
        tmp.path(),
        &files(&[("shop/a.yaml", ""), ("shop/b.yaml", "")]),
    )
    .expect_err("refused");
    assert_eq!(
        codes(&errors),
        [Code::ForeignFile],
        "one refusal per path in the way"
    );
    assert!(
        errors[0].message.contains("needs a directory there"),
        "{errors:?}"
    );
}

#[test]
fn a_failing_write_leaves_the_tree_as_it_was() {
    let tmp = TempDir::new().expect("tempdir");
    let dir = tmp.path();
    write_all(dir, &files(&[("a.yaml", "a, version 1\n")]));
    let p = plan_ok(
        dir,
        &files(&[
            ("a.yaml", "a, version 2\n"),
            ("new/sub/n.yaml", "n\n"),
            ("z/x.yaml", "x\n"),
        ]),
    );
    // After the plan, something makes the last target's directory impossible to create.
    put(dir, "z", "appeared after the plan\n");
    let before = snapshot(dir);

    let error = p.apply().expect_err("staging fails");
    assert_eq!(error.code, Code::Io);
    assert!(error.message.contains("is not a directory"), "{error:?}");
    assert_eq!(
        snapshot(dir),
        before,
        "staged files and new directories are undone"
    );
}

#[test]
fn a_target_that_appears_after_the_plan_is_not_overwritten() {
    let tmp = TempDir::new().expect("tempdir");
    let dir = tmp.path();
    let p = plan_ok(dir, &files(&[("a.yaml", "a\n"), ("b.yaml", "b\n")]));
    put(dir, "b.yaml", "a person's file, written meanwhile\n");
    let before = snapshot(dir);
    let error = p.apply().expect_err("refused");
    assert_eq!(error.code, Code::ForeignFile);
    assert_eq!(snapshot(dir), before);
}

#[test]
fn paths_that_leave_the_directory_are_internal_errors() {
    let tmp = TempDir::new().expect("tempdir");
    let out = tmp.path().join("out");
    for bad in [
        "../escape.yaml",
        "/etc/passwd",
        "a/../../b.yaml",
        "",
        "a//b.yaml",
        "./a.yaml",
        "a\\b.yaml",
    ] {
        let errors = plan(&out, &files(&[(bad, "x\n")])).expect_err(bad);
        assert_eq!(codes(&errors), [Code::Internal], "{bad}");
    }
    let errors = plan(&out, &files(&[("a", "x\n"), ("a/b.yaml", "x\n")]))
        .expect_err("a file and a directory");
    assert_eq!(codes(&errors), [Code::Internal]);
    assert!(!out.exists());
    assert!(!tmp
        .path()
        .parent()
        .expect("parent")
        .join("escape.yaml")
        .exists());
}

#[test]
fn an_output_path_that_is_a_file_is_an_io_error() {
    let tmp = TempDir::new().expect("tempdir");
    put(tmp.path(), "out", "not a directory\n");
    let errors = plan(&tmp.path().join("out"), &files(&[("a.yaml", "")])).expect_err("a file");
    assert_eq!(codes(&errors), [Code::Io]);
    assert!(
        errors[0].message.ends_with("is not a directory"),
        "{errors:?}"
    );
}

#[test]
fn a_leftover_staged_file_neither_blocks_nor_stays() {
    let tmp = TempDir::new().expect("tempdir");
    let dir = tmp.path();
    // Runs killed while staging left their staged copies behind, under today's and the
    // earlier naming; a person's hidden file stays.
    put(dir, ".netpolc-tmp-0", &ours("half\n"));
    put(dir, ".a.yaml.netpolc-tmp", &ours("half\n"));
    put(dir, ".netpolc-tmp-notes", "a person's file\n");
    let p = plan_ok(dir, &files(&[("a.yaml", "a\n")]));
    assert_eq!(
        p.summary(),
        Summary {
            created: 1,
            ..Summary::default()
        }
    );
    p.apply().expect("apply");
    let left: Vec<String> = snapshot(dir).into_keys().collect();
    assert_eq!(left, [".netpolc-files", ".netpolc-tmp-notes", "a.yaml"]);
}

/// The review's case: `compile -o .` (a typo) above another program's output directory.
#[test]
fn an_output_directory_above_another_removes_and_writes_nothing_of_it() {
    let tmp = TempDir::new().expect("tempdir");
    let root = tmp.path();
    let inner = root.join("deploy/netpol");
    write(
        &inner,
        &files(&[("kustomization.yaml", "k\n"), ("shop/db.yaml", "db\n")]),
    )
    .expect("the inner output");
    // A copy of a generated file elsewhere, carrying the header: not this root's either.
    put(
        root,
        "examples/copied.yaml",
        &ours("a copy kept by a person\n"),
    );
    let inner_before = snapshot(&inner);

    let written = write(
        root,
        &files(&[("kustomization.yaml", "k\n"), ("web/web.yaml", "w\n")]),
    )
    .expect("the outer output");
    assert!(written.removed.is_empty(), "{written:?}");
    assert!(!written.adopted);
    assert_eq!(snapshot(&inner), inner_before);
    assert!(root.join("examples/copied.yaml").exists());

    // Writing into the inner root from the outer one is refused, naming it.
    let errors = plan(root, &files(&[("deploy/netpol/shop/x.yaml", "x\n")])).expect_err("nested");
    assert_eq!(codes(&errors), [Code::ForeignFile]);
    assert!(
        errors[0]
            .message
            .contains("is another netpolc output directory"),
        "{errors:?}"
    );
    assert_eq!(snapshot(&inner), inner_before);
}

#[test]
fn files_the_record_does_not_list_are_not_netpolcs_whatever_their_header() {
    let tmp = TempDir::new().expect("tempdir");
    let dir = tmp.path();
    write_all(dir, &files(&[("a.yaml", "a\n")]));
    put(dir, "shop/b.yaml", &ours("b, placed by hand\n"));
    // Not removed as stale, and not overwritten either.
    let p = plan_ok(dir, &files(&[("a.yaml", "a\n")]));
    assert!(p.is_empty(), "{:?}", p.changes());
    let errors = plan(dir, &files(&[("shop/b.yaml", "b\n")])).expect_err("refused");
    assert_eq!(codes(&errors), [Code::ForeignFile]);
}

#[test]
fn a_listed_file_a_person_rewrote_is_theirs() {
    let tmp = TempDir::new().expect("tempdir");
    let dir = tmp.path();
    write_all(dir, &files(&[("a.yaml", "a\n"), ("b.yaml", "b\n")]));
    put(dir, "b.yaml", "kind: NetworkPolicy # now a person's\n");
    let p = plan_ok(dir, &files(&[("a.yaml", "a\n")]));
    assert_eq!(p.removed(), Vec::<String>::new(), "b.yaml is left alone");
    assert!(plan(dir, &files(&[("b.yaml", "b\n")])).is_err());
}

#[test]
fn an_output_without_a_record_is_taken_over_at_the_paths_written_now() {
    let tmp = TempDir::new().expect("tempdir");
    let dir = tmp.path();
    // What a netpolc before the record wrote.
    put(dir, "a.yaml", &ours("a, version 1\n"));
    put(dir, "old.yaml", &ours("stale\n"));
    let written = write(dir, &files(&[("a.yaml", "a, version 2\n")])).expect("write");
    assert!(written.adopted);
    assert_eq!(written.summary.replaced, 1);
    assert!(written.removed.is_empty(), "nothing is known to be stale");
    assert!(dir.join("old.yaml").exists());
    assert!(dir.join(RECORD).exists());
    // From now on the record rules: the next run takes nothing over.
    let again = write(dir, &files(&[("a.yaml", "a, version 2\n")])).expect("write");
    assert!(!again.adopted);
}

#[test]
fn a_record_that_reaches_outside_is_refused_and_nothing_is_touched() {
    let tmp = TempDir::new().expect("tempdir");
    let outside = tmp.path().join("outside.yaml");
    fs::write(&outside, ours("not the output's\n")).expect("write");
    let dir = tmp.path().join("out");
    put(
        &dir,
        RECORD,
        &format!("{GENERATED_HEADER}\n../outside.yaml\n"),
    );
    let before = snapshot(tmp.path());
    let errors = write(&dir, &files(&[("a.yaml", "a\n")])).expect_err("refused");
    assert_eq!(codes(&errors), [Code::Io]);
    assert!(
        errors[0].message.contains("`../outside.yaml` on line 2"),
        "{errors:?}"
    );
    assert_eq!(snapshot(tmp.path()), before);
}

/// A run killed after its journal was written and one rename done: the next run finishes
/// the switch before it plans (the guarantee the README states).
#[test]
fn an_interrupted_switch_is_finished_by_the_next_write() {
    let tmp = TempDir::new().expect("tempdir");
    let dir = tmp.path();
    let v1 = files(&[("a.yaml", "a1\n"), ("b.yaml", "b1\n"), ("old.yaml", "o\n")]);
    let v2 = files(&[("a.yaml", "a2\n"), ("b.yaml", "b2\n")]);
    write_all(dir, &v1);
    // The state a kill leaves: a.yaml renamed already, b.yaml still staged, old.yaml not yet
    // removed, the record staged.
    put(dir, "a.yaml", &v2["a.yaml"]);
    put(dir, ".netpolc-tmp-1", &v2["b.yaml"]);
    let record = format!("{GENERATED_HEADER}\n{RECORD_COMMENT}a.yaml\nb.yaml\n");
    put(dir, ".netpolc-tmp-2", &record);
    put(
        dir,
        JOURNAL,
        &format!(
            "{JOURNAL_HEADER}\nrename\t.netpolc-tmp-0\ta.yaml\nrename\t.netpolc-tmp-1\tb.yaml\n\
             rename\t.netpolc-tmp-2\t{RECORD}\nremove\told.yaml\n"
        ),
    );
    // A check sees the half-written directory as it is.
    assert!(!plan_ok(dir, &v2).is_empty());
    // The public apply refuses to act on a plan made from it.
    assert!(plan_ok(dir, &v2).apply().is_err());

    let written = write(dir, &v2).expect("write");
    assert_eq!(
        written.recovered,
        Some(3),
        "two renames and one removal were left"
    );
    assert_eq!(written.summary.unchanged, 2);
    let left: Vec<String> = snapshot(dir).into_keys().collect();
    assert_eq!(left, [".netpolc-files", "a.yaml", "b.yaml"]);
    assert_eq!(
        fs::read_to_string(dir.join(RECORD)).expect("record"),
        record
    );
}

#[test]
fn a_hostile_journal_is_refused_and_acts_on_nothing() {
    let tmp = TempDir::new().expect("tempdir");
    let dir = tmp.path().join("out");
    put(&tmp.path().join("elsewhere"), "x.yaml", &ours("x\n"));
    write_all(&dir, &files(&[("a.yaml", "a\n")]));
    put(
        &dir,
        JOURNAL,
        &format!("{JOURNAL_HEADER}\nremove\t../elsewhere/x.yaml\nremove\ta.yaml\n"),
    );
    let before = snapshot(tmp.path());
    let errors = write(&dir, &files(&[("a.yaml", "a\n")])).expect_err("refused");
    assert_eq!(codes(&errors), [Code::Io]);
    assert!(errors[0].message.contains("line 2"), "{errors:?}");
    assert_eq!(snapshot(tmp.path()), before);
}

#[test]
fn concurrent_writes_into_one_directory_leave_one_whole_output() {
    let tmp = TempDir::new().expect("tempdir");
    let dir = tmp.path().to_owned();
    let outputs: Vec<BTreeMap<String, String>> = (0..4)
        .map(|k| {
            (0..50)
                .map(|i| {
                    (
                        format!("ns{}/p{i}.yaml", (i + k) % 5),
                        ours(&format!("run {k}\n")),
                    )
                })
                .collect()
        })
        .collect();
    std::thread::scope(|scope| {
        for output in &outputs {
            let dir = &dir;
            scope.spawn(move || {
                for _ in 0..5 {
                    write(dir, output).expect("each write succeeds");
                }
            });
        }
    });
    no_staged_files_left(&dir);
    let mut on_disk: BTreeMap<String, String> = snapshot(&dir)
        .into_iter()
        .filter_map(|(path, content)| Some((path, String::from_utf8(content?).ok()?)))
        .collect();
    on_disk.remove(RECORD);
    assert!(
        outputs.contains(&on_disk),
        "the directory is exactly one run's output"
    );
}

#[test]
fn a_file_name_as_long_as_the_file_system_takes_can_be_written() {
    let tmp = TempDir::new().expect("tempdir");
    let name = format!("{}.yaml", "p".repeat(250));
    write_all(tmp.path(), &files(&[(&name, "long\n")]));
    assert!(tmp.path().join(&name).exists());
    no_staged_files_left(tmp.path());
}

#[test]
fn the_diff_is_in_path_order_with_dev_null_for_new_files() {
    let tmp = TempDir::new().expect("tempdir");
    write_all(tmp.path(), &files(&[("m.yaml", "m\n")]));
    let p = plan_ok(
        tmp.path(),
        &files(&[("z.yaml", "z\n"), ("a/b.yaml", "b\n")]),
    );
    let diff = p.diff();
    let headers: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with("--- ") || l.starts_with("+++ "))
        .map(|l| &l[4..])
        .collect::<Vec<_>>();
    assert_eq!(
        headers,
        [
            "a/.netpolc-files",
            "b/.netpolc-files",
            "/dev/null",
            "b/a/b.yaml",
            "a/m.yaml",
            "/dev/null",
            "/dev/null",
            "b/z.yaml"
        ]
    );
    assert!(p.diff().contains(&format!("+{GENERATED_HEADER}\n+z\n")));
}

#[cfg(unix)]
mod links {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    #[test]
    fn a_link_at_a_target_is_foreign_even_to_a_file_of_ours() {
        let tmp = TempDir::new().expect("tempdir");
        let outside = tmp.path().join("outside.yaml");
        fs::write(&outside, ours("not to be touched\n")).expect("write");
        let dir = tmp.path().join("out");
        fs::create_dir(&dir).expect("mkdir");
        symlink(&outside, dir.join("a.yaml")).expect("symlink");
        let before = snapshot(tmp.path());

        let errors = plan(&dir, &files(&[("a.yaml", "a\n")])).expect_err("refused");
        assert_eq!(codes(&errors), [Code::ForeignFile]);
        assert!(
            errors[0].message.contains("the symbolic link"),
            "{errors:?}"
        );
        assert_eq!(snapshot(tmp.path()), before);
    }

    #[test]
    fn linked_directories_are_neither_scanned_nor_written_through() {
        let tmp = TempDir::new().expect("tempdir");
        let elsewhere = tmp.path().join("elsewhere");
        put(&elsewhere, "old.yaml", &ours("someone else's output\n"));
        let dir = tmp.path().join("out");
        fs::create_dir(&dir).expect("mkdir");
        symlink(&elsewhere, dir.join("shop")).expect("symlink");

        // Not scanned: the file of ours behind the link is not stale.
        let p = plan_ok(&dir, &files(&[("a.yaml", "a\n")]));
        assert_eq!(p.summary().removed, 0);
        p.apply().expect("apply");
        assert!(elsewhere.join("old.yaml").exists());

        // Not written through.
        let errors = plan(&dir, &files(&[("shop/web.yaml", "w\n")])).expect_err("refused");
        assert_eq!(codes(&errors), [Code::ForeignFile]);
    }

    #[test]
    fn a_replaced_file_keeps_its_permissions() {
        let tmp = TempDir::new().expect("tempdir");
        write_all(tmp.path(), &files(&[("a.yaml", "1\n")]));
        let path = tmp.path().join("a.yaml");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
        write_all(tmp.path(), &files(&[("a.yaml", "2\n")]));
        let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
}
