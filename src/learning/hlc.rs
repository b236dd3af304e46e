//! ASE's high-level controller (its HRL), the learning side: the controller's action space
//! and the frozen, pretrained ASE policy under it (the low level), which turns each held latent
//! into PD targets and is never updated. Loading and checking the low level against an env is
//! `crate::hlc`'s job.

use std::path::{Path, PathBuf};

use super::policy::Policy;
use crate::spaces::ActionSpace;

/// The controller's action space: one value in [−1, 1] per latent dimension (the latent is
/// the action's direction).
pub fn latent_space(dim: usize) -> ActionSpace {
    ActionSpace::Box {
        low: vec![-1.0; dim],
        high: vec![1.0; dim],
    }
}

/// The frozen ASE policy under a controller, with the controller's hold length.
#[derive(Clone)]
pub struct LowLevel {
    policy: Policy,
    source: PathBuf,
    steps: usize,
    /// Control steps since the latents were last set (play mode's clock).
    since_set: usize,
    /// Rows the latents were last set for.
    rows: usize,
    scratch: Vec<f32>,
}

impl LowLevel {
    /// The ASE policy `policy`, read from the checkpoint directory `source`, holding each
    /// latent for `steps` control steps (at least 1).
    pub fn new(policy: Policy, source: PathBuf, steps: usize) -> Self {
        Self {
            policy,
            source,
            steps: steps.max(1),
            since_set: 0,
            rows: 0,
            scratch: Vec::new(),
        }
    }

    /// Values per latent (the controller's action size).
    pub fn latent_dim(&self) -> usize {
        self.policy.latent_dim()
    }

    /// Values of each observation row the low level reads (the leading ones: the character's
    /// observation without the task's).
    pub fn obs_dim(&self) -> usize {
        self.policy.state().obs_dim
    }

    /// Control steps each latent is held for.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The low-level checkpoint directory.
    pub fn source(&self) -> &Path {
        &self.source
    }

    /// The low-level policy (its latents are the ones the controller holds).
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Whether the controller should choose new latents before this control step of `rows`
    /// characters (every `llc_steps` steps, and whenever the number of characters changes),
    /// and counts the step.
    pub fn latents_due(&mut self, rows: usize) -> bool {
        let due = rows != self.rows || self.since_set.is_multiple_of(self.steps);
        self.since_set = if due { 1 } else { self.since_set + 1 };
        due
    }

    /// Holds each character's latent: row `i` of `actions` (the controller's raw actions,
    /// `[rows × latent_dim]`) projected onto the unit sphere.
    pub fn set_latents(&mut self, actions: &[f32]) {
        let dim = self.latent_dim();
        let rows = actions.len() / dim.max(1);
        self.rows = rows;
        let Some(slots) = self.policy.latents_mut() else {
            return;
        };
        if slots.len() < rows {
            slots.resize(rows);
        }
        for (env, z) in actions.chunks_exact(dim).enumerate() {
            // `hold` normalises: the projection onto the sphere.
            slots.hold(env, z);
        }
    }

    /// The low level's PD targets for observation rows `width` values wide (the controller's
    /// rows), reading the leading [`obs_dim`](Self::obs_dim) values of each.
    pub fn act(&mut self, obs: &[f32], width: usize) -> &[f32] {
        let od = self.obs_dim();
        self.scratch.clear();
        for row in obs.chunks_exact(width.max(1)) {
            self.scratch.extend_from_slice(&row[..od.min(row.len())]);
        }
        self.policy.act(&self.scratch)
    }

    /// The low level's style rewards of raw discriminator observations (`None` without a
    /// discriminator).
    pub fn style_rewards(&mut self, raw_disc_obs: &[f32]) -> Option<Vec<f32>> {
        self.policy.style_rewards(raw_disc_obs)
    }
}
