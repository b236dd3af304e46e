//! Whether characters get up: laid on the ground (`task-eval --script getup`) or knocked down
//! while steering (`--script knockdown`), driven by their own policy or, with a get-up tracker
//! beside it ([`GetUpController`]), by the tracker until they stand.

use std::f32::consts::PI;

use glam::Vec2;
use rand::RngExt;

use crate::SeededRng;
use crate::env::VecEnv;
use crate::env::character::TaskTarget;
use crate::getup::GetUpController;
pub use crate::getup::{STANDING_HEIGHT, STANDING_HOLD_S};
use crate::learning::agents::{ActMode, Agent};
use crate::spaces::DoneCode;

/// The get-up script's clips: characters start in their first frames, lying on the ground.
pub const GETUP_MOTION_FILE: &str = "assets/motions/humanoid_getup.yaml";
/// A character that is not standing this long after being laid down (or falling) has not got
/// up (s).
pub const GETUP_LIMIT_S: f32 = 10.0;
/// After getting up, a character walks on this long before it is laid down again (s).
pub const WALK_ON_S: f32 = 3.0;
/// The knockdown script pushes a walking character this often (s, uniform) ...
pub const PUSH_INTERVAL_S: (f32, f32) = (3.0, 5.0);
/// ... and watches a risen one this long for walking on (s): at least
/// [`WALK_ON_DISTANCE`] along its command, without falling again.
pub const KNOCKDOWN_WALK_ON_S: f32 = 5.0;
/// How far a risen character must walk along its command in [`KNOCKDOWN_WALK_ON_S`] (m).
pub const WALK_ON_DISTANCE: f32 = 1.0;
/// The speed the scripts command (m/s).
const WALK_SPEED: f32 = 1.0;

/// What the get-up script measured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GetupEval {
    /// Times a character was laid on the ground.
    pub attempts: u32,
    /// Attempts in which it stood within [`GETUP_LIMIT_S`].
    pub recovered: u32,
    /// Mean seconds from lying to standing, over the recovered ones.
    pub mean_time_s: f64,
    /// Mean pelvis height right after being laid down (m): that the start is on the ground.
    pub start_height: f64,
    /// Characters × simulated minutes.
    pub minutes: f64,
}

impl GetupEval {
    /// Share of attempts that ended standing.
    pub fn recovered_share(&self) -> f64 {
        f64::from(self.recovered) / f64::from(self.attempts.max(1))
    }
}

/// What the knockdown script measured.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KnockdownEval {
    /// Pushes given.
    pub pushes: u32,
    /// Falls (the env's contact termination), pushed or not, that were watched to the end.
    pub falls: u32,
    /// Falls after which the character stood within [`GETUP_LIMIT_S`].
    pub recovered: u32,
    /// Mean seconds from the fall to standing, over the recovered ones.
    pub mean_time_s: f64,
    /// Falls of risen characters before they walked on (counted in `falls` too).
    pub fell_again: u32,
    /// Recovered characters that then walked [`WALK_ON_DISTANCE`] along their command within
    /// [`KNOCKDOWN_WALK_ON_S`] of the hand-back without falling again.
    pub walked_on: u32,
    /// Characters × simulated minutes.
    pub minutes: f64,
}

impl KnockdownEval {
    /// Share of falls that ended standing.
    pub fn recovered_share(&self) -> f64 {
        f64::from(self.recovered) / f64::from(self.falls.max(1))
    }

    /// Share of the recovered that walked on.
    pub fn walked_on_share(&self) -> f64 {
        f64::from(self.walked_on) / f64::from(self.recovered.max(1))
    }
}

/// The policy's actions for every character, the tracker's for those it drives.
fn act(agent: &mut Agent, env: &dyn VecEnv, getup: Option<&mut GetUpController>) -> Vec<f32> {
    let mut actions = agent.act(env.obs(), ActMode::Deterministic).to_vec();
    if let (Some(g), Some((_, state))) = (getup, env.sim_state()) {
        g.act(state, &mut actions);
    }
    actions
}

/// After a step: advances the tracker's attempt for `e`, if it drives it.
fn advance(getup: &mut Option<&mut GetUpController>, env: &dyn VecEnv, e: usize) {
    if let (Some(g), Some((_, state))) = (getup.as_deref_mut(), env.sim_state()) {
        g.advance(e, state);
    }
}

/// A random heading at the scripts' walking speed, given to `e`; returns its direction.
fn command_walk(env: &mut dyn VecEnv, e: usize, rng: &mut SeededRng) -> Vec2 {
    let dir = Vec2::from_angle(rng.random_range(-PI..PI));
    env.command_task(
        e,
        Some(TaskTarget::Heading {
            dir,
            speed: WALK_SPEED,
            face: dir,
        }),
    );
    dir
}

