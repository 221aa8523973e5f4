//! Every change `netpolc diff` reports is a true one: the example of each newly allowed
//! (denied) group, built into a tiny cluster, is allowed (denied) by the head's emitted
//! policies and denied (allowed) by the base's, as the engine evaluates them. The lifts
//! compared are the programs' meanings, as `diff` compares them, or for `--output-dir` the
//! base's policies; the engine reads what `emit` wrote, so the check crosses every layer.

use crate::equiv::harness::{engine_allows, policies};
use netpolc::model::NetworkPolicy;
use netpolc::pipeline::{compile, ProgramFile, Settings};
use netpolc::verify::equiv::{self, Changes, Lifted, Which};
use netpolc::verify::Options;

/// Pairs of programs (name, base, head), each a different kind of change.
const PAIRS: &[(&str, &str, &str)] = &[
    (
        "a port moves and a client is added",
        "namespace shop {\n  isolate namespace\n  use dns\n  web may talk to db on 5432\n}\n",
        "namespace shop {\n  isolate namespace\n  use dns\n  web may talk to db on 8080\n  api may talk to db on 5432\n}\n",
    ),
    (
        "an isolation goes away",
        "namespace shop {\n  isolate namespace\n  web may talk to db on 5432\n}\n",
        "namespace shop {\n  isolate ingress\n  web may talk to db on 5432\n}\n",
    ),
    (
        "addresses with holes",
        "namespace pay {\n  api egress only 8.8.8.8 on 53\n}\n",
        "namespace pay {\n  api egress only 10.0.0.0/8 except (10.1.0.0/16, 10.2.3.4) on 443\n  api ingress only from 172.17.0.0/16 on 8443\n}\n",
    ),
    (
        "namespaces by label, across namespaces",
        "namespace shop {\n  isolate ingress\n}\npods(type=monitoring) in namespaces(team=operations) may talk to shop/web on 8080\n",
        "namespace shop {\n  isolate ingress\n}\npods(type=monitoring) in namespaces(team=sre) may talk to shop/web on 8080-8090\n",
    ),
    (
        "a named port becomes a number",
        "namespace shop {\n  isolate ingress\n}\nnamespace monitoring {\n  isolate egress\n}\nmonitoring/prometheus may talk to shop/* on metrics\n",
        "namespace shop {\n  isolate ingress\n}\nnamespace monitoring {\n  isolate egress\n}\nmonitoring/prometheus may talk to shop/* on 9090\n",
    ),
    (
        "open ingress closed",
        "namespace web {\n  ingress only from anywhere\n}\n",
        "namespace web {\n  isolate ingress\n  use dns\n}\n",
    ),
];

/// A program's meaning, lifted, and the policies it emits, read back by the loader.
fn compiled(name: &str, text: &str, options: Options) -> (Lifted, Vec<NetworkPolicy>) {
    let files = [ProgramFile {
        name: "policies/p.npl".to_owned(),
        bytes: text.as_bytes().to_vec(),
    }];
    let c = compile(&files, &Settings::default())
        .unwrap_or_else(|f| panic!("{name} does not compile: {:?}", f.diagnostics));
    let stream = netpolc::emit::stream(&c.output);
    (equiv::lift_intent(&c.intent, options), policies(&stream))
}

/// Fails unless every change of `allowed` is allowed by `new` and denied by `old`, on
/// the engine, and names what is responsible.
fn confirm(
    name: &str,
    changes: &Changes,
    new: &[NetworkPolicy],
    old: &[NetworkPolicy],
    options: Options,
) {
    assert!(changes.complete, "{name}");
    for c in &changes.list {
        let w = &c.example;
        assert_eq!(w.allowed_by, Which::Left, "{name}");
        assert!(
            engine_allows(w, new, options),
            "{name}: the engine denies the example of `{} {} {}` on the allowing side:\n{w}\n{}",
            c.pods,
            c.other,
            c.ports,
            w.manifests()
        );
        assert!(
            !engine_allows(w, old, options),
            "{name}: the engine allows the example of `{} {} {}` on the denying side:\n{w}\n{}",
            c.pods,
            c.other,
            c.ports,
            w.manifests()
        );
        assert!(
            !c.reasons.is_empty(),
            "{name}: no reason for {} {}",
            c.pods,
            c.other
        );
    }
}

#[test]
fn every_reported_change_is_confirmed_by_the_engine() {
    for options in [
        Options::default(),
        Options {
            ipblock_matches_pods: false,
            select_host_network: false,
        },
    ] {
        for (name, base, head) in PAIRS {
            let (base_meaning, base_policies) = compiled(name, base, options);
            let (head_meaning, head_policies) = compiled(name, head, options);
            let allowed = equiv::changes(&head_meaning, &base_meaning);
            let denied = equiv::changes(&base_meaning, &head_meaning);
            assert!(
                !allowed.list.is_empty() || !denied.list.is_empty(),
                "{name}: expected a change"
            );
            // The listing and the decision agree on whether there is a difference.
            assert_eq!(
                allowed.list.is_empty(),
                equiv::difference(&head_meaning, &base_meaning).is_none(),
                "{name}"
            );
            assert_eq!(
                denied.list.is_empty(),
                equiv::difference(&base_meaning, &head_meaning).is_none(),
                "{name}"
            );
            confirm(name, &allowed, &head_policies, &base_policies, options);
            confirm(name, &denied, &base_policies, &head_policies, options);
            // `--output-dir`: the base as committed policies, the head as its meaning.
            let committed = equiv::lift_policies(&base_policies, options);
            let allowed = equiv::changes(&head_meaning, &committed);
            let denied = equiv::changes(&committed, &head_meaning);
            confirm(name, &allowed, &head_policies, &base_policies, options);
            confirm(name, &denied, &base_policies, &head_policies, options);
        }
    }
}

#[test]
fn a_program_and_its_own_output_differ_in_nothing() {
    for (name, base, _) in PAIRS {
        let (meaning, policies) = compiled(name, base, Options::default());
        let lifted = equiv::lift_policies(&policies, Options::default());
        assert!(equiv::changes(&meaning, &lifted).list.is_empty(), "{name}");
        assert!(equiv::changes(&lifted, &meaning).list.is_empty(), "{name}");
    }
}
