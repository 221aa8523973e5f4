//! The example and golden programs: what `compile` emits for each is proved equal to the
//! program's meaning, and every systematic corruption of the emitted policies is either
//! rejected, with witnesses that two independent readings confirm (the engine on the
//! corrupted policies, the oracle `verify::intent` on the program), or kept as equal, in
//! which case the engine finds no difference on the program's sampled clusters either.

use crate::harness::{engine_allows, load, policies};
use netpolc::emit;
use netpolc::model::{Direction, NamespaceScope, NetworkPolicy, Peer, PortSpec, Rule};
use netpolc::pipeline::{compile, Compiled, ProgramFile, Settings};
use netpolc::verify::equiv::{self, Lifted, OtherEnd, Which, Witness, WITNESS_PEER, WITNESS_POD};
use netpolc::verify::intent::Oracle;
use netpolc::verify::sample::sample_cluster;
use netpolc::verify::{Endpoint, Engine, Options};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Every program under `examples/` and `golden/` that compiles, by name.
fn programs() -> Vec<(String, Compiled)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    for dir in ["examples", "golden"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "npl"))
            .collect();
        paths.sort();
        for path in paths {
            let name = format!(
                "{dir}/{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            let file = ProgramFile {
                name: name.clone(),
                bytes: std::fs::read(&path).unwrap_or_default(),
            };
            if let Ok(c) = compile(&[file], &Settings::default()) {
                out.push((name, c));
            }
        }
    }
    assert!(out.len() >= 10, "expected the examples and golden programs");
    out
}

const BOTH: [Options; 2] = [
    Options {
        ipblock_matches_pods: true,
    },
    Options {
        ipblock_matches_pods: false,
    },
];

#[test]
fn every_program_proves_equal_to_what_it_emits() {
    for (name, compiled) in programs() {
        let set = policies(&emit::stream(&compiled.output));
        for options in BOTH {
            let program = equiv::lift_intent(&compiled.intent, options);
            if let Err(d) = equiv::equivalent(&program, &equiv::lift_policies(&set, options)) {
                panic!("{name}: the emitted policies differ from the program:\n{d}");
            }
        }
    }
}

/// The kinds of corruption, as the issue lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    DropPolicy,
    ShiftPort,
    DropExcept,
    SplitAndPeer,
    DropPolicyType,
    Retarget,
    AddAllowAll,
}

/// Every corruption of one kind, one per place it applies (at most `limit`).
fn mutants(set: &[NetworkPolicy], kind: Kind, limit: usize) -> Vec<Vec<NetworkPolicy>> {
    let mut out = Vec::new();
    for i in 0..set.len() {
        for variant in mutate_policy(&set[i], kind) {
            let mut m = set.to_vec();
            match variant {
                Some(p) => m[i] = p,
                None => {
                    m.remove(i);
                }
            }
            out.push(m);
            if out.len() >= limit {
                return out;
            }
        }
    }
    out
}

/// The corruptions of one policy (`None`: the policy is dropped).
fn mutate_policy(p: &NetworkPolicy, kind: Kind) -> Vec<Option<NetworkPolicy>> {
    let mut out = Vec::new();
    let directions = [Direction::Ingress, Direction::Egress];
    match kind {
        Kind::DropPolicy => out.push(None),
        Kind::DropPolicyType => {
            for d in directions.into_iter().filter(|d| p.isolates(*d)) {
                let mut q = p.clone();
                match d {
                    Direction::Ingress => q.isolates_ingress = false,
                    Direction::Egress => q.isolates_egress = false,
                }
                out.push(Some(q));
            }
        }
        Kind::Retarget => {
            let mut q = p.clone();
            match q.pod_selector.match_labels.values_mut().next() {
                Some(v) => v.push_str("-mutant"),
                None => {
                    q.pod_selector
                        .match_labels
                        .insert("mutant".into(), "yes-please".into());
                }
            }
            out.push(Some(q));
        }
        Kind::AddAllowAll => {
            for d in directions.into_iter().filter(|d| p.isolates(*d)) {
                let mut q = p.clone();
                let all = Rule {
                    peers: None,
                    ports: None,
                };
                match d {
                    Direction::Ingress => q.ingress.push(all),
                    Direction::Egress => q.egress.push(all),
                }
                out.push(Some(q));
            }
        }
        Kind::ShiftPort | Kind::DropExcept | Kind::SplitAndPeer => {
            for d in directions {
                for r in 0..p.rules(d).len() {
                    for q in mutate_rule(p, d, r, kind) {
                        out.push(Some(q));
                    }
                }
            }
        }
    }
    out
}

fn rule_mut(p: &mut NetworkPolicy, d: Direction, r: usize) -> Option<&mut Rule> {
    match d {
        Direction::Ingress => p.ingress.get_mut(r),
        Direction::Egress => p.egress.get_mut(r),
    }
}