fn root_z(env: &dyn VecEnv, e: usize) -> f32 {
    env.root_position(e).map_or(0.0, |p| p[2])
}

fn root_xy(env: &dyn VecEnv, e: usize) -> Vec2 {
    env.root_position(e)
        .map_or(Vec2::ZERO, |p| Vec2::new(p[0], p[1]))
}

/// Lays every character of `env` on the ground (the env resets to the first frames of its
/// clips, [`GETUP_MOTION_FILE`]) and steers it at 1 m/s in a random direction for `steps`
/// control steps: an attempt succeeds once the pelvis stays above [`STANDING_HEIGHT`] for
/// [`STANDING_HOLD_S`] within [`GETUP_LIMIT_S`]; the time to rise is counted to the start of
/// that hold. A risen character walks on [`WALK_ON_S`] and is laid down again, as is one that
/// failed. With `getup`, the tracker drives each laid-down character until it hands it back.
/// The env must not end episodes on falls (`enable_early_termination: false`).
pub fn measure_getup(
    agent: &mut Agent,
    env: &mut dyn VecEnv,
    steps: usize,
    rng: &mut SeededRng,
    mut getup: Option<&mut GetUpController>,
) -> GetupEval {
    let n = env.num_envs();
    let dt = env.step_dt() as f32;
    let secs = |s: f32| (s / dt).round().max(1.0) as usize;
    let (hold, limit, walk_on) = (secs(STANDING_HOLD_S), secs(GETUP_LIMIT_S), secs(WALK_ON_S));
    let mut out = GetupEval::default();
    let mut elapsed = vec![0usize; n];
    let mut standing_for = vec![0usize; n];
    let mut risen_at: Vec<Option<usize>> = vec![None; n];
    let mut time_sum = 0.0f64;
    let mut height_sum = 0.0f64;
    let lay_down = |env: &mut dyn VecEnv,
                    ids: &[usize],
                    out: &mut GetupEval,
                    h: &mut f64,
                    getup: &mut Option<&mut GetUpController>,
                    rng: &mut SeededRng| {
        env.reset(ids, rng);
        for &e in ids {
            command_walk(env, e, rng);
            *h += f64::from(root_z(env, e));
            out.attempts += 1;
            if let (Some(g), Some((_, state))) = (getup.as_deref_mut(), env.sim_state()) {
                g.start(e, state);
            }
        }
    };
    let all: Vec<usize> = (0..n).collect();
    lay_down(env, &all, &mut out, &mut height_sum, &mut getup, rng);
    let mut again = Vec::new();
    for _ in 0..steps {
        let actions = act(agent, env, getup.as_deref_mut());
        env.step(&actions);
        again.clear();
        for e in 0..n {
            advance(&mut getup, env, e);
            elapsed[e] += 1;
            standing_for[e] = if root_z(env, e) > STANDING_HEIGHT {
                standing_for[e] + 1
            } else {
                0
            };
            if risen_at[e].is_none() && standing_for[e] >= hold {
                let t = elapsed[e] - hold;
                risen_at[e] = Some(elapsed[e]);
                out.recovered += 1;
                time_sum += t as f64 * f64::from(dt);
            }
            let done = env.dones()[e].is_done();
            let walked_on = risen_at[e].is_some_and(|r| elapsed[e] >= r + walk_on);
            let failed = risen_at[e].is_none() && elapsed[e] >= limit;
            if done || walked_on || failed {
                again.push(e);
            }
        }
        if !again.is_empty() {
            for &e in &again {
                elapsed[e] = 0;
                standing_for[e] = 0;
                risen_at[e] = None;
                if let Some(g) = getup.as_deref_mut() {
                    g.cancel(e);
                }
            }
            lay_down(env, &again, &mut out, &mut height_sum, &mut getup, rng);
        }
    }
    // Attempts still under way at the end count neither way.
    let open = risen_at.iter().filter(|r| r.is_none()).count() as u32;
    out.attempts -= open;
    out.start_height = height_sum / f64::from((out.attempts + open).max(1));
    out.mean_time_s = time_sum / f64::from(out.recovered.max(1));
    out.minutes = (n * steps) as f64 * f64::from(dt) / 60.0;
    out
}

/// One character's place in the knockdown script.
#[derive(Clone, Copy, Debug)]
enum Phase {
    /// Walking; pushed at the step given.
    Walking { push_at: usize },
    /// Fallen at the step given; standing for `up` steps.
    Down { since: usize, up: usize },
    /// Stood (or was handed back by the tracker) at the step given, from that position, walking
    /// along that direction.
    Risen { at: usize, from: Vec2, dir: Vec2 },
}

