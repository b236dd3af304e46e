//! `CharacterEnv`: the batched env interface over the rapier engine and the env systems.

use bevy::prelude::*;
use glam::Vec3;
use rand::RngExt;

use super::action::action_bounds;
use super::config::{CharacterEnvConfig, HUMANOID_JOINT_ERR_W};
use super::disc_obs::disc_frame_dim;
use super::obs::ObsSpec;
use super::pose::PoseView;
use super::pose::RefPoses;
use super::reward::{ErrorWeights, RewardTerms, TrackingErrors};
use super::systems::{
    Diagnostics, DiscHistory, EnvOutput, EnvParams, EnvSet, Reference, advance_reference, done,
    observe, observe_env, record_disc_history, reward, sim_pose, write_disc_window,
};
use crate::SeededRng;
use crate::anim::character::CharacterModel;
use crate::anim::mjcf::load_mjcf;
use crate::anim::motion_lib::{MotionFrame, MotionLib};
use crate::anim::rotation::exp_map_to_quat;
use crate::env::{StepBuffers, VecEnv, episode_steps};
use crate::sim::plugin::SimCharacter;
use crate::sim::{CharacterState, Engine, RapierEngine, SimSet, SimState};
use crate::spaces::ActionSpace;

/// Which character env.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvKind {
    /// Default-pose resets (or reference resets with a motion file), reward 1 per step.
    Char,
    /// Motion tracking.
    DeepMimic,
    /// Adversarial motion priors: reward 0 from the env, discriminator windows of the
    /// simulated character, demo windows from the clips, contact termination only.
    Amp,
}

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

/// Many characters in the rapier engine behind [`VecEnv`].
pub struct CharacterEnv {
    engine: RapierEngine,
    kind: EnvKind,
    low: Vec<f32>,
    high: Vec<f32>,
    obs_dim: usize,
    dt: f64,
    rand_reset: bool,
    default_state: CharacterState,
    frame: MotionFrame,
    /// Scratch poses for demo windows.
    demo: RefPoses,
}

type BuildError = (String, String);

fn body_indices(
    model: &CharacterModel,
    key: &str,
    names: &[String],
) -> Result<Vec<usize>, BuildError> {
    names
        .iter()
        .map(|n| {
            model.body_index(n).ok_or_else(|| {
                let known: Vec<&str> = model.bodies.iter().map(|b| b.name.as_str()).collect();
                (
                    key.to_string(),
                    format!("no body named {n:?}; the character has {known:?}"),
                )
            })
        })
        .collect()
}

