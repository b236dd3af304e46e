//! The live plugin: train or play characters inside any Bevy app.
//!
//! [`MimicPlugin`] is configured with a [`MimicConfig`] (builder methods, then
//! [`MimicConfig::load`], which reads and checks every file so that errors come back as values
//! instead of panics during `App::build`). One control step runs in the
//! [`ControlStep`](crate::sim::ControlStep) schedule, in this order:
//!
//! [`MimicSet::Act`] → [`SimSet::ApplyTargets`] → [`SimSet::Step`] → [`SimSet::ReadState`] →
//! [`EnvSet::Reference`] → [`EnvSet::Observe`] → [`EnvSet::Reward`] → [`EnvSet::Done`] →
//! [`MimicSet::Record`] (record the step, reset finished episodes, start the update),
//!
//! and [`MimicSet::Update`] runs in `PostUpdate` before the control steps (collects a finished
//! update, saves checkpoints, applies [`TrainingRequest`]s and the pause). How many control
//! steps run per frame is the [`ControlPace`](crate::sim::ControlPace) resource.
//!
//! [`SimSet::ApplyTargets`]: crate::sim::SimSet::ApplyTargets
//! [`SimSet::Step`]: crate::sim::SimSet::Step
//! [`SimSet::ReadState`]: crate::sim::SimSet::ReadState
//! [`EnvSet::Reference`]: crate::env::character::EnvSet::Reference
//! [`EnvSet::Observe`]: crate::env::character::EnvSet::Observe
//! [`EnvSet::Reward`]: crate::env::character::EnvSet::Reward
//! [`EnvSet::Done`]: crate::env::character::EnvSet::Done

#[cfg(feature = "train")]
mod error;
#[cfg(feature = "train")]
mod headless;
mod metrics;
#[cfg(feature = "train")]
mod plugin;
#[cfg(feature = "train")]
mod testing;
#[cfg(feature = "train")]
mod training;

pub use crate::control::{
    CheckpointSaved, EpisodeDone, IterationFinished, MimicControl, MimicSet, TrainingRequest,
};
#[cfg(feature = "train")]
pub use headless::{HeadlessOutcome, HeadlessReport, train_headless};
pub use metrics::{TrainingMetrics, TrainingPhase, TrainingStatus};
#[cfg(feature = "train")]
pub use plugin::{MimicConfig, MimicError, MimicPlugin};
