//! `bevy_mimic export`: a trained policy for other runtimes. The actor's deterministic action,
//! with the observation normaliser before it and the action mapping (unnormalisation and the
//! box's clamp) after it, as one ONNX graph, and a JSON file beside it that says how to feed it:
//! inputs, joint order, observation layout, control rate, the character's fingerprint and, for
//! ASE, the named skills.

pub mod onnx;
mod onnx_proto;

use std::path::{Path, PathBuf};

use prost::Message;
use serde_json::json;

use crate::anim::fingerprint::CharacterFingerprint;
use crate::config::{ConfigError, parse_env_config};
use crate::learning::actor_snapshot::{ActionMapping, ActorSnapshot, SnapshotError};
use crate::learning::agents::AgentName;
use crate::learning::checkpoint::{CheckpointError, load_policy};
use crate::learning::device::Backend;
use crate::play::PlayError;
use crate::skills::{NamedSkill, SKILLS_FILE};

/// What an export wrote.
#[derive(Clone, Debug)]
pub struct ExportSummary {
    /// The ONNX file.
    pub onnx: PathBuf,
    /// The JSON beside it.
    pub sidecar: PathBuf,
    /// Raw observations per row of the `obs` input.
    pub obs_dim: usize,
    /// ASE's latent size (0: no `z` input).
    pub latent_dim: usize,
    /// Values per row of the `actions` output.
    pub action_dim: usize,
}

