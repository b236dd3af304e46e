//! Learning: networks, distributions, normalisers, buffers, returns, agents and checkpoints.
//!
//! burn only: nothing here imports bevy or the simulator. Agents see environments only through
//! flat observation, reward and done buffers.

pub mod actor_snapshot;
pub mod agents;
#[cfg(feature = "train")]
pub mod buffers;
pub mod checkpoint;
pub mod device;
pub mod distributions;
pub mod hlc;
pub mod latents;
pub mod log_row;
pub mod models;
pub mod nets;
pub mod normalizer;
pub mod optimizer;
pub mod policy;
#[cfg(feature = "train")]
pub mod replay;
#[cfg(feature = "train")]
pub mod returns;
#[cfg(feature = "train")]
pub mod stats;
