//! The `bevy_mimic` binary's commands that need more than a few lines.

pub mod train;
pub mod view;
