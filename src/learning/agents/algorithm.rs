//! The hook set through which an algorithm states what it adds to the agent core.
//!
//! The core ([`Agent`](super::Agent)) acts, records, values, computes TD(λ) returns and
//! advantages, walks the minibatches and sums every loss term of one minibatch into one
//! backward pass and one optimizer step. An [`Algorithm`] supplies the actor objective and,
//! through hooks whose defaults do nothing, anything else: rewards it shapes before the critic
//! values, networks it owns (built, saved, loaded and stepped by itself, with the gradients of
//! the same backward pass and the agent's one optimizer), loss terms it adds to each minibatch,
//! what it reads from the env each step, a condition appended to every observation (ASE's latent z),
//! and what it keeps after an update. PPO and AWR implement the objective only; AMP wraps PPO,
//! ADD and ASE wrap AMP, each calling its parent's hooks and adding its own.

use std::any::Any;

use burn::module::ParamGroup;
use burn::store::RecordError;
use burn::tensor::{Device, Gradients, Tensor};

use super::{ActMode, AgentConfig, AgentState, NetworkSchedule};
use crate::SeededRng;
use crate::learning::distributions::ActionDist;
use crate::learning::log_row::LogRow;
use crate::learning::models::{ActorCritic, NetworkRecords};
use crate::learning::optimizer::{GroupOptimizer, OptimizerConfig};
use crate::spaces::DoneCode;

/// Scalars to log from one minibatch's loss, detached from the graph.
pub type LossTerms = Vec<(&'static str, Tensor<1>)>;

/// One minibatch on the training device, as every algorithm sees it.
pub struct Minibatch {
    /// Normalised observations, each followed by its condition (`[B, obs_dim + condition_dim]`).
    pub obs: Tensor<2>,
    /// Actions in normalised space `[B, action_len]`.
    pub actions: Tensor<2>,
    /// Log-probabilities under the policy that acted `[B]`.
    pub logp_old: Tensor<1>,
    /// Normalised advantages `[B]`.
    pub adv: Tensor<1>,
    /// TD(λ) returns `[B]`.
    pub ret: Tensor<1>,
    /// 1 for exploratory samples, 0 otherwise `[B]`.
    pub mask: Tensor<1>,
    /// Number of exploratory samples (at least 1, to divide by).
    pub mask_count: f32,
}

impl Minibatch {
    /// Mean of `x` over the exploratory samples.
    pub fn masked_mean(&self, x: Tensor<1>) -> Tensor<1> {
        (x * self.mask.clone()).sum().div_scalar(self.mask_count)
    }
}

/// What the update-wide hooks may read and change besides the algorithm itself.
pub struct UpdateCtx<'a> {
    /// Config, normalisers and the agent's generator.
    pub state: &'a mut AgentState,
    /// The device without autodiff.
    pub device: &'a Device,
    /// This update's log row.
    pub row: &'a mut LogRow,
}

/// What the per-minibatch hooks may read and change.
pub struct MinibatchCtx<'a> {
    /// Config, normalisers and the agent's generator.
    pub state: &'a mut AgentState,
    /// The autodiff device.
    pub device: &'a Device,
    /// The epoch (0-based).
    pub epoch: usize,
    /// The minibatch's rows of the buffer (step-major sample indices).
    pub idx: &'a [usize],
    /// The whole buffer's normalised observations, without conditions (`[samples × obs_dim]`).
    pub norm_obs: &'a [f32],
    /// Values per observation.
    pub obs_dim: usize,
}

/// An algorithm's delta over the agent core. Only [`name`](Self::name),
/// [`adv_clip`](Self::adv_clip) and [`actor_loss`](Self::actor_loss) are required.
pub trait Algorithm: Send + Sync + Any {
    /// The algorithm's name, as in `agent_name`.
    fn name(&self) -> &'static str;

    /// Normalised advantages are clipped to ±this (infinity for none).
    fn adv_clip(&self) -> f32;

    /// The actor objective of one minibatch (a one-element tensor), adding anything worth
    /// logging to `terms`. Terms shared by all algorithms (action bound, entropy, regulariser)
    /// are added by the core.
    fn actor_loss(&self, dist: &ActionDist, mb: &Minibatch, terms: &mut LossTerms) -> Tensor<1>;

