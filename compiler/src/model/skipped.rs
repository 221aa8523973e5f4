//! Objects of kinds netpolc does not read, summed up per kind for the notes: one note per
//! kind with its count (a kube-prometheus checkout has more than a hundred such objects,
//! and one note each buried the ones that matter), and a distinct note for kinds that
//! create pods, whose pods are then missing from what netpolc maps.

use super::walk::{field, Object};
use super::{Note, NoteAbout, Origin};

/// Custom resources whose controllers create pods, by API group and kind, from the
/// operators' own documentation: their pods exist in the cluster but not in the input.
const CREATES_PODS: &[(&str, &[&str])] = &[
    (
        "monitoring.coreos.com",
        &[
            "Prometheus",
            "Alertmanager",
            "ThanosRuler",
            "PrometheusAgent",
        ],
    ),
    (
        "argoproj.io",
        &[
            "Rollout",
            "Workflow",
            "CronWorkflow",
            "Sensor",
            "EventSource",
        ],
    ),
    (
        "serving.knative.dev",
        &["Service", "Configuration", "Revision"],
    ),
    (
        "apps.kruise.io",
        &[
            "CloneSet",
            "StatefulSet",
            "DaemonSet",
            "BroadcastJob",
            "AdvancedCronJob",
        ],
    ),
    (
        "kafka.strimzi.io",
        &["Kafka", "KafkaConnect", "KafkaMirrorMaker2", "KafkaBridge"],
    ),
    ("elasticsearch.k8s.elastic.co", &["Elasticsearch"]),
    ("kibana.k8s.elastic.co", &["Kibana"]),
    ("postgresql.cnpg.io", &["Cluster"]),
    ("rabbitmq.com", &["RabbitmqCluster"]),
    ("tekton.dev", &["TaskRun", "PipelineRun"]),
    ("ray.io", &["RayCluster", "RayJob", "RayService"]),
    (
        "kubeflow.org",
        &["TFJob", "PyTorchJob", "MPIJob", "Notebook"],
    ),
    (
        "sparkoperator.k8s.io",
        &["SparkApplication", "ScheduledSparkApplication"],
    ),
    ("opentelemetry.io", &["OpenTelemetryCollector"]),
];

/// The skipped objects of one kind.
struct Kind {
    group: String,
    kind: String,
    count: usize,
    first: Origin,
    creates_pods: bool,
}

/// Skipped objects, per kind in the order first seen.
#[derive(Default)]
pub(super) struct Skipped {
    kinds: Vec<Kind>,
}

impl Skipped {
    /// Records one object of `kind`, served at `api_version`.
    pub fn add(&mut self, origin: &Origin, kind: &str, api_version: Option<&str>, root: &Object) {
        // `apps/v1` is group `apps`; a core version (`v1`) has no group.
        let group = api_version
            .and_then(|v| v.split_once('/'))
            .map_or("", |(g, _)| g);
        let creates_pods = creates_pods(group, kind, root);
        match self
            .kinds
            .iter_mut()
            .find(|k| k.group == group && k.kind == kind)
        {
            Some(k) => {
                k.count += 1;
                k.creates_pods |= creates_pods;
            }
            None => self.kinds.push(Kind {
                group: group.to_owned(),
                kind: kind.to_owned(),
                count: 1,
                first: origin.clone(),
                creates_pods,
            }),
        }
    }

    /// One note per kind, at its first object.
    pub fn notes(self) -> Vec<Note> {
        self.kinds
            .into_iter()
            .map(|k| {
                let kind = super::walk::shorten(&k.kind);
                // The note is at the first object; the count says how many more there are.
                let objects = if k.count == 1 {
                    String::new()
                } else {
                    format!(" ({} objects; this is the first)", k.count)
                };
                let message = if k.creates_pods {
                    let group = if k.group.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", super::walk::shorten(&k.group))
                    };
                    format!(
                        "kind `{kind}`{group} creates pods that netpolc cannot see: it reads \
                         Pods and the built-in workloads, not this kind{objects}; to \
                         include its pods, give them as Pods or as a StatefulSet with their labels"
                    )
                } else {
                    format!("skipped kind `{kind}`{objects}")
                };
                Note::new(NoteAbout::SkippedKind, &k.first, "", message)
            })
            .collect()
    }
}

/// Whether objects of `kind` create pods: a known operator's kind, or any object that
/// carries a pod template (`spec.template.spec.containers`, as custom workloads such as
/// Argo Rollouts and OpenKruise CloneSets do).
fn creates_pods(group: &str, kind: &str, root: &Object) -> bool {
    let known = CREATES_PODS
        .iter()
        .any(|(g, kinds)| *g == group && kinds.contains(&kind));
    let template = ["spec", "template", "spec", "containers"]
        .iter()
        .try_fold(None::<&serde_json::Value>, |at, key| {
            let object = match at {
                None => root,
                Some(v) => v.as_object()?,
            };
            field(object, key).map(Some)
        })
        .flatten()
        .is_some();
    known || template
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(yaml: &str) -> Object {
        match serde_json::from_str::<serde_json::Value>(yaml).unwrap() {
            serde_json::Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn one_note_per_kind_and_a_distinct_one_for_kinds_that_create_pods() {
        let mut s = Skipped::default();
        let at = |d| Origin {
            file: "m.yaml".into(),
            document: d,
        };
        let plain = object("{}");
        for d in 1..=40 {
            s.add(&at(d), "ConfigMap", Some("v1"), &plain);
        }
        s.add(
            &at(41),
            "Prometheus",
            Some("monitoring.coreos.com/v1"),
            &plain,
        );
        s.add(
            &at(42),
            "Rollout",
            Some("example.com/v1"),
            &object(r#"{"spec": {"template": {"spec": {"containers": []}}}}"#),
        );
        // The same name in a group whose controller is not known to create pods.
        s.add(&at(43), "Prometheus", Some("example.com/v1"), &plain);
        let notes: Vec<crate::diag::Diagnostic> =
            s.notes().into_iter().map(|n| n.diagnostic).collect();
        assert_eq!(notes.len(), 4, "{notes:?}");
        assert_eq!(
            notes[0].message,
            "skipped kind `ConfigMap` (40 objects; this is the first)"
        );
        let place = notes[0].primary.as_ref().and_then(|l| l.manifest.as_ref());
        assert_eq!(place.map(|m| m.document), Some(1));
        assert_eq!(notes[0].code, crate::diag::Code::NotRead);
        assert!(
            notes[1].message.starts_with(
                "kind `Prometheus` (monitoring.coreos.com) creates pods that netpolc cannot see"
            ),
            "{}",
            notes[1].message
        );
        assert!(
            notes[1].message.contains("not this kind; to include"),
            "{}",
            notes[1].message
        );
        assert!(
            notes[2].message.contains("creates pods"),
            "{}",
            notes[2].message
        );
        assert_eq!(notes[3].message, "skipped kind `Prometheus`");
    }
}
