//! What MimicKit's task envs (`task_steering`, `task_location`) add to AMP's env: each env's
//! target, drawn again at random times, observed in the character's heading frame and
//! rewarded. A game overrides a character's random target with a command (see
//! [`MoveCommand`](crate::control::MoveCommand)).

use bevy::prelude::*;
use glam::{Vec2, Vec3};
use rand::{RngExt, SeedableRng};

use super::config::CharacterEnvConfig;
use super::kinds::EnvKind;
use super::setup::BuildError;
use crate::SeededRng;
use crate::anim::rotation::heading_quat_inv;
use crate::sim::SimState;

/// A task env's keys, checked (MimicKit's names in the docs of each field's config key).
#[derive(Clone, Debug, PartialEq)]
pub enum TaskParams {
    /// Move in a direction at a speed, facing another (or the same) direction.
    Steering {
        /// `rand_tar_dir`.
        rand_tar_dir: bool,
        /// `rand_face_dir`.
        rand_face_dir: bool,
        /// `tar_speed_min`, `tar_speed_max`.
        speed: (f32, f32),
        /// `tar_change_time_min`, `tar_change_time_max`.
        change_time: (f32, f32),
        /// `reward_steering_tar_w`.
        tar_w: f32,
        /// `reward_steering_face_w`.
        face_w: f32,
        /// `reward_steering_vel_scale`.
        vel_scale: f32,
    },
    /// Walk to a point on the ground.
    Location {
        /// `tar_speed`.
        speed: f32,
        /// `tar_change_time_min`, `tar_change_time_max`.
        change_time: (f32, f32),
        /// `tar_dist_max`.
        dist_max: f32,
    },
}

fn required(key: &str, v: Option<f32>, kind: EnvKind) -> Result<f32, BuildError> {
    match v {
        None => Err((
            key.into(),
            format!("{} needs it (MimicKit's env files set it)", kind.name()),
        )),
        Some(x) if !x.is_finite() || x < 0.0 => {
            Err((key.into(), format!("must be a finite value >= 0, got {x}")))
        }
        Some(x) => Ok(x),
    }
}

fn range(
    keys: (&str, &str),
    lo: Option<f32>,
    hi: Option<f32>,
    kind: EnvKind,
) -> Result<(f32, f32), BuildError> {
    let (lo, hi) = (required(keys.0, lo, kind)?, required(keys.1, hi, kind)?);
    if hi < lo {
        return Err((
            keys.1.into(),
            format!("must be >= {} ({lo}), got {hi}", keys.0),
        ));
    }
    Ok((lo, hi))
}

impl TaskParams {
    /// The task of `kind` from its config keys; `None` for kinds without a task.
    pub fn from_config(kind: EnvKind, c: &CharacterEnvConfig) -> Result<Option<Self>, BuildError> {
        let change = |c: &CharacterEnvConfig| {
            range(
                ("tar_change_time_min", "tar_change_time_max"),
                c.tar_change_time_min,
                c.tar_change_time_max,
                kind,
            )
        };
        Ok(Some(match kind {
            EnvKind::TaskSteering => {
                let speed = range(
                    ("tar_speed_min", "tar_speed_max"),
                    c.tar_speed_min,
                    c.tar_speed_max,
                    kind,
                )?;
                TaskParams::Steering {
                    rand_tar_dir: c.rand_tar_dir.unwrap_or(true),
                    rand_face_dir: c.rand_face_dir.unwrap_or(true),
                    speed,
                    change_time: change(c)?,
                    tar_w: required("reward_steering_tar_w", c.reward_steering_tar_w, kind)?,
                    face_w: required("reward_steering_face_w", c.reward_steering_face_w, kind)?,
                    vel_scale: required(
                        "reward_steering_vel_scale",
                        c.reward_steering_vel_scale,
                        kind,
                    )?,
                }
            }
            EnvKind::TaskLocation => TaskParams::Location {
                speed: required("tar_speed", c.tar_speed, kind)?,
                change_time: change(c)?,
                dist_max: required("tar_dist_max", c.tar_dist_max, kind)?,
            },
            _ => return Ok(None),
        }))
    }

    /// Values the task appends to the observation: steering the local target direction (2),
    /// speed (1) and facing direction (2); location the local target position (2).
    pub fn obs_dim(&self) -> usize {
        match self {
            TaskParams::Steering { .. } => 5,
            TaskParams::Location { .. } => 2,
        }
    }

    /// The range of commanded speeds a steering policy was trained on (m/s).
    pub fn speed_range(&self) -> (f32, f32) {
        match self {
            TaskParams::Steering { speed, .. } => *speed,
            TaskParams::Location { speed, .. } => (*speed, *speed),
        }
    }

