//! Diagnostics as users and tools see them: the four renderers, the summary line, the
//! registry's long texts and `netpolc --explain`.

use netpolc::diag::{explanation, render, summary, Code, Diagnostic, Format, Severity, Sources};
use netpolc::syntax::Span;
use proptest::prelude::*;
use std::process::{Command, Output};

const PROGRAM: &str = "rule allow-db($client) {\n\t$clinet may talk to db on 5432\n}\nnamespace shop {\n  use allow-db(wéb)\n}\n";

fn sources() -> Sources {
    let mut s = Sources::new();
    s.add("shop.npl", PROGRAM);
    s
}

fn span_of(needle: &str) -> Span {
    let start = PROGRAM.find(needle).expect("needle in program");
    Span {
        start,
        end: start + needle.len(),
    }
}

fn unknown_parameter() -> Diagnostic {
    Diagnostic::new(
        Code::UnknownParameter,
        "`$clinet` is not a parameter of rule `allow-db`",
    )
    .at("shop.npl", span_of("$clinet"))
    .with_secondary(
        "shop.npl",
        span_of("rule allow-db($client)"),
        "the rule's parameters",
    )
    .with_note("a rule's body sees only its own parameters")
    .with_help("did you mean `$client`?")
}

fn at(start: usize, end: usize) -> Diagnostic {
    Diagnostic::new(Code::Syntax, "here").at("shop.npl", Span { start, end })
}

fn human(d: &Diagnostic) -> String {
    render(std::slice::from_ref(d), &sources(), Format::Human, false)
}

// ------------------------------------------------------------------------------ human

