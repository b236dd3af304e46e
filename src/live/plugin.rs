//! [`MimicPlugin`] and its [`MimicConfig`]: training or playing characters in a Bevy app.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use rand::SeedableRng;

use crate::SeededRng;
use crate::config::{
    ConfigError, load_engine_config, merge_engine_config, override_engine, parse_agent_config,
};
use crate::env::EngineOverride;
use crate::env::character::{ActionBounds, CharacterEnvSetup};
use crate::fit::EnvSpec;
use crate::learning::agents::Agent;
use crate::learning::agents::AgentName;
use crate::learning::device::Backend;
use crate::play::{PolicyPlugin, character_setup};
use crate::sim::{ControlPace, ControlStep, SimPlugin};
use crate::train::run::{CHECKPOINT_DIR, ENV_CONFIG_FILE};
use crate::train::{LoadedRun, RunOptions, TrainingRun};
use training::{EpisodeStarts, Trainee};

pub use super::error::MimicError;
use super::metrics::{TrainingMetrics, TrainingPhase, TrainingStatus};
use super::training;
use crate::control::{CheckpointSaved, EpisodeDone, IterationFinished, TrainingRequest};
use crate::control::{MimicControl, MimicSet, configure_mimic_sets};

#[derive(Clone, Debug)]
enum Mode {
    Train {
        agent_config: PathBuf,
        env_config: PathBuf,
    },
    Resume {
        out_dir: PathBuf,
    },
    Play {
        model_dir: PathBuf,
    },
}

/// How to set up [`MimicPlugin`]: what to run, on how many envs, where results go.
#[derive(Clone, Debug)]
pub struct MimicConfig {
    mode: Mode,
    num_envs: usize,
    seed: u64,
    out_dir: Option<PathBuf>,
    max_samples: u64,
    engine_config: Option<PathBuf>,
    engine: EngineOverride,
    backend: Backend,
    writeback: bool,
    pace: ControlPace,
    background_update: bool,
    save_int_models: bool,
    init_model: Option<PathBuf>,
    get_up: Option<PathBuf>,
}

impl MimicConfig {
    fn new(mode: Mode) -> Self {
        Self {
            mode,
            num_envs: 16,
            seed: 0,
            out_dir: None,
            max_samples: u64::MAX,
            engine_config: None,
            engine: EngineOverride::default(),
            backend: Backend::Flex,
            writeback: true,
            pace: ControlPace::EveryUpdate,
            background_update: true,
            save_int_models: false,
            init_model: None,
            get_up: None,
        }
    }

    /// Trains a new agent (`agent_config`, MimicKit's agent YAML) on an env (`env_config`).
    pub fn train(agent_config: impl Into<PathBuf>, env_config: impl Into<PathBuf>) -> Self {
        Self::new(Mode::Train {
            agent_config: agent_config.into(),
            env_config: env_config.into(),
        })
    }

    /// Continues the run in `out_dir` from its checkpoint (`out_dir/model`), with its configs;
    /// logs are appended and checkpoints go back there.
    pub fn resume(out_dir: impl Into<PathBuf>) -> Self {
        let out_dir = out_dir.into();
        let mut config = Self::new(Mode::Resume {
            out_dir: out_dir.clone(),
        });
        config.out_dir = Some(out_dir);
        config
    }

    /// Plays the policy in a checkpoint directory, with no training code running.
    pub fn play(model_dir: impl Into<PathBuf>) -> Self {
        let mut config = Self::new(Mode::Play {
            model_dir: model_dir.into(),
        });
        config.num_envs = 1;
        config
    }

    /// Play: a character that falls is got up by the get-up tracker in `model_dir` (e.g.
    /// `assets/policies/getup`) instead of being put back at its start
    /// ([`PolicyPlugin::with_get_up`]). Ignored when training.
    pub fn with_get_up(mut self, model_dir: impl Into<PathBuf>) -> Self {
        self.get_up = Some(model_dir.into());
        self
    }

    /// Number of simulated characters (default 16 for training, 1 for play). A resumed run
    /// must use the number it was trained with.
    pub fn with_num_envs(mut self, num_envs: usize) -> Self {
        self.num_envs = num_envs;
        self
    }

