//! PPO's clipped surrogate objective.

use burn::tensor::Tensor;

use super::{ActorObjective, LossTerms, Minibatch};
use crate::learning::distributions::ActionDist;

/// `−mean(min(Â·r, Â·clip(r, 1 ± ε)))` over exploratory samples, `r = π/π_old`.
pub struct PpoObjective {
    /// The clip ε (`ppo_clip_ratio`).
    pub clip_ratio: f32,
    /// Clip of the normalised advantages (`norm_adv_clip`).
    pub norm_adv_clip: f32,
}

impl ActorObjective for PpoObjective {
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
}
