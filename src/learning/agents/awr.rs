//! AWR's advantage-weighted regression objective.

use burn::tensor::Tensor;

use super::{ActorObjective, LossTerms, Minibatch};
use crate::learning::distributions::ActionDist;

/// `−mean(w · log π(a|s))` over exploratory samples, `w = min(exp(Â / temp), weight_clip)`.
pub struct AwrObjective {
    /// Temperature (`awr_temp`).
    pub temp: f32,
    /// Largest weight (`a_weight_clip`).
    pub weight_clip: f32,
}

impl ActorObjective for AwrObjective {
    fn name(&self) -> &'static str {
        "AWR"
    }

    fn adv_clip(&self) -> f32 {
        f32::INFINITY
    }

    fn actor_loss(&self, dist: &ActionDist, mb: &Minibatch, terms: &mut LossTerms) -> Tensor<1> {
        let weights = mb
            .adv
            .clone()
            .div_scalar(self.temp)
            .exp()
            .clamp_max(self.weight_clip);
        let logp = dist.log_prob(mb.actions.clone());
        let loss = mb.masked_mean(weights.clone() * logp).neg();
        let clipped = weights.clone().greater_equal_elem(self.weight_clip).float();
        terms.push(("Action_Weight_Mean", mb.masked_mean(weights).detach()));
        terms.push(("Action_Weight_Clip_Frac", mb.masked_mean(clipped).detach()));
        loss
    }
}
