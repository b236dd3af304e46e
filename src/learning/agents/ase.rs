//! ASE (MimicKit's `ase_agent.py`) over AMP: skill latents and an encoder. What it adds to AMP:
//! - each env holds a unit latent z ([`LatentSlots`]), redrawn at every reset and after a
//!   random `latent_time_min..latent_time_max` seconds unless held; actor and critic read
//!   `[obs, z]`, and every buffered step keeps its z (the next state is valued with it);
//! - before the critic values the reward gains `enc_reward_weight × max(0, z·ẑ)`, ẑ the
//!   encoder's reading of the step's normalised discriminator window;
//! - each minibatch adds `enc_loss_weight × mean(−z·ẑ)` in the discriminator's epochs, and to
//!   the actor loss `diversity_weight × mean((diversity_tar − ratio)²)` for a fresh z′ per row;
//! - the encoder is ASE's own network (`enc` in the model file) and its own optimizer group.

use std::any::Any;

use burn::module::ParamGroup;
use burn::store::RecordError;
use burn::tensor::{Device, Gradients, Tensor};

use super::amp::Amp;
use super::network::OwnedNetwork;
use super::values::eval_chunk;
use super::{
    ActMode, Agent, AgentConfig, Algorithm, LatentSchedule, LatentSlots, LossTerms, Minibatch,
    MinibatchCtx, NetworkSchedule, UpdateCtx,
};
use crate::SeededRng;
use crate::learning::distributions::ActionDist;
use crate::learning::latents::sample_unit;
use crate::learning::models::{
    ActorCritic, Encoder, NetworkRecords, diversity_loss, encoder_loss, encoder_reward,
};
use crate::learning::nets::NetError;
use crate::learning::optimizer::{GroupOptimizer, OptimizerConfig};
use crate::learning::policy::upload_rows;
use crate::learning::stats::mean_std;
use crate::spaces::DoneCode;

/// Networks AMP adds before ASE's encoder.
const AMP_NETWORKS: usize = 1;

/// The checkpoint file holding the training rollout's latents, timers and holds.
const LATENTS_FILE: &str = "ase_latents.json";

/// One minibatch's latents: the ones acted with, fresh ones z′, and `[norm_obs, z′]` rows.
struct MinibatchLatents {
    z: Tensor<2>,
    z_new: Tensor<2>,
    obs_new: Tensor<2>,
}

/// ASE's delta over AMP.
pub struct Ase {
    /// The discriminator ASE inherits.
    pub amp: Amp,
    enc: OwnedNetwork<Encoder>,
    /// Latents of the training rollout.
    explore: LatentSlots,
    /// Latents of deterministic rollouts (tests, play).
    eval: LatentSlots,
    /// z of each buffered step, step-major `[steps × envs × latent_dim]`.
    z: Vec<f32>,
    enc_loss_weight: f64,
    enc_reward_weight: f32,
    diversity_weight: f64,
    diversity_tar: f32,
    minibatch: Option<MinibatchLatents>,
    /// Rows per pass when the encoder's rewards are computed.
    eval_chunk: usize,
    /// Scratch rows of one minibatch (z, z′, `[norm_obs, z′]`).
    scratch: [Vec<f32>; 3],
}

impl Ase {
    /// The delta for `num_envs` envs writing `disc_obs_dim` discriminator values per step,
    /// with latent durations counted in steps of `step_dt` seconds; the discriminator's and
    /// then the encoder's weights are drawn from `rng` on the autodiff `device`.
    pub fn new(
        config: &AgentConfig,
        num_envs: usize,
        disc_obs_dim: usize,
        step_dt: f64,
        rng: &mut SeededRng,
        device: &Device,
    ) -> Result<Self, NetError> {
        let c = config;
        let schedule = LatentSchedule::from_times(c.latent_time_min, c.latent_time_max, step_dt);
        let mut explore = LatentSlots::new(c.model.latent_dim, schedule);
        explore.resize(num_envs);
        let amp = Amp::new(c, num_envs, disc_obs_dim, rng, device)?;
        let enc = Encoder::from_config(&c.model, disc_obs_dim, rng, device)?;
        Ok(Self {
            amp,
            enc: OwnedNetwork::new(Encoder::RECORD_NAME, enc),
            explore,
            eval: LatentSlots::new(c.model.latent_dim, schedule),
            z: vec![0.0; c.steps_per_iter * num_envs * c.model.latent_dim],
            enc_loss_weight: c.enc_loss_weight,
            enc_reward_weight: c.enc_reward_weight as f32,
            diversity_weight: c.diversity_weight,
            diversity_tar: c.diversity_tar as f32,
            minibatch: None,
            eval_chunk: eval_chunk(c.enc_eval_batch_size),
            scratch: Default::default(),
        })
    }

