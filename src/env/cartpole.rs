//! CartPole with Gym `CartPole-v1` dynamics: push left (0) or right (1); reward 1 per step;
//! `Fail` when the pole tilts past 12° or the cart leaves ±2.4 m; `Time` at the episode length.

use rand::RngExt;

use super::{ClassicConfig, StepBuffers, VecEnv, episode_steps};
use crate::SeededRng;
use crate::spaces::ActionSpace;

const GRAVITY: f32 = 9.8;
const MASS_CART: f32 = 1.0;
const MASS_POLE: f32 = 0.1;
const TOTAL_MASS: f32 = MASS_CART + MASS_POLE;
const HALF_LENGTH: f32 = 0.5;
const POLE_MASS_LENGTH: f32 = MASS_POLE * HALF_LENGTH;
const FORCE: f32 = 10.0;
const DT: f32 = 0.02;
const THETA_LIMIT: f32 = 12.0 * 2.0 * std::f32::consts::PI / 360.0;
const X_LIMIT: f32 = 2.4;

/// `num_envs` cart-poles; observation `[x, ẋ, θ, θ̇]`.
pub struct CartPole {
    state: Vec<[f32; 4]>,
    out: StepBuffers,
}

impl CartPole {
    /// Builds the environments; call [`VecEnv::reset`] before stepping.
    pub fn new(config: &ClassicConfig, num_envs: usize) -> Self {
        Self {
            state: vec![[0.0; 4]; num_envs],
            out: StepBuffers::new(
                num_envs,
                4,
                episode_steps(config.episode_length, f64::from(DT)),
            ),
        }
    }

    fn write_obs(&mut self, i: usize) {
        self.out.obs_mut(i).copy_from_slice(&self.state[i]);
    }
}

impl VecEnv for CartPole {
    fn obs_dim(&self) -> usize {
        4
    }

    fn action_space(&self) -> ActionSpace {
        ActionSpace::Discrete(2)
    }

    fn step_dt(&self) -> f64 {
        f64::from(DT)
    }

    fn reset(&mut self, env_ids: &[usize], rng: &mut SeededRng) {
        for &i in env_ids {
            for v in &mut self.state[i] {
                *v = rng.random_range(-0.05..0.05);
            }
            self.out.begin_episode(i);
            self.write_obs(i);
        }
    }

    fn step(&mut self, actions: &[f32]) {
        for (i, &action) in actions.iter().enumerate().take(self.state.len()) {
            let [x, x_dot, theta, theta_dot] = self.state[i];
            let force = if action >= 0.5 { FORCE } else { -FORCE };
            let (sin, cos) = theta.sin_cos();
            let temp = (force + POLE_MASS_LENGTH * theta_dot * theta_dot * sin) / TOTAL_MASS;
            let theta_acc = (GRAVITY * sin - cos * temp)
                / (HALF_LENGTH * (4.0 / 3.0 - MASS_POLE * cos * cos / TOTAL_MASS));
            let x_acc = temp - POLE_MASS_LENGTH * theta_acc * cos / TOTAL_MASS;
            let next = [
                x + DT * x_dot,
                x_dot + DT * x_acc,
                theta + DT * theta_dot,
                theta_dot + DT * theta_acc,
            ];
            self.state[i] = next;
            let failed = next[0].abs() > X_LIMIT || next[2].abs() > THETA_LIMIT;
            self.out.end_step(i, 1.0, failed);
            self.write_obs(i);
        }
    }

    fn buffers(&self) -> &StepBuffers {
        &self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spaces::DoneCode;
    use rand::SeedableRng;

    #[test]
    fn pushing_one_way_fails_and_time_limit_ends_with_time() {
        let mut env = CartPole::new(&ClassicConfig::default(), 2);
        let mut rng = SeededRng::seed_from_u64(0);
        env.reset(&[0, 1], &mut rng);
        assert!(env.obs().iter().all(|v| v.abs() <= 0.05));
        let mut steps = 0;
        while !env.dones()[0].is_done() {
            env.step(&[1.0, 1.0]);
            steps += 1;
        }
        assert_eq!(env.dones()[0], DoneCode::Fail);
        assert!(
            steps < 60,
            "always pushing right should topple the pole quickly ({steps})"
        );
        assert_eq!(env.rewards()[0], 1.0);

        let short = ClassicConfig {
            episode_length: 0.1,
        };
        let mut env = CartPole::new(&short, 1);
        env.reset(&[0], &mut rng);
        for _ in 0..4 {
            env.step(&[0.0]);
            assert_eq!(env.dones()[0], DoneCode::Null);
        }
        env.step(&[1.0]);
        assert_eq!(env.dones()[0], DoneCode::Time);
    }
}
