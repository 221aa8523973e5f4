//! `netpolc check`: are these NetworkPolicies (hand-edited output, or written by people)
//! exactly what the program means, for every cluster? Each difference is printed as a
//! diagnostic pointing at the statement involved, and can be written out as a tiny
//! cluster that `netpolc explain` replays.

mod default_namespace;

use super::{exit, input, output, program, CliError};
use crate::diag::{Code, Diagnostic, Format, LineIndex, Sources};
use crate::emit::OWNED_MARK;
use crate::ir::intent::SourceRef;
use crate::ir::WorkloadLabels;
use crate::model::{self, Direction, NoteAbout};
use crate::syntax::Span;
use crate::verify::equiv::Budget;
use crate::verify::equiv::{
    joined, OtherEnd, Provenance, Which, Witness, WITNESS_PEER, WITNESS_POD,
};
use crate::verify::proof::{self, Counterexample, Failure};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Arguments of `netpolc check`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    netpolc check --policies deploy/netpol                  # policies/*.npl against deploy/netpol\n  \
    netpolc check shop.npl --policies hand-written.yaml\n  \
    netpolc check --policies deploy/netpol --witnesses counterexamples\n\n\
    The proof holds for every cluster: any namespaces and labels, any pods, addresses and\n\
    named ports, network plugins whose ipBlocks match pod IPs or not, and both readings of\n\
    hostNetwork pods (node traffic, or pods that policies select; --select-host-network\n\
    proves for the second alone). Policy names, rule order and how ports or peers are\n\
    split across rules do not matter. Only NetworkPolicies\n\
    are read from the manifests; other kinds are ignored, and a problem in one is a note,\n\
    not an error.\n\n\
    Exit codes: 0 the policies mean exactly what the program says, 1 they differ (each\n\
    difference is printed with a concrete connection), 2 errors in the program or the\n\
    manifests, 3 internal error.")]
pub struct CheckArgs {
    /// Program files, or directories whose `.npl` files (recursively) are the program.
    /// Default: `policies/`.
    #[arg(value_name = "PROGRAM")]
    paths: Vec<PathBuf>,
    /// NetworkPolicy manifests: files, directories (their .yaml, .yml and .json files,
    /// recursively) or `-` for standard input. May be given more than once.
    #[arg(long = "policies", value_name = "PATH", required = true)]
    policies: Vec<PathBuf>,
    /// Write each counterexample as a small cluster (Namespaces and Pods) to
    /// DIR/counterexample-N.yaml, with the `netpolc explain` command that replays it.
    /// DIR is written as `compile -o` writes: counterexamples of an earlier run are
    /// replaced or removed, no other file is touched, no symbolic link is followed.
    #[arg(long, value_name = "DIR")]
    witnesses: Option<PathBuf>,
    /// How to print diagnostics: human, short, json, or github (workflow annotations).
    #[arg(long, value_name = "FORMAT", default_value = "human")]
    message_format: Format,
    /// The project settings. Default: `netpolc.toml` in the current directory, if present.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Prove only for network plugins that select and match hostNetwork pods like any pod
    /// (also `select-host-network = true` in netpolc.toml): a difference on a hostNetwork
    /// pod read as node traffic does not count. By default the proof holds under both
    /// readings.
    #[arg(long)]
    select_host_network: bool,
    #[command(flatten)]
    namespace: super::NamespaceArgs,
}

