//! The sample as Kubernetes YAML. Every string is written as a double-quoted JSON string,
//! which is also a YAML double-quoted scalar (YAML 1.2 is a superset of JSON), so no label
//! value can be misread as a number, a boolean or a null.

use super::Pod;
use crate::model::Labels;

fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

fn labels(out: &mut String, labels: &Labels, indent: &str) {
    if labels.is_empty() {
        return;
    }
    out.push_str(&format!("{indent}labels:\n"));
    for (k, v) in labels {
        out.push_str(&format!("{indent}  {}: {}\n", quoted(k), quoted(v)));
    }
}

/// A Namespace document.
pub(super) fn namespace(name: &str, ns_labels: &Labels) -> String {
    let mut out = format!(
        "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {}\n",
        quoted(name)
    );
    labels(&mut out, ns_labels, "  ");
    out
}

/// A bare Pod document: one container with the pod's ports, and its IP in the status.
pub(super) fn pod(namespace: &str, pod: &Pod) -> String {
    let mut out = format!(
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {}\n  namespace: {}\n",
        quoted(&pod.name),
        quoted(namespace)
    );
    labels(&mut out, &pod.labels, "  ");
    out.push_str(
        "spec:\n  containers:\n    - name: main\n      image: registry.k8s.io/pause:3.10\n",
    );
    if !pod.ports.is_empty() {
        out.push_str("      ports:\n");
        for (name, port, protocol) in &pod.ports {
            out.push_str(&format!(
                "        - {{name: {}, containerPort: {port}, protocol: {}}}\n",
                quoted(name),
                protocol.as_k8s()
            ));
        }
    }
    out.push_str(&format!(
        "status:\n  podIP: {}\n",
        quoted(&pod.ip.to_string())
    ));
    out
}
