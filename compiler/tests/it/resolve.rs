//! Name resolution and lowering: the program's meaning per namespace (language.md,
//! "Blocks and scope", "Statements", "Meaning"), and the diagnostics the language owes its
//! users ("Diagnostics the language owes its users").

use netpolc::diag::{Code, Diagnostic};
use netpolc::ir::intent::{Allowance, NamespaceSet, PeerSet};
use netpolc::ir::{AddrSet, LabelOrigin, PortSet, Protocol, WorkloadLabels};
use netpolc::model::{Direction, LabelSelector};
use netpolc::pipeline::{compile, Compiled, Failed, ProgramFile, Settings};

fn program_with(text: &str, settings: &Settings) -> Result<Compiled, Failed> {
    compile(
        &[ProgramFile {
            name: "main.npl".into(),
            bytes: text.as_bytes().to_vec(),
        }],
        settings,
    )
}

fn program(text: &str) -> Result<Compiled, Failed> {
    program_with(text, &Settings::default())
}

fn ok(text: &str) -> Compiled {
    match program(text) {
        Ok(c) => c,
        Err(f) => panic!("expected the program to compile: {:#?}", f.diagnostics),
    }
}

fn diagnostics(text: &str) -> Vec<Diagnostic> {
    match program(text) {
        Ok(c) => c.warnings,
        Err(f) => f.diagnostics,
    }
}

/// The one diagnostic with `code`, failing when there is none.
fn the(code: Code, text: &str) -> Diagnostic {
    let all = diagnostics(text);
    all.iter()
        .find(|d| d.code == code)
        .cloned()
        .unwrap_or_else(|| panic!("expected {code} for:\n{text}\ngot: {all:#?}"))
}

fn line_of(d: &Diagnostic, text: &str) -> usize {
    let span = d.primary.as_ref().expect("a place").span;
    netpolc::diag::line_column(text, span.start).0
}

fn workload(ns: &str, app: &str) -> PeerSet {
    PeerSet::Pods {
        namespaces: NamespaceSet::Named(ns.into()),
        pods: sel(app),
    }
}

fn sel(app: &str) -> LabelSelector {
    let mut s = LabelSelector::default();
    s.match_labels.insert("app".into(), app.into());
    s
}

fn allowances<'a>(c: &'a Compiled, ns: &str, d: Direction) -> Vec<&'a Allowance> {
    c.intent
        .namespaces
        .get(ns)
        .map(|n| n.allowances.iter().filter(|a| a.direction == d).collect())
        .unwrap_or_default()
}

#[test]
fn the_users_three_phrases_compile_as_written() {
    let c = ok("namespace shop {\n  isolate namespace\n  app may talk to db on 5432\n  egress only 8.8.8.8\n}\n");
    let shop = &c.intent.namespaces["shop"];
    assert!(shop.isolations.iter().all(|i| i.pods.is_everything()));
    let egress = allowances(&c, "shop", Direction::Egress);
    assert!(egress.iter().any(|a| a.pods == sel("app")
        && a.peer == workload("shop", "db")
        && a.ports.numbers == PortSet::single(Protocol::Tcp, 5432)));
    assert!(egress.iter().any(|a| a.pods.is_everything()
        && a.peer == PeerSet::Addresses(AddrSet::host(&"8.8.8.8".parse().unwrap()))
        && a.ports.is_all()));
    let ingress = allowances(&c, "shop", Direction::Ingress);
    assert_eq!(ingress.len(), 1);
    assert_eq!(ingress[0].pods, sel("db"));
    assert_eq!(ingress[0].source.line, 3);
}

#[test]
fn contract_blocks_top_level_statements_shape_both_sides() {
    let c = ok("namespace a {\n isolate namespace\n use dns\n}\nnamespace b {\n isolate namespace\n use dns\n}\na/web may talk to b/db on 80\n");
    assert!(allowances(&c, "a", Direction::Egress)
        .iter()
        .any(|x| x.peer == workload("b", "db")));
    assert!(allowances(&c, "b", Direction::Ingress)
        .iter()
        .any(|x| x.peer == workload("a", "web")));
}

