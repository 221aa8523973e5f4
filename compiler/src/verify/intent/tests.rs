//! The oracle on hand-built programs over one small cluster: namespace `a` (labelled
//! `team=x`) with `web`, namespace `b` with `db` (named port `pg`, TCP 5432).

use super::*;
use crate::ir::intent::{NamespaceSet, PeerSet, PortAccess, SourceRef};
use crate::ir::{AddrSet, Cidr, PortSet};
use crate::model::{LabelSelector, Source, NAMESPACE_NAME_LABEL};
use crate::resolve::hir::{Action, Program, Scope, Sides, Statement};
use crate::syntax::Span;
use crate::verify::Engine;

const CLUSTER: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {team: x}}
---
apiVersion: v1
kind: Namespace
metadata: {name: b}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: a, labels: {app: web}}
spec: {containers: [{name: c, image: i}]}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: b, labels: {app: db}}
spec: {containers: [{name: c, image: i, ports: [{name: pg, containerPort: 5432}]}]}
status: {podIP: 10.0.0.2}
"#;

fn cluster(extra: &str) -> Cluster {
    let text = format!("{CLUSTER}\n---\n{extra}");
    let src = Source {
        name: "t.yaml".into(),
        bytes: text.into_bytes(),
    };
    match crate::model::load(&[src]) {
        Ok(c) => c,
        Err(e) => panic!("test cluster does not load: {e:?}"),
    }
}

fn wl(c: &Cluster, id: &str) -> usize {
    match c.workloads.iter().position(|w| w.id() == id) {
        Some(i) => i,
        None => panic!("no workload {id}"),
    }
}

fn stmt(scope: Scope, action: Action) -> Statement {
    Statement {
        scope,
        action,
        source: SourceRef {
            file: "t.npl".into(),
            line: 1,
            statement: "statement 1".into(),
        },
        site: ("t.npl".into(), Span::default()),
    }
}

fn ns(n: &str) -> Scope {
    Scope::Namespace(n.into())
}

fn sel(pairs: &[(&str, &str)]) -> LabelSelector {
    LabelSelector {
        match_labels: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        match_expressions: vec![],
    }
}

fn app(namespace: &str, name: &str) -> PeerSet {
    PeerSet::Pods {
        namespaces: NamespaceSet::Named(namespace.into()),
        pods: sel(&[("app", name)]),
    }
}

fn isolate(scope: Scope, namespace: &str, direction: Direction) -> Statement {
    let action = Action::Isolate {
        namespace: namespace.into(),
        pods: LabelSelector::everything(),
        direction,
    };
    stmt(scope, action)
}

fn allow(scope: Scope, from: PeerSet, to: PeerSet, ports: PortAccess, sides: Sides) -> Statement {
    let action = Action::Allow {
        from: vec![from],
        to: vec![to],
        ports,
        sides,
    };
    stmt(scope, action)
}

fn tcp(n: u16) -> PortAccess {
    PortAccess {
        numbers: PortSet::single(Protocol::Tcp, n),
        named: BTreeSet::new(),
    }
}

fn program(statements: Vec<Statement>) -> Program {
    Program {
        statements,
        workload_labels: Default::default(),
    }
}

const ON: Options = Options {
    ipblock_matches_pods: true,
    select_host_network: false,
};

/// (egress side of web, ingress side of db, whole connection) for web -> db on TCP 5432.
fn web_to_db(p: &Program, c: &Cluster) -> (bool, bool, bool) {
    let o = Oracle::new(p, c, ON);
    let (web, db) = (wl(c, "a/web"), wl(c, "b/db"));
    let (s, d) = (Endpoint::Workload(web), Endpoint::Workload(db));
    (
        o.side_allows(Direction::Egress, web, d, Protocol::Tcp, 5432),
        o.side_allows(Direction::Ingress, db, s, Protocol::Tcp, 5432),
        o.allows(s, d, Protocol::Tcp, 5432),
    )
}

#[test]
fn without_statements_everything_is_allowed() {
    let c = cluster("");
    assert_eq!(web_to_db(&program(vec![]), &c), (true, true, true));
}