/// Steers every character of `env` at 1 m/s in random directions for `steps` control steps,
/// pushing its root by `push_speed` m/s in a random horizontal direction every 3–5 s. A fall
/// is the env's contact termination, which the script does not reset: the character's own
/// policy goes on, or with `getup` the tracker drives it until it hands it back. A fall is
/// recovered once the pelvis stays above [`STANDING_HEIGHT`] for [`STANDING_HOLD_S`] within
/// [`GETUP_LIMIT_S`] (time counted to the start of that hold); a risen character gets a new
/// heading and has walked on if it covers [`WALK_ON_DISTANCE`] along it within
/// [`KNOCKDOWN_WALK_ON_S`] of the tracker's hand-back without falling. One not up in time is
/// reset. The env must end episodes on falls (`enable_early_termination`) and have no episode
/// length within `steps`.
pub fn measure_knockdown(
    agent: &mut Agent,
    env: &mut dyn VecEnv,
    steps: usize,
    push_speed: f32,
    rng: &mut SeededRng,
    mut getup: Option<&mut GetUpController>,
) -> KnockdownEval {
    let n = env.num_envs();
    let dt = env.step_dt() as f32;
    let secs = |s: f32| (s / dt).round().max(1.0) as usize;
    let (hold, limit, walk_on) = (
        secs(STANDING_HOLD_S),
        secs(GETUP_LIMIT_S),
        secs(KNOCKDOWN_WALK_ON_S),
    );
    let next_push = |t: usize, rng: &mut SeededRng| {
        t + secs(rng.random_range(PUSH_INTERVAL_S.0..PUSH_INTERVAL_S.1))
    };
    let mut out = KnockdownEval::default();
    let all: Vec<usize> = (0..n).collect();
    env.reset(&all, rng);
    let mut phases: Vec<Phase> = all
        .iter()
        .map(|&e| {
            command_walk(env, e, rng);
            Phase::Walking {
                push_at: next_push(0, rng),
            }
        })
        .collect();
    let mut time_sum = 0.0f64;
    for t in 1..=steps {
        let actions = act(agent, env, getup.as_deref_mut());
        env.step(&actions);
        for (e, phase) in phases.iter_mut().enumerate() {
            advance(&mut getup, env, e);
            let rising = getup.as_deref().is_some_and(|g| g.is_rising(e));
            let fell = env.dones()[e] == DoneCode::Fail && !rising;
            let standing = root_z(env, e) > STANDING_HEIGHT;
            *phase = match *phase {
                Phase::Walking { .. } | Phase::Risen { .. } if fell => {
                    out.falls += 1;
                    out.fell_again += u32::from(matches!(*phase, Phase::Risen { .. }));
                    if let (Some(g), Some((_, state))) = (getup.as_deref_mut(), env.sim_state()) {
                        g.start(e, state);
                    }
                    Phase::Down { since: t, up: 0 }
                }
                Phase::Walking { push_at } if t >= push_at => {
                    let dir = Vec2::from_angle(rng.random_range(-PI..PI)) * push_speed;
                    env.push_root(e, [dir.x, dir.y, 0.0]);
                    out.pushes += 1;
                    Phase::Walking {
                        push_at: next_push(t, rng),
                    }
                }
                p @ Phase::Walking { .. } => p,
                Phase::Down { since, up } => {
                    let up = if standing { up + 1 } else { 0 };
                    if up >= hold {
                        out.recovered += 1;
                        time_sum += (t - hold - since) as f64 * f64::from(dt);
                        let dir = command_walk(env, e, rng);
                        Phase::Risen {
                            at: t,
                            from: root_xy(env, e),
                            dir,
                        }
                    } else if t - since >= limit {
                        if let Some(g) = getup.as_deref_mut() {
                            g.cancel(e);
                        }
                        env.reset(&[e], rng);
                        command_walk(env, e, rng);
                        Phase::Walking {
                            push_at: next_push(t, rng),
                        }
                    } else {
                        Phase::Down { since, up }
                    }
                }
                // The walk-on window opens at the hand-back: a tracker may stand a character
                // up well before its clip has played out.
                Phase::Risen { dir, .. } if rising => Phase::Risen {
                    at: t,
                    from: root_xy(env, e),
                    dir,
                },
                Phase::Risen { at, from, dir } => {
                    let along = (root_xy(env, e) - from).dot(dir);
                    if along >= WALK_ON_DISTANCE && !rising {
                        out.walked_on += 1;
                        Phase::Walking {
                            push_at: next_push(t, rng),
                        }
                    } else if t - at >= walk_on {
                        Phase::Walking {
                            push_at: next_push(t, rng),
                        }
                    } else {
                        Phase::Risen { at, from, dir }
                    }
                }
            };
        }
    }
    // Falls still under way at the end count neither way.
    let open = phases
        .iter()
        .filter(|p| matches!(p, Phase::Down { .. }))
        .count() as u32;
    out.falls -= open;
    out.mean_time_s = time_sum / f64::from(out.recovered.max(1));
    out.minutes = (n * steps) as f64 * f64::from(dt) / 60.0;
    out
}
