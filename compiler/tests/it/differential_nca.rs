//! Differential test: `netpolc reach` against NCA (network-config-analyzer), an
//! independent implementation of the NetworkPolicy semantics.
//!
//! For every seed in [`SEEDS`] the random cluster generator
//! (`examples/gen_cluster.rs`) writes a small cluster; both tools compute its
//! connectivity; both answers are normalised to the same facts and compared:
//!
//! * workload → workload: per ordered pair, the allowed ports per protocol
//!   (TCP, UDP, SCTP);
//! * workload ↔ outside: per workload and direction, the allowed
//!   (address, port) set per protocol, in a canonical form (addresses cut into
//!   maximal ranges with the same port set).
//!
//! Then a `--query` file of sampled (src, dst, protocol, port) points, many of
//! them on the edges of NCA's ranges, is answered by netpolc and each
//! `"allowed"` is checked against NCA's connectivity.
//!
//! The random clusters leave out the constructs where NCA departs from the
//! Kubernetes API (the list and the reasons are at the top of
//! `examples/gen_cluster.rs` and in `docs/peers/nca.md`): there the API wins
//! and NCA is not a usable oracle.
//!
//! NCA is found through `NETPOLC_NCA` (the `nca` executable; `.ci/peers.sh`
//! installs it and prints the path). Without it the test is skipped, except
//! under `CI`, where it fails.

#[allow(dead_code)]
#[path = "../../examples/gen_cluster.rs"]
mod gen_cluster;

use gen_cluster::{Cluster, Peer, Rng};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Seeds of the random clusters. NCA takes about half a second per cluster.
const SEEDS: std::ops::Range<u64> = 0..80;

/// How many query points to sample per cluster.
const QUERIES_PER_SEED: usize = 48;

const PROTOCOLS: [&str; 3] = ["TCP", "UDP", "SCTP"];

/// Allowed ports per protocol (TCP, UDP, SCTP), each a sorted list of disjoint,
/// non-adjacent inclusive ranges.
type Ports = [Vec<(u16, u16)>; 3];

/// Address family and inclusive address range, plus its port set.
type Segment = (u8, u128, u128, Vec<(u16, u16)>);

/// The facts both tools are reduced to.
#[derive(Default, Debug, PartialEq, Eq)]
struct Facts {
    /// (src, dst) → ports; absent when nothing is allowed.
    pairs: BTreeMap<(String, String), Ports>,
    /// (workload, "ingress"|"egress", protocol index) → canonical segments.
    outside: BTreeMap<(String, String, usize), Vec<Segment>>,
}

/// Address family, address range, port range.
type Rect = (u8, u128, u128, u16, u16);

/// Raw facts before normalisation.
#[derive(Default)]
struct RawFacts {
    pairs: BTreeMap<(String, String), Ports>,
    /// (workload, direction, protocol) → (family, lo, hi, port lo, port hi).
    rects: BTreeMap<(String, String, usize), Vec<Rect>>,
}

fn nca_path() -> Option<PathBuf> {
    match std::env::var_os("NETPOLC_NCA") {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "NCA not installed, and CI must run the differential test: \
                     run .ci/peers.sh and set NETPOLC_NCA"
                );
            }
            eprintln!(
                "differential_nca: skipped: NCA not installed: run .ci/peers.sh and set NETPOLC_NCA"
            );
            None
        }
    }
}

// ---------------------------------------------------------------------------
// Normalisation

fn merge_ports(mut v: Vec<(u16, u16)>) -> Vec<(u16, u16)> {
    v.sort_unstable();
    let mut out: Vec<(u16, u16)> = Vec::new();
    for (lo, hi) in v {
        if let Some(last) = out.last_mut() {
            if lo as u32 <= last.1 as u32 + 1 {
                last.1 = last.1.max(hi);
                continue;
            }
        }
        out.push((lo, hi));
    }
    out
}

