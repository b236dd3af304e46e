//! The agent core: acting, recording, values and the experience buffer; the update is in
//! `update.rs`. Whatever an algorithm adds comes through its [`Algorithm`] hooks.

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;

use super::builder::{build_algorithm, condition_dim, new_disc_normalizer};
use super::state::default_step_dt;
use super::values::{Rows, critic_values, eval_chunk};
use super::{ActMode, AgentConfig, AgentState, Algorithm, UpdateMode};
use crate::SeededRng;
use crate::learning::buffers::ExperienceBuffer;
use crate::learning::models::{ActorCritic, NetworkRecords};
use crate::learning::nets::{NetError, NetInput};
use crate::learning::normalizer::{ActionNormalizer, BadActionBound, RunningNormalizer};
use crate::learning::optimizer::{GroupOptimizer, group_of};
use crate::learning::policy::{download_into, normalized_input, upload_rows};
use crate::spaces::{ActionSpace, DoneCode};

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
        "{key} × num_envs = {batch} is more than steps_per_iter × num_envs = {samples} samples per iteration"
    )]
    BatchTooLarge {
        /// The config key of the minibatch size.
        key: &'static str,
        /// Minibatch size in samples.
        batch: usize,
        /// Samples per iteration.
        samples: usize,
    },
    /// A warm start from a checkpoint whose networks the new config does not describe.
    #[error("the checkpoint's {key} is {theirs}; the config asks for {ours}")]
    WarmStartMismatch {
        /// The config key that differs.
        key: &'static str,
        /// The checkpoint's value.
        theirs: String,
        /// The new config's value.
        ours: String,
    },
    /// The checkpoint's networks could not be carried over.
    #[error("{0}")]
    WarmStartNetworks(String),
}

/// Every minibatch of `config`'s update no larger than an iteration's samples.
pub(super) fn check_batches(
    config: &AgentConfig,
    num_envs: usize,
    algo: &dyn Algorithm,
) -> Result<(), AgentError> {
    let samples = config.steps_per_iter * num_envs;
    match config.update_mode() {
        UpdateMode::Summed => check_batch("batch_size", config.batch_size * num_envs, samples),
        UpdateMode::PerNetwork => {
            let nets = [config.actor_schedule(), config.critic_schedule()];
            for s in nets.into_iter().chain(algo.network_schedules(config)) {
                check_batch(s.batch_key, s.minibatch(num_envs), samples)?;
            }
            Ok(())
        }
    }
}

/// A minibatch no larger than an iteration's samples (MimicKit asserts the same).
fn check_batch(key: &'static str, batch: usize, samples: usize) -> Result<(), AgentError> {
    if batch > samples {
        return Err(AgentError::BatchTooLarge {
            key,
            batch,
            samples,
        });
    }
    Ok(())
}

/// Why a checkpoint's parts do not make an agent.
#[derive(Debug, thiserror::Error)]
pub enum AgentLoadError {
    /// The model file lacks a network the algorithm trains, holds one it does not, or a
    /// network does not fit.
    #[error("{0}")]
    Networks(String),
    /// The optimizer's state is unreadable.
    #[error("unreadable optimizer state: {0}")]
    Optimizer(burn::store::RecordError),
}

/// Actions chosen for one step, kept between acting and recording; sized once and reused.
/// (The actor's input and the noise become the storage of the tensors uploaded, so they are
/// built fresh for each step: see [`upload_rows`].)
#[derive(Default)]
struct StepActions {
    env: Vec<f32>,
    norm: Vec<f32>,
    logp: Vec<f32>,
    exploratory: Vec<bool>,
    /// The downloaded `[rows × (action_len + 1)]` actions and log-probabilities.
    packed: Vec<f32>,
}

/// An on-policy agent for a batch of environments: the core every algorithm shares, and the
/// algorithm's [`Algorithm`] delta.
pub struct Agent {
    pub(super) state: AgentState,
    pub(super) device: Device,
    pub(super) model: ActorCritic,
    pub(super) policy: ActorCritic,
    pub(super) optim: GroupOptimizer,
    pub(super) algo: Box<dyn Algorithm>,
    pub(super) buffer: ExperienceBuffer,
    pub(super) step_in_iter: usize,
    actions: StepActions,
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
    /// env (the adversarial algorithms need them; others ignore them).
    pub fn new_with_disc(
        config: AgentConfig,
        obs_dim: usize,
        action_space: ActionSpace,
        num_envs: usize,
        disc_obs_dim: usize,
        device: Device,
        seed: u64,
    ) -> Result<Self, AgentError> {
        let disc_norm = new_disc_normalizer(&config, disc_obs_dim, OBS_CLIP)?;
        let disc_obs_dim = if disc_norm.is_some() { disc_obs_dim } else { 0 };
        // Weights are drawn in MimicKit's order: actor, critic, then the algorithm's networks.
        let mut init_rng = SeededRng::seed_from_u64(seed);
        let autodiff = device.clone().autodiff();
        let model = ActorCritic::new(
            &config.model,
            NetInput::Flat(obs_dim + condition_dim(&config)),
            &action_space,
            &mut init_rng,
            &autodiff,
        )?;
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
        let algo = build_algorithm(&state, &mut init_rng, &autodiff)?;
        check_batches(&state.config, num_envs, algo.as_ref())?;
        Ok(Self::assemble(state, device, model, algo))
    }