    fn change_time(&self) -> (f32, f32) {
        match self {
            TaskParams::Steering { change_time, .. } | TaskParams::Location { change_time, .. } => {
                *change_time
            }
        }
    }
}

/// A target a game set for one character, in the task's own terms (see
/// [`MoveCommand`](crate::control::MoveCommand) for the component that sets it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TaskTarget {
    /// Move along `dir` (a unit vector on the ground) at `speed`, facing `face`.
    Heading {
        /// Direction of travel (world, unit).
        dir: Vec2,
        /// Speed (m/s).
        speed: f32,
        /// Facing direction (world, unit).
        face: Vec2,
    },
    /// Go to a point on the ground.
    Point {
        /// The point (world x, y).
        pos: Vec2,
        /// The speed on the way (m/s; a location policy walks at its trained speed).
        speed: f32,
    },
}

/// Every env's task target and its timing, as MimicKit's task envs keep them.
#[derive(Resource, Clone, Debug)]
pub struct TaskState {
    /// The task's parameters.
    pub params: TaskParams,
    /// Steering: the direction of travel (unit, world).
    pub tar_dir: Vec<Vec2>,
    /// Steering: the speed (m/s).
    pub tar_speed: Vec<f32>,
    /// Steering: the facing direction (unit, world).
    pub face_dir: Vec<Vec2>,
    /// Location: the target point (world x, y).
    pub tar_pos: Vec<Vec2>,
    /// Seconds since the episode started.
    pub time: Vec<f32>,
    /// When the env's target is drawn again (episode seconds).
    pub change_time: Vec<f32>,
    /// The root's position at the start of the control step (for the reward's velocity).
    pub prev_root: Vec<Vec3>,
    /// A game's target per env, which replaces the random draws while it is set.
    pub commanded: Vec<Option<TaskTarget>>,
    rng: SeededRng,
}

impl TaskState {
    /// `num_envs` envs of `params`, targets straight ahead along +x (resets draw them).
    pub fn new(params: TaskParams, num_envs: usize) -> Self {
        Self {
            params,
            tar_dir: vec![Vec2::X; num_envs],
            tar_speed: vec![1.0; num_envs],
            face_dir: vec![Vec2::X; num_envs],
            tar_pos: vec![Vec2::ZERO; num_envs],
            time: vec![0.0; num_envs],
            change_time: vec![0.0; num_envs],
            prev_root: vec![Vec3::ZERO; num_envs],
            commanded: vec![None; num_envs],
            rng: SeededRng::seed_from_u64(0),
        }
    }

    /// Draws the task's random numbers from a generator seeded by `rng` (a training reset
    /// passes its own, so a seeded run draws the same targets).
    pub fn reseed(&mut self, rng: &mut SeededRng) {
        self.rng = SeededRng::seed_from_u64(rng.random());
    }

    /// A new episode in env `env`: its clock restarts and its target is drawn (or taken
    /// from the game's command).
    pub fn reset_env(&mut self, state: &SimState, env: usize) {
        self.time[env] = 0.0;
        self.prev_root[env] = state.root_pos(env);
        self.new_target(state, env);
    }

    /// Advances env `env`'s clock by `dt` and draws a new target when its time has come
    /// (MimicKit's `_update_task`); a commanded env follows its command instead.
    pub fn advance(&mut self, state: &SimState, env: usize, dt: f32) {
        self.time[env] += dt;
        if self.commanded[env].is_some() || self.time[env] >= self.change_time[env] {
            self.new_target(state, env);
        }
    }

    /// Applies the game's target for env `env` now (or drops it, back to random draws).
    pub fn command(&mut self, state: &SimState, env: usize, target: Option<TaskTarget>) {
        self.commanded[env] = target;
        self.new_target(state, env);
    }

    fn new_target(&mut self, state: &SimState, env: usize) {
        let root = state.root_pos(env).truncate();
        match self.commanded[env] {
            Some(target) => self.follow(root, env, target),
            None => {
                self.draw(root, env);
                let (lo, hi) = self.params.change_time();
                self.change_time[env] = self.time[env] + self.rng.random_range(lo..=hi);
            }
        }
    }

