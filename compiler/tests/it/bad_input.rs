//! Bad input meets a diagnostic at the user's line, never exit 3 or an abort (issue 15,
//! items 18 and 22): IPv4-mapped addresses, byte order marks, old Mac line ends, control
//! characters, 10 MB lines, dangling links, the YAML parser's limits and query ports.

use crate::kit::cli::{netpolc, stderr, stdout, SHOP};
use std::path::{Path, PathBuf};
use std::process::Output;

/// A fresh directory for one test.
fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("netpolc-bad-input-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// Writes `bytes` to `dir/name` and returns the path as a string.
fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("temp file");
    path.to_str().expect("utf-8 path").to_owned()
}

/// `compile --stdout` with short diagnostics.
fn compile(path: &str) -> Output {
    netpolc(&["compile", "--stdout", "--message-format", "short", path])
}

// ------------------------------------------------------------------ item 18

#[test]
fn mapped_addresses_are_refused_where_they_are_written() {
    let d = temp_dir("mapped");
    let f = write(
        &d,
        "a.npl",
        b"namespace shop {\n  egress only 10.0.0.0/8, ::ffff:1.2.3.4\n}\n",
    );
    let o = compile(&f);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("a.npl:2:27: error[NP0103]: `::ffff:1.2.3.4` is an IPv4-mapped IPv6 address"),
        "{err}"
    );
    assert!(err.contains("write the IPv4 form `1.2.3.4`"), "{err}");
    let f = write(&d, "b.npl", b"egress only ::ffff:10.0.0.0/104\n");
    let err = stderr(&compile(&f));
    assert!(err.contains("write the IPv4 form `10.0.0.0/8`"), "{err}");
    std::fs::remove_dir_all(&d).expect("cleanup");
}

/// All of `::ffff:0:0/96` was emitted as that mapped block, which the self-check refused
/// (NP0901, exit 3).
#[test]
fn the_mapped_block_compiles_written_around() {
    let d = temp_dir("around");
    let f = write(
        &d,
        "a.npl",
        b"namespace shop {\n  egress only ::fffe:0:0/95 except (::fffe:0:0/96)\n}\n",
    );
    let o = compile(&f);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("cidr: \"::fffe:0:0/95\""), "{out}");
    assert!(out.contains("- \"::fffe:0:0/96\""), "{out}");
    assert!(!out.contains("::ffff:"), "{out}");
    std::fs::remove_dir_all(&d).expect("cleanup");
}

#[test]
fn explain_does_not_answer_for_a_mapped_address_silently() {
    let plain = netpolc(&["explain", SHOP, "shop/api", "203.0.113.7", "tcp/443"]);
    assert!(stdout(&plain).starts_with("ALLOWED"), "{}", stdout(&plain));
    let mapped = netpolc(&["explain", SHOP, "shop/api", "::ffff:203.0.113.7", "tcp/443"]);
    assert_eq!(mapped.status.code(), Some(2), "{}", stdout(&mapped));
    let err = stderr(&mapped);
    assert!(
        err.contains("`::ffff:203.0.113.7` is an IPv4-mapped IPv6 address")
            && err.contains("ask about `203.0.113.7`"),
        "{err}"
    );
}

// ------------------------------------------------------------------ item 22

/// A byte order mark was "expected a statement ..., found `\u{feff}`".
#[test]
fn a_byte_order_mark_is_skipped_and_columns_do_not_count_it() {
    let d = temp_dir("bom");
    let ok = write(
        &d,
        "ok.npl",
        b"\xef\xbb\xbfnamespace shop {\n  isolate namespace\n}\n",
    );
    let o = compile(&ok);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bad = write(&d, "bad.npl", b"\xef\xbb\xbfegress only 10.0.0.300\n");
    let err = stderr(&compile(&bad));
    assert!(err.contains("bad.npl:1:13: error[NP0103]"), "{err}");
    std::fs::remove_dir_all(&d).expect("cleanup");
}

/// The grammar reads a lone CR as a line end, so messages count lines the same way; the
/// whole file was line 1.
#[test]
fn old_mac_line_ends_count_as_lines() {
    let d = temp_dir("cr");
    let f = write(
        &d,
        "cr.npl",
        b"namespace shop {\r  isolate namespace\r  egress only 10.0.0.300\r}\r",
    );
    let err = stderr(&compile(&f));
    assert!(err.contains("cr.npl:3:15: error[NP0103]"), "{err}");
    let human = stderr(&netpolc(&["compile", "--stdout", &f]));
    assert!(human.contains("3 |   egress only 10.0.0.300\n"), "{human}");
    std::fs::remove_dir_all(&d).expect("cleanup");
}

