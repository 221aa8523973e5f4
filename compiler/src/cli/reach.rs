//! `netpolc reach`: the connectivity map, or answers to a batch of questions.

use super::{input, load_cluster, print_out, print_with, program};
use super::{CliError, EngineArgs, NamespaceArgs};
use crate::diag::Format::Human;
use crate::ir::Protocol;
use crate::model::Cluster;
use crate::report;
use crate::verify::{Engine, ReachMap, MAX_PAIRS};
use serde_json::{Map, Value};
use std::path::PathBuf;

/// How `reach` prints.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// JSON for tools (the schema is in the README).
    Json,
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart, for Markdown.
    Mermaid,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Dot => "dot",
            Format::Mermaid => "mermaid",
        }
    }
}

/// Arguments of `netpolc reach`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    netpolc reach manifests/\n  \
    netpolc reach cluster.yaml -o mermaid > map.md\n  \
    netpolc reach manifests/ --query questions.json\n\n\
    A query file is a JSON array of {\"src\", \"dst\", \"protocol\", \"port\"}; src and dst are\n\
    namespace/name (a Pod, a controller such as a Deployment, or a Pod it owns) or an IP address.\n\
    The answer is the same array with \"allowed\" and \"reason\" added to each element.")]
pub struct ReachArgs {
    /// Manifest files or directories (read recursively: *.yaml, *.yml, *.json); `-` reads stdin.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format: `table` for people, `json` for tools, `dot` or `mermaid` for pictures.
    /// With --query: `json` (default) or `table`.
    #[arg(short, long, value_enum)]
    output: Option<Format>,
    /// Answer the questions in this JSON file instead of printing the whole map.
    #[arg(long, value_name = "FILE")]
    query: Option<PathBuf>,
    /// The project settings (`select-host-network`). Default: `netpolc.toml` in the
    /// current directory, if present.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    namespace: NamespaceArgs,
}

