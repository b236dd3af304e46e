//! The shared part of every character env: its phases, parameters, reference motion and
//! outputs, and the per-step systems all kinds run. What a kind adds (rewards, discriminator
//! observations, tracking errors) lives in [`kinds`](super::kinds); these systems read only the
//! data flags a kind sets.

use bevy::prelude::*;

use super::obs::{ObsSpec, write_char_obs, write_tar_obs};
use super::pose::{PoseView, RefPoses};
use super::reward::{ErrorWeights, RewardTerms, TrackingErrors};
use crate::anim::character::CharacterModel;
use crate::anim::motion::LoopMode;
use crate::anim::motion_lib::{MotionFrame, MotionLib};
use crate::env::StepBuffers;
use crate::sim::SimState;
use crate::sim::plugin::SimCharacter;
use crate::spaces::DoneCode;

/// The env's phases, in order, after the engine has read the state.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnvSet {
    /// Motion times advance; reference poses (now and the target frames) are computed.
    Reference,
    /// Observations are written.
    Observe,
    /// Rewards are computed.
    Reward,
    /// Done codes are decided.
    Done,
}

/// Everything fixed for the life of the env, derived from its config. The kind's part (target
/// frames, the discriminator, what tracking adds) starts off and is filled by its
/// [`CharacterKind::configure`](super::kinds::CharacterKind::configure).
#[derive(Resource, Clone, Debug)]
pub struct EnvParams {
    /// Observation contents.
    pub spec: ObsSpec,
    /// Target frames (control steps ahead); empty without target observations.
    pub tar_steps: Vec<u32>,
    /// Joint and DoF error weights.
    pub weights: ErrorWeights,
    /// Reward weights and scales.
    pub terms: RewardTerms,
    /// Track the root's horizontal position (`global_obs` with target observations).
    pub track_root_xy: bool,
    /// Per body: may it touch the ground?
    pub allowed_contact: Vec<bool>,
    /// Contact termination on.
    pub early_termination: bool,
    /// `early_termination_arm_height`: episodes that start with the pelvis lower have no
    /// contact termination until it first rises above this.
    pub arm_height: Option<f32>,
    /// `getup_tracking_reward`: a task env rewards tracking the get-up clip until the
    /// episode's pelvis has risen above `arm_height`.
    pub getup_tracking: bool,
    /// `early_termination_getup_time` in control steps: an episode still below `arm_height`
    /// this many steps after its reset fails.
    pub getup_steps: Option<u32>,
    /// `ground_reset_prob`, and the clips that start on the ground (root below `arm_height`).
    pub ground_resets: (f64, Vec<usize>),
    /// End the episode (FAIL) when a body strays [`pose_dist_sq`](Self::pose_dist_sq) from
    /// its reference; needs tracking errors.
    pub terminate_on_pose_distance: bool,
    /// Squared pose termination distance.
    pub pose_dist_sq: f32,
    /// End the episode (SUCC) when a non-looping clip has played to its end ...
    pub succeed_at_clip_end: bool,
    /// ... and this many seconds more (`clip_end_hold_time`).
    pub clip_end_hold: f32,
    /// Report the tracking errors' means in the log.
    pub log_tracking_errors: bool,
    /// Report them for test episodes too (`log_tracking_error`).
    pub log_test_tracking: bool,
    /// Bodies below this height count as on the ground.
    pub ground_contact_height: f32,
    /// Seconds per control step.
    pub dt: f32,
    /// Character observation length.
    pub char_obs_dim: usize,
    /// Sinusoidal encodings after the phase in the observation; `None` without a phase
    /// observation.
    pub phase_encoding: Option<usize>,
    /// Target observation length per frame.
    pub tar_obs_dim: usize,
    /// Frames per discriminator window (0 without a discriminator).
    pub disc_steps: usize,
    /// Values per discriminator frame.
    pub disc_frame_dim: usize,
    /// The task of a task env (`None` for the others).
    pub task: Option<super::task::TaskParams>,
    /// Task observation length, at the end of each row (0 without a task).
    pub task_obs_dim: usize,
}

impl EnvParams {
    /// Observation length.
    pub fn obs_dim(&self) -> usize {
        self.char_obs_dim
            + self.phase_obs_dim()
            + self.tar_steps.len() * self.tar_obs_dim
            + self.task_obs_dim
    }