    /// Values per latent.
    pub fn latent_dim(&self) -> usize {
        self.explore.dim()
    }

    /// The latents of `mode`'s rollout.
    pub fn latents(&self, mode: ActMode) -> &LatentSlots {
        match mode {
            ActMode::Explore => &self.explore,
            ActMode::Deterministic => &self.eval,
        }
    }

    /// The latents of `mode`'s rollout, to set, hold or release them.
    pub fn latents_mut(&mut self, mode: ActMode) -> &mut LatentSlots {
        match mode {
            ActMode::Explore => &mut self.explore,
            ActMode::Deterministic => &mut self.eval,
        }
    }

    /// The encoder's unweighted loss on a minibatch: it recovers each row's latent from the
    /// row's discriminator observation.
    /// Reads the rows' latents itself, so it needs no [`prepare_minibatch`](Algorithm::prepare_minibatch)
    /// (the per-network mode's encoder steps skip it).
    fn enc_loss(&mut self, ctx: &MinibatchCtx, terms: &mut LossTerms) -> Option<Tensor<1>> {
        let (dim, ld) = (self.amp.disc_obs_dim(), self.latent_dim());
        let mut rows = Vec::with_capacity(ctx.idx.len() * dim);
        let mut z = Vec::with_capacity(ctx.idx.len() * ld);
        for &i in ctx.idx {
            rows.extend_from_slice(&self.amp.norm_obs()[i * dim..(i + 1) * dim]);
            z.extend_from_slice(&self.z[i * ld..(i + 1) * ld]);
        }
        let z_hat = self.enc.train().forward(upload_rows(rows, dim, ctx.device));
        let loss = encoder_loss(z_hat, upload_rows(z, ld, ctx.device));
        terms.push(("Enc_Loss", loss.clone().detach()));
        Some(loss)
    }

    /// `enc_reward_weight × max(0, z·ẑ)` of every buffered step, from the inference encoder.
    fn encoder_rewards(&self, ctx: &UpdateCtx) -> Vec<f32> {
        let dim = self.amp.disc_obs_dim();
        let ld = self.latent_dim();
        let mut r_enc = Vec::with_capacity(self.z.len() / ld.max(1));
        let step = self.eval_chunk;
        for (k, chunk) in self.amp.norm_obs().chunks(step * dim).enumerate() {
            let rows = chunk.len() / dim;
            let z = &self.z[k * step * ld..(k * step + rows) * ld];
            let z_hat = self
                .enc
                .eval()
                .forward(upload_rows(chunk.to_vec(), dim, ctx.device));
            let r: Vec<f32> = encoder_reward(z_hat, upload_rows(z.to_vec(), ld, ctx.device))
                .into_data()
                .try_into_vec()
                .expect("f32 rewards");
            r_enc.extend(r);
        }
        r_enc
    }
}

