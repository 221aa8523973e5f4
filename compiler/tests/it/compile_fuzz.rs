//! Nothing a user feeds in may panic or fail the compile's self-check: `compile` on arbitrary bytes, and on token soups
//! that get past the parser often enough to exercise resolution, lowering and emission.

use netpolc::diag::Code;
use netpolc::pipeline::{compile, ProgramFile, Settings};
use proptest::prelude::*;

fn run(bytes: Vec<u8>) {
    let files = [ProgramFile {
        name: "fuzz.npl".into(),
        bytes,
    }];
    // Either outcome is fine but an internal error: a panic fails the test, and so does a
    // failed self-check (the emitted policies not proving equal to the program).
    if let Err(failed) = compile(&files, &Settings::default()) {
        let internal: Vec<_> = failed
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::Internal)
            .collect();
        assert!(internal.is_empty(), "{internal:#?}");
    }
}

const TOKENS: &[&str] = &[
    "namespace",
    "shop",
    "pay",
    "{",
    "}",
    "\n",
    "\n",
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
    "sctp",
    "except",
    "use",
    "rule",
    "define",
    "pods",
    "in",
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
    "r",
    "$a",
    "$b",
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
    "5432",
    "8000-8100",
    "0",
    "70000",
    "10.0.0.0/8",
    "10.1.0.0/16",
    "8.8.8.8",
    "::/0",
    "fd00:ec2::254",
    "http",
    "\"quoted value\"",
    "#c",
    "x.y.com",
    "Shop",
    "-",
];

proptest! {
    #![proptest_config(crate::kit::proptest::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        run(bytes);
    }

    #[test]
    fn token_soups_never_panic(tokens in prop::collection::vec(prop::sample::select(TOKENS), 0..60)) {
        run(tokens.join(" ").into_bytes());
    }

    #[test]
    fn statements_in_blocks_never_panic(
        body in prop::collection::vec(prop::collection::vec(prop::sample::select(TOKENS), 1..10), 0..8),
    ) {
        let mut text = String::from("rule r($a) {\n $a may talk to * on 80\n}\nnamespace shop {\n isolate namespace\n");
        for line in body {
            text.push_str(&line.join(" "));
            text.push('\n');
        }
        text.push_str("}\n");
        run(text.into_bytes());
    }
}
