//! What a training checkpoint holds besides the agent — the config texts, the loop's state
//! (`trainer.yaml`), the character — and reading it back.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::run::RunError;
use crate::SeededRng;
use crate::anim::fingerprint::CharacterFingerprint;
use crate::fit::{EnvSpec, check_fits, stored_character};
use crate::learning::agents::Agent;
use crate::learning::checkpoint::{LoadedAgent, load_agent};

/// The checkpoint directory inside a run's `out_dir`.
pub const CHECKPOINT_DIR: &str = "model";
/// The agent config as given, stored in every checkpoint.
pub const AGENT_CONFIG_FILE: &str = "agent_config.yaml";
/// The env config as given (with the engine's keys merged in), stored in every checkpoint.
pub const ENV_CONFIG_FILE: &str = "env_config.yaml";
pub(crate) const TRAINER_FILE: &str = "trainer.yaml";

/// What `trainer.yaml` in a checkpoint holds: the loop's own state.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TrainerState {
    /// The env resets' generator.
    pub env_rng: SeededRng,
    /// Seconds of training so far.
    pub wall_time_s: f64,
    /// Non-finite env steps turned into failed episodes so far.
    pub env_blowups: u64,
    /// The latest test (logged with every row until the next one).
    #[serde(default)]
    pub last_test: Option<EvalStats>,
}

/// Results of deterministic test episodes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalStats {
    /// Episodes counted.
    pub episodes: u64,
    /// Their mean return.
    pub mean_return: f64,
    /// Their mean length in control steps.
    pub mean_length: f64,
    /// Episodes that ended in failure (a fall).
    pub fails: u64,
    /// Seconds simulated over all environments.
    pub sim_seconds: f64,
    /// Mean horizontal root speed (m/s) for character envs.
    pub root_speed: Option<f64>,
    /// Mean tracking errors over the test, in [`TEST_TRACKING_KEYS`] order, for envs that log
    /// them (`log_tracking_error`).
    #[serde(default)]
    pub tracking: Option<[f64; 7]>,
}

/// The env's tracking-error diagnostics and the test columns they are logged as.
pub const TEST_TRACKING_KEYS: [(&str, &str); 7] = [
    ("Tracking_Root_Pos_Err", "Test_Tracking_Root_Pos_Err"),
    ("Tracking_Root_Rot_Err", "Test_Tracking_Root_Rot_Err"),
    ("Tracking_Body_Pos_Err", "Test_Tracking_Body_Pos_Err"),
    ("Tracking_Body_Rot_Err", "Test_Tracking_Body_Rot_Err"),
    ("Tracking_Dof_Vel_Err", "Test_Tracking_Dof_Vel_Err"),
    ("Tracking_Root_Vel_Err", "Test_Tracking_Root_Vel_Err"),
    (
        "Tracking_Root_Ang_Vel_Err",
        "Test_Tracking_Root_Ang_Vel_Err",
    ),
];

/// A test's mean root speed and (when `log_tracking` and the env reported them) tracking
/// errors, from the env's diagnostics over the test.
pub fn test_diagnostics(
    diag: &[(&'static str, f64)],
    log_tracking: bool,
) -> (Option<f64>, Option<[f64; 7]>) {
    let find = |key: &str| diag.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    let tracking = log_tracking
        .then(|| {
            let mut out = [0.0; 7];
            for (o, (key, _)) in out.iter_mut().zip(TEST_TRACKING_KEYS) {
                *o = find(key)?;
            }
            Some(out)
        })
        .flatten();
    (find("Root_Speed"), tracking)
}

impl EvalStats {
    /// Failed episodes per minute of simulated time.
    pub fn falls_per_minute(&self) -> f64 {
        self.fails as f64 / (self.sim_seconds / 60.0).max(1e-9)
    }
}

/// A training checkpoint read back: the agent, its config texts, the loop's state and the
/// character it was trained on.
pub struct LoadedRun {
    /// The agent, exactly as saved.
    pub agent: Agent,
    /// The agent config text.
    pub agent_yaml: String,
    /// The env config text.
    pub env_yaml: String,
    /// The loop's state.
    pub trainer: TrainerState,
    /// The character (none for classic tasks and for checkpoints older than fingerprints).
    pub character: Option<CharacterFingerprint>,
    /// Where it was read from.
    pub dir: PathBuf,
}

impl LoadedRun {
    /// Reads the training checkpoint in `dir`.
    pub fn read(dir: &Path, device: Device) -> Result<Self, RunError> {
        let LoadedAgent { mut agent, extra } = load_agent(dir, device)?;
        let file = |name: &str| -> Result<&[u8], RunError> {
            extra
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, d)| d.as_slice())
                .ok_or_else(|| RunError::Invalid(format!("{}: {name} is missing", dir.display())))
        };
        let text = |name: &str| -> Result<String, RunError> {
            String::from_utf8(file(name)?.to_vec())
                .map_err(|_| RunError::Invalid(format!("{}: {name} is not text", dir.display())))
        };
        let agent_yaml = text(AGENT_CONFIG_FILE)?;
        let env_yaml = text(ENV_CONFIG_FILE)?;
        let trainer: TrainerState =
            serde_yaml_ng::from_slice(file(TRAINER_FILE)?).map_err(|e| {
                RunError::Invalid(format!("{}: unreadable {TRAINER_FILE}: {e}", dir.display()))
            })?;
        let character = stored_character(dir, &extra)?;
        agent
            .restore_algorithm_files(&extra)
            .map_err(|e| RunError::Invalid(format!("{}: {e}", dir.display())))?;
        Ok(Self {
            agent,
            agent_yaml,
            env_yaml,
            trainer,
            character,
            dir: dir.to_path_buf(),
        })
    }

    /// Checks that the checkpoint fits `env` (observations, actions, discriminator, character).
    pub fn check_fits(&self, env: &EnvSpec) -> Result<(), RunError> {
        check_fits(&self.dir, self.agent.state(), self.character.as_ref(), env)?;
        Ok(())
    }
}
