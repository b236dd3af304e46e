//! Checkpoints: one directory with the model record, the optimizer state, the agent's state
//! (counters, normalisers, random generator) and any extra files the caller adds (configs, the
//! environment generator), written atomically and verified when read.
//!
//! Writing goes to `<dir>.tmp`, every file is synced, a manifest of lengths and CRC-32C sums is
//! written last, and the directory is swapped in by renames: a crash leaves either the old
//! checkpoint (possibly as `<dir>.old`, which [`read_dir`] falls back to) or the new one, never a
//! mixture. Reading refuses a directory whose files do not match their manifest.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use burn::tensor::{Bytes, Device};
use serde::{Deserialize, Serialize};

#[cfg(feature = "train")]
use super::agents::{Agent, AgentLoadError};
use super::agents::{AgentState, condition_dim};
use super::models::{ActorCritic, Discriminator, Encoder, NetworkRecords};
use super::nets::NetInput;
use super::policy::Policy;

/// Version of the checkpoint layout; bumped when it changes incompatibly.
pub const FORMAT_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
const MODEL: &str = "model.bpk";
const OPTIMIZER: &str = "optimizer.bpk";
/// YAML rather than JSON: its float parsing is Rust's exact one, so normaliser statistics and
/// config values read back bit-identical (serde_json's default parser may be off by an ulp).
const AGENT: &str = "agent.yaml";

/// The files a shipped policy keeps of a training checkpoint: what play mode, `test` and the
/// web demo read (no optimizer state, no replay buffer, no loop state).
pub const SHIPPED_FILES: &[&str] = &[
    MODEL,
    AGENT,
    "agent_config.yaml",
    "env_config.yaml",
    "character.yaml",
    crate::skills::SKILLS_FILE,
];

