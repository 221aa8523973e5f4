//! Equivalence of policy sets for every cluster (`verify::equiv`): rewrites that keep the
//! meaning are equivalent, mutations are not, and every witness is confirmed by the
//! concrete engine on a cluster built from it.

mod harness;
mod intent;
mod mutations;
mod random;
mod rewrites;
