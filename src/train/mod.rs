//! Training: the loop joining environments and agents, configs, logs, checkpoints and plots.

pub mod episodes;
pub mod logger;
pub mod plot;
pub mod tensorboard;
pub(crate) mod trainer;

pub use trainer::{
    EvalStats, TrainOptions, Trainer, TrainerError, evaluate, skills_of_checkpoint, test_checkpoint,
};
