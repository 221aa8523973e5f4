//! NP0406 (issue 11, feature 4): `X may talk to anywhere` inside a block also opens the
//! ingress of the block's isolated pods. The warning fires exactly when the statement opens
//! something there, and never when it does not: no pod isolated for ingress, `egress only`,
//! the ingress open already (by one statement or by several together), a destination that
//! names the namespace, a subject from elsewhere, the top level.

use netpolc::diag::{Code, Diagnostic};
use netpolc::pipeline::{compile, ProgramFile, Settings};

fn warnings(text: &str) -> Vec<Diagnostic> {
    let files = [ProgramFile {
        name: "p.npl".into(),
        bytes: text.as_bytes().to_vec(),
    }];
    match compile(&files, &Settings::default()) {
        Ok(c) => c.warnings,
        Err(f) => panic!("does not compile: {:#?}\n{text}", f.diagnostics),
    }
}

fn np0406(text: &str) -> Vec<Diagnostic> {
    warnings(text)
        .into_iter()
        .filter(|d| d.code == Code::OpensOwnIngress)
        .collect()
}

fn line(d: &Diagnostic, text: &str) -> usize {
    let span = d.primary.as_ref().expect("a place").span;
    netpolc::diag::line_column(text, span.start).0
}

/// A locked namespace with DNS, and `rest` inside its block.
fn shop(rest: &str) -> String {
    format!("namespace shop {{\n  isolate namespace\n  use dns\n{rest}}}\n")
}

#[test]
fn anywhere_in_a_block_opens_the_isolated_pods_ingress_and_says_so() {
    let text = shop("  web may talk to db on 5432\n  web may talk to anywhere on udp 53\n");
    let found = np0406(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = &found[0];
    assert_eq!(line(d, &text), 5);
    assert_eq!(
        d.message,
        "`anywhere` includes the pods of namespace `shop`, so this statement also opens \
         their ingress: all pods in `shop` accept pods `app=web` in `shop` on UDP 53"
    );
    assert!(d.notes[0].starts_with("for example, ingress of a pod in namespace `shop`"));
    assert_eq!(
        d.help.as_deref(),
        Some(
            "if only the egress of `web` is meant, write `web egress only anywhere on udp 53`: \
             it allows the same egress and opens no ingress"
        )
    );
    // The suggestion is right: it keeps the egress, opens no ingress, warns no more.
    let fixed = shop("  web may talk to db on 5432\n  web egress only anywhere on udp 53\n");
    assert_eq!(warnings(&fixed), vec![]);
}

#[test]
fn cluster_and_a_name_selector_that_does_not_name_the_namespace_open_it_too() {
    for wide in [
        "cluster",
        "namespaces(kubernetes.io/metadata.name notin (kube-system))",
    ] {
        let text = shop(&format!("  web may talk to {wide} on 8080\n"));
        let found = np0406(&text);
        assert_eq!(found.len(), 1, "{wide}: {found:#?}");
        assert!(found[0].message.contains("opens their ingress"), "{wide}");
    }
}

#[test]
fn only_the_pods_whose_ingress_is_isolated_are_named() {
    let text = "namespace shop {\n  isolate db ingress\n  web may talk to anywhere on udp 53\n}\n";
    let found = np0406(text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0]
            .message
            .contains("pods `app=db` in `shop` accept pods `app=web`"),
        "{}",
        found[0].message
    );
    // `web`'s egress is not isolated: opening `db` is all the statement does, and the help
    // says so.
    let help = found[0].help.as_deref().unwrap_or_default();
    assert!(
        help.starts_with("the egress of `web` is not isolated"),
        "{help}"
    );
}

#[test]
fn a_rule_applied_in_the_block_warns_once_at_its_use() {
    let text = "rule resolve-anywhere($who) {\n  $who may talk to anywhere on udp 53, tcp 53\n}\n\
                namespace shop {\n  isolate namespace\n  use dns\n  use resolve-anywhere(web)\n}\n";
    let found = np0406(text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(line(&found[0], text), 7);
    assert!(found[0]
        .help
        .as_deref()
        .unwrap_or_default()
        .starts_with("the statement comes from rule `resolve-anywhere`"));
}

#[test]
fn egress_only_does_not_warn() {
    assert_eq!(
        np0406(&shop("  web egress only anywhere on udp 53\n")),
        vec![]
    );
    assert_eq!(
        np0406(&shop("  egress only anywhere on udp 53, tcp 53\n")),
        vec![]
    );
}

#[test]
fn no_pod_isolated_for_ingress_does_not_warn() {
    let text =
        "namespace shop {\n  isolate egress\n  use dns\n  web may talk to anywhere on 443\n}\n";
    assert_eq!(np0406(text), vec![]);
}

#[test]
fn ingress_open_already_does_not_warn() {
    // By one statement.
    assert_eq!(
        np0406(&shop(
            "  anywhere may talk to * on udp 53\n  web may talk to anywhere on udp 53\n"
        )),
        vec![]
    );
    // By two that together cover every pod (`tier!=front` holds pods without `tier`).
    assert_eq!(
        np0406(&shop(
            "  pods(tier=front) ingress only from web on udp 53\n  \
             pods(tier!=front) ingress only from web on udp 53\n  \
             web may talk to anywhere on udp 53\n"
        )),
        vec![]
    );
    // One of them alone leaves the other pods to open: the warning names them.
    let found = np0406(&shop(
        "  pods(tier=front) ingress only from web on udp 53\n  web may talk to anywhere on udp 53\n",
    ));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].message.contains("tier"), "{}", found[0].message);
}

#[test]
fn a_destination_that_names_the_namespace_opens_it_on_purpose() {
    for to in ["*, anywhere", "namespace shop, anywhere", "shop/*, cluster"] {
        let text = shop(&format!("  web may talk to {to} on udp 53\n"));
        assert_eq!(np0406(&text), vec![], "{to}");
    }
}

#[test]
fn a_subject_of_another_namespace_or_the_top_level_does_not_warn() {
    // Scraping shop's pods from monitoring is what the statement is for.
    assert_eq!(
        np0406(&shop(
            "  monitoring/prometheus may talk to anywhere on 9090\n"
        )),
        vec![]
    );
    // At the top level, `anywhere` is meant to shape every side it names (language.md).
    let text = "namespace shop {\n  isolate namespace\n  use dns\n}\nshop/web may talk to anywhere on udp 53\n";
    assert_eq!(np0406(text), vec![]);
}
