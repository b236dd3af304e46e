//! The shared on-policy agent: acting, the experience buffer, TD(λ) data, and the update loop in
//! which every loss of a minibatch is summed and takes one backward pass and one optimizer step.

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;

use super::state::default_step_dt;
use super::{
    ActMode, ActorObjective, AgentConfig, AgentName, AgentState, AwrObjective, DiscObjective,
    LatentSchedule, LatentSlots, LossTerms, PpoObjective,
};
use crate::SeededRng;
use crate::learning::buffers::ExperienceBuffer;
use crate::learning::latents::sample_unit;
use crate::learning::log_row::{LogRow, MeanAccumulator};
use crate::learning::models::{ActorCritic, diversity_loss, encoder_loss, encoder_reward};
use crate::learning::nets::NetError;
use crate::learning::normalizer::{
    ActionNormalizer, BadActionBound, DiscNormalizer, MeanAbsNormalizer, RunningNormalizer,
};
use crate::learning::optimizer::{GroupOptimizer, group_of};
use crate::learning::policy::{upload_rows, with_latents};
use crate::learning::replay::ReplayBuffer;
use crate::learning::returns::{bootstrap_values, normalize_advantages, td_lambda_returns};
use crate::spaces::{ActionSpace, DoneCode};

/// Rows per forward pass when the critic evaluates a whole buffer.
const VALUE_CHUNK: usize = 16_384;
/// Observations are normalised values clipped to ±this.
const OBS_CLIP: f64 = 10.0;

/// Why an agent could not be built.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// A backbone name is wrong.
    #[error(transparent)]
    Net(#[from] NetError),
    /// The action box is unusable.
    #[error(transparent)]
    ActionBound(#[from] BadActionBound),
    /// An adversarial agent on an env without discriminator observations.
    #[error(
        "agent_name {agent} trains a discriminator, but the env has no discriminator observations (use env_name amp, ase or add)"
    )]
    NoDiscObs {
        /// The agent's name.
        agent: &'static str,
    },
    /// The minibatch would be larger than the data of one iteration.
    #[error(
        "batch_size × num_envs = {batch} is more than steps_per_iter × num_envs = {samples} samples per iteration"
    )]
    BatchTooLarge {
        /// Minibatch size in samples.
        batch: usize,
        /// Samples per iteration.
        samples: usize,
    },
}

/// One minibatch on the training device.
pub struct Minibatch {
    /// Normalised observations `[B, obs_dim]`.
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
    /// ASE: the minibatch's latents and the diversity loss's second latents.
    pub latents: Option<MinibatchLatents>,
}

/// ASE's latents of one minibatch: `obs` holds `[norm_obs, z]` rows; the diversity loss
/// evaluates the actor again on `[norm_obs, z′]`.
pub struct MinibatchLatents {
    /// The latents the actions were taken with `[B, latent_dim]`.
    pub z: Tensor<2>,
    /// Fresh latents z′ `[B, latent_dim]`.
    pub z_new: Tensor<2>,
    /// `[norm_obs, z′]` rows `[B, obs_dim + latent_dim]`.
    pub obs_new: Tensor<2>,
}

impl Minibatch {
    /// Mean of `x` over the exploratory samples.
    pub fn masked_mean(&self, x: Tensor<1>) -> Tensor<1> {
        (x * self.mask.clone()).sum().div_scalar(self.mask_count)
    }
}

/// ASE's latents besides the model: one set for training rollouts, one for deterministic
/// episodes (play mode, tests), and the latent of every buffered step.
struct AseParts {
    explore: LatentSlots,
    eval: LatentSlots,
    /// z of each buffered step, step-major `[steps × envs × latent_dim]`.
    z: Vec<f32>,
}

/// What an adversarial agent (AMP, ADD) keeps besides the model: the discriminator objective,
/// this iteration's discriminator observations and demo windows, and the replay buffer.
struct DiscParts {
    objective: DiscObjective,
    /// ADD: the one positive is the zero difference; AMP: demo windows.
    zero_positive: bool,
    /// Raw discriminator observations of this iteration, step-major like the buffer.
    obs: Vec<f32>,
    /// Raw demo windows for this iteration's update (AMP).
    demo: Vec<f32>,
    /// Earlier iterations' raw agent observations.
    replay: ReplayBuffer,
}

/// Actions chosen for one step, kept between acting and recording.
#[derive(Default)]
struct StepActions {
    env: Vec<f32>,
    norm: Vec<f32>,
    logp: Vec<f32>,
    exploratory: Vec<bool>,
    noise: Vec<f32>,
}

/// An on-policy agent (PPO or AWR) for a batch of environments.
pub struct Agent {
    state: AgentState,
    device: Device,
    model: ActorCritic,
    policy: ActorCritic,
    optim: GroupOptimizer,
    objective: Box<dyn ActorObjective>,
    buffer: ExperienceBuffer,
    step_in_iter: usize,
    actions: StepActions,
    disc: Option<DiscParts>,
    ase: Option<AseParts>,
}

