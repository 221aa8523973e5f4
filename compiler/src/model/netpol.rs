//! NetworkPolicy (`networking.k8s.io/v1`): strict reading, the API server's validation
//! (`pkg/apis/networking/validation`) and defaulting (`pkg/apis/networking/v1/defaults.go`).
//!
//! The value is walked by hand so that every unknown field, wrong type and invalid
//! value is reported with its path, all at once.

use super::meta::Meta;
use super::validate;
use super::walk::{
    as_int, as_object, check_fields, child, element, field, index, opt_list, opt_str, selector,
    shorten, string_list, wrong_type, Ctx, Object,
};
use super::{NamespaceScope, NetworkPolicy, Note, NoteAbout, Peer, PolicyPort, PortSpec, Rule};
use crate::model::LabelSelector;
use serde_json::Value;

/// The CIDRs read as their network, each as (field path, message).
type HostBits = Vec<(String, String)>;

/// Top-level NetworkPolicy fields. `status` is accepted and ignored: it existed as an
/// alpha field (NetworkPolicyStatus, 1.24-1.27) and dumps of old clusters may carry it.
const TOP_FIELDS: &[&str] = &["apiVersion", "kind", "metadata", "spec", "status"];
const SPEC_FIELDS: &[&str] = &["podSelector", "policyTypes", "ingress", "egress"];
const INGRESS_FIELDS: &[&str] = &["from", "ports"];
const EGRESS_FIELDS: &[&str] = &["to", "ports"];
const PEER_FIELDS: &[&str] = &["podSelector", "namespaceSelector", "ipBlock"];
const IPBLOCK_FIELDS: &[&str] = &["cidr", "except"];
const PORT_FIELDS: &[&str] = &["protocol", "port", "endPort"];

/// Reads a NetworkPolicy whose metadata has been read. Returns `None` when any error was
/// found in it (all of them are in `ctx`), and pushes notes about ignored parts.
pub fn read(
    ctx: &mut Ctx<'_>,
    root: &Object,
    meta: Meta,
    notes: &mut Vec<Note>,
) -> Option<NetworkPolicy> {
    let start = ctx.mark();
    check_fields(ctx, root, "", TOP_FIELDS);
    let spec = match field(root, "spec") {
        Some(v) => as_object(ctx, v, "spec"),
        None => None,
    };
    let empty = Object::new();
    let spec = spec.unwrap_or(&empty);
    check_fields(ctx, spec, "spec", SPEC_FIELDS);

    // ValidateNetworkPolicySpec: ValidateLabelSelector on spec.podSelector. An absent
    // podSelector is the empty selector (all pods of the namespace).
    let pod_selector = field(spec, "podSelector")
        .map(|v| selector(ctx, v, "spec.podSelector"))
        .unwrap_or_default();

    let mut host_bits = Vec::new();
    let ingress = rules(ctx, spec, "ingress", "from", INGRESS_FIELDS, &mut host_bits);
    let egress = rules(ctx, spec, "egress", "to", EGRESS_FIELDS, &mut host_bits);
    let types = policy_types(ctx, spec);

    // SetDefaults_NetworkPolicySpec (networking/v1 defaults.go): when policyTypes is
    // empty, it becomes [Ingress], plus Egress when len(spec.Egress) != 0. Explicit
    // policyTypes are kept as given (duplicates are allowed: only "more than two" and
    // unsupported values are refused).
    let (isolates_ingress, isolates_egress) = match types {
        Some(t) if !t.is_empty() => (t.contains(&"Ingress"), t.contains(&"Egress")),
        _ => (true, !egress.is_empty()),
    };

    if ctx.mark() != start {
        return None;
    }
    let origin = ctx.origin.clone();
    let namespace = meta.namespace.unwrap_or_else(|| "default".to_string());
    for (path, message) in host_bits {
        notes.push(Note::new(
            NoteAbout::RefusedWhenNew,
            &origin,
            &ctx.full_path(&path),
            format!("NetworkPolicy `{namespace}/{}`: {message}", meta.name),
        ));
    }
    // API reference, NetworkPolicySpec.policyTypes: rules of a direction the policy does
    // not list are not enforced; say so rather than silently drop them.
    for (isolates, rules, dir, ty) in [
        (isolates_ingress, &ingress, "ingress", "Ingress"),
        (isolates_egress, &egress, "egress", "Egress"),
    ] {
        if !isolates && !rules.is_empty() {
            notes.push(Note::new(
                NoteAbout::NetworkPolicy,
                &origin,
                &ctx.full_path(&format!("spec.{dir}")),
                format!(
                    "NetworkPolicy `{namespace}/{}`: spec.{dir} is ignored because policyTypes \
                     does not include `{ty}`",
                    meta.name
                ),
            ));
        }
    }
    Some(NetworkPolicy {
        namespace,
        name: meta.name,
        pod_selector,
        isolates_ingress,
        isolates_egress,
        ingress,
        egress,
        origin,
    })
}