    /// An agent from a checkpoint's parts: its state, the core's networks, the model file's
    /// other networks (the algorithm's, all of which it must take), and the optimizer state
    /// bytes.
    pub fn from_parts(
        state: AgentState,
        device: Device,
        model: ActorCritic,
        mut networks: NetworkRecords,
        optimizer: Option<burn::tensor::Bytes>,
    ) -> Result<Self, AgentLoadError> {
        let networks_error = |e: String| AgentLoadError::Networks(e);
        // The algorithm's networks are built, then overwritten by the file's.
        let mut rng = SeededRng::seed_from_u64(0);
        let mut algo = build_algorithm(&state, &mut rng, &device.clone().autodiff())
            .map_err(|e| networks_error(e.to_string()))?;
        algo.load_networks(&mut networks)
            .map_err(|e| networks_error(format!("{}: {e}", algo.name())))?;
        let extra = networks.remaining();
        if !extra.is_empty() {
            return Err(networks_error(format!(
                "holds networks {extra:?} that {} does not train",
                algo.name()
            )));
        }
        let mut agent = Self::assemble(state, device, model, algo);
        if let Some(bytes) = optimizer {
            let optim =
                std::mem::replace(&mut agent.optim.optim, burn::optim::SgdConfig::new().init());
            agent.optim.optim = optim.from_bytes(bytes).map_err(AgentLoadError::Optimizer)?;
        }
        Ok(agent)
    }

    fn assemble(
        state: AgentState,
        device: Device,
        model: ActorCritic,
        algo: Box<dyn Algorithm>,
    ) -> Self {
        let c = &state.config;
        let mut groups = vec![
            (group_of(&model.actor), c.actor_optimizer()),
            (group_of(&model.critic), c.critic_optimizer()),
        ];
        groups.extend(algo.optimizer_groups(c));
        let optim = GroupOptimizer::new(groups);
        let buffer = ExperienceBuffer::new(
            c.steps_per_iter,
            state.num_envs,
            state.obs_dim,
            state.action_space.action_len(),
        );
        let policy = model.valid();
        Self {
            state,
            device,
            model,
            policy,
            optim,
            algo,
            buffer,
            step_in_iter: 0,
            actions: StepActions::default(),
        }
    }

    /// The algorithm's delta as `T`, for what only that algorithm has (ASE's latents).
    pub fn algorithm<T: Algorithm>(&self) -> Option<&T> {
        self.algo.as_any().downcast_ref::<T>()
    }

    /// The algorithm's delta as `T`, mutably.
    pub fn algorithm_mut<T: Algorithm>(&mut self) -> Option<&mut T> {
        self.algo.as_any_mut().downcast_mut::<T>()
    }

    /// The algorithm as `T` and the agent's state (for its generator), mutably.
    pub(super) fn algorithm_and_state_mut<T: Algorithm>(
        &mut self,
    ) -> (Option<&mut T>, &mut AgentState) {
        (self.algo.as_any_mut().downcast_mut::<T>(), &mut self.state)
    }

    /// What the algorithm adds to training checkpoints (see
    /// [`Algorithm::checkpoint_files`]).
    pub fn algorithm_files(&self) -> Vec<(&'static str, Vec<u8>)> {
        self.algo.checkpoint_files()
    }

    /// Restores what the algorithm added to a checkpoint, from its files.
    pub fn restore_algorithm_files(&mut self, files: &[(String, Vec<u8>)]) -> Result<(), String> {
        self.algo.restore_checkpoint_files(files)
    }