/// Why a policy could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The checkpoint is unreadable or damaged.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// Its env config is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Its character could not be loaded.
    #[error(transparent)]
    Play(#[from] PlayError),
    /// A policy of a kind that is not exported.
    #[error("{dir}: cannot export it: {reason}")]
    Unsupported {
        /// The checkpoint.
        dir: PathBuf,
        /// Why.
        reason: SnapshotError,
    },
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// The JSON file written beside `onnx` (`policy.onnx` → `policy.json`).
pub fn sidecar_path(onnx: &Path) -> PathBuf {
    onnx.with_extension("json")
}

/// Exports the policy of checkpoint (or shipped policy) `model_dir` to `out` (an `.onnx` file)
/// and its description to [`sidecar_path`]`(out)`, each written atomically.
pub fn export_onnx(model_dir: &Path, out: &Path) -> Result<ExportSummary, ExportError> {
    let loaded = load_policy(model_dir, Backend::Flex.device())?;
    let unsupported = |reason| ExportError::Unsupported {
        dir: model_dir.to_path_buf(),
        reason,
    };
    let config = &loaded.policy.state().config;
    let low_level = match (config.agent_name, &config.llc_checkpoint) {
        (AgentName::Hlc, Some(llc)) => Some(llc.clone()),
        (AgentName::Hlc, None) => return Err(unsupported(SnapshotError::Controller)),
        _ => None,
    };
    let actor = ActorSnapshot::of(&loaded.policy).map_err(unsupported)?;
    let file = |name: &str| loaded.extra.iter().find(|(n, _)| n == name).map(|(_, d)| d);
    let env_file = model_dir.join("env_config.yaml");
    let env_text = file("env_config.yaml")
        .map(|d| String::from_utf8_lossy(d).into_owned())
        .ok_or_else(|| {
            ExportError::Checkpoint(CheckpointError::Invalid {
                path: model_dir.to_path_buf(),
                reason: "no env_config.yaml".into(),
            })
        })?;
    let env = parse_env_config(&env_file, &env_text)?;
    let skills: Vec<NamedSkill> = match file(SKILLS_FILE) {
        Some(text) => serde_yaml_ng::from_slice(text).map_err(|e| ConfigError {
            file: model_dir.join(SKILLS_FILE),
            key: None,
            message: format!("unreadable named skills: {e}"),
        })?,
        None => Vec::new(),
    };

    let mut description = json!({
        "onnx": out.file_name().map(|n| n.to_string_lossy().into_owned()),
        "checkpoint": model_dir.display().to_string(),
        "agent_name": config.agent_name.as_str(),
        "env_name": env.name(),
        "inputs": [{
            "name": onnx::OBS_INPUT,
            "shape": ["batch", actor.obs_dim()],
            "dtype": "float32",
            "meaning": "the env's raw observations (the normaliser is in the graph)",
        }],
    });
    if actor.latent_dim > 0 {
        description["inputs"]
            .as_array_mut()
            .expect("an array")
            .push(json!({
                "name": onnx::LATENT_INPUT,
                "shape": ["batch", actor.latent_dim],
                "dtype": "float32",
                "meaning": "ASE's skill latent, a unit vector per character; hold one for a skill \
                            (named_skills) or draw a new one every latent_time_min-max seconds",
            }));
        description["latent_time_s"] = json!([config.latent_time_min, config.latent_time_max]);
        description["named_skills"] = json!(
            skills
                .iter()
                .map(|s| json!({"name": s.name, "z": s.z}))
                .collect::<Vec<_>>()
        );
    }
    match &actor.actions {
        ActionMapping::Box { low, high, .. } => {
            description["output"] = json!({
                "name": onnx::ACTIONS_OUTPUT,
                "shape": ["batch", actor.action_dim()],
                "dtype": "float32",
                "meaning": "the deterministic action, clamped to [action_low, action_high]; for a \
                            character, PD targets of its joints in joint_order (rad)",
            });
            description["action_low"] = json!(low);
            description["action_high"] = json!(high);
        }
        ActionMapping::Discrete => {
            description["output"] = json!({
                "name": onnx::ACTIONS_OUTPUT,
                "shape": ["batch", 1],
                "dtype": "int64",
                "meaning": "the deterministic action: the index of the largest logit",
            });
        }
    }
    if env.character().is_some() {
        let setup = crate::play::character_setup(&env_file, &env_text, 1)?;
        let print = CharacterFingerprint::of(&setup.model);
        description["control_hz"] = json!(setup.engine.control_freq);
        description["sim_hz"] = json!(setup.engine.sim_freq);
        description["joint_order"] = json!(print.dof_names);
        description["observation"] = json!({
            "dim": setup.obs_dim,
            "task_dim": setup.task_obs_dim,
            "layout": "the character's observation as the env writes it (env_config's keys: \
                       root height, body positions, rotations and velocities in the heading \
                       frame, ...), then the task's last task_dim values",
        });
        description["character"] = serde_json::to_value(&print).expect("a fingerprint serialises");
        description["env_config"] = json!(env_text);
    }
    let name = model_dir
        .file_name()
        .map_or_else(|| "policy".into(), |n| n.to_string_lossy().into_owned());
    let doc = format!(
        "bevy_mimic policy {name} ({}, {}): deterministic actions from raw observations",
        config.agent_name.as_str(),
        env.name()
    );
    let metadata = vec![(
        "bevy_mimic.sidecar".to_string(),
        sidecar_path(out)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    )];
    if let Some(llc) = &low_level {
        // The low level goes beside the controller, and the JSON says how to chain them.
        let stem = out
            .file_stem()
            .map_or_else(|| "policy".into(), |s| s.to_string_lossy().into_owned());
        let low_out = out.with_file_name(format!("{stem}_low_level.onnx"));
        let low = export_onnx(llc, &low_out)?;
        description["output"]["meaning"] = json!(
            "the skill latent z (a unit vector) for the low-level policy: the controller's \
             deterministic action projected onto the unit sphere"
        );
        description["low_level"] = json!({
            "onnx": low_out.file_name().map(|n| n.to_string_lossy().into_owned()),
            "checkpoint": llc.display().to_string(),
            "llc_steps": config.llc_steps,
            "obs_dim": low.obs_dim,
            "chain": format!(
                "every {} control steps z = controller(obs); every control step actions = \
                 low_level(obs[:, :{}], z): the low level reads the character's share of the \
                 observation, its first {} values",
                config.llc_steps, low.obs_dim, low.obs_dim
            ),
        });
    }
    let model = onnx::actor_model(&actor, &name, &doc, &metadata, low_level.is_some());
    let sidecar = sidecar_path(out);
    write_atomically(out, &model.encode_to_vec())?;
    let text = serde_json::to_string_pretty(&description).expect("the description serialises");
    write_atomically(&sidecar, text.as_bytes())?;
    Ok(ExportSummary {
        onnx: out.to_path_buf(),
        sidecar,
        obs_dim: actor.obs_dim(),
        latent_dim: actor.latent_dim,
        action_dim: actor.action_dim(),
    })
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    let io = |source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}
