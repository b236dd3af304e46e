//! How well a task policy follows a game's commands: a scripted sequence of headings and
//! speeds (steering), or of points to walk to (location), on many characters at once, with
//! deterministic actions. `bevy_mimic task-eval` prints it.

use std::f32::consts::PI;

use glam::Vec2;
use rand::RngExt;

use crate::SeededRng;
use crate::env::VecEnv;
use crate::env::character::TaskTarget;
use crate::learning::agents::{ActMode, Agent};
use crate::spaces::DoneCode;

/// Heading changes the steering script draws from (degrees; each sign equally likely).
pub const TURNS_DEG: [f32; 3] = [45.0, 90.0, 180.0];
/// Speeds the steering script draws from (m/s).
pub const SPEEDS: [f32; 6] = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0];
/// Seconds between two commands of the steering script (uniform).
pub const CHANGE_INTERVAL_S: (f32, f32) = (5.0, 8.0);
/// The window after a change in which the errors are measured (seconds).
pub const MEASURE_WINDOW_S: (f32, f32) = (2.0, 4.0);
/// The measured velocity is the root's mean over this many seconds.
pub const VELOCITY_AVERAGE_S: f32 = 0.5;
/// Location targets lie this far from the character when drawn (m).
pub const TARGET_DISTANCE: f32 = 5.0;
/// A target counts as reached within this distance (m) ...
pub const REACH_RADIUS: f32 = 0.5;
/// ... in this many seconds.
pub const REACH_TIME_S: f32 = 8.0;

/// What the steering script measured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SteeringEval {
    /// Mean over measured changes of the heading error (degrees), per turn of [`TURNS_DEG`].
    pub heading_err_by_turn: [f64; 3],
    /// Measured changes per turn.
    pub changes_by_turn: [u32; 3],
    /// Mean speed error over all measured changes (m/s).
    pub speed_err: f64,
    /// Mean speed error (m/s) per commanded speed of [`SPEEDS`].
    pub speed_err_by_speed: [f64; 6],
    /// Measured changes per commanded speed.
    pub changes_by_speed: [u32; 6],
    /// Mean heading error over all measured changes (degrees).
    pub heading_err: f64,
    /// Changes measured (not cut by a fall).
    pub changes: u32,
    /// Falls (episodes ended in FAIL).
    pub falls: u32,
    /// Characters × simulated minutes.
    pub minutes: f64,
}

/// What the location script measured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LocationEval {
    /// Targets set.
    pub targets: u32,
    /// Targets reached within [`REACH_RADIUS`] in [`REACH_TIME_S`].
    pub reached: u32,
    /// Mean seconds to reach, over the reached ones.
    pub mean_time_s: f64,
    /// Falls.
    pub falls: u32,
    /// Characters × simulated minutes.
    pub minutes: f64,
}

impl SteeringEval {
    /// Falls per character-minute.
    pub fn falls_per_minute(&self) -> f64 {
        f64::from(self.falls) / self.minutes.max(1e-9)
    }
}

impl LocationEval {
    /// Share of targets reached.
    pub fn reached_share(&self) -> f64 {
        f64::from(self.reached) / f64::from(self.targets.max(1))
    }

    /// Falls per character-minute.
    pub fn falls_per_minute(&self) -> f64 {
        f64::from(self.falls) / self.minutes.max(1e-9)
    }
}

/// One character's place in the steering script.
#[derive(Clone, Default)]
struct Segment {
    heading: f32,
    speed: usize,
    turn: Option<usize>,
    step: usize,
    next_change: usize,
    heading_sum: f64,
    speed_sum: f64,
    samples: u32,
}