fn complement_ports(v: &[(u16, u16)]) -> Vec<(u16, u16)> {
    let mut out = Vec::new();
    let mut next: u32 = 1;
    for &(lo, hi) in v {
        if (lo as u32) > next {
            out.push((next as u16, lo - 1));
        }
        next = hi as u32 + 1;
    }
    if next <= 65535 {
        out.push((next as u16, 65535));
    }
    out
}

fn family_max(family: u8) -> u128 {
    if family == 4 {
        u32::MAX as u128
    } else {
        u128::MAX
    }
}

/// Cuts the address axis at every rectangle edge, gives each piece the union of
/// the port ranges covering it, and merges neighbours with equal port sets.
fn canonical(rects: &[Rect]) -> Vec<Segment> {
    let mut out = Vec::new();
    for family in [4u8, 6] {
        let rs: Vec<_> = rects.iter().filter(|r| r.0 == family).collect();
        if rs.is_empty() {
            continue;
        }
        let max = family_max(family);
        let mut starts: BTreeSet<u128> = BTreeSet::new();
        starts.insert(0);
        for r in &rs {
            starts.insert(r.1);
            if r.2 < max {
                starts.insert(r.2 + 1);
            }
        }
        let starts: Vec<u128> = starts.into_iter().collect();
        let mut segs: Vec<Segment> = Vec::new();
        for (i, &s) in starts.iter().enumerate() {
            let e = if i + 1 < starts.len() {
                starts[i + 1] - 1
            } else {
                max
            };
            let ports = merge_ports(
                rs.iter()
                    .filter(|r| r.1 <= s && s <= r.2)
                    .map(|r| (r.3, r.4))
                    .collect(),
            );
            if ports.is_empty() {
                continue;
            }
            match segs.last_mut() {
                Some(last) if last.2.checked_add(1) == Some(s) && last.3 == ports => last.2 = e,
                _ => segs.push((family, s, e, ports)),
            }
        }
        out.extend(segs);
    }
    out
}

impl RawFacts {
    fn add_pair(&mut self, src: &str, dst: &str, ports: &Ports) {
        let e = self
            .pairs
            .entry((src.to_string(), dst.to_string()))
            .or_default();
        for p in 0..3 {
            e[p].extend(ports[p].iter().copied());
        }
    }

    fn add_outside(&mut self, wl: &str, dir: &str, family: u8, lo: u128, hi: u128, ports: &Ports) {
        for (p, ranges) in ports.iter().enumerate() {
            let e = self
                .rects
                .entry((wl.to_string(), dir.to_string(), p))
                .or_default();
            for &(plo, phi) in ranges {
                e.push((family, lo, hi, plo, phi));
            }
        }
    }

    fn finish(self) -> Facts {
        let mut f = Facts::default();
        for (k, v) in self.pairs {
            let v: Ports = v.map(merge_ports);
            if v.iter().any(|p| !p.is_empty()) {
                f.pairs.insert(k, v);
            }
        }
        for (k, v) in self.rects {
            let segs = canonical(&v);
            if !segs.is_empty() {
                f.outside.insert(k, segs);
            }
        }
        f
    }
}

fn fmt_ip(family: u8, a: u128) -> String {
    if family == 4 {
        Ipv4Addr::from(a as u32).to_string()
    } else {
        Ipv6Addr::from(a).to_string()
    }
}