    /// Parameter groups of the networks the algorithm adds (its discriminator, its encoder),
    /// each with its config, for the agent's one optimizer.
    fn optimizer_groups<'c>(
        &self,
        _config: &'c AgentConfig,
    ) -> Vec<(ParamGroup, &'c OptimizerConfig)> {
        Vec::new()
    }

    /// Adds the algorithm's networks to the model file, each under its name.
    fn save_networks(&self, _records: &mut NetworkRecords) -> Result<(), RecordError> {
        Ok(())
    }

    /// Loads the algorithm's networks from a model file (taking them out of `records`).
    fn load_networks(&mut self, _records: &mut NetworkRecords) -> Result<(), RecordError> {
        Ok(())
    }

    /// Steps the algorithm's networks with their gradients from the minibatch's one backward
    /// pass (the core has taken the actor's and critic's), through the agent's optimizer.
    fn step_networks(&mut self, _grads: &mut Gradients, _optim: &mut GroupOptimizer) {}

    /// Values per discriminator observation read from the env each step (0: none).
    fn disc_obs_dim(&self) -> usize {
        0
    }

    /// Stores the env's discriminator observations (`[num_envs × disc_obs_dim]`) of buffered
    /// step `step`.
    fn record_disc_obs(&mut self, _step: usize, _rows: &[f32]) {}

    /// Whether the next update needs demo windows drawn from the clips.
    fn wants_demo_disc_obs(&self) -> bool {
        false
    }

    /// Demo windows (`[rows × disc_obs_dim]`, raw) for the next update.
    fn set_demo_disc_obs(&mut self, _rows: Vec<f32>) {}

    /// Values appended to every normalised observation the actor and critic read (0: none).
    fn condition_dim(&self) -> usize {
        0
    }

    /// The conditions (`[rows × condition_dim]`) of `rows` rows about to act in `mode`; when
    /// exploring they are kept as those of buffered step `step`.
    fn act_condition(
        &mut self,
        _mode: ActMode,
        _rows: usize,
        _step: usize,
        _rng: &mut SeededRng,
    ) -> &[f32] {
        &[]
    }

    /// The condition of every buffered sample, step-major (`[samples × condition_dim]`).
    fn buffered_condition(&self) -> &[f32] {
        &[]
    }

    /// The training rollout's current conditions, one per env.
    fn current_condition(&self) -> &[f32] {
        &[]
    }

    /// Envs of `mode`'s rollout whose episodes ended (any done code but NULL).
    fn episodes_ended(&mut self, _mode: ActMode, _dones: &[DoneCode]) {}

    /// The env's seconds per control step changed (ASE's latent durations are in seconds).
    fn set_step_dt(&mut self, _config: &AgentConfig, _step_dt: f64) {}

    /// Rewrites the buffer's rewards before the critic values (AMP's style reward).
    fn shape_rewards(&mut self, _rewards: &mut [f32], _ctx: &mut UpdateCtx) {}

    /// Called before a minibatch's actor loss (in the summed mode, before every minibatch's
    /// loss), after the core drew its rows.
    fn prepare_minibatch(&mut self, _ctx: &mut MinibatchCtx) {}

    /// Weighted terms added to the actor loss (ASE's diversity loss).
    fn actor_terms(
        &self,
        _model: &ActorCritic,
        _dist: &ActionDist,
        _config: &AgentConfig,
        _terms: &mut LossTerms,
    ) -> Option<Tensor<1>> {
        None
    }

    /// The summed mode: weighted terms added to the minibatch's summed loss (the
    /// discriminator's, the encoder's).
    fn minibatch_terms(
        &mut self,
        _ctx: &mut MinibatchCtx,
        _terms: &mut LossTerms,
    ) -> Option<Tensor<1>> {
        None
    }

    /// The per-network mode's schedule of each network the algorithm adds, in the order they
    /// are trained (after the critic and the actor).
    fn network_schedules(&self, _config: &AgentConfig) -> Vec<NetworkSchedule> {
        Vec::new()
    }

    /// The per-network mode: the unweighted loss of network `network` (an index into
    /// [`network_schedules`](Self::network_schedules)) on one minibatch; nothing when there is
    /// nothing to train it on.
    fn network_loss(
        &mut self,
        _network: usize,
        _ctx: &mut MinibatchCtx,
        _terms: &mut LossTerms,
    ) -> Option<Tensor<1>> {
        None
    }

    /// After the last minibatch (replay buffers, normalisers of the algorithm's inputs).
    fn finish_update(&mut self, _ctx: &mut UpdateCtx) {}

    /// Files the algorithm adds to training checkpoints so that a resumed run continues
    /// exactly (AMP's replay buffer, ASE's latents): names and bytes.
    fn checkpoint_files(&self) -> Vec<(&'static str, Vec<u8>)> {
        Vec::new()
    }

    /// Restores from a checkpoint's files what [`checkpoint_files`](Self::checkpoint_files)
    /// wrote; a file that is absent (a shipped policy, an older checkpoint) leaves the
    /// algorithm as built.
    fn restore_checkpoint_files(&mut self, _files: &[(String, Vec<u8>)]) -> Result<(), String> {
        Ok(())
    }

    /// The algorithm, for typed access to what it adds ([`Agent::algorithm`](super::Agent)).
    fn as_any(&self) -> &dyn Any;

    /// The algorithm, mutably.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}
