//! AMP (MimicKit's `amp_agent.py`) over PPO: a discriminator, trained by the same summed loss,
//! backward pass and optimizer step. What it adds to PPO:
//! - each step, the env's discriminator observation is stored with the transition;
//! - before the critic values, rewards become `task_reward_weight × r_env +
//!   disc_reward_weight × r_disc`, `r_disc = −ln(max(1 − σ(D), 1e-4)) × disc_reward_scale`;
//! - each minibatch of the first `disc_update_epochs` epochs adds `disc_loss_weight ×` (BCE of
//!   agent and replayed rows against positives, a gradient penalty on both, a logit-weight
//!   regulariser); the discriminator is AMP's own network (`disc` in the model file) and its own
//!   optimizer group (its weight decay);
//! - after the update the iteration's rows enter the replay buffer and the discriminator
//!   normaliser merges them.
//!
//! Positives are demo windows drawn from the clips ([`DemoWindows`]); ADD swaps in its own
//! ([`Positives`]).

use std::any::Any;
use std::marker::PhantomData;

use burn::module::ParamGroup;
use burn::store::RecordError;
use burn::tensor::{Device, Gradients, Tensor};
use rand::RngExt;

use super::DiscObjective;
use super::network::OwnedNetwork;
use super::values::eval_chunk;
use super::{
    AgentConfig, Algorithm, LossTerms, Minibatch, MinibatchCtx, NetworkSchedule, Ppo, UpdateCtx,
    UpdateMode,
};
use crate::SeededRng;
use crate::learning::distributions::ActionDist;
use crate::learning::models::{Discriminator, NetworkRecords};
use crate::learning::nets::NetError;
use crate::learning::normalizer::{DiscNormalizer, RunningNormalizer};
use crate::learning::optimizer::{GroupOptimizer, OptimizerConfig};
use crate::learning::policy::upload_rows;
use crate::learning::replay::ReplayBuffer;
use crate::learning::stats::mean_std;

/// The checkpoint file holding the discriminator's replay buffer.
const REPLAY_FILE: &str = "disc_replay.bin";

/// Where the discriminator's positives come from.
pub trait Positives: Send + Sync + 'static {
    /// The algorithm's name, as in `agent_name`.
    const ALGORITHM: &'static str;

    /// Whether updates need demo windows drawn from the clips.
    const WANTS_DEMO: bool;

    /// Appends `b` normalised positive rows to `out`, drawn from this iteration's normalised
    /// demo windows `demo`; false when there is nothing to compare with.
    fn draw(demo: &[f32], dim: usize, b: usize, rng: &mut SeededRng, out: &mut Vec<f32>) -> bool;
}

/// AMP's positives: demo windows drawn with replacement.
pub struct DemoWindows;

impl Positives for DemoWindows {
    const ALGORITHM: &'static str = "AMP";
    const WANTS_DEMO: bool = true;

    fn draw(demo: &[f32], dim: usize, b: usize, rng: &mut SeededRng, out: &mut Vec<f32>) -> bool {
        let rows = demo.len() / dim;
        if rows == 0 {
            return false;
        }
        for _ in 0..b {
            let i = rng.random_range(0..rows);
            out.extend_from_slice(&demo[i * dim..(i + 1) * dim]);
        }
        true
    }
}

/// AMP's discriminator normaliser: running mean and std of `dim` values, clipped to ±`clip`.
pub fn amp_disc_normalizer(dim: usize, clip: f64, max_samples: f64) -> DiscNormalizer {
    DiscNormalizer::MeanStd(RunningNormalizer::new(dim, clip, max_samples))
}

/// AMP's delta over PPO (and, with other [`Positives`], ADD's).
pub struct Amp<P: Positives = DemoWindows> {
    /// The actor objective AMP inherits.
    pub ppo: Ppo,
    disc: OwnedNetwork<Discriminator>,
    objective: DiscObjective,
    dim: usize,
    /// Values per buffered step: `num_envs × dim`.
    step_len: usize,
    loss_weight: f64,
    update_epochs: usize,
    /// Summed mode with `disc_batch_size` (MimicKit's earlier schema): at most this many demo
    /// rows and half as many agent rows of each minibatch.
    summed_rows: Option<usize>,
    /// Rows per pass when the rewards are computed.
    eval_chunk: usize,
    task_reward_weight: f32,
    disc_reward_weight: f32,
    replay_samples: usize,
    /// Raw discriminator observations of this iteration, step-major like the buffer.
    obs: Vec<f32>,
    /// Raw demo windows for this iteration's update.
    demo: Vec<f32>,
    /// This iteration's normalised agent rows and demo windows (set by `shape_rewards`).
    norm_obs: Vec<f32>,
    norm_demo: Vec<f32>,
    /// Earlier iterations' raw agent observations.
    replay: ReplayBuffer,
    /// Scratch rows of one minibatch's negatives and positives.
    neg: Vec<f32>,
    pos: Vec<f32>,
    positives: PhantomData<P>,
}

