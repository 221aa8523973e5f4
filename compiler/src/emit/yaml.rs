//! YAML printing with serde-saphyr (decision 0001), in the form kubectl reads back
//! unchanged.
//!
//! kubectl reads YAML 1.1 (sigs.k8s.io/yaml over go-yaml v2), where plain `on`, `no`, `y`,
//! `~`, `0x10` or `012` are booleans, null or numbers. serde-saphyr's default (not
//! `yaml_12`) quotes every string that YAML 1.1 would read as something else, keys
//! included; `golden/quoting/` pins that. Block scalars are turned off: a long annotation
//! folded with `>` would come back with a trailing newline.

use crate::diag::{Code, Diagnostic};
use serde::Serialize;

/// Serialises one value as a YAML document (no `---`), ending in a newline.
pub fn document<T: Serialize>(value: &T) -> Result<String, Diagnostic> {
    let options = serde_saphyr::ser_options! {
        prefer_block_scalars: false,
    };
    let mut text = serde_saphyr::to_string_with_options(value, options).map_err(|e| {
        Diagnostic::new(
            Code::Internal,
            format!("the YAML serialiser refused an emitted object: {e}"),
        )
    })?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// A kustomization listing `resources` (kustomize's `Kustomization`,
/// `kustomize.config.k8s.io/v1beta1`; no Rust crate types it, and it is three fields).
#[derive(Serialize)]
pub struct Kustomization<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    resources: &'a [String],
}

impl<'a> Kustomization<'a> {
    /// A kustomization of these resources (file or directory paths, relative).
    pub fn new(resources: &'a [String]) -> Kustomization<'a> {
        Kustomization {
            api_version: "kustomize.config.k8s.io/v1beta1",
            kind: "Kustomization",
            resources,
        }
    }
}
