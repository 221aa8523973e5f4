//! Pods and the pod templates of controllers, and how they become [`Workload`]s:
//! replica Pods of one controller collapse into one workload, controllers managed by
//! another controller in the input give way to it, and names are made unique.

use super::validate;
use super::walk::{
    as_int, as_object, child, element, field, index, labels, opt_bool, opt_list, opt_str, shorten,
    Ctx, Object,
};
use super::{ContainerPort, Note, NoteAbout, Origin, Workload};
use crate::ir::selector::Labels;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// What netpolc needs of a pod (or pod template).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodInfo {
    /// Labels.
    pub labels: Labels,
    /// Container ports, sorted and deduplicated.
    pub ports: Vec<ContainerPort>,
    /// IPs from status, sorted and deduplicated.
    pub ips: Vec<IpAddr>,
    /// `spec.hostNetwork`.
    pub host_network: bool,
}

/// A Pod or controller object, before collapse.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// Namespace.
    pub namespace: String,
    /// Object name.
    pub name: String,
    /// Object kind (`Pod`, `Deployment`, ...).
    pub kind: String,
    /// The pod (template) data.
    pub info: PodInfo,
    /// The controller owner reference: (kind, name).
    pub controller: Option<(String, String)>,
    /// Where it was declared.
    pub origin: Origin,
}

/// Where each controller kind keeps its pod template (API reference of each kind).
pub fn template_path(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => Some(&["spec", "template"]),
        "CronJob" => Some(&["spec", "jobTemplate", "spec", "template"]),
        _ => None,
    }
}

/// A Pod object: labels (from metadata, read by the caller), containers' ports,
/// `spec.hostNetwork`, and `status.podIPs` / `status.podIP`.
pub fn read_pod(ctx: &mut Ctx<'_>, root: &Object, labels: Labels) -> PodInfo {
    let mut info = PodInfo {
        labels,
        ..PodInfo::default()
    };
    if let Some(spec) = field(root, "spec").and_then(|v| as_object(ctx, v, "spec")) {
        read_pod_spec(ctx, spec, "spec", &mut info);
    }
    if let Some(status) = field(root, "status").and_then(|v| as_object(ctx, v, "status")) {
        let mut ips = BTreeSet::new();
        if let Some(ip) = opt_str(ctx, status, "podIP", "status") {
            push_ip(ctx, ip, "status.podIP", &mut ips);
        }
        for (i, entry) in opt_list(ctx, status, "podIPs", "status")
            .into_iter()
            .flatten()
            .enumerate()
        {
            let p = index("status.podIPs", i);
            if let Some(o) = as_object(ctx, entry, &p) {
                if let Some(ip) = opt_str(ctx, o, "ip", &p) {
                    push_ip(ctx, ip, &child(&p, "ip"), &mut ips);
                }
            }
        }
        info.ips = ips.into_iter().collect();
    }
    info
}

fn push_ip(ctx: &mut Ctx<'_>, s: &str, path: &str, ips: &mut BTreeSet<IpAddr>) {
    if s.is_empty() {
        return;
    }
    match validate::ip(s) {
        Ok(ip) => {
            ips.insert(ip);
        }
        Err(e) => ctx.invalid(path, e),
    }
}

/// A controller's pod template: its labels and ports; no IPs (no pod exists yet).
pub fn read_template(ctx: &mut Ctx<'_>, root: &Object, kind: &str) -> PodInfo {
    let mut info = PodInfo::default();
    let Some(steps) = template_path(kind) else {
        return info;
    };
    let mut cur = root;
    let mut path = String::new();
    for step in steps {
        path = child(&path, step);
        match field(cur, step).and_then(|v| as_object(ctx, v, &path)) {
            Some(o) => cur = o,
            None => {
                ctx.shape(
                    &path,
                    format!("required value: a {kind} needs a pod template"),
                );
                return info;
            }
        }
    }
    if let Some(meta) =
        field(cur, "metadata").and_then(|v| as_object(ctx, v, &child(&path, "metadata")))
    {
        if let Some(l) = field(meta, "labels") {
            info.labels = labels(ctx, l, &child(&path, "metadata.labels"));
        }
    }
    let spec_path = child(&path, "spec");
    if let Some(spec) = field(cur, "spec").and_then(|v| as_object(ctx, v, &spec_path)) {
        read_pod_spec(ctx, spec, &spec_path, &mut info);
    }
    info
}

/// PodSpec: `hostNetwork` and the ports of `containers` and `initContainers` (sidecars
/// are init containers and may serve), validated as core `validateContainerPorts` does.
fn read_pod_spec(ctx: &mut Ctx<'_>, spec: &Object, path: &str, info: &mut PodInfo) {
    info.host_network = opt_bool(ctx, spec, "hostNetwork", path).unwrap_or(false);
    let mut ports = BTreeSet::new();
    for key in ["containers", "initContainers"] {
        let list_path = child(path, key);
        for (i, c) in opt_list(ctx, spec, key, path)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let cp = index(&list_path, i);
            let Some(c) = as_object(ctx, c, &cp) else {
                continue;
            };
            let ports_path = child(&cp, "ports");
            for (j, p) in opt_list(ctx, c, "ports", &cp)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if let Some(port) = container_port(ctx, p, &index(&ports_path, j)) {
                    ports.insert(port);
                }
            }
        }
    }
    info.ports = ports.into_iter().collect();
}