impl<P: Positives> Amp<P> {
    /// The delta for `num_envs` envs writing `dim` discriminator values per step; the
    /// discriminator's weights are drawn from `rng` on the autodiff `device`.
    pub fn new(
        config: &AgentConfig,
        num_envs: usize,
        dim: usize,
        rng: &mut SeededRng,
        device: &Device,
    ) -> Result<Self, NetError> {
        let c = config;
        let disc = Discriminator::from_config(&c.model, dim, rng, device)?;
        Ok(Self {
            ppo: Ppo::new(c),
            disc: OwnedNetwork::new(Discriminator::RECORD_NAME, disc),
            objective: DiscObjective {
                grad_penalty: c.disc_grad_penalty as f32,
                logit_reg: c.disc_logit_reg as f32,
                reward_scale: c.disc_reward_scale as f32,
                weight_decay: c.disc_weight_decay as f32,
            },
            summed_rows: match c.update_mode() {
                UpdateMode::Summed => c.disc_batch_size.map(|b| b.ceil() as usize),
                UpdateMode::PerNetwork => None,
            },
            eval_chunk: eval_chunk(c.disc_eval_batch_size),
            dim,
            step_len: num_envs * dim,
            loss_weight: c.disc_loss_weight,
            update_epochs: c.disc_update_epochs.unwrap_or(usize::MAX),
            task_reward_weight: c.task_reward_weight as f32,
            disc_reward_weight: c.disc_reward_weight as f32,
            replay_samples: c.disc_replay_samples,
            obs: vec![0.0; c.steps_per_iter * num_envs * dim],
            demo: Vec::new(),
            norm_obs: Vec::new(),
            norm_demo: Vec::new(),
            replay: ReplayBuffer::new(c.disc_buffer_size, dim),
            neg: Vec::new(),
            pos: Vec::new(),
            positives: PhantomData,
        })
    }

    /// The discriminator being trained.
    pub fn disc(&self) -> &Discriminator {
        self.disc.train()
    }

    /// This iteration's normalised agent rows (what ASE's encoder reads), valid from
    /// `shape_rewards` to the end of the update.
    pub fn norm_obs(&self) -> &[f32] {
        &self.norm_obs
    }

    /// The replay buffer of earlier iterations' agent rows.
    pub fn replay(&self) -> &ReplayBuffer {
        &self.replay
    }

    /// Whether minibatches of `epoch` train the discriminator (summed mode).
    pub fn trains_in(&self, epoch: usize) -> bool {
        epoch < self.update_epochs
    }

    /// The discriminator's unweighted loss on a minibatch of `B` agent rows: negatives are
    /// those rows and as many replayed ones, positives `B` rows from [`Positives`] (fewer under
    /// the earlier schema's `disc_batch_size`). Nothing when there are no positives to compare
    /// with.
    fn disc_loss(&mut self, ctx: &mut MinibatchCtx, terms: &mut LossTerms) -> Option<Tensor<1>> {
        let norm = ctx.state.disc_norm.as_mut()?;
        let dim = self.dim;
        let b = ctx.idx.len();
        let (agent_rows, demo_rows) = match self.summed_rows {
            Some(cap) => (b.min(cap.div_ceil(2)), b.min(cap)),
            None => (b, b),
        };
        self.neg.clear();
        for &i in &ctx.idx[..agent_rows] {
            self.neg
                .extend_from_slice(&self.norm_obs[i * dim..(i + 1) * dim]);
        }
        let start = self.neg.len();
        self.replay
            .sample_into(agent_rows, &mut ctx.state.rng, &mut self.neg);
        norm.normalize_in_place(&mut self.neg[start..]);
        self.pos.clear();
        if !P::draw(
            &self.norm_demo,
            dim,
            demo_rows,
            &mut ctx.state.rng,
            &mut self.pos,
        ) {
            return None;
        }
        Some(self.objective.loss(
            self.disc.train(),
            upload_rows(self.neg.clone(), dim, ctx.device),
            upload_rows(self.pos.clone(), dim, ctx.device),
            terms,
        ))
    }
}

