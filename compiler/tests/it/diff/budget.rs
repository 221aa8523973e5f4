//! Issue 15, item 12: `netpolc diff` spends a budget as `check` does. A program whose
//! selectors combine many label keys makes the listing of changes exponential: it used
//! to run for minutes in the Action's check job (a denial of service by pull request);
//! it now ends with NP0602 and exit 2, and the budget is counted in box comparisons, not
//! time.

use super::fixture::Repo;

/// 800 statements, each selecting pods by three of 80 label keys, `=` or `!=`
/// (`kit/hostile.rs`): their union's complement has exponentially many boxes.
fn hostile_program() -> String {
    let mut text = String::from("namespace x {\n  isolate ingress\n");
    for selector in crate::kit::hostile::selectors() {
        let reqs: Vec<String> = selector
            .iter()
            .map(|(k, is)| {
                if *is {
                    format!("k{k}=v")
                } else {
                    format!("k{k}!=v")
                }
            })
            .collect();
        text.push_str(&format!(
            "  pods({}) in namespaces() may talk to *\n",
            reqs.join(", ")
        ));
    }
    text.push_str("}\n");
    text
}

#[test]
fn a_change_too_hard_to_list_ends_with_np0602_instead_of_running_for_ever() {
    let repo = Repo::new();
    repo.write(
        "policies/x.npl",
        "namespace x {\n  isolate ingress\n  cluster may talk to *\n}\n",
    );
    repo.commit("everything may reach x");
    repo.write("policies/x.npl", &hostile_program());
    let run = repo.netpolc(&["diff"]).expect(2);
    assert!(run.stderr.contains("error[NP0602]"), "{}", run.stderr);
    assert!(
        run.stderr.contains("computing the change in meaning"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

/// Issue 15, items 16 and 17: a program committed past the bound every read has (64 MiB) is
/// refused with the words a file on disk gets, not compiled cut short. (`vcs` reads the
/// size from the object's header before loading the blob; memory is not asserted here.)
#[test]
fn a_blob_past_the_read_bound_is_refused_not_compiled_cut_short() {
    let repo = Repo::new();
    let mut text = "# padding\n".repeat((64 << 20) / 10 + 1);
    text.push_str("namespace x {\n  isolate ingress\n}\n");
    repo.write("policies/x.npl", &text);
    repo.commit("a program past the bound");
    let run = repo
        .netpolc(&["diff", "--base", "HEAD", "--head", "HEAD"])
        .expect(2);
    assert!(run.stderr.contains("larger than 64 MiB"), "{}", run.stderr);
}
