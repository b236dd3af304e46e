//! MimicKit's `train_model` loop: rollouts of `steps_per_iter` steps, an update, and every
//! `iters_per_output` iterations a deterministic test, a log row with test returns and a
//! checkpoint.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use super::episodes::EpisodeTracker;
use super::logger::{TrainLogger, format_table};
use crate::SeededRng;
use crate::config::{ConfigError, parse_agent_config, parse_env_config};
use crate::env::{EnvConfig, VecEnv};
use crate::learning::agents::{ActMode, Agent, AgentConfig, AgentError};
use crate::learning::checkpoint::{CheckpointError, LoadedAgent, load_agent, save_agent};
use crate::learning::log_row::LogRow;
use crate::spaces::DoneCode;
use burn::tensor::Device;

/// Why training could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum TrainerError {
    /// A config file is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The agent could not be built for this environment.
    #[error(transparent)]
    Agent(#[from] AgentError),
    /// A checkpoint could not be written or read.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// A log file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The checkpoint does not fit the environment.
    #[error("{0}")]
    Mismatch(String),
}

/// How a training run is set up.
#[derive(Clone, Debug)]
pub struct TrainOptions {
    /// Number of environments stepped together.
    pub num_envs: usize,
    /// Training stops once this many samples were taken.
    pub max_samples: u64,
    /// Where logs and checkpoints go.
    pub out_dir: PathBuf,
    /// Seed of the weights, the agent's and the environments' generators.
    pub seed: u64,
    /// Keep a checkpoint per output iteration under `int_models/`.
    pub save_int_models: bool,
    /// Print MimicKit's table every iteration.
    pub print_table: bool,
    /// Show a progress bar on stderr.
    pub progress: bool,
}

/// What `trainer.yaml` in a checkpoint holds: the loop's own state.
#[derive(Serialize, Deserialize)]
pub(crate) struct TrainerState {
    pub(crate) env_rng: SeededRng,
    pub(crate) wall_time_s: f64,
    pub(crate) env_blowups: u64,
}

/// Results of deterministic test episodes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EvalStats {
    /// Episodes counted.
    pub episodes: u64,
    /// Their mean return.
    pub mean_return: f64,
    /// Their mean length in control steps.
    pub mean_length: f64,
    /// Episodes that ended in failure (a fall).
    pub fails: u64,
    /// Seconds simulated over all environments.
    pub sim_seconds: f64,
    /// Mean horizontal root speed (m/s) for character envs.
    pub root_speed: Option<f64>,
}

impl EvalStats {
    /// Failed episodes per minute of simulated time.
    pub fn falls_per_minute(&self) -> f64 {
        self.fails as f64 / (self.sim_seconds / 60.0).max(1e-9)
    }
}

/// A training run in progress.
pub struct Trainer {
    agent: Agent,
    env: Box<dyn VecEnv + Send>,
    env_rng: SeededRng,
    tracker: EpisodeTracker,
    logger: TrainLogger,
    options: TrainOptions,
    agent_yaml: String,
    env_yaml: String,
    wall_offset_s: f64,
    started: Instant,
    env_blowups: u64,
    last_test: Option<EvalStats>,
    scratch_obs: Vec<f32>,
    scratch_rewards: Vec<f32>,
    scratch_dones: Vec<DoneCode>,
}

pub(crate) const CHECKPOINT_DIR: &str = "model";

/// Builds the envs of `config` (read from `file`), naming the file and key in errors.
fn build_env(
    config: &EnvConfig,
    file: &Path,
    num_envs: usize,
) -> Result<Box<dyn VecEnv + Send>, TrainerError> {
    config.build(num_envs).map_err(|(key, message)| {
        TrainerError::Config(ConfigError {
            file: file.to_path_buf(),
            key: Some(key),
            message,
        })
    })
}