#[test]
fn isolation_without_allowances_denies() {
    let c = cluster("");
    let p = program(vec![isolate(ns("a"), "a", Direction::Egress)]);
    assert_eq!(web_to_db(&p, &c), (false, true, false));
    // Only egress is isolated: db may still open connections to web.
    let o = Oracle::new(&p, &c, ON);
    let (web, db) = (wl(&c, "a/web"), wl(&c, "b/db"));
    let (s, d) = (Endpoint::Workload(db), Endpoint::Workload(web));
    assert!(o.allows(s, d, Protocol::Tcp, 80));
    let out = Endpoint::Address("8.8.8.8".parse().unwrap_or(IpAddr::from([0, 0, 0, 0])));
    assert!(!o.allows(Endpoint::Workload(web), out, Protocol::Udp, 53));
}

#[test]
fn block_scope_does_not_shape_the_other_namespaces_side() {
    let c = cluster("");
    let talk = |scope| {
        allow(
            scope,
            app("a", "web"),
            app("b", "db"),
            tcp(5432),
            Sides::Both,
        )
    };
    let isolations = || {
        vec![
            isolate(ns("a"), "a", Direction::Egress),
            isolate(Scope::Cluster, "b", Direction::Ingress),
        ]
    };
    // Written in `namespace a { }`: opens a's egress, not b's ingress.
    let mut inside = isolations();
    inside.push(talk(ns("a")));
    assert_eq!(web_to_db(&program(inside), &c), (true, false, false));
    // Written at the top level: opens both.
    let mut top = isolations();
    top.push(talk(Scope::Cluster));
    assert_eq!(web_to_db(&program(top), &c), (true, true, true));
    // Written in `namespace b { }`: opens b's ingress only.
    let mut other = isolations();
    other.push(talk(ns("b")));
    assert_eq!(web_to_db(&program(other), &c), (false, true, false));
}

#[test]
fn an_isolation_written_in_another_block_isolates_nothing() {
    let c = cluster("");
    let p = program(vec![isolate(ns("b"), "a", Direction::Egress)]);
    assert_eq!(web_to_db(&p, &c), (true, true, true));
}

#[test]
fn egress_only_opens_only_egress_and_ingress_only_only_ingress() {
    let c = cluster("");
    let mut st = vec![
        isolate(Scope::Cluster, "a", Direction::Egress),
        isolate(Scope::Cluster, "b", Direction::Ingress),
    ];
    st.push(allow(
        Scope::Cluster,
        app("a", "web"),
        app("b", "db"),
        tcp(5432),
        Sides::Egress,
    ));
    assert_eq!(web_to_db(&program(st.clone()), &c), (true, false, false));
    st.pop();
    st.push(allow(
        Scope::Cluster,
        app("a", "web"),
        app("b", "db"),
        tcp(5432),
        Sides::Ingress,
    ));
    assert_eq!(web_to_db(&program(st), &c), (false, true, false));
}

#[test]
fn a_namespace_set_by_other_labels_cannot_shape_its_own_side() {
    let c = cluster("");
    let team_x = PeerSet::Pods {
        namespaces: NamespaceSet::Matching(sel(&[("team", "x")])),
        pods: LabelSelector::everything(),
    };
    let st = vec![
        isolate(Scope::Cluster, "a", Direction::Egress),
        isolate(Scope::Cluster, "b", Direction::Ingress),
        allow(
            Scope::Cluster,
            team_x,
            app("b", "db"),
            tcp(5432),
            Sides::Both,
        ),
    ];
    // a's policies cannot see that a is labelled team=x; b's see it of the peer.
    assert_eq!(web_to_db(&program(st), &c), (false, true, false));
    // By name, a's own policies can tell.
    let by_name = PeerSet::Pods {
        namespaces: NamespaceSet::Matching(sel(&[(NAMESPACE_NAME_LABEL, "a")])),
        pods: LabelSelector::everything(),
    };
    let st = vec![
        isolate(Scope::Cluster, "a", Direction::Egress),
        allow(
            Scope::Cluster,
            by_name,
            app("b", "db"),
            tcp(5432),
            Sides::Both,
        ),
    ];
    assert_eq!(web_to_db(&program(st), &c), (true, true, true));
}

