//! Through the whole compiler: what `compile` writes for real programs is accepted by the
//! API server's validation, and the lowering never hands emit an intent it refuses.

use netpolc::diag::Code;
use netpolc::model::load::{load, Source};
use netpolc::pipeline::{compile, Compiled, ProgramFile, Settings};
use proptest::prelude::*;

fn run(text: &str) -> Result<Compiled, Vec<netpolc::diag::Diagnostic>> {
    let files = [ProgramFile {
        name: "p.npl".into(),
        bytes: text.as_bytes().to_vec(),
    }];
    compile(&files, &Settings::default()).map_err(|f| f.diagnostics)
}

fn loads(c: &Compiled) -> Result<(), String> {
    let sources: Vec<Source> = c
        .output
        .files
        .iter()
        .map(|(p, t)| Source {
            name: p.clone(),
            bytes: t.as_bytes().to_vec(),
        })
        .collect();
    load(&sources).map(|_| ()).map_err(|e| format!("{e:#?}"))
}

#[test]
fn the_contracts_example_and_the_standard_library_compile_to_valid_policies() {
    let text = "namespace shop {
  isolate namespace
  use dns
  app may talk to db on 5432
  web may talk to app on 8080, 8081, 8082
  egress only 8.8.8.8
  ingress only from namespaces(team=obs) on http
  api egress only internet on 443
}
anywhere may talk to shop/web on 443
";
    let c = run(text).unwrap_or_else(|d| panic!("{d:#?}"));
    loads(&c).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<String> = c.output.manifests.iter().map(|m| m.name.clone()).collect();
    assert_eq!(names, vec!["api", "app", "db", "default", "web"]);
    let app = &c.output.files["shop/app.yaml"];
    assert!(
        app.contains("    - endPort: 8082\n      port: 8080\n"),
        "{app}"
    );
}

const TOKENS: &[&str] = &[
    "shop",
    "pay",
    "\n",
    "isolate",
    "ingress",
    "egress",
    "may",
    "talk",
    "to",
    "only",
    "from",
    "on",
    "tcp",
    "udp",
    "use",
    "pods",
    "in",
    "namespace",
    "namespaces",
    "anywhere",
    "cluster",
    "*",
    "web",
    "db",
    "dns",
    "internet",
    "metadata",
    "deny-metadata",
    "(",
    ")",
    ",",
    "=",
    "!=",
    "!",
    "notin",
    "/",
    "tier=db",
    "80",
    "81",
    "5432",
    "8000-8100",
    "10.0.0.0/8",
    "except",
    "10.1.0.0/16",
    "8.8.8.8",
    "::/0",
    "http",
];

proptest! {
    #![proptest_config(crate::kit::proptest::with_cases(128))]

    #[test]
    fn whatever_compiles_emits_valid_policies(
        body in prop::collection::vec(prop::collection::vec(prop::sample::select(TOKENS), 1..10), 0..10),
    ) {
        let mut text = String::from("namespace shop {\n isolate namespace\n");
        for line in body {
            text.push_str(&line.join(" "));
            text.push('\n');
        }
        text.push_str("}\n");
        match run(&text) {
            Ok(c) => {
                let r = loads(&c);
                prop_assert!(r.is_ok(), "{}\n{}", text, r.err().unwrap_or_default());
            }
            Err(d) => prop_assert!(!d.iter().any(|d| d.code == Code::Internal), "{}\n{:#?}", text, d),
        }
    }
}
