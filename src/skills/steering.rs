//! Steering ASE latents from a game: a resource that queues set / hold / release commands per
//! character and shows each character's current latent.

use bevy::prelude::*;

use super::{NamedSkill, SkillPolicy};
use crate::learning::agents::ActMode;
use crate::learning::latents::{normalize, slerp};

/// One change to a character's latent, applied before its next control step.
#[derive(Clone, Debug, PartialEq)]
enum SteerCommand {
    Set(usize, Vec<f32>),
    Hold(usize, Vec<f32>),
    Release(usize),
    Randomize(usize),
}

/// Each character's ASE latent z, and the way to change it. Env `i` is character `i`.
///
/// Commands take effect before the next control step; [`z`](Self::z) shows the latent the
/// policy acted on in the last step. Without an ASE policy [`is_active`](Self::is_active) is
/// false and commands are dropped.
#[derive(Resource, Clone, Debug, Default)]
pub struct SkillSteering {
    latent_dim: usize,
    current: Vec<f32>,
    held: Vec<bool>,
    commands: Vec<SteerCommand>,
    skills: Vec<NamedSkill>,
}

impl SkillSteering {
    /// Whether the policy takes latents (ASE).
    pub fn is_active(&self) -> bool {
        self.latent_dim > 0
    }

    /// Values per latent (0 without ASE).
    pub fn latent_dim(&self) -> usize {
        self.latent_dim
    }

    /// Characters whose latents are shown.
    pub fn num_envs(&self) -> usize {
        self.held.len()
    }

    /// Character `env`'s latent in the last control step.
    pub fn z(&self, env: usize) -> Option<&[f32]> {
        let d = self.latent_dim;
        (d > 0 && env < self.num_envs()).then(|| &self.current[env * d..(env + 1) * d])
    }

    /// Whether character `env`'s latent is held.
    pub fn is_held(&self, env: usize) -> bool {
        self.held.get(env).copied().unwrap_or(false)
    }

    /// Sets character `env`'s latent once (normalised); it changes again on the training
    /// schedule (a new random skill every 0–5 s and at each reset) unless held.
    pub fn set(&mut self, env: usize, z: &[f32]) {
        self.commands.push(SteerCommand::Set(env, unit(z)));
    }

    /// Sets character `env`'s latent and keeps it until [`release`](Self::release).
    pub fn hold(&mut self, env: usize, z: &[f32]) {
        self.commands.push(SteerCommand::Hold(env, unit(z)));
    }

    /// Lets character `env`'s latent change on the schedule again.
    pub fn release(&mut self, env: usize) {
        self.commands.push(SteerCommand::Release(env));
    }

    /// Draws a random latent for character `env` (kept if it is held).
    pub fn randomize(&mut self, env: usize) {
        self.commands.push(SteerCommand::Randomize(env));
    }

    /// Holds the named skill `name` for character `env`; false if there is no such skill.
    pub fn hold_skill(&mut self, env: usize, name: &str) -> bool {
        match self.skill(name) {
            Some(s) => {
                let z = s.z.clone();
                self.hold(env, &z);
                true
            }
            None => false,
        }
    }

    /// The named skills: one per reference clip, the latent the encoder reads from that
    /// clip's windows. Empty until the policy and its clips are loaded.
    pub fn skills(&self) -> &[NamedSkill] {
        &self.skills
    }

    /// The named skill `name`.
    pub fn skill(&self, name: &str) -> Option<&NamedSkill> {
        self.skills.iter().find(|s| s.name == name)
    }

    /// Replaces the named skills.
    pub fn set_skills(&mut self, skills: Vec<NamedSkill>) {
        self.skills = skills;
    }

    /// The latent a fraction `t` of the way from skill `a` to skill `b` on the sphere.
    pub fn blend(&self, a: usize, b: usize, t: f32) -> Option<Vec<f32>> {
        let (a, b) = (self.skills.get(a)?, self.skills.get(b)?);
        Some(slerp(&a.z, &b.z, t.clamp(0.0, 1.0)))
    }

    /// Commands waiting for the next control step.
    pub fn pending(&self) -> usize {
        self.commands.len()
    }
}

fn unit(z: &[f32]) -> Vec<f32> {
    let mut z = z.to_vec();
    normalize(&mut z);
    z
}

/// Applies the queued commands to `agent`'s latents of `mode` (call before it acts).
pub fn apply_steering(steering: &mut SkillSteering, agent: &mut impl SkillPolicy, mode: ActMode) {
    let dim = agent.latent_dim();
    steering.latent_dim = dim;
    if dim == 0 {
        steering.commands.clear();
        return;
    }
    for cmd in std::mem::take(&mut steering.commands) {
        let env = match &cmd {
            SteerCommand::Set(e, _)
            | SteerCommand::Hold(e, _)
            | SteerCommand::Release(e)
            | SteerCommand::Randomize(e) => *e,
        };
        // Deterministic latents grow with the characters acted on; a command may come first.
        if mode == ActMode::Deterministic
            && let Some(slots) = agent.slots_mut(mode)
            && slots.len() <= env
        {
            slots.resize(env + 1);
        }
        match cmd {
            SteerCommand::Randomize(env) => agent.randomize(mode, env),
            other => {
                let Some(slots) = agent.slots_mut(mode) else {
                    return;
                };
                match other {
                    SteerCommand::Set(env, z) if z.len() == dim => slots.set(env, &z),
                    SteerCommand::Hold(env, z) if z.len() == dim => slots.hold(env, &z),
                    SteerCommand::Release(env) => slots.release(env),
                    // A latent of the wrong size is dropped rather than guessed at.
                    _ => {}
                }
            }
        }
    }
}

/// Copies `agent`'s latents of `mode` into `steering` (call after it acts).
pub fn mirror_steering(steering: &mut SkillSteering, agent: &impl SkillPolicy, mode: ActMode) {
    let Some(slots) = agent.slots(mode) else {
        steering.latent_dim = 0;
        return;
    };
    steering.latent_dim = slots.dim();
    steering.current.clear();
    steering.current.extend_from_slice(slots.all());
    steering.held.clear();
    steering
        .held
        .extend((0..slots.len()).map(|env| slots.is_held(env)));
}