/// `spec.policyTypes`, checked as ValidateNetworkPolicySpec does; `None` when absent.
fn policy_types<'v>(ctx: &mut Ctx<'_>, spec: &'v Object) -> Option<Vec<&'v str>> {
    let list = opt_list(ctx, spec, "policyTypes", "spec")?;
    let path = "spec.policyTypes";
    // ValidateNetworkPolicySpec: "may not specify more than two policyTypes", and
    // upstream stops checking the entries there.
    if list.len() > 2 {
        ctx.invalid(path, "may not specify more than two policyTypes");
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let p = index(path, i);
        match v {
            Value::String(s) if s == "Ingress" || s == "Egress" => out.push(s.as_str()),
            Value::String(s) => ctx.invalid(
                &p,
                format!(
                    "unsupported value: `{}`: supported values: `Ingress`, `Egress`",
                    shorten(s)
                ),
            ),
            other => wrong_type(ctx, &p, "a string", other),
        }
    }
    Some(out)
}

/// `spec.ingress` or `spec.egress`: absent and `[]` are no rule.
fn rules(
    ctx: &mut Ctx<'_>,
    spec: &Object,
    key: &str,
    peers_key: &str,
    known: &[&str],
    host_bits: &mut HostBits,
) -> Vec<Rule> {
    let path = child("spec", key);
    let mut out = Vec::new();
    for (i, r) in opt_list(ctx, spec, key, "spec")
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = index(&path, i);
        let Some(m) = as_object(ctx, r, &p) else {
            // `- null` is an empty rule: matches everything, as `- {}` does.
            if r.is_null() {
                out.push(Rule {
                    peers: None,
                    ports: None,
                });
            }
            continue;
        };
        check_fields(ctx, m, &p, known);
        // API reference (NetworkPolicyIngressRule.ports / .from): "If this field is empty
        // or missing, this rule matches all ports / all sources".
        let ports_path = child(&p, "ports");
        let ports: Vec<PolicyPort> = opt_list(ctx, m, "ports", &p)
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(j, v)| port(ctx, v, &index(&ports_path, j)))
            .collect();
        let peers_path = child(&p, peers_key);
        let peers: Vec<Peer> = opt_list(ctx, m, peers_key, &p)
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(j, v)| peer(ctx, v, &index(&peers_path, j), host_bits))
            .collect();
        out.push(Rule {
            peers: (!peers.is_empty()).then_some(peers),
            ports: (!ports.is_empty()).then_some(ports),
        });
    }
    out
}