    /// Seed of the weights and of the env resets (default 0).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Where `log.csv`, the configs and checkpoints go (without one, nothing is written).
    pub fn with_out_dir(mut self, out_dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(out_dir.into());
        self
    }

    /// Stop recording after this many samples (the policy keeps acting).
    pub fn with_max_samples(mut self, max_samples: u64) -> Self {
        self.max_samples = max_samples;
        self
    }

    /// An engine YAML whose keys fill the env's `engine:` block (new runs only).
    pub fn with_engine_config(mut self, file: impl Into<PathBuf>) -> Self {
        self.engine_config = Some(file.into());
        self
    }

    /// Trains on (or plays on) the engine `name` (`rapier`, `mujoco`) whatever the env file
    /// says; a training run stores it, so tests and resumes use it too.
    pub fn with_engine(mut self, name: impl Into<String>) -> Self {
        self.engine.engine_name = Some(name.into());
        self
    }

    /// Trains on (or plays at) the physics rate `hz` whatever the env file says (a whole
    /// multiple of its control rate); a training run stores it.
    pub fn with_sim_freq(mut self, hz: f32) -> Self {
        self.engine.sim_freq = Some(hz);
        self
    }

    /// The device the networks train on (default: burn's Flex CPU backend).
    pub fn with_backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    /// Whether body poses are written back to `Transform`s (on by default; rendering needs
    /// them, pure headless training can turn them off).
    pub fn with_transform_writeback(mut self, writeback: bool) -> Self {
        self.writeback = writeback;
        self
    }

    /// How many control steps run per app update (default: one; see [`ControlPace`]). The
    /// [`ControlPace`] resource can be changed at run time.
    pub fn with_pace(mut self, pace: ControlPace) -> Self {
        self.pace = pace;
        self
    }

    /// Whether the update runs as a background task while the app keeps updating (the
    /// default: an app that renders stays responsive) or inside the control step that
    /// filled the rollout (headless training, where nothing else needs the frame).
    pub fn with_background_update(mut self, background: bool) -> Self {
        self.background_update = background;
        self
    }

    /// Keep a checkpoint per output iteration under `out_dir/int_models/`.
    pub fn with_int_models(mut self, save: bool) -> Self {
        self.save_int_models = save;
        self
    }

    /// Starts a new run from a checkpoint's networks and normalisers instead of fresh weights
    /// (MimicKit's `--model_file` when training): the agent config given must describe the
    /// same algorithm and networks; its rewards, learning rates and schedules apply, with a
    /// fresh optimizer and replay. The checkpoint must fit the env's character. New runs only.
    pub fn with_init_model(mut self, dir: impl Into<PathBuf>) -> Self {
        self.init_model = Some(dir.into());
        self
    }

    /// Whether this trains (as opposed to plays).
    pub fn is_training(&self) -> bool {
        !matches!(self.mode, Mode::Play { .. })
    }

    /// Reads and checks everything named, builds the agent and the env, and returns the plugin.
    pub fn load(self) -> Result<MimicPlugin, MimicError> {
        if self.num_envs == 0 {
            return Err(MimicError::Invalid("num_envs must be at least 1".into()));
        }
        let play = match &self.mode {
            Mode::Play { model_dir } => {
                let plugin = PolicyPlugin::load_on_engine(model_dir, self.num_envs, &self.engine)?;
                Some(match &self.get_up {
                    Some(dir) => plugin.with_get_up(dir)?,
                    None => plugin,
                })
            }
            // Everything a run needs is read and checked here, writing nothing (the out_dir is
            // only created); `build` sets the run up again from the same files (a plugin
            // builds from `&self`, and an agent is not a value to copy), so that errors come
            // back as values and not as a panic in `build`.
            Mode::Train { .. } | Mode::Resume { .. } => {
                drop(self.train_parts(false)?);
                None
            }
        };
        Ok(MimicPlugin { config: self, play })
    }