impl Agent {
    /// A fresh agent; the weights are drawn from `seed` on `device`.
    pub fn new(
        config: AgentConfig,
        obs_dim: usize,
        action_space: ActionSpace,
        num_envs: usize,
        device: Device,
        seed: u64,
    ) -> Result<Self, AgentError> {
        Self::new_with_disc(config, obs_dim, action_space, num_envs, 0, device, seed)
    }

    /// A fresh agent for an env that also writes `disc_obs_dim` discriminator observations per
    /// env (AMP and ADD need them; other agents ignore them).
    pub fn new_with_disc(
        config: AgentConfig,
        obs_dim: usize,
        action_space: ActionSpace,
        num_envs: usize,
        disc_obs_dim: usize,
        device: Device,
        seed: u64,
    ) -> Result<Self, AgentError> {
        let has_disc = config.agent_name.has_disc();
        if has_disc && disc_obs_dim == 0 {
            return Err(AgentError::NoDiscObs {
                agent: config.agent_name.as_str(),
            });
        }
        let disc_obs_dim = if has_disc { disc_obs_dim } else { 0 };
        let samples = config.steps_per_iter * num_envs;
        let batch = config.batch_size * num_envs;
        if batch > samples {
            return Err(AgentError::BatchTooLarge { batch, samples });
        }
        let mut init_rng = SeededRng::seed_from_u64(seed);
        let model = ActorCritic::for_agent(
            config.agent_name,
            &config.model,
            obs_dim,
            &action_space,
            disc_obs_dim,
            &mut init_rng,
            &device.clone().autodiff(),
        )?;
        let disc_norm = has_disc.then(|| match config.agent_name {
            AgentName::Add => DiscNormalizer::MeanAbs(MeanAbsNormalizer::new(
                disc_obs_dim,
                config.normalizer_samples,
            )),
            _ => DiscNormalizer::MeanStd(RunningNormalizer::new(
                disc_obs_dim,
                OBS_CLIP,
                config.normalizer_samples,
            )),
        });
        let action_norm = match &action_space {
            ActionSpace::Box { low, high } => Some(ActionNormalizer::from_bounds(low, high)?),
            ActionSpace::Discrete(_) => None,
        };
        let state = AgentState {
            obs_norm: RunningNormalizer::new(obs_dim, OBS_CLIP, config.normalizer_samples),
            config,
            obs_dim,
            action_space,
            num_envs,
            iteration: 0,
            sample_count: 0,
            action_norm,
            rng: SeededRng::seed_from_u64(seed ^ 0x5eed_a9e7),
            disc_obs_dim,
            disc_norm,
            step_dt: default_step_dt(),
        };
        Ok(Self::assemble(state, device, model))
    }

    /// An agent from a checkpoint's parts: its state, its model, and the optimizer state bytes.
    pub fn from_parts(
        state: AgentState,
        device: Device,
        model: ActorCritic,
        optimizer: Option<burn::tensor::Bytes>,
    ) -> Result<Self, burn::store::RecordError> {
        let mut agent = Self::assemble(state, device, model);
        if let Some(bytes) = optimizer {
            let optim =
                std::mem::replace(&mut agent.optim.optim, burn::optim::SgdConfig::new().init());
            agent.optim.optim = optim.from_bytes(bytes)?;
        }
        Ok(agent)
    }

    fn assemble(state: AgentState, device: Device, model: ActorCritic) -> Self {
        let c = &state.config;
        let mut groups = vec![
            (group_of(&model.actor), &c.actor_optimizer),
            (group_of(&model.critic), &c.critic_optimizer),
        ];
        if let Some(disc) = &model.disc {
            groups.push((group_of(disc), &c.disc_optimizer));
        }
        if let Some(enc) = &model.enc {
            groups.push((group_of(enc), &c.enc_optimizer));
        }
        let optim = GroupOptimizer::new(groups);
        let objective: Box<dyn ActorObjective> = match c.agent_name {
            AgentName::Ppo | AgentName::Amp | AgentName::Add | AgentName::Ase => {
                Box::new(PpoObjective {
                    clip_ratio: c.ppo_clip_ratio as f32,
                    norm_adv_clip: c.norm_adv_clip as f32,
                })
            }
            AgentName::Awr => Box::new(AwrObjective {
                temp: c.awr_temp as f32,
                weight_clip: c.a_weight_clip as f32,
            }),
        };
        let buffer = ExperienceBuffer::new(
            c.steps_per_iter,
            state.num_envs,
            state.obs_dim,
            state.action_space.action_len(),
        );
        let disc = (model.disc.is_some() && state.disc_obs_dim > 0).then(|| DiscParts {
            objective: DiscObjective {
                grad_penalty: c.disc_grad_penalty as f32,
                logit_reg: c.disc_logit_reg as f32,
                reward_scale: c.disc_reward_scale as f32,
            },
            zero_positive: c.agent_name == AgentName::Add,
            obs: vec![0.0; c.steps_per_iter * state.num_envs * state.disc_obs_dim],
            demo: Vec::new(),
            replay: ReplayBuffer::new(c.disc_buffer_size, state.disc_obs_dim),
        });
        let ase = model.enc.is_some().then(|| {
            let schedule =
                LatentSchedule::from_times(c.latent_time_min, c.latent_time_max, state.step_dt);
            let mut explore = LatentSlots::new(c.model.latent_dim, schedule);
            explore.resize(state.num_envs);
            AseParts {
                explore,
                eval: LatentSlots::new(c.model.latent_dim, schedule),
                z: vec![0.0; c.steps_per_iter * state.num_envs * c.model.latent_dim],
            }
        });
        let policy = model.valid();
        Self {
            state,
            device,
            model,
            policy,
            optim,
            objective,
            buffer,
            step_in_iter: 0,
            actions: StepActions::default(),
            disc,
            ase,
        }
    }

