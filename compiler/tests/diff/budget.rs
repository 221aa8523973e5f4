//! Issue 15, item 12: `netpolc diff` spends a budget as `check` does. A program whose
//! selectors combine many label keys makes the listing of changes exponential: it used
//! to run for minutes in the Action's check job (a denial of service by pull request);
//! it now ends with NP0602 and exit 2, and the budget is counted in box comparisons, not
//! time.

use crate::fixture::Repo;

/// 800 statements, each selecting pods by three of 80 label keys, `=` or `!=`: their
/// union is a DNF formula whose complement has exponentially many boxes.
fn hostile_program() -> String {
    let mut state: u64 = 7;
    let mut next = |n: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    let mut text = String::from("namespace x {\n  isolate ingress\n");
    for _ in 0..800 {
        let mut keys: Vec<u64> = Vec::new();
        while keys.len() < 3 {
            let k = next(80);
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        let reqs: Vec<String> = keys
            .iter()
            .map(|k| {
                if next(2) == 0 {
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
