//! The contract between environments and agents: action spaces and episode-end codes.
//!
//! Both `env` and `learning` use these types, so they live in a leaf module that imports nothing.

use serde::{Deserialize, Serialize};

/// How an environment's episode ended at a step, with MimicKit's numbering.
///
/// The code decides how the return is bootstrapped: `Fail` and `Succ` are terminal (the next
/// state's value is 0), `Time` is a time limit (the critic's value of the terminal observation is
/// used, because the episode could have gone on).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[repr(u8)]
pub enum DoneCode {
    /// The episode goes on.
    #[default]
    Null = 0,
    /// The episode failed (fell, left the track): terminal.
    Fail = 1,
    /// The episode succeeded (a non-looping clip ended): terminal.
    Succ = 2,
    /// The episode hit its time limit: not terminal, bootstraps from the critic.
    Time = 3,
}

impl DoneCode {
    /// Whether the episode ended at this step (any code but `Null`).
    pub fn is_done(self) -> bool {
        self != DoneCode::Null
    }
}

/// The actions an environment accepts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ActionSpace {
    /// A box of continuous actions with per-dimension bounds (`low[i] < high[i]`).
    Box {
        /// Lower bounds, one per action dimension.
        low: Vec<f32>,
        /// Upper bounds, one per action dimension.
        high: Vec<f32>,
    },
    /// `n` discrete actions, given to the environment as the index (0..n) in an `f32`.
    Discrete(usize),
}

impl ActionSpace {
    /// Number of values one action takes in the flat action buffer (1 for discrete actions).
    pub fn action_len(&self) -> usize {
        match self {
            ActionSpace::Box { low, .. } => low.len(),
            ActionSpace::Discrete(_) => 1,
        }
    }

    /// Number of outputs the policy head needs (the box dimension, or the number of choices).
    pub fn policy_outputs(&self) -> usize {
        match self {
            ActionSpace::Box { low, .. } => low.len(),
            ActionSpace::Discrete(n) => *n,
        }
    }
}
