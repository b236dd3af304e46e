//! The one training core: what a run keeps besides the agent and the envs, and everything
//! both drivers — the CLI's [`Trainer`](super::Trainer) over a [`VecEnv`](crate::env::VecEnv)
//! and [`MimicPlugin`](crate::live::MimicPlugin)'s systems — would otherwise each do: recording
//! a step (with the blow-up guard), the iteration's log row, the output schedule, test
//! statistics, checkpoints (save, load, resume) and the one fit check.
//!
//! The drivers only step their envs, reset the envs they are told to, and hand the agent to
//! [`Agent::update`](crate::learning::agents::Agent::update) when its buffer is full.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::episodes::EpisodeTracker;
use super::guard::sanitize_step;
use super::logger::TrainLogger;
use super::stored::TRAINER_FILE;
pub use super::stored::{
    AGENT_CONFIG_FILE, CHECKPOINT_DIR, ENV_CONFIG_FILE, EvalStats, LoadedRun, TEST_TRACKING_KEYS,
    TrainerState, test_diagnostics,
};
use crate::SeededRng;
use crate::config::{ConfigError, parse_agent_config};
use crate::fit::{EnvSpec, FitError};
use crate::learning::agents::{Agent, AgentConfig, AgentError};
use crate::learning::checkpoint::{CheckpointError, save_agent};
use crate::learning::log_row::LogRow;
use crate::spaces::DoneCode;

/// Why a run could not start, go on or be saved.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A config file is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The agent could not be built for this environment.
    #[error(transparent)]
    Agent(#[from] AgentError),
    /// A checkpoint could not be written or read.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The checkpoint does not fit the environment.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// A high-level controller's low-level policy is unusable.
    #[error(transparent)]
    Hlc(#[from] crate::hlc::HlcError),
    /// A log or config file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Anything else about a checkpoint or the options.
    #[error("{0}")]
    Invalid(String),
}

/// Where a run writes, and what else it keeps in its checkpoints.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Training stops once this many samples were taken.
    pub max_samples: u64,
    /// Where logs and checkpoints go (none: nothing is written).
    pub out_dir: Option<PathBuf>,
    /// Keep a checkpoint per output iteration under `int_models/`.
    pub save_int_models: bool,
}

/// The seconds an iteration spent in each part, summed by the driver.
#[derive(Clone, Copy, Debug, Default)]
pub struct IterationTimes {
    /// The whole rollout (acting, stepping, recording, resets).
    pub rollout_s: f64,
    /// In the policy.
    pub act_s: f64,
    /// In the env (physics, observations, rewards, resets).
    pub sim_s: f64,
    /// Drawing demo windows for the discriminator.
    pub demo_s: f64,
    /// In the update.
    pub update_s: f64,
}

/// A training run besides its agent and its envs.
pub struct TrainingRun {
    /// The agent (away while a background update runs).
    pub agent: Option<Agent>,
    /// The env resets' generator.
    pub env_rng: SeededRng,
    /// Train episodes' returns and lengths.
    pub tracker: EpisodeTracker,
    /// Non-finite env steps turned into failed episodes so far.
    pub env_blowups: u64,
    spec: EnvSpec,
    options: RunOptions,
    logger: Option<TrainLogger>,
    agent_yaml: String,
    env_yaml: String,
    wall_offset_s: f64,
    clock: Instant,
    last_test: Option<EvalStats>,
    scratch: (Vec<f32>, Vec<f32>, Vec<DoneCode>),
    /// The codes of a step whose running episodes were ended as time limits.
    forced: Vec<DoneCode>,
    finished: Vec<usize>,
}