impl CharacterEnv {
    /// Loads the character and motions named in `config` and builds `num_envs` envs (all in the
    /// default pose; reset them before stepping). Errors name the config key.
    pub fn new(
        kind: EnvKind,
        config: &CharacterEnvConfig,
        num_envs: usize,
    ) -> Result<Self, BuildError> {
        let model =
            load_mjcf(&config.char_file).map_err(|e| ("char_file".to_string(), e.to_string()))?;
        let motions = match &config.motion_file {
            Some(file) => Some(
                MotionLib::load(file, &model)
                    .map_err(|e| ("motion_file".to_string(), e.to_string()))?,
            ),
            None if kind != EnvKind::Char => {
                return Err((
                    "motion_file".into(),
                    "deepmimic and amp need a motion file".into(),
                ));
            }
            None => None,
        };
        let key_bodies = body_indices(&model, "key_bodies", &config.key_bodies)?;
        let contact = body_indices(&model, "contact_bodies", &config.contact_bodies)?;
        let per_joint = match &config.joint_err_w {
            Some(w) if w.len() != model.num_bodies() - 1 => {
                return Err((
                    "joint_err_w".into(),
                    format!(
                        "has {} weights; the character has {} non-root bodies",
                        w.len(),
                        model.num_bodies() - 1
                    ),
                ));
            }
            Some(w) => w.clone(),
            None if model.num_bodies() == HUMANOID_JOINT_ERR_W.len() + 1 => {
                HUMANOID_JOINT_ERR_W.to_vec()
            }
            None => vec![1.0; model.num_bodies() - 1],
        };
        let default_state = match &config.init_pose {
            Some(p) if p.len() != 6 + model.num_dofs() => {
                return Err((
                    "init_pose".into(),
                    format!(
                        "has {} values; expected 6 (root position, exp-map rotation) + {} DoFs",
                        p.len(),
                        model.num_dofs()
                    ),
                ));
            }
            Some(p) => CharacterState {
                root_pos: Vec3::new(p[0], p[1], p[2]),
                root_rot: exp_map_to_quat(Vec3::new(p[3], p[4], p[5])),
                root_vel: Vec3::ZERO,
                root_ang_vel: Vec3::ZERO,
                dofs: p[6..].to_vec(),
                dof_vel: vec![0.0; model.num_dofs()],
            },
            None => CharacterState::default_pose(&model, [0.0, 0.0], 0.0),
        };
        let engine_config = config.engine.clone().unwrap_or_default();
        let dt = engine_config.control_dt();
        let ground_contact_height = engine_config.ground_contact_height;
        let spec = ObsSpec {
            global: config.global_obs,
            root_height: config.root_height_obs,
            key_bodies,
        };
        let tar_steps = if config.enable_tar_obs && kind == EnvKind::DeepMimic {
            config.tar_obs_steps.clone()
        } else {
            Vec::new()
        };
        let mut allowed_contact = vec![false; model.num_bodies()];
        for c in contact {
            allowed_contact[c] = true;
        }
        let params = EnvParams {
            kind,
            char_obs_dim: spec.char_obs_dim(&model),
            tar_obs_dim: spec.tar_obs_dim(&model),
            spec,
            weights: ErrorWeights::new(&model, &per_joint),
            terms: RewardTerms {
                pose: (config.reward_pose_w, config.reward_pose_scale),
                vel: (config.reward_vel_w, config.reward_vel_scale),
                root_pose: (config.reward_root_pose_w, config.reward_root_pose_scale),
                root_vel: (config.reward_root_vel_w, config.reward_root_vel_scale),
                key_pos: (config.reward_key_pos_w, config.reward_key_pos_scale),
            },
            track_root_xy: config.global_obs && config.enable_tar_obs,
            allowed_contact,
            early_termination: config.enable_early_termination,
            pose_termination: config.pose_termination,
            pose_dist_sq: config.pose_termination_dist.powi(2),
            ground_contact_height,
            dt,
            tar_steps,
            disc_steps: 0,
            disc_frame_dim: 0,
        };
        let mut params = params;
        if kind == EnvKind::Amp {
            params.disc_steps = config.num_disc_obs_steps;
            params.disc_frame_dim = disc_frame_dim(&params.spec, &model);
        }
        let obs_dim = params.obs_dim();
        let (low, high) = action_bounds(&model, config.zero_center_action);
        let max_steps = episode_steps(config.episode_length, f64::from(dt));
        let slots = 1 + params.tar_steps.len();
        let mut engine = RapierEngine::new(model.clone(), num_envs, engine_config)
            .map_err(|e| (format!("engine.{}", e.key), e.reason))?;
        let disc_obs_dim = params.disc_obs_dim();
        let disc_steps = params.disc_steps;
        let app = engine.app_mut();
        if params.disc_steps > 0 {
            app.insert_resource(DiscHistory {
                frames: RefPoses::new(num_envs, params.disc_steps, &model),
                head: 0,
                steps: params.disc_steps,
            });
        }
        app.insert_resource(Reference::new(motions, num_envs, slots, &model))
            .insert_resource(EnvOutput {
                buffers: StepBuffers::new(num_envs, obs_dim, max_steps),
                errors: vec![TrackingErrors::default(); num_envs],
                disc_obs: vec![0.0; num_envs * disc_obs_dim],
                diag: Diagnostics::default(),
            })
            .insert_resource(params)
            .configure_sets(
                PostUpdate,
                (
                    EnvSet::Reference,
                    EnvSet::Observe,
                    EnvSet::Reward,
                    EnvSet::Done,
                )
                    .chain()
                    .after(SimSet::ReadState),
            )
            .add_systems(
                PostUpdate,
                (
                    advance_reference.in_set(EnvSet::Reference),
                    (observe, record_disc_history)
                        .chain()
                        .in_set(EnvSet::Observe),
                    reward.in_set(EnvSet::Reward),
                    done.in_set(EnvSet::Done),
                ),
            );
        Ok(Self {
            engine,
            kind,
            low,
            high,
            obs_dim,
            dt: f64::from(dt),
            rand_reset: config.rand_reset,
            default_state,
            frame: MotionFrame::default(),
            demo: RefPoses::new(1, disc_steps.max(1), &model),
        })
    }

    /// The engine underneath (state, model, the Bevy app).
    pub fn engine(&self) -> &RapierEngine {
        &self.engine
    }

