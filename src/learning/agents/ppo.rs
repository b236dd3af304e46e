//! PPO (MimicKit's `ppo_agent.py`): the clipped surrogate objective; everything else is the
//! agent core's.

use std::any::Any;

use burn::tensor::Tensor;

use super::{AgentConfig, Algorithm, LossTerms, Minibatch};
use crate::learning::distributions::ActionDist;

/// `−mean(min(Â·r, Â·clip(r, 1 ± ε)))` over exploratory samples, `r = π/π_old`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ppo {
    /// The clip ε (`ppo_clip_ratio`).
    pub clip_ratio: f32,
    /// Clip of the normalised advantages (`norm_adv_clip`).
    pub norm_adv_clip: f32,
}

impl Ppo {
    /// PPO with the config's `ppo_clip_ratio` and `norm_adv_clip`.
    pub fn new(config: &AgentConfig) -> Self {
        Self {
            clip_ratio: config.ppo_clip_ratio as f32,
            norm_adv_clip: config.norm_adv_clip as f32,
        }
    }
}

impl Algorithm for Ppo {
    fn name(&self) -> &'static str {
        "PPO"
    }

    fn adv_clip(&self) -> f32 {
        self.norm_adv_clip
    }

    fn actor_loss(&self, dist: &ActionDist, mb: &Minibatch, terms: &mut LossTerms) -> Tensor<1> {
        let logp = dist.log_prob(mb.actions.clone());
        let ratio = (logp - mb.logp_old.clone()).exp();
        let eps = self.clip_ratio;
        let surr = mb.adv.clone() * ratio.clone();
        let clipped = mb.adv.clone() * ratio.clone().clamp(1.0 - eps, 1.0 + eps);
        let objective = surr.min_pair(clipped);
        let loss = mb.masked_mean(objective).neg();

        let clipped_frac = ratio
            .clone()
            .sub_scalar(1.0)
            .abs()
            .greater_elem(eps)
            .float();
        terms.push(("Clip_Frac", mb.masked_mean(clipped_frac).detach()));
        terms.push(("Imp_Ratio", mb.masked_mean(ratio).detach()));
        loss
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