#[test]
fn contract_blocks_a_block_shapes_only_its_own_namespace_and_warns_with_the_statement_to_add() {
    let text = "namespace a {\n isolate namespace\n use dns\n web may talk to b/db on 80\n}\nnamespace b {\n isolate ingress\n}\n";
    let c = ok(text);
    assert!(allowances(&c, "a", Direction::Egress)
        .iter()
        .any(|x| x.peer == workload("b", "db")));
    assert!(allowances(&c, "b", Direction::Ingress).is_empty());
    let d = the(Code::BlockedByOtherSide, text);
    assert_eq!(line_of(&d, text), 4);
    assert!(d.message.contains("`b`"), "{d:?}");
    assert_eq!(
        d.help.as_deref(),
        Some("add to `namespace b { }`: `a/web may talk to db on 80`")
    );
}

#[test]
fn contract_statements_egress_only_opens_only_the_egress_side() {
    let c = ok("namespace a {\n isolate ingress\n web egress only db on udp 53, tcp 53\n}\n");
    assert!(allowances(&c, "a", Direction::Ingress).is_empty());
    let e = allowances(&c, "a", Direction::Egress);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].pods, sel("web"));
    assert_eq!(
        e[0].ports.numbers,
        PortSet::single(Protocol::Udp, 53).union(&PortSet::single(Protocol::Tcp, 53))
    );
}

#[test]
fn contract_statements_ingress_only_isolates_and_allows_the_subject() {
    let c = ok("namespace a {\n db ingress only from web on 5432\n}\n");
    let i = allowances(&c, "a", Direction::Ingress);
    assert_eq!(i.len(), 1);
    assert_eq!(
        (i[0].pods.clone(), i[0].peer.clone()),
        (sel("db"), workload("a", "web"))
    );
    assert!(allowances(&c, "a", Direction::Egress).is_empty());
}

#[test]
fn contract_meaning_allowances_target_only_isolated_pods() {
    // Selecting a pod isolates it: `* may talk to ...` must not reach pods the program
    // left open, so its target is narrowed to the isolated pods.
    let c = ok("namespace a {\n isolate pods(tier=db) ingress\n * may talk to * on 80\n}\n");
    let i = allowances(&c, "a", Direction::Ingress);
    assert_eq!(i.len(), 1);
    assert_eq!(
        i[0].pods.match_labels.get("tier").map(String::as_str),
        Some("db")
    );
}

