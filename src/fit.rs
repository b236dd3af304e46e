//! Whether a checkpoint fits an env: the one check every load goes through (training resumes,
//! the live plugin's load request, `test`, play mode). It compares the observation size, the
//! action space, the discriminator's input and the character's fingerprint, and says which
//! one differs, naming the checkpoint and, for the character, the body.

use std::path::Path;

use crate::anim::character::CharacterModel;
use crate::anim::fingerprint::CharacterFingerprint;
use crate::learning::agents::AgentState;
use crate::spaces::ActionSpace;

/// The checkpoint file holding the character's fingerprint (YAML).
pub const CHARACTER_FILE: &str = "character.yaml";

/// What an env offers a policy.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvSpec {
    /// Values per observation.
    pub obs_dim: usize,
    /// The action space.
    pub action_space: ActionSpace,
    /// Values per discriminator observation (0 without one).
    pub disc_obs_dim: usize,
    /// The simulated character (none for the classic tasks).
    pub character: Option<CharacterFingerprint>,
}

impl EnvSpec {
    /// An env without a character.
    pub fn plain(obs_dim: usize, action_space: ActionSpace, disc_obs_dim: usize) -> Self {
        Self {
            obs_dim,
            action_space,
            disc_obs_dim,
            character: None,
        }
    }

    /// An env simulating `model`.
    pub fn character(
        obs_dim: usize,
        action_space: ActionSpace,
        disc_obs_dim: usize,
        model: &CharacterModel,
    ) -> Self {
        Self {
            obs_dim,
            action_space,
            disc_obs_dim,
            character: Some(CharacterFingerprint::of(model)),
        }
    }

    /// The checkpoint file with this env's character, if it has one.
    pub fn character_file(&self) -> Option<(&'static str, Vec<u8>)> {
        self.character.as_ref().map(|c| {
            let text = serde_yaml_ng::to_string(c).expect("a fingerprint serialises");
            (CHARACTER_FILE, text.into_bytes())
        })
    }
}

/// Why a checkpoint does not fit an env.
#[derive(Debug, thiserror::Error)]
#[error("{checkpoint}: {reason}")]
pub struct FitError {
    /// The checkpoint directory.
    pub checkpoint: String,
    /// What differs.
    pub reason: String,
}

/// The character stored in a checkpoint's `extra` files (none in checkpoints written before
/// fingerprints, or for envs without a character).
pub fn stored_character(
    dir: &Path,
    extra: &[(String, Vec<u8>)],
) -> Result<Option<CharacterFingerprint>, FitError> {
    let Some((_, bytes)) = extra.iter().find(|(n, _)| n == CHARACTER_FILE) else {
        return Ok(None);
    };
    serde_yaml_ng::from_slice(bytes)
        .map(Some)
        .map_err(|e| FitError {
            checkpoint: dir.display().to_string(),
            reason: format!("unreadable {CHARACTER_FILE}: {e}"),
        })
}

/// Checks that the policy of `state` (with its stored character, if any) fits `env`.
pub fn check_fits(
    dir: &Path,
    state: &AgentState,
    stored: Option<&CharacterFingerprint>,
    env: &EnvSpec,
) -> Result<(), FitError> {
    let fail = |reason: String| FitError {
        checkpoint: dir.display().to_string(),
        reason,
    };
    if let (Some(theirs), Some(ours)) = (stored, env.character.as_ref())
        && let Some(why) = ours.difference(theirs)
    {
        return Err(fail(format!(
            "it was trained on another character ({why}; \"here\" is the env's character file, \"there\" the checkpoint's)"
        )));
    }
    if stored.is_some() && env.character.is_none() {
        return Err(fail(
            "it was trained on a simulated character; this env has none".into(),
        ));
    }
    if state.obs_dim != env.obs_dim {
        return Err(fail(format!(
            "the policy reads {} observations, the env writes {}",
            state.obs_dim, env.obs_dim
        )));
    }
    if state.action_space != env.action_space {
        return Err(fail(format!(
            "the policy acts in {}, the env takes {}",
            describe(&state.action_space),
            describe(&env.action_space)
        )));
    }
    if state.disc_obs_dim > 0 && state.disc_obs_dim != env.disc_obs_dim {
        return Err(fail(format!(
            "the discriminator reads {} values, the env writes {}",
            state.disc_obs_dim, env.disc_obs_dim
        )));
    }
    Ok(())
}

/// An action space in words, with the first bound that differs findable by eye.
fn describe(space: &ActionSpace) -> String {
    match space {
        ActionSpace::Discrete(n) => format!("{n} discrete actions"),
        ActionSpace::Box { low, high } => {
            let show = |v: &[f32]| {
                let head: Vec<String> = v.iter().take(4).map(|x| format!("{x:.3}")).collect();
                format!(
                    "[{}{}]",
                    head.join(", "),
                    if v.len() > 4 { ", …" } else { "" }
                )
            };
            format!(
                "a box of {} values (low {}, high {})",
                low.len(),
                show(low),
                show(high)
            )
        }
    }
}
