//! `bevy_mimic sim-bench`: control steps per second under random PD targets, the workload of
//! `shared/bench/mujoco_humanoid.py` (targets uniform in ±0.3 rad every control step; a character
//! whose pelvis drops below 0.3 m is reset to the standing pose).

use bevy::platform::time::Instant;
use std::time::Duration;

use bevy::tasks::{ComputeTaskPool, TaskPoolBuilder};
use rand::{RngExt, SeedableRng};

use super::config::{EngineConfig, EngineConfigError};
use super::headless::HeadlessSim;
use super::state::CharacterState;
use crate::SeededRng;
use crate::anim::character::CharacterModel;

/// One measured configuration.
#[derive(Clone, Debug)]
pub struct SimBenchResult {
    /// Characters simulated.
    pub num_envs: usize,
    /// Worlds (= threads).
    pub num_threads: usize,
    /// Control steps of the whole batch taken in the timed window.
    pub control_steps: u64,
    /// Timed wall seconds.
    pub seconds: f64,
    /// Characters reset after falling.
    pub resets: u64,
}

impl SimBenchResult {
    /// Control steps of the whole batch per second.
    pub fn steps_per_s(&self) -> f64 {
        self.control_steps as f64 / self.seconds
    }

    /// Character control steps per second (batch steps × characters).
    pub fn env_steps_per_s(&self) -> f64 {
        self.steps_per_s() * self.num_envs as f64
    }
}

/// Makes the compute pool `threads` wide before any engine starts (Bevy's task pools are
/// process-wide and keep the size they were first built with).
pub fn init_compute_pool(threads: usize) {
    ComputeTaskPool::get_or_init(|| TaskPoolBuilder::new().num_threads(threads).build());
}

/// Runs `num_envs` characters for about `seconds` of wall time after one warm-up second.
pub fn run_sim_bench(
    model: &CharacterModel,
    num_envs: usize,
    config: EngineConfig,
    seconds: f64,
    seed: u64,
) -> Result<SimBenchResult, EngineConfigError> {
    let num_threads = config.num_threads;
    let mut engine = HeadlessSim::new(model.clone(), num_envs, config)?;
    let standing = CharacterState::default_pose(model, [0.0, 0.0], 0.0);
    let mut rng = SeededRng::seed_from_u64(seed);
    let mut resets = 0;
    let mut control_steps = 0;
    let mut step = |engine: &mut HeadlessSim, resets: &mut u64| {
        for t in engine.pd_targets_mut() {
            *t = rng.random_range(-0.3..=0.3);
        }
        engine.step();
        for env in 0..num_envs {
            let st = engine.state();
            if st.root_pos(env).z < 0.3 || !st.env_is_valid(env) {
                engine.set_env_state(env, &standing);
                *resets += 1;
            }
        }
    };
    let warm_up = Instant::now();
    while warm_up.elapsed() < Duration::from_secs(1) {
        step(&mut engine, &mut resets);
    }
    resets = 0;
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < seconds {
        step(&mut engine, &mut resets);
        control_steps += 1;
    }
    Ok(SimBenchResult {
        num_envs,
        num_threads,
        control_steps,
        seconds: start.elapsed().as_secs_f64(),
        resets,
    })
}
