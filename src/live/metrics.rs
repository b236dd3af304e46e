//! The training's state and history as resources, for panels, games and tests.

use bevy::prelude::*;

use crate::learning::log_row::LogRow;

/// What the training is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TrainingPhase {
    /// Collecting samples.
    #[default]
    Rollout,
    /// The update runs; the simulation waits.
    Updating,
    /// An output iteration's deterministic test episodes run in the same envs.
    Testing,
    /// `max_samples` reached; the policy keeps acting but nothing is recorded.
    Finished,
}

/// The training's state, for status lines.
#[derive(Resource, Clone, Debug, Default)]
pub struct TrainingStatus {
    /// Current phase.
    pub phase: TrainingPhase,
    /// Updates done.
    pub iteration: u64,
    /// Samples taken.
    pub samples: u64,
    /// Seconds of training, including earlier sessions of a resumed run.
    pub wall_time_s: f64,
    /// The device the networks run on ("cpu (flex)", "wgpu", …).
    pub device: String,
    /// The last checkpoint written or loaded.
    pub last_checkpoint: Option<std::path::PathBuf>,
    /// The last problem (a checkpoint that could not be written or loaded, a log write error).
    pub last_error: Option<String>,
    /// Environments whose state went non-finite and were failed and reset.
    pub env_blowups: u64,
}

/// Every iteration's log row, in order: the data behind the live plots.
#[derive(Resource, Clone, Debug, Default)]
pub struct TrainingMetrics {
    rows: Vec<LogRow>,
}

impl TrainingMetrics {
    /// Adds one iteration's row.
    pub fn push(&mut self, row: LogRow) {
        self.rows.push(row);
    }

    /// All rows.
    pub fn rows(&self) -> &[LogRow] {
        &self.rows
    }

    /// The latest row.
    pub fn latest(&self) -> Option<&LogRow> {
        self.rows.last()
    }

    /// Every key any row has, in first-seen order.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for row in &self.rows {
            for (k, _) in row.iter() {
                if !keys.iter().any(|have| have == k) {
                    keys.push(k.to_string());
                }
            }
        }
        keys
    }

    /// `(iteration, value)` of `key` over the rows that have it and a finite value.
    pub fn series(&self, key: &str) -> Vec<[f64; 2]> {
        self.rows
            .iter()
            .filter_map(|row| {
                let it = row.get("Iteration")?;
                let v = row.get(key)?;
                v.is_finite().then_some([it, v])
            })
            .collect()
    }
}
