//! The simulator: N humanoids stepped by Bevy systems on a physics [`Engine`] (rapier today),
//! behind resources and system sets every engine shares.
//!
//! Uses `anim` for the character; knows nothing of learning or environments.

pub mod bench;
pub mod config;
pub mod domain_rand;
pub mod engine;
pub mod headless;
#[cfg(feature = "mujoco")]
pub mod mujoco;
pub mod pace;
mod parallel;
pub mod plugin;
pub mod rapier;
pub mod state;
pub mod worlds;

pub use config::EngineConfig;
pub use domain_rand::{DomainRand, DomainRandConfig};
pub use engine::{ENGINE_NAMES, Engine, engine_named};
pub use headless::HeadlessSim;
pub use pace::{ControlPace, ControlStep};
pub use plugin::{PdTargets, SimPlugin, SimSet};
pub use rapier::RapierEngine;
pub use state::{CharacterState, SimState};
pub use worlds::{SimWorlds, StateWrites};