/// Why a checkpoint could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// A file operation failed.
    #[error("checkpoint {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The directory is not a complete checkpoint of this format.
    #[error("checkpoint {path}: {reason}")]
    Invalid {
        /// The file or directory.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CheckpointError + '_ {
    move |source| CheckpointError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn invalid(path: &Path, reason: impl Into<String>) -> CheckpointError {
    CheckpointError::Invalid {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

#[derive(Serialize, Deserialize)]
struct Manifest {
    format_version: u32,
    files: Vec<ManifestEntry>,
}

#[derive(Serialize, Deserialize)]
struct ManifestEntry {
    name: String,
    len: u64,
    crc32c: u32,
}

/// Writes `files` (name → contents) as the checkpoint directory `dir`, atomically.
pub fn write_dir(dir: &Path, files: &[(&str, &[u8])]) -> Result<(), CheckpointError> {
    let tmp = sibling(dir, "tmp");
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    fs::create_dir_all(&tmp).map_err(io(&tmp))?;
    let mut entries = Vec::with_capacity(files.len());
    for (name, data) in files {
        write_synced(&tmp.join(name), data)?;
        entries.push(ManifestEntry {
            name: name.to_string(),
            len: data.len() as u64,
            crc32c: crc32c::crc32c(data),
        });
    }
    let manifest = serde_json::to_vec_pretty(&Manifest {
        format_version: FORMAT_VERSION,
        files: entries,
    })
    .expect("manifest serialises");
    write_synced(&tmp.join(MANIFEST), &manifest)?;
    sync_dir(&tmp)?;

    let old = sibling(dir, "old");
    if dir.exists() {
        if old.exists() {
            fs::remove_dir_all(&old).map_err(io(&old))?;
        }
        fs::rename(dir, &old).map_err(io(dir))?;
    }
    fs::rename(&tmp, dir).map_err(io(dir))?;
    if let Some(parent) = dir.parent() {
        sync_dir(parent)?;
    }
    if old.exists() {
        fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    Ok(())
}

/// Reads and verifies the checkpoint directory `dir` (or its `.old` twin if a swap was cut
/// short); returns its files by name, manifest excluded.
pub fn read_dir(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, CheckpointError> {
    read_dir_except(dir, &[])
}

/// As [`read_dir`], leaving out (neither reading nor verifying) the files named in `skip`.
fn read_dir_except(dir: &Path, skip: &[&str]) -> Result<Vec<(String, Vec<u8>)>, CheckpointError> {
    let dir = if !crate::files::exists(dir) && crate::files::exists(&sibling(dir, "old")) {
        sibling(dir, "old")
    } else {
        dir.to_path_buf()
    };
    let manifest_path = dir.join(MANIFEST);
    let raw = crate::files::read(&manifest_path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            invalid(&dir, "not a checkpoint directory (no manifest.json): it is missing or was never completed")
        } else {
            io(&manifest_path)(e)
        }
    })?;
    let manifest: Manifest = serde_json::from_slice(&raw)
        .map_err(|e| invalid(&manifest_path, format!("unreadable manifest: {e}")))?;
    if manifest.format_version != FORMAT_VERSION {
        return Err(invalid(
            &manifest_path,
            format!(
                "format_version {} is not the supported {FORMAT_VERSION}",
                manifest.format_version
            ),
        ));
    }
    let mut out = Vec::with_capacity(manifest.files.len());
    for entry in manifest.files {
        if skip.contains(&entry.name.as_str()) {
            continue;
        }
        let path = dir.join(&entry.name);
        let data = crate::files::read(&path).map_err(io(&path))?;
        if data.len() as u64 != entry.len {
            return Err(invalid(
                &path,
                format!(
                    "truncated or altered: {} bytes, the manifest says {}",
                    data.len(),
                    entry.len
                ),
            ));
        }
        if crc32c::crc32c(&data) != entry.crc32c {
            return Err(invalid(
                &path,
                "corrupt: its checksum does not match the manifest",
            ));
        }
        out.push((entry.name, data));
    }
    Ok(out)
}

fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{suffix}"));
    dir.with_file_name(name)
}

fn write_synced(path: &Path, data: &[u8]) -> Result<(), CheckpointError> {
    let mut f = fs::File::create(path).map_err(io(path))?;
    f.write_all(data).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

fn sync_dir(dir: &Path) -> Result<(), CheckpointError> {
    // Directory fsync makes the renames durable; some filesystems refuse it, which is harmless.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Saves `agent` and `extra` files (e.g. configs) as the checkpoint `dir`.
#[cfg(feature = "train")]
pub fn save_agent(
    agent: &Agent,
    dir: &Path,
    extra: &[(&str, &[u8])],
) -> Result<(), CheckpointError> {
    let model = agent
        .network_records()
        .and_then(NetworkRecords::into_bytes)
        .map_err(|e| invalid(dir, format!("model record: {e}")))?;
    let optimizer = agent
        .optimizer_bytes()
        .map_err(|e| invalid(dir, format!("optimizer record: {e}")))?;
    let state = serde_yaml_ng::to_string(agent.state()).expect("agent state serialises");
    let mut files: Vec<(&str, &[u8])> = vec![
        (MODEL, &model[..]),
        (OPTIMIZER, &optimizer[..]),
        (AGENT, state.as_bytes()),
    ];
    files.extend_from_slice(extra);
    write_dir(dir, &files)
}

/// A checkpoint read back: the agent and the extra files saved with it.
#[cfg(feature = "train")]
pub struct LoadedAgent {
    /// The agent, ready to act or to continue training.
    pub agent: Agent,
    /// Files other than the agent's own, by name.
    pub extra: Vec<(String, Vec<u8>)>,
}

/// A checkpoint's parts: its state, the core's networks on `device` (weights loaded), the
/// model file's other networks, the optimizer's bytes, and the other files.
struct Parts {
    state: AgentState,
    model: ActorCritic,
    networks: NetworkRecords,
    #[cfg_attr(not(feature = "train"), allow(dead_code))]
    optimizer: Option<Vec<u8>>,
    extra: Vec<(String, Vec<u8>)>,
}

/// `with_optimizer`: read the optimizer's state too (to train on), not only the policy.
fn read_parts(dir: &Path, device: &Device, with_optimizer: bool) -> Result<Parts, CheckpointError> {
    let skip: &[&str] = if with_optimizer { &[] } else { &[OPTIMIZER] };
    let mut files = read_dir_except(dir, skip)?;
    let has_optimizer = files.iter().any(|(n, _)| n == OPTIMIZER);
    let mut take = |name: &str| -> Result<Vec<u8>, CheckpointError> {
        let i = files
            .iter()
            .position(|(n, _)| n == name)
            .ok_or_else(|| invalid(dir, format!("{name} is missing")))?;
        Ok(files.swap_remove(i).1)
    };
    let state_bytes = take(AGENT)?;
    let model_bytes = take(MODEL)?;
    // A shipped policy has no optimizer state: an agent built from it starts a fresh one.
    let optimizer = if with_optimizer && has_optimizer {
        Some(take(OPTIMIZER)?)
    } else {
        None
    };
    let state: AgentState = serde_yaml_ng::from_slice(&state_bytes)
        .map_err(|e| invalid(&dir.join(AGENT), format!("unreadable agent state: {e}")))?;
    // The architecture is rebuilt from the stored config; its initial weights are overwritten.
    let mut rng = <crate::SeededRng as rand::SeedableRng>::seed_from_u64(0);
    let model = ActorCritic::new(
        &state.config.model,
        NetInput::Flat(state.obs_dim + condition_dim(&state.config)),
        &state.action_space,
        &mut rng,
        device,
    )
    .map_err(|e| invalid(&dir.join(AGENT), e.to_string()))?;
    let mut networks = NetworkRecords::from_bytes(Bytes::from_bytes_vec(model_bytes))
        .map_err(|e| invalid(&dir.join(MODEL), format!("unreadable model record: {e}")))?;
    if with_optimizer && !networks.contains(ActorCritic::CRITIC_RECORD_NAME) {
        return Err(invalid(
            &dir.join(MODEL),
            "a play-only shipment (`bevy_mimic ship --play_only`: no critic): it plays, it cannot train or resume",
        ));
    }
    let loaded = if with_optimizer {
        model.load_from(&mut networks)
    } else {
        model.load_for_play(&mut networks)
    };
    let model = loaded.map_err(|e| {
        invalid(
            &dir.join(MODEL),
            format!("the weights do not fit the model its agent.yaml describes: {e}"),
        )
    })?;
    Ok(Parts {
        state,
        model,
        networks,
        optimizer,
        extra: files,
    })
}

/// Loads a checkpoint written by [`save_agent`] onto `device`.
#[cfg(feature = "train")]
pub fn load_agent(dir: &Path, device: Device) -> Result<LoadedAgent, CheckpointError> {
    let parts = read_parts(dir, &device.clone().autodiff(), true)?;
    let agent = Agent::from_parts(
        parts.state,
        device,
        parts.model,
        parts.networks,
        parts.optimizer.map(Bytes::from_bytes_vec),
    )
    .map_err(|e| match e {
        AgentLoadError::Networks(why) => invalid(&dir.join(MODEL), why),
        AgentLoadError::Optimizer(_) => invalid(&dir.join(OPTIMIZER), e.to_string()),
    })?;
    Ok(LoadedAgent {
        agent,
        extra: parts.extra,
    })
}

/// A checkpoint read back for acting only: the policy and the extra files saved with it.
pub struct LoadedPolicy {
    /// The policy.
    pub policy: Policy,
    /// Files other than the agent's own, by name.
    pub extra: Vec<(String, Vec<u8>)>,
}

/// Loads the policy of a checkpoint written by [`save_agent`] onto `device`, for acting only
/// (the optimizer's state is neither read nor needed, no autodiff).
pub fn load_policy(dir: &Path, device: Device) -> Result<LoadedPolicy, CheckpointError> {
    let mut parts = read_parts(dir, &device, false)?;
    // ASE's skill encoder, when the model file has one, reads motion back as a latent; the
    // other networks an algorithm trained are not needed to act.
    let encoder = if parts.networks.contains(Encoder::RECORD_NAME) {
        let mut rng = <crate::SeededRng as rand::SeedableRng>::seed_from_u64(0);
        let blank = Encoder::from_config(
            &parts.state.config.model,
            parts.state.disc_obs_dim,
            &mut rng,
            &device,
        )
        .map_err(|e| invalid(&dir.join(AGENT), e.to_string()))?;
        let enc = parts
            .networks
            .take(Encoder::RECORD_NAME, blank)
            .map_err(|e| invalid(&dir.join(MODEL), e.to_string()))?;
        Some(enc)
    } else {
        None
    };
    // The discriminator: a high-level controller may reward its low-level policy's style.
    let disc =
        if parts.networks.contains(Discriminator::RECORD_NAME) && parts.state.disc_obs_dim > 0 {
            let mut rng = <crate::SeededRng as rand::SeedableRng>::seed_from_u64(0);
            let blank = Discriminator::from_config(
                &parts.state.config.model,
                parts.state.disc_obs_dim,
                &mut rng,
                &device,
            )
            .map_err(|e| invalid(&dir.join(AGENT), e.to_string()))?;
            Some(
                parts
                    .networks
                    .take(Discriminator::RECORD_NAME, blank)
                    .map_err(|e| invalid(&dir.join(MODEL), e.to_string()))?,
            )
        } else {
            None
        };
    let mut policy = Policy::new(parts.state, parts.model, encoder, device);
    if let Some(disc) = disc {
        policy = policy.with_discriminator(disc);
    }
    Ok(LoadedPolicy {
        policy,
        extra: parts.extra,
    })
}
