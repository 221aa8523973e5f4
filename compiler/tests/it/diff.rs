//! `netpolc diff` in real git repositories (issue 5, "Build" 1 and 2): the change in
//! meaning between two commits, or HEAD and the work tree, with the statements
//! responsible; exit 0 for edits that change nothing; bad revisions, programs that do not
//! compile and paths outside the repository refused with exit 2; `--output-dir` against
//! committed manifests; markdown through templates under GitHub's limit; the same output
//! twice. `diff/witnesses.rs` confirms every reported change with the engine.

mod budget;
pub mod fixture;
mod links;
mod shallow;
mod template;
mod witnesses;

use fixture::Repo;

/// Fails unless `out` contains `expected`, showing `out`.
fn has(out: &str, expected: &str) {
    assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
}

/// The base program: the shop's database accepts the web front end on 5432.
const SHOP: &str = "namespace shop {
  isolate namespace
  use dns
  web may talk to db on 5432
}
";

/// The web front end moves to 8080, and the API gets 5432.
const SHOP_CHANGED: &str = "namespace shop {
  isolate namespace
  use dns
  web may talk to db on 8080
  api may talk to db on 5432
}
";

/// SHOP with comments, blank lines and the statements in another order.
const SHOP_REORDERED: &str = "# The shop, rearranged.
namespace shop {
  web may talk to db on 5432   # the database

  use dns
  isolate namespace
}
";

/// A repository whose history is SHOP, then SHOP_CHANGED.
fn shop_history() -> Repo {
    let repo = Repo::new();
    repo.write("policies/shop.npl", SHOP);
    repo.commit("the shop");
    repo.write("policies/shop.npl", SHOP_CHANGED);
    repo.commit("web on 8080, api on 5432");
    repo
}

