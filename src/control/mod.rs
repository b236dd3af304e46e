//! What training and play mode share inside a Bevy app: the system sets a control step runs
//! in ([`MimicSet`]), the run-time pause ([`MimicControl`]) and the messages the plugins send
//! and take. [`live`](crate::live) and [`play`](crate::play) both build on this module and
//! never on each other.

mod messages;
mod sets;

pub use messages::{CheckpointSaved, EpisodeDone, IterationFinished, TrainingRequest};
pub use sets::{MimicControl, MimicSet};
pub(crate) use sets::{configure_mimic_sets, sync_play_pause};