#[test]
fn ports_by_number_protocol_and_name_resolve_on_the_destination() {
    let c = cluster("");
    let named = PortAccess {
        numbers: PortSet::none(),
        named: [(Protocol::Tcp, "pg".to_owned())].into(),
    };
    let st = vec![
        isolate(Scope::Cluster, "a", Direction::Egress),
        allow(
            Scope::Cluster,
            app("a", "web"),
            PeerSet::Everything,
            named,
            Sides::Both,
        ),
    ];
    let p = program(st);
    let o = Oracle::new(&p, &c, ON);
    let (web, db) = (wl(&c, "a/web"), wl(&c, "b/db"));
    let d = Endpoint::Workload(db);
    assert!(o.side_allows(Direction::Egress, web, d, Protocol::Tcp, 5432));
    assert!(!o.side_allows(Direction::Egress, web, d, Protocol::Udp, 5432));
    assert!(!o.side_allows(Direction::Egress, web, d, Protocol::Tcp, 5433));
    // An address has no named ports.
    let out = Endpoint::Address(IpAddr::from([8, 8, 8, 8]));
    assert!(!o.side_allows(Direction::Egress, web, out, Protocol::Tcp, 5432));
    // A numeric range is inclusive.
    let range = PortAccess {
        numbers: PortSet::range(Protocol::Tcp, 32000, 32768),
        named: BTreeSet::new(),
    };
    let st = vec![
        isolate(Scope::Cluster, "a", Direction::Egress),
        allow(
            Scope::Cluster,
            app("a", "web"),
            PeerSet::Everything,
            range,
            Sides::Both,
        ),
    ];
    let p = program(st);
    let o = Oracle::new(&p, &c, ON);
    let at = |n| o.side_allows(Direction::Egress, web, out, Protocol::Tcp, n);
    assert_eq!(
        (at(31999), at(32000), at(32768), at(32769)),
        (false, true, true, false)
    );
}

#[test]
fn addresses_hold_pods_by_ip_only_when_the_plugin_does() {
    let c = cluster("");
    let db_ip = match "10.0.0.2/32".parse::<Cidr>() {
        Ok(c) => AddrSet::cidr(&c),
        Err(e) => panic!("{e}"),
    };
    let st = vec![
        isolate(Scope::Cluster, "a", Direction::Egress),
        allow(
            Scope::Cluster,
            app("a", "web"),
            PeerSet::Addresses(db_ip),
            PortAccess::all(),
            Sides::Egress,
        ),
    ];
    let p = program(st);
    let (web, db) = (wl(&c, "a/web"), wl(&c, "b/db"));
    let d = Endpoint::Workload(db);
    let on = Oracle::new(&p, &c, ON);
    assert!(on.allows(Endpoint::Workload(web), d, Protocol::Tcp, 1));
    let off = Oracle::new(
        &p,
        &c,
        Options {
            ipblock_matches_pods: false,
            select_host_network: false,
        },
    );
    assert!(!off.allows(Endpoint::Workload(web), d, Protocol::Tcp, 1));
    let host = |ip: [u8; 4]| Endpoint::Address(IpAddr::from(ip));
    assert!(off.allows(
        Endpoint::Workload(web),
        host([10, 0, 0, 2]),
        Protocol::Tcp,
        1
    ));
    assert!(!off.allows(
        Endpoint::Workload(web),
        host([10, 0, 0, 3]),
        Protocol::Tcp,
        1
    ));
}

#[test]
fn a_single_pod_may_always_reach_itself() {
    let c = cluster("");
    let p = program(vec![
        isolate(Scope::Cluster, "a", Direction::Egress),
        isolate(Scope::Cluster, "a", Direction::Ingress),
    ]);
    let o = Oracle::new(&p, &c, ON);
    let web = Endpoint::Workload(wl(&c, "a/web"));
    assert!(o.allows(web, web, Protocol::Tcp, 80));
}

