//! ASE skills after training: named skills (the latent the encoder reads from each clip),
//! steering a character's latent from a game or the viewer, and a measure of how different the
//! skills of random latents are.

#[cfg(feature = "train")]
mod diversity;
mod steering;

#[cfg(feature = "train")]
pub use diversity::{SkillDiversity, SkillRun, measure_skill_diversity};
pub use steering::{SkillSteering, apply_steering, mirror_steering};

#[cfg(feature = "train")]
use crate::learning::agents::Agent;
use crate::learning::agents::{ActMode, LatentSlots};
use crate::learning::latents::normalize;
use crate::learning::policy::Policy;

/// What steering needs of a policy with latents: the training agent (which keeps one set of
/// latents for exploring rollouts and one for deterministic ones) or a play-mode [`Policy`]
/// (one set; `mode` is ignored).
pub trait SkillPolicy {
    /// Values per latent (0 without ASE).
    fn latent_dim(&self) -> usize;
    /// The latents used in `mode`.
    fn slots(&self, mode: ActMode) -> Option<&LatentSlots>;
    /// The latents used in `mode`, to change.
    fn slots_mut(&mut self, mode: ActMode) -> Option<&mut LatentSlots>;
    /// Draws a random latent for env `env` of `mode`.
    fn randomize(&mut self, mode: ActMode, env: usize);
    /// The encoder's ẑ of raw discriminator windows (empty without an encoder).
    fn encode(&mut self, raw_disc_obs: &[f32]) -> Vec<f32>;
}

impl SkillPolicy for Policy {
    fn latent_dim(&self) -> usize {
        Policy::latent_dim(self)
    }
    fn slots(&self, _: ActMode) -> Option<&LatentSlots> {
        self.latents()
    }
    fn slots_mut(&mut self, _: ActMode) -> Option<&mut LatentSlots> {
        self.latents_mut()
    }
    fn randomize(&mut self, _: ActMode, env: usize) {
        self.randomize_latent(env);
    }
    fn encode(&mut self, raw_disc_obs: &[f32]) -> Vec<f32> {
        Policy::encode(self, raw_disc_obs)
    }
}

#[cfg(feature = "train")]
impl SkillPolicy for Agent {
    fn latent_dim(&self) -> usize {
        Agent::latent_dim(self)
    }
    fn slots(&self, mode: ActMode) -> Option<&LatentSlots> {
        self.latents(mode)
    }
    fn slots_mut(&mut self, mode: ActMode) -> Option<&mut LatentSlots> {
        self.latents_mut(mode)
    }
    fn randomize(&mut self, mode: ActMode, env: usize) {
        self.randomize_latent(mode, env);
    }
    fn encode(&mut self, raw_disc_obs: &[f32]) -> Vec<f32> {
        Agent::encode(self, raw_disc_obs)
    }
}

/// Windows per clip the encoder reads to name a skill.
pub const WINDOWS_PER_SKILL: usize = 64;

/// The file of a play-only ASE shipment that holds its named skills, computed when it was
/// shipped (its encoder, which names them, is left out).
pub const SKILLS_FILE: &str = "skills.yaml";

/// A latent with a name: the skill that reproduces a clip.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NamedSkill {
    /// The clip's name.
    pub name: String,
    /// The unit latent.
    pub z: Vec<f32>,
}

/// The latent of a set of raw discriminator windows: the mean of the encoder's ẑ over the
/// windows, normalised (ASE's encoder maps motion to the latent that produces it). `None`
/// without an encoder or windows.
pub fn skill_of_windows(agent: &mut impl SkillPolicy, windows: &[f32]) -> Option<Vec<f32>> {
    let dim = agent.latent_dim();
    if dim == 0 || windows.is_empty() {
        return None;
    }
    let z_hat = agent.encode(windows);
    let rows = z_hat.len() / dim;
    if rows == 0 {
        return None;
    }
    let mut mean = vec![0.0f32; dim];
    for row in z_hat.chunks_exact(dim) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v / rows as f32;
        }
    }
    normalize(&mut mean);
    Some(mean)
}

/// One named skill per reference clip of the env behind `resets`: the latent the encoder
/// reads from [`WINDOWS_PER_SKILL`] windows of that clip. Empty without an encoder or clips.
pub fn named_skills(
    agent: &mut impl SkillPolicy,
    resets: &mut crate::env::character::resets::EnvResets,
    rng: &mut crate::SeededRng,
) -> Vec<NamedSkill> {
    if agent.latent_dim() == 0 || !resets.has_motions() {
        return Vec::new();
    }
    let mut skills = Vec::new();
    for (clip, name) in resets.clip_names().into_iter().enumerate() {
        let mut windows = Vec::new();
        resets.sample_clip_disc_obs(Some(clip), WINDOWS_PER_SKILL, rng, &mut windows);
        if let Some(z) = skill_of_windows(agent, &windows) {
            skills.push(NamedSkill { name, z });
        }
    }
    skills
}