fn fmt_ports(p: &[(u16, u16)]) -> String {
    p.iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn fmt_pair_ports(p: &Ports) -> String {
    let mut parts = Vec::new();
    for (i, name) in PROTOCOLS.iter().enumerate() {
        if !p[i].is_empty() {
            parts.push(format!("{name} {}", fmt_ports(&p[i])));
        }
    }
    parts.join("; ")
}

fn fmt_segments(s: &[Segment]) -> String {
    s.iter()
        .map(|(f, lo, hi, ports)| {
            format!(
                "{}-{} {}",
                fmt_ip(*f, *lo),
                fmt_ip(*f, *hi),
                fmt_ports(ports)
            )
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// A readable diff of two fact sets; empty when they agree.
fn diff(netpolc: &Facts, nca: &Facts) -> String {
    let mut out = String::new();
    let keys: BTreeSet<_> = netpolc.pairs.keys().chain(nca.pairs.keys()).collect();
    for k in keys {
        let a = netpolc.pairs.get(k);
        let b = nca.pairs.get(k);
        if a != b {
            out += &format!(
                "  {} -> {}\n    netpolc: {}\n    nca:     {}\n",
                k.0,
                k.1,
                a.map(fmt_pair_ports).unwrap_or_else(|| "(nothing)".into()),
                b.map(fmt_pair_ports).unwrap_or_else(|| "(nothing)".into()),
            );
        }
    }
    let keys: BTreeSet<_> = netpolc.outside.keys().chain(nca.outside.keys()).collect();
    for k in keys {
        let a = netpolc.outside.get(k);
        let b = nca.outside.get(k);
        if a != b {
            out += &format!(
                "  {} outside {} {}\n    netpolc: {}\n    nca:     {}\n",
                k.0,
                k.1,
                PROTOCOLS[k.2],
                a.map(|s| fmt_segments(s))
                    .unwrap_or_else(|| "(nothing)".into()),
                b.map(|s| fmt_segments(s))
                    .unwrap_or_else(|| "(nothing)".into()),
            );
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Parsing

fn parse_ip(s: &str) -> Result<(u8, u128), String> {
    match s.trim().parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => Ok((4, u32::from(a) as u128)),
        Ok(IpAddr::V6(a)) => Ok((6, u128::from(a))),
        Err(_) => Err(format!("bad IP address {s:?}")),
    }
}

fn parse_cidr(s: &str) -> Result<(u8, u128, u128), String> {
    let (addr, len) = s.split_once('/').ok_or(format!("bad CIDR {s:?}"))?;
    let (family, a) = parse_ip(addr)?;
    let bits = if family == 4 { 32 } else { 128 };
    let len: u32 = len.parse().map_err(|_| format!("bad CIDR {s:?}"))?;
    if len > bits {
        return Err(format!("bad CIDR {s:?}"));
    }
    let host = if len == bits {
        0
    } else {
        family_max(family) >> len
    };
    Ok((family, a & !host, (a & !host) | host))
}

fn parse_port_range(s: &str) -> Result<(u16, u16), String> {
    let s = s.trim();
    let bad = || format!("bad port range {s:?}");
    match s.split_once('-') {
        Some((a, b)) => Ok((a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?)),
        None => {
            let p = s.parse().map_err(|_| bad())?;
            Ok((p, p))
        }
    }
}

/// One `{key:value,...}` cube of NCA's connection text.
fn parse_cube(body: &str) -> Result<Ports, String> {
    let mut items: Vec<(String, Vec<String>)> = Vec::new();
    for tok in body.split(',') {
        let key_len = tok
            .find(':')
            .filter(|&i| i > 0 && tok[..i].chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        match key_len {
            Some(i) => items.push((tok[..i].to_string(), vec![tok[i + 1..].to_string()])),
            None => match items.last_mut() {
                Some(last) => last.1.push(tok.to_string()),
                None => return Err(format!("bad cube {body:?}")),
            },
        }
    }
    let mut protocols = [true; 3];
    let mut ports = vec![(1u16, 65535u16)];
    for (key, vals) in items {
        match key.as_str() {
            "protocols" => {
                let mut names: Vec<String> = vals.iter().map(|v| v.trim().to_string()).collect();
                let negate = names[0].starts_with("all but ");
                if negate {
                    names[0] = names[0]["all but ".len()..].to_string();
                }
                for (i, p) in PROTOCOLS.iter().enumerate() {
                    protocols[i] = names.iter().any(|n| n == p) != negate;
                }
            }
            "dst_ports" => {
                ports = vals
                    .iter()
                    .map(|v| parse_port_range(v))
                    .collect::<Result<_, _>>()?;
            }
            other => return Err(format!("unsupported NCA dimension {other:?} in {body:?}")),
        }
    }
    let ports = merge_ports(ports);
    Ok(std::array::from_fn(|i| {
        if protocols[i] {
            ports.clone()
        } else {
            vec![]
        }
    }))
}

/// NCA's connection text: `All connections`, `No connections`, cubes
/// `{...},{...}`, or `All but ` cubes.
fn parse_conn(s: &str) -> Result<Ports, String> {
    let s = s.trim();
    if s == "All connections" {
        return Ok(std::array::from_fn(|_| vec![(1, 65535)]));
    }
    if s == "No connections" {
        return Ok(Default::default());
    }
    let (negate, body) = match s.strip_prefix("All but ") {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let mut acc: Ports = Default::default();
    let mut rest = body.trim();
    while !rest.is_empty() {
        let inner = rest
            .strip_prefix('{')
            .ok_or(format!("bad connection text {s:?}"))?;
        let end = inner
            .find('}')
            .ok_or(format!("bad connection text {s:?}"))?;
        let cube = parse_cube(&inner[..end])?;
        for p in 0..3 {
            acc[p].extend(cube[p].iter().copied());
        }
        rest = inner[end + 1..].trim_start_matches(',').trim();
    }
    let acc: Ports = acc.map(merge_ports);
    Ok(if negate {
        acc.map(|p| complement_ports(&p))
    } else {
        acc
    })
}

/// An NCA endpoint: a pod (`ns/name`) or address ranges.
enum Endpoint {
    Pod(String),
    Ips(Vec<(u8, u128, u128)>),
}

fn parse_endpoint(s: &str, pods: &BTreeMap<String, String>) -> Result<Endpoint, String> {
    let s = s.trim();
    if s.contains('/') {
        return pods
            .get(s)
            .map(|w| Endpoint::Pod(w.clone()))
            .ok_or(format!("NCA names an unknown pod {s:?}"));
    }
    let mut ranges = Vec::new();
    for part in s.split(',') {
        let (lo, hi) = part.split_once('-').unwrap_or((part, part));
        let (f1, a) = parse_ip(lo)?;
        let (f2, b) = parse_ip(hi)?;
        if f1 != f2 || a > b {
            return Err(format!("bad address range {part:?}"));
        }
        ranges.push((f1, a, b));
    }
    Ok(Endpoint::Ips(ranges))
}

/// NCA's `txt_no_fw_rules` output → facts. `pods` maps NCA's pod names to
/// workload ids.
fn nca_facts(out: &str, pods: &BTreeMap<String, String>) -> Result<Facts, String> {
    let mut raw = RawFacts::default();
    for line in out.lines() {
        let Some((src, rest)) = line.split_once(" => ") else {
            continue;
        };
        let (dst, conn) = rest
            .split_once(" : ")
            .ok_or(format!("bad NCA line {line:?}"))?;
        let ports = parse_conn(conn).map_err(|e| format!("{e} (line {line:?})"))?;
        match (parse_endpoint(src, pods)?, parse_endpoint(dst, pods)?) {
            (Endpoint::Pod(a), Endpoint::Pod(b)) => raw.add_pair(&a, &b, &ports),
            (Endpoint::Ips(r), Endpoint::Pod(w)) => {
                for (f, lo, hi) in r {
                    raw.add_outside(&w, "ingress", f, lo, hi, &ports);
                }
            }
            (Endpoint::Pod(w), Endpoint::Ips(r)) => {
                for (f, lo, hi) in r {
                    raw.add_outside(&w, "egress", f, lo, hi, &ports);
                }
            }
            (Endpoint::Ips(_), Endpoint::Ips(_)) => {
                return Err(format!("NCA line between two address ranges: {line:?}"))
            }
        }
    }
    Ok(raw.finish())
}

fn json_ports(v: &Value) -> Result<Ports, String> {
    let mut p: Ports = Default::default();
    for e in v.as_array().ok_or("ports is not an array")? {
        let proto = e["protocol"].as_str().ok_or("port without protocol")?;
        let i = PROTOCOLS
            .iter()
            .position(|x| x.eq_ignore_ascii_case(proto))
            .ok_or(format!("unknown protocol {proto}"))?;
        let lo = e["start"].as_u64().ok_or("port without start")? as u16;
        let hi = e["end"].as_u64().ok_or("port without end")? as u16;
        p[i].push((lo, hi));
    }
    Ok(p)
}

/// `netpolc reach -o json` → facts. `compare_self` says which workloads' self
/// pairs NCA can show (controllers with two or more replicas).
fn netpolc_facts(v: &Value, compare_self: &BTreeSet<String>) -> Result<Facts, String> {
    let mut raw = RawFacts::default();
    for c in v["connections"].as_array().ok_or("no connections array")? {
        let src = c["src"].as_str().ok_or("connection without src")?;
        let dst = c["dst"].as_str().ok_or("connection without dst")?;
        if src == dst && !compare_self.contains(src) {
            continue;
        }
        raw.add_pair(src, dst, &json_ports(&c["ports"])?);
    }
    for o in v["outside"].as_array().ok_or("no outside array")? {
        let wl = o["workload"].as_str().ok_or("outside without workload")?;
        let dir = o["direction"].as_str().ok_or("outside without direction")?;
        for a in o["allowed"].as_array().ok_or("outside without allowed")? {
            let ports = json_ports(&a["ports"])?;
            for cidr in a["cidrs"].as_array().ok_or("allowed without cidrs")? {
                let (f, lo, hi) = parse_cidr(cidr.as_str().ok_or("cidr is not a string")?)?;
                raw.add_outside(wl, dir, f, lo, hi, &ports);
            }
        }
    }
    Ok(raw.finish())
}

// ---------------------------------------------------------------------------
// Running the tools

fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed ({}):\n{}\n{}",
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(stdout)
}

fn run_nca(nca: &Path, dir: &Path) -> Result<String, String> {
    let out = run(Command::new(nca)
        .arg("--connectivity")
        .arg("-r")
        .arg(dir)
        .args([
            "-o",
            "txt_no_fw_rules",
            "--output_endpoints",
            "pods",
            "--print_ipv6",
        ]))?;
    if out.lines().any(|l| l.starts_with("Error")) {
        return Err(format!("NCA reported an error:\n{out}"));
    }
    Ok(out)
}

fn netpolc(dir: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_netpolc"));
    cmd.arg("reach").arg(dir).args(extra);
    cmd
}

/// NCA's pod names → workload ids, and the workloads whose self pairs count.
fn pod_names(c: &Cluster) -> (BTreeMap<String, String>, BTreeSet<String>) {
    let mut names = BTreeMap::new();
    let mut with_self = BTreeSet::new();
    for w in &c.workloads {
        if w.is_pod() {
            names.insert(w.id(), w.id());
        } else {
            for i in 1..=w.replicas.min(2) {
                names.insert(format!("{}-{i}", w.id()), w.id());
            }
            if w.replicas >= 2 {
                with_self.insert(w.id());
            }
        }
    }
    (names, with_self)
}

// ---------------------------------------------------------------------------
// Queries

fn nca_allows(
    facts: &Facts,
    src: &Value,
    dst: &Value,
    workloads: &BTreeSet<String>,
    proto: usize,
    port: u16,
) -> bool {
    let in_ports = |p: &[(u16, u16)]| p.iter().any(|&(a, b)| a <= port && port <= b);
    let (s, d) = (src.as_str().unwrap(), dst.as_str().unwrap());
    match (workloads.contains(s), workloads.contains(d)) {
        (true, true) => facts
            .pairs
            .get(&(s.to_string(), d.to_string()))
            .is_some_and(|p| in_ports(&p[proto])),
        (ws, _) => {
            let (wl, dir, ip) = if ws {
                (s, "egress", d)
            } else {
                (d, "ingress", s)
            };
            let (f, a) = parse_ip(ip).unwrap();
            facts
                .outside
                .get(&(wl.to_string(), dir.to_string(), proto))
                .is_some_and(|segs| {
                    segs.iter()
                        .any(|(sf, lo, hi, p)| *sf == f && *lo <= a && a <= *hi && in_ports(p))
                })
        }
    }
}

/// Sampled query points: workload pairs and workload/address pairs, ports on
/// the edges of NCA's ranges, on container ports and at random.
fn sample_queries(seed: u64, c: &Cluster, nca: &Facts, with_self: &BTreeSet<String>) -> Vec<Value> {
    let mut rng = Rng::new(seed.wrapping_mul(7919).wrapping_add(17));
    let ids: Vec<String> = c.workloads.iter().map(|w| w.id()).collect();
    let pod_ips: BTreeSet<String> = c.workloads.iter().flat_map(|w| w.ips.clone()).collect();
    let mut ips: BTreeSet<(u8, u128)> = BTreeSet::new();
    for ip in [
        "8.8.8.8",
        "10.0.0.1",
        "192.168.1.1",
        "2001:db8::1",
        "fd00::1",
    ] {
        ips.insert(parse_ip(ip).unwrap());
    }
    for segs in nca.outside.values() {
        for (f, lo, hi, _) in segs {
            ips.insert((*f, *lo));
            ips.insert((*f, *hi));
        }
    }
    for p in &c.policies {
        for r in p.ingress.iter().chain(p.egress.iter()).flatten() {
            for peer in r.peers.iter().flatten() {
                if let Peer::Block { cidr, except } = peer {
                    for b in std::iter::once(cidr).chain(except) {
                        let (f, lo, hi) = parse_cidr(b).unwrap();
                        ips.insert((f, lo));
                        ips.insert((f, hi));
                        if lo > 0 {
                            ips.insert((f, lo - 1));
                        }
                        if hi < family_max(f) {
                            ips.insert((f, hi + 1));
                        }
                    }
                }
            }
        }
    }
    let ips: Vec<String> = ips
        .into_iter()
        .map(|(f, a)| fmt_ip(f, a))
        .filter(|ip| !pod_ips.contains(ip))
        .collect();
    let mut out = Vec::new();
    while out.len() < QUERIES_PER_SEED {
        let a = rng.pick(&ids).clone();
        let b = rng.pick(&ids).clone();
        let proto = rng.below(3) as usize;
        // Candidate ports: edges of NCA's ranges for this point, container
        // ports of the destination, and random ones.
        let mut cands: Vec<u16> = vec![1, 53, 80, 443, 5432, 8080, 65535];
        cands.push(rng.range(1, 65535) as u16);
        let mut edges = |ranges: &[(u16, u16)]| {
            for &(lo, hi) in ranges {
                cands.extend([lo, hi, lo.saturating_sub(1).max(1), hi.saturating_add(1)]);
            }
        };
        let (src, dst) = match rng.below(4) {
            0 => {
                for seg in nca
                    .outside
                    .get(&(a.clone(), "egress".into(), proto))
                    .into_iter()
                    .flatten()
                {
                    edges(&seg.3);
                }
                (Value::String(a), json!(rng.pick(&ips)))
            }
            1 => {
                for seg in nca
                    .outside
                    .get(&(b.clone(), "ingress".into(), proto))
                    .into_iter()
                    .flatten()
                {
                    edges(&seg.3);
                }
                (json!(rng.pick(&ips)), Value::String(b.clone()))
            }
            _ => {
                if a == b && !with_self.contains(&a) {
                    continue;
                }
                if let Some(p) = nca.pairs.get(&(a.clone(), b.clone())) {
                    edges(&p[proto]);
                }
                (Value::String(a), Value::String(b.clone()))
            }
        };
        if dst.is_string() && dst.as_str() == Some(b.as_str()) {
            for w in c.workloads.iter().filter(|w| w.id() == b) {
                cands.extend(w.ports.iter().map(|p| p.port));
            }
        }
        let port = *rng.pick(&cands);
        out.push(json!({"src": src, "dst": dst, "protocol": PROTOCOLS[proto], "port": port}));
    }
    out
}

// ---------------------------------------------------------------------------
// The checks

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("differential_nca")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// What one comparison covered.
#[derive(Default, Debug)]
struct Stats {
    pairs: usize,
    outside: usize,
    allowed: usize,
    denied: usize,
}

/// Compares the tools on one cluster; `Err` carries the report.
fn check_cluster(label: &str, seed: u64, c: &Cluster, nca: &Path) -> Result<Stats, String> {
    let root = scratch(label);
    let dir = root.join("manifests");
    gen_cluster::write_cluster(c, &dir).map_err(|e| format!("{label}: writing: {e}"))?;
    let fail = |msg: String| format!("{label}: {msg}\n  manifests: {}", dir.display());
    // Pods with IPs: NCA never matches ipBlocks against pods.
    let flags: &[&str] = if c.workloads.iter().any(|w| !w.ips.is_empty()) {
        &["--no-ipblock-pods"]
    } else {
        &[]
    };
    let (pods, with_self) = pod_names(c);

    let nca_out = run_nca(nca, &dir).map_err(fail)?;
    let nca_facts = nca_facts(&nca_out, &pods).map_err(fail)?;

    let mut cmd = netpolc(&dir, &["-o", "json"]);
    cmd.args(flags);
    let reach = run(&mut cmd).map_err(fail)?;
    let reach: Value =
        serde_json::from_str(&reach).map_err(|e| fail(format!("netpolc JSON: {e}")))?;
    let ids: BTreeSet<String> = c.workloads.iter().map(|w| w.id()).collect();
    let listed: BTreeSet<String> = reach["workloads"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|w| w["id"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if listed != ids {
        return Err(fail(format!(
            "netpolc lists workloads {listed:?}, the manifests have {ids:?}"
        )));
    }
    let ours = netpolc_facts(&reach, &with_self).map_err(fail)?;
    let d = diff(&ours, &nca_facts);
    if !d.is_empty() {
        return Err(fail(format!("reach differs from NCA:\n{d}")));
    }

    // Queries.
    let queries = sample_queries(seed, c, &nca_facts, &with_self);
    let qfile = root.join("queries.json");
    std::fs::write(&qfile, serde_json::to_string_pretty(&queries).unwrap())
        .map_err(|e| fail(format!("writing queries: {e}")))?;
    let mut cmd = netpolc(&dir, &["--query"]);
    cmd.arg(&qfile).args(["-o", "json"]).args(flags);
    let answers = run(&mut cmd).map_err(fail)?;
    let answers: Value =
        serde_json::from_str(&answers).map_err(|e| fail(format!("netpolc query JSON: {e}")))?;
    let answers = answers
        .as_array()
        .ok_or_else(|| fail("query answer is not an array".into()))?;
    if answers.len() != queries.len() {
        return Err(fail(format!(
            "{} answers to {} queries",
            answers.len(),
            queries.len()
        )));
    }
    let mut bad = String::new();
    for (i, (q, a)) in queries.iter().zip(answers).enumerate() {
        let proto = PROTOCOLS
            .iter()
            .position(|p| *p == q["protocol"].as_str().unwrap())
            .unwrap();
        let port = q["port"].as_u64().unwrap() as u16;
        let expected = nca_allows(&nca_facts, &q["src"], &q["dst"], &ids, proto, port);
        if a["allowed"].as_bool() != Some(expected) {
            bad += &format!("  query {i}: {q} -> netpolc {a}, NCA allowed={expected}\n");
        }
    }
    if !bad.is_empty() {
        return Err(fail(format!(
            "query answers differ from NCA (queries in {}):\n{bad}",
            qfile.display()
        )));
    }
    let _ = std::fs::remove_dir_all(&root);
    let allowed = answers
        .iter()
        .filter(|a| a["allowed"] == json!(true))
        .count();
    Ok(Stats {
        pairs: ours.pairs.len(),
        outside: ours.outside.len(),
        allowed,
        denied: answers.len() - allowed,
    })
}

#[test]
fn random_clusters_agree_with_nca() {
    let Some(nca) = nca_path() else { return };
    let mut failures = Vec::new();
    let mut total = Stats::default();
    for seed in SEEDS {
        let c = gen_cluster::random_cluster(seed);
        match check_cluster(&format!("seed-{seed}"), seed, &c, &nca) {
            Ok(s) => {
                total.pairs += s.pairs;
                total.outside += s.outside;
                total.allowed += s.allowed;
                total.denied += s.denied;
            }
            Err(e) => failures.push(e),
        }
    }
    eprintln!("differential_nca: compared {total:?}");
    assert!(
        failures.is_empty(),
        "{} of {} seeds differ from NCA (rerun one: cargo run --example gen_cluster -- random SEED DIR):\n{}",
        failures.len(),
        SEEDS.end - SEEDS.start,
        failures.join("\n")
    );
    // Guard against a vacuous pass (e.g. both sides parsed as empty).
    assert!(
        total.pairs > 0 && total.outside > 0 && total.allowed > 0 && total.denied > 0,
        "the comparison covered too little: {total:?}"
    );
}

#[test]
fn realistic_cluster_agrees_with_nca() {
    let Some(nca) = nca_path() else { return };
    let c = gen_cluster::realistic_cluster(3);
    match check_cluster("realistic-3", 3, &c, &nca) {
        Ok(s) => assert!(s.pairs > 0 && s.outside > 0, "covered too little: {s:?}"),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn nca_text_parses() {
    let p = parse_conn("{protocols:TCP, UDP,dst_ports:1-79,81-65535},{protocols:SCTP}").unwrap();
    assert_eq!(p[0], vec![(1, 79), (81, 65535)]);
    assert_eq!(p[1], vec![(1, 79), (81, 65535)]);
    assert_eq!(p[2], vec![(1, 65535)]);
    let p = parse_conn("All but {protocols:TCP,dst_ports:80}").unwrap();
    assert_eq!(p[0], vec![(1, 79), (81, 65535)]);
    assert_eq!(p[1], vec![(1, 65535)]);
    let p = parse_conn("{protocols:all but TCP}").unwrap();
    assert_eq!(p[0], vec![]);
    assert_eq!(p[2], vec![(1, 65535)]);
    let p = parse_conn("{dst_ports:53}").unwrap();
    assert!(p.iter().all(|x| *x == vec![(53, 53)]));
    assert_eq!(
        parse_cidr("10.1.2.3/8").unwrap(),
        (4, 0x0a00_0000, 0x0aff_ffff)
    );
    assert_eq!(parse_cidr("::/0").unwrap(), (6, 0, u128::MAX));
    assert_eq!(parse_cidr("0.0.0.0/0").unwrap(), (4, 0, u32::MAX as u128));
    // Canonical form: order and splitting do not matter.
    let a = canonical(&[(4, 0, 9, 80, 80), (4, 10, 20, 80, 80), (4, 5, 7, 81, 81)]);
    let b = canonical(&[(4, 5, 7, 80, 81), (4, 0, 20, 80, 80)]);
    assert_eq!(a, b);
    assert_eq!(a.len(), 3);
}
