//! Questions asked of policies on a concrete cluster: the connectivity map,
//! single connections with their provenance, batch queries and explanations.

pub mod connection;
pub mod engine;
pub mod equiv;
pub mod explain;
pub mod group;
pub mod intent;
pub mod proof;
pub mod query;
pub mod reach;
pub mod sample;

pub use connection::{Connection, ConnectionError, FamilyVerdict};
pub use engine::{Endpoint, Engine, Options, RuleRef, SideVerdict};
pub use query::{Answer, Resolved};
pub use reach::{OutsideReach, ReachMap, MAX_PAIRS};