#[test]
fn human_prints_header_snippet_secondary_note_and_help() {
    let expected = "\
error[NP0203]: `$clinet` is not a parameter of rule `allow-db`
 --> shop.npl:2:2
  |
2 |     $clinet may talk to db on 5432
  |     ^^^^^^^
  |
 ::: shop.npl:1:1
  |
1 | rule allow-db($client) {
  | ---------------------- the rule's parameters
  |
  = note: a rule's body sees only its own parameters
  = help: did you mean `$client`?

";
    assert_eq!(human(&unknown_parameter()), expected);
}

#[test]
fn human_counts_columns_in_characters_and_underlines_them() {
    let out = human(&at(span_of("wéb").start, span_of("wéb").end));
    assert!(out.contains(" --> shop.npl:5:16\n"), "{out}");
    assert!(
        out.contains("5 |   use allow-db(wéb)\n  |                ^^^\n"),
        "{out}"
    );
}

#[test]
fn human_is_plain_without_colour_and_coloured_with_it() {
    let d = [unknown_parameter()];
    assert!(!render(&d, &sources(), Format::Human, false).contains('\u{1b}'));
    let coloured = render(&d, &sources(), Format::Human, true);
    assert!(
        coloured.contains("\u{1b}[1;31merror[NP0203]\u{1b}[0m"),
        "{coloured}"
    );
}

#[test]
fn human_points_an_empty_span_with_one_caret() {
    let start = span_of("db on").start;
    let out = human(&at(start, start));
    assert!(out.contains("  |                         ^\n"), "{out}");
}

#[test]
fn human_points_past_the_last_line_at_end_of_file() {
    let out = human(&at(PROGRAM.len(), PROGRAM.len() + 10));
    assert!(
        out.contains(" --> shop.npl:7:1\n  |\n7 |\n  | ^\n"),
        "{out}"
    );
}

#[test]
fn human_survives_reversed_spans_and_spans_inside_a_character() {
    let inside = span_of("wéb").start + 2; // the second byte of `é`
    let out = human(&at(inside, inside + 1));
    assert!(out.contains("shop.npl:5:17"), "{out}");
    let out = human(&at(20, 3));
    assert!(out.contains("shop.npl:1:21"), "{out}");
}

#[test]
fn human_elides_the_middle_of_a_long_span() {
    let text: String = (1..=12).map(|i| format!("line{i}\n")).collect();
    let mut s = Sources::new();
    s.add("long.npl", &text);
    let d = Diagnostic::new(Code::Syntax, "long").at(
        "long.npl",
        Span {
            start: 0,
            end: text.len(),
        },
    );
    let out = render(&[d], &s, Format::Human, false);
    assert!(out.contains(" 2 | line2\n"), "{out}");
    assert!(out.contains("...\n"), "{out}");
    assert!(!out.contains("line6"), "{out}");
    assert!(out.contains("12 | line12\n   | ^^^^^^\n"), "{out}");
}

#[test]
fn human_prints_an_unknown_file_without_a_snippet() {
    let d = Diagnostic::new(Code::ForeignFile, "refusing to overwrite `out/a.yaml`")
        .at("out/a.yaml", Span::default());
    let out = render(&[d], &Sources::new(), Format::Human, false);
    assert_eq!(
        out,
        "error[NP0503]: refusing to overwrite `out/a.yaml`\n --> out/a.yaml\n\n"
    );
}

#[test]
fn human_without_a_place_is_one_line_and_its_notes() {
    let d =
        Diagnostic::new(Code::NoSources, "no `.npl` file under `policies/`").with_help("write one");
    assert_eq!(
        render(&[d], &Sources::new(), Format::Human, false),
        "error[NP0502]: no `.npl` file under `policies/`\n  = help: write one\n\n"
    );
}

// ------------------------------------------------------------------------- summary

#[test]
fn summary_counts_errors_and_warnings() {
    let e = Diagnostic::new(Code::Syntax, "e");
    let w = Diagnostic::new(Code::NoDns, "w");
    let s = |d: &[Diagnostic]| summary(d, false);
    assert_eq!(s(&[]), None);
    assert_eq!(
        s(&[e.clone(), e.clone(), w.clone()]).as_deref(),
        Some("error: could not compile: 2 errors, 1 warning\n")
    );
    assert_eq!(
        s(std::slice::from_ref(&e)).as_deref(),
        Some("error: could not compile: 1 error\n")
    );
    assert_eq!(
        s(&[w.clone(), w]).as_deref(),
        Some("warning: 2 warnings emitted\n")
    );
}

// --------------------------------------------------------------------------- short

#[test]
fn short_is_one_line_per_diagnostic_then_indented_details() {
    let d = [
        unknown_parameter(),
        Diagnostic::new(Code::NoSources, "no `.npl` file"),
        Diagnostic::new(Code::NoDns, "a\nb").at("elsewhere.npl", Span::default()),
    ];
    assert_eq!(
        render(&d, &sources(), Format::Short, false),
        "\
shop.npl:2:2: error[NP0203]: `$clinet` is not a parameter of rule `allow-db`
  see shop.npl:1:1: the rule's parameters
  note: a rule's body sees only its own parameters
  help: did you mean `$client`?
error[NP0502]: no `.npl` file
elsewhere.npl: warning[NP0403]: a
    b
"
    );
}

// ---------------------------------------------------------------------------- json

/// JSON Lines: one object per diagnostic, each on one line.
fn json_lines(diags: &[Diagnostic], sources: &Sources) -> Vec<serde_json::Value> {
    let out = render(diags, sources, Format::Json, false);
    assert!(out.is_empty() || out.ends_with('\n'), "{out}");
    out.lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON value"))
        .collect()
}

#[test]
fn json_has_every_field_in_a_fixed_order() {
    let value = json_lines(&[unknown_parameter(), unknown_parameter()], &sources());
    assert_eq!(value.len(), 2);
    let object = value[0].as_object().expect("an object");
    let keys: Vec<&str> = object.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "code",
            "severity",
            "message",
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
            "document",
            "path",
            "notes",
            "help",
            "secondary"
        ]
    );
    assert_eq!(value[0]["code"], "NP0203");
    assert_eq!(value[0]["severity"], "error");
    assert_eq!(
        (&value[0]["line"], &value[0]["column"]),
        (&2.into(), &2.into())
    );
    assert_eq!(
        (&value[0]["end_line"], &value[0]["end_column"]),
        (&2.into(), &9.into())
    );
    assert_eq!(
        value[0]["secondary"][0],
        serde_json::json!({"file": "shop.npl", "line": 1, "column": 1, "document": null, "path": null, "message": "the rule's parameters"})
    );
}