impl Algorithm for Ase {
    fn name(&self) -> &'static str {
        "ASE"
    }

    fn adv_clip(&self) -> f32 {
        self.amp.adv_clip()
    }

    fn actor_loss(&self, dist: &ActionDist, mb: &Minibatch, terms: &mut LossTerms) -> Tensor<1> {
        self.amp.actor_loss(dist, mb, terms)
    }

    fn optimizer_groups<'c>(
        &self,
        config: &'c AgentConfig,
    ) -> Vec<(ParamGroup, &'c OptimizerConfig)> {
        let mut groups = self.amp.optimizer_groups(config);
        groups.push((self.enc.group(), config.enc_optimizer()));
        groups
    }

    fn save_networks(&self, records: &mut NetworkRecords) -> Result<(), RecordError> {
        self.amp.save_networks(records)?;
        self.enc.save(records)
    }

    fn load_networks(&mut self, records: &mut NetworkRecords) -> Result<(), RecordError> {
        self.amp.load_networks(records)?;
        self.enc.load(records)
    }

    fn step_networks(&mut self, grads: &mut Gradients, optim: &mut GroupOptimizer) {
        self.amp.step_networks(grads, optim);
        self.enc.step(grads, optim);
    }

    fn disc_obs_dim(&self) -> usize {
        self.amp.disc_obs_dim()
    }

    fn record_disc_obs(&mut self, step: usize, rows: &[f32]) {
        self.amp.record_disc_obs(step, rows);
    }

    fn wants_demo_disc_obs(&self) -> bool {
        self.amp.wants_demo_disc_obs()
    }

    fn set_demo_disc_obs(&mut self, rows: Vec<f32>) {
        self.amp.set_demo_disc_obs(rows);
    }

    fn condition_dim(&self) -> usize {
        self.latent_dim()
    }

    fn act_condition(
        &mut self,
        mode: ActMode,
        rows: usize,
        step: usize,
        rng: &mut SeededRng,
    ) -> &[f32] {
        let Self {
            explore, eval, z, ..
        } = self;
        let slots = match mode {
            ActMode::Explore => explore,
            ActMode::Deterministic => eval,
        };
        if slots.len() < rows {
            slots.resize(rows);
        }
        slots.advance(rng);
        let ld = slots.dim();
        let current = &slots.all()[..rows * ld];
        if mode == ActMode::Explore {
            let dst = rows * ld * step;
            z[dst..dst + rows * ld].copy_from_slice(current);
        }
        current
    }

    fn buffered_condition(&self) -> &[f32] {
        &self.z
    }

    fn current_condition(&self) -> &[f32] {
        self.explore.all()
    }

    fn episodes_ended(&mut self, mode: ActMode, dones: &[DoneCode]) {
        let slots = self.latents_mut(mode);
        for (env, d) in dones.iter().enumerate() {
            if *d != DoneCode::Null {
                slots.episode_ended(env);
            }
        }
    }

    fn set_step_dt(&mut self, config: &AgentConfig, step_dt: f64) {
        let c = config;
        let schedule = LatentSchedule::from_times(c.latent_time_min, c.latent_time_max, step_dt);
        let dim = self.latent_dim();
        for slots in [&mut self.explore, &mut self.eval] {
            let mut fresh = LatentSlots::new(dim, schedule);
            fresh.resize(slots.len());
            *slots = fresh;
        }
    }

    fn shape_rewards(&mut self, rewards: &mut [f32], ctx: &mut UpdateCtx) {
        // The encoder's columns come first in the log, as they always have.
        ctx.row.set("Enc_Reward_Mean", 0.0);
        ctx.row.set("Enc_Reward_Std", 0.0);
        self.amp.shape_rewards(rewards, ctx);
        let r_enc = self.encoder_rewards(ctx);
        let (m, s) = mean_std(&r_enc);
        ctx.row.set("Enc_Reward_Mean", m);
        ctx.row.set("Enc_Reward_Std", s);
        for (r, re) in rewards.iter_mut().zip(&r_enc) {
            *r += self.enc_reward_weight * re;
        }
        ctx.row.set("Shaped_Reward_Mean", mean_std(rewards).0);
    }

    fn prepare_minibatch(&mut self, ctx: &mut MinibatchCtx) {
        let ld = self.latent_dim();
        let od = ctx.obs_dim;
        let [mb_z, mb_z_new, mb_obs_new] = &mut self.scratch;
        mb_z.clear();
        mb_z_new.clear();
        mb_obs_new.clear();
        let mut fresh = vec![0.0; ld];
        for &i in ctx.idx {
            mb_z.extend_from_slice(&self.z[i * ld..(i + 1) * ld]);
            sample_unit(&mut fresh, &mut ctx.state.rng);
            mb_z_new.extend_from_slice(&fresh);
            mb_obs_new.extend_from_slice(&ctx.norm_obs[i * od..(i + 1) * od]);
            mb_obs_new.extend_from_slice(&fresh);
        }
        self.minibatch = Some(MinibatchLatents {
            z: upload_rows(mb_z.clone(), ld, ctx.device),
            z_new: upload_rows(mb_z_new.clone(), ld, ctx.device),
            obs_new: upload_rows(mb_obs_new.clone(), od + ld, ctx.device),
        });
    }

    fn actor_terms(
        &self,
        model: &ActorCritic,
        dist: &ActionDist,
        _config: &AgentConfig,
        terms: &mut LossTerms,
    ) -> Option<Tensor<1>> {
        let lat = self.minibatch.as_ref()?;
        let mean = dist.gaussian_mean()?;
        if self.diversity_weight <= 0.0 {
            return None;
        }
        let mean_new = model
            .eval_actor(lat.obs_new.clone())
            .gaussian_mean()
            .expect("the same head");
        let div = diversity_loss(
            mean_new,
            mean,
            lat.z_new.clone(),
            lat.z.clone(),
            self.diversity_tar,
        );
        terms.push(("Diversity_Loss", div.clone().detach()));
        Some(div.mul_scalar(self.diversity_weight))
    }

    fn minibatch_terms(
        &mut self,
        ctx: &mut MinibatchCtx,
        terms: &mut LossTerms,
    ) -> Option<Tensor<1>> {
        let disc = self.amp.minibatch_terms(ctx, terms);
        if !self.amp.trains_in(ctx.epoch) {
            return disc;
        }
        let Some(enc) = self.enc_loss(ctx, terms) else {
            return disc;
        };
        let enc = enc.mul_scalar(self.enc_loss_weight);
        Some(match disc {
            Some(d) => d + enc,
            None => enc,
        })
    }

    fn network_schedules(&self, config: &AgentConfig) -> Vec<NetworkSchedule> {
        let mut schedules = self.amp.network_schedules(config);
        schedules.push(config.enc_schedule());
        schedules
    }

    fn network_loss(
        &mut self,
        network: usize,
        ctx: &mut MinibatchCtx,
        terms: &mut LossTerms,
    ) -> Option<Tensor<1>> {
        // The encoder comes after AMP's networks.
        if network == AMP_NETWORKS {
            self.enc_loss(ctx, terms)
        } else {
            self.amp.network_loss(network, ctx, terms)
        }
    }

    fn finish_update(&mut self, ctx: &mut UpdateCtx) {
        self.minibatch = None;
        self.enc.refresh();
        self.amp.finish_update(ctx);
    }

    fn checkpoint_files(&self) -> Vec<(&'static str, Vec<u8>)> {
        let mut files = self.amp.checkpoint_files();
        let latents = serde_json::to_vec(&self.explore).expect("latents serialise");
        files.push((LATENTS_FILE, latents));
        files
    }

    fn restore_checkpoint_files(&mut self, files: &[(String, Vec<u8>)]) -> Result<(), String> {
        self.amp.restore_checkpoint_files(files)?;
        if let Some((_, bytes)) = files.iter().find(|(n, _)| n == LATENTS_FILE) {
            let slots: LatentSlots =
                serde_json::from_slice(bytes).map_err(|e| format!("{LATENTS_FILE}: {e}"))?;
            if !slots.is_well_formed()
                || slots.dim() != self.latent_dim()
                || slots.len() != self.explore.len()
            {
                return Err(format!(
                    "{LATENTS_FILE}: {} latents of {} values; the agent has {} of {}",
                    slots.len(),
                    slots.dim(),
                    self.explore.len(),
                    self.latent_dim()
                ));
            }
            self.explore = slots;
        }
        Ok(())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// ASE's part of the agent's API: the latents a game or the viewer steers, and the encoder.
impl Agent {
    fn ase(&self) -> Option<&Ase> {
        self.algorithm::<Ase>()
    }

    /// Values per skill latent (0: the agent has no latents).
    pub fn latent_dim(&self) -> usize {
        self.ase().map_or(0, Ase::latent_dim)
    }

    /// The latents the agent acts with in `mode` (ASE; `None` otherwise).
    pub fn latents(&self, mode: ActMode) -> Option<&LatentSlots> {
        self.ase().map(|a| a.latents(mode))
    }

    /// The latents of `mode`, to set, hold or release them (ASE; `None` otherwise). The
    /// deterministic set grows to the number of rows acted on; [`LatentSlots::resize`] makes
    /// room before the first step.
    pub fn latents_mut(&mut self, mode: ActMode) -> Option<&mut LatentSlots> {
        self.algorithm_mut::<Ase>().map(|a| a.latents_mut(mode))
    }

    /// Draws a random latent for env `env` of `mode` now.
    pub fn randomize_latent(&mut self, mode: ActMode, env: usize) {
        let (algo, state) = self.algorithm_and_state_mut::<Ase>();
        if let Some(a) = algo {
            a.latents_mut(mode).randomize(env, &mut state.rng);
        }
    }

    /// ASE: the encoder's unit vectors ẑ for raw discriminator observations
    /// (`[rows × disc_obs_dim]`), normalised as in training. Empty without an encoder.
    pub fn encode(&mut self, raw_disc_obs: &[f32]) -> Vec<f32> {
        let dim = self.disc_obs_dim();
        let (Some(ase), Some(norm)) = (
            self.algo.as_any().downcast_ref::<Ase>(),
            self.state.disc_norm.as_mut(),
        ) else {
            return Vec::new();
        };
        let mut rows = raw_disc_obs.to_vec();
        norm.normalize_in_place(&mut rows);
        ase.enc
            .eval()
            .forward(upload_rows(rows, dim, &self.device))
            .into_data()
            .try_into_vec()
            .expect("f32 latents")
    }
}
