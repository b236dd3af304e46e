//! The CLI's driver of the training core over a [`VecEnv`]: MimicKit's `train_model` loop —
//! rollouts of `steps_per_iter` steps, an update, and every `iters_per_output` iterations a
//! deterministic test, a log row with test returns and a checkpoint. Everything but stepping
//! and resetting the envs is [`TrainingRun`]'s.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rand::SeedableRng;

use super::checkpoint_eval::evaluate;
use super::logger::format_table;
use super::run::{
    CHECKPOINT_DIR, EvalStats, IterationTimes, LoadedRun, RunError, RunOptions, TrainingRun,
};
use crate::SeededRng;
use crate::config::{ConfigError, parse_agent_config, parse_env_config};
use crate::env::{EnvConfig, VecEnv};
use crate::fit::EnvSpec;
use crate::hlc::HlcEnv;
use crate::learning::agents::{ActMode, Agent, AgentConfig, AgentName};
use crate::learning::log_row::LogRow;
use burn::tensor::Device;

/// Why training could not start or go on.
pub type TrainerError = RunError;

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

impl TrainOptions {
    fn run_options(&self) -> RunOptions {
        RunOptions {
            max_samples: self.max_samples,
            out_dir: Some(self.out_dir.clone()),
            save_int_models: self.save_int_models,
        }
    }
}

/// A training run in progress over a [`VecEnv`].
pub struct Trainer {
    run: TrainingRun,
    env: Box<dyn VecEnv + Send>,
    options: TrainOptions,
}