    /// Sets the seconds per control step (ASE's latent durations are given in seconds);
    /// the trainer calls this with the env's step.
    pub fn set_step_dt(&mut self, step_dt: f64) {
        self.state.step_dt = step_dt;
        let c = &self.state.config;
        let schedule = LatentSchedule::from_times(c.latent_time_min, c.latent_time_max, step_dt);
        if let Some(a) = self.ase.as_mut() {
            let dim = a.explore.dim();
            for slots in [&mut a.explore, &mut a.eval] {
                let mut fresh = LatentSlots::new(dim, schedule);
                fresh.resize(slots.len());
                *slots = fresh;
            }
        }
    }

    /// Values per skill latent (0: the agent has no latents).
    pub fn latent_dim(&self) -> usize {
        self.ase.as_ref().map_or(0, |a| a.explore.dim())
    }

    /// The latents the agent acts with in `mode` (ASE; `None` otherwise).
    pub fn latents(&self, mode: ActMode) -> Option<&LatentSlots> {
        self.ase.as_ref().map(|a| match mode {
            ActMode::Explore => &a.explore,
            ActMode::Deterministic => &a.eval,
        })
    }

    /// The latents of `mode`, to set, hold or release them (ASE; `None` otherwise). The
    /// deterministic set grows to the number of rows acted on; [`LatentSlots::resize`] makes
    /// room before the first step.
    pub fn latents_mut(&mut self, mode: ActMode) -> Option<&mut LatentSlots> {
        self.ase.as_mut().map(|a| match mode {
            ActMode::Explore => &mut a.explore,
            ActMode::Deterministic => &mut a.eval,
        })
    }

    /// Draws a random latent for env `env` of `mode` now.
    pub fn randomize_latent(&mut self, mode: ActMode, env: usize) {
        let rng = &mut self.state.rng;
        if let Some(a) = self.ase.as_mut() {
            match mode {
                ActMode::Explore => a.explore.randomize(env, rng),
                ActMode::Deterministic => a.eval.randomize(env, rng),
            }
        }
    }

    /// Tells the agent which envs of a deterministic rollout were reset (their latents are
    /// redrawn unless held); training rollouts learn it from
    /// [`record_result`](Self::record_result).
    pub fn end_episodes(&mut self, dones: &[DoneCode]) {
        if let Some(a) = self.ase.as_mut() {
            for (env, d) in dones.iter().enumerate() {
                if *d != DoneCode::Null {
                    a.eval.episode_ended(env);
                }
            }
        }
    }

    /// ASE: the encoder's unit vectors ẑ for raw discriminator observations
    /// (`[rows × disc_obs_dim]`), normalised as in training. Empty without an encoder.
    pub fn encode(&mut self, raw_disc_obs: &[f32]) -> Vec<f32> {
        let (Some(norm), true) = (self.state.disc_norm.as_mut(), self.policy.enc.is_some()) else {
            return Vec::new();
        };
        let mut rows = raw_disc_obs.to_vec();
        norm.normalize_in_place(&mut rows);
        let t = upload_rows(rows, self.state.disc_obs_dim, &self.device);
        self.policy
            .eval_enc(t)
            .into_data()
            .try_into_vec()
            .expect("f32 latents")
    }

    /// Values per discriminator observation the agent reads (0: it has no discriminator).
    pub fn disc_obs_dim(&self) -> usize {
        if self.disc.is_some() {
            self.state.disc_obs_dim
        } else {
            0
        }
    }

    /// Whether the agent trains on demo windows supplied by [`set_demo_disc_obs`]
    /// (AMP; ADD's positive is the zero difference).
    ///
    /// [`set_demo_disc_obs`]: Self::set_demo_disc_obs
    pub fn wants_demo_disc_obs(&self) -> bool {
        self.disc.as_ref().is_some_and(|d| !d.zero_positive)
    }