/// Drives every env of `env` with the steering script for `steps` control steps: a first
/// command at a random heading and speed, then every 5–8 s a turn from [`TURNS_DEG`] and a
/// speed from [`SPEEDS`]. Heading error is the angle between the commanded heading and the
/// root's horizontal velocity averaged over 0.5 s, speed error the difference of their
/// speeds, both averaged over 2–4 s after each change. A fall resets the character, drops the
/// change it was in, and starts it over with a new first command.
pub fn measure_steering(
    agent: &mut Agent,
    env: &mut dyn VecEnv,
    steps: usize,
    rng: &mut SeededRng,
) -> SteeringEval {
    let n = env.num_envs();
    let dt = env.step_dt() as f32;
    let secs = |s: f32| (s / dt).round() as usize;
    let avg = secs(VELOCITY_AVERAGE_S).max(1);
    let window = (secs(MEASURE_WINDOW_S.0), secs(MEASURE_WINDOW_S.1));
    let interval = (secs(CHANGE_INTERVAL_S.0), secs(CHANGE_INTERVAL_S.1));
    let mut vel_hist = vec![Vec2::ZERO; n * avg];
    let mut seg = vec![Segment::default(); n];
    let mut out = SteeringEval::default();
    let mut heading_sums = [0.0f64; 3];
    let mut speed_sums = [0.0f64; 6];
    let all: Vec<usize> = (0..n).collect();
    env.reset(&all, rng);
    let start = |env: &mut dyn VecEnv, e: usize, s: &mut Segment, rng: &mut SeededRng| {
        *s = Segment {
            heading: rng.random_range(-PI..PI),
            speed: rng.random_range(0..SPEEDS.len()),
            turn: None,
            step: 0,
            next_change: rng.random_range(interval.0..=interval.1),
            ..Segment::default()
        };
        command(env, e, s);
    };
    for (e, s) in seg.iter_mut().enumerate() {
        start(env, e, s, rng);
    }
    let mut finished = Vec::new();
    for _ in 0..steps {
        let actions = agent.act(env.obs(), ActMode::Deterministic).to_vec();
        env.step(&actions);
        finished.clear();
        for e in 0..n {
            let s = &mut seg[e];
            if env.dones()[e].is_done() {
                if env.dones()[e] == DoneCode::Fail {
                    out.falls += 1;
                }
                finished.push(e);
                continue;
            }
            let [vx, vy, _] = env.root_velocity(e).unwrap_or([0.0; 3]);
            vel_hist[e * avg + s.step % avg] = Vec2::new(vx, vy);
            s.step += 1;
            if s.turn.is_some() && s.step >= window.0.max(avg) && s.step < window.1 {
                let v = vel_hist[e * avg..(e + 1) * avg].iter().sum::<Vec2>() / avg as f32;
                let dir = Vec2::from_angle(s.heading);
                s.heading_sum += f64::from(dir.angle_to(v).abs().to_degrees());
                s.speed_sum += f64::from((SPEEDS[s.speed] - v.length()).abs());
                s.samples += 1;
            }
            if s.step >= s.next_change {
                if let (Some(turn), true) = (s.turn, s.samples > 0) {
                    let k = f64::from(s.samples);
                    heading_sums[turn] += s.heading_sum / k;
                    out.changes_by_turn[turn] += 1;
                    out.heading_err += s.heading_sum / k;
                    out.speed_err += s.speed_sum / k;
                    speed_sums[s.speed] += s.speed_sum / k;
                    out.changes_by_speed[s.speed] += 1;
                    out.changes += 1;
                }
                let turn = rng.random_range(0..TURNS_DEG.len());
                let sign = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
                *s = Segment {
                    heading: s.heading + sign * TURNS_DEG[turn].to_radians(),
                    speed: rng.random_range(0..SPEEDS.len()),
                    turn: Some(turn),
                    step: 0,
                    next_change: rng.random_range(interval.0..=interval.1),
                    ..Segment::default()
                };
                command(env, e, s);
            }
        }
        if !finished.is_empty() {
            env.reset(&finished, rng);
            for &e in &finished {
                start(env, e, &mut seg[e], rng);
            }
        }
    }
    for ((err, sum), count) in out
        .heading_err_by_turn
        .iter_mut()
        .zip(heading_sums)
        .zip(out.changes_by_turn)
    {
        *err = sum / f64::from(count.max(1));
    }
    for ((err, sum), count) in out
        .speed_err_by_speed
        .iter_mut()
        .zip(speed_sums)
        .zip(out.changes_by_speed)
    {
        *err = sum / f64::from(count.max(1));
    }
    out.heading_err /= f64::from(out.changes.max(1));
    out.speed_err /= f64::from(out.changes.max(1));
    out.minutes = (n * steps) as f64 * f64::from(dt) / 60.0;
    out
}

