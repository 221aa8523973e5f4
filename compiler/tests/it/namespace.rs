//! `-n NAMESPACE` (`--namespace`): the namespace of manifests that name none, as
//! `kubectl apply -n` gives it, on `reach`, `explain`, `check` and `diff --output-dir`;
//! and NP0603, `check`'s warning when such policies fall into `default` while the
//! program names other namespaces: where it fires, and where it must not.

use crate::diff::fixture::{isolated, Repo, Run};
use std::path::Path;
use std::process::Command;
use tempfile::TempDir;

/// `netpolc ARGS` in `dir`.
fn netpolc(dir: &Path, args: &[&str]) -> Run {
    let o = isolated(Command::new(env!("CARGO_BIN_EXE_netpolc")), dir)
        .args(args)
        .output()
        .expect("netpolc runs");
    Run::of(o)
}

/// A web and a db that name no namespace, a policy that names none letting only web reach
/// db, and a client in `other` that names its own.
const MANIFESTS: &str = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: web}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, labels: {app: db}}
spec: {containers: [{name: c, image: postgres}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: other, labels: {app: web}}
spec: {containers: [{name: c, image: curl}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: 5432}]
";

fn manifests() -> TempDir {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("m.yaml"), MANIFESTS).unwrap();
    dir
}

#[test]
fn reach_and_explain_read_unnamespaced_objects_into_the_namespace_given() {
    let dir = manifests();
    let json = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["reach", "m.yaml", "-o", "json"];
        all.extend(args);
        serde_json::from_str(&netpolc(dir.path(), &all).expect(0).stdout).unwrap()
    };
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(&json(&[])),
        ["default/db", "default/web", "other/client"]
    );
    let short = json(&["-n", "shop"]);
    assert_eq!(ids(&short), ["other/client", "shop/db", "shop/web"]);
    assert_eq!(short, json(&["--namespace", "shop"]));
    // The policy went with them: web reaches db on 5432, the client in `other` does not.
    let explain = |src: &str| {
        let args = [
            "explain", "m.yaml", src, "shop/db", "tcp/5432", "-n", "shop",
        ];
        netpolc(dir.path(), &args).expect(0).stdout
    };
    assert!(
        explain("shop/web").starts_with("ALLOWED"),
        "{}",
        explain("shop/web")
    );
    assert!(explain("other/client").starts_with("DENIED"));
    assert!(explain("shop/web").contains("shop/db spec.ingress[0]"));
}

#[test]
fn a_namespace_that_is_no_namespace_name_is_bad_input() {
    let dir = manifests();
    for bad in ["Shop", "shop_1", "-x", ""] {
        let arg = format!("--namespace={bad}");
        let run = netpolc(dir.path(), &["reach", "m.yaml", &arg]).expect(2);
        assert!(
            run.stderr.contains("is not a namespace's name"),
            "{bad}: {}",
            run.stderr
        );
    }
}

/// A program shaping `shop`, and the policy it compiles to with its namespace left out.
const SHOP: &str = "namespace shop {\n  isolate ingress\n  web may talk to db on 5432\n}\n";