    /// Records the env's discriminator observations (`[num_envs × disc_obs_dim]`) of the step
    /// being recorded; call before [`record_result`](Self::record_result). Non-finite rows are
    /// stored as zeros (their env failed).
    pub fn record_disc_obs(&mut self, rows: &[f32]) {
        let Some(d) = self.disc.as_mut() else { return };
        let dim = self.state.disc_obs_dim;
        let n = self.state.num_envs * dim;
        let dst = &mut d.obs[self.step_in_iter * n..(self.step_in_iter + 1) * n];
        dst.copy_from_slice(&rows[..n]);
        for row in dst.chunks_exact_mut(dim) {
            if row.iter().any(|v| !v.is_finite()) {
                row.fill(0.0);
            }
        }
    }

    /// Demo windows (`[rows × disc_obs_dim]`, raw) for the next update's positives and for
    /// the discriminator normaliser.
    pub fn set_demo_disc_obs(&mut self, rows: Vec<f32>) {
        if let Some(d) = self.disc.as_mut() {
            d.demo = rows;
        }
    }

    /// The config.
    pub fn config(&self) -> &AgentConfig {
        &self.state.config
    }

    /// The non-tensor state (counters, normalisers, generator).
    pub fn state(&self) -> &AgentState {
        &self.state
    }

    /// The model being trained (on the autodiff device).
    pub fn model(&self) -> &ActorCritic {
        &self.model
    }

    /// The inference copy of the model used to act.
    pub fn policy(&self) -> &ActorCritic {
        &self.policy
    }

    /// The optimizer's state, serialised.
    pub fn optimizer_bytes(&self) -> Result<burn::tensor::Bytes, burn::store::RecordError> {
        self.optim.optim.into_bytes()
    }

    /// The device the agent computes on (without autodiff).
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Iterations completed.
    pub fn iteration(&self) -> u64 {
        self.state.iteration
    }

    /// Training samples taken.
    pub fn sample_count(&self) -> u64 {
        self.state.sample_count
    }

    /// Whether the experience buffer is full and [`update`](Self::update) is due.
    pub fn buffer_full(&self) -> bool {
        self.step_in_iter == self.buffer.steps()
    }

    /// Chooses actions for a batch of raw observations `[rows × obs_dim]` (in `Explore` mode,
    /// `rows` must be `num_envs`).
    ///
    /// Returns the actions to give the environments (unnormalised, clipped to the box, or
    /// indices). In `Explore` mode the observation is also written to the experience buffer;
    /// call [`record_result`](Self::record_result) after the environments stepped.
    pub fn act(&mut self, obs: &[f32], mode: ActMode) -> &[f32] {
        let n = obs.len() / self.state.obs_dim;
        assert!(
            mode == ActMode::Deterministic || n == self.state.num_envs,
            "training rollouts need exactly num_envs observations"
        );
        let mut norm_obs = obs.to_vec();
        self.state.obs_norm.normalize_in_place(&mut norm_obs);
        let mut width = self.state.obs_dim;
        if let Some(ase) = self.ase.as_mut() {
            let slots = match mode {
                ActMode::Explore => &mut ase.explore,
                ActMode::Deterministic => &mut ase.eval,
            };
            if slots.len() < n {
                slots.resize(n);
            }
            slots.advance(&mut self.state.rng);
            let ld = slots.dim();
            let z = &slots.all()[..n * ld];
            norm_obs = with_latents(&norm_obs, width, z, ld);
            width += ld;
            if mode == ActMode::Explore {
                let dst = n * ld * self.step_in_iter;
                ase.z[dst..dst + n * ld].copy_from_slice(z);
            }
        }
        let obs_t = upload_rows(norm_obs, width, &self.device);
        let dist = self.policy.eval_actor(obs_t);
        let outputs = self.state.action_space.policy_outputs();
        let action_len = self.state.action_space.action_len();

        let a = &mut self.actions;
        a.exploratory.clear();
        let (norm_actions, logp) = match mode {
            ActMode::Deterministic => {
                a.exploratory.resize(n, false);
                let mode_t = dist.mode();
                let logp = dist.log_prob(mode_t.clone());
                (mode_t, logp)
            }
            ActMode::Explore => {
                let p = self.state.config.exp_prob(self.state.sample_count);
                let rng = &mut self.state.rng;
                a.exploratory
                    .extend((0..n).map(|_| p >= 1.0 || rng.random_bool(p)));
                a.noise.clear();
                match self.state.action_space {
                    ActionSpace::Box { .. } => a
                        .noise
                        .extend((0..n * outputs).map(|_| rng.sample::<f32, _>(StandardNormal))),
                    ActionSpace::Discrete(_) => a.noise.extend((0..n * outputs).map(|_| {
                        let u: f32 = rng.random_range(f32::EPSILON..1.0);
                        -(-u.ln()).ln()
                    })),
                }
                // Non-exploratory envs act with the mode: zero Gaussian noise, or no Gumbel noise.
                for (e, explore) in a.exploratory.iter().enumerate() {
                    if !explore {
                        a.noise[e * outputs..(e + 1) * outputs].fill(0.0);
                    }
                }
                let noise = upload_rows(a.noise.clone(), outputs, &self.device);
                let sample = dist.sample(noise);
                let logp = dist.log_prob(sample.clone());
                (sample, logp)
            }
        };
        let packed: Vec<f32> = Tensor::cat(vec![norm_actions, logp.unsqueeze_dim(1)], 1)
            .into_data()
            .try_into_vec()
            .expect("f32 actions");
        a.norm.clear();
        a.logp.clear();
        for row in packed.chunks_exact(action_len + 1) {
            a.norm.extend_from_slice(&row[..action_len]);
            a.logp.push(row[action_len]);
        }
        a.env.clone_from(&a.norm);
        if let Some(an) = &self.state.action_norm {
            an.unnormalize_in_place(&mut a.env);
        }
        if mode == ActMode::Explore {
            self.buffer
                .record_action(self.step_in_iter, obs, &a.norm, &a.logp, &a.exploratory);
        }
        &self.actions.env
    }

