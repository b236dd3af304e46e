//! The character env kinds. Each file states only what its kind adds to the shared env of
//! [`systems`](super::systems): its part of [`EnvParams`], the resources it needs, and its
//! systems in the [`EnvSet`](super::EnvSet) phases. [`character_kind`] is the one place that
//! maps an [`EnvKind`] to its implementation.

mod add;
mod amp;
mod ase;
mod char;
mod deepmimic;
mod task;

use bevy::prelude::*;

pub use add::{Add, DiscDiff};
pub use amp::{Amp, DiscHistory};
pub use ase::Ase;
pub use char::Char;
pub use deepmimic::DeepMimic;
pub use task::{TaskLocation, TaskSteering};

use super::config::CharacterEnvConfig;
use super::systems::{EnvOutput, EnvParams};
use crate::anim::character::CharacterModel;

/// Which character env (the file's `env_name`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvKind {
    /// Default-pose resets (or reference resets with a motion file), reward 1 per step.
    Char,
    /// Motion tracking.
    DeepMimic,
    /// Adversarial motion priors: reward 0 from the env, discriminator windows of the
    /// simulated character, demo windows from the clips, contact termination only.
    Amp,
    /// Adversarial skill embeddings: AMP's env, with default-pose resets in training.
    Ase,
    /// Adversarial differential discriminator: DeepMimic's observations, resets and
    /// terminations, reward 0 from the env, and as discriminator observation the reference
    /// frame minus the simulated frame at the same motion time.
    Add,
    /// AMP's env with a heading and speed to follow (MimicKit's `task_steering`).
    TaskSteering,
    /// AMP's env with a point to walk to (MimicKit's `task_location`).
    TaskLocation,
}

impl EnvKind {
    /// Whether its characters follow a reference clip, which ends (DeepMimic, ADD); the
    /// others only have a training episode length, which play mode does not apply.
    pub fn follows_reference(self) -> bool {
        matches!(self, EnvKind::DeepMimic | EnvKind::Add)
    }

    /// Whether it has a task (a target to follow and a task reward).
    pub fn is_task(self) -> bool {
        matches!(self, EnvKind::TaskSteering | EnvKind::TaskLocation)
    }

    /// The name in an env file's `env_name`.
    pub fn name(self) -> &'static str {
        match self {
            EnvKind::Char => "char",
            EnvKind::DeepMimic => "deepmimic",
            EnvKind::Amp => "amp",
            EnvKind::Ase => "ase",
            EnvKind::Add => "add",
            EnvKind::TaskSteering => "task_steering",
            EnvKind::TaskLocation => "task_location",
        }
    }
}

/// What one kind adds to the shared character env.
pub trait CharacterKind: Send + Sync {
    /// Whether the kind needs reference clips (`motion_file`).
    fn needs_motions(&self) -> bool {
        true
    }

    /// Probability of a default-pose reset in training when the config sets none.
    fn default_reset_prob(&self) -> f64 {
        0.0
    }

    /// Fills the kind's part of `params`, which arrives with the shared part set and the
    /// kind's part off: no target frames, no discriminator, no pose termination, no SUCC, no
    /// tracking errors in the log.
    fn configure(
        &self,
        config: &CharacterEnvConfig,
        model: &CharacterModel,
        params: &mut EnvParams,
    );

    /// Inserts the resources the kind needs and adds its systems to the
    /// [`ControlStep`](crate::sim::ControlStep) in the [`EnvSet`](super::EnvSet) phases:
    /// reward systems before the shared bookkeeping reads the rewards, discriminator
    /// observations after the shared observations.
    fn build(&self, app: &mut App, params: &EnvParams, model: &CharacterModel, num_envs: usize);
}

/// The implementation of `kind`.
pub fn character_kind(kind: EnvKind) -> &'static dyn CharacterKind {
    match kind {
        EnvKind::Char => &Char,
        EnvKind::DeepMimic => &DeepMimic,
        EnvKind::Amp => &Amp,
        EnvKind::Ase => &Ase,
        EnvKind::Add => &Add,
        EnvKind::TaskSteering => &TaskSteering,
        EnvKind::TaskLocation => &TaskLocation,
    }
}

/// A reward system writing `value` for every env (the kinds whose reward is not the env's to
/// compute write 0, so the step still states it).
fn constant_reward(value: f32) -> impl FnMut(ResMut<EnvOutput>) {
    move |mut output: ResMut<EnvOutput>| output.buffers.rewards.fill(value)
}