/// One `ContainerPort`: `containerPort` required (IsValidPortNum), `name` an
/// IANA_SVC_NAME (IsValidPortName), `protocol` TCP, UDP or SCTP, default TCP.
fn container_port(ctx: &mut Ctx<'_>, v: &Value, path: &str) -> Option<ContainerPort> {
    let start = ctx.mark();
    let m = element(ctx, v, path)?;
    let name = opt_str(ctx, m, "name", path).filter(|n| !n.is_empty());
    if let Some(n) = name {
        let errs = validate::port_name(n);
        if !errs.is_empty() {
            ctx.invalid(
                &child(path, "name"),
                format!(
                    "`{}` is not a valid port name: {}",
                    shorten(n),
                    errs.join("; ")
                ),
            );
        }
    }
    let port_path = child(path, "containerPort");
    let port = match field(m, "containerPort") {
        None => {
            ctx.shape(&port_path, "required value");
            None
        }
        Some(v) => as_int(ctx, v, &port_path).and_then(|n| match validate::port_number(n) {
            Ok(p) => Some(p),
            Err(e) => {
                ctx.invalid(&port_path, format!("`{n}` {e}"));
                None
            }
        }),
    };
    let protocol = super::walk::protocol(ctx, m, path);
    if ctx.mark() != start {
        return None;
    }
    Some(ContainerPort {
        name: name.map(str::to_string),
        port: port?,
        protocol: protocol?,
    })
}

type ObjKey = (String, String, String); // namespace, kind, name

/// Follows controller owners through controllers present in the input: a ReplicaSet's
/// pods belong to its Deployment when the Deployment is in the input too.
fn top_owner(
    ns: &str,
    mut owner: (String, String),
    owners: &BTreeMap<ObjKey, (String, String)>,
    present: &BTreeSet<ObjKey>,
) -> (String, String) {
    // Bounded: ownership cycles are possible in hand-written input.
    for _ in 0..8 {
        let key = (ns.to_string(), owner.0.clone(), owner.1.clone());
        match owners.get(&key) {
            Some(next) if present.contains(&(ns.to_string(), next.0.clone(), next.1.clone())) => {
                owner = next.clone();
            }
            _ => break,
        }
    }
    owner
}

type GroupKey = (String, String, String); // namespace, owner kind, owner name

/// Turns candidates into workloads (see the module comment), sorted by (namespace, name).
pub fn assemble(candidates: Vec<Candidate>, notes: &mut Vec<Note>) -> Vec<Workload> {
    let (pods, templates): (Vec<Candidate>, Vec<Candidate>) =
        candidates.into_iter().partition(|c| c.kind == "Pod");
    let present: BTreeSet<ObjKey> = templates
        .iter()
        .map(|t| (t.namespace.clone(), t.kind.clone(), t.name.clone()))
        .collect();
    let owners: BTreeMap<ObjKey, (String, String)> = templates
        .iter()
        .filter_map(|t| {
            let o = t.controller.clone()?;
            Some(((t.namespace.clone(), t.kind.clone(), t.name.clone()), o))
        })
        .collect();

    let mut out: Vec<Workload> = Vec::new();
    // Replica pods, grouped by top owner, then by what makes them behave alike.
    let mut groups: BTreeMap<GroupKey, Vec<Vec<Candidate>>> = BTreeMap::new();
    for pod in pods {
        // A static pod's mirror is "controlled" by its Node, which has no pod template:
        // such a pod stands alone.
        let Some(owner) = pod.controller.clone().filter(|(kind, _)| kind != "Node") else {
            out.push(workload(
                &pod.namespace,
                &pod.name,
                "Pod",
                std::slice::from_ref(&pod),
                true,
            ));
            continue;
        };
        let (kind, name) = top_owner(&pod.namespace, owner, &owners, &present);
        let entry = groups
            .entry((pod.namespace.clone(), kind, name))
            .or_default();
        match entry
            .iter_mut()
            .find(|g| g.first().is_some_and(|f| same_behaviour(f, &pod)))
        {
            Some(g) => g.push(pod),
            None => entry.push(vec![pod]),
        }
    }
    let mut replaced: BTreeSet<GroupKey> = BTreeSet::new();
    for ((ns, kind, name), mut split) in groups {
        if let [group] = split.as_slice() {
            out.push(workload(&ns, &name, &kind, group, false));
        } else {
            split.sort_by(|a, b| first_name(a).cmp(first_name(b)));
            let origin = split
                .first()
                .and_then(|g| g.first())
                .map(|p| p.origin.clone());
            for group in &split {
                let pod_name = first_name(group).to_string();
                out.push(workload(&ns, &pod_name, &kind, group, group.len() == 1));
            }
            if let Some(origin) = origin {
                notes.push(Note::new(
                    NoteAbout::Workload,
                    &origin,
                    "",
                    format!(
                        "the pods of {kind} `{ns}/{name}` differ in labels, ports or hostNetwork; \
                         each kind of pod is a workload named after its first pod"
                    ),
                ));
            }
        }
        replaced.insert((ns, kind, name));
    }
    for t in templates {
        let key = (t.namespace.clone(), t.kind.clone(), t.name.clone());
        if replaced.contains(&key) {
            notes.push(Note::new(
                NoteAbout::Workload,
                &t.origin,
                "",
                format!(
                    "{} `{}/{}`: its Pods in the input stand for its pod template",
                    t.kind, t.namespace, t.name
                ),
            ));
            continue;
        }
        if let Some(owner) = &t.controller {
            let top = top_owner(&t.namespace, owner.clone(), &owners, &present);
            let top_key = (t.namespace.clone(), top.0.clone(), top.1.clone());
            if present.contains(&top_key) {
                notes.push(Note::new(
                    NoteAbout::Workload,
                    &t.origin,
                    "",
                    format!(
                        "{} `{}/{}` is managed by {} `{}`, which stands for its pods",
                        t.kind, t.namespace, t.name, top.0, top.1
                    ),
                ));
                continue;
            }
        }
        out.push(workload(
            &t.namespace,
            &t.name,
            &t.kind,
            std::slice::from_ref(&t),
            false,
        ));
    }
    make_names_unique(&mut out, notes);
    out.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    out
}

