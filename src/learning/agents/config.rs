//! The agent YAML: MimicKit's key names and defaults (`deepmimic_humanoid_ppo_agent.yaml`).

use serde::{Deserialize, Serialize};

use super::UpdateMode;
use crate::learning::models::ModelConfig;
use crate::learning::optimizer::OptimizerConfig;

/// Which learning algorithm trains the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AgentName {
    /// Proximal policy optimisation.
    #[serde(rename = "PPO")]
    Ppo,
    /// Advantage-weighted regression.
    #[serde(rename = "AWR")]
    Awr,
    /// Adversarial motion priors: PPO on a discriminator's style reward.
    #[serde(rename = "AMP")]
    Amp,
    /// Adversarial differential discriminator: PPO on a reward from a discriminator of the
    /// difference between the demo and the agent at the same motion time.
    #[serde(rename = "ADD")]
    Add,
    /// Adversarial skill embeddings: AMP's discriminator plus a skill encoder; the policy is
    /// conditioned on a latent z it must make recoverable from its motion.
    #[serde(rename = "ASE")]
    Ase,
    /// A high-level controller over a frozen ASE policy: PPO whose action is a skill latent z,
    /// held for `llc_steps` control steps while the low-level policy in `llc_checkpoint` acts.
    #[serde(rename = "HLC")]
    Hlc,
}

impl AgentName {
    /// The name as written in `agent_name`.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentName::Ppo => "PPO",
            AgentName::Awr => "AWR",
            AgentName::Amp => "AMP",
            AgentName::Add => "ADD",
            AgentName::Ase => "ASE",
            AgentName::Hlc => "HLC",
        }
    }
}

