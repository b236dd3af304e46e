//! Loading a character env's files once, and the plugin that puts its resources and systems
//! into an app that has [`SimPlugin`](crate::sim::SimPlugin).

use crate::sim::{DomainRand, DomainRandConfig};
use bevy::prelude::*;
use glam::Vec3;

use super::action::action_bounds;
use super::config::{CameraMode, CharacterEnvConfig, HUMANOID_JOINT_ERR_W};
use super::kinds::{CharacterKind, EnvKind, character_kind};
use super::obs::ObsSpec;
use super::reward::{ErrorWeights, RewardTerms};
use super::systems::{
    EnvOutput, EnvParams, EnvSet, EnvViewSettings, Reference, advance_reference, done, observe,
    sum_rewards,
};
use super::task::TaskParams;
use crate::anim::character::CharacterModel;
use crate::anim::mjcf::load_mjcf;
use crate::anim::motion_lib::MotionLib;
use crate::anim::rotation::exp_map_to_quat;
use crate::env::episode_steps;
use crate::sim::plugin::sim_running;
use crate::sim::{CharacterState, ControlStep, EngineConfig, SimSet};

/// A config problem: `(key, message)`.
pub type BuildError = (String, String);

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

/// A character env's files loaded and checked: everything needed to simulate and observe it.
#[derive(Clone)]
pub struct CharacterEnvSetup {
    /// Which env.
    pub kind: EnvKind,
    /// The character.
    pub model: CharacterModel,
    /// The engine settings (the env file's `engine:` block, or defaults).
    pub engine: EngineConfig,
    /// The env's resources and systems.
    pub plugin: CharacterEnvPlugin,
    /// Action bounds per DoF.
    pub low: Vec<f32>,
    /// Upper action bounds.
    pub high: Vec<f32>,
    /// Observation length.
    pub obs_dim: usize,
    /// Discriminator window length (0 without one).
    pub disc_obs_dim: usize,
    /// The task's share of the observation, at its end (task envs; 0 otherwise).
    pub task_obs_dim: usize,
    /// Seconds per control step.
    pub dt: f32,
    /// Reset to random clip times.
    pub rand_reset: bool,
    /// The default pose (`init_pose`).
    pub default_state: CharacterState,
    /// Probability of a default-pose reset in training.
    pub default_reset_prob: f64,
}

/// Says once per process, on stderr, that a MimicKit engine name runs on rapier.
fn note_engine_substitution(engine: &EngineConfig) {
    use std::sync::atomic::{AtomicBool, Ordering};
    static NOTED: AtomicBool = AtomicBool::new(false);
    if let Some(note) = crate::sim::engine::substitution_note(engine)
        && !NOTED.swap(true, Ordering::Relaxed)
    {
        eprintln!("note: {note}");
    }
}