    /// Phase observation length: the phase and `sin`/`cos` of each encoding.
    pub fn phase_obs_dim(&self) -> usize {
        self.phase_encoding.map_or(0, |n| 1 + 2 * n)
    }

    /// Discriminator observation length (a window of frames).
    pub fn disc_obs_dim(&self) -> usize {
        self.disc_steps * self.disc_frame_dim
    }
}

/// What the env file says about viewing it (`camera_mode`, `visualize_ref_char`,
/// `ref_char_offset`); the viewer reads it, headless code ignores it.
#[derive(Resource, Clone, Copy, Debug, PartialEq)]
pub struct EnvViewSettings {
    /// The camera follows a character.
    pub camera_tracks: bool,
    /// The reference ghost is shown when the viewer opens.
    pub show_ref_char: bool,
    /// Where the ghost is drawn relative to the reference (m, world).
    pub ref_char_offset: glam::Vec3,
}

/// The reference motion of every env.
#[derive(Resource, Clone)]
pub struct Reference {
    /// The clips (none for a `char` env without a motion file).
    pub motions: Option<MotionLib>,
    /// Clip per env.
    pub motion_id: Vec<usize>,
    /// Motion time per env (seconds into the clip, advancing with the episode).
    pub motion_time: Vec<f32>,
    /// Reference poses: slot 0 now, then one per target step.
    pub poses: RefPoses,
    /// The clip new episodes start from, when a user chose one (else as the config says).
    pub clip_choice: Option<usize>,
    frame: MotionFrame,
}

impl Reference {
    /// Puts the reference pose of clip `clip` at `time` into `dst` (env `env`, slot `slot`).
    pub fn pose_at(
        &mut self,
        model: &CharacterModel,
        clip: usize,
        time: f32,
        dst: &mut RefPoses,
        env: usize,
        slot: usize,
    ) {
        let Some(lib) = &self.motions else { return };
        lib.frame(clip, time, &mut self.frame);
        dst.set_frame(model, env, slot, &self.frame);
    }

    /// References for `num_envs` envs, all at the start of clip 0.
    pub fn new(
        motions: Option<MotionLib>,
        num_envs: usize,
        slots: usize,
        model: &CharacterModel,
    ) -> Self {
        Self {
            motions,
            motion_id: vec![0; num_envs],
            motion_time: vec![0.0; num_envs],
            poses: RefPoses::new(num_envs, slots, model),
            clip_choice: None,
            frame: MotionFrame::default(),
        }
    }

    /// Recomputes env `env`'s reference poses at its motion time.
    pub fn update_env(&mut self, params: &EnvParams, model: &CharacterModel, env: usize) {
        let Some(lib) = &self.motions else { return };
        let (id, t) = (self.motion_id[env], self.motion_time[env]);
        for slot in 0..=params.tar_steps.len() {
            let ahead = if slot == 0 {
                0
            } else {
                params.tar_steps[slot - 1]
            };
            lib.frame(id, t + ahead as f32 * params.dt, &mut self.frame);
            self.poses.set_frame(model, env, slot, &self.frame);
        }
    }

    /// MimicKit's `calc_motion_phase`: env `env`'s motion time over its clip's length, wrapped
    /// for a looping clip, clipped to [0, 1] (0 without clips).
    pub fn phase(&self, env: usize) -> f32 {
        let Some(lib) = &self.motions else { return 0.0 };
        let id = self.motion_id[env];
        let phase = self.motion_time[env] / lib.length(id).max(f32::EPSILON);
        let phase = if lib.clip(id).loop_mode == LoopMode::Wrap {
            phase - phase.floor()
        } else {
            phase
        };
        phase.clamp(0.0, 1.0)
    }

    /// Whether env `env` has played its (non-looping) clip to the end and held its last frame
    /// `hold` seconds more.
    pub fn motion_ended(&self, env: usize, hold: f32) -> bool {
        self.motions.as_ref().is_some_and(|lib| {
            let id = self.motion_id[env];
            lib.clip(id).loop_mode == LoopMode::Clamp
                && self.motion_time[env] >= lib.length(id) + hold
        })
    }
}

