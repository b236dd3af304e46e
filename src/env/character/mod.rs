//! Character environments on any engine (see [`Engine`](crate::sim::Engine)): `char` (default
//! pose, reward 1 per step), `deepmimic` (motion tracking), `amp`, `ase`, `add`, `task_steering` and
//! `task_location`: MimicKit's `CharEnv`, `DeepMimicEnv`, `AMPEnv`, `ASEEnv`, `ADDEnv`,
//! `TaskSteeringEnv` and `TaskLocationEnv`.
//!
//! The observation, reward and done buffers are filled by Bevy systems in [`EnvSet`] after the
//! engine's [`SimSet::ReadState`](crate::sim::SimSet::ReadState), one pass over the envs each:
//! the shared ones in [`systems`], each kind's own in [`kinds`].

mod action;
mod config;
mod disc_obs;
mod env;
pub mod kinds;
mod obs;
mod pose;
pub mod resets;
mod reward;
mod setup;
pub mod systems;
mod task;

pub use action::{ActionBounds, action_bounds};
pub use config::{CameraMode, CharacterEnvConfig, HUMANOID_JOINT_ERR_W};
pub use disc_obs::{disc_frame_dim, write_disc_frame, write_disc_window};
pub use env::{CharacterEnv, OwnedPose};
pub use kinds::{CharacterKind, EnvKind, character_kind};
pub use obs::{ObsSpec, write_char_obs, write_tar_obs};
pub use pose::{PoseView, RefPoses};
pub use reward::{ErrorWeights, RewardTerms, TrackingErrors, tracking_errors, tracking_reward};
pub use setup::{BuildError, CharacterEnvPlugin, CharacterEnvSetup};
pub use systems::{EnvSet, EnvViewSettings};
pub use task::{TaskParams, TaskState, TaskTarget};
