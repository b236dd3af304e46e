//! [`MimicError`]: why the live plugin could not be set up.

use std::path::PathBuf;

use crate::config::ConfigError;
use crate::learning::agents::AgentError;
use crate::learning::checkpoint::CheckpointError;
use crate::play::PlayError;
use crate::train::RunError;

/// Why the live plugin could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum MimicError {
    /// A config file is wrong or unreadable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A checkpoint is unreadable.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The agent does not fit the env.
    #[error(transparent)]
    Agent(#[from] AgentError),
    /// Play mode could not load its policy.
    #[error(transparent)]
    Play(#[from] PlayError),
    /// The run could not start (a checkpoint that does not fit, an unwritable log).
    #[error(transparent)]
    Run(#[from] RunError),
    /// Anything else about the combination of inputs.
    #[error("{0}")]
    Invalid(String),
    /// The output directory cannot be written.
    #[error("{path}: {source}")]
    Io {
        /// The directory or file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}