/// The env's outputs and its log accumulators.
#[derive(Resource, Clone, Debug)]
pub struct EnvOutput {
    /// Observation, reward and done buffers.
    pub buffers: StepBuffers,
    /// Tracking errors of the last step, per env (left at zero by kinds that do not track).
    pub errors: Vec<TrackingErrors>,
    /// Discriminator windows `[num_envs × disc_obs_dim]` (empty without a discriminator).
    pub disc_obs: Vec<f32>,
    /// Sums for the log since the last report.
    pub diag: Diagnostics,
    log_tracking_errors: bool,
    /// Whether test episodes report their tracking errors (`log_tracking_error`).
    pub log_test_tracking: bool,
    /// Per env: whether contact ends its episode yet (false from a reset on the ground until
    /// the pelvis rises above `early_termination_arm_height`).
    pub termination_armed: Vec<bool>,
}

impl EnvOutput {
    /// Zeroed outputs for `num_envs` envs of `params`, with episodes of `max_steps` steps.
    pub fn new(params: &EnvParams, num_envs: usize, max_steps: u32) -> Self {
        Self {
            buffers: StepBuffers::new(num_envs, params.obs_dim(), max_steps),
            errors: vec![TrackingErrors::default(); num_envs],
            disc_obs: vec![0.0; num_envs * params.disc_obs_dim()],
            diag: Diagnostics::default(),
            log_tracking_errors: params.log_tracking_errors,
            log_test_tracking: params.log_test_tracking,
            termination_armed: vec![true; num_envs],
        }
    }

    /// The log's means since the last call (which it restarts): `Env_Reward_Mean`,
    /// `Root_Speed`, and the tracking errors for the kinds that log them.
    pub fn take_diagnostics(&mut self) -> Vec<(&'static str, f64)> {
        let d = std::mem::take(&mut self.diag);
        let steps = d.steps.max(1) as f64;
        let mut out = vec![
            ("Env_Reward_Mean", d.reward / steps),
            ("Root_Speed", d.root_speed / steps),
        ];
        if self.log_tracking_errors {
            out.extend([
                ("Tracking_Root_Pos_Err", d.root_pos / steps),
                ("Tracking_Root_Rot_Err", d.root_rot / steps),
                ("Tracking_Body_Pos_Err", d.body_pos / steps),
                ("Tracking_Dof_Vel_Err", d.dof_vel / steps),
                ("Tracking_Body_Rot_Err", d.body_rot / steps),
                ("Tracking_Root_Vel_Err", d.root_vel / steps),
                ("Tracking_Root_Ang_Vel_Err", d.root_ang_vel / steps),
            ]);
        }
        out
    }
}

/// Sums of tracking errors and episode ends, reported as means.
#[derive(Clone, Copy, Debug, Default)]
pub struct Diagnostics {
    /// Steps summed.
    pub steps: u64,
    /// Sum of root position errors (m).
    pub root_pos: f64,
    /// Sum of root rotation errors (rad).
    pub root_rot: f64,
    /// Sum of mean body position errors (m).
    pub body_pos: f64,
    /// Sum of mean DoF velocity errors (rad/s).
    pub dof_vel: f64,
    /// Sum of mean body rotation errors (rad).
    pub body_rot: f64,
    /// Sum of mean root velocity errors (m/s).
    pub root_vel: f64,
    /// Sum of mean root angular velocity errors (rad/s).
    pub root_ang_vel: f64,
    /// Sum of rewards.
    pub reward: f64,
    /// Sum of horizontal root speeds (m/s).
    pub root_speed: f64,
}

/// The simulated pose of env `env`.
pub fn sim_pose(state: &SimState, env: usize) -> PoseView<'_> {
    let b = state.bodies(env);
    PoseView {
        body_pos: &state.body_pos[b.clone()],
        body_rot: &state.body_rot[b],
        root_vel: state.root_vel(env),
        root_ang_vel: state.root_ang_vel(env),
        dof_vel: &state.dof_vel[state.dofs(env)],
    }
}

/// Writes env `env`'s observation row.
pub fn observe_env(
    params: &EnvParams,
    model: &CharacterModel,
    reference: &Reference,
    state: &SimState,
    row: &mut [f32],
    env: usize,
) {
    observe_pose(params, model, reference, &sim_pose(state, env), row, env);
}