/// One `ports` entry: ValidateNetworkPolicyPort, with SetDefaults_NetworkPolicyPort
/// (protocol TCP when absent).
fn port(ctx: &mut Ctx<'_>, v: &Value, path: &str) -> Option<PolicyPort> {
    let start = ctx.mark();
    // `- null` is a port entry with every field unset: all TCP ports once defaulted.
    let m = element(ctx, v, path)?;
    check_fields(ctx, m, path, PORT_FIELDS);
    let protocol = super::walk::protocol(ctx, m, path);
    let port_path = child(path, "port");
    let end_path = child(path, "endPort");
    let end = field(m, "endPort").and_then(|v| as_int(ctx, v, &end_path));
    let spec = match field(m, "port") {
        // "may not be specified when `port` is not specified"
        None => {
            if end.is_some() {
                ctx.invalid(
                    &end_path,
                    "may not be specified when `port` is not specified",
                );
            }
            Some(PortSpec::All)
        }
        // IntOrString: a JSON string is always a name, even "80"; IsValidPortName.
        Some(Value::String(name)) => {
            if end.is_some() {
                ctx.invalid(&end_path, "may not be specified when `port` is non-numeric");
            }
            let errs = validate::port_name(name);
            if errs.is_empty() {
                Some(PortSpec::Named(name.clone()))
            } else {
                let hint = if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
                    " (a quoted number is a port name: write the number without quotes)"
                } else {
                    ""
                };
                ctx.invalid(
                    &port_path,
                    format!(
                        "`{}` is not a valid port name: {}{hint}",
                        shorten(name),
                        errs.join("; ")
                    ),
                );
                None
            }
        }
        // IsValidPortNum on port and endPort; endPort "must be greater than or equal to
        // `port`".
        Some(n @ Value::Number(_)) => {
            let start_n = as_int(ctx, n, &port_path)?;
            let start_p = match validate::port_number(start_n) {
                Ok(p) => Some(p),
                Err(e) => {
                    ctx.invalid(&port_path, format!("`{start_n}` {e}"));
                    None
                }
            };
            let end_p = match end {
                None => start_p,
                Some(e) => {
                    if e < start_n {
                        ctx.invalid(
                            &end_path,
                            format!("`{e}` must be greater than or equal to `port`"),
                        );
                    }
                    match validate::port_number(e) {
                        Ok(p) => Some(p),
                        Err(msg) => {
                            ctx.invalid(&end_path, format!("`{e}` {msg}"));
                            None
                        }
                    }
                }
            };
            match (start_p, end_p) {
                (Some(start), Some(end)) if start <= end => Some(PortSpec::Numbers { start, end }),
                _ => None,
            }
        }
        Some(other) => {
            wrong_type(ctx, &port_path, "a port number or name", other);
            None
        }
    };
    if ctx.mark() != start {
        return None;
    }
    Some(PolicyPort {
        protocol: protocol?,
        port: spec?,
    })
}

/// One peer: ValidateNetworkPolicyPeer.
fn peer(ctx: &mut Ctx<'_>, v: &Value, path: &str, host_bits: &mut HostBits) -> Option<Peer> {
    let start = ctx.mark();
    let Some(m) = as_object(ctx, v, path) else {
        if v.is_null() {
            ctx.shape(path, "required value: must specify a peer");
        }
        return None;
    };
    check_fields(ctx, m, path, PEER_FIELDS);
    let pods = field(m, "podSelector").map(|v| selector(ctx, v, &child(path, "podSelector")));
    let namespaces =
        field(m, "namespaceSelector").map(|v| selector(ctx, v, &child(path, "namespaceSelector")));
    let block =
        field(m, "ipBlock").and_then(|v| ip_block(ctx, v, &child(path, "ipBlock"), host_bits));
    let has_block = field(m, "ipBlock").is_some();
    let count =
        usize::from(pods.is_some()) + usize::from(namespaces.is_some()) + usize::from(has_block);
    if count == 0 {
        ctx.shape(path, "required value: must specify a peer");
    } else if count > 1 && has_block {
        ctx.invalid(
            path,
            "forbidden: may not specify both ipBlock and another peer",
        );
    }
    if ctx.mark() != start {
        return None;
    }
    if has_block {
        return block;
    }
    // API reference, NetworkPolicyPeer: namespaceSelector alone selects all pods in the
    // matching namespaces; podSelector alone, pods in the policy's namespace.
    Some(Peer::Pods {
        namespaces: match namespaces {
            Some(sel) => NamespaceScope::Matching(sel),
            None => NamespaceScope::PolicyNamespace,
        },
        pods: pods.unwrap_or_else(LabelSelector::everything),
    })
}