impl CharacterEnvSetup {
    /// Loads the character and motions named in `config` for `num_envs` envs. Errors are
    /// `(key, message)`.
    pub fn load(
        kind: EnvKind,
        config: &CharacterEnvConfig,
        num_envs: usize,
    ) -> Result<Self, BuildError> {
        let imp = character_kind(kind);
        if let Some(engine) = &config.engine {
            note_engine_substitution(engine);
        }
        let model =
            load_mjcf(&config.char_file).map_err(|e| ("char_file".to_string(), e.to_string()))?;
        let motions = match &config.motion_file {
            Some(file) => Some(
                MotionLib::load(file, &model)
                    .map_err(|e| ("motion_file".to_string(), e.to_string()))?,
            ),
            None if imp.needs_motions() => {
                return Err((
                    "motion_file".into(),
                    format!("{} needs a motion file", kind.name()),
                ));
            }
            None => None,
        };
        if config.getup_tracking_reward && !kind.is_task() {
            return Err((
                "getup_tracking_reward".into(),
                format!(
                    "only a task env (task_steering, task_location) reads it, not {}",
                    kind.name()
                ),
            ));
        }
        if config.enable_phase_obs && motions.is_none() {
            return Err((
                "enable_phase_obs".into(),
                "the phase is the reference motion's: give a motion_file, or set it to false"
                    .into(),
            ));
        }
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
        // MimicKit pads a 3-value init_pose (the root position) with the zero rotation and DoFs.
        let init_pose = config.init_pose.as_ref().map(|p| {
            let mut p = p.clone();
            if p.len() == 3 {
                p.resize(6 + model.num_dofs(), 0.0);
            }
            p
        });
        let default_state = match &init_pose {
            Some(p) if p.len() != 6 + model.num_dofs() => {
                return Err((
                    "init_pose".into(),
                    format!(
                        "has {} values; expected 3 (root position) or 6 (root position, exp-map rotation) + {} DoFs",
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
        let mut allowed_contact = vec![false; model.num_bodies()];
        for c in contact {
            allowed_contact[c] = true;
        }
        let mut params = EnvParams {
            char_obs_dim: spec.char_obs_dim(&model),
            phase_encoding: config.enable_phase_obs.then_some(config.num_phase_encoding),
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
            arm_height: config.early_termination_arm_height,
            getup_tracking: config.getup_tracking_reward,
            ground_resets: (
                config.ground_reset_prob.unwrap_or(0.0),
                ground_clips(motions.as_ref(), config.early_termination_arm_height),
            ),
            getup_steps: config
                .early_termination_getup_time
                .map(|t| episode_steps(f64::from(t), f64::from(dt))),
            terminate_on_pose_distance: false,
            pose_dist_sq: config.pose_termination_dist.powi(2),
            succeed_at_clip_end: false,
            clip_end_hold: config.clip_end_hold_time.unwrap_or(0.0),
            log_tracking_errors: false,
            log_test_tracking: false,
            ground_contact_height,
            dt,
            tar_steps: Vec::new(),
            disc_steps: 0,
            disc_frame_dim: 0,
            task: TaskParams::from_config(kind, config)?,
            task_obs_dim: 0,
        };
        imp.configure(config, &model, &mut params);
        let obs_dim = params.obs_dim();
        let (low, high) = action_bounds(&model, config.zero_center_action);
        let max_steps = episode_steps(config.episode_length, f64::from(dt));
        let slots = 1 + params.tar_steps.len();
        let disc_obs_dim = params.disc_obs_dim();
        let task_obs_dim = params.task_obs_dim;
        let resources = EnvResources {
            kind: imp,
            model: model.clone(),
            num_envs,
            reference: Reference::new(motions, num_envs, slots, &model),
            output: EnvOutput::new(&params, num_envs, max_steps),
            domain_rand: config
                .domain_rand
                .clone()
                .filter(DomainRandConfig::is_active)
                .map(|c| {
                    DomainRand::new(
                        c,
                        num_envs,
                        model.num_bodies(),
                        model.num_dofs(),
                        dt,
                        DOMAIN_RAND_SEED,
                    )
                }),
            view: EnvViewSettings {
                camera_tracks: config.camera_mode != Some(CameraMode::Still),
                show_ref_char: config.visualize_ref_char.unwrap_or(true),
                ref_char_offset: config
                    .ref_char_offset
                    .as_deref()
                    .map_or(Vec3::ZERO, Vec3::from_slice),
            },
            params,
        };
        Ok(Self {
            kind,
            model,
            engine: engine_config,
            plugin: CharacterEnvPlugin { resources },
            low,
            high,
            obs_dim,
            disc_obs_dim,
            task_obs_dim,
            dt,
            rand_reset: config.rand_reset,
            default_state,
            default_reset_prob: config
                .default_reset_prob
                .unwrap_or_else(|| imp.default_reset_prob()),
        })
    }
}

#[derive(Clone)]
struct EnvResources {
    kind: &'static dyn CharacterKind,
    /// For the kind's resources, built with the plugin.
    model: CharacterModel,
    num_envs: usize,
    params: EnvParams,
    reference: Reference,
    output: EnvOutput,
    domain_rand: Option<DomainRand>,
    view: EnvViewSettings,
}

/// The seed of the domain randomisation's draws (the same in every run).
const DOMAIN_RAND_SEED: u64 = 0xd0_4a1d;

/// Puts a loaded env's resources and its [`EnvSet`] systems, the shared ones and its kind's,
/// into an app (a copy of them: the plugin can be added to several apps). The systems run
/// after [`SimSet::ReadState`] and not while the simulation is paused.
#[derive(Clone)]
pub struct CharacterEnvPlugin {
    resources: EnvResources,
}

impl CharacterEnvPlugin {
    /// The same env without an episode length: characters go on until they fall (play mode
    /// of the kinds without a reference clip, where the length only served training).
    pub fn without_time_limit(mut self) -> Self {
        self.resources.output.buffers.without_time_limit();
        self
    }

    /// The same env without domain randomisation (play mode: a game's characters are not
    /// pushed about).
    pub fn without_domain_rand(mut self) -> Self {
        self.resources.domain_rand = None;
        self
    }

    /// The env's fixed parameters.
    pub fn params(&self) -> &EnvParams {
        &self.resources.params
    }

    /// The env's reference motion (its clips, one slot per env).
    pub fn reference(&self) -> &Reference {
        &self.resources.reference
    }

    /// Frames per discriminator window (0 without one).
    pub fn disc_steps(&self) -> usize {
        self.resources.params.disc_steps
    }
}

impl Plugin for CharacterEnvPlugin {
    fn build(&self, app: &mut App) {
        let r = self.resources.clone();
        if let Some(dr) = r.domain_rand {
            app.insert_resource(dr);
        }
        app.insert_resource(r.reference)
            .insert_resource(r.output)
            .insert_resource(r.view)
            .insert_resource(r.params.clone())
            .configure_sets(
                ControlStep,
                (
                    EnvSet::Reference,
                    EnvSet::Observe,
                    EnvSet::Reward,
                    EnvSet::Done,
                )
                    .chain()
                    .after(SimSet::ReadState)
                    .run_if(sim_running),
            )
            .add_systems(
                ControlStep,
                (
                    advance_reference.in_set(EnvSet::Reference),
                    observe.in_set(EnvSet::Observe),
                    sum_rewards.in_set(EnvSet::Reward),
                    done.in_set(EnvSet::Done),
                ),
            );
        r.kind.build(app, &r.params, &r.model, r.num_envs);
    }
}

/// The clips whose first frame has the root below `arm_height` (on the ground).
fn ground_clips(motions: Option<&MotionLib>, arm_height: Option<f32>) -> Vec<usize> {
    let (Some(lib), Some(h)) = (motions, arm_height) else {
        return Vec::new();
    };
    let mut frame = crate::anim::motion_lib::MotionFrame::default();
    (0..lib.num_clips())
        .filter(|&c| {
            lib.frame(c, 0.0, &mut frame);
            frame.root_pos.z < h
        })
        .collect()
}
