//! `load` never panics: arbitrary bytes, mutated manifests, manifest-shaped values.

use super::*;
use proptest::prelude::*;

const VALID: &str = include_str!("dump.yaml");

/// A mutation of a valid manifest: (position, kind, byte).
fn mutate(base: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut b = base.to_vec();
    for &(pos, kind, byte) in edits {
        if b.is_empty() {
            b.push(byte);
            continue;
        }
        let at = pos % b.len();
        match kind % 4 {
            0 => b[at] = byte,
            1 => b.insert(at, byte),
            2 => {
                b.remove(at);
            }
            // Structural characters are where parsers and walkers break.
            _ => {
                const STRUCTURAL: &[u8] = b":-[]{}&*!|>'\"#\n ";
                b.insert(at, STRUCTURAL[usize::from(byte) % STRUCTURAL.len()]);
            }
        }
    }
    b
}

/// Values shaped like manifests: field names from the schemas, scalars of every type.
fn value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    const KEYS: &[&str] = &[
        "podSelector",
        "namespaceSelector",
        "ipBlock",
        "cidr",
        "except",
        "ingress",
        "egress",
        "from",
        "to",
        "ports",
        "port",
        "endPort",
        "protocol",
        "policyTypes",
        "matchLabels",
        "matchExpressions",
        "key",
        "operator",
        "values",
        "name",
        "namespace",
        "labels",
        "annotations",
        "ownerReferences",
        "controller",
        "kind",
        "template",
        "metadata",
        "spec",
        "containers",
        "initContainers",
        "containerPort",
        "hostNetwork",
        "status",
        "podIP",
        "podIPs",
        "ip",
        "items",
        "jobTemplate",
        "app",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (0u16..70).prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(vec![
            "10.0.0.0/8",
            "10.1.0.0/16",
            "::/0",
            "TCP",
            "UDP",
            "In",
            "Exists",
            "Ingress",
            "Egress",
            "http",
            "web",
            "",
            "10.0.0.1",
            "Deployment",
            "ReplicaSet",
            "Pod",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..5).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

fn manifest() -> impl Strategy<Value = serde_json::Value> {
    let kinds = prop::sample::select(vec![
        ("networking.k8s.io/v1", "NetworkPolicy"),
        ("v1", "Pod"),
        ("v1", "Namespace"),
        ("apps/v1", "Deployment"),
        ("batch/v1", "CronJob"),
        ("v1", "List"),
    ]);
    (kinds, value(), value(), value(), value()).prop_map(
        |((api, kind), meta, spec, status, items)| {
            serde_json::json!({
                "apiVersion": api, "kind": kind, "metadata": meta, "spec": spec,
                "status": status, "items": items,
            })
        },
    )
}

proptest! {
    #![proptest_config(crate::kit::proptest::with_cases(512))]

    #[test]
    fn load_never_panics_on_manifest_shaped_values(docs in prop::collection::vec(manifest(), 1..4)) {
        let text: String = docs.iter().map(|d| format!("---\n{d}\n")).collect();
        let _ = load(&[Source { name: "v.yaml".into(), bytes: text.into_bytes() }]);
        if let Some(first) = docs.first() {
            let _ = load(&[Source { name: "v.json".into(), bytes: first.to_string().into_bytes() }]);
        }
    }

    #[test]
    fn load_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512), json in any::<bool>()) {
        let name = if json { "x.json" } else { "x.yaml" };
        let _ = load(&[Source { name: name.into(), bytes }]);
    }

    #[test]
    fn load_never_panics_on_mutated_manifests(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..12)) {
        let bytes = mutate(VALID.as_bytes(), &edits);
        if let Err(errs) = load(&[Source { name: "m.yaml".into(), bytes }]) {
            // Every error names its file, and has a code of the manifests' range.
            for e in errs {
                prop_assert_eq!(place(&e).0, "m.yaml");
                prop_assert!(!e.message.is_empty());
                prop_assert!(e.code.as_str().starts_with("NP07"), "{}", e.code);
            }
        }
    }
}