/// Runs `reach`.
pub fn run(args: &ReachArgs) -> Result<u8, CliError> {
    let settings = match program::load_settings(args.config.as_deref(), Human) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let cluster = load_cluster(&args.paths, args.namespace.get()?)?;
    let engine = Engine::new(&cluster, args.engine.options(&settings));
    if let Some(file) = &args.query {
        let bytes = input::read_limited(file)
            .map_err(|e| CliError::bad(format!("cannot read the query file: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|_| {
            CliError::bad(format!(
                "the query file `{}` is not UTF-8 text",
                file.display()
            ))
        })?;
        let answers = answer_queries(&engine, &text)
            .map_err(|e| CliError::bad(format!("{}: {e}", file.display())))?;
        let out = match args.output.unwrap_or(Format::Json) {
            Format::Json => pretty_json(&Value::Array(answers))?,
            Format::Table => report::query_table(&answers),
            other => {
                return Err(CliError::bad(format!(
                    "--query answers print as `json` or `table`, not `{}`",
                    other.name()
                )))
            }
        };
        print_out(&out)?;
        return Ok(super::exit::OK);
    }
    let map = engine.reach_map();
    if !map.truncated {
        return render(args.output, &cluster, &map, &[]);
    }
    // Too many pairs to list: the map between groups of workloads that connect alike
    // says the same in fewer entries.
    let grouped = engine.grouped_map(MAX_PAIRS);
    let view = grouped.cluster(&cluster);
    let groups: Vec<(String, Vec<String>)> = view
        .workloads
        .iter()
        .zip(&grouped.groups)
        .filter(|(_, members)| members.len() > 1)
        .map(|(w, _)| (w.id(), w.pods.clone()))
        .collect();
    eprintln!(
        "note: more than {MAX_PAIRS} pairs of workloads can connect: workloads of one namespace that \
         connect exactly alike are shown as one group ({} for {}; `web-0+9` is web-0 \
         and 9 more{}).",
        crate::diag::count(grouped.groups.len(), "group", "groups"),
        crate::diag::count(cluster.workloads.len(), "workload", "workloads"),
        if args.output == Some(Format::Json) {
            ", listed under \"groups\""
        } else {
            ""
        }
    );
    if grouped.map.truncated {
        eprintln!(
            "note: the groups still connect in more than {MAX_PAIRS} pairs; the map lists the first \
             {MAX_PAIRS} (by source, then destination){}. Ask about given pairs with --query, or map \
             fewer namespaces at once.",
            if args.output == Some(Format::Json) {
                " and says \"truncated\": true"
            } else {
                ""
            }
        );
    }
    render(args.output, &view, &grouped.map, &groups)
}

/// Prints the map in the format asked for (a table by default).
fn render(
    format: Option<Format>,
    cluster: &Cluster,
    map: &ReachMap,
    groups: &[(String, Vec<String>)],
) -> Result<u8, CliError> {
    match format.unwrap_or(Format::Table) {
        Format::Table => print_out(&report::table(cluster, map))?,
        Format::Json => print_with(|out| report::write_json(cluster, map, groups, out))?,
        Format::Dot => print_out(&report::dot(cluster, map))?,
        Format::Mermaid => print_out(&report::mermaid(cluster, map))?,
    }
    Ok(super::exit::OK)
}

fn pretty_json(v: &Value) -> Result<String, CliError> {
    serde_json::to_string_pretty(v)
        .map(|s| s + "\n")
        .map_err(|e| CliError::Internal(format!("cannot serialise JSON: {e}")))
}

/// Answers every question of a query file, keeping each element's fields and
/// adding `allowed` and `reason`.
pub fn answer_queries(engine: &Engine<'_>, text: &str) -> Result<Vec<Value>, String> {
    let value: Value =
        crate::model::strict_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let Value::Array(items) = value else {
        return Err(
            "a query file is a JSON array of {\"src\", \"dst\", \"protocol\", \"port\"}".into(),
        );
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let Value::Object(mut obj) = item else {
            return Err(format!(
                "element {i}: expected an object with src, dst, protocol and port"
            ));
        };
        let (src, dst, protocol, port) =
            parse_question(&obj).map_err(|e| format!("element {i}: {e}"))?;
        let src = engine
            .resolve(&src)
            .map_err(|e| format!("element {i}: src: {e}"))?;
        let dst = engine
            .resolve(&dst)
            .map_err(|e| format!("element {i}: dst: {e}"))?;
        let answer = engine
            .answer(src, dst, protocol, port)
            .map_err(|e| format!("element {i}: {e}"))?;
        obj.insert("allowed".into(), Value::Bool(answer.allowed));
        obj.insert("reason".into(), Value::String(answer.reason));
        out.push(Value::Object(obj));
    }
    Ok(out)
}

fn parse_question(obj: &Map<String, Value>) -> Result<(String, String, Protocol, u16), String> {
    let text = |k: &str| -> Result<String, String> {
        match obj.get(k) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(format!("`{k}` must be a string")),
            None => Err(format!("missing `{k}`")),
        }
    };
    let protocol = match obj.get("protocol") {
        None => Protocol::Tcp,
        Some(Value::String(s)) => Protocol::from_any_case(s)
            .ok_or_else(|| format!("unknown protocol `{s}`: use TCP, UDP or SCTP"))?,
        Some(_) => return Err("`protocol` must be a string: TCP, UDP or SCTP".into()),
    };
    let port = match obj.get("port") {
        Some(Value::Number(n)) if !n.is_i64() && !n.is_u64() => {
            return Err(format!("port `{n}` must be an integer between 1 and 65535"))
        }
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .filter(|n| *n >= 1)
            .ok_or_else(|| format!("port `{n}` is not between 1 and 65535"))?,
        Some(_) => return Err("`port` must be a number between 1 and 65535".into()),
        None => return Err("missing `port`".into()),
    };
    for k in obj.keys() {
        if !["src", "dst", "protocol", "port", "allowed", "reason"].contains(&k.as_str()) {
            return Err(format!(
                "unknown field `{k}`: expected src, dst, protocol and port"
            ));
        }
    }
    Ok((text("src")?, text("dst")?, protocol, port))
}
