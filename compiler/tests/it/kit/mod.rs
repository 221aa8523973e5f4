//! The machinery the areas share, kept in one place so that a generator or a writer is
//! written once: proptest's configuration for this binary.

pub mod proptest;