    /// The engine underneath, mutably.
    pub fn engine_mut(&mut self) -> &mut RapierEngine {
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

    /// Tracking errors of the last step, per env (DeepMimic).
    pub fn tracking_errors(&self) -> &[TrackingErrors] {
        &self.engine.world().resource::<EnvOutput>().errors
    }

    /// Puts env `env` at time `time` of clip `clip` (reference state initialisation).
    pub fn reset_to_motion(&mut self, env: usize, clip: usize, time: f32) {
        {
            let world = self.engine.app_mut().world_mut();
            let mut reference = world.resource_mut::<Reference>();
            let Some(lib) = &reference.motions else {
                return;
            };
            lib.frame(clip, time, &mut self.frame);
            reference.motion_id[env] = clip;
            reference.motion_time[env] = time;
        }
        let state = CharacterState::from_motion_frame(&self.frame);
        self.engine.set_env_state(env, &state);
        self.finish_reset(env, true);
    }

    /// Puts env `env` in the default pose.
    pub fn reset_to_default(&mut self, env: usize) {
        let state = self.default_state.clone();
        self.engine.set_env_state(env, &state);
        self.finish_reset(env, false);
    }

    /// Recomputes env `env`'s reference, observation and discriminator window after its state
    /// was set (`from_motion`: to a reference frame, else to the default pose).
    fn finish_reset(&mut self, env: usize, from_motion: bool) {
        let world = self.engine.app_mut().world_mut();
        world.resource_scope(|world, mut reference: Mut<Reference>| {
            world.resource_scope(|world, mut output: Mut<EnvOutput>| {
                if world.contains_resource::<DiscHistory>() {
                    world.resource_scope(|world, mut history: Mut<DiscHistory>| {
                        let params = world.resource::<EnvParams>();
                        let model = &world.resource::<SimCharacter>().model;
                        let state = world.resource::<SimState>();
                        fill_disc_history(
                            params,
                            model,
                            &mut reference,
                            state,
                            &mut history,
                            env,
                            from_motion,
                        );
                        let dim = params.disc_obs_dim();
                        let history = &*history;
                        write_disc_window(
                            params,
                            model,
                            &history.frames,
                            |k| history.slot(k),
                            env,
                            &mut output.disc_obs[env * dim..(env + 1) * dim],
                        );
                    });
                }
                let params = world.resource::<EnvParams>();
                let model = &world.resource::<SimCharacter>().model;
                let state = world.resource::<SimState>();
                reference.update_env(params, model, env);
                output.buffers.begin_episode(env);
                observe_env(
                    params,
                    model,
                    &reference,
                    state,
                    output.buffers.obs_mut(env),
                    env,
                );
            });
        });
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

/// Fills env `env`'s window as MimicKit's reset does: with the reference frames that lead up
/// to the start time, or with the default pose repeated.
fn fill_disc_history(
    params: &EnvParams,
    model: &CharacterModel,
    reference: &mut Reference,
    state: &SimState,
    history: &mut DiscHistory,
    env: usize,
    from_motion: bool,
) {
    let (clip, t) = (reference.motion_id[env], reference.motion_time[env]);
    let steps = history.steps;
    for k in 0..steps {
        let slot = history.slot(k);
        if from_motion {
            let back = (steps - 1 - k) as f32 * params.dt;
            reference.pose_at(model, clip, t - back, &mut history.frames, env, slot);
        } else {
            history.frames.copy_from(env, slot, &sim_pose(state, env));
        }
    }
}

impl VecEnv for CharacterEnv {
    fn obs_dim(&self) -> usize {
        self.obs_dim
    }

    fn action_space(&self) -> ActionSpace {
        ActionSpace::Box {
            low: self.low.clone(),
            high: self.high.clone(),
        }
    }

    fn step_dt(&self) -> f64 {
        self.dt
    }

    fn reset(&mut self, env_ids: &[usize], rng: &mut SeededRng) {
        for &env in env_ids {
            let pick = {
                let reference = self.engine.world().resource::<Reference>();
                reference.motions.as_ref().map(|lib| {
                    if self.rand_reset {
                        let clip = lib.sample_clip(rng);
                        (clip, lib.sample_time(clip, rng))
                    } else {
                        (0, 0.0)
                    }
                })
            };
            match pick {
                Some((clip, time)) => self.reset_to_motion(env, clip, time),
                None => {
                    // Draw anyway so that the generator advances the same with or without clips.
                    let _: f32 = rng.random_range(0.0..1.0);
                    self.reset_to_default(env);
                }
            }
        }
    }

    fn step(&mut self, actions: &[f32]) {
        let nd = self.low.len();
        let targets = self.engine.pd_targets_mut();
        for (k, (t, a)) in targets.iter_mut().zip(actions).enumerate() {
            *t = a.clamp(self.low[k % nd], self.high[k % nd]);
        }
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

    fn sample_demo_disc_obs(&mut self, n: usize, rng: &mut SeededRng, out: &mut Vec<f32>) {
        let dim = self.disc_obs_dim();
        if dim == 0 {
            return;
        }
        for _ in 0..n {
            let (clip, time) = {
                let reference = self.engine.world().resource::<Reference>();
                let Some(lib) = &reference.motions else {
                    return;
                };
                let clip = lib.sample_clip(rng);
                (clip, lib.sample_time(clip, rng))
            };
            let start = out.len();
            out.resize(start + dim, 0.0);
            self.demo_disc_window(clip, time, &mut out[start..]);
        }
    }

    fn diagnostics(&mut self) -> Vec<(&'static str, f64)> {
        let world = self.engine.app_mut().world_mut();
        let mut output = world.resource_mut::<EnvOutput>();
        let d = std::mem::take(&mut output.diag);
        let steps = d.steps.max(1) as f64;
        let mut out = vec![("Env_Reward_Mean", d.reward / steps)];
        if self.kind == EnvKind::DeepMimic {
            out.extend([
                ("Tracking_Root_Pos_Err", d.root_pos / steps),
                ("Tracking_Root_Rot_Err", d.root_rot / steps),
                ("Tracking_Body_Pos_Err", d.body_pos / steps),
                ("Tracking_Dof_Vel_Err", d.dof_vel / steps),
            ]);
        }
        out
    }
}
