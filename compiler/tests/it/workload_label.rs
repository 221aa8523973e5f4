//! A workload label per namespace (issue 11, feature 2; decision 0013): `namespace N with
//! workload label KEY { }` and `[namespace.N] workload-label` in `netpolc.toml` make a
//! workload name of N mean pods with `KEY=name`, wherever it is written; two keys for one
//! namespace are NP0209; counterexamples say which key a workload name stood for.

use crate::kit::cli::{stderr, stdout};
use netpolc::diag::{Code, Diagnostic};
use netpolc::ir::intent::{NamespaceSet, PeerSet};
use netpolc::model::{Direction, LabelSelector};
use netpolc::pipeline::{compile, Compiled, Failed, ProgramFile, Settings};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TOML: &str = "netpolc.toml";

fn compile_with(files: &[(&str, &str)], settings: &Settings) -> Result<Compiled, Failed> {
    let files: Vec<ProgramFile> = files
        .iter()
        .map(|(name, text)| ProgramFile {
            name: (*name).to_owned(),
            bytes: text.as_bytes().to_vec(),
        })
        .collect();
    compile(&files, settings)
}

fn ok(text: &str, settings: &Settings) -> Compiled {
    compile_with(&[("main.npl", text)], settings)
        .unwrap_or_else(|f| panic!("expected it to compile: {:#?}", f.diagnostics))
}

fn errors(text: &str, settings: &Settings) -> Vec<Diagnostic> {
    match compile_with(&[("main.npl", text)], settings) {
        Ok(c) => panic!("expected errors, compiled with {:#?}", c.warnings),
        Err(f) => f.errors().cloned().collect(),
    }
}

fn toml(text: &str) -> Settings {
    Settings::from_toml(TOML, text).unwrap_or_else(|d| panic!("{d:?}"))
}

fn pods(key: &str, value: &str) -> LabelSelector {
    let mut s = LabelSelector::default();
    s.match_labels.insert(key.into(), value.into());
    s
}

fn workload(ns: &str, key: &str, value: &str) -> PeerSet {
    PeerSet::Pods {
        namespaces: NamespaceSet::Named(ns.into()),
        pods: pods(key, value),
    }
}

/// The pods allowed in `direction` in `ns`, each with its peer.
fn allowed(c: &Compiled, ns: &str, direction: Direction) -> Vec<(LabelSelector, PeerSet)> {
    c.intent.namespaces[ns]
        .allowances
        .iter()
        .filter(|a| a.direction == direction)
        .map(|a| (a.pods.clone(), a.peer.clone()))
        .collect()
}

const ARGO: &str = "app.kubernetes.io/name";

#[test]
fn a_blocks_key_holds_for_its_namespace_wherever_its_workloads_are_named() {
    // The block with the key comes last: the key is the namespace's, not the block's.
    let text = "\
namespace shop {
  isolate namespace
  web may talk to argocd/argocd-server on 8080
}
namespace argocd {
  isolate ingress
  argocd-redis ingress only from argocd-server on 6379
}
shop/web may talk to argocd/argocd-repo-server on 8081
namespace argocd with workload label app.kubernetes.io/name {
}
";
    let c = ok(text, &Settings::default());
    let shop = allowed(&c, "shop", Direction::Egress);
    assert!(shop.contains(&(
        pods("app", "web"),
        workload("argocd", ARGO, "argocd-server")
    )));
    assert!(shop.contains(&(
        pods("app", "web"),
        workload("argocd", ARGO, "argocd-repo-server")
    )));
    let argocd = allowed(&c, "argocd", Direction::Ingress);
    assert!(argocd.contains(&(
        pods(ARGO, "argocd-redis"),
        workload("argocd", ARGO, "argocd-server")
    )));
    assert!(argocd.contains(&(
        pods(ARGO, "argocd-repo-server"),
        workload("shop", "app", "web")
    )));
    assert_eq!(c.program.workload_labels.key("argocd"), ARGO);
    assert_eq!(c.program.workload_labels.key("shop"), "app");
}

#[test]
fn a_rules_bare_names_take_the_key_of_the_namespace_it_is_used_in() {
    let text = "\
rule cache($client) {
  $client may talk to redis on 6379
}
namespace argocd with workload label app.kubernetes.io/name {
  isolate ingress
  use cache(argocd-server)
}
namespace shop {
  isolate ingress
  use cache(web)
}
";
    let c = ok(text, &Settings::default());
    assert_eq!(
        allowed(&c, "argocd", Direction::Ingress),
        [(
            pods(ARGO, "redis"),
            workload("argocd", ARGO, "argocd-server")
        )]
    );
    assert_eq!(
        allowed(&c, "shop", Direction::Ingress),
        [(pods("app", "redis"), workload("shop", "app", "web"))]
    );
}