    /// Records what the environments returned for the actions of the last `Explore` call.
    pub fn record_result(&mut self, next_obs: &[f32], rewards: &[f32], dones: &[DoneCode]) {
        if let Some(a) = self.ase.as_mut() {
            for (env, d) in dones.iter().enumerate() {
                if *d != DoneCode::Null {
                    a.explore.episode_ended(env);
                }
            }
        }
        self.buffer
            .record_result(self.step_in_iter, next_obs, rewards, dones);
        self.step_in_iter += 1;
    }

    /// Values of raw observations (`[rows × obs_dim]`) under the current critic (ASE: with
    /// the training rollout's current latents, which must be one per row).
    pub fn values(&mut self, raw_obs: &[f32]) -> Vec<f32> {
        let z = self.ase.as_ref().map(|a| a.explore.all().to_vec());
        self.values_with(raw_obs, z.as_deref())
    }

    /// Values of raw observations, each row with its latent from `z` (ASE).
    fn values_with(&mut self, raw_obs: &[f32], z: Option<&[f32]>) -> Vec<f32> {
        let od = self.state.obs_dim;
        let ld = self.latent_dim();
        let mut out = Vec::with_capacity(raw_obs.len() / od);
        for (c, chunk) in raw_obs.chunks(VALUE_CHUNK * od).enumerate() {
            let mut norm = chunk.to_vec();
            self.state.obs_norm.normalize_in_place(&mut norm);
            let t = match z {
                Some(z) => {
                    let rows = chunk.len() / od;
                    let z = &z[c * VALUE_CHUNK * ld..(c * VALUE_CHUNK + rows) * ld];
                    upload_rows(with_latents(&norm, od, z, ld), od + ld, &self.device)
                }
                None => upload_rows(norm, od, &self.device),
            };
            let v: Vec<f32> = self
                .policy
                .eval_critic(t)
                .into_data()
                .try_into_vec()
                .expect("f32 values");
            out.extend(v);
        }
        out
    }

