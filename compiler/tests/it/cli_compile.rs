//! `netpolc compile` as users meet it: the output directory, `--check`, `--stdout`,
//! `--deny-warnings`, `netpolc.toml`, exit codes, and that bad input leaves the output
//! directory untouched (issue 3, "Output" and "Bad input").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn netpolc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netpolc"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the netpolc binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh project directory with `policies/shop.npl`.
fn project(tag: &str, program: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netpolc-compile-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("policies")).expect("mkdir");
    std::fs::write(dir.join("policies/shop.npl"), program).expect("write program");
    dir
}

/// Every file below `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p
                    .strip_prefix(base)
                    .expect("below base")
                    .display()
                    .to_string();
                out.insert(rel, std::fs::read(&p).expect("readable"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

const SHOP: &str = "namespace shop {\n  isolate namespace\n  use dns\n  app may talk to db on 5432\n  egress only 8.8.8.8\n}\n";

#[test]
fn compile_writes_one_file_per_policy_with_kustomizations_and_twice_is_byte_identical() {
    let dir = project("tree", SHOP);
    let first = netpolc(&dir, &["compile", "-o", "out"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let tree = snapshot(&dir.join("out"));
    let names: Vec<&str> = tree.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            ".netpolc-files",
            "kustomization.yaml",
            "shop/app.yaml",
            "shop/db.yaml",
            "shop/default.yaml",
            "shop/kustomization.yaml"
        ]
    );
    let again = netpolc(&dir, &["compile", "-o", "out"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        stderr(&again).contains("0 created, 0 replaced, 0 removed, 5 unchanged"),
        "{}",
        stderr(&again)
    );
    assert_eq!(snapshot(&dir.join("out")), tree);
    // A second directory from scratch is byte-identical too.
    assert_eq!(
        netpolc(&dir, &["compile", "-o", "out2"]).status.code(),
        Some(0)
    );
    assert_eq!(snapshot(&dir.join("out2")), tree);
}

#[test]
fn bad_input_exits_2_and_leaves_the_output_directory_untouched() {
    let dir = project("bad", SHOP);
    assert_eq!(
        netpolc(&dir, &["compile", "-o", "out"]).status.code(),
        Some(0)
    );
    let before = snapshot(&dir.join("out"));
    for bad in [
        "namespace shop {\n  isolate namespace\n",
        "namespace shop {\n  * may talk to * on 70000\n}\n",
        "namespace shop {\n  egress only 10.0.0.0/8 except 11.0.0.0/16\n}\n",
        "namespace Shop {\n}\n",
        "namespace shop {\n  use nope\n}\n",
    ] {
        std::fs::write(dir.join("policies/shop.npl"), bad).unwrap();
        let o = netpolc(&dir, &["compile", "-o", "out"]);
        assert_eq!(o.status.code(), Some(2), "{bad}\n{}", stderr(&o));
        assert!(
            stderr(&o).contains("policies/shop.npl:"),
            "names the file: {}",
            stderr(&o)
        );
        assert_eq!(snapshot(&dir.join("out")), before, "{bad}");
    }
    std::fs::write(
        dir.join("policies/shop.npl"),
        b"namespace shop {\n\xff\n}\n",
    )
    .unwrap();
    assert_eq!(
        netpolc(&dir, &["compile", "-o", "out"]).status.code(),
        Some(2)
    );
    assert_eq!(snapshot(&dir.join("out")), before);
}

#[test]
fn check_exits_1_with_a_diff_when_stale_and_0_when_up_to_date() {
    let dir = project("check", SHOP);
    let missing = netpolc(&dir, &["compile", "-o", "out", "--check"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(!dir.join("out").exists(), "--check writes nothing");
    assert_eq!(
        netpolc(&dir, &["compile", "-o", "out"]).status.code(),
        Some(0)
    );
    assert_eq!(
        netpolc(&dir, &["compile", "-o", "out", "--check"])
            .status
            .code(),
        Some(0)
    );
    std::fs::write(dir.join("policies/shop.npl"), SHOP.replace("5432", "5433")).unwrap();
    let stale = netpolc(&dir, &["compile", "-o", "out", "--check"]);
    assert_eq!(stale.status.code(), Some(1));
    let diff = String::from_utf8_lossy(&stale.stdout);
    assert!(
        diff.contains("-    - port: 5432") && diff.contains("+    - port: 5433"),
        "{diff}"
    );
}

#[test]
fn stale_generated_files_are_removed_and_foreign_files_are_never_touched() {
    let dir = project("owned", SHOP);
    assert_eq!(
        netpolc(&dir, &["compile", "-o", "out"]).status.code(),
        Some(0)
    );
    std::fs::write(dir.join("out/shop/README.md"), "ours").unwrap();
    // The program no longer mentions db: its policy goes, the foreign file stays.
    std::fs::write(
        dir.join("policies/shop.npl"),
        "namespace shop {\n  isolate namespace\n  use dns\n}\n",
    )
    .unwrap();
    assert_eq!(
        netpolc(&dir, &["compile", "-o", "out"]).status.code(),
        Some(0)
    );
    assert!(!dir.join("out/shop/db.yaml").exists());
    assert_eq!(
        std::fs::read_to_string(dir.join("out/shop/README.md")).unwrap(),
        "ours"
    );
    // A hand-written file where netpolc must write is refused, and nothing changes.
    std::fs::write(dir.join("policies/shop.npl"), SHOP).unwrap();
    std::fs::write(dir.join("out/shop/db.yaml"), "# mine\n").unwrap();
    let before = snapshot(&dir.join("out"));
    let o = netpolc(&dir, &["compile", "-o", "out"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("NP0503"), "{}", stderr(&o));
    assert_eq!(snapshot(&dir.join("out")), before);
}

#[test]
fn stdout_prints_one_stream_and_deny_warnings_fails_without_writing() {
    let dir = project("stdout", SHOP);
    let o = netpolc(&dir, &["compile", "--stdout"]);
    assert_eq!(o.status.code(), Some(0));
    let stream = String::from_utf8_lossy(&o.stdout);
    assert_eq!(stream.matches("kind: NetworkPolicy").count(), 3, "{stream}");
    std::fs::write(
        dir.join("policies/shop.npl"),
        "namespace shop {\n  isolate egress\n}\n",
    )
    .unwrap();
    let warned = netpolc(
        &dir,
        &[
            "compile",
            "-o",
            "out",
            "--deny-warnings",
            "--message-format",
            "short",
        ],
    );
    assert_eq!(warned.status.code(), Some(1));
    assert!(
        stderr(&warned).contains("warning[NP0403]"),
        "{}",
        stderr(&warned)
    );
    assert!(!dir.join("out").exists());
    let github = netpolc(&dir, &["compile", "--stdout", "--message-format", "github"]);
    assert!(
        stderr(&github).starts_with("::warning file=policies/shop.npl,line=2,"),
        "{}",
        stderr(&github)
    );
}

#[test]
fn netpolc_toml_sets_the_workload_label_and_a_bad_one_exits_2() {
    let dir = project("toml", SHOP);
    std::fs::write(
        dir.join("netpolc.toml"),
        "workload-label = \"app.kubernetes.io/name\"\n",
    )
    .unwrap();
    let o = netpolc(&dir, &["compile", "--stdout"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("app.kubernetes.io/name: db"));
    std::fs::write(dir.join("netpolc.toml"), "workload_lable = 1\n").unwrap();
    let bad = netpolc(&dir, &["compile", "--stdout"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("NP0501"), "{}", stderr(&bad));
}

#[test]
fn no_program_is_a_clear_error() {
    let dir = project("empty", SHOP);
    std::fs::remove_file(dir.join("policies/shop.npl")).unwrap();
    let o = netpolc(&dir, &["compile", "-o", "out"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no .npl file"), "{}", stderr(&o));
}

/// Issue 15, item 6: `compile -o .` (a typo) in a repository whose output lives in
/// `deploy/netpol` removed that output; now only what this output root's record lists is
/// netpolc's, and each removal is printed.
#[test]
fn a_mistyped_output_directory_removes_no_other_output_and_removals_are_printed() {
    let dir = project("typo", SHOP);
    let first = netpolc(&dir, &["compile", "-o", "deploy/netpol"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let deployed = snapshot(&dir.join("deploy/netpol"));

    std::fs::write(
        dir.join("policies/shop.npl"),
        "namespace shop {\n  isolate namespace\n}\n",
    )
    .unwrap();
    let typo = netpolc(&dir, &["compile", "-o", "."]);
    assert_eq!(typo.status.code(), Some(0), "{}", stderr(&typo));
    assert!(stderr(&typo).contains("0 removed"), "{}", stderr(&typo));
    assert_eq!(snapshot(&dir.join("deploy/netpol")), deployed);

    let update = netpolc(&dir, &["compile", "-o", "deploy/netpol"]);
    assert_eq!(update.status.code(), Some(0), "{}", stderr(&update));
    let e = stderr(&update);
    for gone in ["app.yaml", "db.yaml"] {
        let line = format!(
            "  removed {} (netpolc wrote it; the program no longer produces it)",
            Path::new("deploy/netpol/shop").join(gone).display()
        );
        assert!(e.contains(&line), "no `{line}` in {e}");
    }
}

/// Issue 15, item 10: `compile ./policies` then `compile policies --check` (or an absolute
/// path inside the current directory) is the same program, with the same annotations.
#[test]
fn the_source_annotation_does_not_depend_on_how_the_path_was_typed() {
    let dir = project("typed", SHOP);
    let first = netpolc(&dir, &["compile", "./policies", "-o", "out"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let db = std::fs::read_to_string(dir.join("out/shop/db.yaml")).unwrap();
    assert!(
        db.contains("netpolc.io/source: \"policies/shop.npl: app may talk to db on 5432\""),
        "{db}"
    );
    let absolute = dir.join("policies").display().to_string();
    for typed in [
        "policies",
        "policies/",
        "policies/../policies",
        absolute.as_str(),
    ] {
        let check = netpolc(&dir, &["compile", typed, "-o", "out", "--check"]);
        assert_eq!(check.status.code(), Some(0), "{typed}: {}", stderr(&check));
    }
}