impl Trainer {
    /// A new run from config texts (`agent_yaml` from `agent_file`, `env_yaml` from `env_file`).
    pub fn new(
        agent_file: &Path,
        agent_yaml: String,
        env_file: &Path,
        env_yaml: String,
        options: TrainOptions,
        device: Device,
    ) -> Result<Self, TrainerError> {
        let agent_config: AgentConfig = parse_agent_config(agent_file, &agent_yaml)?;
        let env_config: EnvConfig = parse_env_config(env_file, &env_yaml)?;
        let env = build_env(&env_config, env_file, options.num_envs)?;
        let mut agent = Agent::new_with_disc(
            agent_config,
            env.obs_dim(),
            env.action_space(),
            options.num_envs,
            env.disc_obs_dim(),
            device,
            options.seed,
        )?;
        agent.set_step_dt(env.step_dt());
        let env_rng = SeededRng::seed_from_u64(options.seed.wrapping_add(1));
        let logger = open_logger(&options.out_dir, false)?;
        let trainer = Self::assemble(agent, env, env_rng, logger, options, agent_yaml, env_yaml);
        trainer.write_configs()?;
        Ok(trainer)
    }

    /// Continues the run whose checkpoint is `options.out_dir/model`, exactly where it stopped.
    /// `options.num_envs` must match the checkpoint's.
    pub fn resume(options: TrainOptions, device: Device) -> Result<Self, TrainerError> {
        let dir = options.out_dir.join(CHECKPOINT_DIR);
        let LoadedAgent { agent, extra } = load_agent(&dir, device)?;
        let file = |name: &str| -> Result<Vec<u8>, TrainerError> {
            extra
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, d)| d.clone())
                .ok_or_else(|| {
                    TrainerError::Mismatch(format!("{}: {name} is missing", dir.display()))
                })
        };
        let text = |name: &str| -> Result<String, TrainerError> {
            String::from_utf8(file(name)?).map_err(|_| {
                TrainerError::Mismatch(format!("{}: {name} is not text", dir.display()))
            })
        };
        let agent_yaml = text("agent_config.yaml")?;
        let env_yaml = text("env_config.yaml")?;
        let state: TrainerState =
            serde_yaml_ng::from_slice(&file("trainer.yaml")?).map_err(|e| {
                TrainerError::Mismatch(format!("{}: unreadable trainer.yaml: {e}", dir.display()))
            })?;
        let env_config = parse_env_config(&dir.join("env_config.yaml"), &env_yaml)?;
        if agent.state().num_envs != options.num_envs {
            return Err(TrainerError::Mismatch(format!(
                "{} was trained with --num_envs {}; resume with the same number (got {})",
                dir.display(),
                agent.state().num_envs,
                options.num_envs
            )));
        }
        let env = build_env(&env_config, &dir.join("env_config.yaml"), options.num_envs)?;
        check_fits(&agent, env.as_ref(), &dir)?;
        let logger = open_logger(&options.out_dir, true)?;
        let mut trainer = Self::assemble(
            agent,
            env,
            state.env_rng,
            logger,
            options,
            agent_yaml,
            env_yaml,
        );
        trainer.wall_offset_s = state.wall_time_s;
        trainer.env_blowups = state.env_blowups;
        Ok(trainer)
    }

    fn assemble(
        agent: Agent,
        mut env: Box<dyn VecEnv + Send>,
        mut env_rng: SeededRng,
        logger: TrainLogger,
        options: TrainOptions,
        agent_yaml: String,
        env_yaml: String,
    ) -> Self {
        let all: Vec<usize> = (0..env.num_envs()).collect();
        env.reset(&all, &mut env_rng);
        Self {
            tracker: EpisodeTracker::new(env.num_envs()),
            agent,
            env,
            env_rng,
            logger,
            options,
            agent_yaml,
            env_yaml,
            wall_offset_s: 0.0,
            started: Instant::now(),
            env_blowups: 0,
            last_test: None,
            scratch_obs: Vec::new(),
            scratch_rewards: Vec::new(),
            scratch_dones: Vec::new(),
        }
    }

    fn write_configs(&self) -> Result<(), TrainerError> {
        for (name, text) in [
            ("agent_config.yaml", &self.agent_yaml),
            ("env_config.yaml", &self.env_yaml),
        ] {
            let path = self.options.out_dir.join(name);
            std::fs::write(&path, text).map_err(|source| TrainerError::Io { path, source })?;
        }
        Ok(())
    }

    /// The agent.
    pub fn agent(&self) -> &Agent {
        &self.agent
    }

    /// The agent, mutably (e.g. to evaluate values or actions outside the loop).
    pub fn agent_mut(&mut self) -> &mut Agent {
        &mut self.agent
    }

    /// The latest test result.
    pub fn last_test(&self) -> Option<EvalStats> {
        self.last_test
    }

    /// Where the latest checkpoint is.
    pub fn checkpoint_dir(&self) -> PathBuf {
        self.options.out_dir.join(CHECKPOINT_DIR)
    }

    fn wall_time_s(&self) -> f64 {
        self.wall_offset_s + self.started.elapsed().as_secs_f64()
    }

    /// Trains until `max_samples`; returns the last log row.
    pub fn train(&mut self) -> Result<LogRow, TrainerError> {
        let bar = self.options.progress.then(|| {
            let bar = indicatif::ProgressBar::new(self.options.max_samples);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:40}] {pos}/{len} samples ({per_sec}, eta {eta}) {msg}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar.set_position(self.agent.sample_count());
            bar
        });
        let mut row = LogRow::new();
        while self.agent.sample_count() < self.options.max_samples {
            row = self.train_iteration()?;
            if let Some(bar) = &bar {
                bar.set_position(self.agent.sample_count());
                // Adversarial agents' env return is 0: their headline is the shaped reward.
                bar.set_message(match row.get("Shaped_Reward_Mean") {
                    Some(shaped) => format!(
                        "iter {} shaped reward {shaped:.3} per step, episode length {:.1}",
                        self.agent.iteration(),
                        row.get("Train_Episode_Length").unwrap_or(f64::NAN)
                    ),
                    None => format!(
                        "iter {} train return {:.2}",
                        self.agent.iteration(),
                        row.get("Train_Return").unwrap_or(f64::NAN)
                    ),
                });
                if self.options.print_table {
                    bar.suspend(|| print!("{}", format_table(&row)));
                }
            } else if self.options.print_table {
                print!("{}", format_table(&row));
            }
        }
        if let Some(bar) = bar {
            bar.finish();
        }
        Ok(row)
    }

    /// One iteration: a rollout, an update, and at output iterations a test and a checkpoint.
    pub fn train_iteration(&mut self) -> Result<LogRow, TrainerError> {
        let t0 = Instant::now();
        let (mut sim_s, mut act_s) = (0.0, 0.0);
        while !self.agent.buffer_full() {
            let (a, e) = self.rollout_step();
            act_s += a;
            sim_s += e;
        }
        let rollout_s = t0.elapsed().as_secs_f64();
        let env_diagnostics = self.env.diagnostics();
        let t1 = Instant::now();
        if self.agent.wants_demo_disc_obs() {
            // AMP's positives: as many demo windows as the iteration has samples.
            let n = self.agent.config().steps_per_iter * self.options.num_envs;
            let mut demo = Vec::new();
            self.env
                .sample_demo_disc_obs(n, &mut self.env_rng, &mut demo);
            self.agent.set_demo_disc_obs(demo);
        }
        let demo_s = t1.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let update = self.agent.update();
        let update_s = t1.elapsed().as_secs_f64();
        let samples_this_iter = (self.agent.config().steps_per_iter * self.options.num_envs) as f64;

        let iteration = self.agent.iteration();
        let done = self.agent.sample_count() >= self.options.max_samples;
        let output =
            (iteration - 1).is_multiple_of(self.agent.config().iters_per_output as u64) || done;
        if output {
            let episodes = self.agent.config().test_episodes as u64;
            self.last_test = Some(evaluate(
                &mut self.agent,
                self.env.as_mut(),
                &mut self.env_rng,
                episodes,
            ));
            // Test episodes are not training data: drop what they added to the env's sums.
            let _ = self.env.diagnostics();
        }

        let mut row = LogRow::new();
        row.set("Iteration", iteration as f64);
        row.set("Wall_Time", self.wall_time_s() / 3600.0);
        row.set("Samples", self.agent.sample_count() as f64);
        if let Some(test) = self.last_test {
            row.set("Test_Return", test.mean_return);
            row.set("Test_Episode_Length", test.mean_length);
            row.set("Test_Episodes", test.episodes as f64);
        }
        row.set("Train_Return", self.tracker.mean_return());
        row.set("Train_Episode_Length", self.tracker.mean_length());
        row.set("Train_Episodes", self.tracker.episodes() as f64);
        row.set("Train_Fail_Frac", self.tracker.fail_fraction());
        row.extend(&update);
        for (key, value) in env_diagnostics {
            row.set(key, value);
        }
        row.set("Env_Blowups", self.env_blowups as f64);
        row.set("Rollout_Time", rollout_s);
        row.set("Sim_Time", sim_s);
        row.set("Inference_Time", act_s);
        row.set("Update_Time", update_s);
        if self.agent.wants_demo_disc_obs() {
            row.set("Demo_Time", demo_s);
        }
        row.set(
            "Samples_Per_Sec",
            samples_this_iter / (rollout_s + demo_s + update_s).max(1e-9),
        );
        self.logger.write(&row).map_err(|source| TrainerError::Io {
            path: self.logger.csv_path().to_path_buf(),
            source,
        })?;

        if output {
            self.save_checkpoint(&self.checkpoint_dir())?;
            if self.options.save_int_models {
                let dir = self
                    .options
                    .out_dir
                    .join("int_models")
                    .join(format!("model_{iteration:010}"));
                self.save_checkpoint(&dir)?;
            }
            // As MimicKit: after a test, training restarts from freshly reset environments.
            let all: Vec<usize> = (0..self.env.num_envs()).collect();
            self.env.reset(&all, &mut self.env_rng);
            self.tracker.restart_all();
            self.tracker.start_new_window();
        }
        Ok(row)
    }

    /// One step of every env; returns the seconds spent in the policy and in the env.
    fn rollout_step(&mut self) -> (f64, f64) {
        let t0 = Instant::now();
        let actions = self.agent.act(self.env.obs(), ActMode::Explore);
        let t1 = Instant::now();
        self.env.step(actions);
        let t2 = Instant::now();
        let (obs, rewards, dones) = sanitize(
            self.env.as_ref(),
            &mut self.scratch_obs,
            &mut self.scratch_rewards,
            &mut self.scratch_dones,
            &mut self.env_blowups,
        );
        if self.agent.disc_obs_dim() > 0 {
            self.agent.record_disc_obs(self.env.disc_obs());
        }
        self.agent.record_result(obs, rewards, dones);
        self.tracker.step(rewards, dones);
        let finished: Vec<usize> = dones
            .iter()
            .enumerate()
            .filter(|(_, d)| d.is_done())
            .map(|(i, _)| i)
            .collect();
        let mut env_s = (t2 - t1).as_secs_f64();
        if !finished.is_empty() {
            let t3 = Instant::now();
            self.env.reset(&finished, &mut self.env_rng);
            env_s += t3.elapsed().as_secs_f64();
        }
        ((t1 - t0).as_secs_f64(), env_s)
    }

    /// Writes the agent, its configs and the loop's state as a checkpoint in `dir`.
    pub fn save_checkpoint(&self, dir: &Path) -> Result<(), TrainerError> {
        let state = serde_yaml_ng::to_string(&TrainerState {
            env_rng: self.env_rng.clone(),
            wall_time_s: self.wall_time_s(),
            env_blowups: self.env_blowups,
        })
        .expect("trainer state serialises");
        save_agent(
            &self.agent,
            dir,
            &[
                ("agent_config.yaml", self.agent_yaml.as_bytes()),
                ("env_config.yaml", self.env_yaml.as_bytes()),
                ("trainer.yaml", state.as_bytes()),
            ],
        )?;
        Ok(())
    }
}

