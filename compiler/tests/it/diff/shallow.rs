//! Issue 15, item 22 (in part): in a shallow clone, as CI checks out by default, a base
//! beyond the clone's history was refused with libgit2's "parent 0 does not exist" and no
//! hint. The refusal now says that the clone is shallow and how to fetch more history.

use super::fixture::{isolated, Repo, Run};
use std::path::Path;
use std::process::Command;

/// Runs `program ARGS` in `dir`, away from any surrounding git's settings.
fn run_in(dir: &Path, program: &str, args: &[&str]) -> Run {
    let mut c = isolated(Command::new(program), dir);
    Run::of(c.args(args).output().expect("runs"))
}

#[test]
fn a_base_beyond_a_shallow_clones_history_says_to_fetch_more() {
    let repo = Repo::new();
    repo.write(
        "policies/shop.npl",
        "namespace shop {\n  isolate namespace\n  web may talk to db on 5432\n}\n",
    );
    repo.commit("the shop");
    repo.write(
        "policies/shop.npl",
        "namespace shop {\n  isolate namespace\n  web may talk to db on 8080\n}\n",
    );
    repo.commit("web on 8080");
    let parent = tempfile::tempdir().expect("a temporary directory");
    let url = format!("file://{}", repo.path().display());
    let clone = parent.path().join("clone");
    let dest = clone.display().to_string();
    run_in(
        parent.path(),
        "git",
        &["clone", "-q", "--depth", "1", &url, &dest],
    )
    .expect(0);
    let netpolc = env!("CARGO_BIN_EXE_netpolc");
    for base in ["HEAD~1", "HEAD^"] {
        let run = run_in(&clone, netpolc, &["diff", "--base", base]).expect(2);
        for expected in [
            &format!("error: bad revision `{base}`: parent 0 does not exist")[..],
            "this repository is a shallow clone",
            "`git fetch --deepen=1`",
            "`fetch-depth: 0` (actions/checkout)",
        ] {
            assert!(
                run.stderr.contains(expected),
                "{expected:?} in:\n{}",
                run.stderr
            );
        }
    }
    // As the hint says: one more commit of history, and the same base is there.
    run_in(&clone, "git", &["fetch", "-q", "--deepen=1"]).expect(0);
    run_in(
        &clone,
        netpolc,
        &["diff", "--base", "HEAD~1", "--head", "HEAD"],
    )
    .expect(1);
    // A repository with its whole history gets no such hint.
    let run = repo.netpolc(&["diff", "--base", "HEAD~2"]).expect(2);
    assert!(!run.stderr.contains("shallow"), "{}", run.stderr);
}