#[test]
fn a_change_reports_what_is_newly_allowed_and_denied_with_its_statements() {
    let repo = shop_history();
    let run = repo
        .netpolc(&["diff", "--base", "HEAD~1", "--head", "HEAD"])
        .expect(1);
    let out = &run.stdout;
    for expected in [
        "Newly allowed (4):",
        "+ pods `app=web` in `shop` may now open connections to pods `app=db` in `shop` on TCP 8080",
        "+ pods `app=db` in `shop` may now accept connections from pods `app=web` in `shop` on TCP 8080",
        "allowed by policies/shop.npl:4 `web may talk to db on 8080` (head)",
        "+ pods `app=api` in `shop` may now open connections to pods `app=db` in `shop` on TCP 5432",
        "allowed by policies/shop.npl:5 `api may talk to db on 5432` (head)",
        "Newly denied (2):",
        "- pods `app=web` in `shop` may no longer open connections to pods `app=db` in `shop` on TCP 5432",
        "no longer allowed by policies/shop.npl:4 `web may talk to db on 5432` (base)",
        "e.g. pod `app=web` in `shop` (10.244.0.10) → pod `app=db` in `shop` (10.244.1.10) on TCP 5432",
        // The manifests' diff follows, file by file.
        "Generated manifests: 4 files changed:",
        "+++ b/shop/api.yaml",
        "-    - port: 5432\n+    - port: 8080",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    // The other way round, what was allowed is now denied.
    let back = repo
        .netpolc(&["diff", "--base", "HEAD", "--head", "HEAD~1"])
        .expect(1);
    has(&back.stdout, "Newly allowed (2):");
    has(&back.stdout, "Newly denied (4):");
}

#[test]
fn json_lists_each_group_with_its_statements_and_an_example() {
    let repo = shop_history();
    let run = repo
        .netpolc(&["diff", "--base", "HEAD~1", "--head", "HEAD", "-o", "json"])
        .expect(1);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(v["base"], "HEAD~1");
    assert_eq!(v["head"], "HEAD");
    assert_eq!(
        v["base_commit"],
        repo.git(&["rev-parse", "HEAD~1"]).as_str()
    );
    assert_eq!(v["changed"], true);
    assert_eq!(v["complete"], true);
    let allowed = v["allowed"].as_array().expect("allowed");
    let denied = v["denied"].as_array().expect("denied");
    assert_eq!((allowed.len(), denied.len()), (4, 2));
    let web_8080 = allowed
        .iter()
        .find(|g| g["side"] == "egress" && g["ports"] == "TCP 8080")
        .expect("web's egress on 8080");
    assert_eq!(web_8080["source"], "pods `app=web` in `shop`");
    assert_eq!(web_8080["destination"], "pods `app=db` in `shop`");
    assert_eq!(web_8080["because"], "allowed by");
    assert_eq!(
        web_8080["statements"],
        serde_json::json!([{
            "side": "head",
            "revision": "HEAD",
            "location": "policies/shop.npl:4",
            "text": "web may talk to db on 8080"
        }])
    );
    assert_eq!(web_8080["example"]["port"], 8080);
    assert_eq!(web_8080["example"]["destination"]["labels"]["app"], "db");
    let files: Vec<&str> = v["manifests"]["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["path"].as_str().expect("path"))
        .collect();
    assert_eq!(
        files,
        [
            "shop/api.yaml",
            "shop/db.yaml",
            "shop/kustomization.yaml",
            "shop/web.yaml"
        ]
    );
    assert_eq!(v["manifests"]["files"][0]["change"], "added");
}

#[test]
fn comments_layout_and_order_change_nothing_and_exit_0() {
    let repo = Repo::new();
    repo.write("policies/shop.npl", SHOP);
    repo.commit("the shop");
    repo.write("policies/shop.npl", SHOP_REORDERED);
    repo.commit("rearranged");
    let run = repo
        .netpolc(&["diff", "--base", "HEAD~1", "--head", "HEAD"])
        .expect(0);
    has(&run.stdout, "The meaning is unchanged");
    // The annotations name statements, not lines (decision 0012): nothing to show.
    has(&run.stdout, "Generated manifests: unchanged.");
    let json = repo
        .netpolc(&["diff", "--base", "HEAD~1", "--head", "HEAD", "-o", "json"])
        .expect(0);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(v["changed"], false);
    assert_eq!(v["allowed"], serde_json::json!([]));
    assert_eq!(v["denied"], serde_json::json!([]));
    assert_eq!(v["manifests"]["changed"], false);
}

#[test]
fn a_statement_moved_to_another_file_changes_its_annotation_not_the_meaning() {
    let repo = Repo::new();
    repo.write("policies/shop.npl", SHOP);
    repo.commit("the shop");
    repo.remove("policies/shop.npl");
    repo.write("policies/10-shop.npl", SHOP);
    repo.commit("renamed");
    let run = repo
        .netpolc(&["diff", "--base", "HEAD~1", "--head", "HEAD"])
        .expect(0);
    has(&run.stdout, "The meaning is unchanged");
    has(&run.stdout, "allowing exactly the same connections");
    has(
        &run.stdout,
        "-    netpolc.io/source: \"policies/shop.npl: web may talk to db on 5432\"\n\
         +    netpolc.io/source: \"policies/10-shop.npl: web may talk to db on 5432\"",
    );
}

#[test]
fn a_bad_revision_is_named_and_exits_2() {
    let repo = shop_history();
    let run = repo
        .netpolc(&["diff", "--base", "no-such-branch"])
        .expect(2);
    has(&run.stderr, "bad revision `no-such-branch`");
    assert!(run.stdout.is_empty());
    let head = repo.netpolc(&["diff", "--head", "HEAD~7"]).expect(2);
    has(&head.stderr, "bad revision `HEAD~7`");
    // A repository without a commit has no HEAD to compare with.
    let fresh = Repo::new();
    fresh.write("policies/shop.npl", SHOP);
    let run = fresh.netpolc(&["diff"]).expect(2);
    has(
        &run.stderr,
        "bad revision `HEAD`: the current branch has no commit yet",
    );
}

#[test]
fn a_side_that_does_not_compile_is_named_with_its_diagnostics() {
    let repo = Repo::new();
    repo.write(
        "policies/shop.npl",
        "namespace shop {\n  web may talk to db on 99999\n}\n",
    );
    repo.commit("broken");
    repo.write("policies/shop.npl", SHOP);
    repo.commit("fixed");
    let run = repo
        .netpolc(&["diff", "--base", "HEAD~1", "--head", "HEAD"])
        .expect(2);
    has(
        &run.stderr,
        "error: at base (HEAD~1): the program does not compile",
    );
    // The usual renderer, pointing into the file as it was at that revision.
    has(&run.stderr, "policies/shop.npl:2");
    has(&run.stderr, "99999");
    assert!(run.stdout.is_empty());
    // The work tree, broken now, is named too.
    repo.write(
        "policies/shop.npl",
        "namespace shop {\n  web may talk to\n}\n",
    );
    let head = repo.netpolc(&["diff"]).expect(2);
    has(
        &head.stderr,
        "error: at head (work tree): the program does not compile",
    );
}

#[test]
fn by_default_head_is_compared_with_the_work_tree() {
    let repo = Repo::new();
    repo.write("policies/shop.npl", SHOP);
    repo.commit("the shop");
    // Uncommitted edits count.
    repo.write("policies/shop.npl", SHOP_CHANGED);
    let run = repo.netpolc(&["diff"]).expect(1);
    has(&run.stdout, "head: work tree");
    has(&run.stdout, "on TCP 8080");
    // Put back, nothing differs, not even the manifests.
    repo.write("policies/shop.npl", SHOP);
    let same = repo.netpolc(&["diff"]).expect(0);
    has(&same.stdout, "Generated manifests: unchanged.");
    // A new file in the work tree is part of the program, as `compile` would read it.
    repo.write(
        "policies/more.npl",
        "namespace shop {\n  api may talk to db on 6379\n}\n",
    );
    let added = repo.netpolc(&["diff"]).expect(1);
    assert!(
        added
            .stdout
            .contains("allowed by policies/more.npl:2 `api may talk to db on 6379` (head)"),
        "{}",
        added.stdout
    );
}

#[test]
fn paths_are_relative_to_the_current_directory_and_stay_inside_the_repository() {
    let repo = shop_history();
    repo.write("docs/readme.md", "the docs\n");
    let run = repo
        .netpolc_in(
            "docs",
            &["diff", "--base", "HEAD~1", "--head", "HEAD", "../policies"],
        )
        .expect(1);
    has(
        &run.stdout,
        "allowed by ../policies/shop.npl:4 `web may talk to db on 8080` (head)",
    );
    let outside = repo.netpolc(&["diff", "../elsewhere"]).expect(2);
    assert!(
        outside
            .stderr
            .contains("`../elsewhere` is outside the repository"),
        "{}",
        outside.stderr
    );
    let missing = repo.netpolc(&["diff", "nowhere"]).expect(2);
    assert!(
        missing
            .stderr
            .contains("nowhere: no such file or directory at base (HEAD) nor at head (work tree)"),
        "{}",
        missing.stderr
    );
}

#[test]
fn outside_a_repository_diff_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("policies")).expect("mkdir");
    std::fs::write(dir.path().join("policies/shop.npl"), SHOP).expect("write");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_netpolc"))
        .arg("diff")
        .current_dir(dir.path())
        .env(
            "GIT_CEILING_DIRECTORIES",
            dir.path().parent().expect("parent"),
        )
        .env_remove("GIT_DIR")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("not inside a git repository"), "{stderr}");
}

