//! The control-step schedule and how many control steps run per app update.
//!
//! Every system of one control step (targets → physics → state → env terms → learning) lives
//! in [`ControlStep`], which [`run_control_steps`] runs from `PostUpdate`. Headless training runs
//! exactly one control step per `App::update`; a window runs them at the simulation's real-time
//! pace, or as many as fit in a time budget ("fast"), independent of the frame rate.

use bevy::platform::time::Instant;
use std::time::Duration;

use bevy::ecs::schedule::ScheduleLabel;
use bevy::prelude::*;

use super::plugin::{SimPaused, SimSettings};

/// The schedule of one control step; see [`SimSet`](super::SimSet).
#[derive(ScheduleLabel, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ControlStep;

/// How many control steps one app update runs.
#[derive(Resource, Clone, Copy, Debug, PartialEq, Default)]
pub enum ControlPace {
    /// Exactly one per update (headless apps, tests, the engine behind `VecEnv`).
    #[default]
    EveryUpdate,
    /// As many as the elapsed real time times `speed` asks for (1.0: real time), at most
    /// `max_per_update`; time owed beyond that is dropped rather than caught up later.
    RealTime {
        /// Simulated seconds per real second.
        speed: f32,
        /// Cap per update, so a slow frame does not snowball.
        max_per_update: u32,
    },
    /// As many as fit in `budget` of wall time per update (at least one), or, when the rest of
    /// the frame (rendering) takes longer, as long as the rest of the last frame took, so the
    /// simulation gets at least half the time on a slow renderer.
    Fast {
        /// Least time the control steps may take per update.
        budget: Duration,
    },
}

/// Simulated time owed to [`ControlPace::RealTime`].
#[derive(Resource, Default)]
pub(crate) struct PaceClock {
    owed_s: f64,
    /// Wall time the control steps took in the last update.
    last_steps_s: f64,
}

/// Runs [`ControlStep`] as often as [`ControlPace`] says (once while [`SimPaused`], so state
/// reads and transform write-back still happen).
pub fn run_control_steps(world: &mut World) {
    let pace = world
        .get_resource::<ControlPace>()
        .copied()
        .unwrap_or_default();
    let paused = world.get_resource::<SimPaused>().is_some_and(|p| p.0);
    if paused {
        world.resource_mut::<PaceClock>().owed_s = 0.0;
        world.run_schedule(ControlStep);
        return;
    }
    match pace {
        ControlPace::EveryUpdate => world.run_schedule(ControlStep),
        ControlPace::RealTime {
            speed,
            max_per_update,
        } => {
            let dt = world
                .get_resource::<SimSettings>()
                .map_or(1.0 / 30.0, |s| 1.0 / f64::from(s.config.control_freq));
            let elapsed = world
                .get_resource::<Time<Real>>()
                .map_or(dt, |t| t.delta_secs_f64());
            let mut clock = world.resource_mut::<PaceClock>();
            clock.owed_s += elapsed * f64::from(speed.max(0.0));
            let due = (clock.owed_s / dt).floor();
            let steps = (due as u32).min(max_per_update);
            clock.owed_s = if due as u32 > max_per_update {
                0.0
            } else {
                clock.owed_s - due * dt
            };
            for _ in 0..steps {
                world.run_schedule(ControlStep);
            }
        }
        ControlPace::Fast { budget } => {
            let frame_s = world
                .get_resource::<Time<Real>>()
                .map_or(0.0, |t| t.delta_secs_f64());
            let rest_of_frame_s = (frame_s - world.resource::<PaceClock>().last_steps_s).max(0.0);
            let budget = budget.max(Duration::from_secs_f64(rest_of_frame_s.min(1.0)));
            let start = Instant::now();
            loop {
                world.run_schedule(ControlStep);
                // Something in the step (the end of a rollout, a pause) may ask to stop early.
                if start.elapsed() >= budget || world.resource::<SimPaused>().0 {
                    break;
                }
            }
            world.resource_mut::<PaceClock>().last_steps_s = start.elapsed().as_secs_f64();
        }
    }
}
