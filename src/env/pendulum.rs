//! Pendulum with Gym `Pendulum-v1` dynamics: a torque in [−2, 2] swings the pendulum up;
//! reward `−(θ² + 0.1 θ̇² + 0.001 u²)`; no failure, `Time` at the episode length.

use std::f32::consts::PI;

use rand::RngExt;

use super::{ClassicConfig, StepBuffers, VecEnv, episode_steps};
use crate::SeededRng;
use crate::spaces::ActionSpace;

const MAX_SPEED: f32 = 8.0;
const MAX_TORQUE: f32 = 2.0;
const DT: f32 = 0.05;
const G: f32 = 10.0;

/// `num_envs` pendulums; observation `[cos θ, sin θ, θ̇]`, θ = 0 upright.
pub struct Pendulum {
    state: Vec<[f32; 2]>,
    out: StepBuffers,
}

fn angle_normalize(x: f32) -> f32 {
    (x + PI).rem_euclid(2.0 * PI) - PI
}

impl Pendulum {
    /// Builds the environments; call [`VecEnv::reset`] before stepping.
    pub fn new(config: &ClassicConfig, num_envs: usize) -> Self {
        Self {
            state: vec![[0.0; 2]; num_envs],
            out: StepBuffers::new(
                num_envs,
                3,
                episode_steps(config.episode_length, f64::from(DT)),
            ),
        }
    }

    fn write_obs(&mut self, i: usize) {
        let [th, th_dot] = self.state[i];
        self.out
            .obs_mut(i)
            .copy_from_slice(&[th.cos(), th.sin(), th_dot]);
    }
}

impl VecEnv for Pendulum {
    fn obs_dim(&self) -> usize {
        3
    }

    fn action_space(&self) -> ActionSpace {
        ActionSpace::Box {
            low: vec![-MAX_TORQUE],
            high: vec![MAX_TORQUE],
        }
    }

    fn step_dt(&self) -> f64 {
        f64::from(DT)
    }

    fn reset(&mut self, env_ids: &[usize], rng: &mut SeededRng) {
        for &i in env_ids {
            self.state[i] = [rng.random_range(-PI..PI), rng.random_range(-1.0..1.0)];
            self.out.begin_episode(i);
            self.write_obs(i);
        }
    }

    fn step(&mut self, actions: &[f32]) {
        for (i, &action) in actions.iter().enumerate().take(self.state.len()) {
            let [th, th_dot] = self.state[i];
            let u = action.clamp(-MAX_TORQUE, MAX_TORQUE);
            let cost = angle_normalize(th).powi(2) + 0.1 * th_dot * th_dot + 0.001 * u * u;
            let new_th_dot =
                (th_dot + (3.0 * G / 2.0 * th.sin() + 3.0 * u) * DT).clamp(-MAX_SPEED, MAX_SPEED);
            self.state[i] = [th + new_th_dot * DT, new_th_dot];
            self.out.end_step(i, -cost, false);
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
    fn upright_and_still_costs_nothing_and_episodes_last_200_steps() {
        let mut env = Pendulum::new(&ClassicConfig::default(), 1);
        env.reset(&[0], &mut SeededRng::seed_from_u64(1));
        env.state[0] = [0.0, 0.0];
        env.step(&[0.0]);
        assert_eq!(env.rewards()[0], 0.0);
        assert_eq!(env.obs(), &[1.0, 0.0, 0.0]);
        for _ in 1..199 {
            env.step(&[0.0]);
            assert_eq!(env.dones()[0], DoneCode::Null);
        }
        env.step(&[0.0]);
        assert_eq!(env.dones()[0], DoneCode::Time);
    }

    #[test]
    fn hanging_down_costs_pi_squared() {
        let mut env = Pendulum::new(&ClassicConfig::default(), 1);
        env.state[0] = [PI, 0.0];
        env.step(&[5.0]);
        // Torque is clipped to 2: cost π² + 0.001·4.
        assert!((env.rewards()[0] + PI * PI + 0.004).abs() < 1e-4);
    }
}