/// `check SHOP --policies policies.yaml ARGS` in a directory holding `policies.yaml` as
/// `yaml`, and the program `program`.
fn check(program: &str, yaml: &str, args: &[&str]) -> Run {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("p.npl"), program).unwrap();
    std::fs::write(dir.path().join("policies.yaml"), yaml).unwrap();
    let compiled = netpolc(dir.path(), &["compile", "p.npl", "--stdout"]).expect(0);
    let unnamespaced: String = compiled
        .stdout
        .lines()
        .filter(|l| !l.trim_start().starts_with("namespace:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let yaml = yaml.replace("COMPILED", &unnamespaced);
    std::fs::write(dir.path().join("policies.yaml"), yaml).unwrap();
    let mut all = vec!["check", "p.npl", "--policies", "policies.yaml"];
    all.extend(args);
    netpolc(dir.path(), &all)
}

const WARNING: &str = "warning[NP0603]: 2 NetworkPolicies name no namespace and were read into \
                       `default`, which the program does not name";

#[test]
fn unnamespaced_policies_checked_against_other_namespaces_are_warned_about() {
    let run = check(SHOP, "COMPILED", &["--message-format", "short"]).expect(1);
    let e = &run.stderr;
    assert!(e.contains(WARNING), "{e}");
    assert!(e.contains("  note: the program names `shop`\n"), "{e}");
    assert!(
        e.contains(
            "  note: read into `default`: NetworkPolicy default/db at policies.yaml (document"
        ),
        "{e}"
    );
    assert!(
        e.contains(
            "  help: give the namespace they are applied to, as `kubectl apply -n` does: `-n shop`"
        ),
        "{e}"
    );
    // The proof still runs, in `default`, and says what differs there.
    assert!(e.contains("error[NP0601]"), "{e}");
}

#[test]
fn the_warning_stays_quiet_when_it_would_be_wrong() {
    // `-n` says where they go: the proof holds, nothing to warn about.
    for n in [["-n", "shop"], ["--namespace", "shop"]] {
        let run = check(SHOP, "COMPILED", &n).expect(0);
        assert!(!run.stderr.contains("NP0603"), "{}", run.stderr);
    }
    // `-n default`: the user chose `default`.
    let run = check(SHOP, "COMPILED", &["-n", "default"]).expect(1);
    assert!(!run.stderr.contains("NP0603"), "{}", run.stderr);
    // The program names `default`: the policies were meant for it.
    let in_default = SHOP.replace("namespace shop", "namespace default");
    let run = check(&in_default, "COMPILED", &[]).expect(0);
    assert!(!run.stderr.contains("NP0603"), "{}", run.stderr);
    // Policies that name `default` themselves: read as written.
    let named = "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: all, namespace: default}
spec: {podSelector: {}}
";
    let run = check(SHOP, named, &[]).expect(1);
    assert!(!run.stderr.contains("NP0603"), "{}", run.stderr);
}

#[test]
fn online_boutiques_kustomize_policies_prove_equal_to_the_helm_program_with_n() {
    // The real case: the kustomize component names no namespace, the Helm chart's program
    // names its release namespace.
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let upstream =
        crate_dir.join("../../shared/corpus/realworld/online-boutique/kustomize/upstream.yaml");
    if !upstream.is_file() {
        eprintln!(
            "namespace: skipped: {} is absent (the corpus sits beside the repository in CI)",
            upstream.display()
        );
        return;
    }
    let program = crate_dir.join("tests/it/realworld/online-boutique/helm-default.npl");
    let (program, upstream) = (program.to_str().unwrap(), upstream.to_str().unwrap());
    let args = ["check", program, "--policies", upstream];
    let run = netpolc(crate_dir, &args).expect(1);
    assert!(
        run.stderr.contains(
            "warning[NP0603]: 13 NetworkPolicies name no namespace and were read into `default`"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`-n onlineboutique`"), "{}", run.stderr);
    let mut with_n = args.to_vec();
    with_n.extend(["-n", "onlineboutique"]);
    let run = netpolc(crate_dir, &with_n).expect(0);
    assert!(!run.stderr.contains("NP0603"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the 13 NetworkPolicies mean exactly what the program says"),
        "{}",
        run.stderr
    );
}

#[test]
fn diff_places_committed_manifests_that_name_no_namespace() {
    let repo = Repo::new();
    repo.write("policies/p.npl", SHOP);
    repo.netpolc(&["compile", "-o", "deploy"]).expect(0);
    // A hand edit that drops the namespaces (as a kustomization applying them with `-n`
    // would have them).
    for file in ["deploy/shop/db.yaml", "deploy/shop/default.yaml"] {
        let path = repo.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("namespace: shop"), "{text}");
        std::fs::write(&path, text.replace("  namespace: shop\n", "")).unwrap();
    }
    repo.commit("without namespaces");
    let changed = repo.netpolc(&["diff", "--output-dir", "deploy"]).expect(1);
    assert!(
        changed.stdout.contains("in `default`"),
        "{}",
        changed.stdout
    );
    let same = repo
        .netpolc(&["diff", "--output-dir", "deploy", "-n", "shop"])
        .expect(0);
    assert!(
        same.stdout.contains("The meaning is unchanged"),
        "{}",
        same.stdout
    );
    let run = repo.netpolc(&["diff", "-n", "shop"]).expect(2);
    assert!(
        run.stderr
            .contains("`--namespace` places the committed manifests of `--output-dir`"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_loader_places_only_objects_that_name_no_namespace_and_records_the_policies() {
    use netpolc::model::{load_in, load_policies_in, Source};
    let named = "
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: named, namespace: other}
spec: {podSelector: {}}
";
    let sources = [Source {
        name: "m.yaml".into(),
        bytes: format!("{MANIFESTS}{named}").into_bytes(),
    }];
    let c = load_in(&sources, Some("shop")).unwrap();
    let policies: Vec<String> = c.policies.iter().map(|p| p.id()).collect();
    assert_eq!(policies, ["other/named", "shop/db"]);
    assert_eq!(
        c.unnamespaced_policies.iter().collect::<Vec<_>>(),
        ["shop/db"]
    );
    assert!(c.namespaces.contains_key("shop") && !c.namespaces.contains_key("default"));
    let c = load_policies_in(&sources, None).unwrap();
    assert_eq!(
        c.unnamespaced_policies.iter().collect::<Vec<_>>(),
        ["default/db"]
    );
    // Placed in `shop`, the policy meets one that names `shop`: the same object twice,
    // refused as the API server would.
    let twice = [Source {
        name: "m.yaml".into(),
        bytes: format!(
            "{MANIFESTS}{}",
            named.replace("named, namespace: other", "db, namespace: shop")
        )
        .into_bytes(),
    }];
    let errors = load_in(&twice, Some("shop")).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("duplicate NetworkPolicy `shop/db`")),
        "{errors:?}"
    );
    assert!(load_in(&twice, None).is_ok());
}