/// An agent config file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// The algorithm.
    pub agent_name: AgentName,
    /// Networks.
    #[serde(default)]
    pub model: ModelConfig,
    /// MimicKit's earlier schema: one optimizer for every network (a `*_optimizer` given
    /// beside it wins for its network).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimizer: Option<OptimizerConfig>,
    /// Optimizer of the actor (default SGD 1e-4; read it with
    /// [`actor_optimizer`](Self::actor_optimizer)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_optimizer: Option<OptimizerConfig>,
    /// Optimizer of the critic (default SGD 1e-4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critic_optimizer: Option<OptimizerConfig>,
    /// How an update trains the networks; when absent, [`UpdateMode::PerNetwork`] if any of
    /// MimicKit's per-network keys (`actor_epochs`, `critic_batch_size`, …) is given, else
    /// [`UpdateMode::Summed`]. Read it with [`update_mode`](Self::update_mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_mode: Option<UpdateMode>,
    /// Per-network mode: passes of the actor's updates (MimicKit: 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_epochs: Option<usize>,
    /// Per-network mode: the actor's minibatch as a multiple of `num_envs` (MimicKit: 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_batch_size: Option<f64>,
    /// Per-network mode: passes of the critic's updates (MimicKit: 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critic_epochs: Option<usize>,
    /// Per-network mode: the critic's minibatch as a multiple of `num_envs` (MimicKit: 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critic_batch_size: Option<f64>,
    /// Discount γ.
    #[serde(default = "d_discount")]
    pub discount: f64,
    /// λ of the TD(λ) return.
    #[serde(default = "d_td_lambda")]
    pub td_lambda: f64,
    /// Control steps each environment runs per iteration.
    #[serde(default = "d_steps_per_iter")]
    pub steps_per_iter: usize,
    /// Iterations between test runs, log rows with test returns, and checkpoints.
    #[serde(default = "d_iters_per_output")]
    pub iters_per_output: usize,
    /// Episodes per test run.
    #[serde(default = "d_test_episodes")]
    pub test_episodes: usize,
    /// Samples after which the observation normaliser freezes.
    #[serde(default = "d_normalizer_samples")]
    pub normalizer_samples: f64,
    /// Passes over the iteration's data.
    #[serde(default = "d_update_epochs")]
    pub update_epochs: usize,
    /// Minibatch size as a multiple of `num_envs`.
    #[serde(default = "d_batch_size")]
    pub batch_size: usize,
    /// Weight of the critic loss in the summed loss.
    #[serde(default = "d_one")]
    pub critic_loss_weight: f64,
    /// Weight of the loss that keeps the Gaussian mean inside [−1, 1].
    #[serde(default = "d_action_bound_weight")]
    pub action_bound_weight: f64,
    /// Weight of the entropy bonus (subtracted from the loss).
    #[serde(default)]
    pub action_entropy_weight: f64,
    /// Weight of the L2 penalty on the Gaussian mean.
    #[serde(default)]
    pub action_reg_weight: f64,
    /// Normalised advantages are clipped to ±this (PPO).
    #[serde(default = "d_norm_adv_clip")]
    pub norm_adv_clip: f64,
    /// PPO's ratio clip ε.
    #[serde(default = "d_ppo_clip_ratio")]
    pub ppo_clip_ratio: f64,
    /// AWR's temperature: weights are `exp(Â / awr_temp)`.
    #[serde(default = "d_one")]
    pub awr_temp: f64,
    /// AWR's largest action weight.
    #[serde(default = "d_a_weight_clip")]
    pub a_weight_clip: f64,
    /// Probability of sampling (rather than taking the mode) at the start of training.
    #[serde(default = "d_one")]
    pub exp_prob_beg: f64,
    /// Probability of sampling after `exp_anneal_samples`.
    #[serde(default = "d_one")]
    pub exp_prob_end: f64,
    /// Samples over which the exploration probability is annealed linearly.
    #[serde(default)]
    pub exp_anneal_samples: f64,

    /// Optimizer of the discriminator (AMP, ADD): SGD 2.5e-4 with weight decay 1e-4 by
    /// default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disc_optimizer: Option<OptimizerConfig>,
    /// Weight of the discriminator loss in the summed loss.
    #[serde(default = "d_one")]
    pub disc_loss_weight: f64,
    /// Summed mode: the first this many epochs of `update_epochs` add the discriminator's
    /// loss to their minibatches (all of them when absent, as in MimicKit's earlier schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disc_update_epochs: Option<usize>,
    /// Per-network mode: passes of the discriminator's updates (MimicKit: 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disc_epochs: Option<usize>,
    /// Per-network mode: the discriminator's minibatch as a multiple of `num_envs` (MimicKit:
    /// 2). Summed mode (MimicKit's earlier schema): at most this many demo rows and half as
    /// many agent (and replayed) rows of each minibatch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disc_batch_size: Option<f64>,
    /// MimicKit's earlier schema: weight of `Σ W²` over all the discriminator's weights,
    /// added to its loss (the current schema puts weight decay in `disc_optimizer`).
    #[serde(default)]
    pub disc_weight_decay: f64,
    /// Weight of the gradient penalty (5 for AMP, 2 for ADD).
    #[serde(default = "d_disc_grad_penalty")]
    pub disc_grad_penalty: f64,
    /// Weight of `Σ W_logit²`.
    #[serde(default = "d_disc_logit_reg")]
    pub disc_logit_reg: f64,
    /// Scale of the style reward `−ln(max(1 − σ(D), 1e-4))`.
    #[serde(default = "d_disc_reward_scale")]
    pub disc_reward_scale: f64,
    /// Rows the discriminator's replay buffer holds.
    #[serde(default = "d_disc_buffer_size")]
    pub disc_buffer_size: usize,
    /// Agent rows pushed into the replay buffer per iteration once it has been filled.
    #[serde(default = "d_disc_replay_samples")]
    pub disc_replay_samples: usize,
    /// Weight of the env's reward in the training reward.
    #[serde(default)]
    pub task_reward_weight: f64,
    /// Weight of the discriminator's reward in the training reward.
    #[serde(default = "d_one")]
    pub disc_reward_weight: f64,

    /// Optimizer of the skill encoder (ASE): Adam 5e-5 by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enc_optimizer: Option<OptimizerConfig>,
    /// Per-network mode: passes of the encoder's updates (MimicKit: 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enc_epochs: Option<usize>,
    /// Per-network mode: the encoder's minibatch as a multiple of `num_envs` (MimicKit: 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enc_batch_size: Option<f64>,
    /// Rows per evaluation pass of the critic when valuing a whole buffer (0: the default
    /// chunk); MimicKit's `critic_eval_batch_size`.
    #[serde(default)]
    pub critic_eval_batch_size: usize,
    /// Rows per evaluation pass of the discriminator when computing rewards (0: the default).
    #[serde(default)]
    pub disc_eval_batch_size: usize,
    /// Rows per evaluation pass of the encoder when computing rewards (0: the default).
    #[serde(default)]
    pub enc_eval_batch_size: usize,
    /// Weight of the encoder loss `mean(−z·ẑ)` in the summed loss (ASE).
    #[serde(default = "d_one")]
    pub enc_loss_weight: f64,
    /// Weight of the encoder's reward `max(0, z·ẑ)` in the training reward (ASE).
    #[serde(default = "d_half")]
    pub enc_reward_weight: f64,
    /// Weight of the diversity loss in the actor loss (ASE).
    #[serde(default = "d_diversity_weight")]
    pub diversity_weight: f64,
    /// Target of the diversity ratio (ASE).
    #[serde(default = "d_one")]
    pub diversity_tar: f64,
    /// Shortest time (s) a latent is kept before it is redrawn (ASE).
    #[serde(default)]
    pub latent_time_min: f64,
    /// Longest time (s) a latent is kept before it is redrawn (ASE).
    #[serde(default = "d_latent_time_max")]
    pub latent_time_max: f64,

    /// The frozen ASE policy a high-level controller drives (HLC): its checkpoint directory,
    /// relative to the working directory. Referenced, never copied or updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub llc_checkpoint: Option<std::path::PathBuf>,
    /// Control steps each high-level latent is held for (HLC; ASE's HRL: 5).
    #[serde(default = "d_llc_steps")]
    pub llc_steps: usize,
    /// The latent size the controller expects (HLC); when given, the low-level checkpoint's
    /// must match it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latent_dim: Option<usize>,
}