    /// One update from the full experience buffer: TD(λ) returns and advantages, then
    /// `update_epochs` passes of minibatches of `batch_size × num_envs` samples, each with one
    /// summed loss, one backward pass and one optimizer step; then the observation normaliser
    /// takes in this iteration's observations.
    pub fn update(&mut self) -> LogRow {
        assert!(self.buffer_full(), "update needs a full experience buffer");
        let c = self.state.config.clone();
        let n = self.buffer.len();
        let mut row = LogRow::new();

        // AMP/ADD: the training reward mixes the env's reward with the discriminator's, computed
        // before the critic values (the design notes' order: disc rewards → values → TD(λ)).
        let mut disc = self.disc.take();
        // The buffered latents go back in place after the update (no copy per iteration).
        let z = self.ase.as_mut().map(|a| std::mem::take(&mut a.z));
        let (mut disc_obs_norm, mut disc_demo_norm) = (Vec::new(), Vec::new());
        if let Some(d) = disc.as_mut() {
            (disc_obs_norm, disc_demo_norm) = self.disc_rewards(d, z.as_deref(), &c, &mut row);
        }

        // Train data: critic values, bootstrapped TD(λ) returns, normalised advantages. ASE's
        // next state is valued with the latent of its transition.
        let obs = std::mem::take(&mut self.buffer.obs);
        let values = self.values_with(&obs, z.as_deref());
        let next_obs = std::mem::take(&mut self.buffer.next_obs);
        let mut next_values = self.values_with(&next_obs, z.as_deref());
        self.buffer.next_obs = next_obs;
        bootstrap_values(&mut next_values, &self.buffer.dones);
        let ret = td_lambda_returns(
            &self.buffer.rewards,
            &next_values,
            &self.buffer.dones,
            self.state.num_envs,
            c.discount as f32,
            c.td_lambda as f32,
        );
        let mut adv: Vec<f32> = ret.iter().zip(&values).map(|(r, v)| r - v).collect();
        let (adv_mean, adv_std) =
            normalize_advantages(&mut adv, &self.buffer.exp_mask, self.objective.adv_clip());
        row.set("Adv_Mean", adv_mean);
        row.set("Adv_Std", adv_std);
        row.set(
            "Exp_Prob",
            self.buffer.exp_mask.iter().filter(|m| **m).count() as f64 / n as f64,
        );

        // Normalisers learn from this iteration's observations after the update (recording only
        // fills pending sums; statistics change at `update` below), as in MimicKit.
        self.state.obs_norm.record(&obs);
        let mut norm_obs = obs;
        self.state.obs_norm.normalize_in_place(&mut norm_obs);
        let ld = self.latent_dim();
        let input = match &z {
            Some(z) => with_latents(&norm_obs, self.state.obs_dim, z, ld),
            None => norm_obs.clone(),
        };

        // Minibatches walk a fresh random permutation each epoch.
        let od_raw = self.state.obs_dim;
        let od = od_raw + ld;
        let al = self.buffer.action_len();
        let mb_size = c.batch_size * self.state.num_envs;
        let ad = self.device.clone().autodiff();
        let mut order: Vec<usize> = (0..n).collect();
        let mut means = MeanAccumulator::default();
        let mut skipped = 0u32;
        let (mut mb_obs, mut mb_act) = (Vec::new(), Vec::new());
        let (mut mb_z, mut mb_z_new, mut mb_obs_new) = (Vec::new(), Vec::new(), Vec::new());
        let (mut mb_logp, mut mb_adv, mut mb_ret, mut mb_mask) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for epoch in 0..c.update_epochs {
            order.shuffle(&mut self.state.rng);
            let train_disc = epoch < c.disc_update_epochs;
            for idx in order.chunks(mb_size) {
                mb_obs.clear();
                mb_act.clear();
                mb_logp.clear();
                mb_adv.clear();
                mb_ret.clear();
                mb_mask.clear();
                for &i in idx {
                    mb_obs.extend_from_slice(&input[i * od..(i + 1) * od]);
                    mb_act.extend_from_slice(&self.buffer.actions[i * al..(i + 1) * al]);
                    mb_logp.push(self.buffer.logp[i]);
                    mb_adv.push(adv[i]);
                    mb_ret.push(ret[i]);
                    mb_mask.push(if self.buffer.exp_mask[i] { 1.0f32 } else { 0.0 });
                }
                let b = idx.len();
                let latents = z.as_ref().map(|z| {
                    mb_z.clear();
                    mb_z_new.clear();
                    mb_obs_new.clear();
                    let mut fresh = vec![0.0; ld];
                    for &i in idx {
                        mb_z.extend_from_slice(&z[i * ld..(i + 1) * ld]);
                        sample_unit(&mut fresh, &mut self.state.rng);
                        mb_z_new.extend_from_slice(&fresh);
                        mb_obs_new.extend_from_slice(&norm_obs[i * od_raw..(i + 1) * od_raw]);
                        mb_obs_new.extend_from_slice(&fresh);
                    }
                    MinibatchLatents {
                        z: upload_rows(mb_z.clone(), ld, &ad),
                        z_new: upload_rows(mb_z_new.clone(), ld, &ad),
                        obs_new: upload_rows(mb_obs_new.clone(), od, &ad),
                    }
                });
                let up1 =
                    |v: &Vec<f32>| Tensor::<1>::from_data(TensorData::new(v.clone(), [b]), &ad);
                let mb = Minibatch {
                    obs: upload_rows(mb_obs.clone(), od, &ad),
                    actions: upload_rows(mb_act.clone(), al, &ad),
                    logp_old: up1(&mb_logp),
                    adv: up1(&mb_adv),
                    ret: up1(&mb_ret),
                    mask_count: mb_mask.iter().sum::<f32>().max(1.0),
                    mask: up1(&mb_mask),
                    latents,
                };
                let (mut loss, mut terms) = self.minibatch_loss(&mb, &c);
                if let Some(d) = disc.as_ref().filter(|_| train_disc)
                    && let Some(norm) = self.state.disc_norm.as_mut()
                {
                    let batch = DiscBatch {
                        idx,
                        obs: &disc_obs_norm,
                        demo: &disc_demo_norm,
                        dim: self.state.disc_obs_dim,
                    };
                    if let Some((disc_loss, disc_terms)) =
                        disc_minibatch_loss(&self.model, d, norm, &mut self.state.rng, &batch, &ad)
                    {
                        loss = loss + disc_loss.mul_scalar(c.disc_loss_weight);
                        terms.extend(disc_terms);
                    }
                    // ASE: the encoder recovers each row's latent from its disc observation.
                    if let (Some(enc), Some(lat)) = (self.model.enc.as_ref(), mb.latents.as_ref()) {
                        let dim = self.state.disc_obs_dim;
                        let mut rows = Vec::with_capacity(b * dim);
                        for &i in idx {
                            rows.extend_from_slice(&disc_obs_norm[i * dim..(i + 1) * dim]);
                        }
                        let z_hat = enc.forward(upload_rows(rows, dim, &ad));
                        let enc_loss = encoder_loss(z_hat, lat.z.clone());
                        terms.push(("Enc_Loss", enc_loss.clone().detach()));
                        loss = loss + enc_loss.mul_scalar(c.enc_loss_weight);
                    }
                }
                let names: Vec<&'static str> = terms.iter().map(|(k, _)| *k).collect();
                let values: Vec<f32> = Tensor::cat(terms.into_iter().map(|(_, t)| t).collect(), 0)
                    .into_data()
                    .try_into_vec()
                    .expect("f32 terms");
                if values.iter().any(|v| !v.is_finite()) {
                    // A non-finite loss would poison every weight: skip the step, report it.
                    skipped += 1;
                    continue;
                }
                for (k, v) in names.into_iter().zip(values) {
                    means.add(k, f64::from(v));
                }
                let grads = GradientsParams::from_grads(loss.backward(), &self.model);
                // The optimizer takes the model by value; the inference copy holds its place.
                let model = std::mem::replace(&mut self.model, self.policy.clone());
                self.model = self.optim.step(model, grads);
            }
        }
        means.write_means(&mut row);
        row.set("Nonfinite_Loss_Skipped", f64::from(skipped));
        if let Some(d) = disc.as_mut() {
            d.replay
                .store_iteration(&d.obs, c.disc_replay_samples, &mut self.state.rng);
            d.demo.clear();
            if let Some(norm) = self.state.disc_norm.as_mut() {
                norm.update();
            }
        }
        self.disc = disc;

        self.state.obs_norm.update();
        self.buffer.obs = norm_obs;
        if let (Some(a), Some(z)) = (self.ase.as_mut(), z) {
            a.z = z;
        }
        self.policy = self.model.valid();
        self.state.iteration += 1;
        self.state.sample_count += n as u64;
        self.step_in_iter = 0;
        row
    }
}

