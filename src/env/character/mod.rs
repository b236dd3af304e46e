//! Character environments on the rapier engine: `char` (default pose, reward 1 per step) and
//! `deepmimic` (motion tracking), MimicKit's `CharEnv` and `DeepMimicEnv`.
//!
//! The observation, reward and done buffers are filled by Bevy systems in [`EnvSet`] after the
//! engine's [`SimSet::ReadState`](crate::sim::SimSet::ReadState), one pass over the envs each.

mod action;
mod config;
mod disc_obs;
mod env;
mod obs;
mod pose;
mod reward;
mod setup;
pub mod systems;

pub use action::{ActionBounds, action_bounds};
pub use config::{CharacterEnvConfig, HUMANOID_JOINT_ERR_W};
pub use disc_obs::{disc_frame_dim, write_disc_frame};
pub use env::{CharacterEnv, EnvKind, OwnedPose};
pub use obs::{ObsSpec, write_char_obs, write_tar_obs};
pub use pose::{PoseView, RefPoses};
pub use reward::{ErrorWeights, RewardTerms, TrackingErrors, tracking_errors, tracking_reward};
pub use setup::{BuildError, CharacterEnvPlugin, CharacterEnvSetup};
pub use systems::EnvSet;