#[test]
fn a_program_created_in_the_change_is_compared_with_nothing() {
    let repo = Repo::new();
    repo.write("README.md", "before netpolc\n");
    repo.commit("no policies yet");
    repo.write("policies/shop.npl", SHOP);
    let run = repo.netpolc(&["diff"]).expect(1);
    // Nothing was isolated, so the new isolation denies what it does not allow.
    has(&run.stdout, "- all pods in `shop` may no longer open connections to any pod or address on all ports, except what head allows them");
    has(
        &run.stdout,
        "isolated by policies/shop.npl:2 `isolate namespace` (head)",
    );
}

#[test]
fn a_program_deleted_in_the_change_is_compared_with_nothing() {
    let repo = Repo::new();
    repo.write("policies/shop.npl", SHOP);
    repo.commit("the shop");
    repo.remove("policies");
    let run = repo.netpolc(&["diff"]).expect(1);
    has(&run.stdout, "+ all pods in `shop` may now open connections to any pod or address on all ports, beyond what base allowed them");
    has(
        &run.stdout,
        "no longer isolated by policies/shop.npl:2 `isolate namespace` (base)",
    );
    has(&run.stdout, "+++ /dev/null");
}

#[test]
fn output_dir_compares_the_committed_manifests_with_the_new_program() {
    let repo = Repo::new();
    repo.write("policies/shop.npl", SHOP);
    repo.netpolc(&["compile", "-o", "deploy/netpol"]).expect(0);
    // A file netpolc did not write stays out of the comparison, as compile leaves it alone.
    repo.write(
        "deploy/netpol/shop/extra.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: extra\n  namespace: shop\nspec:\n  podSelector: {}\n  ingress:\n  - {}\n",
    );
    repo.commit("the shop and its manifests");
    // Nothing changed: the committed manifests are what compile writes.
    let same = repo
        .netpolc(&["diff", "--output-dir", "deploy/netpol"])
        .expect(0);
    has(&same.stdout, "Generated manifests: unchanged.");
    repo.write("policies/shop.npl", SHOP_CHANGED);
    let run = repo
        .netpolc(&["diff", "--output-dir", "deploy/netpol"])
        .expect(1);
    has(
        &run.stdout,
        "base: the manifests committed under deploy/netpol at HEAD (",
    );
    has(&run.stdout, "+++ b/shop/api.yaml");
    // What is no longer allowed is named by the committed policy rule that allowed it.
    has(&run.stdout, "no longer allowed by deploy/netpol/shop/db.yaml `NetworkPolicy shop/db spec.ingress[0]` (base)");
    assert!(!run.stdout.contains("extra.yaml"), "{}", run.stdout);
    // A directory absent at base is no policies at all.
    let none = repo
        .netpolc(&["diff", "--output-dir", "deploy/elsewhere", "-o", "json"])
        .expect(1);
    let v: serde_json::Value = serde_json::from_str(&none.stdout).expect("JSON");
    assert_eq!(v["output_dir"], "deploy/elsewhere");
    assert_eq!(v["allowed"], serde_json::json!([]));
    assert_eq!(v["manifests"]["files"][0]["change"], "added");
}

