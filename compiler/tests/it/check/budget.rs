//! Issue 15, items 14 and 15: address and port work is paid for by its size. An ipBlock of
//! 30,000 excepts and a rule of 5,000 ports are decided within a small budget (they were
//! quadratic: seconds for the excepts, and NP0602 blaming label keys for the ports), and
//! the budget grows with the intervals compared, so hostile address sets cannot escape
//! it. Asserted in budget units, not time.

use netpolc::model::{load, Source};
use netpolc::pipeline::{compile, ProgramFile, Settings};
use netpolc::verify::equiv::Budget;
use netpolc::verify::proof::{self, Failure};

fn program(text: &str) -> netpolc::pipeline::Compiled {
    compile(
        &[ProgramFile {
            name: "p.npl".into(),
            bytes: text.as_bytes().to_vec(),
        }],
        &Settings::default(),
    )
    .unwrap_or_else(|f| panic!("compiles: {:?}", f.diagnostics))
}

fn policies(yaml: &str) -> Vec<netpolc::model::NetworkPolicy> {
    load(&[Source {
        name: "p.yaml".into(),
        bytes: yaml.as_bytes().to_vec(),
    }])
    .expect("loads")
    .policies
}

/// 30,000 distinct /32 addresses inside 10.0.0.0/8, none adjacent.
fn excepts() -> Vec<String> {
    (0..30_000u32)
        .map(|i| {
            let v = 0x0a00_0000 + 1 + 2 * (i * 97 % 0x007f_ffff);
            format!(
                "{}.{}.{}.{}",
                v >> 24,
                (v >> 16) & 255,
                (v >> 8) & 255,
                v & 255
            )
        })
        .collect()
}

#[test]
fn thirty_thousand_excepts_are_decided_within_a_small_budget_that_counts_them() {
    let holes = excepts();
    let intent = program(&format!(
        "namespace x {{\n  isolate egress\n  egress only 10.0.0.0/8 except ({})\n}}\n",
        holes.join(", ")
    ));
    // Its own output: equal, within the small budget.
    let own = policies(&netpolc::emit::stream(&intent.output));
    let budget = Budget::new(5_000_000);
    assert_eq!(proof::prove(&intent.intent, &own, &budget), Ok(()));
    assert!(!budget.exhausted());

    // One except fewer in the policy: a difference, found within the same small budget.
    let kept: Vec<String> = holes
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 17)
        .map(|(_, h)| format!("{h}/32"))
        .collect();
    let fewer = policies(&format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: h, namespace: x}}\n\
         spec:\n  podSelector: {{}}\n  policyTypes: [Egress]\n  egress:\n  \
         - to: [{{ipBlock: {{cidr: 10.0.0.0/8, except: [{}]}}}}]\n",
        kept.join(", ")
    ));
    let budget = Budget::new(5_000_000);
    match proof::prove(&intent.intent, &fewer, &budget) {
        Err(Failure::Differ(c)) => assert!(!c.is_empty()),
        other => panic!("expected a difference, got {other:?}"),
    }
    assert!(!budget.exhausted());
    // Comparing boxes of 30,000 address intervals is paid for by their size.
    let spent = 5_000_000 - budget.left();
    assert!(spent >= 30_000 / 32, "the excepts cost {spent} units");
}

#[test]
fn a_rule_of_five_thousand_ports_is_one_box_not_five_thousand() {
    let ports: Vec<String> = (0..5_000).map(|i| (1 + 2 * i).to_string()).collect();
    let intent = program(&format!(
        "namespace shop {{\n  isolate namespace\n  use dns\n  web may talk to db on {}\n}}\n",
        ports.join(", ")
    ));
    let own = policies(&netpolc::emit::stream(&intent.output));
    let budget = Budget::new(5_000_000);
    assert_eq!(proof::prove(&intent.intent, &own, &budget), Ok(()));
    assert!(5_000_000 - budget.left() < 200_000, "{}", budget.left());
}

/// Issue 15, item 18 (left by its first fix): policies that differ only on IPv4-mapped
/// addresses (`::ffff:0:0/96`, which no packet carries and no pod or ipBlock may hold) are
/// equal; before, `check` printed a counterexample pod with a mapped IP that the loader and
/// `explain` refuse, so it could not be replayed.
#[test]
fn a_difference_confined_to_mapped_addresses_is_no_difference() {
    let intent = program("namespace x {\n  isolate egress\n  egress only ::fffe:0:0/96\n}\n");
    let wider = policies(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: h, namespace: x}\n\
         spec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: \"::fffe:0:0/95\"}}]\n",
    );
    let budget = Budget::new(5_000_000);
    assert_eq!(proof::prove(&intent.intent, &wider, &budget), Ok(()));
    // One address past the mapped range is a real difference.
    let wider_still = policies(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: h, namespace: x}\n\
         spec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: \"::fffe:0:0/94\"}}]\n",
    );
    assert!(matches!(
        proof::prove(&intent.intent, &wider_still, &budget),
        Err(Failure::Differ(_))
    ));
}
