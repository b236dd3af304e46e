//! ASE's skill latents per environment (MimicKit's `ase_agent.py`): each env draws a new z at
//! reset and again after a random number of control steps; a game or the viewer may set a z
//! once, or hold one until it releases it.

use rand::RngExt;

use crate::SeededRng;
use crate::learning::latents::{normalize, sample_unit};

/// How many control steps a latent lasts: drawn uniformly from `min_steps..=max_steps`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LatentSchedule {
    /// Fewest steps (at least 1).
    pub min_steps: u32,
    /// Most steps.
    pub max_steps: u32,
}

impl LatentSchedule {
    /// The schedule for `latent_time_min..latent_time_max` seconds at `step_dt` per step.
    pub fn from_times(time_min: f64, time_max: f64, step_dt: f64) -> Self {
        let steps = |t: f64| ((t / step_dt.max(1e-6)).round() as u32).max(1);
        let min_steps = steps(time_min);
        Self {
            min_steps,
            max_steps: steps(time_max).max(min_steps),
        }
    }

    fn draw(self, rng: &mut SeededRng) -> u32 {
        rng.random_range(self.min_steps..=self.max_steps)
    }
}

/// The latents of a batch of environments, with their timers and holds.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LatentSlots {
    dim: usize,
    schedule: LatentSchedule,
    z: Vec<f32>,
    steps_left: Vec<u32>,
    held: Vec<bool>,
    /// Draw a new z at the next step (the env was reset).
    redraw: Vec<bool>,
}

impl LatentSlots {
    /// No environments yet; latents of `dim` values changing on `schedule`.
    pub fn new(dim: usize, schedule: LatentSchedule) -> Self {
        Self {
            dim,
            schedule,
            z: Vec::new(),
            steps_left: Vec::new(),
            held: Vec::new(),
            redraw: Vec::new(),
        }
    }

    /// Values per latent.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Whether every per-env vector has one entry per env (a latent of `dim` values each):
    /// what a checkpoint's copy must satisfy before it replaces the agent's.
    pub fn is_well_formed(&self) -> bool {
        let n = self.held.len();
        self.z.len() == n * self.dim
            && self.steps_left.len() == n
            && self.redraw.len() == n
            && self.schedule.min_steps >= 1
            && self.schedule.min_steps <= self.schedule.max_steps
    }

    /// Number of environments.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    /// Whether there are no environments.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Makes room for `n` environments; new ones get a latent at their next step.
    pub fn resize(&mut self, n: usize) {
        self.z.resize(n * self.dim, 0.0);
        self.steps_left.resize(n, 0);
        self.held.resize(n, false);
        self.redraw.resize(n, true);
    }

    /// Env `env`'s current latent.
    pub fn z(&self, env: usize) -> &[f32] {
        &self.z[env * self.dim..(env + 1) * self.dim]
    }

    /// All latents, `[len × dim]`.
    pub fn all(&self) -> &[f32] {
        &self.z
    }

    /// Whether env `env`'s latent is held (never redrawn).
    pub fn is_held(&self, env: usize) -> bool {
        self.held.get(env).copied().unwrap_or(false)
    }

    /// Sets env `env`'s latent (normalised onto the unit sphere) and restarts its timer; it
    /// changes again on the schedule unless held. Out-of-range envs are ignored.
    pub fn set(&mut self, env: usize, z: &[f32]) {
        if env >= self.len() || z.len() != self.dim {
            return;
        }
        let dst = &mut self.z[env * self.dim..(env + 1) * self.dim];
        dst.copy_from_slice(z);
        normalize(dst);
        self.redraw[env] = false;
        // A zero timer means "draw a duration at the next step" for a set latent.
        self.steps_left[env] = 0;
    }

    /// Sets env `env`'s latent and keeps it until [`release`](Self::release).
    pub fn hold(&mut self, env: usize, z: &[f32]) {
        if env >= self.len() || z.len() != self.dim {
            return;
        }
        self.set(env, z);
        self.held[env] = true;
    }

    /// Lets env `env`'s latent change on the schedule again (from now).
    pub fn release(&mut self, env: usize) {
        if env < self.len() {
            self.held[env] = false;
        }
    }

    /// Draws a fresh random latent for env `env` now (even if held: the hold then keeps it).
    pub fn randomize(&mut self, env: usize, rng: &mut SeededRng) {
        if env < self.len() {
            let dim = self.dim;
            sample_unit(&mut self.z[env * dim..(env + 1) * dim], rng);
            self.steps_left[env] = self.schedule.draw(rng);
            self.redraw[env] = false;
        }
    }

    /// Marks env `env` as reset: it draws a new latent at its next step unless held.
    pub fn episode_ended(&mut self, env: usize) {
        if env < self.len() {
            self.redraw[env] = true;
        }
    }

    /// Before a control step: redraws the latents of reset envs and of envs whose time is up
    /// (unless held), and counts the step.
    pub fn advance(&mut self, rng: &mut SeededRng) {
        let dim = self.dim;
        for env in 0..self.len() {
            if self.held[env] {
                self.redraw[env] = false;
                continue;
            }
            if self.redraw[env] {
                sample_unit(&mut self.z[env * dim..(env + 1) * dim], rng);
                self.steps_left[env] = self.schedule.draw(rng);
                self.redraw[env] = false;
            } else if self.steps_left[env] == 0 {
                // A latent set from outside gets its own duration; an expired one is replaced.
                self.steps_left[env] = self.schedule.draw(rng);
            }
            self.steps_left[env] -= 1;
            if self.steps_left[env] == 0 {
                self.redraw[env] = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn norm(z: &[f32]) -> f32 {
        z.iter().map(|x| x * x).sum::<f32>().sqrt()
    }

    #[test]
    fn latents_change_on_schedule_at_resets_and_never_while_held() {
        let mut rng = SeededRng::seed_from_u64(3);
        let schedule = LatentSchedule::from_times(0.1, 0.2, 1.0 / 30.0);
        assert_eq!((schedule.min_steps, schedule.max_steps), (3, 6));
        let mut slots = LatentSlots::new(8, schedule);
        slots.resize(3);
        slots.advance(&mut rng);
        for env in 0..3 {
            assert!((norm(slots.z(env)) - 1.0).abs() < 1e-5);
        }
        // Env 0 resampled within 6 steps; env 1 held for 50.
        let held = vec![0.5f32; 8];
        slots.hold(1, &held);
        let first = slots.z(0).to_vec();
        let mut changes = 0;
        let mut last = first.clone();
        for _ in 0..60 {
            slots.advance(&mut rng);
            if slots.z(0) != last.as_slice() {
                changes += 1;
                last = slots.z(0).to_vec();
                assert!((norm(&last) - 1.0).abs() < 1e-5);
            }
            assert!(
                (slots.z(1)[0] - 1.0 / 8f32.sqrt()).abs() < 1e-6,
                "held z moved"
            );
        }
        assert!(
            (10..=20).contains(&changes),
            "{changes} changes in 60 steps"
        );
        // A reset redraws at the next step; a released latent changes again.
        let before = slots.z(2).to_vec();
        slots.episode_ended(2);
        slots.advance(&mut rng);
        assert_ne!(slots.z(2), before.as_slice());
        slots.release(1);
        for _ in 0..7 {
            slots.advance(&mut rng);
        }
        assert!((slots.z(1)[0] - 1.0 / 8f32.sqrt()).abs() > 1e-6);
    }
}
