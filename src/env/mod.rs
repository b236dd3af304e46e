//! Vectorised environments: many instances stepped together, with struct-of-arrays buffers.
//!
//! The [`VecEnv`] trait is the batched interface the agents train on. The classic-control tasks
//! here check the learning code; the character environments implement the same interface.

mod cartpole;
pub mod character;
mod pendulum;
mod point_match;

pub use cartpole::CartPole;
pub use character::{CharacterEnv, CharacterEnvConfig, EnvKind};
pub use pendulum::Pendulum;
pub use point_match::{PointMatch, PointMatchConfig, PointMatchMode};

use serde::{Deserialize, Serialize};

use crate::SeededRng;
use crate::spaces::{ActionSpace, DoneCode};

/// What every environment writes each step (struct-of-arrays, row-major), and the step counters
/// that turn the episode length into `Time` codes.
#[derive(Clone, Debug)]
pub struct StepBuffers {
    obs_dim: usize,
    max_steps: u32,
    steps: Vec<u32>,
    /// Observations `[num_envs × obs_dim]`.
    pub obs: Vec<f32>,
    /// Rewards of the last step.
    pub rewards: Vec<f32>,
    /// Episode-end codes of the last step.
    pub dones: Vec<DoneCode>,
}

impl StepBuffers {
    /// Buffers for `num_envs` environments with `obs_dim` observations and episodes of
    /// `max_steps` control steps.
    pub fn new(num_envs: usize, obs_dim: usize, max_steps: u32) -> Self {
        Self {
            obs_dim,
            max_steps,
            steps: vec![0; num_envs],
            obs: vec![0.0; num_envs * obs_dim],
            rewards: vec![0.0; num_envs],
            dones: vec![DoneCode::Null; num_envs],
        }
    }

    /// Number of environments.
    pub fn num_envs(&self) -> usize {
        self.steps.len()
    }

    /// Environment `i`'s observation row.
    pub fn obs_mut(&mut self, i: usize) -> &mut [f32] {
        &mut self.obs[i * self.obs_dim..(i + 1) * self.obs_dim]
    }

    /// Episodes no longer end at a length: only falls and clip ends end them (play mode for
    /// kinds without a reference to follow).
    pub fn without_time_limit(&mut self) {
        self.max_steps = u32::MAX;
    }

    /// Control steps environment `i`'s episode has finished.
    pub fn episode_steps(&self, i: usize) -> u32 {
        self.steps[i]
    }

    /// Starts environment `i`'s episode.
    pub fn begin_episode(&mut self, i: usize) {
        self.steps[i] = 0;
        self.dones[i] = DoneCode::Null;
    }

    /// Ends environment `i`'s step (its reward already written) with `code` (`Fail`, `Succ` or
    /// `Null`); `Null` becomes `Time` at the episode length. Returns the code stored.
    pub fn finish_step(&mut self, i: usize, code: DoneCode) -> DoneCode {
        self.steps[i] += 1;
        self.dones[i] = match code {
            DoneCode::Null if self.steps[i] >= self.max_steps => DoneCode::Time,
            c => c,
        };
        self.dones[i]
    }

    /// Ends environment `i`'s step with `reward`: `Fail` if it `failed`, `Time` at the episode
    /// length, `Null` otherwise.
    pub fn end_step(&mut self, i: usize, reward: f32, failed: bool) {
        self.steps[i] += 1;
        self.rewards[i] = reward;
        self.dones[i] = if failed {
            DoneCode::Fail
        } else if self.steps[i] >= self.max_steps {
            DoneCode::Time
        } else {
            DoneCode::Null
        };
    }
}

/// A batch of environments stepped in lock-step.
///
/// Buffers are flat and row-major: `obs()` is `[num_envs × obs_dim]`. `step` never resets: it
/// leaves each finished environment's terminal observation in `obs()` and its code in `dones()`;
/// the caller records the transition and then calls [`reset`](VecEnv::reset) on those
/// environments, which overwrites their observations.
pub trait VecEnv {
    /// Values per observation.
    fn obs_dim(&self) -> usize;
    /// The actions the environments accept.
    fn action_space(&self) -> ActionSpace;
    /// Seconds of simulated time per control step.
    fn step_dt(&self) -> f64;
    /// Resets the listed environments, drawing initial states from `rng`.
    fn reset(&mut self, env_ids: &[usize], rng: &mut SeededRng);
    /// Advances every environment by one control step with `actions` (`[num_envs × action_len]`).
    fn step(&mut self, actions: &[f32]);
    /// The buffers the last step (or reset) filled.
    fn buffers(&self) -> &StepBuffers;

