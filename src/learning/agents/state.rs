//! What an agent is besides its tensors (the part of a checkpoint a policy needs to act), and
//! how it acts.

use serde::{Deserialize, Serialize};

use super::AgentConfig;
use crate::SeededRng;
use crate::learning::normalizer::{ActionNormalizer, DiscNormalizer, RunningNormalizer};
use crate::spaces::ActionSpace;

/// How the agent chooses actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActMode {
    /// Sample (with the annealed exploration probability), as in training.
    Explore,
    /// Take the most likely action, as in testing.
    Deterministic,
}

/// Everything about an agent that is not a tensor: what a checkpoint stores beside the weights.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AgentState {
    /// The config the agent was built from.
    pub config: AgentConfig,
    /// Values per observation.
    pub obs_dim: usize,
    /// The action space.
    pub action_space: ActionSpace,
    /// Number of environments.
    pub num_envs: usize,
    /// Iterations completed.
    pub iteration: u64,
    /// Environment steps taken in training.
    pub sample_count: u64,
    /// Observation normaliser.
    pub obs_norm: RunningNormalizer,
    /// Action normaliser (none for discrete actions).
    pub action_norm: Option<ActionNormalizer>,
    /// The agent's random generator (action noise, minibatch order).
    pub rng: SeededRng,
    /// Values per discriminator observation (0 without a discriminator).
    #[serde(default)]
    pub disc_obs_dim: usize,
    /// The discriminator's input normaliser (AMP: mean/std; ADD: mean |Δ|).
    #[serde(default)]
    pub disc_norm: Option<DiscNormalizer>,
    /// Seconds of simulated time per control step (ASE's latent durations are in seconds).
    #[serde(default = "default_step_dt")]
    pub step_dt: f64,
}

pub(crate) fn default_step_dt() -> f64 {
    1.0 / 30.0
}