/// Writes the observation row of a character in `pose` against env `env`'s reference (the
/// get-up controller observes a character moved into its clip's frame this way).
pub fn observe_pose(
    params: &EnvParams,
    model: &CharacterModel,
    reference: &Reference,
    pose: &PoseView,
    row: &mut [f32],
    env: usize,
) {
    let mut at = write_char_obs(&params.spec, model, pose, row);
    if let Some(n) = params.phase_encoding {
        at += write_phase_obs(reference.phase(env), n, &mut row[at..]);
    }
    for slot in 1..=params.tar_steps.len() {
        let tar = reference.poses.view(env, slot);
        at += write_tar_obs(
            &params.spec,
            model,
            pose.root_pos(),
            pose.root_rot(),
            &tar,
            &mut row[at..],
        );
    }
}

/// Writes MimicKit's phase observation: the phase, then `sin(2π·2ᵏ·phase)` for k below
/// `encodings`, then the cosines. Returns the values written.
fn write_phase_obs(phase: f32, encodings: usize, out: &mut [f32]) -> usize {
    out[0] = phase;
    for k in 0..encodings {
        let v = phase * std::f32::consts::TAU * (1u32 << k) as f32;
        out[1 + k] = v.sin();
        out[1 + encodings + k] = v.cos();
    }
    1 + 2 * encodings
}

/// Advances every env's motion time by one control step and recomputes its reference poses.
pub(crate) fn advance_reference(
    params: Res<EnvParams>,
    character: Res<SimCharacter>,
    mut reference: ResMut<Reference>,
) {
    let reference = reference.as_mut();
    for env in 0..reference.motion_time.len() {
        reference.motion_time[env] += params.dt;
        reference.update_env(&params, &character.model, env);
    }
}

/// Writes every env's observation row (the kinds' discriminator observations follow it).
pub(crate) fn observe(
    params: Res<EnvParams>,
    character: Res<SimCharacter>,
    reference: Res<Reference>,
    state: Res<SimState>,
    mut output: ResMut<EnvOutput>,
) {
    let output = output.as_mut();
    for env in 0..state.num_envs {
        observe_env(
            &params,
            &character.model,
            &reference,
            &state,
            output.buffers.obs_mut(env),
            env,
        );
    }
}

/// Sums the rewards the kind's systems wrote, and the root speeds, for the log (the kinds'
/// reward systems run before it).
pub(crate) fn sum_rewards(state: Res<SimState>, mut output: ResMut<EnvOutput>) {
    let output = output.as_mut();
    for env in 0..state.num_envs {
        output.diag.reward += f64::from(output.buffers.rewards[env]);
        let speed = state.root_vel(env).truncate().length();
        if speed.is_finite() {
            output.diag.root_speed += f64::from(speed);
        }
        output.diag.steps += 1;
    }
}

/// Decides every env's done code: FAIL for a fall, a pose strayed from the reference (when the
/// kind terminates on it) or an invalid state, SUCC at a clip's end (when the kind succeeds
/// there), else NULL (TIME at the episode length).
pub(crate) fn done(
    params: Res<EnvParams>,
    reference: Res<Reference>,
    state: Res<SimState>,
    mut output: ResMut<EnvOutput>,
) {
    let output = output.as_mut();
    let nb = state.num_bodies;
    for env in 0..state.num_envs {
        let b = state.bodies(env);
        if let Some(h) = params.arm_height
            && state.root_pos(env).z > h
        {
            output.termination_armed[env] = true;
        }
        let fell = params.early_termination
            && output.termination_armed[env]
            && (0..nb).any(|k| {
                !params.allowed_contact[k]
                    && state.ground_contact[b.start + k]
                    && state.body_pos[b.start + k].z < params.ground_contact_height
            });
        let stayed_down = params.getup_steps.is_some_and(|n| {
            !output.termination_armed[env] && output.buffers.episode_steps(env) + 1 >= n
        });
        let strayed = params.terminate_on_pose_distance
            && (output.errors[env].body_pos_max_sq > params.pose_dist_sq
                || (params.track_root_xy
                    && output.errors[env].root_pos_dist.powi(2) > params.pose_dist_sq));
        let code = if fell || stayed_down || strayed || !state.env_is_valid(env) {
            DoneCode::Fail
        } else if params.succeed_at_clip_end && reference.motion_ended(env, params.clip_end_hold) {
            DoneCode::Succ
        } else {
            DoneCode::Null
        };
        output.buffers.finish_step(env, code);
    }
}
