//! ASE skills after training: named skills (the latent the encoder reads from each clip),
//! steering a character's latent from a game or the viewer, and a measure of how different the
//! skills of random latents are.

mod diversity;
mod steering;

pub use diversity::{SkillDiversity, SkillRun, measure_skill_diversity};
pub use steering::{SkillSteering, apply_steering, mirror_steering};

use crate::learning::agents::Agent;
use crate::learning::latents::normalize;

/// Windows per clip the encoder reads to name a skill.
pub const WINDOWS_PER_SKILL: usize = 64;

/// A latent with a name: the skill that reproduces a clip.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedSkill {
    /// The clip's name.
    pub name: String,
    /// The unit latent.
    pub z: Vec<f32>,
}

/// The latent of a set of raw discriminator windows: the mean of the encoder's ẑ over the
/// windows, normalised (ASE's encoder maps motion to the latent that produces it). `None`
/// without an encoder or windows.
pub fn skill_of_windows(agent: &mut Agent, windows: &[f32]) -> Option<Vec<f32>> {
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
    agent: &mut Agent,
    resets: &mut crate::env::character::systems::EnvResets,
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