impl TrainingRun {
    /// A new run of a fresh `agent` on an env described by `spec`; writes the config texts
    /// into `out_dir` and starts its logs there.
    pub fn new(
        agent: Agent,
        spec: EnvSpec,
        env_rng: SeededRng,
        agent_yaml: String,
        env_yaml: String,
        options: RunOptions,
    ) -> Result<Self, RunError> {
        let logger = open_logger(options.out_dir.as_deref(), false)?;
        if let Some(out_dir) = &options.out_dir {
            for (name, text) in [
                (AGENT_CONFIG_FILE, &agent_yaml),
                (ENV_CONFIG_FILE, &env_yaml),
            ] {
                let path = out_dir.join(name);
                std::fs::write(&path, text).map_err(|source| RunError::Io { path, source })?;
            }
        }
        Ok(Self::assemble(
            agent, spec, env_rng, agent_yaml, env_yaml, options, logger, 0.0, 0,
        ))
    }

    /// Continues a checkpoint's run on an env described by `spec` (checked to fit); logs are
    /// appended in `out_dir`.
    pub fn resume(loaded: LoadedRun, spec: EnvSpec, options: RunOptions) -> Result<Self, RunError> {
        loaded.check_fits(&spec)?;
        let logger = open_logger(options.out_dir.as_deref(), true)?;
        let t = loaded.trainer;
        let last_test = t.last_test;
        let mut run = Self::assemble(
            loaded.agent,
            spec,
            t.env_rng,
            loaded.agent_yaml,
            loaded.env_yaml,
            options,
            logger,
            t.wall_time_s,
            t.env_blowups,
        );
        run.last_test = last_test;
        Ok(run)
    }

    #[allow(clippy::too_many_arguments)] // one private constructor for both
    fn assemble(
        agent: Agent,
        spec: EnvSpec,
        env_rng: SeededRng,
        agent_yaml: String,
        env_yaml: String,
        options: RunOptions,
        logger: Option<TrainLogger>,
        wall_offset_s: f64,
        env_blowups: u64,
    ) -> Self {
        let num_envs = agent.state().num_envs;
        Self {
            tracker: EpisodeTracker::new(num_envs),
            agent: Some(agent),
            env_rng,
            env_blowups,
            spec,
            options,
            logger,
            agent_yaml,
            env_yaml,
            wall_offset_s,
            clock: Instant::now(),
            last_test: None,
            scratch: Default::default(),
            // Sized for every env at once, so recording never grows them.
            forced: Vec::with_capacity(num_envs),
            finished: Vec::with_capacity(num_envs),
        }
    }

    /// The agent (panics while it is away in a background update).
    pub fn agent(&self) -> &Agent {
        self.agent.as_ref().expect("the agent is home")
    }

    /// The agent, mutably.
    pub fn agent_mut(&mut self) -> &mut Agent {
        self.agent.as_mut().expect("the agent is home")
    }

    /// What the run's env offers the policy.
    pub fn spec(&self) -> &EnvSpec {
        &self.spec
    }

    /// The run's options.
    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    /// The agent's config (available while the agent is away).
    pub fn config(&self) -> Result<AgentConfig, RunError> {
        Ok(parse_agent_config(
            Path::new(AGENT_CONFIG_FILE),
            &self.agent_yaml,
        )?)
    }

    /// Seconds of training so far, over all sessions.
    pub fn wall_time_s(&self) -> f64 {
        self.wall_offset_s + self.clock.elapsed().as_secs_f64()
    }

    /// The latest test result.
    pub fn last_test(&self) -> Option<EvalStats> {
        self.last_test
    }

    /// Where the latest checkpoint goes (none without an output directory).
    pub fn checkpoint_dir(&self) -> Option<PathBuf> {
        self.options
            .out_dir
            .as_ref()
            .map(|d| d.join(CHECKPOINT_DIR))
    }

    /// Whether `max_samples` have been taken.
    pub fn finished(&self) -> bool {
        self.agent
            .as_ref()
            .is_some_and(|a| a.sample_count() >= self.options.max_samples)
    }