fn open_logger(out_dir: &Path, append: bool) -> Result<TrainLogger, TrainerError> {
    TrainLogger::open(out_dir, append).map_err(|source| TrainerError::Io {
        path: out_dir.to_path_buf(),
        source,
    })
}

fn check_fits(agent: &Agent, env: &dyn VecEnv, dir: &Path) -> Result<(), TrainerError> {
    let s = agent.state();
    if s.disc_obs_dim > 0 && s.disc_obs_dim != env.disc_obs_dim() {
        return Err(TrainerError::Mismatch(format!(
            "{}: the discriminator reads {} values, but the environment writes {}",
            dir.display(),
            s.disc_obs_dim,
            env.disc_obs_dim()
        )));
    }
    if s.obs_dim != env.obs_dim() || s.action_space != env.action_space() {
        return Err(TrainerError::Mismatch(format!(
            "{}: the policy reads {} observations and acts in {:?}, but the environment gives {} and takes {:?}",
            dir.display(),
            s.obs_dim,
            s.action_space,
            env.obs_dim(),
            env.action_space()
        )));
    }
    Ok(())
}

/// Returns the step's observations, rewards and codes with any non-finite environment turned
/// into a failed episode (zeroed observation, zero reward), so one blow-up never reaches the
/// networks; `blowups` counts them.
fn sanitize<'a>(
    env: &'a dyn VecEnv,
    obs: &'a mut Vec<f32>,
    rewards: &'a mut Vec<f32>,
    dones: &'a mut Vec<DoneCode>,
    blowups: &mut u64,
) -> (&'a [f32], &'a [f32], &'a [DoneCode]) {
    sanitize_step(
        env.obs_dim(),
        (env.obs(), env.rewards(), env.dones()),
        (obs, rewards, dones),
        blowups,
    )
}