fn d_llc_steps() -> usize {
    5
}

fn d_half() -> f64 {
    0.5
}
fn d_diversity_weight() -> f64 {
    0.01
}
fn d_latent_time_max() -> f64 {
    5.0
}

fn d_disc_grad_penalty() -> f64 {
    5.0
}
fn d_disc_logit_reg() -> f64 {
    0.01
}
fn d_disc_reward_scale() -> f64 {
    2.0
}
fn d_disc_buffer_size() -> usize {
    200_000
}
fn d_disc_replay_samples() -> usize {
    1000
}

fn d_discount() -> f64 {
    0.99
}
fn d_td_lambda() -> f64 {
    0.95
}
fn d_steps_per_iter() -> usize {
    32
}
fn d_iters_per_output() -> usize {
    100
}
fn d_test_episodes() -> usize {
    32
}
fn d_normalizer_samples() -> f64 {
    1e8
}
fn d_update_epochs() -> usize {
    5
}
fn d_batch_size() -> usize {
    4
}
fn d_one() -> f64 {
    1.0
}
fn d_action_bound_weight() -> f64 {
    10.0
}
fn d_norm_adv_clip() -> f64 {
    4.0
}
fn d_ppo_clip_ratio() -> f64 {
    0.2
}
fn d_a_weight_clip() -> f64 {
    20.0
}

impl AgentConfig {
    /// MimicKit's defaults for `agent_name`.
    pub fn defaults(agent_name: AgentName) -> Self {
        serde_yaml_ng::from_str(super::builder::defaults_yaml(agent_name)).expect("defaults parse")
    }

