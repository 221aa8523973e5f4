//! Running the `netpolc` binary the way the command-line tests do: from the crate's
//! directory, with its output as text.

use std::process::{Command, Output};

/// The shipped example cluster, relative to the crate's directory.
pub const SHOP: &str = "../examples/manifests/shop.yaml";

/// `netpolc ARGS`, run in the crate's directory.
pub fn netpolc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netpolc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the netpolc binary runs")
}

/// What a run printed on standard output.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What a run printed on standard error.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