/// An ESC from the input reached the terminal: `ESC ] 0 ; title BEL` sets its title.
#[test]
fn control_characters_from_input_are_escaped_in_messages() {
    let d = temp_dir("esc");
    let f = write(
        &d,
        "esc.npl",
        b"namespace shop {\n  \x1b]0;pwned\x07web may talk to db\n}\n",
    );
    for format in ["human", "short", "github"] {
        let o = netpolc(&["compile", "--stdout", "--message-format", format, &f]);
        let err = stderr(&o);
        assert!(
            !err.contains('\u{1b}') && !err.contains('\u{7}'),
            "{format}: {err:?}"
        );
        assert!(err.contains("found `\\u{1b}`"), "{format}: {err}");
    }
    let m = write(
        &d,
        "np.yaml",
        b"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: \"a\\e]0;pwned\\a\"\n  namespace: shop\nspec:\n  podSelector: {}\n",
    );
    let err = stderr(&netpolc(&["reach", &m]));
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(err.contains("`a\\u{1b}]0;pwned\\u{7}`"), "{err}");
    std::fs::remove_dir_all(&d).expect("cleanup");
}

/// An error on a 10 MB line printed the line: the snippet is now a window around the
/// span, and a quote of megabytes in a message is cut in its middle.
#[test]
fn long_lines_and_long_quotes_are_cut() {
    let d = temp_dir("long");
    let mut text = b"namespace shop {\n  egress only ".to_vec();
    text.extend(b"10.0.0.1, ".repeat(1_000_000));
    text.extend(b"10.0.0.300, 10.0.0.2\n}\n");
    let f = write(&d, "long.npl", &text);
    let err = stderr(&netpolc(&["compile", "--stdout", &f]));
    assert!(err.len() < 2_000, "{} bytes", err.len());
    assert!(err.contains("--> "), "{err}");
    let snippet = err
        .lines()
        .find(|l| l.starts_with("2 | ..."))
        .unwrap_or_else(|| panic!("no cut line: {err}"));
    let carets = err.lines().find(|l| l.contains('^')).expect("carets");
    // The carets stand under the address they point at.
    let at = carets.find('^').expect("caret");
    assert_eq!(&snippet[at..at + 10], "10.0.0.300", "{err}");

    let mut text = b"namespace shop {\n  web may talk to pods(a=\"".to_vec();
    text.extend(b"v".repeat(5_000_000));
    text.extend(b"\")\n}\n");
    let f = write(&d, "quote.npl", &text);
    let o = compile(&f);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stderr.len() < 2_000, "{} bytes", o.stderr.len());
    assert!(stderr(&o).contains("vvv...vvv"), "{}", stderr(&o));
    std::fs::remove_dir_all(&d).expect("cleanup");
}

#[cfg(unix)]
#[test]
fn a_dangling_link_to_another_kind_of_file_is_skipped() {
    let d = temp_dir("links");
    write(&d, "a.npl", b"namespace shop {\n  isolate namespace\n}\n");
    std::os::unix::fs::symlink("missing", d.join("README.md")).expect("link");
    let dir = d.to_str().expect("utf-8 path");
    let o = compile(dir);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    std::os::unix::fs::symlink("gone.npl", d.join("b.npl")).expect("link");
    let o = compile(dir);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("b.npl: a symbolic link to `gone.npl` that cannot be followed"),
        "{err}"
    );
    std::fs::remove_dir_all(&d).expect("cleanup");
}

/// `invalid YAML: budget breached: Depth { depth: 65 }` was Rust debug text.
#[test]
fn parser_limits_are_sentences() {
    let d = temp_dir("deep");
    let deep = format!("a: {}{}\n", "[".repeat(70), "]".repeat(70));
    let f = write(&d, "deep.yaml", deep.as_bytes());
    let o = netpolc(&["reach", &f]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("nested more than 64 levels deep, the most netpolc reads"),
        "{err}"
    );
    assert!(!err.contains("Depth {"), "{err}");
    std::fs::remove_dir_all(&d).expect("cleanup");
}

/// `"port": 5432.0` was "not between 1 and 65535".
#[test]
fn a_query_port_that_is_no_integer_says_so() {
    let d = temp_dir("query");
    let q = write(
        &d,
        "q.json",
        br#"[{"src": "shop/api", "dst": "shop/db", "port": 5432.0}]"#,
    );
    let o = netpolc(&["reach", SHOP, "--query", &q]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("port `5432.0` must be an integer"), "{err}");
    std::fs::remove_dir_all(&d).expect("cleanup");
}

/// `explain` on dual-stack pods said "(over V4; ...)", Rust's debug name of the family.
#[test]
fn explain_names_address_families_in_words() {
    let d = temp_dir("dual");
    let pod = |name: &str, n: u8| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: shop, labels: {{app: {name}}}}}\n\
             status: {{podIP: 10.0.0.{n}, podIPs: [{{ip: 10.0.0.{n}}}, {{ip: \"fd00::{n}\"}}]}}\n---\n"
        )
    };
    let manifests = format!(
        "{}{}apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: b, namespace: shop}}\n\
         spec:\n  podSelector: {{matchLabels: {{app: b}}}}\n  ingress:\n  - from:\n    - ipBlock: {{cidr: 10.0.0.0/8}}\n",
        pod("a", 1),
        pod("b", 2)
    );
    let f = write(&d, "dual.yaml", manifests.as_bytes());
    let o = netpolc(&["explain", &f, "shop/a", "shop/b", "tcp/80"]);
    let out = stdout(&o);
    assert!(
        out.contains("(over IPv4; the pods have addresses of several families)"),
        "{out}{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(&d).expect("cleanup");
}