    /// Records one step of every env (as the env wrote it) into the agent and the episode
    /// tracker, turning any non-finite env into a failed episode first. Returns the envs
    /// whose episodes ended, for the driver to reset; `force_time` ends every running episode
    /// as a time limit (a reset the user asked for). `on_episode(env, code, return, length)`
    /// hears of every episode that ended, with the codes and rewards as recorded.
    pub fn record_step(
        &mut self,
        obs: &[f32],
        rewards: &[f32],
        dones: &[DoneCode],
        disc_obs: &[f32],
        force_time: bool,
        mut on_episode: impl FnMut(usize, DoneCode, f64, u32),
    ) -> &[usize] {
        let agent = self.agent.as_mut().expect("the agent is home");
        let (s_obs, s_rew, s_done) = &mut self.scratch;
        let (obs, rewards, dones) = sanitize_step(
            self.spec.obs_dim,
            (obs, rewards, dones),
            (s_obs, s_rew, s_done),
            &mut self.env_blowups,
        );
        let dones = if force_time {
            self.forced.clear();
            self.forced.extend(
                dones
                    .iter()
                    .map(|d| if d.is_done() { *d } else { DoneCode::Time }),
            );
            &self.forced[..]
        } else {
            dones
        };
        for (env, code) in dones.iter().enumerate() {
            if code.is_done() {
                let (ret, len) = self.tracker.running(env);
                on_episode(env, *code, ret + f64::from(rewards[env]), len + 1);
            }
        }
        if agent.disc_obs_dim() > 0 {
            agent.record_disc_obs(disc_obs);
        }
        agent.record_result(obs, rewards, dones);
        self.tracker.step(rewards, dones);
        self.finished.clear();
        self.finished
            .extend((0..dones.len()).filter(|&i| dones[i].is_done()));
        &self.finished
    }

    /// The envs whose episodes ended in the last [`record_step`](Self::record_step), with the
    /// generator to reset them from (both borrowed at once, so no copy of the list is needed).
    pub fn finished_envs(&mut self) -> (&[usize], &mut SeededRng) {
        (&self.finished, &mut self.env_rng)
    }

    /// How many demo windows the next update needs (0: none).
    pub fn demo_windows_wanted(&self) -> usize {
        let agent = self.agent();
        if agent.wants_demo_disc_obs() {
            agent.config().steps_per_iter * agent.state().num_envs
        } else {
            0
        }
    }

    /// Whether the iteration just updated is an output iteration (test, log with test
    /// returns, checkpoint): every `iters_per_output`, and the last one.
    pub fn is_output_iteration(&self) -> bool {
        let agent = self.agent();
        (agent.iteration() - 1).is_multiple_of(agent.config().iters_per_output as u64)
            || self.finished()
    }

    /// Test episodes to run at an output iteration.
    pub fn test_episodes(&self) -> u64 {
        self.agent().config().test_episodes as u64
    }

    /// Stores a finished test.
    pub fn set_test(&mut self, stats: EvalStats) {
        self.last_test = Some(stats);
    }

