//! Training: the loop joining environments and agents, configs, logs, checkpoints and plots.

pub mod episodes;
mod guard;
pub mod logger;
pub mod plot;
pub mod run;
pub mod ship;
mod stored;
pub mod task_eval;
pub mod tensorboard;
pub(crate) mod trainer;

pub use run::{
    EvalStats, IterationTimes, LoadedRun, RunError, RunOptions, TrainerState, TrainingRun,
};
pub use ship::{ship_play_only, ship_policy, ship_resumable};
pub use trainer::{
    TaskEval, TaskEvalMode, TrainOptions, Trainer, TrainerError, evaluate, skills_of_checkpoint,
    task_eval_of_checkpoint, test_checkpoint,
};
