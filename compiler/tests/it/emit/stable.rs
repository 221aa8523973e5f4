//! Stable manifests under edits (issue 11, feature 5; decision 0012): an edit changes only
//! the objects whose meaning or statements changed. Lines, layout, comments and the order
//! of statements never reach a manifest.

use netpolc::pipeline::{compile, ProgramFile, Settings};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn files(name: &str, text: &str) -> BTreeMap<String, String> {
    let program = [ProgramFile {
        name: name.into(),
        bytes: text.as_bytes().to_vec(),
    }];
    match compile(&program, &Settings::default()) {
        Ok(c) => c.output.files,
        Err(f) => panic!("{name} does not compile: {:#?}", f.diagnostics),
    }
}

/// The output files that differ between two compiles (added, removed or changed).
fn changed(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> BTreeSet<String> {
    a.keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

fn examples() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("examples/ readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "npl"))
        .map(|p| {
            let name = format!(
                "examples/{}",
                p.file_name().expect("a file").to_string_lossy()
            );
            (name, std::fs::read_to_string(&p).expect("example readable"))
        })
        .collect();
    out.sort();
    assert!(out.len() >= 10, "the examples are found");
    out
}

#[test]
fn a_line_inserted_at_the_top_changes_no_byte_of_any_example() {
    for (name, text) in examples() {
        let before = files(&name, &text);
        assert!(before.len() > 1, "{name} emits policies");
        for top in ["# a new comment\n", "\n", "\n\n# two lines\n"] {
            let after = files(&name, &format!("{top}{text}"));
            assert_eq!(
                changed(&before, &after),
                BTreeSet::new(),
                "{name} after {top:?}"
            );
        }
    }
}

const SHOP: &str = "\
namespace shop {
  isolate namespace
  use dns
  web may talk to api on 8080
  api may talk to db on 5432
  egress only 8.8.8.8
}
";

#[test]
fn layout_comments_and_order_within_a_file_change_no_byte() {
    let before = files("policies/shop.npl", SHOP);
    let edits = [
        // Statements reordered.
        SHOP.replace(
            "  web may talk to api on 8080\n  api may talk to db on 5432\n",
            "  api may talk to db on 5432\n  web may talk to api on 8080\n",
        ),
        // A statement re-wrapped over lines, re-spaced and commented.
        SHOP.replace(
            "  api may talk to db on 5432\n",
            "\n\n    api   may talk to db  on 5432   # the primary\n",
        ),
        // Blank lines and comments between statements.
        SHOP.replace("  use dns\n", "  # names\n\n  use dns\n\n"),
    ];
    for edited in edits {
        assert_ne!(edited, SHOP);
        let after = files("policies/shop.npl", &edited);
        assert_eq!(changed(&before, &after), BTreeSet::new(), "{edited}");
    }
}

#[test]
fn editing_one_statement_changes_only_the_objects_it_contributes_to() {
    let before = files("policies/shop.npl", SHOP);
    assert!(before.contains_key("shop/web.yaml") && before.contains_key("shop/default.yaml"));
    let after = files(
        "policies/shop.npl",
        &SHOP.replace("api may talk to db on 5432", "api may talk to db on 5433"),
    );
    let expected: BTreeSet<String> = ["shop/api.yaml", "shop/db.yaml"].map(String::from).into();
    assert_eq!(changed(&before, &after), expected);
    // The new statement is quoted where the old one was, and nowhere else.
    assert!(after["shop/db.yaml"]
        .contains("netpolc.io/source: \"policies/shop.npl: api may talk to db on 5433\"\n"));

    // An edit that keeps the meaning still changes the statement's objects (their
    // provenance), and only those.
    let reworded = files(
        "policies/shop.npl",
        &SHOP.replace("egress only 8.8.8.8", "egress only 8.8.8.8/32"),
    );
    let expected: BTreeSet<String> = ["shop/default.yaml".to_owned()].into();
    assert_eq!(changed(&before, &reworded), expected);
}

#[test]
fn the_file_a_statement_is_in_is_its_provenance() {
    let before = files("policies/shop.npl", SHOP);
    let moved = files("policies/other.npl", SHOP);
    assert_eq!(
        changed(&before, &moved).len(),
        before.len() - 2,
        "every policy, not the kustomizations"
    );
    assert!(moved["shop/default.yaml"].contains("policies/other.npl: isolate namespace"));
}

fn annotation(yaml: &str) -> &str {
    yaml.lines()
        .find_map(|l| l.strip_prefix("    netpolc.io/source: "))
        .expect("an annotation")
}

#[test]
fn a_long_statement_is_cut_with_a_hash_of_its_whole_text() {
    let addresses = |last: u8| -> String {
        let mut list: Vec<String> = (0..250).map(|i| format!("10.{i}.0.1")).collect();
        list.push(format!("192.168.0.{last}"));
        list.join(", ")
    };
    let program = |last| {
        format!(
            "namespace shop {{\n  web egress only {}\n}}\n",
            addresses(last)
        )
    };
    let one = files("p.npl", &program(1));
    let two = files("p.npl", &program(2));
    let (a, b) = (
        annotation(&one["shop/web.yaml"]),
        annotation(&two["shop/web.yaml"]),
    );
    assert!(a.len() < 230, "{a}");
    assert!(
        a.starts_with("\"p.npl: web egress only 10.0.0.1, 10.1.0.1, "),
        "{a}"
    );
    assert!(a.contains("... ["), "{a}");
    // The two differ only in their last address, far past the cut: the hash tells them apart.
    assert_ne!(a, b);
    assert_eq!(files("p.npl", &program(1)), one, "the cut is deterministic");
}

#[test]
fn an_object_behind_many_statements_lists_what_fits_and_counts_the_rest() {
    let mut text = String::from("namespace shop {\n  isolate web egress\n");
    for i in 0..1000 {
        text.push_str(&format!(
            "  web egress only 10.{}.{}.0/24\n",
            i / 200,
            i % 200
        ));
    }
    text.push_str("}\n");
    let out = files("policies/shop.npl", &text);
    let value = annotation(&out["shop/web.yaml"]);
    assert!(value.len() <= 16 * 1024, "{} bytes", value.len());
    assert!(value.ends_with(" more statements\""), "{value}");
    let listed = value.matches("policies/shop.npl: ").count();
    let more: usize = value
        .rsplit("; and ")
        .next()
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert_eq!(listed + more, 1001, "every statement is listed or counted");
}