    /// The run's agent, env setup and training core, from the files named; with `files` the
    /// run writes its config copies and logs in the out_dir, without it nothing.
    fn train_parts(&self, files: bool) -> Result<TrainParts, MimicError> {
        match &self.mode {
            Mode::Train {
                agent_config,
                env_config,
            } => self.load_new(agent_config, env_config, files),
            Mode::Resume { out_dir } => self.load_resume(out_dir, files),
            Mode::Play { .. } => Err(MimicError::Invalid("play mode has no run".into())),
        }
    }

    fn run_options(&self, files: bool) -> RunOptions {
        RunOptions {
            max_samples: self.max_samples,
            out_dir: self.out_dir.clone().filter(|_| files),
            save_int_models: self.save_int_models,
        }
    }

    fn load_new(
        &self,
        agent_file: &Path,
        env_file: &Path,
        files: bool,
    ) -> Result<TrainParts, MimicError> {
        let agent_yaml = read(agent_file)?;
        let mut env_yaml = read(env_file)?;
        if let Some(engine_file) = &self.engine_config {
            load_engine_config(engine_file)?;
            env_yaml = merge_engine_config(env_file, &env_yaml, &read(engine_file)?)?;
        }
        env_yaml = override_engine(env_file, &env_yaml, &self.engine)?;
        let agent_config = parse_agent_config(agent_file, &agent_yaml)?;
        refuse_controller(agent_config.agent_name, agent_file)?;
        let setup = character_setup(env_file, &env_yaml, self.num_envs)?;
        let mut agent = Agent::new_with_disc(
            agent_config,
            setup.obs_dim,
            bounds_of(&setup).space(),
            self.num_envs,
            setup.disc_obs_dim,
            self.backend.device(),
            self.seed,
        )?;
        agent.set_step_dt(f64::from(setup.dt));
        if let Some(out_dir) = &self.out_dir {
            std::fs::create_dir_all(out_dir).map_err(|source| MimicError::Io {
                path: out_dir.clone(),
                source,
            })?;
        }
        let mut run = TrainingRun::new(
            agent,
            spec_of(&setup),
            SeededRng::seed_from_u64(self.seed.wrapping_add(1)),
            agent_yaml,
            env_yaml,
            self.run_options(files),
        )?;
        if let Some(dir) = &self.init_model {
            run.warm_start_from(dir, self.backend.device(), self.seed)?;
        }
        Ok(TrainParts {
            setup,
            run,
            backend: self.backend,
        })
    }

    fn load_resume(&self, out_dir: &Path, files: bool) -> Result<TrainParts, MimicError> {
        if let Some(dir) = &self.init_model {
            return Err(MimicError::Invalid(format!(
                "a resumed run goes on from {}/{CHECKPOINT_DIR}; it cannot also start from {}",
                out_dir.display(),
                dir.display()
            )));
        }
        let dir = out_dir.join(CHECKPOINT_DIR);
        let loaded = LoadedRun::read(&dir, self.backend.device())?;
        refuse_controller(
            loaded.agent.state().config.agent_name,
            &dir.join("agent_config.yaml"),
        )?;
        if loaded.agent.state().num_envs != self.num_envs {
            return Err(MimicError::Invalid(format!(
                "{} was trained with {} envs; resume with the same number (got {})",
                dir.display(),
                loaded.agent.state().num_envs,
                self.num_envs
            )));
        }
        let setup = character_setup(&dir.join(ENV_CONFIG_FILE), &loaded.env_yaml, self.num_envs)?;
        let run = TrainingRun::resume(loaded, spec_of(&setup), self.run_options(files))?;
        Ok(TrainParts {
            setup,
            run,
            backend: self.backend,
        })
    }
}

/// A high-level controller acts in latents through a frozen low-level policy, which the
/// systems here do not chain while training: it trains through `bevy_mimic train` (a `Trainer`
/// over the task env wrapped in `HlcEnv`) and plays through `PolicyPlugin`.
fn refuse_controller(agent: AgentName, file: &Path) -> Result<(), MimicError> {
    if agent == AgentName::Hlc {
        return Err(MimicError::Invalid(format!(
            "{}: agent_name HLC trains with `bevy_mimic train` (not in a Bevy app or the viewer); \
             a trained controller plays with `PolicyPlugin` or `bevy_mimic view --model_file`",
            file.display()
        )));
    }
    Ok(())
}

