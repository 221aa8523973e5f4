//! `netpolc explain`: one connection, allowed or denied, and why.

use super::{load_cluster, print_out, program, CliError, EngineArgs, NamespaceArgs};
use crate::diag::Format::Human;
use crate::ir::Protocol;
use crate::verify::Engine;
use std::path::PathBuf;

/// Arguments of `netpolc explain`.
#[derive(clap::Args, Debug)]
// One variadic positional holds the paths and the three fixed arguments after them (clap
// cannot put fixed positionals after a variadic one), so its usage is written by hand:
// derived from `num_args = 4..` it repeated the value name four times.
#[command(override_usage = "netpolc explain [OPTIONS] <PATH>... <SRC> <DST> <PROTO/PORT>")]
#[command(after_help = "Examples:\n  \
    netpolc explain manifests/ shop/web shop/db tcp/5432\n  \
    netpolc explain manifests/ shop/web 8.8.8.8 udp/53\n\n\
    SRC and DST are namespace/name (a Pod, a controller such as a Deployment, or a Pod it owns)\n\
    or an IP address. The exit code is 0 whether the connection is allowed or denied.")]
pub struct ExplainArgs {
    /// PATH... SRC DST PROTO/PORT: manifest files or directories, then SRC, DST and
    /// PROTO/PORT (such as `tcp/5432`; a bare number means TCP).
    #[arg(required = true, value_name = "ARGS")]
    args: Vec<String>,
    /// The project settings (`select-host-network`). Default: `netpolc.toml` in the
    /// current directory, if present.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    namespace: NamespaceArgs,
}

/// Runs `explain`.
pub fn run(args: &ExplainArgs) -> Result<u8, CliError> {
    let n = args.args.len();
    let (paths, rest) = args.args.split_at(n.saturating_sub(3));
    let ([_, ..], [src, dst, port]) = (paths, rest) else {
        return Err(CliError::bad(
            "usage: netpolc explain PATH... SRC DST PROTO/PORT",
        ));
    };
    let (protocol, port) = parse_proto_port(port).map_err(CliError::bad)?;
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    let settings = match program::load_settings(args.config.as_deref(), Human) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let cluster = load_cluster(&paths, args.namespace.get()?)?;
    let engine = Engine::new(&cluster, args.engine.options(&settings));
    let src = engine
        .resolve(src)
        .map_err(|e| CliError::bad(format!("SRC: {e}")))?;
    let dst = engine
        .resolve(dst)
        .map_err(|e| CliError::bad(format!("DST: {e}")))?;
    let answer = engine
        .answer(src, dst, protocol, port)
        .map_err(CliError::bad)?;
    let mut text = engine.explain(&answer, protocol, port);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    print_out(&text)?;
    Ok(super::exit::OK)
}

/// `tcp/5432`, `UDP/53`, `sctp/9`, or `5432` (TCP).
fn parse_proto_port(s: &str) -> Result<(Protocol, u16), String> {
    let (proto, port) = match s.split_once('/') {
        Some((p, n)) => (
            Protocol::from_any_case(p)
                .ok_or_else(|| format!("unknown protocol `{p}` in `{s}`: use tcp, udp or sctp"))?,
            n,
        ),
        None => (Protocol::Tcp, s),
    };
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p >= 1)
        .ok_or_else(|| format!("`{port}` is not a port number between 1 and 65535"))?;
    Ok((proto, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proto_port_forms() {
        assert_eq!(parse_proto_port("tcp/5432"), Ok((Protocol::Tcp, 5432)));
        assert_eq!(parse_proto_port("UDP/53"), Ok((Protocol::Udp, 53)));
        assert_eq!(parse_proto_port("80"), Ok((Protocol::Tcp, 80)));
        assert!(parse_proto_port("tcp/0").is_err());
        assert!(parse_proto_port("icmp/1").is_err());
        assert!(parse_proto_port("tcp/70000").is_err());
    }
}