impl Agent {
    /// Replaces the buffer's rewards by `task_reward_weight × r_env + disc_reward_weight ×
    /// r_disc`, with `r_disc` from the inference copy of the discriminator on this iteration's
    /// normalised observations; feeds the discriminator normaliser (agent and demo rows).
    /// Returns the normalised agent and demo rows for the minibatches.
    fn disc_rewards(
        &mut self,
        d: &DiscParts,
        z: Option<&[f32]>,
        c: &AgentConfig,
        row: &mut LogRow,
    ) -> (Vec<f32>, Vec<f32>) {
        let dim = self.state.disc_obs_dim;
        let norm = self
            .state
            .disc_norm
            .as_mut()
            .expect("adversarial agents have a discriminator normaliser");
        let mut obs = d.obs.clone();
        norm.normalize_in_place(&mut obs);
        let mut demo = d.demo.clone();
        norm.normalize_in_place(&mut demo);
        norm.record(&d.obs);
        if !d.zero_positive {
            norm.record(&d.demo);
        }
        let mut r_disc = Vec::with_capacity(obs.len() / dim);
        for chunk in obs.chunks(VALUE_CHUNK * dim) {
            let t = upload_rows(chunk.to_vec(), dim, &self.device);
            let logits: Vec<f32> = self
                .policy
                .eval_disc(t)
                .into_data()
                .try_into_vec()
                .expect("f32 logits");
            r_disc.extend(logits.into_iter().map(|l| d.objective.reward(l)));
        }
        let (mean, std) = mean_std(&r_disc);
        let task_mean = mean_std(&self.buffer.rewards).0;
        for (r, rd) in self.buffer.rewards.iter_mut().zip(&r_disc) {
            *r = (c.task_reward_weight as f32) * *r + (c.disc_reward_weight as f32) * rd;
        }
        // ASE: + enc_reward_weight × max(0, z·ẑ), ẑ the encoder's reading of the same window.
        if let Some(z) = z.filter(|_| self.policy.enc.is_some()) {
            let ld = self.state.config.model.latent_dim;
            let mut r_enc: Vec<f32> = Vec::with_capacity(r_disc.len());
            for (k, chunk) in obs.chunks(VALUE_CHUNK * dim).enumerate() {
                let rows = chunk.len() / dim;
                let zt = upload_rows(
                    z[k * VALUE_CHUNK * ld..(k * VALUE_CHUNK + rows) * ld].to_vec(),
                    ld,
                    &self.device,
                );
                let z_hat = self
                    .policy
                    .eval_enc(upload_rows(chunk.to_vec(), dim, &self.device));
                let r: Vec<f32> = encoder_reward(z_hat, zt)
                    .into_data()
                    .try_into_vec()
                    .expect("f32 rewards");
                r_enc.extend(r);
            }
            let (m, s) = mean_std(&r_enc);
            row.set("Enc_Reward_Mean", m);
            row.set("Enc_Reward_Std", s);
            for (r, re) in self.buffer.rewards.iter_mut().zip(&r_enc) {
                *r += (c.enc_reward_weight as f32) * re;
            }
        }
        row.set("Disc_Reward_Mean", mean);
        row.set("Disc_Reward_Std", std);
        row.set("Task_Reward_Mean", task_mean);
        row.set("Shaped_Reward_Mean", mean_std(&self.buffer.rewards).0);
        (obs, demo)
    }

