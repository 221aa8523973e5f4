//! The example and golden programs against what `compile` writes for them: the output
//! passes `check`; rewrites that keep the meaning pass; corruptions are rejected with
//! counterexamples that the engine and the oracle confirm.

use super::mutate::{mutants, Kind};
use super::run::{
    check, compile_into, counterexamples, load_policies, programs, root, same_on_samples,
};
use netpolc::model::{self, Cluster, Direction, NetworkPolicy, Rule};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// Writes a policy set as one manifest file and checks `program` against it, with a
/// fresh directory for counterexamples. Returns the exit code, that directory, and the
/// policies as read back from the file. The rules of a direction a policy does not
/// isolate are left out, so that a policy whose corruption left it no type reads back
/// with the default one alone (`[Ingress]`), as the API server would default it.
fn check_set(
    program: &str,
    set: &[NetworkPolicy],
    dir: &Path,
    tag: &str,
) -> (i32, PathBuf, Vec<NetworkPolicy>) {
    let file = dir.join(format!("{tag}.yaml"));
    let policies = set
        .iter()
        .map(|p| NetworkPolicy {
            ingress: if p.isolates_ingress {
                p.ingress.clone()
            } else {
                vec![]
            },
            egress: if p.isolates_egress {
                p.egress.clone()
            } else {
                vec![]
            },
            ..p.clone()
        })
        .collect();
    let manifests = model::write(&Cluster {
        policies,
        ..Cluster::default()
    });
    std::fs::write(&file, manifests).unwrap();
    let witnesses = dir.join(format!("{tag}-witnesses"));
    let run = check(&root().join(program), &file, &witnesses);
    (run.code, witnesses, load_policies(&file))
}

#[test]
fn what_compile_writes_passes_check_for_every_program() {
    for (name, _) in programs() {
        let dir = TempDir::new().unwrap();
        let out = compile_into(&name, dir.path());
        let run = check(&root().join(&name), &out, &dir.path().join("w"));
        assert_eq!(run.code, 0, "{name}:\n{}", run.stderr);
        assert!(
            run.stderr.contains("exactly what the program says"),
            "{}",
            run.stderr
        );
    }
}

/// Corruptions tried per program and kind.
const PER_KIND: usize = 4;

#[test]
fn every_corruption_is_rejected_with_counterexamples_both_readings_confirm() {
    let mut rejected: BTreeMap<Kind, usize> = BTreeMap::new();
    let mut kept: BTreeMap<Kind, usize> = BTreeMap::new();
    for (name, compiled) in programs() {
        let dir = TempDir::new().unwrap();
        let original = load_policies(&compile_into(&name, dir.path()));
        for kind in Kind::ALL {
            for (i, mutant) in mutants(&original, kind, PER_KIND).into_iter().enumerate() {
                let tag = format!("{kind:?}-{i}");
                let (code, witnesses, mutant) = check_set(&name, &mutant, dir.path(), &tag);
                if code == 1 {
                    *rejected.entry(kind).or_default() += 1;
                    let found = counterexamples(&witnesses);
                    assert!(
                        !found.is_empty(),
                        "{name} {tag}: exit 1 without a counterexample"
                    );
                    for c in found {
                        c.confirm(&compiled, &mutant);
                    }
                } else {
                    // Some corruptions keep the meaning (a retargeted selector whose
                    // policy another one covers); then no cluster tells them apart.
                    *kept.entry(kind).or_default() += 1;
                    assert!(
                        same_on_samples(&compiled, &original, &mutant),
                        "{name} {tag}: check passed it, yet the engine differs on a sample"
                    );
                }
            }
        }
    }
    let total_rejected: usize = rejected.values().sum();
    let total_kept: usize = kept.values().sum();
    for kind in Kind::ALL {
        assert!(
            rejected.get(&kind).copied().unwrap_or(0) > 0,
            "no {kind:?} corruption was rejected: {rejected:?} (kept {kept:?})"
        );
    }
    // Almost every corruption changes the meaning; a drift here means check got lax.
    assert!(
        total_kept * 20 < total_rejected,
        "kept {kept:?}, rejected {rejected:?}"
    );
}

