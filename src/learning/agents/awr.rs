//! AWR (MimicKit's `awr_agent.py`), beside PPO: advantage-weighted regression of the actor,
//! with unclipped advantages; everything else is the agent core's.

use std::any::Any;

use burn::tensor::Tensor;

use super::{AgentConfig, Algorithm, LossTerms, Minibatch};
use crate::learning::distributions::ActionDist;

/// `−mean(w · log π(a|s))` over exploratory samples, `w = min(exp(Â / temp), weight_clip)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Awr {
    /// Temperature (`awr_temp`).
    pub temp: f32,
    /// Largest weight (`a_weight_clip`).
    pub weight_clip: f32,
}

impl Awr {
    /// AWR with the config's `awr_temp` and `a_weight_clip`.
    pub fn new(config: &AgentConfig) -> Self {
        Self {
            temp: config.awr_temp as f32,
            weight_clip: config.a_weight_clip as f32,
        }
    }
}

impl Algorithm for Awr {
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

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