/// Runs `netpolc check`.
pub fn run(args: &CheckArgs) -> Result<u8, CliError> {
    let format = args.message_format;
    let namespace = args.namespace.get()?;
    let settings = match program::load_settings(args.config.as_deref(), format) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let select_host_network = args.select_host_network || settings.select_host_network;
    let compiled = match program::compile_with(&args.paths, &settings, format)? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let sources = input::read_sources(&args.policies).map_err(CliError::bad)?;
    // `check` compares NetworkPolicies only, so it reads them alone: a problem in another
    // kind (a kustomize `$patch: delete` stub, a Deployment in two overlays) is a note and
    // does not fail it. `reach` and `explain` answer about pods, so a broken workload
    // stays an error there (`cli::load_cluster`).
    let cluster = match model::load_policies_in(&sources, namespace) {
        Ok(cluster) => cluster,
        Err(errors) => {
            program::print(&errors, &model::load::texts(&sources, &errors), format);
            return Ok(exit::BAD_INPUT);
        }
    };
    let notes: Vec<&model::Note> = cluster
        .notes
        .iter()
        .filter(|n| {
            matches!(
                n.about,
                NoteAbout::NetworkPolicy | NoteAbout::Ignored | NoteAbout::RefusedWhenNew
            )
        })
        .collect();
    super::print_notes(&sources, &notes, format);
    if let Some(warning) = default_namespace::warning(&compiled, &cluster, namespace) {
        program::print(&[warning], &compiled.sources, format);
    }
    let policies = cluster.policies.len();
    let budget = Budget::new(proof::BUDGET);
    let proved = proof::prove_with(
        &compiled.intent,
        &cluster.policies,
        &budget,
        select_host_network,
    );
    let counterexamples = match proved {
        Ok(()) => Vec::new(),
        Err(Failure::Differ(c)) => c,
        Err(Failure::TooLarge { namespace }) => {
            program::print(&[proof::too_large(&namespace)], &compiled.sources, format);
            return Ok(exit::BAD_INPUT);
        }
    };
    let written = match &args.witnesses {
        // An existing directory is brought up to date even when there is nothing to write,
        // so that no counterexample of an earlier run is left to mislead.
        Some(dir) if !counterexamples.is_empty() || dir.exists() => {
            match write_witnesses(dir, &counterexamples, &args.policies) {
                Ok(commands) => commands,
                Err(diags) => {
                    program::print(&diags, &compiled.sources, format);
                    return Ok(program::exit_for(&diags));
                }
            }
        }
        _ => Vec::new(),
    };
    if counterexamples.is_empty() {
        eprintln!(
            "{} {} exactly what the program says, for every cluster",
            the_policies(policies),
            if policies == 1 { "means" } else { "mean" }
        );
        return Ok(exit::OK);
    }
    let blocks = namespace_blocks(&compiled.sources);
    let diags: Vec<Diagnostic> = counterexamples
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let d = diagnostic(c, &compiled.sources, &blocks, written.get(i));
            workload_notes(&c.witness, &compiled.program.workload_labels)
                .into_iter()
                .fold(d, Diagnostic::with_note)
        })
        .collect();
    program::print(&diags, &compiled.sources, format);
    if format == Format::Human {
        eprintln!(
            "{} {} from the program: {}",
            the_policies(policies),
            if policies == 1 { "differs" } else { "differ" },
            crate::diag::count(diags.len(), "counterexample", "counterexamples")
        );
    }
    Ok(exit::FAILED)
}

/// `the NetworkPolicy`, `the 3 NetworkPolicies`, `no NetworkPolicies`.
fn the_policies(n: usize) -> String {
    match n {
        0 => "no NetworkPolicies".to_owned(),
        1 => "the NetworkPolicy".to_owned(),
        n => format!("the {n} NetworkPolicies"),
    }
}

