//! Issue 15, item 11: both sides of `netpolc diff` read the same program. At a commit,
//! symbolic links used to be skipped and submodules too, while the work tree followed
//! both as `compile` does: a clean tree reported every linked policy as new. Links are now
//! resolved inside the repository at both sides (and refused when they leave it), and
//! submodules are skipped at both sides with a note.
#![cfg(unix)]

use super::fixture::Repo;
use std::os::unix::fs::symlink;

const SHOP: &str = "namespace shop {\n  isolate namespace\n  web may talk to db on 5432\n}\n";
const PAY: &str = "namespace pay {\n  isolate namespace\n  api may talk to db on 5432\n}\n";

/// A link at `link` (relative to the root) whose target is `target`, as written.
fn link(repo: &Repo, target: &str, link: &str) {
    let full = repo.path().join(link);
    std::fs::create_dir_all(full.parent().expect("a parent")).expect("mkdir");
    symlink(target, full).expect("symlink");
}

#[test]
fn a_linked_program_reads_the_same_at_head_and_in_a_clean_work_tree() {
    let repo = Repo::new();
    repo.write("shared/shop.npl", SHOP);
    repo.write("shared/more/pay.npl", PAY);
    // A file through a chain of two links, and a directory through one.
    link(&repo, "../shared/shop.npl", "policies/shop-link.npl");
    link(&repo, "shop-link.npl", "policies/shop.npl");
    link(&repo, "../shared/more", "policies/more");
    repo.commit("programs kept elsewhere in the repository");
    let run = repo.netpolc(&["diff"]).expect(0);
    assert!(
        run.stdout.contains("The meaning is unchanged"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Generated manifests: unchanged"),
        "{}",
        run.stdout
    );
    // The linked files are read at the commit: removing them is a change.
    repo.remove("policies/more");
    let run = repo.netpolc(&["diff"]).expect(1);
    assert!(run.stdout.contains("`pay`"), "{}", run.stdout);
    // The same between two commits, and for a PATH that is itself a link.
    repo.commit("no more pay");
    repo.netpolc(&["diff", "--base", "HEAD~1", "--head", "HEAD"])
        .expect(1);
    link(&repo, "shared", "linked");
    repo.commit("a link to the directory");
    repo.netpolc(&["diff", "linked"]).expect(0);
}

#[test]
fn a_link_out_of_the_repository_is_refused_at_both_sides() {
    let outside = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(outside.path().join("shop.npl"), SHOP).expect("write");
    for target in [
        outside.path().join("shop.npl").display().to_string(),
        // Relative, climbing out: resolved from the link's directory.
        format!(
            "../../{}/shop.npl",
            outside.path().file_name().unwrap().to_string_lossy()
        ),
        // Absolute, even to a file inside the repository: a checkout elsewhere differs.
        String::new(),
    ] {
        let repo = Repo::new();
        repo.write("policies/pay.npl", PAY);
        repo.commit("pay");
        let target = if target.is_empty() {
            repo.path().join("policies/pay.npl").display().to_string()
        } else {
            target
        };
        if target.starts_with("../") {
            // The repository and `outside` are both directly in the temporary directory.
            assert_eq!(outside.path().parent(), repo.path().parent());
        }
        let message = format!("the symbolic link `policies/shop.npl` points to `{target}`");
        // The work tree's side first, then the commit's.
        link(&repo, &target, "policies/shop.npl");
        let run = repo.netpolc(&["diff"]).expect(2);
        assert!(run.stderr.contains("(at work tree)"), "{}", run.stderr);
        assert!(run.stderr.contains(&message), "{}", run.stderr);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
        repo.commit("a link that leaves");
        repo.remove("policies/shop.npl");
        let run = repo.netpolc(&["diff"]).expect(2);
        assert!(run.stderr.contains("(at HEAD)"), "{}", run.stderr);
        assert!(run.stderr.contains(&message), "{}", run.stderr);
    }
}

#[test]
fn a_link_loop_is_an_error_not_a_hang() {
    let repo = Repo::new();
    repo.write("policies/shop.npl", SHOP);
    link(&repo, "b.npl", "policies/a.npl");
    link(&repo, "a.npl", "policies/b.npl");
    repo.commit("a loop of links");
    let run = repo.netpolc(&["diff"]).expect(2);
    assert!(
        run.stderr.contains("symbolic links to follow"),
        "{}",
        run.stderr
    );
    repo.remove("policies/a.npl");
    repo.remove("policies/b.npl");
    link(&repo, "..", "policies/up");
    repo.commit("a link to a directory above");
    let run = repo.netpolc(&["diff"]).expect(2);
    assert!(
        run.stderr
            .contains("policies/up: a symbolic link to a directory that holds it"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_submodule_is_skipped_at_both_sides_with_a_note() {
    let repo = Repo::new();
    repo.write("policies/shop.npl", SHOP);
    // A repository inside the work tree, added as a submodule's gitlink.
    repo.write("policies/vendor/pay.npl", PAY);
    let vendor = repo.path().join("policies/vendor");
    for args in [
        &["init", "-q", "-b", "main"][..],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t.invalid",
            "add",
            "-A",
        ],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t.invalid",
            "commit",
            "-q",
            "-m",
            "vendor",
        ],
    ] {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(&vendor)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .status()
            .expect("git runs")
            .success();
        assert!(ok, "git {args:?}");
    }
    repo.commit("the shop, and pay from a submodule");
    assert!(repo
        .git(&["ls-tree", "-r", "HEAD"])
        .contains("160000 commit"));
    let note = "note: skipped the submodule `policies/vendor` at both sides";
    let run = repo.netpolc(&["diff"]).expect(0);
    assert!(run.stderr.contains(note), "{}", run.stderr);
    assert_eq!(run.stderr.matches(note).count(), 1, "{}", run.stderr);
    assert!(!run.stdout.contains("pay"), "{}", run.stdout);
    // A submodule not checked out (an empty directory) reads the same.
    repo.remove("policies/vendor");
    std::fs::create_dir(&vendor).expect("mkdir");
    let run = repo.netpolc(&["diff"]).expect(0);
    assert!(run.stderr.contains(note), "{}", run.stderr);
}
