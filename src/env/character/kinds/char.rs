//! `char` (MimicKit's `CharEnv`): the shared env alone, reward 1 per step, clips optional.

use bevy::prelude::*;

use super::super::config::CharacterEnvConfig;
use super::super::systems::{EnvParams, EnvSet, sum_rewards};
use super::{CharacterKind, constant_reward};
use crate::anim::character::CharacterModel;
use crate::sim::ControlStep;

/// The `char` kind.
pub struct Char;

impl CharacterKind for Char {
    fn needs_motions(&self) -> bool {
        // Without clips every reset is to the default pose.
        false
    }

    fn configure(&self, _: &CharacterEnvConfig, _: &CharacterModel, _: &mut EnvParams) {}

    fn build(&self, app: &mut App, _: &EnvParams, _: &CharacterModel, _: usize) {
        app.add_systems(
            ControlStep,
            constant_reward(1.0)
                .in_set(EnvSet::Reward)
                .before(sum_rewards),
        );
    }
}
