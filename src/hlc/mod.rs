//! ASE's high-level controller (`agent_name: HLC`), where it meets envs and checkpoints: the
//! low-level ASE policy a controller's config names, loaded and checked against the env it will
//! act on, and [`HlcEnv`], the env a controller trains on. Training (`Trainer`) and playing
//! (`PolicyPlugin`) both load the low level through [`load_low_level`].

mod env;

use std::path::{Path, PathBuf};

use burn::tensor::Device;

pub use env::HlcEnv;

use crate::fit::{EnvSpec, FitError, check_fits, stored_character};
use crate::learning::agents::AgentConfig;
use crate::learning::checkpoint::{CheckpointError, load_policy};
use crate::learning::hlc::LowLevel;

/// Why a controller's low-level policy cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum HlcError {
    /// The config names no low-level checkpoint.
    #[error("{config}: agent_name HLC needs llc_checkpoint (a trained ASE checkpoint directory)")]
    NoCheckpoint {
        /// The controller's agent config file.
        config: PathBuf,
    },
    /// The low-level checkpoint is unreadable.
    #[error("{config}: llc_checkpoint {source}")]
    Checkpoint {
        /// The controller's agent config file.
        config: PathBuf,
        /// Why the checkpoint could not be read.
        source: CheckpointError,
    },
    /// The low-level policy takes no latents.
    #[error(
        "{config}: llc_checkpoint {llc} holds an {agent} policy without skill latents; a high-level controller needs an ASE policy"
    )]
    NotAse {
        /// The controller's agent config file.
        config: PathBuf,
        /// The low-level checkpoint.
        llc: PathBuf,
        /// The low-level agent's name.
        agent: &'static str,
    },
    /// The config asks for another latent size than the low level's.
    #[error(
        "{config}: latent_dim is {ours}, but llc_checkpoint {llc} was trained with {theirs}-D latents"
    )]
    LatentDim {
        /// The controller's agent config file.
        config: PathBuf,
        /// The low-level checkpoint.
        llc: PathBuf,
        /// The config's latent size.
        ours: usize,
        /// The checkpoint's.
        theirs: usize,
    },
    /// The style reward is asked for, but the low level has no discriminator.
    #[error(
        "{config}: disc_reward_weight is {weight}, but llc_checkpoint {llc} has no discriminator (set disc_reward_weight: 0)"
    )]
    NoDiscriminator {
        /// The controller's agent config file.
        config: PathBuf,
        /// The low-level checkpoint.
        llc: PathBuf,
        /// The weight asked for.
        weight: f64,
    },
    /// The low-level policy does not fit the env (another character, other observations).
    #[error("{config}: the low-level policy does not fit this env: {source}")]
    Fit {
        /// The controller's agent config file.
        config: PathBuf,
        /// What differs, naming the low-level checkpoint.
        source: FitError,
    },
}

/// Loads the low-level policy that `config` (a controller's, read from `config_file`) names and
/// checks it: an ASE policy, with the config's `latent_dim` when one is given, a discriminator
/// when the style reward is weighted, and fitting `spec` — what the env offers the low level
/// (the character's share of each observation row, the PD action box, the discriminator
/// window, the character).
pub fn load_low_level(
    config: &AgentConfig,
    config_file: &Path,
    spec: &EnvSpec,
    device: Device,
) -> Result<LowLevel, HlcError> {
    let config_path = || config_file.to_path_buf();
    let llc = config
        .llc_checkpoint
        .clone()
        .ok_or_else(|| HlcError::NoCheckpoint {
            config: config_path(),
        })?;
    let loaded = load_policy(&llc, device).map_err(|source| HlcError::Checkpoint {
        config: config_path(),
        source,
    })?;
    let character = stored_character(&llc, &loaded.extra).map_err(|source| HlcError::Fit {
        config: config_path(),
        source,
    })?;
    let policy = loaded.policy;
    let theirs = policy.latent_dim();
    if theirs == 0 {
        return Err(HlcError::NotAse {
            config: config_path(),
            llc,
            agent: policy.state().config.agent_name.as_str(),
        });
    }
    if let Some(ours) = config.latent_dim
        && ours != theirs
    {
        return Err(HlcError::LatentDim {
            config: config_path(),
            llc,
            ours,
            theirs,
        });
    }
    if config.disc_reward_weight > 0.0 && !policy.has_discriminator() {
        return Err(HlcError::NoDiscriminator {
            config: config_path(),
            llc,
            weight: config.disc_reward_weight,
        });
    }
    check_fits(&llc, policy.state(), character.as_ref(), spec).map_err(|source| HlcError::Fit {
        config: config_path(),
        source,
    })?;
    Ok(LowLevel::new(policy, llc, config.llc_steps))
}
