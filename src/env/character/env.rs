//! `CharacterEnv`: the batched env interface over a headless simulator and the env systems.

use std::sync::Arc;

use bevy::ecs::system::SystemState;
use bevy::prelude::*;

use super::action::ActionBounds;
use super::config::CharacterEnvConfig;
use super::disc_obs::write_disc_window;
use super::kinds::EnvKind;
use super::pose::{PoseView, RefPoses};
use super::resets::{EnvResets, ResetTo};
use super::reward::TrackingErrors;
use super::setup::{BuildError, CharacterEnvSetup};
use super::systems::{EnvOutput, EnvParams, Reference};
use crate::SeededRng;
use crate::env::{StepBuffers, VecEnv};
use crate::sim::plugin::SimCharacter;
use crate::sim::{CharacterState, Engine, HeadlessSim};
use crate::spaces::ActionSpace;

/// An owned copy of a pose (see [`PoseView`]).
#[derive(Clone, Debug)]
pub struct OwnedPose {
    /// Per-body positions.
    pub body_pos: Vec<glam::Vec3>,
    /// Per-body rotations.
    pub body_rot: Vec<glam::Quat>,
    /// Root linear velocity.
    pub root_vel: glam::Vec3,
    /// Root angular velocity.
    pub root_ang_vel: glam::Vec3,
    /// DoF velocities.
    pub dof_vel: Vec<f32>,
}

impl OwnedPose {
    /// A view of it.
    pub fn view(&self) -> PoseView<'_> {
        PoseView {
            body_pos: &self.body_pos,
            body_rot: &self.body_rot,
            root_vel: self.root_vel,
            root_ang_vel: self.root_ang_vel,
            dof_vel: &self.dof_vel,
        }
    }
}

/// Many characters on the engine their config names (see [`HeadlessSim`]) behind [`VecEnv`].
pub struct CharacterEnv {
    engine: HeadlessSim,
    kind: EnvKind,
    bounds: ActionBounds,
    obs_dim: usize,
    dt: f64,
    rand_reset: bool,
    default_state: CharacterState,
    default_reset_prob: f64,
    resets: SystemState<EnvResets<'static, 'static>>,
    /// Scratch poses for demo windows.
    demo: RefPoses,
}

impl CharacterEnv {
    /// Loads the character and motions named in `config` and builds `num_envs` envs (all in the
    /// default pose; reset them before stepping). Errors name the config key.
    pub fn new(
        kind: EnvKind,
        config: &CharacterEnvConfig,
        num_envs: usize,
    ) -> Result<Self, BuildError> {
        Self::build(None, kind, config, num_envs)
    }

    /// [`new`](Self::new) on `engine` rather than the one the config's `engine_name` names (an
    /// engine of your own).
    pub fn new_on(
        engine: Arc<dyn Engine>,
        kind: EnvKind,
        config: &CharacterEnvConfig,
        num_envs: usize,
    ) -> Result<Self, BuildError> {
        Self::build(Some(engine), kind, config, num_envs)
    }

    fn build(
        engine: Option<Arc<dyn Engine>>,
        kind: EnvKind,
        config: &CharacterEnvConfig,
        num_envs: usize,
    ) -> Result<Self, BuildError> {
        let setup = CharacterEnvSetup::load(kind, config, num_envs)?;
        let CharacterEnvSetup {
            model,
            engine: engine_config,
            plugin,
            low,
            high,
            obs_dim,
            dt,
            rand_reset,
            default_state,
            default_reset_prob,
            ..
        } = setup;
        let disc_steps = plugin.disc_steps();
        let mut engine =
            HeadlessSim::new_on(engine, model.clone(), num_envs, engine_config, |app| {
                app.add_plugins(plugin);
            })
            .map_err(|e| (format!("engine.{}", e.key), e.reason))?;
        let resets = SystemState::new(engine.app_mut().world_mut());
        Ok(Self {
            engine,
            kind,
            bounds: ActionBounds { low, high },
            obs_dim,
            dt: f64::from(dt),
            rand_reset,
            default_state,
            default_reset_prob,
            resets,
            demo: RefPoses::new(1, disc_steps.max(1), &model),
        })
    }

    /// Appends `n` demo discriminator windows of clip `clip` (any clip by weight when `None`).
    pub fn sample_clip_disc_obs(
        &mut self,
        clip: Option<usize>,
        n: usize,
        rng: &mut SeededRng,
        out: &mut Vec<f32>,
    ) {
        self.resets
            .get_mut(self.engine.app_mut().world_mut())
            .expect("the env's resources exist")
            .sample_clip_disc_obs(clip, n, rng, out);
    }

    /// The reference clips' names.
    pub fn clip_names(&mut self) -> Vec<String> {
        self.resets
            .get_mut(self.engine.app_mut().world_mut())
            .expect("the env's resources exist")
            .clip_names()
    }

    /// The engine underneath (state, model, the Bevy app).
    pub fn engine(&self) -> &HeadlessSim {
        &self.engine
    }

    /// The engine underneath, mutably.
    pub fn engine_mut(&mut self) -> &mut HeadlessSim {
        &mut self.engine
    }

    /// Which env this is.
    pub fn kind(&self) -> EnvKind {
        self.kind
    }

    /// A copy of env `env`'s reference pose `slot` (0: now; 1…: the target frames).
    pub fn reference_pose(&self, env: usize, slot: usize) -> OwnedPose {
        let v = self
            .engine
            .world()
            .resource::<Reference>()
            .poses
            .view(env, slot);
        OwnedPose {
            body_pos: v.body_pos.to_vec(),
            body_rot: v.body_rot.to_vec(),
            root_vel: v.root_vel,
            root_ang_vel: v.root_ang_vel,
            dof_vel: v.dof_vel.to_vec(),
        }
    }