    /// A command in the task's terms: steering heads for a point at the command's speed,
    /// slowing to its slowest trained speed in the last metres; location puts its point 5 m
    /// along a heading, ahead of the root every step.
    fn follow(&mut self, root: Vec2, env: usize, target: TaskTarget) {
        const CARROT: f32 = 5.0;
        match (&self.params, target) {
            (TaskParams::Steering { .. }, TaskTarget::Heading { dir, speed, face }) => {
                self.tar_dir[env] = dir;
                self.tar_speed[env] = speed;
                self.face_dir[env] = face;
            }
            (TaskParams::Steering { speed: trained, .. }, TaskTarget::Point { pos, speed }) => {
                let to = pos - root;
                let dir = to.try_normalize().unwrap_or(self.tar_dir[env]);
                self.tar_dir[env] = dir;
                self.face_dir[env] = dir;
                // Within a metre or two the speed falls towards the slowest trained one.
                self.tar_speed[env] = speed.min(to.length().max(trained.0));
            }
            (TaskParams::Location { .. }, TaskTarget::Heading { dir, .. }) => {
                self.tar_pos[env] = root + CARROT * dir;
            }
            (TaskParams::Location { .. }, TaskTarget::Point { pos, .. }) => self.tar_pos[env] = pos,
        }
    }

    /// MimicKit's `_reset_tar`.
    fn draw(&mut self, root: Vec2, env: usize) {
        let rng = &mut self.rng;
        let mut angle = || rng.random_range(-std::f32::consts::PI..std::f32::consts::PI);
        match self.params {
            TaskParams::Steering {
                rand_tar_dir,
                rand_face_dir,
                speed,
                ..
            } => {
                let theta = if rand_tar_dir { angle() } else { 0.0 };
                let face = if rand_face_dir { angle() } else { theta };
                self.tar_dir[env] = Vec2::from_angle(theta);
                self.face_dir[env] = Vec2::from_angle(face);
                self.tar_speed[env] = self.rng.random_range(speed.0..=speed.1);
            }
            TaskParams::Location { dist_max, .. } => {
                let dist = dist_max * self.rng.random::<f32>();
                let theta = std::f32::consts::TAU * self.rng.random::<f32>();
                self.tar_pos[env] = root + dist * Vec2::from_angle(theta);
            }
        }
    }

    /// Writes env `env`'s task observation (in the root's heading frame) into `out`
    /// ([`TaskParams::obs_dim`] values): MimicKit's `compute_steering_observations` and
    /// `compute_location_observations`.
    pub fn write_obs(&self, state: &SimState, env: usize, out: &mut [f32]) {
        let inv = heading_quat_inv(state.root_rot(env));
        let local = |v: Vec2| (inv * v.extend(0.0)).truncate();
        match self.params {
            TaskParams::Steering { .. } => {
                let d = local(self.tar_dir[env]);
                let f = local(self.face_dir[env]);
                out[..5].copy_from_slice(&[d.x, d.y, self.tar_speed[env], f.x, f.y]);
            }
            TaskParams::Location { .. } => {
                let root = state.root_pos(env);
                let p = local(self.tar_pos[env] - root.truncate());
                out[..2].copy_from_slice(&[p.x, p.y]);
            }
        }
    }

    /// Env `env`'s task reward for the control step just taken (`dt` seconds), from the
    /// root's displacement over it; then the root becomes the next step's start. MimicKit's
    /// `compute_steering_reward` and `compute_location_reward`.
    pub fn reward(&mut self, state: &SimState, env: usize, dt: f32) -> f32 {
        let root = state.root_pos(env);
        let vel = ((root - self.prev_root[env]) / dt).truncate();
        self.prev_root[env] = root;
        let facing =
            (crate::anim::rotation::heading_quat(state.root_rot(env)) * Vec3::X).truncate();
        match self.params {
            TaskParams::Steering {
                tar_w,
                face_w,
                vel_scale,
                ..
            } => {
                let dir = self.tar_dir[env];
                let err = (self.tar_speed[env] * dir - vel).length_squared();
                let tar = if dir.dot(vel) < 0.0 {
                    0.0
                } else {
                    (-vel_scale * err).exp()
                };
                let face = self.face_dir[env].dot(facing).max(0.0);
                tar_w * tar + face_w * face
            }
            TaskParams::Location { speed, .. } => {
                const DIST_THRESHOLD: f32 = 0.5;
                let diff = self.tar_pos[env] - root.truncate();
                let pos_err = diff.length_squared();
                let pos = (-0.5 * pos_err).exp();
                // torch's normalize: a zero vector stays zero.
                let dir = diff.normalize_or_zero();
                let dir_speed = dir.dot(vel);
                let lag = (speed - dir_speed).max(0.0);
                let (mut vel_r, mut face_r) = ((-4.0 * lag * lag).exp(), dir.dot(facing).max(0.0));
                if dir_speed <= 0.0 {
                    vel_r = 0.0;
                }
                // MimicKit compares the squared distance with the threshold.
                if pos_err < DIST_THRESHOLD {
                    vel_r = 1.0;
                    face_r = 1.0;
                }
                0.5 * pos + 0.4 * vel_r + 0.1 * face_r
            }
        }
    }
}
