//! What training and play mode share inside a Bevy app: the system sets a control step runs
//! in ([`MimicSet`]), a game's commands to its characters ([`MoveCommand`], [`PushCharacter`]),
//! the run-time pause ([`MimicControl`]) and the messages the plugins send and take.
//! [`live`](crate::live) and [`play`](crate::play) both build on this module and never on each
//! other.

mod command;
mod messages;
mod push;
mod sets;

pub(crate) use command::add_move_commands;
pub use command::{CommandError, MAX_TARGET_DISTANCE, MoveCommand};
pub use messages::{
    CharacterFell, CharacterRose, CheckpointSaved, EpisodeDone, IterationFinished, TrainingRequest,
};
pub(crate) use push::add_pushes;
pub use push::{MAX_PUSH_SPEED, PushCharacter};
pub use sets::{MimicControl, MimicSet};
pub(crate) use sets::{configure_mimic_sets, sync_play_pause};
