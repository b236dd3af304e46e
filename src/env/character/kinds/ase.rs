//! `ase` (MimicKit's `ASEEnv`): AMP's env, with half of the training resets in the default
//! pose unless the config sets `default_reset_prob`. Heading-invariant features come from the
//! config's `global_obs: false`, as for any kind.

use bevy::prelude::*;

use super::super::config::CharacterEnvConfig;
use super::super::systems::EnvParams;
use super::{Amp, CharacterKind};
use crate::anim::character::CharacterModel;

/// The `ase` kind.
pub struct Ase;

impl CharacterKind for Ase {
    fn default_reset_prob(&self) -> f64 {
        // MimicKit's ASE default: half the episodes start from the default pose, not a clip.
        0.5
    }

    fn configure(
        &self,
        config: &CharacterEnvConfig,
        model: &CharacterModel,
        params: &mut EnvParams,
    ) {
        Amp.configure(config, model, params);
    }

    fn build(&self, app: &mut App, params: &EnvParams, model: &CharacterModel, num_envs: usize) {
        Amp.build(app, params, model, num_envs);
    }
}
