//! [`GetUpController`]: the get-up tracker, its clips, and one attempt per fallen character.

use std::path::{Path, PathBuf};

use glam::{Quat, Vec3};

use super::{
    MAX_ATTEMPTS, RETRY_AFTER_S, SETTLED_HEIGHT, SETTLED_SPEED, STANDING_HEIGHT, STANDING_HOLD_S,
};
use crate::anim::character::CharacterModel;
use crate::anim::fingerprint::CharacterFingerprint;
use crate::anim::motion_lib::MotionFrame;
use crate::anim::rotation::angle_between;
use crate::env::character::OwnedPose;
use crate::env::character::systems::{EnvParams, Reference, observe_pose};
use crate::fit::{EnvSpec, check_fits, stored_character};
use crate::learning::checkpoint::load_policy;
use crate::learning::device::Backend;
use crate::learning::policy::Policy;
use crate::play::{PlayError, character_setup, stored_env_config};
use crate::sim::SimState;
use crate::spaces::ActionSpace;

/// Why a get-up tracker cannot back a policy.
pub type GetUpError = PlayError;

/// Where a character's get-up attempt stands after a control step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GetUpProgress {
    /// Still rising: the tracker keeps driving it.
    Rising,
    /// It stands: its own policy drives it again from the next step.
    Risen {
        /// Seconds from the fall to handing back.
        seconds: f32,
    },
    /// [`MAX_ATTEMPTS`] attempts did not get it up; the tracker lets go.
    GaveUp,
}

/// One character's attempt: which clip, how far into it, and how the clip is laid under it.
#[derive(Clone, Copy, Debug)]
struct Attempt {
    clip: usize,
    time: f32,
    /// The clip is turned by this about the vertical to lie like the character (rad).
    yaw: f32,
    /// The character's root on the ground when the attempt started (world, z = 0).
    anchor: Vec3,
    standing_steps: u32,
    tries: u32,
    elapsed: f32,
}

/// A DeepMimic tracker of get-up clips that takes over fallen characters (see the
/// [module](super) for why and how). It reads the engine's [`SimState`] and writes the
/// actions (PD targets) of the characters it drives; the caller decides when one has fallen
/// ([`start`](Self::start)) and hands control back when [`advance`](Self::advance) says
/// [`GetUpProgress::Risen`].
#[derive(Clone)]
pub struct GetUpController {
    source: PathBuf,
    policy: Policy,
    params: EnvParams,
    model: CharacterModel,
    reference: Reference,
    /// Per clip: its first frame's root position on the ground (z = 0) and rotation, its length.
    starts: Vec<(Vec3, Quat, f32)>,
    attempts: Vec<Option<Attempt>>,
    obs: Vec<f32>,
    rows: Vec<usize>,
    pose: OwnedPose,
}

