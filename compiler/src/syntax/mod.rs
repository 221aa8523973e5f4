//! `syntax`: the text of one `.npl` file to its typed syntax tree.
//!
//! Input: a file name (for messages) and the file's text. Output: a [`SourceFile`] or
//! every error found, as [`Diagnostic`]s (NP0101-NP0103) ready for any renderer. The grammar is `grammar/netpol.pest` at the top of the
//! repository; `parser.rs` turns pest's pairs into [`ast`] types, one function per rule;
//! `errors.rs` names rules the human way.
//!
//! **Invariant:** syntax knows nothing of Kubernetes beyond lexical validity (port numbers,
//! address syntax), resolves no names, and never panics, whatever the text.

pub mod ast;
mod errors;
mod parser;

pub use ast::*;

use crate::diag::{Code, Diagnostic};

/// The pest parser generated from `grammar/netpol.pest`; private so that nothing outside
/// this module sees pest's rules.
mod grammar {
    #![allow(missing_docs)]
    use pest_derive::Parser;

    #[derive(Parser)]
    #[grammar = "../../grammar/netpol.pest"]
    pub(crate) struct NetpolParser;
}

use grammar::{NetpolParser, Rule};
use pest::Parser;

/// Parses one `.npl` file. `file_name` only labels errors.
///
/// A grammar error stops parsing and is the only error returned; lexical errors (a port
/// out of range, a malformed address) are collected from every statement.
pub fn parse(file_name: &str, text: &str) -> Result<SourceFile, Vec<Diagnostic>> {
    let mut pairs = match NetpolParser::parse(Rule::file, text) {
        Ok(pairs) => pairs,
        Err(e) => return Err(vec![errors::from_pest(file_name, text, &e)]),
    };
    let Some(file) = pairs.next() else {
        return Err(vec![Diagnostic::new(
            Code::Internal,
            "internal error: the parser produced nothing",
        )
        .at(file_name, Span::default())]);
    };
    let mut builder = parser::Builder::new(file_name);
    let items = builder.file(file);
    if builder.errors.is_empty() {
        Ok(SourceFile {
            name: file_name.to_owned(),
            items,
        })
    } else {
        Err(builder.errors)
    }
}
