//! `resolve`: syntax trees to the resolved program ([`hir`]), then to its meaning per
//! namespace ([`Intent`](crate::ir::Intent)).

pub mod hir;