/// [`sanitize`] on plain slices: `step` as the env wrote it, `scratch` for a cleaned copy
/// (used only when something is not finite).
pub(crate) fn sanitize_step<'a>(
    obs_dim: usize,
    step: (&'a [f32], &'a [f32], &'a [DoneCode]),
    scratch: (&'a mut Vec<f32>, &'a mut Vec<f32>, &'a mut Vec<DoneCode>),
    blowups: &mut u64,
) -> (&'a [f32], &'a [f32], &'a [DoneCode]) {
    let (env_obs, env_rewards, env_dones) = step;
    let (obs, rewards, dones) = scratch;
    let finite = env_obs.iter().all(|v| v.is_finite()) && env_rewards.iter().all(|v| v.is_finite());
    if finite {
        return (env_obs, env_rewards, env_dones);
    }
    obs.clear();
    obs.extend_from_slice(env_obs);
    rewards.clear();
    rewards.extend_from_slice(env_rewards);
    dones.clear();
    dones.extend_from_slice(env_dones);
    for i in 0..env_rewards.len() {
        let row = &mut obs[i * obs_dim..(i + 1) * obs_dim];
        if !rewards[i].is_finite() || row.iter().any(|v| !v.is_finite()) {
            row.fill(0.0);
            rewards[i] = 0.0;
            dones[i] = DoneCode::Fail;
            *blowups += 1;
        }
    }
    (obs, rewards, dones)
}

/// Runs deterministic episodes on `env` (all environments are reset first and left reset after)
/// until `episodes` have finished.
pub fn evaluate(
    agent: &mut Agent,
    env: &mut dyn VecEnv,
    rng: &mut SeededRng,
    episodes: u64,
) -> EvalStats {
    let all: Vec<usize> = (0..env.num_envs()).collect();
    env.reset(&all, rng);
    let _ = env.diagnostics(); // start the env's sums afresh
    let mut tracker = EpisodeTracker::new(env.num_envs());
    let mut finished = Vec::new();
    let (mut fails, mut steps) = (0u64, 0u64);
    while tracker.episodes() < episodes {
        let actions = agent.act(env.obs(), ActMode::Deterministic);
        env.step(actions);
        agent.end_episodes(env.dones());
        steps += env.num_envs() as u64;
        fails += env.dones().iter().filter(|d| **d == DoneCode::Fail).count() as u64;
        tracker.step(env.rewards(), env.dones());
        finished.clear();
        finished.extend(
            env.dones()
                .iter()
                .enumerate()
                .filter(|(_, d)| d.is_done())
                .map(|(i, _)| i),
        );
        if !finished.is_empty() {
            env.reset(&finished, rng);
        }
    }
    let root_speed = env
        .diagnostics()
        .into_iter()
        .find(|(k, _)| *k == "Root_Speed")
        .map(|(_, v)| v);
    env.reset(&all, rng);
    EvalStats {
        episodes: tracker.episodes(),
        mean_return: tracker.mean_return(),
        mean_length: tracker.mean_length(),
        fails,
        sim_seconds: steps as f64 * env.step_dt(),
        root_speed,
    }
}

/// Loads the policy in `model_dir` and runs `episodes` deterministic episodes on `num_envs`
/// environments built from `env_config` (by default the one stored in the checkpoint).
pub fn test_checkpoint(
    model_dir: &Path,
    env_override: Option<(&Path, String)>,
    num_envs: usize,
    episodes: u64,
    seed: u64,
    device: Device,
) -> Result<EvalStats, TrainerError> {
    let (mut agent, mut env) = load_for_test(model_dir, env_override, num_envs, device)?;
    let mut rng = SeededRng::seed_from_u64(seed);
    Ok(evaluate(&mut agent, env.as_mut(), &mut rng, episodes))
}

/// ASE: loads the policy in `model_dir` and holds `num_latents` random latents, one per
/// environment, for `warmup_s` + `seconds` (see [`measure_skill_diversity`]).
///
/// [`measure_skill_diversity`]: crate::skills::measure_skill_diversity
pub fn skills_of_checkpoint(
    model_dir: &Path,
    num_latents: usize,
    warmup_s: f64,
    seconds: f64,
    seed: u64,
    device: Device,
) -> Result<crate::skills::SkillDiversity, TrainerError> {
    let (mut agent, mut env) = load_for_test(model_dir, None, num_latents, device)?;
    if agent.latent_dim() == 0 {
        return Err(TrainerError::Mismatch(format!(
            "{}: the policy has no skill latents (agent_name {}); skills needs an ASE checkpoint",
            model_dir.display(),
            agent.config().agent_name.as_str()
        )));
    }
    let dt = env.step_dt();
    let steps = |s: f64| (s / dt).round().max(0.0) as usize;
    let mut rng = SeededRng::seed_from_u64(seed);
    Ok(crate::skills::measure_skill_diversity(
        &mut agent,
        env.as_mut(),
        steps(warmup_s),
        steps(seconds).max(1),
        &mut rng,
    ))
}

/// The agent of a checkpoint and `num_envs` envs of its env config (or `env_override`).
fn load_for_test(
    model_dir: &Path,
    env_override: Option<(&Path, String)>,
    num_envs: usize,
    device: Device,
) -> Result<(Agent, Box<dyn VecEnv + Send>), TrainerError> {
    let LoadedAgent { agent, extra } = load_agent(model_dir, device)?;
    let stored = model_dir.join("env_config.yaml");
    let env_file = env_override
        .as_ref()
        .map_or(stored.as_path(), |(f, _)| *f)
        .to_path_buf();
    let env_config = match env_override {
        Some((file, text)) => parse_env_config(file, &text)?,
        None => {
            let text = extra
                .iter()
                .find(|(n, _)| n == "env_config.yaml")
                .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
                .ok_or_else(|| {
                    TrainerError::Mismatch(format!(
                        "{}: no env_config.yaml stored; pass --env_config",
                        model_dir.display()
                    ))
                })?;
            parse_env_config(&model_dir.join("env_config.yaml"), &text)?
        }
    };
    let env = build_env(&env_config, &env_file, num_envs)?;
    check_fits(&agent, env.as_ref(), model_dir)?;
    Ok((agent, env))
}
