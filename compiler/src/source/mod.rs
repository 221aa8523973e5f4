//! `source`: the bytes of the inputs and places in them, at the bottom of the crate.
//!
//! A [`Source`] is one input's name and bytes; a [`Span`] is a range of bytes in one
//! text; [`line_column`] and [`LineIndex`] turn offsets into the lines and columns
//! messages print; [`read`] reads PATH arguments into sources, under one read bound
//! ([`MAX_SOURCE_BYTES`]) for every reader.
//!
//! **Invariant:** imports nothing of the crate, so every phase can speak of sources and
//! places in them.

mod lines;
pub mod read;

pub use lines::{line_column, nth_line, LineIndex};
use std::fmt;

/// One input: a name for messages (the path as the user gave it, or "-" for stdin) and
/// its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The name used in messages; a name ending in `.json` is read as JSON.
    pub name: String,
    /// The content.
    pub bytes: Vec<u8>,
}

/// The largest source read, in bytes.
pub const MAX_SOURCE_BYTES: usize = 64 * 1024 * 1024;

/// What is said of a file past [`MAX_SOURCE_BYTES`], after its name: one phrase for
/// every reader (a flag's file, a program, a blob at a revision).
pub fn past_read_bound() -> String {
    format!(
        "larger than {} MiB, the most netpolc reads from one file",
        MAX_SOURCE_BYTES >> 20
    )
}
/// A range of byte offsets in one source text: `start..end`.
///
/// Equality ignores it: `Span { start: 0, end: 1 } == Span { start: 5, end: 9 }`.
#[derive(Clone, Copy, Default, Eq)]
pub struct Span {
    /// The first byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl PartialEq for Span {
    fn eq(&self, _: &Span) -> bool {
        true
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}