#[test]
fn output_dir_sees_a_hand_edit_of_the_committed_manifests() {
    let repo = Repo::new();
    repo.write("policies/shop.npl", SHOP);
    repo.netpolc(&["compile", "-o", "deploy"]).expect(0);
    let db = repo.path().join("deploy/shop/db.yaml");
    let text = std::fs::read_to_string(&db).expect("db.yaml");
    // Someone opened the database to the API by hand, under netpolc's header.
    let edited = text.replace("app: web", "app: api");
    assert_ne!(edited, text);
    std::fs::write(&db, edited).expect("write");
    repo.commit("hand edit");
    let run = repo.netpolc(&["diff", "--output-dir", "deploy"]).expect(1);
    has(&run.stdout, "- pods `app=db` in `shop` may no longer accept connections from pods `app=api` in `shop` on TCP 5432");
    has(&run.stdout, "+ pods `app=db` in `shop` may now accept connections from pods `app=web` in `shop` on TCP 5432");
}

#[test]
fn markdown_is_the_pr_body_with_a_picture_and_the_yaml_in_a_details_block() {
    let repo = shop_history();
    let run = repo
        .netpolc(&[
            "diff", "--base", "HEAD~1", "--head", "HEAD", "-o", "markdown",
        ])
        .expect(1);
    let md = &run.stdout;
    for expected in [
        "### netpolc: the allowed connections change",
        "**Newly allowed** (4)",
        "**Newly denied** (2)",
        "```mermaid\nflowchart LR\n",
        "-->|\"TCP 8080\"|",
        "-.->|\"TCP 5432\"|",
        "linkStyle",
        "<details><summary>Generated manifests</summary>",
        "```diff\n--- /dev/null\n+++ b/shop/api.yaml",
        "</details>",
    ] {
        assert!(md.contains(expected), "missing {expected:?} in:\n{md}");
    }
    assert!(!md.contains("Shortened to fit"), "{md}");
}

