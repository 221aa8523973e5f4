//! Loading policies, and confirming witnesses with the concrete engine: a witness is
//! only believed once a cluster built from it gives the two policy sets the verdicts it
//! claims.

use netpolc::model::{self, Cluster, Direction, NetworkPolicy, Source};
use netpolc::verify::equiv::{self, Lifted, OtherEnd, Which, Witness, WITNESS_PEER, WITNESS_POD};
use netpolc::verify::{Endpoint, Engine, Options};

/// Loads manifests, failing the test on any load error.
pub fn load(name: &str, text: &str) -> Cluster {
    model::load(&[Source {
        name: name.to_owned(),
        bytes: text.as_bytes().to_vec(),
    }])
    .unwrap_or_else(|errors| panic!("{name} does not load:\n{errors:#?}\n{text}"))
}

/// The policies of a YAML text.
pub fn policies(yaml: &str) -> Vec<NetworkPolicy> {
    load("policies.yaml", yaml).policies
}

/// Lifts policies with the default options (ipBlocks match pod IPs).
pub fn lift(policies: &[NetworkPolicy]) -> Lifted {
    equiv::lift_policies(policies, Options::default())
}

/// What the engine says about the witness's side, with `policies` applied to the cluster
/// the witness describes.
pub fn engine_allows(w: &Witness, policies: &[NetworkPolicy], options: Options) -> bool {
    let manifests = w.manifests();
    let mut cluster = load("witness.json", &manifests);
    cluster.policies = policies.to_vec();
    let engine = Engine::new(&cluster, options);
    let find = |name: &str| {
        cluster
            .workloads
            .iter()
            .position(|x| x.name == name)
            .unwrap_or_else(|| panic!("no {name} in\n{manifests}"))
    };
    let pod = Endpoint::Workload(find(WITNESS_POD));
    let other = match &w.point.other {
        OtherEnd::Pod { .. } | OtherEnd::HostNetworkPod { .. } => {
            Endpoint::Workload(find(WITNESS_PEER))
        }
        OtherEnd::Address(ip) => Endpoint::Address(*ip),
    };
    let (src, dst) = match w.point.direction {
        Direction::Egress => (pod, other),
        Direction::Ingress => (other, pod),
    };
    let c = engine
        .connection(src, dst, None)
        .unwrap_or_else(|e| panic!("{e:?} for\n{manifests}"));
    assert_eq!(c.per_family.len(), 1, "one family expected:\n{manifests}");
    let v = &c.per_family[0];
    let side = match w.point.direction {
        Direction::Egress => v.egress.as_ref(),
        Direction::Ingress => v.ingress.as_ref(),
    }
    .expect("the witness pod's side");
    let allows = side.ports.contains(w.point.protocol, w.point.port);
    if let OtherEnd::Address(_) = w.point.other {
        // Towards or from an outside address only the pod's side counts, so the whole
        // connection differs too.
        assert_eq!(c.allowed().contains(w.point.protocol, w.point.port), allows);
    }
    allows
}

/// [`confirm_with`] the default options.
pub fn confirm(w: &Witness, left: &[NetworkPolicy], right: &[NetworkPolicy]) {
    confirm_with(w, left, right, Options::default());
}

/// Fails unless the engine, on the witness's cluster, gives `left` and `right` the
/// verdicts the witness claims, and the lifts agree with the engine there.
pub fn confirm_with(
    w: &Witness,
    left: &[NetworkPolicy],
    right: &[NetworkPolicy],
    options: Options,
) {
    for (which, set) in [(Which::Left, left), (Which::Right, right)] {
        let expected = w.allowed_by == which;
        let got = engine_allows(w, set, options);
        assert_eq!(
            got,
            expected,
            "the engine does not confirm the witness for the {which} set:\n{w}\n{}",
            w.manifests()
        );
        let lifted = equiv::lift_policies(set, options);
        assert_eq!(lifted.allows(&w.point), expected, "lift disagrees: {w}");
    }
    assert!(
        !w.isolating.is_empty(),
        "a denying side must isolate the pod: {w}"
    );
}

/// Fails unless the two sets are equivalent, both ways.
pub fn assert_equivalent(a: &str, b: &str) {
    let (pa, pb) = (policies(a), policies(b));
    let (la, lb) = (lift(&pa), lift(&pb));
    if let Err(d) = equiv::equivalent(&la, &lb) {
        panic!("expected equivalent, got:\n{d}");
    }
    assert_eq!(equiv::difference(&la, &lb), None);
    assert_eq!(equiv::difference(&lb, &la), None);
}

/// Fails unless the two sets differ, and every witness is confirmed by the engine.
/// Returns the witnesses.
pub fn assert_differ(a: &str, b: &str) -> Vec<Witness> {
    let (pa, pb) = (policies(a), policies(b));
    let (la, lb) = (lift(&pa), lift(&pb));
    let Err(d) = equiv::equivalent(&la, &lb) else {
        panic!("expected a difference, got equivalence")
    };
    for w in &d.witnesses {
        confirm(w, &pa, &pb);
    }
    // `difference` finds the first witness each way, when there is one.
    let left = d.witnesses.iter().any(|w| w.allowed_by == Which::Left);
    let right = d.witnesses.iter().any(|w| w.allowed_by == Which::Right);
    let ab = equiv::difference(&la, &lb);
    let ba = equiv::difference(&lb, &la);
    assert_eq!(ab.is_some(), left);
    assert_eq!(ba.is_some(), right);
    if let Some(w) = ab {
        confirm(&w, &pa, &pb);
    }
    if let Some(w) = ba {
        confirm(&w, &pb, &pa);
    }
    d.witnesses
}
