//! How different the skills of random latents are: each of a few latents is held by one
//! character for a while, and its mean root velocity and the encoder's agreement with it are
//! recorded (the measure of skill diversity).

use crate::SeededRng;
use crate::env::VecEnv;
use crate::learning::agents::{ActMode, Agent};
use crate::learning::latents::sample_unit;
use crate::spaces::DoneCode;

/// One latent's behaviour.
#[derive(Clone, Debug, PartialEq)]
pub struct SkillRun {
    /// The latent held.
    pub z: Vec<f32>,
    /// Mean horizontal root velocity (world frame, m/s).
    pub mean_velocity: [f32; 2],
    /// Mean horizontal root speed (m/s).
    pub mean_speed: f32,
    /// Mean of z·ẑ, the encoder's reading of the character's windows against z.
    pub agreement: f32,
    /// Episodes that ended in a fall.
    pub falls: u32,
}

/// The runs of several latents.
#[derive(Clone, Debug, PartialEq)]
pub struct SkillDiversity {
    /// One run per latent.
    pub runs: Vec<SkillRun>,
    /// Seconds each latent was held (after the warm-up).
    pub seconds: f64,
}

fn mean_std(xs: impl Iterator<Item = f32> + Clone) -> (f32, f32) {
    let n = xs.clone().count().max(1) as f32;
    let mean = xs.clone().sum::<f32>() / n;
    let var = xs.map(|x| (x - mean).powi(2)).sum::<f32>() / n;
    (mean, var.sqrt())
}

impl SkillDiversity {
    /// Mean and standard deviation over the latents of the mean root speed.
    pub fn speed_spread(&self) -> (f32, f32) {
        mean_std(self.runs.iter().map(|r| r.mean_speed))
    }

    /// Mean and standard deviation over the latents of the encoder's agreement.
    pub fn agreement_spread(&self) -> (f32, f32) {
        mean_std(self.runs.iter().map(|r| r.agreement))
    }

    /// Falls per minute over all latents.
    pub fn falls_per_minute(&self) -> f64 {
        let falls: u32 = self.runs.iter().map(|r| r.falls).sum();
        let minutes = self.seconds * self.runs.len().max(1) as f64 / 60.0;
        f64::from(falls) / minutes.max(1e-9)
    }
}

/// Holds `num_latents` random latents (drawn from `rng`), one per env of `env` (which must
/// have that many envs), acting deterministically for `warmup_steps` and then `steps` control
/// steps; fallen characters are reset and go on with the same latent.
pub fn measure_skill_diversity(
    agent: &mut Agent,
    env: &mut dyn VecEnv,
    warmup_steps: usize,
    steps: usize,
    rng: &mut SeededRng,
) -> SkillDiversity {
    let n = env.num_envs();
    let dim = agent.latent_dim();
    let mut zs = vec![0.0f32; n * dim];
    for z in zs.chunks_exact_mut(dim.max(1)) {
        sample_unit(z, rng);
    }
    if let Some(slots) = agent.latents_mut(ActMode::Deterministic) {
        slots.resize(n);
        for (e, z) in zs.chunks_exact(dim.max(1)).enumerate() {
            slots.hold(e, z);
        }
    }
    let all: Vec<usize> = (0..n).collect();
    env.reset(&all, rng);
    let mut vel = vec![[0.0f32; 2]; n];
    let mut speed = vec![0.0f32; n];
    let mut agree = vec![0.0f32; n];
    let mut falls = vec![0u32; n];
    let mut finished = Vec::new();
    for step in 0..warmup_steps + steps {
        let actions = agent.act(env.obs(), ActMode::Deterministic).to_vec();
        env.step(&actions);
        let counted = step >= warmup_steps;
        if counted {
            let z_hat = agent.encode(env.disc_obs());
            for e in 0..n {
                let [vx, vy, _] = env.root_velocity(e).unwrap_or([0.0; 3]);
                vel[e][0] += vx;
                vel[e][1] += vy;
                speed[e] += (vx * vx + vy * vy).sqrt();
                if dim > 0 && z_hat.len() == n * dim {
                    agree[e] += zs[e * dim..(e + 1) * dim]
                        .iter()
                        .zip(&z_hat[e * dim..(e + 1) * dim])
                        .map(|(a, b)| a * b)
                        .sum::<f32>();
                }
            }
        }
        finished.clear();
        for (e, d) in env.dones().iter().enumerate() {
            if d.is_done() {
                finished.push(e);
                if *d == DoneCode::Fail && counted {
                    falls[e] += 1;
                }
            }
        }
        if !finished.is_empty() {
            env.reset(&finished, rng);
        }
    }
    let k = steps.max(1) as f32;
    let runs = (0..n)
        .map(|e| SkillRun {
            z: zs[e * dim..(e + 1) * dim].to_vec(),
            mean_velocity: [vel[e][0] / k, vel[e][1] / k],
            mean_speed: speed[e] / k,
            agreement: agree[e] / k,
            falls: falls[e],
        })
        .collect();
    SkillDiversity {
        runs,
        seconds: steps as f64 * env.step_dt(),
    }
}
