//! The env's per-step systems and the per-env functions they share with resets.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use super::disc_obs::write_disc_frame;
use super::env::EnvKind;
use super::obs::{ObsSpec, write_char_obs, write_tar_obs};
use super::pose::{PoseView, RefPoses};
use super::reward::{ErrorWeights, RewardTerms, TrackingErrors, tracking_errors, tracking_reward};
use crate::anim::character::CharacterModel;
use crate::anim::motion::LoopMode;
use crate::anim::motion_lib::{MotionFrame, MotionLib};
use crate::env::StepBuffers;
use crate::sim::plugin::{SimCharacter, SimWorlds};
use crate::sim::{CharacterState, SimState};
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

/// Everything fixed for the life of the env, derived from its config.
#[derive(Resource, Clone, Debug)]
pub struct EnvParams {
    /// Which env.
    pub kind: EnvKind,
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
    /// Pose termination on.
    pub pose_termination: bool,
    /// Squared pose termination distance.
    pub pose_dist_sq: f32,
    /// Bodies below this height count as on the ground.
    pub ground_contact_height: f32,
    /// Seconds per control step.
    pub dt: f32,
    /// Character observation length.
    pub char_obs_dim: usize,
    /// Target observation length per frame.
    pub tar_obs_dim: usize,
    /// Frames per discriminator window (0 without a discriminator).
    pub disc_steps: usize,
    /// Values per discriminator frame.
    pub disc_frame_dim: usize,
}

impl EnvParams {
    /// Observation length.
    pub fn obs_dim(&self) -> usize {
        self.char_obs_dim + self.tar_steps.len() * self.tar_obs_dim
    }

    /// Discriminator observation length (a window of frames).
    pub fn disc_obs_dim(&self) -> usize {
        self.disc_steps * self.disc_frame_dim
    }
}

/// The last `disc_steps` simulated poses of every env, a ring shared by all envs (they all
/// advance together; a reset refills one env's whole window).
#[derive(Resource, Debug)]
pub struct DiscHistory {
    /// Poses, `disc_steps` slots per env.
    pub frames: RefPoses,
    /// Slot of the oldest frame.
    pub head: usize,
    /// Frames per window.
    pub steps: usize,
}

impl DiscHistory {
    /// The slot holding frame `k` of the window (0 oldest).
    pub fn slot(&self, k: usize) -> usize {
        (self.head + k) % self.steps
    }

    /// Writes env `env`'s window into its row of `disc_obs` (`[num_envs × disc_obs_dim]`).
    pub fn write_window(
        &self,
        params: &EnvParams,
        model: &CharacterModel,
        env: usize,
        disc_obs: &mut [f32],
    ) {
        let dim = params.disc_obs_dim();
        write_disc_window(
            params,
            model,
            &self.frames,
            |k| self.slot(k),
            env,
            &mut disc_obs[env * dim..(env + 1) * dim],
        );
    }
}

/// Writes env `env`'s discriminator window, oldest frame first, anchored on the newest.
pub fn write_disc_window(
    params: &EnvParams,
    model: &CharacterModel,
    frames: &RefPoses,
    slot_of: impl Fn(usize) -> usize,
    env: usize,
    out: &mut [f32],
) {
    let newest = frames.view(env, slot_of(params.disc_steps - 1));
    let (anchor_pos, anchor_rot) = (newest.root_pos(), newest.root_rot());
    let mut at = 0;
    for k in 0..params.disc_steps {
        let pose = frames.view(env, slot_of(k));
        at += write_disc_frame(
            &params.spec,
            model,
            &pose,
            anchor_pos,
            anchor_rot,
            &mut out[at..],
        );
    }
}

/// The reference motion of every env.
#[derive(Resource)]
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

    /// Whether env `env` has played its (non-looping) clip to the end.
    pub fn motion_ended(&self, env: usize) -> bool {
        self.motions.as_ref().is_some_and(|lib| {
            let id = self.motion_id[env];
            lib.clip(id).loop_mode == LoopMode::Clamp && self.motion_time[env] >= lib.length(id)
        })
    }
}

/// The env's outputs and its log accumulators.
#[derive(Resource, Debug)]
pub struct EnvOutput {
    /// Observation, reward and done buffers.
    pub buffers: StepBuffers,
    /// Tracking errors of the last step, per env.
    pub errors: Vec<TrackingErrors>,
    /// Discriminator windows `[num_envs × disc_obs_dim]` (empty without a discriminator).
    pub disc_obs: Vec<f32>,
    /// Sums for the log since the last report.
    pub diag: Diagnostics,
}