#[test]
fn json_of_nothing_is_nothing_and_unknown_places_are_null() {
    assert_eq!(render(&[], &sources(), Format::Json, false), "");
    let d = Diagnostic::new(Code::Io, "x").at("gone.npl", Span::default());
    let value = json_lines(&[d], &sources());
    assert_eq!(value[0]["file"], "gone.npl");
    assert!(value[0]["line"].is_null());
}

// -------------------------------------------------------------------------- github

#[test]
fn github_writes_workflow_commands_with_escapes() {
    let out = render(&[unknown_parameter()], &sources(), Format::Github, false);
    assert!(
        out.starts_with(
            "::error file=shop.npl,line=2,col=2,endLine=2,endColumn=8,title=NP0203::`$clinet` is"
        ),
        "{out}"
    );
    assert!(out.contains("%0Ahelp: did you mean `$client`?\n"), "{out}");

    let mut s = Sources::new();
    s.add("a,b:c.npl", "x");
    let w = Diagnostic::new(Code::NoDns, "50% sure\r\nreally")
        .at("a,b:c.npl", Span { start: 0, end: 1 });
    assert_eq!(
        render(&[w], &s, Format::Github, false),
        // A carriage return is escaped for every format before this one's own escapes.
        "::warning file=a%2Cb%3Ac.npl,line=1,col=1,endLine=1,endColumn=1,title=NP0403::50%25 sure\\r%0Areally\n"
    );
    let bare = Diagnostic::new(Code::NoSources, "none");
    assert_eq!(
        render(&[bare], &s, Format::Github, false),
        "::error title=NP0502::none\n"
    );
}

// ----------------------------------------------------------------------- manifests

const MANIFEST: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n\
apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: db\n  namespace: shop\n\
spec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipblock: {cidr: 10.0.0.0/8}\n";

/// The loader's diagnostics on [`MANIFEST`] (an unknown field), with the texts they point into.
fn manifest_errors() -> (Vec<Diagnostic>, Sources) {
    use netpolc::model::load::{load, texts, Source};
    let sources = [Source {
        name: "deploy/db.yaml".to_owned(),
        bytes: MANIFEST.as_bytes().to_vec(),
    }];
    let mut errors = load(&sources).expect_err("an unknown field");
    // The second says the peer is then empty.
    assert_eq!(errors.len(), 2, "{errors:?}");
    errors.truncate(1);
    let texts = texts(&sources, &errors);
    (errors, texts)
}

#[test]
fn a_manifest_place_is_its_document_and_field_in_every_format() {
    let (errors, texts) = manifest_errors();
    assert_eq!(errors[0].code, Code::ManifestShape);
    let human = render(&errors, &texts, Format::Human, false);
    assert!(
        human.starts_with(
            "error[NP0702]: unknown field `ipblock`, did you mean `ipBlock`?\n  \
             --> deploy/db.yaml:14:7 (document 2): spec.ingress[0].from[0].ipblock\n   |\n\
             14 |     - ipblock: {cidr: 10.0.0.0/8}\n   |       ^^^^^^^\n"
        ),
        "{human}"
    );
    assert_eq!(
        render(&errors, &texts, Format::Short, false),
        "deploy/db.yaml:14:7: error[NP0702]: document 2, spec.ingress[0].from[0].ipblock: \
         unknown field `ipblock`, did you mean `ipBlock`?\n"
    );
    let json = json_lines(&errors, &texts);
    assert_eq!(
        (&json[0]["file"], &json[0]["line"], &json[0]["column"]),
        (&"deploy/db.yaml".into(), &14.into(), &7.into())
    );
    assert_eq!(
        (&json[0]["document"], &json[0]["path"]),
        (&2.into(), &"spec.ingress[0].from[0].ipblock".into())
    );
    assert_eq!(
        render(&errors, &texts, Format::Github, false),
        "::error file=deploy/db.yaml,line=14,col=7,endLine=14,endColumn=13,title=NP0702::\
         document 2, spec.ingress[0].from[0].ipblock: unknown field `ipblock`, did you mean `ipBlock`?\n"
    );
}

