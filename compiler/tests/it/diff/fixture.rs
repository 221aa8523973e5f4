//! Real, throw-away git repositories for `netpolc diff`: files written, commits made with
//! the `git` command line under a configuration of their own (no user or system
//! configuration, no inherited `GIT_DIR`), and the `netpolc` binary run inside them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A repository in a temporary directory, removed when dropped.
pub struct Repo {
    dir: tempfile::TempDir,
}

/// What one run printed and how it ended.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn of(o: Output) -> Run {
        Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// Fails unless the run ended with `code`, showing what it printed.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code,
            Some(code),
            "stdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Removes what a surrounding git (a hook, a test runner inside a repository) may have
/// set, so that both git and netpolc find the temporary repository by its directory.
pub fn isolated(mut c: Command, dir: &Path) -> Command {
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_CEILING_DIRECTORIES",
    ] {
        c.env_remove(var);
    }
    c.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("NO_COLOR", "1")
        .current_dir(dir);
    c
}

impl Repo {
    /// An empty repository on branch `main`.
    pub fn new() -> Repo {
        let repo = Repo {
            dir: tempfile::Builder::new()
                .prefix("netpolc-diff-")
                .tempdir()
                .expect("a temporary directory"),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.name", "netpolc tests"]);
        repo.git(&["config", "user.email", "tests@netpolc.invalid"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    /// The work tree's root.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs git in the work tree; fails the test when git fails. Returns its stdout.
    pub fn git(&self, args: &[&str]) -> String {
        let o = isolated(Command::new("git"), self.path())
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim().to_owned()
    }

    /// Writes a file (creating directories), relative to the root.
    pub fn write(&self, path: &str, text: &str) -> &Repo {
        let full = self.path().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(full, text).expect("write");
        self
    }

    /// Removes a file or directory, relative to the root.
    pub fn remove(&self, path: &str) -> &Repo {
        let full = self.path().join(path);
        if full.is_dir() {
            std::fs::remove_dir_all(full).expect("rm -r");
        } else {
            std::fs::remove_file(full).expect("rm");
        }
        self
    }

    /// Commits everything in the work tree; returns the commit's id.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Runs `netpolc ARGS` at the root.
    pub fn netpolc(&self, args: &[&str]) -> Run {
        self.netpolc_in(".", args)
    }

    /// Runs `netpolc ARGS` in a directory below the root.
    pub fn netpolc_in(&self, sub: &str, args: &[&str]) -> Run {
        let dir: PathBuf = self.path().join(sub);
        let o = isolated(Command::new(env!("CARGO_BIN_EXE_netpolc")), &dir)
            .args(args)
            .output()
            .expect("netpolc runs");
        Run::of(o)
    }
}