impl<P: Positives> Algorithm for Amp<P> {
    fn name(&self) -> &'static str {
        P::ALGORITHM
    }

    fn adv_clip(&self) -> f32 {
        self.ppo.adv_clip()
    }

    fn actor_loss(&self, dist: &ActionDist, mb: &Minibatch, terms: &mut LossTerms) -> Tensor<1> {
        self.ppo.actor_loss(dist, mb, terms)
    }

    fn optimizer_groups<'c>(
        &self,
        config: &'c AgentConfig,
    ) -> Vec<(ParamGroup, &'c OptimizerConfig)> {
        vec![(self.disc.group(), config.disc_optimizer())]
    }

    fn save_networks(&self, records: &mut NetworkRecords) -> Result<(), RecordError> {
        self.disc.save(records)
    }

    fn load_networks(&mut self, records: &mut NetworkRecords) -> Result<(), RecordError> {
        self.disc.load(records)
    }

    fn step_networks(&mut self, grads: &mut Gradients, optim: &mut GroupOptimizer) {
        self.disc.step(grads, optim);
    }

    fn disc_obs_dim(&self) -> usize {
        self.dim
    }

    fn record_disc_obs(&mut self, step: usize, rows: &[f32]) {
        let n = self.step_len;
        let dst = &mut self.obs[step * n..(step + 1) * n];
        dst.copy_from_slice(&rows[..n]);
        // A non-finite row is stored as zeros (its env failed).
        for row in dst.chunks_exact_mut(self.dim) {
            if row.iter().any(|v| !v.is_finite()) {
                row.fill(0.0);
            }
        }
    }

    fn wants_demo_disc_obs(&self) -> bool {
        P::WANTS_DEMO
    }

    fn set_demo_disc_obs(&mut self, rows: Vec<f32>) {
        self.demo = rows;
    }

    fn shape_rewards(&mut self, rewards: &mut [f32], ctx: &mut UpdateCtx) {
        let dim = self.dim;
        let norm = ctx
            .state
            .disc_norm
            .as_mut()
            .expect("adversarial agents have a discriminator normaliser");
        self.norm_obs.clone_from(&self.obs);
        norm.normalize_in_place(&mut self.norm_obs);
        self.norm_demo.clone_from(&self.demo);
        norm.normalize_in_place(&mut self.norm_demo);
        norm.record(&self.obs);
        norm.record(&self.demo);
        let mut r_disc = Vec::with_capacity(self.norm_obs.len() / dim);
        for chunk in self.norm_obs.chunks(self.eval_chunk * dim) {
            let t = upload_rows(chunk.to_vec(), dim, ctx.device);
            let logits: Vec<f32> = self
                .disc
                .eval()
                .forward(t)
                .squeeze_dim::<1>(1)
                .into_data()
                .try_into_vec()
                .expect("f32 logits");
            r_disc.extend(logits.into_iter().map(|l| self.objective.reward(l)));
        }
        let (mean, std) = mean_std(&r_disc);
        let task_mean = mean_std(rewards).0;
        for (r, rd) in rewards.iter_mut().zip(&r_disc) {
            *r = self.task_reward_weight * *r + self.disc_reward_weight * rd;
        }
        ctx.row.set("Disc_Reward_Mean", mean);
        ctx.row.set("Disc_Reward_Std", std);
        ctx.row.set("Task_Reward_Mean", task_mean);
        ctx.row.set("Shaped_Reward_Mean", mean_std(rewards).0);
    }

    fn minibatch_terms(
        &mut self,
        ctx: &mut MinibatchCtx,
        terms: &mut LossTerms,
    ) -> Option<Tensor<1>> {
        if !self.trains_in(ctx.epoch) {
            return None;
        }
        Some(self.disc_loss(ctx, terms)?.mul_scalar(self.loss_weight))
    }

    fn network_schedules(&self, config: &AgentConfig) -> Vec<NetworkSchedule> {
        vec![config.disc_schedule()]
    }

    fn network_loss(
        &mut self,
        network: usize,
        ctx: &mut MinibatchCtx,
        terms: &mut LossTerms,
    ) -> Option<Tensor<1>> {
        if network != 0 {
            return None;
        }
        self.disc_loss(ctx, terms)
    }

    fn finish_update(&mut self, ctx: &mut UpdateCtx) {
        self.replay
            .store_iteration(&self.obs, self.replay_samples, &mut ctx.state.rng);
        self.demo.clear();
        self.disc.refresh();
        if let Some(norm) = ctx.state.disc_norm.as_mut() {
            norm.update();
        }
    }

    fn checkpoint_files(&self) -> Vec<(&'static str, Vec<u8>)> {
        vec![(REPLAY_FILE, self.replay.to_bytes())]
    }

    fn restore_checkpoint_files(&mut self, files: &[(String, Vec<u8>)]) -> Result<(), String> {
        match files.iter().find(|(n, _)| n == REPLAY_FILE) {
            Some((_, bytes)) => self
                .replay
                .restore(bytes)
                .map_err(|e| format!("{REPLAY_FILE}: {e}")),
            None => Ok(()),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
