//! The engine: humanoids as bevy_rapier bodies with PD joint motors, stepped by Bevy systems.
//!
//! Uses `anim` for the character; knows nothing of learning or environments.

pub mod bench;
pub mod config;
pub mod engine;
pub mod layout;
pub mod pace;
pub mod plugin;
pub mod state;
pub mod world;

pub use config::EngineConfig;
pub use engine::{Engine, RapierEngine};
pub use pace::{ControlPace, ControlStep};
pub use plugin::{PdTargets, SimPlugin, SimSet};
pub use state::{CharacterState, SimState};