impl GetUpController {
    /// Loads the tracker in `model_dir` for `num_envs` characters of `character`, acting every
    /// `dt` seconds. Fails, naming the directory, if it is not a tracker of clips, was trained
    /// on another character (naming both) or at another control rate.
    pub fn load(
        model_dir: &Path,
        num_envs: usize,
        character: &CharacterModel,
        dt: f32,
    ) -> Result<Self, GetUpError> {
        let loaded = load_policy(model_dir, Backend::Flex.device())?;
        let (env_file, text) = stored_env_config(model_dir, &loaded.extra)?;
        let setup = character_setup(&env_file, &text, num_envs)?;
        let bad = |why: String| PlayError::GetUp(format!("{}: {why}", model_dir.display()));
        let params = setup.plugin.params().clone();
        let reference = setup.plugin.reference().clone();
        let Some(lib) = reference.motions.as_ref() else {
            return Err(bad("a get-up tracker needs its clips (motion_file)".into()));
        };
        if !setup.kind.follows_reference() || params.tar_steps.is_empty() {
            return Err(bad(format!(
                "a get-up tracker is a policy that tracks clips with target observations \
                 (deepmimic, enable_tar_obs), not {}",
                setup.kind.name()
            )));
        }
        let pd_box = ActionSpace::Box {
            low: setup.low.clone(),
            high: setup.high.clone(),
        };
        let stored = stored_character(model_dir, &loaded.extra)?;
        let spec = EnvSpec::character(setup.obs_dim, pd_box, setup.disc_obs_dim, &setup.model);
        check_fits(model_dir, loaded.policy.state(), stored.as_ref(), &spec)?;
        let ours = CharacterFingerprint::of(character);
        if let Some(why) = ours.difference(&CharacterFingerprint::of(&setup.model)) {
            return Err(bad(format!(
                "the tracker was trained on another character than the one it would get up \
                 ({why}; \"here\" is the character of the policy it backs, \"there\" the \
                 tracker's)"
            )));
        }
        if (setup.dt - dt).abs() > 1e-6 {
            return Err(bad(format!(
                "the tracker acts every {:.4} s, the policy it backs every {dt:.4} s",
                setup.dt
            )));
        }
        let mut frame = MotionFrame::default();
        let starts = (0..lib.num_clips())
            .map(|c| {
                lib.frame(c, 0.0, &mut frame);
                let p = frame.root_pos;
                (Vec3::new(p.x, p.y, 0.0), frame.root_rot, lib.length(c))
            })
            .collect();
        let nb = setup.model.num_bodies();
        let pose = OwnedPose {
            body_pos: vec![Vec3::ZERO; nb],
            body_rot: vec![Quat::IDENTITY; nb],
            root_vel: Vec3::ZERO,
            root_ang_vel: Vec3::ZERO,
            dof_vel: vec![0.0; setup.model.num_dofs()],
        };
        Ok(Self {
            source: model_dir.to_path_buf(),
            policy: loaded.policy,
            params,
            model: setup.model,
            reference,
            starts,
            attempts: vec![None; num_envs],
            obs: Vec::new(),
            rows: Vec::new(),
            pose,
        })
    }

    /// The tracker's directory.
    pub fn source(&self) -> &Path {
        &self.source
    }

    /// Whether the tracker drives character `env`.
    pub fn is_rising(&self, env: usize) -> bool {
        self.attempts.get(env).is_some_and(Option::is_some)
    }

    /// Seconds since character `env` fell, while it is rising.
    pub fn rising_for(&self, env: usize) -> Option<f32> {
        self.attempts.get(env).copied().flatten().map(|a| a.elapsed)
    }

    /// Character `env` has fallen: the tracker drives it from the next [`act`](Self::act).
    pub fn start(&mut self, env: usize, state: &SimState) {
        let mut attempt = self.align(env, state);
        attempt.tries = 1;
        self.attempts[env] = Some(attempt);
    }

    /// Character `env` was reset by its owner: the tracker lets go of it.
    pub fn cancel(&mut self, env: usize) {
        self.attempts[env] = None;
    }

    /// Overwrites the rows of `actions` (`[num_envs × action_dim]`, the env's units) of the
    /// characters the tracker drives with its mean actions.
    pub fn act(&mut self, state: &SimState, actions: &mut [f32]) {
        self.rows.clear();
        self.rows
            .extend((0..self.attempts.len()).filter(|&e| self.attempts[e].is_some()));
        if self.rows.is_empty() {
            return;
        }
        let od = self.params.obs_dim();
        self.obs.resize(self.rows.len() * od, 0.0);
        for r in 0..self.rows.len() {
            let env = self.rows[r];
            let a = self.attempts[env].expect("rows hold rising characters");
            self.pose_in_clip_frame(state, env, &a);
            self.reference.motion_id[env] = a.clip;
            self.reference.motion_time[env] = a.time;
            self.reference.update_env(&self.params, &self.model, env);
            observe_pose(
                &self.params,
                &self.model,
                &self.reference,
                &self.pose.view(),
                &mut self.obs[r * od..(r + 1) * od],
                env,
            );
        }
        let out = self.policy.act(&self.obs);
        let ad = out.len() / self.rows.len();
        for (r, &env) in self.rows.iter().enumerate() {
            actions[env * ad..(env + 1) * ad].copy_from_slice(&out[r * ad..(r + 1) * ad]);
        }
    }

