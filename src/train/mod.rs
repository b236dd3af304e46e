//! Training: the loop joining environments and agents, configs, logs, checkpoints and plots.

pub mod config;
#[cfg(feature = "train")]
pub mod episodes;
#[cfg(feature = "train")]
pub mod logger;
#[cfg(feature = "train")]
pub mod plot;
#[cfg(feature = "train")]
pub mod tensorboard;
#[cfg(feature = "train")]
pub(crate) mod trainer;

#[cfg(feature = "train")]
pub use trainer::{
    EvalStats, TrainOptions, Trainer, TrainerError, evaluate, skills_of_checkpoint, test_checkpoint,
};