/// Builds the envs of `config` (read from `file`), naming the file and key in errors.
pub(crate) fn build_env(
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

/// The env an agent of `config` (read from `config_file`) acts on: `env` itself, or for a
/// high-level controller, `env` under the frozen low-level policy the config names.
pub(crate) fn env_for_agent(
    env: Box<dyn VecEnv + Send>,
    config: &AgentConfig,
    config_file: &Path,
    device: &Device,
) -> Result<Box<dyn VecEnv + Send>, TrainerError> {
    if config.agent_name != AgentName::Hlc {
        return Ok(env);
    }
    Ok(Box::new(HlcEnv::new(
        env,
        config,
        config_file,
        device.clone(),
    )?))
}

/// What `env` offers a policy.
pub(crate) fn spec_of(env: &dyn VecEnv) -> EnvSpec {
    EnvSpec {
        obs_dim: env.obs_dim(),
        action_space: env.action_space(),
        disc_obs_dim: env.disc_obs_dim(),
        character: env.character(),
    }
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
        let env = env_for_agent(env, &agent_config, agent_file, &device)?;
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
        let run = TrainingRun::new(
            agent,
            spec_of(env.as_ref()),
            env_rng,
            agent_yaml,
            env_yaml,
            options.run_options(),
        )?;
        Ok(Self::assemble(run, env, options))
    }

    /// Starts this new run from checkpoint `init_model`'s networks and normalisers instead
    /// of its fresh weights (MimicKit's `--model_file` when training; see
    /// [`TrainingRun::warm_start_from`]); call it before training.
    pub fn warm_start_from(
        &mut self,
        init_model: &Path,
        device: Device,
    ) -> Result<(), TrainerError> {
        let seed = self.options.seed;
        self.run.warm_start_from(init_model, device, seed)?;
        let all: Vec<usize> = (0..self.env.num_envs()).collect();
        self.env.reset(&all, &mut self.run.env_rng);
        Ok(())
    }

    /// Continues the run whose checkpoint is `options.out_dir/model`, exactly where it stopped.
    /// `options.num_envs` must match the checkpoint's.
    pub fn resume(options: TrainOptions, device: Device) -> Result<Self, TrainerError> {
        let dir = options.out_dir.join(CHECKPOINT_DIR);
        let loaded = LoadedRun::read(&dir, device)?;
        if loaded.agent.state().num_envs != options.num_envs {
            return Err(TrainerError::Invalid(format!(
                "{} was trained with --num_envs {}; resume with the same number (got {})",
                dir.display(),
                loaded.agent.state().num_envs,
                options.num_envs
            )));
        }
        let env_file = dir.join(super::run::ENV_CONFIG_FILE);
        let env_config = parse_env_config(&env_file, &loaded.env_yaml)?;
        let env = build_env(&env_config, &env_file, options.num_envs)?;
        let agent_file = dir.join(super::run::AGENT_CONFIG_FILE);
        let env = env_for_agent(
            env,
            loaded.agent.config(),
            &agent_file,
            loaded.agent.device(),
        )?;
        let run = TrainingRun::resume(loaded, spec_of(env.as_ref()), options.run_options())?;
        Ok(Self::assemble(run, env, options))
    }

    fn assemble(
        mut run: TrainingRun,
        mut env: Box<dyn VecEnv + Send>,
        options: TrainOptions,
    ) -> Self {
        let all: Vec<usize> = (0..env.num_envs()).collect();
        env.reset(&all, &mut run.env_rng);
        Self { run, env, options }
    }

    /// The agent.
    pub fn agent(&self) -> &Agent {
        self.run.agent()
    }

    /// The agent, mutably (e.g. to evaluate values or actions outside the loop).
    pub fn agent_mut(&mut self) -> &mut Agent {
        self.run.agent_mut()
    }

    /// The training core's state.
    pub fn run(&self) -> &TrainingRun {
        &self.run
    }

    /// The latest test result.
    pub fn last_test(&self) -> Option<EvalStats> {
        self.run.last_test()
    }

    /// Where the latest checkpoint is.
    pub fn checkpoint_dir(&self) -> PathBuf {
        self.options.out_dir.join(CHECKPOINT_DIR)
    }

    /// Trains until `max_samples`; returns the last log row.
    pub fn train(&mut self) -> Result<LogRow, TrainerError> {
        let bar = self
            .options
            .progress
            .then(|| progress_bar(self.options.max_samples, self.agent().sample_count()));
        let mut row = LogRow::new();
        while !self.run.finished() {
            row = self.train_iteration()?;
            let agent = self.run.agent();
            report_iteration(
                bar.as_ref(),
                self.options.print_table,
                &row,
                agent.iteration(),
                agent.sample_count(),
            );
        }
        if let Some(bar) = bar {
            bar.finish();
        }
        Ok(row)
    }

    /// One iteration: a rollout, an update, and at output iterations a test and a checkpoint.
    pub fn train_iteration(&mut self) -> Result<LogRow, TrainerError> {
        let mut times = IterationTimes::default();
        let t0 = Instant::now();
        while !self.run.agent().buffer_full() {
            self.rollout_step(&mut times);
        }
        times.rollout_s = t0.elapsed().as_secs_f64();
        let env_diagnostics = self.env.diagnostics();
        let t1 = Instant::now();
        let wanted = self.run.demo_windows_wanted();
        if wanted > 0 {
            // AMP's positives: as many demo windows as the iteration has samples.
            let mut demo = Vec::new();
            self.env
                .sample_demo_disc_obs(wanted, &mut self.run.env_rng, &mut demo);
            self.run.agent_mut().set_demo_disc_obs(demo);
        }
        times.demo_s = t1.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let update = self.run.agent_mut().update();
        times.update_s = t1.elapsed().as_secs_f64();

        let output = self.run.is_output_iteration();
        if output && self.run.test_episodes() > 0 {
            let episodes = self.run.test_episodes();
            let run = &mut self.run;
            let agent = run.agent.as_mut().expect("the agent is home");
            let stats = evaluate(agent, self.env.as_mut(), &mut run.env_rng, episodes);
            run.set_test(stats);
            // Test episodes are not training data: drop what they added to the env's sums.
            let _ = self.env.diagnostics();
        }
        let row = self.run.log_iteration(&update, &env_diagnostics, times)?;
        if output {
            self.run.finish_output_iteration()?;
            // As MimicKit: after a test, training restarts from freshly reset environments.
            let all: Vec<usize> = (0..self.env.num_envs()).collect();
            self.env.reset(&all, &mut self.run.env_rng);
        }
        Ok(row)
    }

    /// One step of every env.
    fn rollout_step(&mut self, times: &mut IterationTimes) {
        let t0 = Instant::now();
        let actions = self.run.agent_mut().act(self.env.obs(), ActMode::Explore);
        let t1 = Instant::now();
        self.env.step(actions);
        let t2 = Instant::now();
        let env = self.env.as_mut();
        let finished = self.run.record_step(
            env.obs(),
            env.rewards(),
            env.dones(),
            env.disc_obs(),
            false,
            |_, _, _, _| {},
        );
        let mut env_s = (t2 - t1).as_secs_f64();
        if !finished.is_empty() {
            let t3 = Instant::now();
            let (finished, rng) = self.run.finished_envs();
            self.env.reset(finished, rng);
            env_s += t3.elapsed().as_secs_f64();
        }
        times.act_s += (t1 - t0).as_secs_f64();
        times.sim_s += env_s;
    }

    /// Writes the agent, its configs and the loop's state as a checkpoint in `dir`.
    pub fn save_checkpoint(&self, dir: &Path) -> Result<(), TrainerError> {
        self.run.save_checkpoint(dir)
    }
}

/// The CLI's progress bar over `max_samples`.
pub(crate) fn progress_bar(max_samples: u64, position: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(max_samples);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} samples ({per_sec}, eta {eta}) {msg}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_position(position);
    bar
}

/// Shows one iteration's row on the progress bar and, when asked, as MimicKit's table.
pub(crate) fn report_iteration(
    bar: Option<&indicatif::ProgressBar>,
    print_table: bool,
    row: &LogRow,
    iteration: u64,
    samples: u64,
) {
    if let Some(bar) = bar {
        bar.set_position(samples);
        // Adversarial agents' env return is 0: their headline is the shaped reward.
        bar.set_message(match row.get("Shaped_Reward_Mean") {
            Some(shaped) => format!(
                "iter {iteration} shaped reward {shaped:.3} per step, episode length {:.1}",
                row.get("Train_Episode_Length").unwrap_or(f64::NAN)
            ),
            None => format!(
                "iter {iteration} train return {:.2}",
                row.get("Train_Return").unwrap_or(f64::NAN)
            ),
        });
        if print_table {
            bar.suspend(|| print!("{}", format_table(row)));
        }
    } else if print_table {
        print!("{}", format_table(row));
    }
}
