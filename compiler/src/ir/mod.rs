//! The allow-set algebra: canonical sets of ports and addresses, on which the
//! engine (`verify`) asks its questions. Every set here is canonical, so `==` is
//! set equality.

pub mod addr;
pub mod intent;
pub mod interval;
pub mod labels;
pub mod ports;
pub mod selector;
pub mod workload;

pub use addr::{AddrSet, Block, Cidr, Family};
pub use intent::{Direction, Intent};
pub use interval::IntervalSet;
pub use ports::{PortSet, Protocol};
pub use workload::{LabelOrigin, WorkloadLabel, WorkloadLabels};