#[test]
fn policies_are_named_after_workloads_by_their_namespaces_key() {
    let text = "\
namespace argocd with workload label app.kubernetes.io/name {
  argocd-server ingress only from anywhere on 8080
  pods(app=legacy) ingress only from anywhere on 80
}
namespace shop {
  web ingress only from anywhere on 80
  pods(app.kubernetes.io/name=web) ingress only from anywhere on 81
}
";
    let c = ok(text, &Settings::default());
    let names: Vec<String> = c
        .output
        .manifests
        .iter()
        .map(|m| format!("{}/{}", m.namespace, m.name))
        .collect();
    assert_eq!(
        names,
        [
            "argocd/app-legacy",
            "argocd/argocd-server",
            "shop/app.kubernetes.io-name-web",
            "shop/web"
        ]
    );
}

#[test]
fn netpolc_toml_gives_a_default_and_namespaces_their_own() {
    let settings = toml(
        "workload-label = \"role\"\n\n[namespace.argocd]\nworkload-label = \"app.kubernetes.io/name\"\n",
    );
    let text = "namespace argocd {\n  isolate ingress\n  web may talk to db\n}\nnamespace shop {\n  isolate ingress\n  web may talk to db\n}\n";
    let c = ok(text, &settings);
    assert_eq!(
        allowed(&c, "argocd", Direction::Ingress),
        [(pods(ARGO, "db"), workload("argocd", ARGO, "web"))]
    );
    assert_eq!(
        allowed(&c, "shop", Direction::Ingress),
        [(pods("role", "db"), workload("shop", "role", "web"))]
    );
    // A block may name another key than the default: that is what it is for.
    let c = ok(
        &text.replace(
            "namespace shop {",
            "namespace shop with workload label tier {",
        ),
        &settings,
    );
    assert_eq!(c.program.workload_labels.key("shop"), "tier");
    // And the same key as the settings give its namespace.
    ok(
        &text.replace(
            "namespace argocd {",
            "namespace argocd with workload label app.kubernetes.io/name {",
        ),
        &settings,
    );
}

#[test]
fn np0209_two_blocks_of_one_namespace_with_two_keys() {
    let text = "\
namespace argocd with workload label app.kubernetes.io/name {
  isolate ingress
}
namespace argocd with workload label app.kubernetes.io/name {
}
namespace argocd with workload label app {
}
";
    let errors = errors(text, &Settings::default());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let d = &errors[0];
    assert_eq!(d.code, Code::WorkloadLabelConflict);
    assert!(
        d.message
            .contains("two workload labels, `app.kubernetes.io/name` and `app`"),
        "{d:?}"
    );
    let primary = d.primary.as_ref().expect("a place");
    assert_eq!(&text[primary.span.start..primary.span.end], "app");
    assert_eq!(netpolc::diag::line_column(text, primary.span.start).0, 6);
    // The first key given is shown where it was given.
    let first = &d.secondary[0];
    assert_eq!(netpolc::diag::line_column(text, first.span.start).0, 1);
    assert_eq!(&text[first.span.start..first.span.end], ARGO);
}

#[test]
fn np0209_a_block_against_the_key_netpolc_toml_gives_its_namespace() {
    let settings = toml("[namespace.argocd]\nworkload-label = \"role\"\n");
    let text =
        "namespace argocd with workload label app.kubernetes.io/name {\n  isolate ingress\n}\n";
    let errors = errors(text, &settings);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].code, Code::WorkloadLabelConflict);
    assert!(
        errors[0]
            .notes
            .iter()
            .any(|n| n.contains("`role` is set by `[namespace.argocd]` in netpolc.toml")),
        "{:?}",
        errors[0]
    );
    // Across files too, in file order.
    let files = [
        ("a.npl", "namespace argocd with workload label role {\n}\n"),
        ("b.npl", "namespace argocd with workload label tier {\n}\n"),
    ];
    let failed = compile_with(&files, &Settings::default()).unwrap_err();
    let d = failed.errors().next().expect("an error");
    assert_eq!(d.code, Code::WorkloadLabelConflict);
    assert_eq!(d.primary.as_ref().map(|p| p.file.as_str()), Some("b.npl"));
    assert_eq!(d.secondary[0].file, "a.npl");
}

#[test]
fn a_blocks_key_must_be_a_label_key() {
    let errors = errors(
        "namespace argocd with workload label my_corp.io/name {\n}\n",
        &Settings::default(),
    );
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].code, Code::InvalidLabel);
    assert!(
        errors[0].message.contains("`my_corp.io/name`"),
        "{:?}",
        errors[0]
    );
}

