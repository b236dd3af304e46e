//! What the live plugin tells the app, as Bevy messages.

use std::path::PathBuf;

use bevy::prelude::*;

use crate::learning::log_row::LogRow;
use crate::spaces::DoneCode;

/// A training iteration (rollout and update) finished.
#[derive(Message, Clone, Debug)]
pub struct IterationFinished {
    /// The agent's iteration count after the update.
    pub iteration: u64,
    /// Samples taken so far.
    pub samples: u64,
    /// The iteration's log row (the same values as `log.csv`).
    pub row: LogRow,
}

/// A checkpoint was written.
#[derive(Message, Clone, Debug)]
pub struct CheckpointSaved {
    /// Its directory.
    pub dir: PathBuf,
    /// The iteration it holds.
    pub iteration: u64,
}

/// An environment's episode ended (training or play).
#[derive(Message, Clone, Copy, Debug)]
pub struct EpisodeDone {
    /// The environment.
    pub env: usize,
    /// Why it ended.
    pub code: DoneCode,
    /// Its undiscounted return.
    pub episode_return: f64,
    /// Its length in control steps.
    pub length: u32,
}

/// Something a user interface or game asks of the training (handled in `PostUpdate`).
#[derive(Message, Clone, Debug)]
pub enum TrainingRequest {
    /// Write a checkpoint to the run's `model/` now (once the current update is done).
    SaveCheckpoint,
    /// Replace the agent by the one in this checkpoint directory (same observation and
    /// action sizes); its iteration and sample counts come with it.
    LoadCheckpoint(PathBuf),
    /// Start a new episode in every environment.
    ResetEnvs,
}

/// A character fell in play mode and the get-up tracker took it over
/// ([`PolicyPlugin::with_get_up`](crate::play::PolicyPlugin::with_get_up)).
#[derive(Message, Clone, Copy, Debug, PartialEq)]
pub struct CharacterFell {
    /// The character (its environment index).
    pub env: usize,
}

/// A fallen character stands again and its own policy drives it from the next control step.
#[derive(Message, Clone, Copy, Debug, PartialEq)]
pub struct CharacterRose {
    /// The character (its environment index).
    pub env: usize,
    /// Seconds from the fall.
    pub seconds: f32,
}