    /// The summed loss of one minibatch: actor objective + shared actor terms +
    /// `critic_loss_weight` × critic loss. Returns the loss and the terms to log.
    fn minibatch_loss(&self, mb: &Minibatch, c: &AgentConfig) -> (Tensor<1>, LossTerms) {
        let mut terms = LossTerms::new();
        let dist = self.model.eval_actor(mb.obs.clone());
        let mut actor_loss = self.objective.actor_loss(&dist, mb, &mut terms);

        if let Some(mean) = dist.gaussian_mean() {
            // Keep the mean inside the normalised action box: squared violation outside [−1, 1].
            let below = mean.clone().add_scalar(1.0).clamp_max(0.0);
            let above = mean.clone().sub_scalar(1.0).clamp_min(0.0);
            let bound = (below.square() + above.square()).sum_dim(1).mean();
            terms.push(("Action_Bound_Loss", bound.clone().detach()));
            actor_loss = actor_loss + bound.mul_scalar(c.action_bound_weight);
            if c.action_reg_weight > 0.0 {
                let reg = mean.square().sum_dim(1).mean();
                terms.push(("Action_Reg_Loss", reg.clone().detach()));
                actor_loss = actor_loss + reg.mul_scalar(c.action_reg_weight);
            }
        }
        if let (Some(lat), Some(mean)) = (mb.latents.as_ref(), dist.gaussian_mean())
            && c.diversity_weight > 0.0
        {
            let mean_new = self
                .model
                .eval_actor(lat.obs_new.clone())
                .gaussian_mean()
                .expect("the same head");
            let div = diversity_loss(
                mean_new,
                mean,
                lat.z_new.clone(),
                lat.z.clone(),
                c.diversity_tar as f32,
            );
            terms.push(("Diversity_Loss", div.clone().detach()));
            actor_loss = actor_loss + div.mul_scalar(c.diversity_weight);
        }
        if c.action_entropy_weight > 0.0 {
            let entropy = mb.masked_mean(dist.entropy());
            terms.push(("Action_Entropy", entropy.clone().detach()));
            actor_loss = actor_loss - entropy.mul_scalar(c.action_entropy_weight);
        }

        let pred = self.model.eval_critic(mb.obs.clone());
        let critic_loss = (mb.ret.clone() - pred).square().mean();
        let loss = actor_loss.clone() + critic_loss.clone().mul_scalar(c.critic_loss_weight);
        terms.push(("Actor_Loss", actor_loss.detach()));
        terms.push(("Critic_Loss", critic_loss.detach()));
        terms.push(("Loss", loss.clone().detach()));
        (loss, terms)
    }
}

/// The discriminator's share of one minibatch: the minibatch's rows of this iteration's
/// (normalised) agent observations and of the demo windows.
struct DiscBatch<'a> {
    idx: &'a [usize],
    obs: &'a [f32],
    demo: &'a [f32],
    dim: usize,
}

/// The discriminator loss of one minibatch of `B` agent rows: negatives are those rows and `B`
/// replayed ones, positives `B` demo windows drawn with replacement (AMP) or the one zero
/// difference (ADD). `None` when AMP has no demo windows to compare with.
fn disc_minibatch_loss(
    model: &ActorCritic,
    d: &DiscParts,
    norm: &mut DiscNormalizer,
    rng: &mut SeededRng,
    batch: &DiscBatch,
    device: &Device,
) -> Option<(Tensor<1>, LossTerms)> {
    let disc = model.disc.as_ref()?;
    let dim = batch.dim;
    let b = batch.idx.len();
    let mut neg = Vec::with_capacity(2 * b * dim);
    for &i in batch.idx {
        neg.extend_from_slice(&batch.obs[i * dim..(i + 1) * dim]);
    }
    let mut replayed = Vec::new();
    d.replay.sample_into(b, rng, &mut replayed);
    norm.normalize_in_place(&mut replayed);
    neg.extend_from_slice(&replayed);
    let pos = if d.zero_positive {
        vec![0.0; dim]
    } else {
        let rows = batch.demo.len() / dim;
        if rows == 0 {
            return None;
        }
        let mut pos = Vec::with_capacity(b * dim);
        for _ in 0..b {
            let i = rng.random_range(0..rows);
            pos.extend_from_slice(&batch.demo[i * dim..(i + 1) * dim]);
        }
        pos
    };
    let mut terms = LossTerms::new();
    let loss = d.objective.loss(
        disc,
        upload_rows(neg, dim, device),
        upload_rows(pos, dim, device),
        &mut terms,
    );
    Some((loss, terms))
}

/// Mean and standard deviation of `xs` (0, 0 when empty).
fn mean_std(xs: &[f32]) -> (f64, f64) {
    let n = xs.len().max(1) as f64;
    let mean = xs.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    let var = xs
        .iter()
        .map(|&x| (f64::from(x) - mean).powi(2))
        .sum::<f64>()
        / n;
    (mean, var.sqrt())
}