    /// Number of environments.
    fn num_envs(&self) -> usize {
        self.buffers().num_envs()
    }
    /// Current observations.
    fn obs(&self) -> &[f32] {
        &self.buffers().obs
    }
    /// Rewards of the last step.
    fn rewards(&self) -> &[f32] {
        &self.buffers().rewards
    }
    /// Episode-end codes of the last step.
    fn dones(&self) -> &[DoneCode] {
        &self.buffers().dones
    }
    /// Env-specific values for the log (means since the last call), e.g. tracking errors.
    fn diagnostics(&mut self) -> Vec<(&'static str, f64)> {
        Vec::new()
    }
    /// Whether test episodes report their tracking errors (MimicKit's `log_tracking_error`).
    fn logs_test_tracking(&self) -> bool {
        false
    }
    /// Values per discriminator observation (0 for envs without one).
    fn disc_obs_dim(&self) -> usize {
        0
    }
    /// Discriminator observations after the last step or reset, `[num_envs × disc_obs_dim]`.
    fn disc_obs(&self) -> &[f32] {
        &[]
    }
    /// Env `env`'s root (character pelvis) velocity in the world, for envs with characters.
    fn root_velocity(&self, env: usize) -> Option<[f32; 3]> {
        let _ = env;
        None
    }
    /// Env `env`'s root (character pelvis) position in the world, for envs with characters.
    fn root_position(&self, env: usize) -> Option<[f32; 3]> {
        let _ = env;
        None
    }
    /// The task of a task env (`task_steering`, `task_location`).
    fn task_params(&self) -> Option<character::TaskParams> {
        None
    }
    /// Sets (or with `None` clears) env `env`'s task target, as a game's
    /// [`MoveCommand`](crate::control::MoveCommand) does; effective in the next step. Returns
    /// false for envs without a task.
    fn command_task(&mut self, env: usize, target: Option<character::TaskTarget>) -> bool {
        let _ = (env, target);
        false
    }
    /// Appends `n` demo discriminator observations (clip by weight, time uniform) to `out`.
    fn sample_demo_disc_obs(&mut self, n: usize, rng: &mut SeededRng, out: &mut Vec<f32>) {
        let _ = (n, rng, out);
    }
    /// The simulated character's fingerprint, for envs with characters (checkpoints store it,
    /// and a policy is refused on another character).
    fn character(&self) -> Option<crate::anim::fingerprint::CharacterFingerprint> {
        self.sim_state()
            .map(|(model, _)| crate::anim::fingerprint::CharacterFingerprint::of(model))
    }

    /// The simulated character and the engine's state of every env (character envs only):
    /// what a controller beside the policy, such as the get-up tracker, reads.
    fn sim_state(
        &self,
    ) -> Option<(
        &crate::anim::character::CharacterModel,
        &crate::sim::SimState,
    )> {
        None
    }

    /// Pushes env `env`'s root: its linear velocity changes by `dv` (m/s, world axes) before
    /// the next step. False, doing nothing, for envs without characters.
    fn push_root(&mut self, _env: usize, _dv: [f32; 3]) -> bool {
        false
    }
}

/// An env YAML file: `env_name` selects the task, the other keys configure it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "env_name")]
pub enum EnvConfig {
    /// Balance a pole on a cart with two discrete pushes (Gym's `CartPole-v1`).
    #[serde(rename = "cartpole")]
    CartPole(ClassicConfig),
    /// Swing a pendulum up with a continuous torque (Gym's `Pendulum-v1`).
    #[serde(rename = "pendulum")]
    Pendulum(ClassicConfig),
    /// A character in its default pose, reward 1 per step (MimicKit's `char`, for checks).
    #[serde(rename = "char")]
    Char(CharacterEnvConfig),
    /// Track a reference motion (MimicKit's `deepmimic`).
    #[serde(rename = "deepmimic")]
    DeepMimic(CharacterEnvConfig),
    /// Move in the style of the clips, judged by a discriminator (MimicKit's `amp`).
    #[serde(rename = "amp")]
    Amp(CharacterEnvConfig),
    /// AMP's env for skill embeddings, with default-pose resets (MimicKit's `ase`).
    #[serde(rename = "ase")]
    Ase(CharacterEnvConfig),
    /// Track a reference motion judged by a discriminator of the difference (MimicKit's `add`).
    #[serde(rename = "add")]
    Add(CharacterEnvConfig),
    /// AMP's env with a heading and speed to follow (MimicKit's `task_steering`).
    #[serde(rename = "task_steering")]
    TaskSteering(CharacterEnvConfig),
    /// AMP's env with a point to walk to (MimicKit's `task_location`).
    #[serde(rename = "task_location")]
    TaskLocation(CharacterEnvConfig),
    /// A 2-D adversarial-imitation task for tests of AMP and ADD.
    #[serde(rename = "point_match")]
    PointMatch(PointMatchConfig),
}

/// Keys of a classic-control env file (besides `env_name`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassicConfig {
    /// Seconds per episode; 10 s is Gym's episode (CartPole 500 steps, Pendulum 200).
    #[serde(default = "default_episode_length")]
    pub episode_length: f64,
}

fn default_episode_length() -> f64 {
    10.0
}

impl Default for ClassicConfig {
    fn default() -> Self {
        Self {
            episode_length: default_episode_length(),
        }
    }
}