/// One counterexample as a diagnostic, at the statement that allows the connection or,
/// when the program denies it, at the statement that isolates the pod; when the program
/// allows it only because nothing isolates the pod, at the namespace's block.
fn diagnostic(
    c: &Counterexample,
    sources: &Sources,
    blocks: &NamespaceBlocks,
    replay: Option<&String>,
) -> Diagnostic {
    let w = &c.witness;
    let program_allows = w.allowed_by == Which::Left;
    let (message, statements, label) = if program_allows {
        (
            "the policies deny a connection the program allows",
            &w.allowing,
            "allows it",
        )
    } else {
        (
            "the policies allow a connection the program denies",
            &w.isolating,
            "isolates the pod, and no statement allows the connection",
        )
    };
    let mut d = Diagnostic::new(Code::PoliciesDiffer, message);
    let mut places = statements.iter().filter_map(|s| statement_span(s, sources));
    if let Some((file, span)) = places.next() {
        d = d.at(&file, span);
        if let Some(primary) = d.primary.as_mut() {
            primary.message = Some(label.to_owned());
        }
    }
    for (file, span) in places {
        d = d.with_secondary(&file, span, label);
    }
    if d.primary.is_none() {
        // No statement caused it: the program does not isolate the pod, so it allows the
        // connection (a side only denies pods it isolates). Point at the namespace's block,
        // where an `isolate` would go, or say so without a place when there is none.
        let ns = &w.point.namespace;
        let nothing = format!(
            "no statement isolates this pod of namespace `{ns}` for {}, so the program allows every such connection",
            w.point.direction.word()
        );
        match blocks.get(ns) {
            Some((file, span)) => {
                d = d.at(file, *span);
                if let Some(primary) = d.primary.as_mut() {
                    primary.message = Some(format!(
                        "no statement here isolates the pod for {}, so the program allows the connection",
                        w.point.direction.word()
                    ));
                }
            }
            None => d = d.with_note(nothing),
        }
    }
    d = d.with_note(format!("connection: {}", w.connection()));
    // What allows it on the allowing side; nothing there when that side does not isolate
    // the pod at all.
    let allowing = |nothing: &str| {
        if w.allowing.is_empty() {
            nothing.to_owned()
        } else {
            joined(&w.allowing)
        }
    };
    d = d.with_note(if program_allows {
        format!(
            "the program allows it ({}); the policies deny it: the pod is isolated by {}, and no rule allows the connection",
            allowing("it does not isolate the pod"),
            joined(&w.isolating)
        )
    } else {
        format!(
            "the policies allow it ({}); the program denies it",
            allowing("no policy isolates the pod")
        )
    });
    if !c.plugins.caveat().is_empty() {
        d = d.with_note(format!("this difference shows {}", c.plugins.caveat()));
    }
    if c.on_host_network() {
        d = d.with_note(
            "the other end uses the host network, read as node traffic (the most common \
             implementation); a plugin that selects such pods like any pod may not show this \
             difference (`--select-host-network` proves for those alone)",
        );
    }
    if let Some(replay) = replay {
        d = d.with_help(format!("replay it: {replay}"));
    }
    d
}