    /// Checks value ranges; returns the offending key and why.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let bad = |key: &str, why: String| Err((key.to_string(), why));
        let unit = |key: &str, v: f64| -> Result<(), (String, String)> {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                bad(key, format!("must be in [0, 1], got {v}"))
            }
        };
        unit("discount", self.discount)?;
        unit("td_lambda", self.td_lambda)?;
        unit("exp_prob_beg", self.exp_prob_beg)?;
        unit("exp_prob_end", self.exp_prob_end)?;
        for (key, v) in [
            ("steps_per_iter", self.steps_per_iter),
            ("iters_per_output", self.iters_per_output),
            ("test_episodes", self.test_episodes),
            ("update_epochs", self.update_epochs),
            ("batch_size", self.batch_size),
            ("disc_update_epochs", self.disc_update_epochs.unwrap_or(1)),
            ("actor_epochs", self.actor_epochs.unwrap_or(1)),
            ("critic_epochs", self.critic_epochs.unwrap_or(1)),
            ("disc_epochs", self.disc_epochs.unwrap_or(1)),
            ("enc_epochs", self.enc_epochs.unwrap_or(1)),
            ("llc_steps", self.llc_steps),
            ("latent_dim", self.latent_dim.unwrap_or(1)),
        ] {
            if v == 0 {
                return bad(key, "must be at least 1".into());
            }
        }
        for (key, v) in [
            ("critic_loss_weight", self.critic_loss_weight),
            ("action_bound_weight", self.action_bound_weight),
            ("action_entropy_weight", self.action_entropy_weight),
            ("action_reg_weight", self.action_reg_weight),
            ("normalizer_samples", self.normalizer_samples),
            ("exp_anneal_samples", self.exp_anneal_samples),
            ("disc_loss_weight", self.disc_loss_weight),
            ("disc_weight_decay", self.disc_weight_decay),
            ("disc_grad_penalty", self.disc_grad_penalty),
            ("disc_logit_reg", self.disc_logit_reg),
            ("disc_reward_scale", self.disc_reward_scale),
            ("task_reward_weight", self.task_reward_weight),
            ("disc_reward_weight", self.disc_reward_weight),
            ("enc_loss_weight", self.enc_loss_weight),
            ("enc_reward_weight", self.enc_reward_weight),
            ("diversity_weight", self.diversity_weight),
            ("latent_time_min", self.latent_time_min),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(key, format!("must be a finite number ≥ 0, got {v}"));
            }
        }
        for (key, v) in [
            ("norm_adv_clip", self.norm_adv_clip),
            ("ppo_clip_ratio", self.ppo_clip_ratio),
            ("awr_temp", self.awr_temp),
            ("a_weight_clip", self.a_weight_clip),
        ] {
            if v.is_nan() || v <= 0.0 {
                return bad(key, format!("must be > 0, got {v}"));
            }
        }
        // Checked whatever the agent: neither value means anything at 0.
        if self.disc_buffer_size == 0 {
            return bad("disc_buffer_size", "must be at least 1".into());
        }
        if !(self.latent_time_max.is_finite() && self.latent_time_max >= self.latent_time_min) {
            return bad(
                "latent_time_max",
                format!(
                    "must be a finite number ≥ latent_time_min ({}), got {}",
                    self.latent_time_min, self.latent_time_max
                ),
            );
        }
        if !self.diversity_tar.is_finite() {
            return bad("diversity_tar", "must be finite".into());
        }
        if self.model.latent_dim == 0 {
            return bad("model.latent_dim", "must be at least 1".into());
        }
        if self.agent_name == AgentName::Hlc && self.llc_checkpoint.is_none() {
            return bad(
                "llc_checkpoint",
                "agent_name HLC needs the directory of a trained ASE policy".into(),
            );
        }
        for (key, opt) in [
            ("optimizer", &self.optimizer),
            ("enc_optimizer", &self.enc_optimizer),
            ("actor_optimizer", &self.actor_optimizer),
            ("critic_optimizer", &self.critic_optimizer),
            ("disc_optimizer", &self.disc_optimizer),
        ] {
            if let Some(opt) = opt {
                opt.validate().map_err(|why| (key.to_string(), why))?;
            }
        }
        for (key, v) in [
            ("actor_batch_size", self.actor_batch_size),
            ("critic_batch_size", self.critic_batch_size),
            ("disc_batch_size", self.disc_batch_size),
            ("enc_batch_size", self.enc_batch_size),
        ] {
            if let Some(v) = v
                && !(v.is_finite() && v > 0.0)
            {
                return bad(key, format!("must be a number > 0, got {v}"));
            }
        }
        Ok(())
    }

    /// Probability of an exploratory (sampled) action after `samples` samples.
    pub fn exp_prob(&self, samples: u64) -> f64 {
        if self.exp_anneal_samples <= 0.0 {
            return self.exp_prob_end;
        }
        let t = (samples as f64 / self.exp_anneal_samples).min(1.0);
        self.exp_prob_beg + t * (self.exp_prob_end - self.exp_prob_beg)
    }
}