/// The corruptions of one rule, one per port or peer they apply to.
fn mutate_rule(p: &NetworkPolicy, d: Direction, r: usize, kind: Kind) -> Vec<NetworkPolicy> {
    let mut out = Vec::new();
    let Some(rule) = p.rules(d).get(r) else {
        return out;
    };
    match kind {
        Kind::ShiftPort => {
            for (k, port) in rule.ports.iter().flatten().enumerate() {
                if let PortSpec::Numbers { start, end } = port.port {
                    if end < u16::MAX {
                        let mut q = p.clone();
                        if let Some(pp) = rule_mut(&mut q, d, r)
                            .and_then(|x| x.ports.as_mut())
                            .and_then(|x| x.get_mut(k))
                        {
                            pp.port = PortSpec::Numbers {
                                start: start + 1,
                                end: end + 1,
                            };
                        }
                        out.push(q);
                    }
                }
            }
        }
        Kind::DropExcept | Kind::SplitAndPeer => {
            for (k, peer) in rule.peers.iter().flatten().enumerate() {
                let replacement = match (kind, peer) {
                    (Kind::DropExcept, Peer::IpBlock { cidr, except }) if !except.is_empty() => {
                        let mut fewer = except.clone();
                        fewer.pop();
                        vec![Peer::IpBlock {
                            cidr: *cidr,
                            except: fewer,
                        }]
                    }
                    (
                        Kind::SplitAndPeer,
                        Peer::Pods {
                            namespaces: NamespaceScope::Matching(ns),
                            pods,
                        },
                    ) if !pods.is_everything() => vec![
                        Peer::Pods {
                            namespaces: NamespaceScope::Matching(ns.clone()),
                            pods: Default::default(),
                        },
                        Peer::Pods {
                            namespaces: NamespaceScope::PolicyNamespace,
                            pods: pods.clone(),
                        },
                    ],
                    _ => continue,
                };
                let mut q = p.clone();
                if let Some(peers) = rule_mut(&mut q, d, r).and_then(|x| x.peers.as_mut()) {
                    peers.splice(k..=k, replacement);
                }
                out.push(q);
            }
        }
        _ => {}
    }
    out
}

/// The program's verdict on the witness's side, from the oracle on the witness's cluster.
fn oracle_allows(compiled: &Compiled, w: &Witness, options: Options) -> bool {
    let cluster = load("witness.json", &w.manifests());
    let oracle = Oracle::new(&compiled.program, &cluster, options);
    let find = |name: &str| cluster.workloads.iter().position(|x| x.name == name);
    let pod = find(WITNESS_POD).expect("the witness pod");
    let other = match &w.point.other {
        OtherEnd::Address(ip) => Endpoint::Address(*ip),
        _ => Endpoint::Workload(find(WITNESS_PEER).expect("the peer")),
    };
    oracle.side_allows(
        w.point.direction,
        pod,
        other,
        w.point.protocol,
        w.point.port,
    )
}

/// Whether the engine gives two policy sets the same side verdicts on the program's
/// sampled clusters.
fn same_on_samples(compiled: &Compiled, a: &[NetworkPolicy], b: &[NetworkPolicy]) -> bool {
    (0..2).all(|seed| {
        let sample = sample_cluster(&compiled.program, seed);
        let mut ca = load("sample.yaml", &sample.yaml);
        let mut cb = ca.clone();
        ca.policies = a.to_vec();
        cb.policies = b.to_vec();
        let options = Options::default();
        let (ea, eb) = (Engine::new(&ca, options), Engine::new(&cb, options));
        let n = ca.workloads.len();
        let mut others: Vec<Endpoint> = (0..n).map(Endpoint::Workload).collect();
        others.extend(
            sample
                .probe
                .addresses
                .iter()
                .map(|ip| Endpoint::Address(*ip)),
        );
        (0..n).all(|s| {
            others.iter().all(|&o| {
                [Direction::Ingress, Direction::Egress].iter().all(|&d| {
                    let f = ea
                        .families(Endpoint::Workload(s), o)
                        .first()
                        .copied()
                        .flatten();
                    ea.side(d, s, o, f).ports == eb.side(d, s, o, f).ports
                })
            })
        })
    })
}

#[test]
fn corrupted_emitted_policies_are_rejected_with_confirmed_witnesses() {
    let kinds = [
        Kind::DropPolicy,
        Kind::ShiftPort,
        Kind::DropExcept,
        Kind::SplitAndPeer,
        Kind::DropPolicyType,
        Kind::Retarget,
        Kind::AddAllowAll,
    ];
    let mut rejected: BTreeMap<Kind, usize> = BTreeMap::new();
    let mut kept: BTreeMap<Kind, usize> = BTreeMap::new();
    let options = Options::default();
    for (name, compiled) in programs() {
        let original = policies(&emit::stream(&compiled.output));
        let program: Lifted = equiv::lift_intent(&compiled.intent, options);
        for kind in kinds {
            for mutant in mutants(&original, kind, 4) {
                match equiv::equivalent(&program, &equiv::lift_policies(&mutant, options)) {
                    Err(d) => {
                        *rejected.entry(kind).or_default() += 1;
                        for w in &d.witnesses {
                            let by_program = w.allowed_by == Which::Left;
                            assert_eq!(
                                oracle_allows(&compiled, w, options),
                                by_program,
                                "{name} {kind:?}: the oracle does not confirm\n{w}"
                            );
                            assert_eq!(
                                engine_allows(w, &mutant, options),
                                !by_program,
                                "{name} {kind:?}: the engine does not confirm\n{w}"
                            );
                        }
                    }
                    Ok(()) => {
                        *kept.entry(kind).or_default() += 1;
                        assert!(
                            same_on_samples(&compiled, &original, &mutant),
                            "{name} {kind:?}: judged equal, yet the engine differs on a sample"
                        );
                    }
                }
            }
        }
    }
    for kind in kinds {
        assert!(
            rejected.get(&kind).copied().unwrap_or(0) > 0,
            "no {kind:?} corruption was rejected: {rejected:?} (kept {kept:?})"
        );
    }
}
