//! How an update trains the networks: the two update modes, each network's schedule in the
//! per-network one, and each network's optimizer (its own key, else MimicKit's earlier single
//! `optimizer:`, else MimicKit's default).

use serde::{Deserialize, Serialize};

use super::AgentConfig;
use crate::learning::optimizer::OptimizerConfig;

/// How an update trains the networks (`update_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateMode {
    /// The design notes' rule, and MimicKit's before February 2026: in each of
    /// `update_epochs` passes over the data, every minibatch of `batch_size × num_envs`
    /// samples sums every network's loss (weighted by `critic_loss_weight`,
    /// `disc_loss_weight`, `enc_loss_weight`) into one backward pass and one optimizer step.
    Summed,
    /// MimicKit's since February 2026: the critic, then the actor, then each network the
    /// algorithm adds (discriminator, encoder), each in turn for its own `*_epochs` passes over
    /// minibatches of `*_batch_size × num_envs` samples, with its own loss, backward pass and
    /// step.
    PerNetwork,
}

/// How the per-network mode trains one network: passes over the data and the minibatch size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NetworkSchedule {
    /// The config key of its minibatch size (for error messages).
    pub batch_key: &'static str,
    /// Passes over the iteration's samples.
    pub epochs: usize,
    /// Minibatch size as a multiple of `num_envs` (rounded up).
    pub batch_size: f64,
}

impl NetworkSchedule {
    /// Samples per minibatch for `num_envs` envs (at least 1).
    pub fn minibatch(&self, num_envs: usize) -> usize {
        ((self.batch_size * num_envs as f64).ceil() as usize).max(1)
    }

    /// Minibatches of `samples` samples: `epochs × ⌈samples / minibatch⌉`, as MimicKit counts.
    pub fn steps(&self, samples: usize, num_envs: usize) -> usize {
        self.epochs * samples.div_ceil(self.minibatch(num_envs))
    }
}

const SGD_1E4: OptimizerConfig = OptimizerConfig {
    kind: crate::learning::optimizer::OptimizerType::Sgd,
    learning_rate: 1e-4,
    weight_decay: 0.0,
    momentum: 0.9,
    grad_clip: None,
};
const DEFAULT_DISC_OPTIMIZER: OptimizerConfig = OptimizerConfig {
    learning_rate: 2.5e-4,
    weight_decay: 1e-4,
    ..SGD_1E4
};
const DEFAULT_ENC_OPTIMIZER: OptimizerConfig = OptimizerConfig {
    kind: crate::learning::optimizer::OptimizerType::Adam,
    learning_rate: 5e-5,
    ..SGD_1E4
};

impl AgentConfig {
    /// How updates train the networks: `update_mode`, or else per-network when any of
    /// MimicKit's per-network keys is given.
    pub fn update_mode(&self) -> UpdateMode {
        let per_network_keys = self.actor_epochs.is_some()
            || self.actor_batch_size.is_some()
            || self.critic_epochs.is_some()
            || self.critic_batch_size.is_some()
            || self.disc_epochs.is_some()
            || self.enc_epochs.is_some()
            || self.enc_batch_size.is_some();
        self.update_mode.unwrap_or(if per_network_keys {
            UpdateMode::PerNetwork
        } else {
            UpdateMode::Summed
        })
    }

    /// The actor's optimizer: `actor_optimizer`, else `optimizer`, else SGD 1e-4.
    pub fn actor_optimizer(&self) -> &OptimizerConfig {
        self.network_optimizer(&self.actor_optimizer, &SGD_1E4)
    }

    /// The critic's optimizer: `critic_optimizer`, else `optimizer`, else SGD 1e-4.
    pub fn critic_optimizer(&self) -> &OptimizerConfig {
        self.network_optimizer(&self.critic_optimizer, &SGD_1E4)
    }

    /// The discriminator's optimizer: `disc_optimizer`, else `optimizer`, else SGD 2.5e-4
    /// with weight decay 1e-4.
    pub fn disc_optimizer(&self) -> &OptimizerConfig {
        self.network_optimizer(&self.disc_optimizer, &DEFAULT_DISC_OPTIMIZER)
    }

    /// The encoder's optimizer: `enc_optimizer`, else `optimizer`, else Adam 5e-5.
    pub fn enc_optimizer(&self) -> &OptimizerConfig {
        self.network_optimizer(&self.enc_optimizer, &DEFAULT_ENC_OPTIMIZER)
    }

    fn network_optimizer<'a>(
        &'a self,
        own: &'a Option<OptimizerConfig>,
        default: &'static OptimizerConfig,
    ) -> &'a OptimizerConfig {
        own.as_ref().or(self.optimizer.as_ref()).unwrap_or(default)
    }

    /// Per-network mode: the actor's schedule (MimicKit: 5 epochs of `4 × num_envs`).
    pub fn actor_schedule(&self) -> NetworkSchedule {
        NetworkSchedule {
            batch_key: "actor_batch_size",
            epochs: self.actor_epochs.unwrap_or(5),
            batch_size: self.actor_batch_size.unwrap_or(4.0),
        }
    }

    /// Per-network mode: the critic's schedule (MimicKit: 2 epochs of `2 × num_envs`).
    pub fn critic_schedule(&self) -> NetworkSchedule {
        NetworkSchedule {
            batch_key: "critic_batch_size",
            epochs: self.critic_epochs.unwrap_or(2),
            batch_size: self.critic_batch_size.unwrap_or(2.0),
        }
    }

    /// Per-network mode: the discriminator's schedule (MimicKit: 2 epochs of `2 × num_envs`).
    pub fn disc_schedule(&self) -> NetworkSchedule {
        NetworkSchedule {
            batch_key: "disc_batch_size",
            epochs: self.disc_epochs.unwrap_or(2),
            batch_size: self.disc_batch_size.unwrap_or(2.0),
        }
    }

    /// Per-network mode: the encoder's schedule (MimicKit: 2 epochs of `2 × num_envs`).
    pub fn enc_schedule(&self) -> NetworkSchedule {
        NetworkSchedule {
            batch_key: "enc_batch_size",
            epochs: self.enc_epochs.unwrap_or(2),
            batch_size: self.enc_batch_size.unwrap_or(2.0),
        }
    }
}
