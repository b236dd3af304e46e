//! Domain randomisation (bevy_mimic's own `domain_rand:` env block): per-env body masses,
//! friction, PD gain factors and action delays drawn at every reset, and pushes of the root at
//! random times, so that a policy does not fit one simulator's exact dynamics.
//! Engine-independent: masses, friction and gains reach the engine through [`DomainRand`]'s
//! fields (it applies masses and friction when it writes a reset state), pushes through
//! [`StateWrites`], delays by rewriting [`PdTargets`] before the engine reads them.

use bevy::prelude::*;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

use super::plugin::{PdTargets, SimReady, SimSettings};
use super::worlds::{StateWrite, StateWrites};
use crate::SeededRng;

/// The longest action delay allowed (control steps).
pub const MAX_ACTION_DELAY: u32 = 10;

/// What is randomised; every entry is off when absent. Ranges are `[min, max]`, drawn uniformly.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainRandConfig {
    /// Every body's mass (and inertia) times a factor, drawn per body and env at each reset.
    #[serde(default)]
    pub body_mass_scale: Option<[f32; 2]>,
    /// The friction coefficient of the character's colliders (combined with the ground's by
    /// their average), drawn per env at each reset.
    #[serde(default)]
    pub friction: Option<[f32; 2]>,
    /// Every DoF's PD stiffness and damping times a factor, drawn per env at each reset.
    #[serde(default)]
    pub pd_gain_scale: Option<[f32; 2]>,
    /// PD targets reach the joints this many control steps late, drawn per env at each reset.
    #[serde(default)]
    pub action_delay_steps: Option<[u32; 2]>,
    /// Seconds between two pushes of a character, drawn anew after each (with `push_speed`).
    #[serde(default)]
    pub push_interval_s: Option<[f32; 2]>,
    /// A push changes the root's horizontal velocity by up to this (m/s), in a random direction.
    #[serde(default)]
    pub push_speed: Option<f32>,
}

impl DomainRandConfig {
    /// Checks the ranges; the error names the key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let bad = |key: &str, why: String| Err((format!("domain_rand.{key}"), why));
        for (key, range) in [
            ("body_mass_scale", self.body_mass_scale),
            ("pd_gain_scale", self.pd_gain_scale),
        ] {
            if let Some([a, b]) = range
                && !(a.is_finite() && b.is_finite() && a > 0.0 && a <= b)
            {
                return bad(key, format!("needs 0 < min <= max, got [{a}, {b}]"));
            }
        }
        if let Some([a, b]) = self.friction
            && !(a.is_finite() && b.is_finite() && a >= 0.0 && a <= b)
        {
            return bad("friction", format!("needs 0 <= min <= max, got [{a}, {b}]"));
        }
        if let Some([a, b]) = self.action_delay_steps
            && !(a <= b && b <= MAX_ACTION_DELAY)
        {
            return bad(
                "action_delay_steps",
                format!("needs min <= max <= {MAX_ACTION_DELAY}, got [{a}, {b}]"),
            );
        }
        match (self.push_interval_s, self.push_speed) {
            (Some([a, b]), Some(v)) => {
                if !(a.is_finite() && b.is_finite() && a > 0.0 && a <= b) {
                    return bad(
                        "push_interval_s",
                        format!("needs 0 < min <= max, got [{a}, {b}]"),
                    );
                }
                if !(v.is_finite() && v >= 0.0) {
                    return bad("push_speed", format!("must be >= 0 (m/s), got {v}"));
                }
            }
            (Some(_), None) => return bad("push_interval_s", "needs push_speed too".into()),
            (None, Some(_)) => return bad("push_speed", "needs push_interval_s too".into()),
            (None, None) => {}
        }
        Ok(())
    }

    /// Whether anything is randomised.
    pub fn is_active(&self) -> bool {
        self.body_mass_scale.is_some()
            || self.friction.is_some()
            || self.pd_gain_scale.is_some()
            || self.action_delay_steps.is_some()
            || self.push_interval_s.is_some()
    }
}

/// The randomisation's state: the current draws per env and the delayed targets.
#[derive(Resource, Clone, Debug)]
pub struct DomainRand {
    config: DomainRandConfig,
    /// Per env and body (`[env * num_bodies + body]`): the factor on its mass (1 without
    /// `body_mass_scale`).
    pub mass_scale: Vec<f32>,
    /// Per env: the character's friction coefficient (`None` without `friction`: the
    /// engine's own).
    pub friction: Vec<Option<f32>>,
    /// Per env: the factor on the PD gains (1 without `pd_gain_scale`).
    pub gain_scale: Vec<f32>,
    /// Per env: control steps the PD targets are late.
    pub delay: Vec<u32>,
    /// Per env: control steps until the next push.
    steps_to_push: Vec<u32>,
    /// Per env, the last `MAX_ACTION_DELAY + 1` targets, newest at `head`.
    history: Vec<f32>,
    head: usize,
    num_bodies: usize,
    num_dofs: usize,
    control_dt: f32,
    rng: SeededRng,
}

