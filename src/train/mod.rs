//! Training: the loop joining environments and agents, configs, logs, checkpoints and plots.

mod checkpoint_eval;
pub mod episodes;
pub mod getup_eval;
mod guard;
pub mod logger;
pub mod plot;
pub mod run;
mod run_loading;
pub mod ship;
mod stored;
pub mod task_eval;
pub mod tensorboard;
pub(crate) mod trainer;

pub use checkpoint_eval::{
    TaskEval, TaskEvalMode, evaluate, skills_of_checkpoint, task_eval_of_checkpoint,
    test_checkpoint,
};
pub use run::{
    EvalStats, IterationTimes, LoadedRun, RunError, RunOptions, TrainerState, TrainingRun,
};
pub use ship::{ship_play_only, ship_policy, ship_resumable};
pub use stored::TEST_TRACKING_KEYS;
pub use trainer::{TrainOptions, Trainer, TrainerError};