fn command(env: &mut dyn VecEnv, e: usize, s: &Segment) {
    let dir = Vec2::from_angle(s.heading);
    env.command_task(
        e,
        Some(TaskTarget::Heading {
            dir,
            speed: SPEEDS[s.speed],
            face: dir,
        }),
    );
}

/// Drives every env of `env` to targets [`TARGET_DISTANCE`] away in random directions for
/// `steps` control steps: a target is reached within [`REACH_RADIUS`] in [`REACH_TIME_S`], or
/// missed; either way the next is drawn from where the character stands. A fall misses the
/// target and resets the character.
pub fn measure_location(
    agent: &mut Agent,
    env: &mut dyn VecEnv,
    steps: usize,
    speed: f32,
    rng: &mut SeededRng,
) -> LocationEval {
    let n = env.num_envs();
    let dt = env.step_dt() as f32;
    let limit = (REACH_TIME_S / dt).round() as usize;
    let mut out = LocationEval::default();
    let mut target = vec![Vec2::ZERO; n];
    let mut elapsed = vec![0usize; n];
    let mut time_sum = 0.0f64;
    let all: Vec<usize> = (0..n).collect();
    env.reset(&all, rng);
    let new_target = |env: &mut dyn VecEnv,
                      e: usize,
                      t: &mut Vec2,
                      out: &mut LocationEval,
                      rng: &mut SeededRng| {
        let [x, y, _] = env.root_position(e).unwrap_or([0.0; 3]);
        *t = Vec2::new(x, y) + TARGET_DISTANCE * Vec2::from_angle(rng.random_range(-PI..PI));
        env.command_task(e, Some(TaskTarget::Point { pos: *t, speed }));
        out.targets += 1;
    };
    for (e, t) in target.iter_mut().enumerate() {
        new_target(env, e, t, &mut out, rng);
    }
    let mut finished = Vec::new();
    for _ in 0..steps {
        let actions = agent.act(env.obs(), ActMode::Deterministic).to_vec();
        env.step(&actions);
        finished.clear();
        for e in 0..n {
            if env.dones()[e].is_done() {
                if env.dones()[e] == DoneCode::Fail {
                    out.falls += 1;
                }
                finished.push(e);
                continue;
            }
            elapsed[e] += 1;
            let [x, y, _] = env.root_position(e).unwrap_or([0.0; 3]);
            let reached = Vec2::new(x, y).distance(target[e]) < REACH_RADIUS;
            if reached {
                out.reached += 1;
                time_sum += elapsed[e] as f64 * f64::from(dt);
            }
            if reached || elapsed[e] >= limit {
                elapsed[e] = 0;
                new_target(env, e, &mut target[e], &mut out, rng);
            }
        }
        if !finished.is_empty() {
            env.reset(&finished, rng);
            for &e in &finished {
                elapsed[e] = 0;
                new_target(env, e, &mut target[e], &mut out, rng);
            }
        }
    }
    // Targets still under way at the end were neither reached nor missed.
    out.targets -= n as u32;
    out.mean_time_s = time_sum / f64::from(out.reached.max(1));
    out.minutes = (n * steps) as f64 * f64::from(dt) / 60.0;
    out
}