#[test]
fn contract_endpoints_every_form_resolves() {
    let c = ok(r#"namespace a {
  isolate namespace
  use dns
  * may talk to b/api, b/*, namespace c, pods(tier=x, env in (p, q), !legacy, track != beta), cluster on 1
  * may talk to pods(k=v) in namespace d, pods(k=v) in namespaces(team=obs), namespaces(team=obs) on 2
  * may talk to anywhere on 3
  * may talk to 10.0.0.0/8 except (10.1.0.0/16, 10.2.0.0/16), 2001:db8::/32, 0.0.0.0/0 except 169.254.169.254 on 4
  * may talk to internet, metadata on 5
}
"#);
    let e = allowances(&c, "a", Direction::Egress);
    let on = |p: u16| {
        e.iter()
            .filter(|x| x.ports.numbers.contains(Protocol::Tcp, p))
            .count()
    };
    assert_eq!((on(1), on(2), on(3), on(4), on(5)), (5, 3, 1, 3, 4));
}

#[test]
fn contract_statements_define_rule_parameters_and_use() {
    let c = ok(r#"define monitoring = pods(app=prom) in namespace obs
rule expose($who, $port) {
  $who may talk to * on $port
}
rule scrape($ns) {
  pods(app=prom) in namespace $ns may talk to * on 9090
}
namespace a {
  isolate ingress
  use expose(monitoring, 8080)
  use expose(b/web, udp 53)
  use scrape(obs2)
}
"#);
    let i = allowances(&c, "a", Direction::Ingress);
    assert!(i.iter().any(|x| x.peer
        == PeerSet::Pods {
            namespaces: NamespaceSet::Named("obs".into()),
            pods: sel("prom")
        }
        && x.ports.numbers.contains(Protocol::Tcp, 8080)));
    assert!(i
        .iter()
        .any(|x| x.peer == workload("b", "web") && x.ports.numbers.contains(Protocol::Udp, 53)));
    assert!(i.iter().any(|x| x.peer
        == PeerSet::Pods {
            namespaces: NamespaceSet::Named("obs2".into()),
            pods: sel("prom")
        }));
    // Statements from a rule point at the `use` that applied them.
    assert!(i.iter().all(|x| x.source.line >= 10));
}

/// A define of a block or rule body that lists another define of the same body means that
/// define, as a top-level define does (found writing kube-prometheus as a program: the
/// block's `define components = alertmanager-main, ...` used to take `alertmanager-main`
/// as the workload `app=alertmanager-main`). A top-level define never sees a block's.
#[test]
fn a_local_define_sees_the_defines_of_its_block_or_rule() {
    let db = || {
        let mut s = LabelSelector::default();
        s.match_labels.insert("role".into(), "db".into());
        s
    };
    let isolated = |c: &Compiled, ns: &str| -> Vec<LabelSelector> {
        c.intent.namespaces[ns]
            .isolations
            .iter()
            .map(|i| i.pods.clone())
            .collect()
    };
    let c = ok("namespace a {\n define db = pods(role=db)\n define all = db, web\n isolate all ingress\n}\n");
    let all = isolated(&c, "a");
    assert!(
        all.len() == 2 && all.contains(&db()) && all.contains(&sel("web")),
        "{all:?}"
    );
    let c = ok("rule closed {\n define db = pods(role=db)\n define all = db\n isolate all ingress\n}\nnamespace a {\n use closed\n}\n");
    assert_eq!(isolated(&c, "a"), vec![db()]);
    // The top-level `all` lists `db`: the block's define is not in its view.
    let c =
        ok("define all = db\nnamespace a {\n define db = pods(role=db)\n isolate all ingress\n}\n");
    assert_eq!(isolated(&c, "a"), vec![sel("db")]);
    // Recursion through a block's defines is found as through the program's.
    the(
        Code::Recursion,
        "namespace n {\n define x = y\n define y = x\n isolate x ingress\n}\n",
    );
}

#[test]
fn contract_stdlib_dns_means_the_current_namespace() {
    let c = ok("namespace shop {\n isolate egress\n use dns\n}\n");
    let e = allowances(&c, "shop", Direction::Egress);
    assert_eq!(e.len(), 1);
    assert!(e[0].pods.is_everything());
    let mut dns = LabelSelector::default();
    dns.match_labels.insert("k8s-app".into(), "kube-dns".into());
    assert_eq!(
        e[0].peer,
        PeerSet::Pods {
            namespaces: NamespaceSet::Named("kube-system".into()),
            pods: dns
        }
    );
    assert!(
        e[0].ports.numbers.contains(Protocol::Udp, 53)
            && e[0].ports.numbers.contains(Protocol::Tcp, 53)
    );
}

#[test]
fn contract_stdlib_deny_metadata_allows_everything_but_the_metadata_endpoints() {
    let c = ok("namespace shop {\n use deny-metadata\n}\n");
    let e = allowances(&c, "shop", Direction::Egress);
    let addresses: Vec<&AddrSet> = e
        .iter()
        .filter_map(|a| match &a.peer {
            PeerSet::Addresses(s) => Some(s),
            _ => None,
        })
        .collect();
    let meta: std::net::IpAddr = "169.254.169.254".parse().unwrap();
    let meta6: std::net::IpAddr = "fd00:ec2::254".parse().unwrap();
    let other: std::net::IpAddr = "169.254.169.253".parse().unwrap();
    assert!(addresses
        .iter()
        .all(|s| !s.contains(&meta) && !s.contains(&meta6)));
    assert!(addresses.iter().any(|s| s.contains(&other)));
}

#[test]
fn settings_change_the_workload_label_key() {
    let settings = Settings {
        workload_labels: WorkloadLabels::uniform("app.kubernetes.io/name", LabelOrigin::BuiltIn),
        ..Settings::default()
    };
    let c = program_with(
        "namespace a {\n isolate ingress\n web may talk to db\n}\n",
        &settings,
    )
    .unwrap();
    let i = allowances(&c, "a", Direction::Ingress);
    assert_eq!(
        i[0].pods
            .match_labels
            .get("app.kubernetes.io/name")
            .map(String::as_str),
        Some("db")
    );
}

// ------------------------------------------------------------------ errors

#[test]
fn unknown_rule_says_did_you_mean() {
    let d = the(Code::UnknownRule, "namespace a {\n use dsn\n}\n");
    assert_eq!(d.help.as_deref(), Some("did you mean `dns`?"));
}

#[test]
fn a_define_used_as_a_rule_is_named_as_such() {
    let d = the(Code::UnknownRule, "namespace a {\n use internet\n}\n");
    assert!(d.notes[0].contains("is a define"), "{d:?}");
}

#[test]
fn wrong_argument_count_points_at_the_definition() {
    let text = "rule r($a) {\n $a may talk to * on 1\n}\nnamespace a {\n use r\n}\n";
    let d = the(Code::WrongArgumentCount, text);
    assert_eq!(line_of(&d, text), 5);
    assert_eq!(d.secondary.len(), 1);
}

#[test]
fn unknown_parameter_and_wrong_argument_kind() {
    the(
        Code::UnknownParameter,
        "rule r($a) {\n $b may talk to * on 1\n}\nnamespace a {\n use r(web)\n}\n",
    );
    the(
        Code::UnknownParameter,
        "namespace a {\n $x may talk to *\n}\n",
    );
    the(
        Code::WrongArgumentKind,
        "rule r($a) {\n $a may talk to *\n}\nnamespace a {\n use r(80)\n}\n",
    );
    the(
        Code::WrongArgumentKind,
        "rule r($p) {\n * may talk to * on $p\n}\nnamespace a {\n use r(b/web)\n}\n",
    );
}

#[test]
fn recursion_is_detected_in_rules_and_defines() {
    let d = the(
        Code::Recursion,
        "rule a {\n use b\n}\nrule b {\n use a\n}\nnamespace n {\n use a\n}\n",
    );
    assert!(d.message.contains("`a` → `b` → `a`"), "{}", d.message);
    the(Code::Recursion, "define x = y, 10.0.0.0/8\ndefine y = x\nnamespace n {\n isolate egress\n * may talk to x\n}\n");
}

#[test]
fn duplicates_are_errors() {
    the(
        Code::DuplicateDefinition,
        "define x = 1.1.1.1\ndefine x = 2.2.2.2\n",
    );
    the(Code::DuplicateDefinition, "rule r {\n}\nrule r {\n}\n");
}

#[test]
fn names_are_checked_as_kubernetes_checks_them() {
    the(
        Code::InvalidNamespaceName,
        "namespace Shop {\n isolate namespace\n}\n",
    );
    the(
        Code::InvalidLabel,
        "namespace a {\n isolate pods(a=x_)\n}\n",
    );
    the(
        Code::InvalidLabel,
        "namespace a {\n isolate ingress\n * may talk to * on veryveryverylongportname\n}\n",
    );
}

#[test]
fn forms_of_the_current_namespace_at_top_level_are_errors() {
    for text in [
        "* may talk to a/b\n",
        "web may talk to a/b\n",
        "isolate ingress\n",
        "egress only 8.8.8.8\n",
        "pods(x=y) may talk to a/b\n",
    ] {
        let d = the(Code::NoCurrentNamespace, text);
        assert!(d.help.is_some(), "{text}");
    }
}

#[test]
fn a_block_cannot_isolate_another_namespace() {
    the(Code::OutOfScope, "namespace a {\n isolate b/web\n}\n");
    the(
        Code::OutOfScope,
        "namespace a {\n b/web egress only 8.8.8.8\n}\n",
    );
}

#[test]
fn what_networkpolicy_cannot_express_is_an_error() {
    the(Code::CannotIsolate, "isolate cluster\n");
    the(Code::CannotIsolate, "isolate namespaces(team=x)\n");
    the(Code::CannotIsolate, "isolate 10.0.0.0/8\n");
    the(
        Code::CannotExpress,
        "namespace a {\n isolate egress\n * may talk to api.example.com on 443\n}\n",
    );
}

#[test]
fn bad_addresses_and_ports_name_the_line() {
    let text = "namespace a {\n isolate egress\n * may talk to 10.0.0.0/8 except 11.0.0.0/16\n}\n";
    assert_eq!(line_of(&the(Code::BadAddress, text), text), 3);
    the(
        Code::BadAddress,
        "namespace a {\n isolate egress\n * may talk to 10.1.2.3/8\n}\n",
    );
    the(
        Code::BadAddress,
        "namespace a {\n isolate egress\n * may talk to 300.1.1.1\n}\n",
    );
    the(
        Code::PortOutOfRange,
        "namespace a {\n isolate egress\n * may talk to * on 70000\n}\n",
    );
    the(
        Code::PortOutOfRange,
        "namespace a {\n isolate egress\n * may talk to * on 90-80\n}\n",
    );
    the(Code::Syntax, "namespace a {\n isolate egress\n");
}

#[test]
fn invalid_utf8_is_a_diagnostic() {
    let f = compile(
        &[ProgramFile {
            name: "bad.npl".into(),
            bytes: b"namespace a {\n\xff\n}\n".to_vec(),
        }],
        &Settings::default(),
    )
    .unwrap_err();
    assert_eq!(f.diagnostics[0].code, Code::NotUtf8);
    assert!(
        f.diagnostics[0].message.contains("line 2"),
        "{}",
        f.diagnostics[0].message
    );
}

// ---------------------------------------------------------------- warnings

#[test]
fn an_allowance_for_pods_that_are_not_isolated_changes_nothing() {
    let text = "namespace a {\n web may talk to db on 80\n}\n";
    let d = the(Code::NoEffect, text);
    assert_eq!(line_of(&d, text), 2);
    assert!(ok(text).intent.namespaces.is_empty());
}

#[test]
fn egress_isolation_without_dns_suggests_use_dns() {
    let text = "namespace a {\n isolate egress\n web may talk to db on 5432\n}\n";
    let d = the(Code::NoDns, text);
    assert_eq!(line_of(&d, text), 2);
    assert_eq!(
        d.help.as_deref(),
        Some("add `use dns` to `namespace a { }`")
    );
    assert!(diagnostics("namespace a {\n isolate egress\n use dns\n}\n")
        .iter()
        .all(|d| d.code != Code::NoDns));
}

/// Issue 11, item 2: NP0403 names exactly the pods that cannot resolve names.
#[test]
fn no_dns_names_exactly_the_pods_that_cannot_resolve() {
    let no_dns = |text: &str| -> Vec<Diagnostic> {
        diagnostics(text)
            .into_iter()
            .filter(|d| d.code == Code::NoDns)
            .collect()
    };
    // `web` may reach anything, UDP 53 included; every other pod of `shop` cannot.
    let text = "namespace shop {\n isolate egress\n web egress only anywhere\n api may talk to db on 5432\n}\n";
    let found = no_dns(text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].message,
        "the pods of `shop/*` other than `web` are isolated for egress and cannot resolve names: nothing allows them UDP port 53"
    );
    assert_eq!(line_of(&found[0], text), 2);
    // The others' allowance on UDP 53 leaves no pod without it.
    let text = "namespace shop {\n isolate egress\n web egress only anywhere\n pods(app notin (web)) may talk to kube-system/* on udp 53\n}\n";
    assert!(no_dns(text).is_empty(), "{:#?}", no_dns(text));
    // `web` alone isolated, and allowed anywhere: nothing to say.
    let text = "namespace shop {\n web egress only anywhere\n}\n";
    assert!(no_dns(text).is_empty(), "{:#?}", no_dns(text));
    // An isolation inside one that already warns is not named twice.
    let text =
        "namespace shop {\n isolate egress\n isolate api egress\n api may talk to db on 5432\n}\n";
    let found = no_dns(text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].message.starts_with("`shop/*` is isolated"),
        "{found:#?}"
    );
}

#[test]
fn a_name_one_typo_from_a_define_is_flagged() {
    let d = the(
        Code::NameLooksLikeDefine,
        "namespace a {\n isolate egress\n use dns\n * may talk to interent on 443\n}\n",
    );
    assert_eq!(
        d.help.as_deref(),
        Some("if you meant the set, write `internet`")
    );
}

/// Issue 11, item 1: names a few edits from a define, or known to be workloads, are not
/// typos (Online Boutique's `define services = adservice, cartservice, ...`).
#[test]
fn only_a_true_near_miss_looks_like_a_define() {
    let codes = |text: &str| -> Vec<Code> { diagnostics(text).iter().map(|d| d.code).collect() };
    // `adservice` is three edits from `services`, and a member of it.
    let text = "define services = adservice, cartservice\nnamespace a {\n isolate egress\n use dns\n adservice may talk to services on 443\n}\n";
    assert!(
        !codes(text).contains(&Code::NameLooksLikeDefine),
        "{:#?}",
        diagnostics(text)
    );
    // One edit from the define, but listed in it: a workload.
    let text = "define webs = web, api\nnamespace a {\n isolate egress\n use dns\n web may talk to db on 443\n}\n";
    assert!(
        !codes(text).contains(&Code::NameLooksLikeDefine),
        "{:#?}",
        diagnostics(text)
    );
    // One edit from the define, but written elsewhere as `ns/name`: a workload.
    let text = "define webs = pods(tier=web)\nnamespace a {\n isolate egress\n use dns\n web may talk to a/db on 443\n web may talk to b/web on 443\n}\n";
    assert!(
        !codes(text).contains(&Code::NameLooksLikeDefine),
        "{:#?}",
        diagnostics(text)
    );
    // A real typo still warns, once however often its define is expanded.
    let text = "define services = adservice, cartservice\ndefine out = interent\nnamespace a {\n isolate egress\n use dns\n servces may talk to out on 443\n web may talk to out on 443\n}\n";
    let all = diagnostics(text);
    let near: Vec<_> = all
        .iter()
        .filter(|d| d.code == Code::NameLooksLikeDefine)
        .collect();
    assert_eq!(near.len(), 2, "{all:#?}");
    assert!(
        near.iter().any(|d| d.message.contains("`services`")),
        "{near:#?}"
    );
    assert!(
        near.iter().any(|d| d.message.contains("`internet`")),
        "{near:#?}"
    );
}

#[test]
fn named_ports_towards_addresses_are_flagged() {
    the(
        Code::NamedPortToAddress,
        "namespace a {\n isolate egress\n use dns\n * may talk to 10.0.0.0/8 on http\n}\n",
    );
}

#[test]
fn top_level_sides_chosen_by_namespace_labels_are_flagged_where_they_would_matter() {
    let text = "namespace a {\n isolate namespace\n use dns\n}\nnamespaces(team=obs) may talk to a/web on 80\n";
    let d = the(Code::NamespaceLabelsUnknown, text);
    assert!(d.message.contains("namespace `a`"), "{}", d.message);
    // The ingress side of a/web is still opened.
    assert!(!allowances(&ok(text), "a", Direction::Ingress).is_empty());
}

#[test]
fn netpolc_toml_sets_the_workload_label_and_refuses_unknown_keys() {
    let s = Settings::from_toml(
        "netpolc.toml",
        "workload-label = \"app.kubernetes.io/name\"\n",
    )
    .unwrap();
    assert_eq!(s.workload_labels.key("any"), "app.kubernetes.io/name");
    assert_eq!(
        Settings::from_toml("netpolc.toml", "").unwrap(),
        Settings::default()
    );
    let d = Settings::from_toml("netpolc.toml", "workload_label = \"x\"\n").unwrap_err();
    assert_eq!(d.code, Code::BadConfig);
    assert!(d.primary.is_some(), "points at the key: {d:?}");
    let d = Settings::from_toml("netpolc.toml", "workload-label = \"-x\"\n").unwrap_err();
    assert_eq!(d.code, Code::BadConfig);
}