/// `cidr` as its network; when it had bits set beyond its prefix, says so in `host_bits`.
fn network(
    cidr: crate::ir::Cidr,
    written: &str,
    path: &str,
    host_bits: &mut HostBits,
) -> crate::ir::Cidr {
    if !cidr.has_host_bits() {
        return cidr;
    }
    let network = cidr.network();
    let message = format!(
        "`{}` has bits set beyond its prefix length and is read as `{network}`, as \
         network plugins read it; an API server with strict CIDR validation \
         (StrictIPCIDRValidation, on by default since 1.36; KEP 4858) refuses it in a new \
         object, while an existing object keeps it (the check ratchets): write `{network}`",
        super::walk::shorten(written)
    );
    host_bits.push((path.to_owned(), message));
    network
}

/// `ipBlock`: ValidateIPBlock (cidr required and valid, each except valid and a strict
/// subset of the cidr). A CIDR with bits set beyond its prefix (`192.168.242.213/24`) is
/// read as its network, as network plugins read it (Go's `net.ParseCIDR` returns the
/// masked network), with a message in `host_bits`: existing objects keep such values,
/// but an API server with strict validation refuses them in a new object.
fn ip_block(ctx: &mut Ctx<'_>, v: &Value, path: &str, host_bits: &mut HostBits) -> Option<Peer> {
    let start = ctx.mark();
    let Some(m) = as_object(ctx, v, path) else {
        if v.is_null() {
            ctx.shape(&child(path, "cidr"), "required value");
        }
        return None;
    };
    check_fields(ctx, m, path, IPBLOCK_FIELDS);
    let cidr_path = child(path, "cidr");
    let raw = opt_str(ctx, m, "cidr", path);
    let cidr = match raw {
        None | Some("") => {
            // A value of the wrong type was reported already.
            if raw.is_some() || field(m, "cidr").is_none() {
                ctx.shape(&cidr_path, "required value");
            }
            None
        }
        Some(s) => match validate::cidr_allowing_host_bits(s) {
            Ok(c) => Some(network(c, s, &cidr_path, host_bits)),
            Err(e) => {
                ctx.invalid(&cidr_path, e);
                None
            }
        },
    };
    // Upstream checks the excepts against the sloppily parsed cidr (ParseCIDRSloppy, host
    // bits cleared) even when the strict check refused it, so the user sees both problems.
    let sloppy = cidr.or_else(|| {
        raw.and_then(|s| s.parse::<crate::ir::Cidr>().ok())
            .map(|c| c.network())
    });
    let except_path = child(path, "except");
    let excepts = opt_list(ctx, m, "except", path)
        .map(|l| string_list(ctx, l, &except_path))
        .unwrap_or_default();
    let mut except = Vec::new();
    for (i, s) in excepts.iter().enumerate() {
        let p = index(&except_path, i);
        match validate::cidr_allowing_host_bits(s) {
            Ok(e) => {
                let e = network(e, s, &p, host_bits);
                if let Some(c) = &sloppy {
                    if let Err(msg) = validate::except_inside(c, &e) {
                        ctx.invalid(&p, msg);
                    }
                }
                except.push(e);
            }
            Err(msg) => ctx.invalid(&p, msg),
        }
    }
    if ctx.mark() != start {
        return None;
    }
    Some(Peer::IpBlock {
        cidr: cidr?,
        except,
    })
}