/// Which label a workload name stood for, for each namespace of the connection whose pod
/// carries that namespace's workload label: the pods of a counterexample are shown by
/// their labels, the statements name workloads, and the key differs between namespaces.
fn workload_notes(w: &Witness, labels: &WorkloadLabels) -> Vec<String> {
    let mut pods: Vec<(&str, &crate::model::Labels)> =
        vec![(&w.point.namespace, &w.point.pod_labels)];
    if let OtherEnd::Pod {
        namespace, labels, ..
    } = &w.point.other
    {
        pods.push((namespace, labels));
    }
    let mut named: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (namespace, pod) in pods {
        if let Some(value) = pod.get(labels.key(namespace)) {
            let names = named.entry(namespace).or_default();
            let name = format!("`{namespace}/{value}`");
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    named
        .into_iter()
        .map(|(namespace, names)| {
            let label = labels.label(namespace);
            format!(
                "in namespace `{namespace}` a workload name stands for the label `{}` ({}): {} {}",
                label.key,
                label.origin,
                if names.len() == 1 {
                    "the pod above is"
                } else {
                    "the pods above are"
                },
                names.join(" and ")
            )
        })
        .collect()
}

/// Per namespace, the first line of the program's first `namespace NS { }` block.
type NamespaceBlocks = BTreeMap<String, (String, Span)>;

/// The namespace blocks of the program, each file parsed once (the compiled program keeps
/// no block's place).
fn namespace_blocks(sources: &Sources) -> NamespaceBlocks {
    use crate::syntax::{Item, NsRef};
    let mut blocks = NamespaceBlocks::new();
    for (file, text) in sources.files() {
        let Ok(parsed) = crate::syntax::parse(file, text) else {
            continue;
        };
        for item in &parsed.items {
            let Item::Namespace(b) = item else { continue };
            let NsRef::Name(ns) = &b.namespace else {
                continue;
            };
            let start = b.span.start;
            let Some(rest) = text.get(start..) else {
                continue;
            };
            let end = start + rest.find('\n').unwrap_or(rest.len());
            blocks
                .entry(ns.clone())
                .or_insert_with(|| (file.to_owned(), Span { start, end }));
        }
    }
    blocks
}

/// The span of the statement a provenance names: its line, without the indentation.
fn statement_span(provenance: &Provenance, sources: &Sources) -> Option<(String, Span)> {
    let Provenance::Statement(SourceRef { file, line, .. }) = provenance else {
        return None;
    };
    let text = sources.text(file)?;
    let line = *line;
    let start = LineIndex::new(text).start(line)?;
    let rest = text.get(start..)?;
    let end = start + rest.find('\n').unwrap_or(rest.len());
    let indent = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    Some((
        file.to_owned(),
        Span {
            start: (start + indent).min(end),
            end: text.get(..end)?.trim_end().len().max(start + indent),
        },
    ))
}

/// Writes `DIR/counterexample-N.yaml` for each counterexample, through `output::write`
/// (the directory's record: stale counterexamples go, other files stay, links are not
/// followed), and returns, for each, the `netpolc explain` command that replays it, quoted
/// for a POSIX shell.
fn write_witnesses(
    dir: &Path,
    counterexamples: &[Counterexample],
    policies: &[PathBuf],
) -> Result<Vec<String>, Vec<Diagnostic>> {
    let mut files = BTreeMap::new();
    let mut commands = Vec::new();
    for (i, c) in counterexamples.iter().enumerate() {
        let name = format!("counterexample-{}.yaml", i + 1);
        let (src, dst) = endpoints(&c.witness);
        let w = &c.witness;
        let mut command = vec!["netpolc".to_owned(), "explain".to_owned()];
        command.push(dir.join(&name).display().to_string());
        command.extend(policies.iter().map(|p| p.display().to_string()));
        command.extend([
            src,
            dst,
            format!(
                "{}/{}",
                w.point.protocol.as_k8s().to_lowercase(),
                w.point.port
            ),
        ]);
        if !c.options.ipblock_matches_pods {
            command.push("--no-ipblock-pods".to_owned());
        }
        if c.options.select_host_network {
            command.push("--select-host-network".to_owned());
        }
        let command = command
            .iter()
            .map(|arg| shell_quote(arg))
            .collect::<Vec<_>>()
            .join(" ");
        let verdict = match w.allowed_by {
            Which::Left => "the program allows it, the policies deny it",
            Which::Right => "the policies allow it, the program denies it",
        };
        let text = format!(
            "{OWNED_MARK} check: counterexample {}\n# {}: {verdict}.\n# Replay: {command}\n{}\n",
            i + 1,
            w.connection(),
            w.manifests()
        );
        files.insert(name, text);
        commands.push(command);
    }
    output::write(dir, &files)?;
    Ok(commands)
}

/// `arg` as one word of a POSIX shell: as it is when it holds only characters no shell
/// treats specially, else in single quotes (a quote inside written `'\''`).
fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b));
    if plain {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

/// SRC and DST of the witness's connection, as `netpolc explain` takes them.
fn endpoints(w: &Witness) -> (String, String) {
    let p = &w.point;
    let pod = format!("{}/{WITNESS_POD}", p.namespace);
    let other = match &p.other {
        OtherEnd::Pod { namespace, .. } => format!("{namespace}/{WITNESS_PEER}"),
        OtherEnd::HostNetworkPod { .. } => format!("{}/{WITNESS_PEER}", p.namespace),
        OtherEnd::Address(ip) => ip.to_string(),
    };
    match p.direction {
        Direction::Egress => (pod, other),
        Direction::Ingress => (other, pod),
    }
}