    /// The algorithm's name (`agent_name`).
    pub fn algorithm_name(&self) -> &'static str {
        self.algo.name()
    }

    /// Sets the seconds per control step (ASE's latent durations are given in seconds);
    /// the trainer calls this with the env's step.
    pub fn set_step_dt(&mut self, step_dt: f64) {
        self.state.step_dt = step_dt;
        self.algo.set_step_dt(&self.state.config, step_dt);
    }

    /// Tells the agent which envs of a deterministic rollout were reset; training rollouts
    /// learn it from [`record_result`](Self::record_result).
    pub fn end_episodes(&mut self, dones: &[DoneCode]) {
        self.algo.episodes_ended(ActMode::Deterministic, dones);
    }

    /// Values per discriminator observation the agent reads (0: it has no discriminator).
    pub fn disc_obs_dim(&self) -> usize {
        self.algo.disc_obs_dim()
    }

    /// Whether the agent trains on demo windows supplied by [`set_demo_disc_obs`]
    /// (AMP; ADD's positive is the zero difference).
    ///
    /// [`set_demo_disc_obs`]: Self::set_demo_disc_obs
    pub fn wants_demo_disc_obs(&self) -> bool {
        self.algo.wants_demo_disc_obs()
    }

    /// Records the env's discriminator observations (`[num_envs × disc_obs_dim]`) of the step
    /// being recorded; call before [`record_result`](Self::record_result). Non-finite rows are
    /// stored as zeros (their env failed).
    pub fn record_disc_obs(&mut self, rows: &[f32]) {
        self.algo.record_disc_obs(self.step_in_iter, rows);
    }

    /// Demo windows (`[rows × disc_obs_dim]`, raw) for the next update's positives and for
    /// the discriminator normaliser.
    pub fn set_demo_disc_obs(&mut self, rows: Vec<f32>) {
        self.algo.set_demo_disc_obs(rows);
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

    /// Every network the agent trains, the core's and the algorithm's, by name: what a
    /// checkpoint's model file holds.
    pub fn network_records(&self) -> Result<NetworkRecords, burn::store::RecordError> {
        let mut records = NetworkRecords::new();
        self.model.save_into(&mut records)?;
        self.algo.save_networks(&mut records)?;
        Ok(records)
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
        let od = self.state.obs_dim;
        let n = obs.len() / od;
        assert!(
            mode == ActMode::Deterministic || n == self.state.num_envs,
            "training rollouts need exactly num_envs observations"
        );
        let a = &mut self.actions;
        let cd = self.algo.condition_dim();
        let cond = self
            .algo
            .act_condition(mode, n, self.step_in_iter, &mut self.state.rng);
        let input = normalized_input(&obs[..n * od], od, &mut self.state.obs_norm, cond, cd);
        let obs_t = upload_rows(input, od + cd, &self.device);
        let dist = self.policy.eval_actor(obs_t);
        let outputs = self.state.action_space.policy_outputs();
        let action_len = self.state.action_space.action_len();

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
                // The noise tensor's storage.
                let mut noise = Vec::with_capacity(n * outputs);
                match self.state.action_space {
                    ActionSpace::Box { .. } => {
                        noise.extend((0..n * outputs).map(|_| rng.sample::<f32, _>(StandardNormal)))
                    }
                    ActionSpace::Discrete(_) => noise.extend((0..n * outputs).map(|_| {
                        let u: f32 = rng.random_range(f32::EPSILON..1.0);
                        -(-u.ln()).ln()
                    })),
                }
                // Non-exploratory envs act with the mode: zero Gaussian noise, or no Gumbel noise.
                for (e, explore) in a.exploratory.iter().enumerate() {
                    if !explore {
                        noise[e * outputs..(e + 1) * outputs].fill(0.0);
                    }
                }
                let noise = upload_rows(noise, outputs, &self.device);
                let sample = dist.sample(noise);
                let logp = dist.log_prob(sample.clone());
                (sample, logp)
            }
        };
        // One download (burn's `cat` takes its tensors as a `Vec`).
        let packed = Tensor::cat(vec![norm_actions, logp.unsqueeze_dim(1)], 1).into_data();
        download_into(&packed, &mut a.packed);
        a.norm.clear();
        a.logp.clear();
        for row in a.packed.chunks_exact(action_len + 1) {
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
        self.algo.episodes_ended(ActMode::Explore, dones);
        self.buffer
            .record_result(self.step_in_iter, next_obs, rewards, dones);
        self.step_in_iter += 1;
    }

    /// Values of raw observations (`[rows × obs_dim]`) under the current critic (with the
    /// training rollout's current conditions, which must be one per row).
    pub fn values(&mut self, raw_obs: &[f32]) -> Vec<f32> {
        critic_values(
            &self.policy,
            &self.device,
            &mut self.state.obs_norm,
            Rows {
                data: raw_obs,
                width: self.state.obs_dim,
            },
            Rows {
                data: self.algo.current_condition(),
                width: self.algo.condition_dim(),
            },
            eval_chunk(self.state.config.critic_eval_batch_size),
        )
    }
}
