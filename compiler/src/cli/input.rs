//! PLACEHOLDER owned by the loader work: replaced by the real input reader.

use crate::model::load::Source;

/// Reads PATHs into sources.
pub fn read_sources(paths: &[std::path::PathBuf]) -> Result<Vec<Source>, String> {
    paths
        .iter()
        .map(|p| {
            std::fs::read(p)
                .map(|bytes| Source { name: p.display().to_string(), bytes })
                .map_err(|e| format!("{}: {e}", p.display()))
        })
        .collect()
}