#[test]
fn messages_name_the_key_of_the_namespace_they_speak_of() {
    // NP0404: the workload is taken by its namespace's key.
    let text = "namespace argocd with workload label app.kubernetes.io/name {\n  define servers = pods(tier=server)\n  isolate ingress\n  server may talk to servers\n}\n";
    let c = ok(text, &Settings::default());
    let near = c
        .warnings
        .iter()
        .find(|d| d.code == Code::NameLooksLikeDefine)
        .expect("NP0404");
    assert!(
        near.message
            .contains("the workload `app.kubernetes.io/name=server`"),
        "{near:?}"
    );
    // NP0402's suggestion writes a workload by its namespace's key, and pods that carry
    // another key's value as a selector.
    let text = "\
namespace argocd with workload label app.kubernetes.io/name {
  isolate ingress
}
namespace shop {
  isolate egress
  use dns
  web egress only argocd/argocd-server on 8080
  web egress only pods(app=legacy) in namespace argocd on 80
}
";
    let c = ok(text, &Settings::default());
    let helps: Vec<&str> = c
        .warnings
        .iter()
        .filter(|d| d.code == Code::BlockedByOtherSide)
        .filter_map(|d| d.help.as_deref())
        .collect();
    assert_eq!(
        helps,
        [
            "add to `namespace argocd { }`: `shop/web may talk to argocd-server on 8080`",
            "add to `namespace argocd { }`: `shop/web may talk to pods(app=legacy) on 80`",
        ]
    );
    // NP0305's help writes the block's key.
    let errors = errors(
        "namespace argocd with workload label app.kubernetes.io/name {\n  isolate ingress\n  api.example.com may talk to web\n}\n",
        &Settings::default(),
    );
    assert_eq!(errors[0].code, Code::CannotExpress);
    assert!(
        errors[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("`pods(app.kubernetes.io/name=\"api.example.com\")`")),
        "{:?}",
        errors[0]
    );
}

#[test]
fn netpolc_toml_namespace_tables_are_checked() {
    let bad = |text: &str| Settings::from_toml(TOML, text).unwrap_err();
    let d = bad("[namespace.Shop]\nworkload-label = \"role\"\n");
    assert_eq!(d.code, Code::BadConfig);
    assert!(d.message.contains("`[namespace.Shop]`"), "{d:?}");
    let d = bad("[namespace.shop]\nworkload-label = \"-role\"\n");
    assert_eq!(d.code, Code::BadConfig);
    assert!(
        d.message.contains("[namespace.shop] workload-label"),
        "{d:?}"
    );
    let d = bad("[namespace.shop]\nworkload_label = \"role\"\n");
    assert_eq!(d.code, Code::BadConfig);
    assert!(d.primary.is_some(), "points at the key: {d:?}");
    let d =
        bad("[namespace.shop]\nworkload-label = \"a\"\n[namespace.shop]\nworkload-label = \"b\"\n");
    assert_eq!(d.code, Code::BadConfig);
    // An empty table changes nothing.
    assert_eq!(toml("[namespace.shop]\n"), Settings::default());
}

// ------------------------------------------------------------------ check's counterexamples

/// A project directory with `policies/main.npl` and, when given, `netpolc.toml`.
fn project(tag: &str, program: &str, settings: Option<&str>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netpolc-wlabel-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("policies")).expect("mkdir");
    std::fs::write(dir.join("policies/main.npl"), program).expect("write program");
    if let Some(text) = settings {
        std::fs::write(dir.join(TOML), text).expect("write settings");
    }
    dir
}

fn netpolc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netpolc"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the netpolc binary runs")
}

/// Compiles the project into `out`, edits `file` there, and runs `check`.
fn check_after_edit(dir: &Path, file: &str, from: &str, to: &str) -> Output {
    let compiled = netpolc(dir, &["compile", "-o", "out"]);
    assert_eq!(compiled.status.code(), Some(0), "{}", stderr(&compiled));
    let path = dir.join("out").join(file);
    let text = std::fs::read_to_string(&path).expect("the compiled file");
    assert!(text.contains(from), "{text}");
    std::fs::write(&path, text.replace(from, to)).expect("edit");
    let o = netpolc(dir, &["check", "--policies", "out"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    o
}

#[test]
fn a_counterexample_says_which_key_each_workload_name_stood_for() {
    let program = "\
namespace argocd with workload label app.kubernetes.io/name {
  isolate ingress
  argocd-redis ingress only from shop/web on 6379
}
namespace shop {
}
";
    let dir = project(
        "check",
        program,
        Some("[namespace.shop]\nworkload-label = \"role\"\n"),
    );
    let o = check_after_edit(&dir, "argocd/argocd-redis.yaml", "port: 6379", "port: 6380");
    let err = stderr(&o);
    assert!(
        err.contains("note: in namespace `argocd` a workload name stands for the label `app.kubernetes.io/name` (`with workload label` at policies/main.npl:1): the pod above is `argocd/argocd-redis`"),
        "{err}"
    );
    // The other pod is in another namespace, with another key.
    assert!(
        err.contains("note: in namespace `shop` a workload name stands for the label `role` (`[namespace.shop]` in netpolc.toml): the pod above is `shop/web`"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_counterexample_of_pods_without_a_workload_label_has_no_such_note() {
    let program = "namespace shop {\n  isolate ingress\n  pods(tier=db) ingress only from pods(tier=web) on 5432\n}\n";
    let dir = project("nolabel", program, Some("workload-label = \"role\"\n"));
    let o = check_after_edit(&dir, "shop/tier-db.yaml", "port: 5432", "port: 5433");
    let err = stderr(&o);
    assert!(err.contains("NP0601"), "{err}");
    assert!(!err.contains("a workload name stands for"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
