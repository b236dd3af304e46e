//! [`MimicPlugins`]: the usual set for a game — the characters' plugin (training or play)
//! and, with rendering, their meshes — and the [`prelude`](crate::prelude).

use bevy::app::PluginGroupBuilder;
use bevy::prelude::*;

#[cfg(feature = "train")]
use crate::live::MimicPlugin;
use crate::play::PolicyPlugin;

enum Characters {
    #[cfg(feature = "train")]
    Mimic(Box<MimicPlugin>),
    Policy(Box<PolicyPlugin>),
}

/// The plugins a game adds for its simulated characters, after Bevy's own
/// (`DefaultPlugins`, or `MinimalPlugins` and `TransformPlugin` headless): the characters'
/// plugin and, with the `render` feature, [`CharacterMeshPlugin`](crate::viewer::CharacterMeshPlugin)
/// (drop it with `.build().disable::<CharacterMeshPlugin>()` to draw them yourself).
pub struct MimicPlugins {
    characters: Characters,
}

impl MimicPlugins {
    /// Characters trained or played by a loaded [`MimicPlugin`] (see
    /// [`MimicConfig`](crate::live::MimicConfig)).
    #[cfg(feature = "train")]
    pub fn mimic(plugin: MimicPlugin) -> Self {
        Self {
            characters: Characters::Mimic(Box::new(plugin)),
        }
    }

    /// Characters driven by a trained policy, without any training code.
    pub fn policy(plugin: PolicyPlugin) -> Self {
        Self {
            characters: Characters::Policy(Box::new(plugin)),
        }
    }
}

impl PluginGroup for MimicPlugins {
    fn build(self) -> PluginGroupBuilder {
        let group = PluginGroupBuilder::start::<Self>();
        let group = match self.characters {
            #[cfg(feature = "train")]
            Characters::Mimic(p) => group.add(*p),
            Characters::Policy(p) => group.add(*p),
        };
        #[cfg(feature = "render")]
        let group = group.add(crate::viewer::CharacterMeshPlugin);
        group
    }
}

/// What a game or a training script usually needs: `use bevy_mimic::prelude::*;`.
pub mod prelude {
    pub use super::MimicPlugins;
    pub use crate::control::{
        CharacterFell, CharacterRose, CheckpointSaved, EpisodeDone, IterationFinished,
        MimicControl, MimicSet, MoveCommand, PushCharacter, TrainingRequest,
    };
    #[cfg(feature = "train")]
    pub use crate::live::{MimicConfig, MimicError, MimicPlugin};
    pub use crate::live::{TrainingMetrics, TrainingPhase, TrainingStatus};
    pub use crate::play::{GetUp, PlayStats, PolicyPlugin};
    pub use crate::sim::{ControlPace, ControlStep, SimSet};
    pub use crate::skills::SkillSteering;
    #[cfg(feature = "render")]
    pub use crate::viewer::{CharacterMeshPlugin, ViewerPlugin};
}