/// The action box of a loaded character env.
fn bounds_of(setup: &CharacterEnvSetup) -> ActionBounds {
    ActionBounds {
        low: setup.low.clone(),
        high: setup.high.clone(),
    }
}

/// What a loaded character env offers a policy.
fn spec_of(setup: &CharacterEnvSetup) -> EnvSpec {
    EnvSpec::character(
        setup.obs_dim,
        bounds_of(setup).space(),
        setup.disc_obs_dim,
        &setup.model,
    )
}

fn read(path: &Path) -> Result<String, MimicError> {
    std::fs::read_to_string(path).map_err(|e| {
        MimicError::Config(ConfigError {
            file: path.to_path_buf(),
            key: None,
            message: format!("cannot read: {e}"),
        })
    })
}

struct TrainParts {
    setup: CharacterEnvSetup,
    run: TrainingRun,
    backend: Backend,
}

/// Trains or plays simulated characters in a Bevy app (see the module docs). Built by
/// [`MimicConfig::load`], which has read and checked every file; needs `MinimalPlugins` (or
/// `DefaultPlugins`) and `TransformPlugin`.
#[derive(Clone)]
pub struct MimicPlugin {
    config: MimicConfig,
    play: Option<PolicyPlugin>,
}

impl Plugin for MimicPlugin {
    fn build(&self, app: &mut App) {
        let c = &self.config;
        configure_mimic_sets(app);
        app.init_resource::<MimicControl>()
            .insert_resource(c.pace)
            .add_message::<EpisodeDone>();
        if let Some(policy) = &self.play {
            // PolicyPlugin mirrors MimicControl's pause itself.
            app.add_plugins(policy.clone().with_transform_writeback(c.writeback));
            return;
        }
        // What a game reads is there even if the run cannot start.
        app.init_resource::<TrainingMetrics>()
            .init_resource::<crate::skills::SkillSteering>()
            .add_message::<IterationFinished>()
            .add_message::<CheckpointSaved>()
            .add_message::<TrainingRequest>();
        crate::control::add_pushes(app);
        {
            {
                let TrainParts {
                    setup,
                    run,
                    backend,
                } = match c.train_parts(true) {
                    Ok(parts) => parts,
                    Err(e) => {
                        // Only if a file changed since `load` checked it.
                        error!("bevy_mimic: training not started: {e}");
                        app.insert_resource(TrainingStatus {
                            phase: TrainingPhase::Finished,
                            last_error: Some(e.to_string()),
                            ..default()
                        });
                        return;
                    }
                };
                let agent = run.agent();
                let status = TrainingStatus {
                    iteration: agent.iteration(),
                    samples: agent.sample_count(),
                    wall_time_s: run.wall_time_s(),
                    device: c.backend.to_string(),
                    env_blowups: run.env_blowups,
                    phase: if run.finished() {
                        TrainingPhase::Finished
                    } else {
                        TrainingPhase::Rollout
                    },
                    ..default()
                };
                let starts = EpisodeStarts {
                    rand_reset: setup.rand_reset,
                    default_reset_prob: setup.default_reset_prob,
                    default_state: setup.default_state.clone(),
                };
                let trainee = Trainee::new(
                    run,
                    backend,
                    c.background_update,
                    starts,
                    bounds_of(&setup),
                    f64::from(setup.dt),
                );
                app.add_plugins(
                    SimPlugin::new(setup.model.clone(), c.num_envs)
                        .with_config(setup.engine.clone())
                        .with_transform_writeback(c.writeback),
                )
                .add_plugins(setup.plugin)
                .insert_resource(trainee)
                .insert_resource(status)
                .add_systems(
                    ControlStep,
                    (training::name_skills, training::act)
                        .chain()
                        .in_set(MimicSet::Act),
                )
                .add_systems(ControlStep, training::record.in_set(MimicSet::Record))
                .add_systems(
                    PostUpdate,
                    (training::finish_update, training::handle_requests)
                        .chain()
                        .in_set(MimicSet::Update),
                );
            }
        }
    }
}