/// A file the renderer has no text of (not UTF-8, or left out) still names its document
/// and field, without inventing a line.
#[test]
fn a_manifest_place_without_its_text_has_no_line() {
    let (errors, _) = manifest_errors();
    let none = Sources::new();
    let human = render(&errors, &none, Format::Human, false);
    assert!(
        human.contains(" --> deploy/db.yaml (document 2): spec.ingress[0].from[0].ipblock\n"),
        "{human}"
    );
    let github = render(&errors, &none, Format::Github, false);
    assert!(
        github.starts_with("::error file=deploy/db.yaml,title=NP0702::document 2, "),
        "{github}"
    );
    assert!(json_lines(&errors, &none)[0]["line"].is_null());
}

/// Notes inform: `::notice` on GitHub, `note[...]` elsewhere, never in the summary.
#[test]
fn notes_are_notices_and_do_not_count() {
    let note =
        Diagnostic::new(Code::NotRead, "skipped kind `ConfigMap`").in_manifest("a.yaml", 3, "");
    let none = Sources::new();
    assert_eq!(
        render(std::slice::from_ref(&note), &none, Format::Github, false),
        "::notice file=a.yaml,title=NP0707::document 3: skipped kind `ConfigMap`\n"
    );
    assert_eq!(
        render(std::slice::from_ref(&note), &none, Format::Short, false),
        "a.yaml: note[NP0707]: document 3: skipped kind `ConfigMap`\n"
    );
    assert_eq!(
        json_lines(std::slice::from_ref(&note), &none)[0]["severity"],
        "note"
    );
    assert_eq!(summary(std::slice::from_ref(&note), false), None);
    let w = Diagnostic::new(Code::NoDns, "w");
    assert_eq!(
        summary(&[note, w], false).as_deref(),
        Some("warning: 1 warning emitted\n")
    );
}

#[test]
fn formats_parse_from_their_names() {
    for f in Format::ALL {
        assert_eq!(f.as_str().parse::<Format>(), Ok(*f));
    }
    let err = "xml".parse::<Format>().expect_err("not a format");
    assert!(
        err.contains("`xml`") && err.contains("human, short, json, github"),
        "{err}"
    );
}

proptest! {
    #![proptest_config(crate::kit::proptest::config())]

    #[test]
    fn no_renderer_panics_on_any_text_or_span(
        text in "(\\PC|\t|\r|\n){0,60}",
        start in 0usize..80,
        end in 0usize..80,
        second in 0usize..80,
    ) {
        let mut s = Sources::new();
        s.add("f.npl", &text);
        let d = Diagnostic::new(Code::Syntax, "m")
            .at("f.npl", Span { start, end })
            .with_secondary("f.npl", Span { start: second, end: start }, "s")
            .with_secondary("g.npl", Span { start, end }, "t")
            .with_note("n");
        for f in Format::ALL {
            let _ = render(std::slice::from_ref(&d), &s, *f, true);
        }
    }
}

// -------------------------------------------------------------------- explanations

/// The fenced blocks of a markdown text: (info string, body).
fn code_blocks(text: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in text.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => open = Some((info.trim().to_owned(), String::new())),
            (Some(_), Some(_)) => blocks.extend(open.take()),
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
}

#[test]
fn every_code_has_an_explanation_with_its_heading_and_an_example() {
    for code in Code::ALL {
        let text = explanation(*code);
        let heading = format!("# {}: {}\n", code, code.summary());
        assert!(
            text.starts_with(&heading),
            "{code}: must start with `{heading}`"
        );
        assert!(
            text.contains("\n## Example\n"),
            "{code}: no example section"
        );
        assert!(text.contains("\n## Fix\n"), "{code}: no fix section");
        assert!(!code_blocks(text).is_empty(), "{code}: no example block");
    }
}

#[test]
fn every_explanation_file_belongs_to_a_code() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/diag/explain");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("explain dir") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let code = name.strip_suffix(".md").and_then(Code::parse);
        assert!(
            code.is_some(),
            "`{name}` in src/diag/explain is no registered code's text"
        );
        seen += 1;
    }
    assert_eq!(seen, Code::ALL.len());
}