impl DomainRand {
    /// Randomisation per `config` for `num_envs` characters of `num_bodies` bodies and
    /// `num_dofs` DoFs stepped every `control_dt` seconds, drawing from `seed`.
    pub fn new(
        config: DomainRandConfig,
        num_envs: usize,
        num_bodies: usize,
        num_dofs: usize,
        control_dt: f32,
        seed: u64,
    ) -> Self {
        let mut dr = Self {
            config,
            mass_scale: vec![1.0; num_envs * num_bodies],
            friction: vec![None; num_envs],
            gain_scale: vec![1.0; num_envs],
            delay: vec![0; num_envs],
            steps_to_push: vec![u32::MAX; num_envs],
            history: vec![0.0; num_envs * (MAX_ACTION_DELAY as usize + 1) * num_dofs],
            head: 0,
            num_bodies,
            num_dofs,
            control_dt,
            rng: SeededRng::seed_from_u64(seed),
        };
        for env in 0..num_envs {
            dr.draw(env);
        }
        dr
    }

    /// The configuration.
    pub fn config(&self) -> &DomainRandConfig {
        &self.config
    }

    /// Env `env`'s factors on its bodies' masses.
    pub fn body_mass_scales(&self, env: usize) -> &[f32] {
        &self.mass_scale[env * self.num_bodies..(env + 1) * self.num_bodies]
    }

    /// New draws for env `env` (at a reset).
    fn draw(&mut self, env: usize) {
        let c = &self.config;
        if let Some([a, b]) = c.body_mass_scale {
            let nb = self.num_bodies;
            for s in &mut self.mass_scale[env * nb..(env + 1) * nb] {
                *s = self.rng.random_range(a..=b);
            }
        }
        if let Some([a, b]) = c.friction {
            self.friction[env] = Some(self.rng.random_range(a..=b));
        }
        if let Some([a, b]) = c.pd_gain_scale {
            self.gain_scale[env] = self.rng.random_range(a..=b);
        }
        if let Some([a, b]) = c.action_delay_steps {
            self.delay[env] = self.rng.random_range(a..=b);
        }
        self.steps_to_push[env] = self.next_push();
    }

    fn next_push(&mut self) -> u32 {
        match self.config.push_interval_s {
            Some([a, b]) => {
                let s = self.rng.random_range(a..=b);
                ((s / self.control_dt).round() as u32).max(1)
            }
            None => u32::MAX,
        }
    }

    fn slots(&self) -> usize {
        MAX_ACTION_DELAY as usize + 1
    }

    /// Env `env`'s targets `age` control steps ago.
    fn past(&self, env: usize, age: usize) -> &[f32] {
        let slot = (self.head + self.slots() - age) % self.slots();
        let at = (env * self.slots() + slot) * self.num_dofs;
        &self.history[at..at + self.num_dofs]
    }
}

/// Draws new values for the envs reset since the last step (their targets' history starts
/// over), queues the pushes that are due, and replaces each env's PD targets by the ones of
/// `delay` steps ago. Runs in [`SimSet::Randomize`](super::SimSet::Randomize).
pub(crate) fn randomize(
    dr: Option<ResMut<DomainRand>>,
    ready: Res<SimReady>,
    settings: Res<SimSettings>,
    mut writes: ResMut<StateWrites>,
    mut targets: ResMut<PdTargets>,
) {
    let Some(mut dr) = dr else { return };
    if !ready.0 {
        return;
    }
    let dr = &mut *dr;
    let nd = dr.num_dofs;
    let n = settings.num_envs;
    // Only the delays need the targets' history.
    let delays = dr.config.action_delay_steps.is_some();
    if delays {
        dr.head = (dr.head + 1) % dr.slots();
        for env in 0..n {
            let at = (env * dr.slots() + dr.head) * nd;
            dr.history[at..at + nd].copy_from_slice(&targets.0[env * nd..(env + 1) * nd]);
        }
    }
    for write in writes.writes() {
        let &StateWrite::State { env, .. } = write else {
            continue;
        };
        dr.draw(env);
        if delays {
            // A new episode has no past: its delayed targets start at the current ones.
            let now = &targets.0[env * nd..(env + 1) * nd];
            for slot in 0..dr.slots() {
                let at = (env * dr.slots() + slot) * nd;
                dr.history[at..at + nd].copy_from_slice(now);
            }
        }
    }
    for env in 0..n {
        let d = dr.delay[env] as usize;
        if d > 0 {
            targets.0[env * nd..(env + 1) * nd].copy_from_slice(dr.past(env, d));
        }
        if let Some(speed) = dr.config.push_speed {
            dr.steps_to_push[env] = dr.steps_to_push[env].saturating_sub(1);
            if dr.steps_to_push[env] == 0 {
                let angle = dr
                    .rng
                    .random_range(-std::f32::consts::PI..std::f32::consts::PI);
                let magnitude = dr.rng.random_range(0.0..=speed);
                let dv = Vec2::from_angle(angle).extend(0.0) * magnitude;
                writes.push_root(env, dv);
                dr.steps_to_push[env] = dr.next_push();
            }
        }
    }
}