    /// The iteration's log row (MimicKit's columns, then the update's, the env's and the
    /// timings), written to `log.csv` and TensorBoard.
    pub fn log_iteration(
        &mut self,
        update: &LogRow,
        env_diagnostics: &[(&'static str, f64)],
        times: IterationTimes,
    ) -> Result<LogRow, RunError> {
        let agent = self.agent();
        let samples_this_iter = (agent.config().steps_per_iter * agent.state().num_envs) as f64;
        let mut row = LogRow::new();
        row.set("Iteration", agent.iteration() as f64);
        row.set("Wall_Time", self.wall_time_s() / 3600.0);
        row.set("Samples", agent.sample_count() as f64);
        if let Some(test) = self.last_test {
            row.set("Test_Return", test.mean_return);
            row.set("Test_Episode_Length", test.mean_length);
            row.set("Test_Episodes", test.episodes as f64);
            for (v, (_, key)) in test.tracking.iter().flatten().zip(TEST_TRACKING_KEYS) {
                row.set(key, *v);
            }
        }
        row.set("Train_Return", self.tracker.mean_return());
        row.set("Train_Episode_Length", self.tracker.mean_length());
        row.set("Train_Episodes", self.tracker.episodes() as f64);
        row.set("Train_Fail_Frac", self.tracker.fail_fraction());
        row.extend(update);
        for (key, value) in env_diagnostics {
            row.set(key, *value);
        }
        row.set("Env_Blowups", self.env_blowups as f64);
        row.set("Rollout_Time", times.rollout_s);
        row.set("Sim_Time", times.sim_s);
        row.set("Inference_Time", times.act_s);
        row.set("Update_Time", times.update_s);
        if agent.wants_demo_disc_obs() {
            row.set("Demo_Time", times.demo_s);
        }
        row.set(
            "Samples_Per_Sec",
            samples_this_iter / (times.rollout_s + times.demo_s + times.update_s).max(1e-9),
        );
        if let Some(logger) = self.logger.as_mut() {
            logger.write(&row).map_err(|source| RunError::Io {
                path: logger.csv_path().to_path_buf(),
                source,
            })?;
        }
        Ok(row)
    }

    /// At an output iteration, after the log row: the checkpoint (and the intermediate one),
    /// and a fresh window of train statistics. The driver then resets every env (MimicKit:
    /// after a test, training restarts from freshly reset envs). Returns the checkpoint's
    /// directory, if one was written.
    pub fn finish_output_iteration(&mut self) -> Result<Option<PathBuf>, RunError> {
        // The envs restart whether or not the checkpoint could be written.
        self.tracker.restart_all();
        self.tracker.start_new_window();
        self.save_output()
    }

    /// Writes the checkpoint into `out_dir/model` (and `int_models/` when asked); nothing
    /// without an output directory.
    pub fn save_output(&self) -> Result<Option<PathBuf>, RunError> {
        let Some(dir) = self.checkpoint_dir() else {
            return Ok(None);
        };
        self.save_checkpoint(&dir)?;
        if self.options.save_int_models
            && let Some(out_dir) = &self.options.out_dir
        {
            // Intermediate models are for looking back, not resuming: no replay buffers.
            let int = out_dir
                .join("int_models")
                .join(format!("model_{:010}", self.agent().iteration()));
            self.write_checkpoint(&int, false)?;
        }
        Ok(Some(dir))
    }

    /// Writes the agent (with what its algorithm keeps), its configs, the loop's state and
    /// the character as a checkpoint in `dir`.
    pub fn save_checkpoint(&self, dir: &Path) -> Result<(), RunError> {
        self.write_checkpoint(dir, true)
    }

    /// [`save_checkpoint`](Self::save_checkpoint), with the algorithm's own files only when
    /// `resumable`.
    fn write_checkpoint(&self, dir: &Path, resumable: bool) -> Result<(), RunError> {
        let state = serde_yaml_ng::to_string(&TrainerState {
            env_rng: self.env_rng.clone(),
            wall_time_s: self.wall_time_s(),
            env_blowups: self.env_blowups,
            last_test: self.last_test,
        })
        .expect("trainer state serialises");
        let agent = self.agent();
        let character = self.spec.character_file();
        let algorithm = if resumable {
            agent.algorithm_files()
        } else {
            Vec::new()
        };
        let mut extra: Vec<(&str, &[u8])> = vec![
            (AGENT_CONFIG_FILE, self.agent_yaml.as_bytes()),
            (ENV_CONFIG_FILE, self.env_yaml.as_bytes()),
            (TRAINER_FILE, state.as_bytes()),
        ];
        if let Some((name, bytes)) = &character {
            extra.push((name, bytes));
        }
        extra.extend(algorithm.iter().map(|(n, b)| (*n, b.as_slice())));
        save_agent(agent, dir, &extra)?;
        Ok(())
    }
}

fn open_logger(out_dir: Option<&Path>, append: bool) -> Result<Option<TrainLogger>, RunError> {
    out_dir
        .map(|dir| {
            TrainLogger::open(dir, append).map_err(|source| RunError::Io {
                path: dir.to_path_buf(),
                source,
            })
        })
        .transpose()
}