/// Every diagnostic a program gets, errors or warnings.
fn diagnostics_of(program: &str) -> Vec<Diagnostic> {
    use netpolc::pipeline::{compile, ProgramFile, Settings};
    let files = [ProgramFile {
        name: "example.npl".to_owned(),
        bytes: program.as_bytes().to_vec(),
    }];
    match compile(&files, &Settings::default()) {
        Ok(compiled) => compiled.warnings,
        Err(failed) => failed.diagnostics,
    }
}

/// Every diagnostic the loader gives a manifest, read as `reach` reads it (every kind) and
/// as `check` does (NetworkPolicies only): errors, or the notes and warnings of a load.
fn manifest_diagnostics_of(yaml: &str) -> Vec<Diagnostic> {
    use netpolc::model::load::{load, load_policies, Source};
    let sources = [Source {
        name: "example.yaml".to_owned(),
        bytes: yaml.as_bytes().to_vec(),
    }];
    [load(&sources), load_policies(&sources)]
        .into_iter()
        .flat_map(|loaded| match loaded {
            Ok(cluster) => cluster.notes.into_iter().map(|n| n.diagnostic).collect(),
            Err(errors) => errors,
        })
        .collect()
}

/// The texts must stay true: each wrong example earns its code from the compiler (a
/// manifest's from the loader), and each fix, a program users will paste, compiles
/// without any diagnostic at all (a manifest loads without an error or a warning, and
/// without the code).
#[test]
fn wrong_examples_earn_their_code_and_fixes_compile_cleanly() {
    let mut checked = 0;
    for code in Code::ALL {
        let text = explanation(*code);
        let Some((wrong, fix)) = text.split_once("\n## Fix\n") else {
            panic!("{code}: no fix section");
        };
        for (info, body) in code_blocks(wrong) {
            let got = match info.as_str() {
                "npl" => diagnostics_of(&body),
                "yaml" => manifest_diagnostics_of(&body),
                _ => continue,
            };
            assert!(
                got.iter().any(|d| d.code == *code),
                "{code}: the example does not earn it: {got:?}\n{body}"
            );
            checked += 1;
        }
        for (info, body) in code_blocks(fix) {
            let got = match info.as_str() {
                "npl" => diagnostics_of(&body),
                "yaml" => manifest_diagnostics_of(&body)
                    .into_iter()
                    .filter(|d| d.code == *code || d.severity() != Severity::Note)
                    .collect(),
                _ => continue,
            };
            assert!(
                got.is_empty(),
                "{code}: the fix is not clean: {got:?}\n{body}"
            );
            checked += 1;
        }
    }
    // Codes about files, configuration, the proof and internals show shell sessions
    // instead.
    assert!(
        checked >= 2 * (Code::ALL.len() - 8),
        "only {checked} examples checked"
    );
}

// ---------------------------------------------------------------------------- cli

fn netpolc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netpolc"))
        .args(args)
        .output()
        .expect("the netpolc binary runs")
}

#[test]
fn explain_prints_the_long_text_and_exits_0() {
    for arg in ["NP0203", "np0203", "0203"] {
        let o = netpolc(&["--explain", arg]);
        assert_eq!(o.status.code(), Some(0), "{arg}");
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            explanation(Code::UnknownParameter),
            "{arg}"
        );
    }
}

#[test]
fn explain_of_an_unknown_code_says_how_codes_look_and_exits_2() {
    for arg in ["NP9999", "E0308", ""] {
        let o = netpolc(&["--explain", arg]);
        assert_eq!(o.status.code(), Some(2), "{arg}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!("`{arg}` is not a netpolc diagnostic code")),
            "{err}"
        );
        assert!(
            err.contains("such as `NP0203`") && err.contains("NP0901"),
            "{err}"
        );
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn explain_is_usage_error_with_a_command_or_without_a_code() {
    assert_eq!(netpolc(&["--explain"]).status.code(), Some(2));
    assert_eq!(
        netpolc(&["--explain", "NP0101", "reach", "x.yaml"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(netpolc(&[]).status.code(), Some(2));
    let help = netpolc(&["--help"]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("--explain <CODE>"));
}
