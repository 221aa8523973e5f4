//! Running `netpolc check` as a user does, and believing its counterexamples only once
//! two independent readings confirm them: the reach engine on the policies checked, and
//! the oracle `verify::intent` (the language's meaning, read straight from the program)
//! on the program, each on the cluster of the counterexample file it wrote.

use netpolc::model::{self, Cluster, Direction, NetworkPolicy, Source};
use netpolc::pipeline::{compile, Compiled, ProgramFile, Settings};
use netpolc::verify::intent::Oracle;
use netpolc::verify::sample::sample_cluster;
use netpolc::verify::{Endpoint, Engine, Options};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every program under `examples/` and `golden/` that compiles (the golden directory
/// also holds programs that must not), by path relative to the root, sorted.
pub fn programs() -> Vec<(String, Compiled)> {
    let mut out = Vec::new();
    for dir in ["examples", "golden"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
            .expect("the directory exists")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "npl"))
            .collect();
        paths.sort();
        for path in paths {
            let name = format!("{dir}/{}", path.file_name().unwrap().to_string_lossy());
            let file = ProgramFile {
                name: name.clone(),
                bytes: std::fs::read(&path).unwrap(),
            };
            match compile(&[file], &Settings::default()) {
                Ok(c) => out.push((name, c)),
                // Only user errors: an internal error is a failed self-check.
                Err(f) => assert!(
                    f.diagnostics
                        .iter()
                        .all(|d| d.code != netpolc::diag::Code::Internal),
                    "{name}: {:?}",
                    f.diagnostics
                ),
            }
        }
    }
    assert!(out.len() >= 20, "expected the examples and golden programs");
    out
}

/// What one run printed and returned.
pub struct Run {
    pub code: i32,
    pub stderr: String,
}

