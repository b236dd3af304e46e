//! An output iteration's deterministic test episodes inside the app: what `evaluate` counts
//! over a `VecEnv`, counted step by step by the live driver.

use crate::env::character::systems::EnvOutput;
use crate::spaces::DoneCode;
use crate::train::EvalStats;
use crate::train::episodes::EpisodeTracker;

/// Test episodes in progress.
pub(super) struct TestRun {
    tracker: EpisodeTracker,
    fails: u64,
    steps: u64,
    /// The envs whose episodes ended in the last step.
    finished: Vec<usize>,
}

impl TestRun {
    /// A test over `num_envs` envs, all just reset.
    pub(super) fn new(num_envs: usize) -> Self {
        Self {
            tracker: EpisodeTracker::new(num_envs),
            fails: 0,
            steps: 0,
            finished: Vec::new(),
        }
    }

    /// Episodes finished so far.
    pub(super) fn episodes(&self) -> u64 {
        self.tracker.episodes()
    }

    /// Counts one step of every env, reporting each episode that ended through `report(env,
    /// code, return, length)`; returns the envs to reset.
    pub(super) fn record_step(
        &mut self,
        output: &EnvOutput,
        report: &mut impl FnMut(usize, DoneCode, f64, u32),
    ) -> &[usize] {
        let (dones, rewards) = (&output.buffers.dones, &output.buffers.rewards);
        for (env, code) in dones.iter().enumerate() {
            if code.is_done() {
                let (ret, len) = self.tracker.running(env);
                report(env, *code, ret + f64::from(rewards[env]), len + 1);
            }
        }
        self.steps += dones.len() as u64;
        self.fails += dones.iter().filter(|d| **d == DoneCode::Fail).count() as u64;
        self.tracker.step(rewards, dones);
        self.finished.clear();
        self.finished
            .extend((0..dones.len()).filter(|&i| dones[i].is_done()));
        &self.finished
    }

    /// The test's statistics, with `dt` seconds per control step and the env's mean root
    /// speed and tracking errors over the test.
    pub(super) fn stats(
        &self,
        dt: f64,
        root_speed: Option<f64>,
        tracking: Option<[f64; 7]>,
    ) -> EvalStats {
        EvalStats {
            episodes: self.tracker.episodes(),
            mean_return: self.tracker.mean_return(),
            mean_length: self.tracker.mean_length(),
            fails: self.fails,
            sim_seconds: self.steps as f64 * dt,
            root_speed,
            tracking,
        }
    }
}
