//! The record of an output directory: the hidden file `.netpolc-files` at its root, which
//! lists every file netpolc wrote there. netpolc replaces and removes only the files that
//! the record of the directory it writes lists (and only while they still start with its
//! header), so a mistyped `-o .` or an output directory nested in another never touches
//! another run's files: ownership is what this root wrote, not what a file says of itself.

use super::{io_error, valid_relative};
use crate::diag::Diagnostic;
use crate::emit::GENERATED_HEADER;
use std::path::Path;

/// The record's name, at the root of the output directory.
pub const RECORD: &str = ".netpolc-files";

/// The record of `paths` (relative, `/`-separated), sorted; the record itself is not listed.
pub(super) fn render<'a>(paths: impl IntoIterator<Item = &'a String>) -> String {
    let mut sorted: Vec<&String> = paths.into_iter().filter(|p| *p != RECORD).collect();
    sorted.sort();
    let mut out = format!(
        "{GENERATED_HEADER}\n\
         # The files netpolc wrote in this directory, one a line: it replaces and removes only\n\
         # these, and only while their first line is the one above. Commit this file with them.\n"
    );
    for path in sorted {
        out.push_str(path);
        out.push('\n');
    }
    out
}

/// The paths a record lists. A line that is not a plain relative path inside the directory
/// (a record edited by hand, or by a pull request) is refused rather than acted on.
pub(super) fn parse(dir: &Path, content: &[u8]) -> Result<Vec<String>, Diagnostic> {
    let path = dir.join(RECORD);
    let text = std::str::from_utf8(content).map_err(|_| {
        io_error(
            &path,
            "is not UTF-8: it is not a record netpolc wrote",
            None,
        )
    })?;
    let mut paths = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Err(why) = valid_relative(line) {
            return Err(io_error(
                &path,
                &format!("lists `{}` on line {}, which {why}", line.escape_debug(), i + 1),
                None,
            )
            .with_help(format!(
                "netpolc writes only plain paths inside the directory there; restore `{RECORD}` from version control or delete it"
            )));
        }
        paths.push(line.to_owned());
    }
    Ok(paths)
}
