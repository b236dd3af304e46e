//! # bevy_mimic
//!
//! Physics-based character animation by imitation, in Rust: a reimplementation of MimicKit's
//! learning algorithms (PPO, AWR; DeepMimic, AMP, ASE and ADD build on them) on burn, with
//! simulated characters stepped by Bevy and rapier.
//!
//! The crate keeps MimicKit's four concepts apart:
//! - [`learning`]: models, agents, normalisers, buffers, returns, checkpoints (burn only);
//! - [`env`]: vectorised environments behind the [`env::VecEnv`] interface;
//! - [`train`]: the training loop joining the two, configs, logs and plots;
//! - [`live`]: [`live::MimicPlugin`], training or playing characters inside any Bevy app;
//! - [`getup`]: a tracker of get-up clips that takes over fallen characters;
//! - [`hlc`]: ASE's high-level controller over a frozen skill policy (its env, its checks);
//! - [`play`]: a trained policy driving characters in any Bevy app ([`play::PolicyPlugin`]);
//! - `panel` (feature `panel`) and `viewer` (feature `viewer`): the egui training panel and
//!   the desktop viewer;
//! - [`sim`]: the engine, rapier humanoids stepped by Bevy systems;
//! - [`spaces`]: the small contract both sides share (action spaces, done codes).
//!
//! See `ARCHITECTURE.md` for the module map and the data path of one control step.

pub mod anim;
pub mod config;
pub mod control;
pub mod env;
#[cfg(feature = "train")]
pub mod export;
pub mod files;
pub mod fit;
pub mod getup;
pub mod hlc;
pub mod learning;
pub mod live;
#[cfg(feature = "panel")]
pub mod panel;
pub mod play;
mod plugins;
pub mod sim;
pub mod skills;
pub mod spaces;
#[cfg(feature = "train")]
pub mod train;
#[cfg(feature = "render")]
pub mod viewer;

/// The seeded random generator used everywhere randomness must be reproducible and resumable
/// (its state is stored in checkpoints).
pub type SeededRng = rand_chacha::ChaCha8Rng;

#[cfg(feature = "train")]
pub use live::{MimicConfig, MimicPlugin};
pub use plugins::{MimicPlugins, prelude};