    /// Tracking errors of the last step, per env (DeepMimic and ADD; zero for the others).
    pub fn tracking_errors(&self) -> &[TrackingErrors] {
        &self.engine.world().resource::<EnvOutput>().errors
    }

    /// Puts env `env` at time `time` of clip `clip` (reference state initialisation).
    pub fn reset_to_motion(&mut self, env: usize, clip: usize, time: f32) {
        self.reset_env(env, ResetTo::Motion { clip, time });
    }

    /// Puts env `env` in the default pose.
    pub fn reset_to_default(&mut self, env: usize) {
        let state = self.default_state.clone();
        self.reset_env(env, ResetTo::Pose(&state));
    }

    fn reset_env(&mut self, env: usize, to: ResetTo) {
        let done = self
            .resets
            .get_mut(self.engine.app_mut().world_mut())
            .expect("the env's resources exist")
            .reset(env, to);
        debug_assert!(done, "the worlds are built in HeadlessSim::new");
    }

    /// Writes the discriminator window of clip `clip` ending at `time` (a demo window) into
    /// `out` (`disc_obs_dim` values). Nothing for envs without a discriminator.
    pub fn demo_disc_window(&mut self, clip: usize, time: f32, out: &mut [f32]) {
        let world = self.engine.app_mut().world_mut();
        world.resource_scope(|world, mut reference: Mut<Reference>| {
            let params = world.resource::<EnvParams>();
            if params.disc_steps == 0 {
                return;
            }
            let model = &world.resource::<SimCharacter>().model;
            let steps = params.disc_steps;
            for k in 0..steps {
                let back = (steps - 1 - k) as f32 * params.dt;
                reference.pose_at(model, clip, time - back, &mut self.demo, 0, k);
            }
            write_disc_window(params, model, &self.demo, |k| k, 0, out);
        });
    }
}

impl VecEnv for CharacterEnv {
    fn obs_dim(&self) -> usize {
        self.obs_dim
    }

    fn action_space(&self) -> ActionSpace {
        self.bounds.space()
    }

    fn step_dt(&self) -> f64 {
        self.dt
    }

    fn reset(&mut self, env_ids: &[usize], rng: &mut SeededRng) {
        let mut resets = self
            .resets
            .get_mut(self.engine.app_mut().world_mut())
            .expect("the env's resources exist");
        for &env in env_ids {
            let done = resets.reset_episode(
                env,
                self.rand_reset,
                self.default_reset_prob,
                &self.default_state,
                rng,
            );
            debug_assert!(done, "the worlds are built in HeadlessSim::new");
        }
    }

    fn step(&mut self, actions: &[f32]) {
        self.bounds
            .write_targets(actions, self.engine.pd_targets_mut());
        self.engine.step();
    }

    fn buffers(&self) -> &StepBuffers {
        &self.engine.world().resource::<EnvOutput>().buffers
    }

    fn disc_obs_dim(&self) -> usize {
        self.engine.world().resource::<EnvParams>().disc_obs_dim()
    }

    fn disc_obs(&self) -> &[f32] {
        &self.engine.world().resource::<EnvOutput>().disc_obs
    }

    fn sim_state(
        &self,
    ) -> Option<(
        &crate::anim::character::CharacterModel,
        &crate::sim::SimState,
    )> {
        let model = &self.engine.world().resource::<SimCharacter>().model;
        Some((model, self.engine.state()))
    }

    fn push_root(&mut self, env: usize, dv: [f32; 3]) -> bool {
        let world = self.engine.app_mut().world_mut();
        world
            .resource_mut::<crate::sim::StateWrites>()
            .push_root(env, glam::Vec3::from_array(dv));
        true
    }

    fn sample_demo_disc_obs(&mut self, n: usize, rng: &mut SeededRng, out: &mut Vec<f32>) {
        self.resets
            .get_mut(self.engine.app_mut().world_mut())
            .expect("the env's resources exist")
            .sample_demo_disc_obs(n, rng, out);
    }

    fn root_velocity(&self, env: usize) -> Option<[f32; 3]> {
        Some(self.engine.state().root_vel(env).to_array())
    }

    fn root_position(&self, env: usize) -> Option<[f32; 3]> {
        Some(self.engine.state().root_pos(env).to_array())
    }

    fn task_params(&self) -> Option<super::TaskParams> {
        let task = self.engine.world().get_resource::<super::TaskState>()?;
        Some(task.params.clone())
    }

    fn command_task(&mut self, env: usize, target: Option<super::TaskTarget>) -> bool {
        let world = self.engine.app_mut().world_mut();
        if !world.contains_resource::<super::TaskState>() {
            return false;
        }
        world.resource_scope(|world, mut task: Mut<super::TaskState>| {
            world.resource_scope(|world, mut output: Mut<EnvOutput>| {
                let state = world.resource::<crate::sim::SimState>();
                let params = world.resource::<EnvParams>();
                task.command(state, env, target);
                // This step's observation shows the new target, as in play mode.
                let at = params.obs_dim() - params.task_obs_dim;
                task.write_obs(state, env, &mut output.buffers.obs_mut(env)[at..]);
            });
        });
        true
    }

    fn logs_test_tracking(&self) -> bool {
        self.engine
            .world()
            .resource::<EnvOutput>()
            .log_test_tracking
    }

    fn diagnostics(&mut self) -> Vec<(&'static str, f64)> {
        let world = self.engine.app_mut().world_mut();
        world.resource_mut::<EnvOutput>().take_diagnostics()
    }
}