/// Issue 15, item 4: a pull request's author names the files, and the markdown is a pull
/// request's body. A file name that closes a code span, ends the paragraph and writes a
/// heading and a link, and a base branch with a backtick, stay text inside code spans that
/// nothing closes, on their line.
#[test]
fn markdown_quotes_file_names_and_revisions_in_code_spans_nothing_closes() {
    let repo = Repo::new();
    repo.write("policies/shop.npl", SHOP);
    repo.commit("the shop");
    repo.git(&["branch", "we`ird"]);
    let hostile = "policies/x`\n\n### Approved by security [click](https:evil)\n\n`.npl";
    repo.write(
        hostile,
        "namespace shop {\n  api may talk to db on 5432\n}\n",
    );
    let run = repo
        .netpolc(&["diff", "--base", "we`ird", "-o", "markdown"])
        .expect(1);
    let md = &run.stdout;
    has(md, "Base ``we`ird``");
    has(
        md,
        "allowed by ``policies/x`\\n\\n### Approved by security [click](https:evil)\\n\\n`.npl:2`` \
         `api may talk to db on 5432` (head)",
    );
    // The only heading is netpolc's.
    let headings: Vec<&str> = md.lines().filter(|l| l.starts_with('#')).collect();
    assert_eq!(
        headings,
        ["### netpolc: the allowed connections change"],
        "{md}"
    );
    // The name is in the statements' code spans and, YAML-quoted, in the manifests' diff.
    for line in md.lines().filter(|l| l.contains("Approved")) {
        assert!(
            line.starts_with("  allowed by ``policies/x`") || line.starts_with('+'),
            "{line:?} in:\n{md}"
        );
    }
}

#[test]
fn a_template_gets_the_documented_context() {
    let repo = shop_history();
    repo.write(
        "body.hbs",
        "{{base}}..{{head}} changed={{changed}} truncated={{truncated}}\n\
         {{#each allowed}}A {{side}} {{source}} -> {{destination}} {{ports}} [{{#each statements}}{{location}}{{/each}}] {{example.port}}\n{{/each}}\
         {{#each denied}}D {{summary}}\n{{/each}}",
    );
    let run = repo
        .netpolc(&[
            "diff",
            "--base",
            "HEAD~1",
            "--head",
            "HEAD",
            "--template",
            "body.hbs",
        ])
        .expect(1);
    assert!(
        run.stdout
            .starts_with("HEAD~1..HEAD changed=true truncated=false\n"),
        "{}",
        run.stdout
    );
    has(&run.stdout, "A egress pods `app=web` in `shop` -> pods `app=db` in `shop` TCP 8080 [policies/shop.npl:4] 8080");
    assert!(run
        .stdout
        .contains("D pods `app=web` in `shop` may no longer open"));
    // A field the context does not have is an error, not an empty string.
    repo.write("typo.hbs", "{{chagned}}");
    let typo = repo.netpolc(&["diff", "--template", "typo.hbs"]).expect(2);
    has(&typo.stderr, "template `typo.hbs`");
    repo.write("broken.hbs", "{{#if changed}}");
    repo.netpolc(&["diff", "--template", "broken.hbs"])
        .expect(2);
    repo.netpolc(&["diff", "--template", "missing.hbs"])
        .expect(2);
    let json = repo
        .netpolc(&["diff", "--template", "body.hbs", "-o", "json"])
        .expect(2);
    has(&json.stderr, "-o markdown");
}