/// The program `namespace a { isolate egress; web may talk to b/db on 5432 }`, and what a
/// correct compiler would emit for it.
fn egress_program() -> Program {
    program(vec![
        isolate(ns("a"), "a", Direction::Egress),
        allow(
            ns("a"),
            app("a", "web"),
            app("b", "db"),
            tcp(5432),
            Sides::Both,
        ),
    ])
}

const DENY_EGRESS: &str = r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: isolate, namespace: a}
spec: {podSelector: {}, policyTypes: [Egress]}
"#;

const WEB_TO_DB: &str = r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: a}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: b}}
          podSelector: {matchLabels: {app: db}}
      ports: [{port: 5432}]
"#;

fn probe() -> Probe {
    Probe {
        addresses: vec![IpAddr::from([8, 8, 8, 8]), IpAddr::from([10, 0, 0, 2])],
        ports: vec![
            (Protocol::Tcp, 5431),
            (Protocol::Tcp, 5432),
            (Protocol::Udp, 5432),
        ],
    }
}

#[test]
fn correct_policies_agree_with_the_oracle() {
    let c = cluster(&format!("{DENY_EGRESS}\n---\n{WEB_TO_DB}"));
    let p = egress_program();
    let map = Engine::new(&c, ON).reach_map();
    let o = Oracle::new(&p, &c, ON);
    assert_eq!(compare(&o, &map, &probe()), vec![]);
    // Not vacuous: the probe holds allowed and denied facts.
    let facts = o.facts(&probe());
    let (web, db) = (
        Endpoint::Workload(wl(&c, "a/web")),
        Endpoint::Workload(wl(&c, "b/db")),
    );
    assert!(facts.contains(&Fact {
        src: web,
        dst: db,
        protocol: Protocol::Tcp,
        port: 5432
    }));
    assert!(!facts.contains(&Fact {
        src: web,
        dst: db,
        protocol: Protocol::Tcp,
        port: 5431
    }));
}

#[test]
fn a_missing_allowance_is_caught_with_its_statement() {
    let c = cluster(DENY_EGRESS);
    let p = egress_program();
    let map = Engine::new(&c, ON).reach_map();
    let o = Oracle::new(&p, &c, ON);
    let (web, db) = (
        Endpoint::Workload(wl(&c, "a/web")),
        Endpoint::Workload(wl(&c, "b/db")),
    );
    let expected = Mismatch {
        fact: Fact {
            src: web,
            dst: db,
            protocol: Protocol::Tcp,
            port: 5432,
        },
        engine: false,
        oracle: true,
    };
    assert_eq!(compare(&o, &map, &probe()), vec![expected]);
    let why = o.explain(web, db, Protocol::Tcp, 5432);
    assert!(
        why.contains("allowed by [t.npl:1 (namespace a): allow"),
        "{why}"
    );
}

#[test]
fn a_missing_isolation_is_caught() {
    let c = cluster(WEB_TO_DB.replace("app: web", "app: nothing").as_str());
    let p = egress_program();
    let map = Engine::new(&c, ON).reach_map();
    let o = Oracle::new(&p, &c, ON);
    let found = compare(&o, &map, &probe());
    assert!(!found.is_empty());
    assert!(found.iter().all(|m| m.engine && !m.oracle), "{found:?}");
}

#[test]
fn an_address_set_never_shapes_the_side_of_the_pod_with_that_ip() {
    let c = cluster("");
    let web_ip = match "10.0.0.1/32".parse::<Cidr>() {
        Ok(c) => AddrSet::cidr(&c),
        Err(e) => panic!("{e}"),
    };
    let st = vec![
        isolate(Scope::Cluster, "a", Direction::Egress),
        isolate(Scope::Cluster, "b", Direction::Ingress),
        allow(
            Scope::Cluster,
            PeerSet::Addresses(web_ip),
            app("b", "db"),
            PortAccess::all(),
            Sides::Both,
        ),
    ];
    // web's egress is not opened (a policy selects pods by label, not IP); db's ingress
    // holds web by its IP.
    assert_eq!(web_to_db(&program(st), &c), (false, true, false));
}
