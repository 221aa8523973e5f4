//! The intent language's syntax: every form of `language.md` parses into the expected
//! tree, errors say where and what, and `parse` never panics.

use netpolc::diag::{Code, Diagnostic, Format, Sources};
use netpolc::ir::{Cidr, Protocol};
use netpolc::syntax::*;
use proptest::prelude::*;

/// A parse error as the short format prints it: `t.npl:2:9: error[NP0101]: ...`.
fn render(e: &Diagnostic, text: &str) -> String {
    let mut sources = Sources::new();
    sources.add("t.npl", text);
    netpolc::diag::render(std::slice::from_ref(e), &sources, Format::Short, false)
}

/// Where a parse error points: its primary place, which every one of them has.
fn span(e: &Diagnostic) -> Span {
    e.primary.as_ref().expect("a parse error has a place").span
}

/// The 1-based line and column of a parse error in `text`.
fn location(e: &Diagnostic, text: &str) -> (usize, usize) {
    netpolc::diag::line_column(text, span(e).start)
}

const S: Span = Span { start: 0, end: 0 };

fn ok(text: &str) -> SourceFile {
    match parse("t.npl", text) {
        Ok(f) => f,
        Err(es) => panic!(
            "{text:?} did not parse:\n{}",
            es.iter()
                .map(|e| render(e, text))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn err(text: &str) -> Diagnostic {
    match parse("t.npl", text) {
        Ok(f) => panic!("{text:?} parsed: {f:?}"),
        Err(mut es) => {
            assert!(!es.is_empty());
            es.remove(0)
        }
    }
}

/// The only statement of a one-statement, top-level program.
fn stmt(text: &str) -> StatementKind {
    let file = ok(text);
    match file.items.as_slice() {
        [Item::Statement(s)] => s.kind.clone(),
        other => panic!("{text:?}: expected one statement, got {other:?}"),
    }
}

fn ep(kind: EndpointKind) -> Endpoint {
    Endpoint { kind, span: S }
}
fn name(n: &str) -> Endpoint {
    ep(EndpointKind::Name(n.into()))
}
fn ident(n: &str) -> Name {
    Name {
        text: n.into(),
        span: S,
    }
}
fn port(protocol: Option<Protocol>, port: Port) -> PortSpec {
    PortSpec {
        protocol,
        port,
        span: S,
    }
}
fn tcp(n: u16) -> PortSpec {
    port(Some(Protocol::Tcp), Port::Number(n))
}
fn udp(n: u16) -> PortSpec {
    port(Some(Protocol::Udp), Port::Number(n))
}
fn num(n: u16) -> PortSpec {
    port(None, Port::Number(n))
}
fn req(key: &str, op: LabelOp) -> Requirement {
    Requirement {
        key: key.into(),
        op,
        span: S,
    }
}
fn cidr(s: &str) -> Cidr {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}
fn addrs(c: &str, except: &[&str]) -> Endpoint {
    ep(EndpointKind::Addresses {
        cidr: cidr(c),
        except: except.iter().map(|e| cidr(e)).collect(),
    })
}
fn talk(from: Vec<Endpoint>, to: Vec<Endpoint>, ports: Option<Vec<PortSpec>>) -> StatementKind {
    StatementKind::Talk { from, to, ports }
}
fn the_endpoint(text: &str) -> Endpoint {
    match stmt(&format!("x may talk to {text}")) {
        StatementKind::Talk { mut to, .. } if to.len() == 1 => to.remove(0),
        other => panic!("{other:?}"),
    }
}
fn the_ports(text: &str) -> Vec<PortSpec> {
    match stmt(&format!("a may talk to b on {text}")) {
        StatementKind::Talk { ports: Some(p), .. } => p,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_users_program_verbatim() {
    let text = "namespace shop {\n  isolate namespace\n  app may talk to db on 5432\n  egress only 8.8.8.8\n}\n";
    let expected = SourceFile {
        name: "t.npl".into(),
        items: vec![Item::Namespace(NamespaceBlock {
            namespace: NsRef::Name("shop".into()),
            workload_label: None,
            statements: vec![
                Statement {
                    kind: StatementKind::Isolate {
                        target: IsolateTarget::CurrentNamespace,
                        direction: None,
                    },
                    span: S,
                },
                Statement {
                    kind: talk(vec![name("app")], vec![name("db")], Some(vec![num(5432)])),
                    span: S,
                },
                Statement {
                    kind: StatementKind::EgressOnly {
                        subject: None,
                        to: vec![addrs("8.8.8.8/32", &[])],
                        ports: None,
                    },
                    span: S,
                },
            ],
            span: S,
        })],
    };
    let file = ok(text);
    assert_eq!(file, expected);
    // Spans point at the source.
    let Item::Namespace(block) = &file.items[0] else {
        unreachable!()
    };
    let talk = &block.statements[1];
    assert_eq!(
        &text[talk.span.start..talk.span.end],
        "app may talk to db on 5432"
    );
}

#[test]
fn spans_do_not_take_part_in_equality() {
    assert_eq!(Span { start: 1, end: 2 }, Span { start: 7, end: 30 });
    assert_eq!(
        ok("isolate egress"),
        ok("\n\n   isolate    egress   # why\n")
    );
}

#[test]
fn isolate_forms() {
    let iso = |target, direction| StatementKind::Isolate { target, direction };
    use Direction::*;
    use IsolateTarget::*;
    assert_eq!(stmt("isolate namespace"), iso(CurrentNamespace, None));
    assert_eq!(
        stmt("isolate ingress"),
        iso(CurrentNamespace, Some(Ingress))
    );
    assert_eq!(stmt("isolate egress"), iso(CurrentNamespace, Some(Egress)));
    assert_eq!(stmt("isolate web"), iso(Endpoint(name("web")), None));
    assert_eq!(
        stmt("isolate web ingress"),
        iso(Endpoint(name("web")), Some(Ingress))
    );
    let db = ep(EndpointKind::Pods {
        selector: Selector {
            requirements: vec![req("tier", LabelOp::Eq("db".into()))],
        },
        namespaces: PodNamespaces::Current,
    });
    assert_eq!(
        stmt("isolate pods(tier=db) egress"),
        iso(Endpoint(db), Some(Egress))
    );
    let shop = ep(EndpointKind::Namespace(NsRef::Name("shop".into())));
    assert_eq!(stmt("isolate namespace shop"), iso(Endpoint(shop), None));
}

#[test]
fn talk_egress_ingress_define_use() {
    assert_eq!(
        stmt("api may talk to db, cache on 5432, 6379"),
        talk(
            vec![name("api")],
            vec![name("db"), name("cache")],
            Some(vec![num(5432), num(6379)])
        )
    );
    assert_eq!(
        stmt("a may talk to b"),
        talk(vec![name("a")], vec![name("b")], None)
    );
    assert_eq!(
        stmt("web egress only db on 5432"),
        StatementKind::EgressOnly {
            subject: Some(vec![name("web")]),
            to: vec![name("db")],
            ports: Some(vec![num(5432)])
        }
    );
    assert_eq!(
        stmt("ingress only from web, api"),
        StatementKind::IngressOnly {
            subject: None,
            from: vec![name("web"), name("api")],
            ports: None
        }
    );
    assert_eq!(
        stmt("db ingress only from api on 5432"),
        StatementKind::IngressOnly {
            subject: Some(vec![name("db")]),
            from: vec![name("api")],
            ports: Some(vec![num(5432)])
        }
    );
    assert_eq!(
        stmt("define backends = api, payments/*"),
        StatementKind::Define {
            name: ident("backends"),
            endpoints: vec![
                name("api"),
                ep(EndpointKind::Namespace(NsRef::Name("payments".into())))
            ]
        }
    );
    assert_eq!(
        stmt("use dns"),
        StatementKind::Use {
            name: ident("dns"),
            args: None
        }
    );
    assert_eq!(
        stmt("use expose(web, udp 53, 8080, 8000-8100, http, $x)"),
        StatementKind::Use {
            name: ident("expose"),
            args: Some(vec![
                Arg::Endpoint(name("web")),
                Arg::Port(udp(53)),
                Arg::Port(num(8080)),
                Arg::Port(port(None, Port::Range(8000, 8100))),
                Arg::Endpoint(name("http")),
                Arg::Endpoint(ep(EndpointKind::Param("x".into()))),
            ])
        }
    );
    assert_eq!(
        stmt("use r()"),
        StatementKind::Use {
            name: ident("r"),
            args: Some(vec![])
        }
    );
}

#[test]
fn rules_and_top_level_items() {
    let file = ok("# a file\nrule allow($from, $to) {\n  $from may talk to $to on $p\n}\n\nuse allow(web, db)\nisolate namespace shop\n");
    let p = |n: &str| ep(EndpointKind::Param(n.into()));
    assert_eq!(
        file.items,
        vec![
            Item::Rule(RuleDef {
                name: ident("allow"),
                params: vec![ident("from"), ident("to")],
                statements: vec![Statement {
                    kind: talk(
                        vec![p("from")],
                        vec![p("to")],
                        Some(vec![port(None, Port::Param("p".into()))])
                    ),
                    span: S
                }],
                span: S,
            }),
            Item::Statement(Statement {
                kind: StatementKind::Use {
                    name: ident("allow"),
                    args: Some(vec![Arg::Endpoint(name("web")), Arg::Endpoint(name("db"))])
                },
                span: S
            }),
            Item::Statement(Statement {
                kind: StatementKind::Isolate {
                    target: IsolateTarget::Endpoint(ep(EndpointKind::Namespace(NsRef::Name(
                        "shop".into()
                    )))),
                    direction: None
                },
                span: S
            }),
        ]
    );
    // A rule without parameters, a one-line block, an empty block.
    assert_eq!(ok("rule r {\n isolate egress\n}").items.len(), 1);
    assert_eq!(ok("namespace a { isolate egress }").items.len(), 1);
    assert_eq!(ok("namespace a {\n}\nnamespace b {}").items.len(), 2);
    assert_eq!(ok("").items, vec![]);
    assert_eq!(ok("# only a comment").items, vec![]);
}

#[test]
fn a_block_may_name_its_workload_label() {
    let block = |text: &str| match ok(text).items.as_slice() {
        [Item::Namespace(b)] => b.clone(),
        other => panic!("{text:?}: {other:?}"),
    };
    let text =
        "namespace argocd with workload label app.kubernetes.io/name {\n  isolate namespace\n}";
    let b = block(text);
    assert_eq!(b.namespace, NsRef::Name("argocd".into()));
    let key = b.workload_label.expect("the key");
    assert_eq!(key.text, "app.kubernetes.io/name");
    assert_eq!(
        &text[key.span.start..key.span.end],
        "app.kubernetes.io/name"
    );
    assert_eq!(b.statements.len(), 1);
    // Any spacing, an empty block, a one-line block.
    assert!(block("namespace a  with\tworkload  label role {}")
        .workload_label
        .is_some());
    assert!(
        block("namespace a with workload label role { isolate egress }")
            .workload_label
            .is_some()
    );
    // The three words are reserved nowhere else: workloads, defines and rules may take them.
    let file = ok("namespace with with workload label label {\n  with may talk to workload on 80\n  define label = with\n}\nrule workload {\n}\n");
    assert_eq!(file.items.len(), 2);
    assert_eq!(
        stmt("with, label may talk to workload"),
        talk(
            vec![name("with"), name("label")],
            vec![name("workload")],
            None
        )
    );
}

#[test]
fn a_workload_label_needs_all_three_words_and_a_key() {
    assert_error(
        "namespace a with label app {\n}",
        1,
        18,
        "expected `workload`",
    );
    assert_error(
        "namespace a with workload label {\n}",
        1,
        33,
        "expected a label key",
    );
    assert_error("namespace a workload label app {\n}", 1, 13, "`with`");
    // Only on a block: a rule or a statement takes none.
    assert!(parse("t.npl", "rule r with workload label app {\n}").is_err());
}

#[test]
fn endpoint_forms() {
    use EndpointKind::*;
    let ns = |n: &str| NsRef::Name(n.into());
    assert_eq!(the_endpoint("web"), name("web"));
    assert_eq!(
        the_endpoint("payments/gateway"),
        ep(Workload {
            namespace: ns("payments"),
            workload: "gateway".into()
        })
    );
    assert_eq!(the_endpoint("*"), ep(AllPods));
    assert_eq!(the_endpoint("payments/*"), ep(Namespace(ns("payments"))));
    assert_eq!(
        the_endpoint("namespace payments"),
        ep(Namespace(ns("payments")))
    );
    assert_eq!(the_endpoint("cluster"), ep(Cluster));
    assert_eq!(the_endpoint("anywhere"), ep(Anywhere));
    assert_eq!(the_endpoint("internet"), name("internet"));
    assert_eq!(the_endpoint("$a"), ep(Param("a".into())));
    assert_eq!(
        the_endpoint("$ns/web"),
        ep(Workload {
            namespace: NsRef::Param("ns".into()),
            workload: "web".into()
        })
    );
    let sel = Selector {
        requirements: vec![
            req("tier", LabelOp::Eq("frontend".into())),
            req("env", LabelOp::In(vec!["prod".into(), "canary".into()])),
            req("legacy", LabelOp::NotExists),
            req("track", LabelOp::NotEq("beta".into())),
            req("zone", LabelOp::NotIn(vec!["a".into()])),
            req("app.kubernetes.io/name", LabelOp::Exists),
            req("note", LabelOp::Eq("two words".into())),
        ],
    };
    let sel_text = r#"tier=frontend, env in (prod, canary), !legacy, track != beta, zone notin (a), app.kubernetes.io/name, note="two words""#;
    assert_eq!(
        the_endpoint(&format!("pods({sel_text})")),
        ep(Pods {
            selector: sel.clone(),
            namespaces: PodNamespaces::Current
        })
    );
    let obs = Selector {
        requirements: vec![req("team", LabelOp::Eq("obs".into()))],
    };
    assert_eq!(
        the_endpoint("pods(app=prometheus) in namespace monitoring"),
        ep(Pods {
            selector: Selector {
                requirements: vec![req("app", LabelOp::Eq("prometheus".into()))]
            },
            namespaces: PodNamespaces::Named(ns("monitoring"))
        })
    );
    assert_eq!(
        the_endpoint("pods() in namespaces(team=obs)"),
        ep(Pods {
            selector: Selector::default(),
            namespaces: PodNamespaces::Selected(obs.clone())
        })
    );
    assert_eq!(the_endpoint("namespaces(team=obs)"), ep(Namespaces(obs)));
}

#[test]
fn addresses() {
    assert_eq!(the_endpoint("8.8.8.8"), addrs("8.8.8.8/32", &[]));
    assert_eq!(the_endpoint("10.0.0.0/8"), addrs("10.0.0.0/8", &[]));
    assert_eq!(the_endpoint("2001:db8::/32"), addrs("2001:db8::/32", &[]));
    assert_eq!(
        the_endpoint("fd00:ec2::254"),
        addrs("fd00:ec2::254/128", &[])
    );
    assert_eq!(the_endpoint("::/0"), addrs("::/0", &[]));
    assert_eq!(
        the_endpoint("10.0.0.0/8 except 10.1.0.0/16"),
        addrs("10.0.0.0/8", &["10.1.0.0/16"])
    );
    assert_eq!(
        the_endpoint("0.0.0.0/0 except (10.0.0.0/8, 169.254.169.254)"),
        addrs("0.0.0.0/0", &["10.0.0.0/8", "169.254.169.254/32"])
    );
}

#[test]
fn port_forms() {
    assert_eq!(the_ports("5432"), vec![num(5432)]);
    assert_eq!(the_ports("udp 53"), vec![udp(53)]);
    assert_eq!(the_ports("tcp 53, udp 53"), vec![tcp(53), udp(53)]);
    assert_eq!(the_ports("tcp 80, 443"), vec![tcp(80), tcp(443)]);
    assert_eq!(
        the_ports("8000-8100"),
        vec![port(None, Port::Range(8000, 8100))]
    );
    assert_eq!(
        the_ports("1-65535"),
        vec![port(None, Port::Range(1, 65535))]
    );
    assert_eq!(
        the_ports("http"),
        vec![port(None, Port::Named("http".into()))]
    );
    assert_eq!(
        the_ports("udp dns"),
        vec![port(Some(Protocol::Udp), Port::Named("dns".into()))]
    );
    assert_eq!(
        the_ports("sctp 9"),
        vec![port(Some(Protocol::Sctp), Port::Number(9))]
    );
    assert_eq!(the_ports("$p"), vec![port(None, Port::Param("p".into()))]);
}

#[test]
fn a_line_ending_in_a_comma_continues() {
    let one = stmt("api may talk to db, cache on tcp 5432, udp 53");
    let split =
        stmt("api may talk to db,   # the database\n\n   cache on tcp 5432,\n  udp 53  # dns\n");
    assert_eq!(one, split);
    assert_eq!(
        stmt("a may talk to pods(a=b,\n c in (d,\n e))"),
        stmt("a may talk to pods(a=b, c in (d, e))")
    );
    // Without the comma, the next line is a new statement.
    assert_eq!(ok("isolate egress\nisolate ingress").items.len(), 2);
    let e = err("api may talk to db\n  cache on 5432");
    assert_eq!(location(&e, "api may talk to db\n  cache on 5432"), (2, 9));
}

#[test]
fn comments() {
    assert_eq!(
        ok("# header\nnamespace shop { # the shop\n  # nothing here\n  isolate egress # why\n} # end\n"),
        ok("namespace shop {\nisolate egress\n}")
    );
}

fn assert_error(text: &str, line: usize, column: usize, message: &str) -> Diagnostic {
    let e = err(text);
    assert_eq!(location(&e, text), (line, column), "{}", render(&e, text));
    assert!(
        e.message.contains(message),
        "{:?} lacks {message:?}",
        e.message
    );
    assert_eq!(e.primary.as_ref().map(|l| l.file.as_str()), Some("t.npl"));
    e
}

#[test]
fn unterminated_block() {
    let text = "namespace shop {\n  isolate namespace\n";
    let e = assert_error(text, 3, 1, "`}` closing the namespace block");
    assert!(e.message.ends_with("found end of input"), "{}", e.message);
    assert_error("rule r {\n  isolate egress", 2, 17, "`}` closing the rule");
}

#[test]
fn port_errors() {
    let e = assert_error("a may talk to b on 0", 1, 20, "port `0` is out of range");
    assert!(e.help.is_some_and(|h| h.contains("65535")));
    assert_error(
        "a may talk to b on 70000",
        1,
        20,
        "port `70000` is out of range",
    );
    assert_error(
        "a may talk to b on 99999999999999999999",
        1,
        20,
        "out of range",
    );
    let e = assert_error(
        "a may talk to b on 8100-8000",
        1,
        20,
        "`8100-8000` is reversed",
    );
    assert_eq!(
        e.help.as_deref(),
        Some("write the low end first: `8000-8100`")
    );
    assert_error("a may talk to b on 0-80", 1, 20, "port `0` is out of range");
}

#[test]
fn address_errors() {
    assert_error(
        "a may talk to 10.0.0.300/8",
        1,
        15,
        "`10.0.0.300/8` is not a valid address or CIDR",
    );
    assert_error("a may talk to 10.0.0.0/33", 1, 15, "`10.0.0.0/33`");
    assert_error("a may talk to 1.2.3", 1, 15, "`1.2.3`");
    assert_error(
        "a may talk to 10.0.0.0/8 except 2001:db8:::/64",
        1,
        33,
        "`2001:db8:::/64`",
    );
}

#[test]
fn lexical_errors_are_all_reported() {
    let Err(errors) = parse(
        "t.npl",
        "namespace a {\n  b may talk to c on 0\n  b may talk to c on 70000\n}\nx may talk to 1.2.3",
    ) else {
        panic!("parsed");
    };
    assert_eq!(errors.len(), 3);
}

#[test]
fn unknown_statement() {
    let text = "namespace shop {\n  isolate namespace\n  allow web to db\n}\n";
    let e = assert_error(text, 3, 9, "expected");
    assert_eq!(
        e.message,
        "expected `ingress`, `egress` or `may`, found `web`"
    );
    assert!(e.help.is_some_and(|h| h.contains("may talk to")));
    assert_error("}", 1, 1, "found `}`");
    assert_error(
        "a may talk to to",
        1,
        15,
        "expected an endpoint, found `to`",
    );
    assert_error(
        "a may talk to b,",
        1,
        17,
        "expected an endpoint, found end of input",
    );
}

const VALID: &str = r#"# a program using every form
rule allow($from, $to, $p) {
  $from may talk to $to on $p
}
define backends = api, payments/*, namespace billing, pods(a=b) in namespace x
isolate namespace shop
namespace shop {
  isolate namespace
  isolate web ingress
  app may talk to db on 5432
  egress only 8.8.8.8, 0.0.0.0/0 except (10.0.0.0/8, 169.254.169.254) on udp 53, tcp 53
  web ingress only from pods(tier=frontend, env in (prod, canary), !legacy, track != beta),
    namespaces(team=obs) on tcp 80, 443, 8000-8100, http
  use dns
  use allow(web, db, udp 53)
}
"#;

#[test]
fn the_valid_corpus_parses() {
    assert_eq!(ok(VALID).items.len(), 4);
}

proptest! {
    #![proptest_config(crate::kit::proptest::with_cases(512))]

    #[test]
    fn never_panics_on_arbitrary_text(text in "\\PC*") {
        let _ = parse("t.npl", &text);
    }

    #[test]
    fn never_panics_on_mutations_of_valid_programs(
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, "[ -~\n]{0,3}"), 1..6)
    ) {
        let mut text = VALID.to_owned();
        for (at, kind, s) in edits {
            let mut pos = at.index(text.len() + 1);
            while !text.is_char_boundary(pos) {
                pos -= 1;
            }
            match kind {
                0 => text.insert_str(pos, &s),
                1 => { let end = (pos + s.len() + 1).min(text.len()); if text.is_char_boundary(end) { text.replace_range(pos..end, ""); } }
                _ => { let end = (pos + s.len()).min(text.len()); if text.is_char_boundary(end) { text.replace_range(pos..end, &s); } }
            }
        }
        if let Err(errors) = parse("t.npl", &text) {
            prop_assert!(!errors.is_empty());
            for e in errors {
                prop_assert!(span(&e).start <= text.len());
                let (line, col) = location(&e, &text);
                prop_assert!(line >= 1 && col >= 1);
                prop_assert!(e.code != Code::Internal, "{}", render(&e, &text));
                prop_assert!(!e.message.contains("internal error"), "{}", render(&e, &text));
            }
        }
    }
}