impl EnvOutput {
    /// The log's means since the last call (which it restarts): `Env_Reward_Mean`, and the
    /// tracking errors for DeepMimic.
    pub fn take_diagnostics(&mut self, kind: EnvKind) -> Vec<(&'static str, f64)> {
        let d = std::mem::take(&mut self.diag);
        let steps = d.steps.max(1) as f64;
        let mut out = vec![
            ("Env_Reward_Mean", d.reward / steps),
            ("Root_Speed", d.root_speed / steps),
        ];
        if matches!(kind, EnvKind::DeepMimic | EnvKind::Add) {
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
    let pose = sim_pose(state, env);
    let mut at = write_char_obs(&params.spec, model, &pose, row);
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

/// Finishes a reset of env `env` whose state was just set (`from_motion`: to its reference
/// frame, else to the default pose): its reference poses, its discriminator window (refilled,
/// as MimicKit's reset does, with the reference frames leading up to the start time, or the
/// default pose repeated), a new episode, and its observation.
#[allow(clippy::too_many_arguments)] // the env's resources
pub fn after_reset(
    params: &EnvParams,
    model: &CharacterModel,
    reference: &mut Reference,
    output: &mut EnvOutput,
    history: Option<&mut DiscHistory>,
    state: &SimState,
    env: usize,
    from_motion: bool,
) {
    reference.update_env(params, model, env);
    if let Some(history) = history {
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
        history.write_window(params, model, env, &mut output.disc_obs);
    }
    if params.kind == EnvKind::Add {
        // Resets are rare: a scratch frame of their own keeps the signature simple.
        let mut frame = Vec::new();
        write_disc_diff(
            params,
            model,
            reference,
            state,
            env,
            &mut output.disc_obs,
            &mut frame,
        );
    }
    output.buffers.begin_episode(env);
    observe_env(
        params,
        model,
        reference,
        state,
        output.buffers.obs_mut(env),
        env,
    );
}

/// Where a reset puts a character.
#[derive(Clone, Copy, Debug)]
pub enum ResetTo<'a> {
    /// The reference state at `time` of clip `clip` (reference state initialisation).
    Motion {
        /// Clip index.
        clip: usize,
        /// Seconds into the clip.
        time: f32,
    },
    /// A given state (the default pose).
    Pose(&'a CharacterState),
}

/// Everything a reset touches, as one system parameter: used by the play-mode system and,
/// through a `SystemState`, by [`CharacterEnv`](super::CharacterEnv).
#[derive(SystemParam)]
pub struct EnvResets<'w, 's> {
    worlds: SimWorlds<'w, 's>,
    params: Res<'w, EnvParams>,
    reference: ResMut<'w, Reference>,
    output: ResMut<'w, EnvOutput>,
    history: Option<ResMut<'w, DiscHistory>>,
    frame: Local<'s, MotionFrame>,
    demo: Local<'s, Option<RefPoses>>,
}

impl EnvResets<'_, '_> {
    /// Sets env `env`'s state and finishes the reset ([`after_reset`]). Returns false (and
    /// changes nothing) if the worlds are not built yet or a motion reset has no clips.
    pub fn reset(&mut self, env: usize, to: ResetTo) -> bool {
        let from_motion;
        let owned;
        let state = match to {
            ResetTo::Motion { clip, time } => {
                let Some(lib) = &self.reference.motions else {
                    return false;
                };
                if clip >= lib.num_clips() {
                    return false;
                }
                lib.frame(clip, time, &mut self.frame);
                owned = CharacterState::from_motion_frame(&self.frame);
                from_motion = true;
                &owned
            }
            ResetTo::Pose(state) => {
                from_motion = false;
                state
            }
        };
        if !self.worlds.set_env_state(env, state) {
            return false;
        }
        if let ResetTo::Motion { clip, time } = to {
            self.reference.motion_id[env] = clip;
            self.reference.motion_time[env] = time;
        }
        after_reset(
            &self.params,
            self.worlds.model(),
            &mut self.reference,
            &mut self.output,
            self.history.as_deref_mut(),
            self.worlds.state(),
            env,
            from_motion,
        );
        true
    }

    /// Starts a training episode in env `env`: `default` with probability `default_prob`
    /// (ASE's default-pose resets) or when there are no clips, else a random clip and time
    /// when `random` (reference state initialisation), else the first clip's start.
    pub fn reset_episode(
        &mut self,
        env: usize,
        random: bool,
        default_prob: f64,
        default: &CharacterState,
        rng: &mut crate::SeededRng,
    ) -> bool {
        if default_prob > 0.0 && rand::RngExt::random_bool(rng, default_prob.min(1.0)) {
            return self.reset(env, ResetTo::Pose(default));
        }
        let choice = self.reference.clip_choice;
        let pick = self.reference.motions.as_ref().map(|lib| {
            let chosen = choice.filter(|&c| c < lib.num_clips());
            match (random, chosen) {
                (true, Some(clip)) => (clip, lib.sample_time(clip, rng)),
                (true, None) => {
                    let clip = lib.sample_clip(rng);
                    (clip, lib.sample_time(clip, rng))
                }
                (false, clip) => (clip.unwrap_or(0), 0.0),
            }
        });
        match pick {
            Some((clip, time)) => self.reset(env, ResetTo::Motion { clip, time }),
            None => self.reset(env, ResetTo::Pose(default)),
        }
    }

    /// Appends `n` demo windows (`disc_obs_dim` values each) to `out`: a clip drawn by weight,
    /// a uniform time, and the frames `t − k·dt`, k = steps−1…0, as the agent's windows are
    /// built. Nothing without a discriminator or clips.
    pub fn sample_demo_disc_obs(
        &mut self,
        n: usize,
        rng: &mut crate::SeededRng,
        out: &mut Vec<f32>,
    ) {
        self.sample_clip_disc_obs(None, n, rng, out);
    }

    /// As [`sample_demo_disc_obs`](Self::sample_demo_disc_obs), from clip `clip` only when
    /// given (ASE's named skills encode one clip's windows).
    pub fn sample_clip_disc_obs(
        &mut self,
        clip: Option<usize>,
        n: usize,
        rng: &mut crate::SeededRng,
        out: &mut Vec<f32>,
    ) {
        let params = &*self.params;
        let dim = params.disc_obs_dim();
        if params.disc_steps == 0 || self.reference.motions.is_none() {
            return;
        }
        let model = self.worlds.model();
        let steps = params.disc_steps;
        let demo = self
            .demo
            .get_or_insert_with(|| RefPoses::new(1, steps, model));
        out.reserve(n * dim);
        for _ in 0..n {
            let (clip, time) = {
                let lib = self.reference.motions.as_ref().expect("checked");
                let clip = match clip {
                    Some(c) if c < lib.num_clips() => c,
                    _ => lib.sample_clip(rng),
                };
                (clip, lib.sample_time(clip, rng))
            };
            for k in 0..steps {
                let back = (steps - 1 - k) as f32 * params.dt;
                self.reference.pose_at(model, clip, time - back, demo, 0, k);
            }
            let start = out.len();
            out.resize(start + dim, 0.0);
            write_disc_window(params, model, demo, |k| k, 0, &mut out[start..]);
        }
    }

    /// The clip a user chose for new episodes, if any (and if it exists).
    pub fn clip_choice(&self) -> Option<usize> {
        let n = self.reference.motions.as_ref().map_or(0, |l| l.num_clips());
        self.reference.clip_choice.filter(|&c| c < n)
    }

    /// The clips' names (empty without clips).
    pub fn clip_names(&self) -> Vec<String> {
        self.reference
            .motions
            .as_ref()
            .map_or_else(Vec::new, |lib| {
                (0..lib.num_clips())
                    .map(|i| lib.name(i).to_string())
                    .collect()
            })
    }

    /// Whether the env has reference clips.
    pub fn has_motions(&self) -> bool {
        self.reference.motions.is_some()
    }

    /// The env's outputs (observations, rewards, done codes).
    pub fn output(&self) -> &EnvOutput {
        &self.output
    }

    /// The env's outputs, mutably (to take the log's sums).
    pub fn output_mut(&mut self) -> &mut EnvOutput {
        &mut self.output
    }
}

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

pub(crate) fn record_disc_history(
    params: Res<EnvParams>,
    character: Res<SimCharacter>,
    state: Res<SimState>,
    history: Option<ResMut<DiscHistory>>,
    mut output: ResMut<EnvOutput>,
) {
    let Some(mut history) = history else { return };
    let history = history.as_mut();
    // The oldest slot becomes the newest.
    let newest = history.head;
    history.head = (history.head + 1) % history.steps;
    for env in 0..state.num_envs {
        history
            .frames
            .copy_from(env, newest, &sim_pose(&state, env));
        history.write_window(&params, &character.model, env, &mut output.disc_obs);
    }
}

/// ADD's discriminator observation of env `env`: the reference frame's features minus the
/// simulated frame's, each anchored on its own root, at the same motion time (`frame` is
/// scratch space, reused across envs and steps).
pub fn write_disc_diff(
    params: &EnvParams,
    model: &CharacterModel,
    reference: &Reference,
    state: &SimState,
    env: usize,
    disc_obs: &mut [f32],
    frame: &mut Vec<f32>,
) {
    let dim = params.disc_frame_dim;
    let out = &mut disc_obs[env * dim..(env + 1) * dim];
    let demo = reference.poses.view(env, 0);
    write_disc_frame(
        &params.spec,
        model,
        &demo,
        demo.root_pos(),
        demo.root_rot(),
        out,
    );
    let agent = sim_pose(state, env);
    frame.resize(dim, 0.0);
    write_disc_frame(
        &params.spec,
        model,
        &agent,
        agent.root_pos(),
        agent.root_rot(),
        frame,
    );
    for (d, a) in out.iter_mut().zip(frame.iter()) {
        *d -= a;
    }
}

pub(crate) fn record_disc_diff(
    params: Res<EnvParams>,
    character: Res<SimCharacter>,
    reference: Res<Reference>,
    state: Res<SimState>,
    mut output: ResMut<EnvOutput>,
    mut frame: Local<Vec<f32>>,
) {
    if params.kind != EnvKind::Add {
        return;
    }
    for env in 0..state.num_envs {
        write_disc_diff(
            &params,
            &character.model,
            &reference,
            &state,
            env,
            &mut output.disc_obs,
            &mut frame,
        );
    }
}

pub(crate) fn reward(
    params: Res<EnvParams>,
    character: Res<SimCharacter>,
    reference: Res<Reference>,
    state: Res<SimState>,
    mut output: ResMut<EnvOutput>,
) {
    let output = output.as_mut();
    let model = &character.model;
    for env in 0..state.num_envs {
        let r = match params.kind {
            EnvKind::Char => 1.0,
            // The style reward comes from the discriminator, in the agent.
            EnvKind::Amp => 0.0,
            EnvKind::DeepMimic | EnvKind::Add => {
                let e = tracking_errors(
                    model,
                    &params.spec,
                    &params.weights,
                    params.track_root_xy,
                    &sim_pose(&state, env),
                    &reference.poses.view(env, 0),
                );
                output.errors[env] = e;
                let d = &mut output.diag;
                d.root_pos += f64::from(e.root_pos_dist);
                d.root_rot += f64::from(e.root_rot_angle);
                d.body_pos += f64::from(e.body_pos_mean);
                d.dof_vel += f64::from(e.dof_vel_mean);
                if params.kind == EnvKind::Add {
                    // ADD learns tracking from its discriminator; the errors are diagnostics.
                    0.0
                } else {
                    tracking_reward(&params.terms, &e)
                }
            }
        };
        output.buffers.rewards[env] = r;
        output.diag.reward += f64::from(r);
        let speed = state.root_vel(env).truncate().length();
        if speed.is_finite() {
            output.diag.root_speed += f64::from(speed);
        }
        output.diag.steps += 1;
    }
}

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
        let fell = params.early_termination
            && (0..nb).any(|k| {
                !params.allowed_contact[k]
                    && state.ground_contact[b.start + k]
                    && state.body_pos[b.start + k].z < params.ground_contact_height
            });
        let tracks = matches!(params.kind, EnvKind::DeepMimic | EnvKind::Add);
        let strayed = tracks
            && params.pose_termination
            && (output.errors[env].body_pos_max_sq > params.pose_dist_sq
                || (params.track_root_xy
                    && output.errors[env].root_pos_dist.powi(2) > params.pose_dist_sq));
        let code = if fell || strayed || !state.env_is_valid(env) {
            DoneCode::Fail
        } else if tracks && reference.motion_ended(env) {
            DoneCode::Succ
        } else {
            DoneCode::Null
        };
        output.buffers.finish_step(env, code);
    }
}
