//! The `bevy_mimic` binary's commands that need more than a few lines.

pub mod export;
pub mod mimickit_args;
pub mod sim_bench;
pub mod skills;
pub mod task_eval;
pub mod train;
pub mod view;
