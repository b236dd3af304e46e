//! The `bevy_mimic` binary's commands that need more than a few lines.

pub mod mimickit_args;
pub mod train;
pub mod view;