    /// After a control step: advances character `env`'s attempt and says where it stands
    /// (`None` when the tracker does not drive it). Once its clip has played out, a character
    /// whose pelvis has stayed above [`STANDING_HEIGHT`] for [`STANDING_HOLD_S`] is handed back
    /// as soon as it is settled, and at the latest when the tracker's training held the clip's
    /// last frame no longer (its env's `clip_end_hold_time`; at once for a tracker trained to
    /// the clip's end only, which sinks back past it). One still down [`RETRY_AFTER_S`] after
    /// that starts again from the clip's first frame.
    pub fn advance(&mut self, env: usize, state: &SimState) -> Option<GetUpProgress> {
        let dt = self.params.dt;
        let hold = (STANDING_HOLD_S / dt).round() as u32;
        let mut a = self.attempts[env]?;
        a.time += dt;
        a.elapsed += dt;
        let root = state.root_pos(env);
        a.standing_steps = if root.z > STANDING_HEIGHT {
            a.standing_steps + 1
        } else {
            0
        };
        let v = state.root_vel(env);
        let settled = root.z > SETTLED_HEIGHT
            && v.z > -SETTLED_SPEED
            && v.truncate().length() < SETTLED_SPEED;
        let end = self.starts[a.clip].2;
        let last_hold = end + self.params.clip_end_hold;
        let up = a.standing_steps >= hold;
        if up && a.time >= end && (settled || a.time >= last_hold) {
            self.attempts[env] = None;
            return Some(GetUpProgress::Risen { seconds: a.elapsed });
        }
        if a.time >= last_hold + RETRY_AFTER_S && !up {
            if a.tries >= MAX_ATTEMPTS {
                self.attempts[env] = None;
                return Some(GetUpProgress::GaveUp);
            }
            a = Attempt {
                tries: a.tries + 1,
                elapsed: a.elapsed,
                ..self.align(env, state)
            };
        }
        self.attempts[env] = Some(a);
        Some(GetUpProgress::Rising)
    }

    /// The clip whose first frame's root lies most like character `env`'s, and the turn about
    /// the vertical that lays it so (a 2° search: cheap once per fall).
    fn align(&self, env: usize, state: &SimState) -> Attempt {
        let rot = state.root_rot(env);
        let mut best = (0, 0.0, f32::INFINITY);
        for (clip, &(_, start_rot, _)) in self.starts.iter().enumerate() {
            for k in 0..180 {
                let yaw = (k as f32).to_radians() * 2.0;
                let err = angle_between(Quat::from_rotation_z(yaw) * start_rot, rot);
                if err < best.2 {
                    best = (clip, yaw, err);
                }
            }
        }
        let root = state.root_pos(env);
        Attempt {
            clip: best.0,
            time: 0.0,
            yaw: best.1,
            anchor: Vec3::new(root.x, root.y, 0.0),
            standing_steps: 0,
            tries: 1,
            elapsed: 0.0,
        }
    }

    /// Character `env`'s pose as the tracker was trained to see it: turned by `-yaw` about its
    /// anchor and moved onto the clip's start.
    fn pose_in_clip_frame(&mut self, state: &SimState, env: usize, a: &Attempt) {
        let inv = Quat::from_rotation_z(-a.yaw);
        let clip_anchor = self.starts[a.clip].0;
        let b = state.bodies(env);
        for (k, i) in b.enumerate() {
            self.pose.body_pos[k] = inv * (state.body_pos[i] - a.anchor) + clip_anchor;
            self.pose.body_rot[k] = inv * state.body_rot[i];
        }
        self.pose.root_vel = inv * state.root_vel(env);
        self.pose.root_ang_vel = inv * state.root_ang_vel(env);
        self.pose
            .dof_vel
            .copy_from_slice(&state.dof_vel[state.dofs(env)]);
    }
}