impl EnvConfig {
    /// The name in the file's `env_name`.
    pub fn name(&self) -> &'static str {
        match self {
            EnvConfig::CartPole(_) => "cartpole",
            EnvConfig::Pendulum(_) => "pendulum",
            EnvConfig::Char(_) => "char",
            EnvConfig::DeepMimic(_) => "deepmimic",
            EnvConfig::Amp(_) => "amp",
            EnvConfig::Ase(_) => "ase",
            EnvConfig::Add(_) => "add",
            EnvConfig::TaskSteering(_) => "task_steering",
            EnvConfig::TaskLocation(_) => "task_location",
            EnvConfig::PointMatch(_) => "point_match",
        }
    }

    /// Checks the values, naming the first bad key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let c = match self {
            EnvConfig::CartPole(c) | EnvConfig::Pendulum(c) => c,
            EnvConfig::Char(c)
            | EnvConfig::DeepMimic(c)
            | EnvConfig::Amp(c)
            | EnvConfig::Ase(c)
            | EnvConfig::Add(c)
            | EnvConfig::TaskSteering(c)
            | EnvConfig::TaskLocation(c) => {
                return c.validate();
            }
            EnvConfig::PointMatch(c) => return c.validate(),
        };
        let episode_length = c.episode_length;
        if !(episode_length.is_finite() && episode_length > 0.0) {
            return Err((
                "episode_length".into(),
                format!("must be > 0 seconds, got {episode_length}"),
            ));
        }
        Ok(())
    }

    /// Builds `num_envs` environments (not yet reset), loading the files the config names;
    /// errors are `(key, message)`.
    pub fn build(&self, num_envs: usize) -> Result<Box<dyn VecEnv + Send>, (String, String)> {
        Ok(match self {
            EnvConfig::CartPole(c) => Box::new(CartPole::new(c, num_envs)),
            EnvConfig::Pendulum(c) => Box::new(Pendulum::new(c, num_envs)),
            EnvConfig::Char(_)
            | EnvConfig::DeepMimic(_)
            | EnvConfig::Amp(_)
            | EnvConfig::Ase(_)
            | EnvConfig::Add(_)
            | EnvConfig::TaskSteering(_)
            | EnvConfig::TaskLocation(_) => {
                let (kind, c) = self.character().expect("a character env");
                Box::new(CharacterEnv::new(kind, &c, num_envs)?)
            }
            EnvConfig::PointMatch(c) => Box::new(PointMatch::new(c, num_envs)),
        })
    }
}

impl EnvConfig {
    /// A character env's kind and config (the kind fills its own defaults when it loads,
    /// e.g. ASE's `default_reset_prob` 0.5); `None` for envs without characters.
    pub fn character(&self) -> Option<(EnvKind, CharacterEnvConfig)> {
        Some(match self {
            EnvConfig::Char(c) => (EnvKind::Char, c.clone()),
            EnvConfig::DeepMimic(c) => (EnvKind::DeepMimic, c.clone()),
            EnvConfig::Amp(c) => (EnvKind::Amp, c.clone()),
            EnvConfig::Ase(c) => (EnvKind::Ase, c.clone()),
            EnvConfig::Add(c) => (EnvKind::Add, c.clone()),
            EnvConfig::TaskSteering(c) => (EnvKind::TaskSteering, c.clone()),
            EnvConfig::TaskLocation(c) => (EnvKind::TaskLocation, c.clone()),
            _ => return None,
        })
    }

    /// The character env's config, mutably (none for the classic tasks).
    pub fn character_mut(&mut self) -> Option<&mut CharacterEnvConfig> {
        match self {
            EnvConfig::Char(c)
            | EnvConfig::DeepMimic(c)
            | EnvConfig::Amp(c)
            | EnvConfig::Ase(c)
            | EnvConfig::Add(c)
            | EnvConfig::TaskSteering(c)
            | EnvConfig::TaskLocation(c) => Some(c),
            _ => None,
        }
    }

    /// Simulates a character env on the engine `name` (`--engine`), whatever its file says;
    /// the classic tasks have no engine and are left as they are.
    pub fn set_engine_name(&mut self, name: &str) {
        if let Some(c) = self.character_mut() {
            c.engine.get_or_insert_with(Default::default).engine_name = name.to_string();
        }
    }
}

/// What a sim-to-sim replay changes in a checkpoint's engine settings (the rest, gains and
/// contacts included, stays as trained); checked with the rest of the engine config.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EngineOverride {
    /// Simulate on this engine (`--engine`).
    pub engine_name: Option<String>,
    /// Physics rate in Hz (`--sim_freq`): MuJoCo's explicit PD needs 480 Hz to simulate the
    /// humanoid's gains as accurately as rapier does at 120 (docs/SIM2SIM.md).
    pub sim_freq: Option<f32>,
}

impl EngineOverride {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.engine_name.is_none() && self.sim_freq.is_none()
    }
}

/// Number of control steps in an episode of `seconds` at `dt` per step (at least 1).
pub(crate) fn episode_steps(seconds: f64, dt: f64) -> u32 {
    ((seconds / dt).round() as u32).max(1)
}
