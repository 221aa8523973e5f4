//! `netpolc completions SHELL` and `netpolc man`: generated from the clap definition, so they
//! name every command the binary has (the commands are read from `--help`, not listed here).

use std::process::Command;

fn netpolc(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_netpolc"))
        .args(args)
        .output()
        .expect("run netpolc");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

/// The commands `netpolc --help` lists (the lines under `Commands:`), without clap's `help`.
fn commands() -> Vec<String> {
    let (code, help, _) = netpolc(&["--help"]);
    assert_eq!(code, 0);
    let list = help
        .split("Commands:\n")
        .nth(1)
        .expect("a Commands section");
    let names: Vec<String> = list
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_string)
        .collect();
    for expected in [
        "compile",
        "check",
        "reach",
        "diff",
        "explain",
        "completions",
        "man",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    names
}

#[test]
fn bash_completions_name_every_command() {
    let (code, script, _) = netpolc(&["completions", "bash"]);
    assert_eq!(code, 0);
    assert!(script.contains("complete -F _netpolc"), "{script}");
    for command in commands() {
        assert!(
            script.contains(&format!("netpolc__subcmd__{command}")),
            "bash completions lack {command}"
        );
    }
}

#[test]
fn every_shell_has_completions() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (code, script, stderr) = netpolc(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(script.contains("compile"), "{shell}: {script}");
    }
    let (code, _, stderr) = netpolc(&["completions", "tcsh"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("possible values"), "{stderr}");
}

#[test]
fn the_man_page_names_every_command() {
    let (code, page, _) = netpolc(&["man"]);
    assert_eq!(code, 0);
    assert!(page.contains(".TH netpolc 1"), "{page}");
    assert!(page.contains(&format!("netpolc {}", env!("CARGO_PKG_VERSION"))));
    for command in commands() {
        // roff escapes the hyphen: netpolc\-compile(1).
        assert!(
            page.contains(&format!("netpolc\\-{command}(1)")),
            "netpolc(1) lacks {command}"
        );
        let (code, sub, stderr) = netpolc(&["man", &command]);
        assert_eq!(code, 0, "{command}: {stderr}");
        assert!(sub.contains(&format!(".TH netpolc-{command} 1")), "{sub}");
        assert!(sub.contains(&format!("\\fBnetpolc {command}\\fR")), "{sub}");
    }
    let (code, _, stderr) = netpolc(&["man", "nope"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not a netpolc command"), "{stderr}");
}

/// A reader that went away (`netpolc completions bash | head` when the shell closes the
/// pipe first) is the user's I/O failing: exit 2, never clap_complete's panic (exit 3).
#[cfg(unix)]
#[test]
fn a_closed_pipe_is_exit_2_not_a_panic() {
    for args in [&["completions", "bash"][..], &["man"][..]] {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_netpolc"))
            .args(args)
            .stdout(writer)
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("cannot write to standard output"), "{err}");
    }
}
