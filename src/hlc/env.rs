//! The environment a high-level controller trains on: a task env whose every step holds the
//! controller's latents for `llc_steps` control steps of a frozen ASE policy (ASE's HRL). The
//! reward is the mean task reward over those steps, plus — weighted, as in the ASE paper — the
//! low-level discriminator's mean style reward.

use std::path::Path;

use burn::tensor::Device;

use super::{HlcError, load_low_level};
use crate::SeededRng;
use crate::anim::fingerprint::CharacterFingerprint;
use crate::env::character::{TaskParams, TaskTarget};
use crate::env::{StepBuffers, VecEnv};
use crate::fit::EnvSpec;
use crate::learning::agents::AgentConfig;
use crate::learning::hlc::{LowLevel, latent_space};
use crate::spaces::{ActionSpace, DoneCode};

/// A task env driven through a frozen low-level policy; the controller's actions are latents.
pub struct HlcEnv {
    inner: Box<dyn VecEnv + Send>,
    low: LowLevel,
    task_w: f32,
    disc_w: f32,
    buffers: StepBuffers,
    /// Per env: whether its episode ended in one of this step's sub-steps.
    ended: Vec<bool>,
    task_sum: Vec<f32>,
    disc_sum: Vec<f32>,
    substeps: Vec<u32>,
    actions: Vec<f32>,
}

impl HlcEnv {
    /// Wraps `inner` (a task env) for the controller of `config` (read from `config_file`):
    /// loads the low-level policy it names, checked against `inner`'s character observation,
    /// actions, discriminator and character, and weights the rewards by the config's
    /// `task_reward_weight` (task) and `disc_reward_weight` (style).
    pub fn new(
        inner: Box<dyn VecEnv + Send>,
        config: &AgentConfig,
        config_file: &Path,
        device: Device,
    ) -> Result<Self, HlcError> {
        let task_obs = inner.task_params().map_or(0, |t| t.obs_dim());
        let spec = EnvSpec {
            obs_dim: inner.obs_dim().saturating_sub(task_obs),
            action_space: inner.action_space(),
            disc_obs_dim: inner.disc_obs_dim(),
            character: inner.character(),
        };
        let low = load_low_level(config, config_file, &spec, device)?;
        let (task_w, disc_w) = (config.task_reward_weight, config.disc_reward_weight);
        let n = inner.num_envs();
        let mut buffers = StepBuffers::new(n, inner.obs_dim(), u32::MAX);
        buffers.obs.copy_from_slice(inner.obs());
        Ok(Self {
            inner,
            low,
            task_w: task_w as f32,
            disc_w: disc_w as f32,
            buffers,
            ended: vec![false; n],
            task_sum: vec![0.0; n],
            disc_sum: vec![0.0; n],
            substeps: vec![0; n],
            actions: Vec::new(),
        })
    }

    /// The low-level policy.
    pub fn low_level(&self) -> &LowLevel {
        &self.low
    }
}

impl VecEnv for HlcEnv {
    fn obs_dim(&self) -> usize {
        self.inner.obs_dim()
    }

    fn action_space(&self) -> ActionSpace {
        latent_space(self.low.latent_dim())
    }

    fn step_dt(&self) -> f64 {
        self.inner.step_dt() * self.low.steps() as f64
    }

    fn reset(&mut self, env_ids: &[usize], rng: &mut SeededRng) {
        self.inner.reset(env_ids, rng);
        let od = self.inner.obs_dim();
        for &e in env_ids {
            self.buffers.begin_episode(e);
            self.buffers
                .obs_mut(e)
                .copy_from_slice(&self.inner.obs()[e * od..(e + 1) * od]);
        }
    }

    /// Holds each env's latent (its action row, projected onto the unit sphere) for
    /// `llc_steps` low-level steps. An env whose episode ends in a sub-step keeps that
    /// sub-step's observation and code; it is stepped on with the others (the batch moves
    /// together) but nothing after its end is counted.
    fn step(&mut self, actions: &[f32]) {
        let n = self.inner.num_envs();
        let od = self.inner.obs_dim();
        self.low.set_latents(actions);
        self.ended.fill(false);
        self.task_sum.fill(0.0);
        self.disc_sum.fill(0.0);
        self.substeps.fill(0);
        for _ in 0..self.low.steps() {
            self.actions.clear();
            let pd = self.low.act(self.inner.obs(), od);
            self.actions.extend_from_slice(pd);
            self.inner.step(&self.actions);
            let style = if self.disc_w > 0.0 {
                self.low.style_rewards(self.inner.disc_obs())
            } else {
                None
            };
            for e in 0..n {
                if self.ended[e] {
                    continue;
                }
                self.task_sum[e] += self.inner.rewards()[e];
                if let Some(style) = &style {
                    self.disc_sum[e] += style[e];
                }
                self.substeps[e] += 1;
                let code = self.inner.dones()[e];
                if code.is_done() {
                    self.ended[e] = true;
                    self.buffers.dones[e] = code;
                    self.buffers
                        .obs_mut(e)
                        .copy_from_slice(&self.inner.obs()[e * od..(e + 1) * od]);
                }
            }
        }
        for e in 0..n {
            let k = self.substeps[e].max(1) as f32;
            self.buffers.rewards[e] =
                self.task_w * self.task_sum[e] / k + self.disc_w * self.disc_sum[e] / k;
            if !self.ended[e] {
                self.buffers.dones[e] = DoneCode::Null;
                self.buffers
                    .obs_mut(e)
                    .copy_from_slice(&self.inner.obs()[e * od..(e + 1) * od]);
            }
        }
    }

    fn buffers(&self) -> &StepBuffers {
        &self.buffers
    }

    fn diagnostics(&mut self) -> Vec<(&'static str, f64)> {
        self.inner.diagnostics()
    }

    fn root_velocity(&self, env: usize) -> Option<[f32; 3]> {
        self.inner.root_velocity(env)
    }

    fn root_position(&self, env: usize) -> Option<[f32; 3]> {
        self.inner.root_position(env)
    }

    fn task_params(&self) -> Option<TaskParams> {
        self.inner.task_params()
    }

    fn command_task(&mut self, env: usize, target: Option<TaskTarget>) -> bool {
        self.inner.command_task(env, target)
    }

    fn character(&self) -> Option<CharacterFingerprint> {
        self.inner.character()
    }
}