/// Rewrites that keep the meaning: names, order, and how rules and policies are cut.
fn rewrites(set: &[NetworkPolicy]) -> Vec<(&'static str, Vec<NetworkPolicy>)> {
    let renamed_reordered: Vec<NetworkPolicy> = set
        .iter()
        .rev()
        .map(|p| {
            let mut q = p.clone();
            q.name = format!("{}-renamed", p.name);
            q.ingress.reverse();
            q.egress.reverse();
            q
        })
        .collect();
    let split_ports = map_rules(set, |r| match &r.ports {
        Some(ports) if ports.len() > 1 => ports
            .iter()
            .map(|p| Rule {
                peers: r.peers.clone(),
                ports: Some(vec![p.clone()]),
            })
            .collect(),
        _ => vec![r.clone()],
    });
    let split_peers = map_rules(set, |r| match &r.peers {
        Some(peers) if peers.len() > 1 => peers
            .iter()
            .map(|p| Rule {
                peers: Some(vec![p.clone()]),
                ports: r.ports.clone(),
            })
            .collect(),
        _ => vec![r.clone()],
    });
    let split_policies = split_policies(set);
    let merged = merge_equal_selectors(&split_policies);
    vec![
        ("renamed and reordered", renamed_reordered),
        ("ports split into separate rules", split_ports),
        ("peers split into separate rules", split_peers),
        ("one policy per rule", split_policies),
        ("policies with equal selectors merged", merged),
    ]
}

fn map_rules(set: &[NetworkPolicy], f: impl Fn(&Rule) -> Vec<Rule>) -> Vec<NetworkPolicy> {
    set.iter()
        .map(|p| {
            let mut q = p.clone();
            q.ingress = p.ingress.iter().flat_map(&f).collect();
            q.egress = p.egress.iter().flat_map(&f).collect();
            q
        })
        .collect()
}

/// Each policy cut into one policy per rule (and one per direction without rules), with
/// the same selector: together they isolate and allow what it did.
fn split_policies(set: &[NetworkPolicy]) -> Vec<NetworkPolicy> {
    let mut out = Vec::new();
    for p in set {
        for d in [Direction::Ingress, Direction::Egress] {
            if !p.isolates(d) {
                continue;
            }
            let rules: Vec<Option<&Rule>> = if p.rules(d).is_empty() {
                vec![None]
            } else {
                p.rules(d).iter().map(Some).collect()
            };
            for (i, rule) in rules.into_iter().enumerate() {
                let mut q = p.clone();
                q.name = format!("{}-{}-{i}", p.name, d.as_k8s().to_lowercase());
                q.isolates_ingress = d == Direction::Ingress;
                q.isolates_egress = d == Direction::Egress;
                q.ingress.clear();
                q.egress.clear();
                if let Some(r) = rule {
                    match d {
                        Direction::Ingress => q.ingress.push(r.clone()),
                        Direction::Egress => q.egress.push(r.clone()),
                    }
                }
                out.push(q);
            }
        }
    }
    out
}

/// Policies of one namespace with equal selectors merged into one.
fn merge_equal_selectors(set: &[NetworkPolicy]) -> Vec<NetworkPolicy> {
    let mut out: Vec<NetworkPolicy> = Vec::new();
    for p in set {
        match out
            .iter_mut()
            .find(|q| q.namespace == p.namespace && q.pod_selector == p.pod_selector)
        {
            Some(q) => {
                q.isolates_ingress |= p.isolates_ingress;
                q.isolates_egress |= p.isolates_egress;
                q.ingress.extend(p.ingress.iter().cloned());
                q.egress.extend(p.egress.iter().cloned());
            }
            None => {
                let mut q = p.clone();
                q.name = format!("merged-{}", out.len());
                out.push(q);
            }
        }
    }
    out
}

#[test]
fn rewrites_that_keep_the_meaning_pass() {
    let mut changed = BTreeMap::new();
    for (name, _) in programs() {
        let dir = TempDir::new().unwrap();
        let original = load_policies(&compile_into(&name, dir.path()));
        for (i, (what, set)) in rewrites(&original).into_iter().enumerate() {
            if set != original {
                *changed.entry(what).or_insert(0) += 1;
            }
            let (code, ..) = check_set(&name, &set, dir.path(), &format!("rewrite-{i}"));
            assert_eq!(code, 0, "{name}: {what} was rejected");
        }
    }
    // Each rewrite changed the policies of some program, or it tested nothing.
    assert_eq!(changed.len(), 5, "{changed:?}");
}