fn first_name(group: &[Candidate]) -> &str {
    group.iter().map(|c| c.name.as_str()).min().unwrap_or("")
}

/// Replicas behave alike when labels, ports and hostNetwork agree (IPs differ).
fn same_behaviour(a: &Candidate, b: &Candidate) -> bool {
    a.info.labels == b.info.labels
        && a.info.ports == b.info.ports
        && a.info.host_network == b.info.host_network
}

/// One workload from a group of alike candidates (all of one namespace).
fn workload(ns: &str, name: &str, kind: &str, group: &[Candidate], single_pod: bool) -> Workload {
    let first = group.first();
    let mut pods: Vec<String> = group
        .iter()
        .filter(|c| c.kind == "Pod")
        .map(|c| c.name.clone())
        .collect();
    pods.sort();
    let ips: BTreeSet<IpAddr> = group
        .iter()
        .flat_map(|c| c.info.ips.iter().copied())
        .collect();
    let origin = group
        .iter()
        .map(|c| c.origin.clone())
        .min()
        .unwrap_or_else(|| Origin {
            file: String::new(),
            document: 0,
        });
    Workload {
        namespace: ns.to_string(),
        name: name.to_string(),
        kind: kind.to_string(),
        labels: first.map(|c| c.info.labels.clone()).unwrap_or_default(),
        ports: first.map(|c| c.info.ports.clone()).unwrap_or_default(),
        ips: ips.into_iter().collect(),
        host_network: first.is_some_and(|c| c.info.host_network),
        single_pod,
        pods,
        origin,
    }
}

/// Workload names are unique within a namespace: on a clash, the first in (kind, name)
/// order keeps the name, the others get `name~kind` (lower case; `~` cannot occur in a
/// Kubernetes name, so the result cannot clash with a real one).
fn make_names_unique(out: &mut [Workload], notes: &mut Vec<Note>) {
    let mut by_name: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, w) in out.iter().enumerate() {
        by_name
            .entry((w.namespace.clone(), w.name.clone()))
            .or_default()
            .push(i);
    }
    let mut taken: BTreeSet<(String, String)> = by_name.keys().cloned().collect();
    for ((ns, name), mut idx) in by_name {
        if idx.len() < 2 {
            continue;
        }
        idx.sort_by_key(|&i| out.get(i).map(|w| (w.kind.clone(), w.origin.clone())));
        let keeper = idx
            .first()
            .and_then(|&i| out.get(i))
            .map(|w| w.kind.clone())
            .unwrap_or_default();
        for &i in idx.iter().skip(1) {
            let Some(w) = out.get_mut(i) else { continue };
            let base = format!("{name}~{}", w.kind.to_ascii_lowercase());
            let mut new = base.clone();
            let mut n = 2;
            while taken.contains(&(ns.clone(), new.clone())) {
                new = format!("{base}-{n}");
                n += 1;
            }
            taken.insert((ns.clone(), new.clone()));
            notes.push(Note::new(
                NoteAbout::Workload,
                &w.origin,
                "",
                format!(
                    "{} `{ns}/{name}` is named `{new}` because {keeper} `{ns}/{name}` has the name",
                    w.kind
                ),
            ));
            w.name = new;
        }
    }
}
