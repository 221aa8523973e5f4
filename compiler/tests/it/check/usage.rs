//! `netpolc check` at the command line: exit codes, bad input, standard input, the
//! formats, and a counterexample replayed with the `netpolc explain` command it prints.

use super::run::{compile_into, netpolc, root};
use std::process::{Command, Stdio};
use tempfile::TempDir;

/// The shop example compiled into a temporary directory, with `db.yaml` edited by hand
/// to open 5433 instead of 5432.
fn edited_shop() -> (TempDir, String) {
    let dir = TempDir::new().unwrap();
    let out = compile_into("examples/shop.npl", dir.path());
    let db = out.join("shop/db.yaml");
    let text = std::fs::read_to_string(&db).unwrap();
    assert!(text.contains("port: 5432"), "{text}");
    std::fs::write(&db, text.replace("port: 5432", "port: 5433")).unwrap();
    (dir, out.display().to_string())
}

#[test]
fn a_hand_edit_is_reported_at_the_statements_with_both_verdicts() {
    let (_dir, out) = edited_shop();
    let run = netpolc(&["check", "examples/shop.npl", "--policies", &out]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let e = &run.stderr;
    assert!(
        e.contains("error[NP0601]: the policies deny a connection the program allows"),
        "{e}"
    );
    assert!(
        e.contains("error[NP0601]: the policies allow a connection the program denies"),
        "{e}"
    );
    assert!(
        e.contains("app may talk to db on 5432"),
        "the statement is quoted: {e}"
    );
    assert!(
        e.contains("on TCP 5432") && e.contains("on TCP 5433"),
        "{e}"
    );
    assert!(
        e.contains("NetworkPolicy shop/db spec.ingress[0]"),
        "the rule is named: {e}"
    );
    assert!(
        e.contains("differ from the program: 2 counterexamples"),
        "{e}"
    );
}

#[test]
fn the_printed_replay_command_shows_the_policies_verdict() {
    let (dir, out) = edited_shop();
    let witnesses = dir.path().join("cx").display().to_string();
    let run = netpolc(&[
        "check",
        "examples/shop.npl",
        "--policies",
        &out,
        "--witnesses",
        &witnesses,
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let replay = run
        .stderr
        .lines()
        .find_map(|l| {
            l.split_once("replay it: netpolc ")
                .map(|(_, c)| c.to_owned())
        })
        .expect("a replay command");
    let args: Vec<&str> = replay.split(' ').collect();
    let explained = Command::new(env!("CARGO_BIN_EXE_netpolc"))
        .args(&args)
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(explained.status.code(), Some(0));
    let text = String::from_utf8_lossy(&explained.stdout);
    // The first counterexample: the program allows 5432 into db, the edited policy not.
    assert!(
        text.contains("no rule of these policies allows TCP 5432"),
        "{text}"
    );
}

#[test]
fn a_policy_the_program_does_not_know_is_a_difference() {
    let dir = TempDir::new().unwrap();
    let extra = dir.path().join("extra.yaml");
    std::fs::write(
        &extra,
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: lock, namespace: other}\n\
         spec: {podSelector: {}, policyTypes: [Ingress]}\n",
    )
    .unwrap();
    let out = compile_into("examples/shop.npl", dir.path());
    let run = netpolc(&[
        "check",
        "examples/shop.npl",
        "--policies",
        &out.display().to_string(),
        "--policies",
        &extra.display().to_string(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("namespace `other`"), "{}", run.stderr);
    assert!(
        run.stderr.contains("NetworkPolicy other/lock"),
        "{}",
        run.stderr
    );
}

#[test]
fn policies_from_standard_input() {
    let dir = TempDir::new().unwrap();
    let stream = netpolc_stdout(&["compile", "examples/shop.npl", "--stdout"]);
    let path = dir.path().join("s.yaml");
    std::fs::write(&path, &stream).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_netpolc"))
        .args(["check", "examples/shop.npl", "--policies", "-"])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stream.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn netpolc_stdout(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_netpolc"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn github_annotations_point_at_the_statement() {
    let (_dir, out) = edited_shop();
    let run = netpolc(&[
        "check",
        "examples/shop.npl",
        "--policies",
        &out,
        "--message-format",
        "github",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("::error file=examples/shop.npl,line=16"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_input_exits_2() {
    let dir = TempDir::new().unwrap();
    let bad_yaml = dir.path().join("bad.yaml");
    std::fs::write(&bad_yaml, "kind: NetworkPolicy\n  : [\n").unwrap();
    let bad_yaml = bad_yaml.display().to_string();
    let run = netpolc(&["check", "examples/shop.npl", "--policies", &bad_yaml]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("bad.yaml"), "{}", run.stderr);

    let bad_program = dir.path().join("bad.npl");
    std::fs::write(&bad_program, "namespace shop { isolate }\n").unwrap();
    let run = netpolc(&[
        "check",
        &bad_program.display().to_string(),
        "--policies",
        "golden/examples/shop",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("error[NP01"), "{}", run.stderr);

    let run = netpolc(&["check", "examples/shop.npl"]);
    assert_eq!(run.code, 2, "--policies is required: {}", run.stderr);
    let run = netpolc(&["check", "examples/shop.npl", "--policies", "no/such/dir"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no such file"), "{}", run.stderr);
}

/// A policy set made to exhaust the proof: a few hundred rules, each allowing pods that
/// match three of eighty boolean label keys, whose union is every pod (a hard instance
/// of DNF tautology, like SAT). Proving the program's "every pod" equal to it explores
/// exponentially many boxes.
fn hostile_policies() -> String {
    let mut rules = String::new();
    for selector in crate::kit::hostile::selectors() {
        let exprs: Vec<String> = selector
            .iter()
            .map(|(k, is)| {
                let op = if *is { "In" } else { "NotIn" };
                format!("{{key: k{k}, operator: {op}, values: [v]}}")
            })
            .collect();
        rules.push_str(&format!(
            "  - from: [{{podSelector: {{matchExpressions: [{}]}}, namespaceSelector: {{}}}}]\n",
            exprs.join(", ")
        ));
    }
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: h, namespace: x}}\n\
         spec:\n  podSelector: {{}}\n  policyTypes: [Ingress]\n  ingress:\n{rules}"
    )
}

#[test]
fn a_hostile_policy_set_runs_out_of_budget_instead_of_running_for_ever() {
    use netpolc::pipeline::{compile, ProgramFile, Settings};
    use netpolc::verify::equiv::Budget;
    use netpolc::verify::proof::{self, Failure};
    let program = compile(
        &[ProgramFile {
            name: "x.npl".into(),
            bytes: b"namespace x {\n  isolate ingress\n  cluster may talk to *\n}\n".to_vec(),
        }],
        &Settings::default(),
    )
    .expect("compiles");
    let policies = netpolc::model::load(&[netpolc::model::Source {
        name: "hostile.yaml".into(),
        bytes: hostile_policies().into_bytes(),
    }])
    .expect("loads")
    .policies;
    // A small budget keeps the test quick; the command line's is larger, not different.
    let budget = Budget::new(2_000_000);
    assert_eq!(
        proof::prove(&program.intent, &policies, &budget),
        Err(Failure::TooLarge {
            namespace: "x".into()
        })
    );
    assert!(budget.exhausted());
    // The same program against its own output needs almost nothing.
    let own = netpolc::model::load(&[netpolc::model::Source {
        name: "own.yaml".into(),
        bytes: netpolc::emit::stream(&program.output).into_bytes(),
    }])
    .expect("loads")
    .policies;
    let budget = Budget::new(2_000_000);
    assert_eq!(proof::prove(&program.intent, &own, &budget), Ok(()));
    assert!(budget.left() > 1_990_000, "{}", budget.left());
}

/// `--witnesses DIR` is written as `compile -o` writes (issue 15, item 8): through no link,
/// over no file of a person's; counterexamples of an earlier run go once they no longer
/// hold; the replay command survives a shell, whatever the directory's name.
#[cfg(unix)]
#[test]
fn the_witness_directory_is_written_as_compile_writes_its_output() {
    let (dir, out) = edited_shop();
    let check = |witnesses: &std::path::Path| {
        netpolc(&[
            "check",
            "examples/shop.npl",
            "--policies",
            &out,
            "--witnesses",
            &witnesses.display().to_string(),
        ])
    };

    // A link where a counterexample goes: refused, and what it points at is untouched.
    let trap = dir.path().join("trap");
    std::fs::create_dir(&trap).unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "a person's file\n").unwrap();
    std::os::unix::fs::symlink(&victim, trap.join("counterexample-1.yaml")).unwrap();
    let run = check(&trap);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("the symbolic link"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "a person's file\n"
    );

    // A name no shell takes as it is: the printed command still replays.
    let odd = dir.path().join("it's a dir $(touch pwned)");
    let run = check(&odd);
    assert_eq!(run.code, 1, "{}", run.stderr);
    std::fs::write(odd.join("NOTES.md"), "kept\n").unwrap();
    let replay = run
        .stderr
        .lines()
        .find_map(|l| l.split_once("replay it: ").map(|(_, c)| c.to_owned()))
        .expect("a replay command");
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_netpolc"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let replayed = Command::new("sh")
        .arg("-c")
        .arg(&replay)
        .env("PATH", path)
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(replayed.status.code(), Some(0), "{replay}");
    assert!(
        !root().join("pwned").exists(),
        "the shell ran a substitution"
    );

    // Fixed by hand: check passes and the stale counterexamples go; the person's file stays.
    let db = std::path::Path::new(&out).join("shop/db.yaml");
    let text = std::fs::read_to_string(&db).unwrap();
    std::fs::write(&db, text.replace("port: 5433", "port: 5432")).unwrap();
    let run = check(&odd);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut left: Vec<String> = std::fs::read_dir(&odd)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, [".netpolc-files", "NOTES.md"]);
}

/// Issue 11, item 4: `check` reads only NetworkPolicies, so a problem in another kind is a
/// note, not an error; a problem in a NetworkPolicy still fails it, and `reach` (which
/// answers about pods) still refuses the broken workload.
#[test]
fn problems_in_kinds_check_does_not_read_are_notes() {
    let dir = TempDir::new().unwrap();
    let out = compile_into("examples/shop.npl", dir.path());
    // A kustomize `$patch: delete` stub (no pod template), and one Deployment twice, as
    // two overlays rendered into one directory have it.
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: web}]}\n";
    std::fs::write(
        out.join("extras.yaml"),
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: loadgenerator}}\n$patch: delete\n---\n{deployment}---\n{deployment}"),
    )
    .unwrap();
    let out = out.display().to_string();
    let run = netpolc(&["check", "examples/shop.npl", "--policies", &out]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let e = &run.stderr;
    assert!(
        e.contains("note[NP0707]: ") && e.contains("ignored, since only NetworkPolicies are read"),
        "{e}"
    );
    assert!(
        e.contains("pod template") && e.contains("duplicate Deployment"),
        "{e}"
    );
    assert!(!e.contains("error"), "{e}");
    assert!(e.contains("mean exactly what the program says"), "{e}");
    // Pods matter to `reach`: there the stub is still an error.
    let run = netpolc(&["reach", &out]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    // A broken NetworkPolicy still fails `check`.
    let broken = dir.path().join("broken.yaml");
    std::fs::write(
        &broken,
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec: {podSelector: {matchLabels: {app: -x}}}\n",
    )
    .unwrap();
    let broken = broken.display().to_string();
    let run = netpolc(&[
        "check",
        "examples/shop.npl",
        "--policies",
        &out,
        "--policies",
        &broken,
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

/// Issue 11, item 7: counts agree with their nouns ("compiled 1 policy", "the
/// NetworkPolicy means", "1 namespace"), and plural counts stay plural.
#[test]
fn one_of_a_thing_is_singular() {
    let dir = TempDir::new().unwrap();
    let program = dir.path().join("one.npl");
    std::fs::write(&program, "namespace shop {\n  isolate namespace\n}\n").unwrap();
    let program = program.display().to_string();
    let out = dir.path().join("out").display().to_string();
    let run = netpolc(&["compile", &program, "-o", &out]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("compiled 1 policy into"),
        "{}",
        run.stderr
    );
    let run = netpolc(&["compile", &program, "-o", &out, "--check"]);
    assert!(run.stderr.contains("(1 policy)"), "{}", run.stderr);
    let run = netpolc(&["check", &program, "--policies", &out]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the NetworkPolicy means exactly what the program says"),
        "{}",
        run.stderr
    );
    let reach = Command::new(env!("CARGO_BIN_EXE_netpolc"))
        .args(["reach", &out])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&reach.stdout);
    assert!(
        text.starts_with("0 workloads, 1 namespace, 1 NetworkPolicy; 0 allowed connections"),
        "{text}"
    );
    let run = netpolc(&["compile", "examples/shop.npl", "-o", &out]);
    assert!(
        run.stderr.contains("compiled 3 policies into"),
        "{}",
        run.stderr
    );
}

/// Issue 11, item 8: a counterexample no statement caused (the program does not isolate
/// the pod, so it allows the connection) points at the namespace's block, or says so in
/// a note when the program has no block for that namespace.
#[test]
fn a_counterexample_no_statement_caused_has_a_place_or_says_why_not() {
    let dir = TempDir::new().unwrap();
    let policies = dir.path().join("deny.yaml");
    std::fs::write(
        &policies,
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n",
    )
    .unwrap();
    let policies = policies.display().to_string();
    let program = dir.path().join("p.npl");
    std::fs::write(
        &program,
        "# nothing isolated in shop\nnamespace shop {\n  web may talk to db on 80\n}\n",
    )
    .unwrap();
    let program = program.display().to_string();
    let run = netpolc(&[
        "check",
        &program,
        "--policies",
        &policies,
        "--message-format",
        "short",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "p.npl:2:1: error[NP0601]: the policies deny a connection the program allows"
        ),
        "{}",
        run.stderr
    );
    let run = netpolc(&["check", &program, "--policies", &policies]);
    assert!(
        run.stderr.contains(
            "no statement here isolates the pod for ingress, so the program allows the connection"
        ),
        "{}",
        run.stderr
    );
    // No block for `shop`: no place, and a note that says why.
    let other = dir.path().join("q.npl");
    std::fs::write(
        &other,
        "namespace other {\n  isolate namespace\n  use dns\n}\n",
    )
    .unwrap();
    let other = other.display().to_string();
    let run = netpolc(&["check", &other, "--policies", &policies]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("note: no statement isolates this pod of namespace `shop` for ingress, so the program allows every such connection"),
        "{}",
        run.stderr
    );
    // A counterexample a statement caused still points at it, not at the block.
    let run = netpolc(&[
        "check",
        &other,
        "--policies",
        &policies,
        "--message-format",
        "short",
    ]);
    assert!(
        run.stderr.contains("q.npl:2:3: error[NP0601]"),
        "{}",
        run.stderr
    );
}