/// Runs `netpolc` with `args` in the repository root.
pub fn netpolc(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_netpolc"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("netpolc runs");
    Run {
        code: out.status.code().expect("an exit code, not a signal"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Compiles `program` (relative to the root) into `dir/out` through the command line.
pub fn compile_into(program: &str, dir: &Path) -> PathBuf {
    let out = dir.join("out");
    let run = netpolc(&["compile", program, "-o", &out.display().to_string()]);
    assert_eq!(run.code, 0, "{program}: {}", run.stderr);
    out
}

/// `netpolc check PROGRAM --policies POLICIES --witnesses WITNESSES`.
pub fn check(program: &Path, policies: &Path, witnesses: &Path) -> Run {
    let run = netpolc(&[
        "check",
        &program.display().to_string(),
        "--policies",
        &policies.display().to_string(),
        "--witnesses",
        &witnesses.display().to_string(),
        "--message-format",
        "short",
    ]);
    assert!(
        run.code == 0 || run.code == 1,
        "check exits {}:\n{}",
        run.code,
        run.stderr
    );
    run
}

/// A counterexample file as `check --witnesses` writes it.
#[derive(Debug)]
pub struct Counterexample {
    pub file: PathBuf,
    pub direction: Direction,
    pub program_allows: bool,
    pub src: String,
    pub dst: String,
    pub protocol: netpolc::ir::Protocol,
    pub port: u16,
    pub options: Options,
    pub cluster: Cluster,
}

/// Every counterexample file in `dir`, in order.
pub fn counterexamples(dir: &Path) -> Vec<Counterexample> {
    let mut out = Vec::new();
    for n in 1.. {
        let file = dir.join(format!("counterexample-{n}.yaml"));
        let Ok(text) = std::fs::read_to_string(&file) else {
            break;
        };
        let lines: Vec<&str> = text.lines().collect();
        let what = lines[1].strip_prefix("# ").expect("the connection line");
        let direction = if what.starts_with("ingress ") {
            Direction::Ingress
        } else {
            assert!(what.starts_with("egress "), "{what}");
            Direction::Egress
        };
        let program_allows = what.ends_with("the program allows it, the policies deny it.");
        assert!(
            program_allows || what.ends_with("the policies allow it, the program denies it."),
            "{what}"
        );
        let replay = lines[2]
            .strip_prefix("# Replay: ")
            .expect("the replay line");
        let mut words: Vec<&str> = replay.split(' ').collect();
        let (mut ipblock_matches_pods, mut select_host_network) = (true, false);
        while let Some(&flag) = words.last().filter(|w| w.starts_with("--")) {
            match flag {
                "--no-ipblock-pods" => ipblock_matches_pods = false,
                "--select-host-network" => select_host_network = true,
                other => panic!("an unexpected flag in the replay command: {other}"),
            }
            words.pop();
        }
        let [.., src, dst, port] = &words[..] else {
            panic!("{replay}")
        };
        let (protocol, port) = port.split_once('/').expect("PROTO/PORT");
        let cluster = model::load(&[Source {
            name: file.display().to_string(),
            bytes: text.clone().into_bytes(),
        }])
        .unwrap_or_else(|e| panic!("{}: {e:?}", file.display()));
        out.push(Counterexample {
            file,
            direction,
            program_allows,
            src: src.to_string(),
            dst: dst.to_string(),
            protocol: netpolc::ir::Protocol::from_any_case(protocol).expect("a protocol"),
            port: port.parse().expect("a port"),
            options: Options {
                ipblock_matches_pods,
                select_host_network,
            },
            cluster,
        });
    }
    out
}

impl Counterexample {
    /// The pod whose side it is, and the other end, in the counterexample's cluster.
    fn ends(&self, engine: &Engine<'_>) -> (Endpoint, Endpoint) {
        let resolve = |s: &str| {
            engine
                .resolve(s)
                .unwrap_or_else(|e| panic!("{s}: {e}"))
                .endpoint
        };
        let (src, dst) = (resolve(&self.src), resolve(&self.dst));
        match self.direction {
            Direction::Egress => (src, dst),
            Direction::Ingress => (dst, src),
        }
    }

    /// What the reach engine says of the side, with `policies` applied.
    pub fn engine_allows(&self, policies: &[NetworkPolicy]) -> bool {
        let mut cluster = self.cluster.clone();
        cluster.policies = policies.to_vec();
        let engine = Engine::new(&cluster, self.options);
        let (pod, other) = self.ends(&engine);
        let Endpoint::Workload(pod) = pod else {
            panic!("{}: the side's pod is not a workload", self.file.display())
        };
        let family = engine
            .families(Endpoint::Workload(pod), other)
            .first()
            .copied()
            .flatten();
        engine
            .side(self.direction, pod, other, family)
            .ports
            .contains(self.protocol, self.port)
    }

    /// What the language's meaning says of the side, read from the program.
    pub fn oracle_allows(&self, compiled: &Compiled) -> bool {
        let engine = Engine::new(&self.cluster, self.options);
        let (pod, other) = self.ends(&engine);
        let Endpoint::Workload(pod) = pod else {
            panic!("{}: the side's pod is not a workload", self.file.display())
        };
        Oracle::new(&compiled.program, &self.cluster, self.options).side_allows(
            self.direction,
            pod,
            other,
            self.protocol,
            self.port,
        )
    }

    /// Fails unless both readings confirm it: the program (oracle) and the policies
    /// (engine) give the side the verdicts the file claims.
    pub fn confirm(&self, compiled: &Compiled, policies: &[NetworkPolicy]) {
        assert_eq!(
            self.oracle_allows(compiled),
            self.program_allows,
            "the oracle does not confirm {}:\n{}",
            self.file.display(),
            std::fs::read_to_string(&self.file).unwrap_or_default()
        );
        assert_eq!(
            self.engine_allows(policies),
            !self.program_allows,
            "the engine does not confirm {}:\n{}",
            self.file.display(),
            std::fs::read_to_string(&self.file).unwrap_or_default()
        );
    }
}

/// The policies of a directory or file, read as `netpolc check` reads them.
pub fn load_policies(path: &Path) -> Vec<NetworkPolicy> {
    let sources = netpolc::cli::input::read_sources(&[path.to_path_buf()])
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    model::load(&sources)
        .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()))
        .policies
}

/// Whether the engine gives two policy sets the same side verdicts on the program's
/// sampled clusters, for every workload, other end and direction.
pub fn same_on_samples(compiled: &Compiled, a: &[NetworkPolicy], b: &[NetworkPolicy]) -> bool {
    (0..2).all(|seed| {
        let sample = sample_cluster(&compiled.program, seed);
        let mut ca = model::load(&[Source {
            name: "sample.yaml".into(),
            bytes: sample.yaml.clone().into_bytes(),
        }])
        .expect("samples load");
        let mut cb = ca.clone();
        ca.policies = a.to_vec();
        cb.policies = b.to_vec();
        let options = Options::default();
        let (ea, eb) = (Engine::new(&ca, options), Engine::new(&cb, options));
        let n = ca.workloads.len();
        let mut others: Vec<Endpoint> = (0..n).map(Endpoint::Workload).collect();
        others.extend(
            sample
                .probe
                .addresses
                .iter()
                .map(|ip| Endpoint::Address(*ip)),
        );
        (0..n).all(|s| {
            others.iter().all(|&o| {
                [Direction::Ingress, Direction::Egress].iter().all(|&d| {
                    let f = ea
                        .families(Endpoint::Workload(s), o)
                        .first()
                        .copied()
                        .flatten();
                    ea.side(d, s, o, f).ports == eb.side(d, s, o, f).ports
                })
            })
        })
    })
}