#[test]
fn a_huge_change_stays_under_githubs_limit_yaml_first_then_the_lists() {
    let repo = Repo::new();
    let program = |port: u16| -> String {
        (0..120)
            .map(|i| {
                format!(
                    "namespace team-{i:03} {{\n  isolate namespace\n  use dns\n  \
                     web may talk to db on {port}\n  api may talk to cache on {}\n}}\n",
                    port + 1
                )
            })
            .collect()
    };
    repo.write("policies/teams.npl", &program(5432));
    repo.commit("120 teams");
    repo.write("policies/teams.npl", &program(6432));
    let run = repo.netpolc(&["diff", "-o", "markdown"]).expect(1);
    let md = &run.stdout;
    let chars = md.chars().count();
    assert!(chars <= 65_536, "{chars} characters");
    assert!(chars > 60_000, "cut too much: {chars} characters");
    assert!(
        md.contains("lines omitted; run `netpolc diff` locally"),
        "{md}"
    );
    assert!(md.contains("more; run `netpolc diff` locally"), "{md}");
    assert!(md.contains("Shortened to fit GitHub's limit"), "{md}");
    // The lists were cut after the YAML: no diff line is left.
    assert!(!md.contains("+++ b/"), "the YAML diff should be gone first");
    // A small change in meaning beneath a large change of annotations (the program moves
    // to another file, which every annotation names) keeps its lists whole and loses only
    // YAML.
    let repo = Repo::new();
    let teams = |first_port: u16| -> String {
        (0..300)
            .map(|i| {
                let port = if i == 0 { first_port } else { 5432 };
                format!("namespace team-{i:03} {{\n  isolate namespace\n  web may talk to db on {port}\n}}\n")
            })
            .collect()
    };
    repo.write("policies/teams.npl", &teams(5432));
    repo.commit("300 teams");
    repo.remove("policies/teams.npl");
    repo.write("policies/all-teams.npl", &teams(6432));
    let run = repo.netpolc(&["diff", "-o", "markdown"]).expect(1);
    let md = &run.stdout;
    assert!(md.chars().count() <= 65_536);
    assert!(md.contains("lines omitted"), "expected the YAML cut");
    assert!(
        !md.contains("more; run `netpolc diff` locally"),
        "lists should stay whole"
    );
    assert!(md.contains("**Newly allowed** (2)"), "{md}");
    assert!(md.contains("+++ b/team-000/db.yaml"), "{md}");
}

#[test]
fn the_same_change_gives_the_same_bytes_every_time() {
    let repo = shop_history();
    repo.write("policies/shop.npl", SHOP_REORDERED);
    for format in ["text", "json", "markdown"] {
        let args = ["diff", "-o", format];
        let first = repo.netpolc(&args).expect(1);
        let second = repo.netpolc(&args).expect(1);
        assert_eq!(first.stdout, second.stdout, "{format}");
        assert!(!first.stdout.is_empty());
    }
}

#[test]
fn config_is_read_at_each_side() {
    let repo = Repo::new();
    repo.write("policies/shop.npl", SHOP);
    repo.commit("the shop");
    // The same program, with workloads named by another label: every selector changes.
    repo.write(
        "netpolc.toml",
        "workload-label = \"app.kubernetes.io/name\"\n",
    );
    let run = repo.netpolc(&["diff"]).expect(1);
    has(&run.stdout, "app.kubernetes.io/name=web` in `shop` may now open connections to pods `app.kubernetes.io/name=db` in `shop` on TCP 5432");
    repo.commit("settings");
    repo.netpolc(&["diff"]).expect(0);
    let explicit = repo
        .netpolc(&["diff", "--config", "missing.toml"])
        .expect(2);
    has(&explicit.stderr, "missing.toml");
    repo.write("netpolc.toml", "workload-lable = \"x\"\n");
    let bad = repo.netpolc(&["diff"]).expect(2);
    has(&bad.stderr, "netpolc.toml");
}
