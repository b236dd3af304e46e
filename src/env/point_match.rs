//! A two-dimensional adversarial-imitation task, small enough to test AMP and ADD by learning.
//!
//! Each step the policy puts a point in [−2, 2]²; the env's reward is 0, so everything is
//! learnt from the discriminator.
//! - `mode: amp`: the observation is constant; the discriminator sees the point; demo
//!   observations are points drawn from N(`demo_mean`, `demo_std`²). The policy must move its
//!   points onto the demo distribution.
//! - `mode: add`: the observation is a target drawn uniformly in [−1, 1]² every step; the
//!   discriminator sees the difference target − point (the demo "at the same time" is the
//!   target), so the policy must learn to hit its target.

use rand::RngExt;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use super::{StepBuffers, VecEnv};
use crate::SeededRng;
use crate::spaces::{ActionSpace, DoneCode};

/// Which adversarial setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PointMatchMode {
    /// Match a demo distribution (AMP).
    Amp,
    /// Match the demo at the same time through the difference (ADD).
    Add,
}

/// Keys of a `point_match` env file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointMatchConfig {
    /// AMP or ADD.
    pub mode: PointMatchMode,
    /// Mean of the demo points (AMP).
    #[serde(default = "default_demo_mean")]
    pub demo_mean: [f32; 2],
    /// Standard deviation of the demo points (AMP).
    #[serde(default = "default_demo_std")]
    pub demo_std: f32,
    /// Steps per episode.
    #[serde(default = "default_episode_steps")]
    pub episode_steps: u32,
}

fn default_demo_mean() -> [f32; 2] {
    [0.8, -0.5]
}
fn default_demo_std() -> f32 {
    0.1
}
fn default_episode_steps() -> u32 {
    8
}

impl PointMatchConfig {
    /// Checks the values, naming the first bad key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if !(self.demo_std.is_finite() && self.demo_std > 0.0) {
            return Err((
                "demo_std".into(),
                format!("must be > 0, got {}", self.demo_std),
            ));
        }
        if self
            .demo_mean
            .iter()
            .any(|m| !m.is_finite() || m.abs() > 2.0)
        {
            return Err((
                "demo_mean".into(),
                "must lie in the action box [-2, 2]²".into(),
            ));
        }
        if self.episode_steps == 0 {
            return Err(("episode_steps".into(), "must be at least 1".into()));
        }
        Ok(())
    }
}

/// `num_envs` copies of the task.
pub struct PointMatch {
    config: PointMatchConfig,
    /// Draws the next targets; re-seeded from the caller's generator at every reset.
    rng: SeededRng,
    targets: Vec<[f32; 2]>,
    disc_obs: Vec<f32>,
    out: StepBuffers,
}

impl PointMatch {
    /// Builds the environments; call [`VecEnv::reset`] before stepping.
    pub fn new(config: &PointMatchConfig, num_envs: usize) -> Self {
        Self {
            config: config.clone(),
            rng: <SeededRng as rand::SeedableRng>::seed_from_u64(0),
            targets: vec![[0.0; 2]; num_envs],
            disc_obs: vec![0.0; num_envs * 2],
            out: StepBuffers::new(num_envs, 2, config.episode_steps),
        }
    }

    fn next_target(&mut self, i: usize) {
        if self.config.mode == PointMatchMode::Add {
            let rng = &mut self.rng;
            self.targets[i] = [rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)];
        }
        let t = self.targets[i];
        self.out.obs_mut(i).copy_from_slice(&t);
    }
}

impl VecEnv for PointMatch {
    fn obs_dim(&self) -> usize {
        2
    }

    fn action_space(&self) -> ActionSpace {
        ActionSpace::Box {
            low: vec![-2.0; 2],
            high: vec![2.0; 2],
        }
    }

    fn step_dt(&self) -> f64 {
        1.0
    }

    fn reset(&mut self, env_ids: &[usize], rng: &mut SeededRng) {
        self.rng = <SeededRng as rand::SeedableRng>::seed_from_u64(rng.random());
        for &i in env_ids {
            self.out.begin_episode(i);
            self.disc_obs[2 * i..2 * i + 2].fill(0.0);
            self.next_target(i);
        }
    }

    fn step(&mut self, actions: &[f32]) {
        for i in 0..self.targets.len() {
            let a = [
                actions[2 * i].clamp(-2.0, 2.0),
                actions[2 * i + 1].clamp(-2.0, 2.0),
            ];
            let d = &mut self.disc_obs[2 * i..2 * i + 2];
            match self.config.mode {
                PointMatchMode::Amp => d.copy_from_slice(&a),
                PointMatchMode::Add => {
                    let t = self.targets[i];
                    d.copy_from_slice(&[t[0] - a[0], t[1] - a[1]]);
                }
            }
            self.out.end_step(i, 0.0, false);
            if self.out.dones[i] == DoneCode::Null {
                self.next_target(i);
            }
        }
    }

    fn buffers(&self) -> &StepBuffers {
        &self.out
    }

    fn disc_obs_dim(&self) -> usize {
        2
    }

    fn disc_obs(&self) -> &[f32] {
        &self.disc_obs
    }

    fn sample_demo_disc_obs(&mut self, n: usize, rng: &mut SeededRng, out: &mut Vec<f32>) {
        let [mx, my] = self.config.demo_mean;
        let nx = Normal::new(mx, self.config.demo_std).expect("validated std");
        let ny = Normal::new(my, self.config.demo_std).expect("validated std");
        for _ in 0..n {
            out.push(nx.sample(rng));
            out.push(ny.sample(rng));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_discriminator_sees_the_point_or_the_difference() {
        let mut rng = SeededRng::seed_from_u64(3);
        let mut config = PointMatchConfig {
            mode: PointMatchMode::Amp,
            demo_mean: default_demo_mean(),
            demo_std: 0.1,
            episode_steps: 2,
        };
        let mut amp = PointMatch::new(&config, 2);
        amp.reset(&[0, 1], &mut rng);
        amp.step(&[0.5, 0.25, 3.0, -1.0]);
        assert_eq!(amp.disc_obs(), &[0.5, 0.25, 2.0, -1.0]);
        assert_eq!(amp.obs(), &[0.0; 4]);
        amp.step(&[0.0; 4]);
        assert_eq!(amp.dones(), &[DoneCode::Time, DoneCode::Time]);
        let mut demo = Vec::new();
        amp.sample_demo_disc_obs(2000, &mut rng, &mut demo);
        let mean_x = demo.iter().step_by(2).sum::<f32>() / 2000.0;
        assert!((mean_x - 0.8).abs() < 0.01);

        config.mode = PointMatchMode::Add;
        let mut add = PointMatch::new(&config, 1);
        add.reset(&[0], &mut rng);
        let t = [add.obs()[0], add.obs()[1]];
        add.step(&[0.1, -0.2]);
        assert_eq!(add.disc_obs(), &[t[0] - 0.1, t[1] + 0.2]);
    }
}
