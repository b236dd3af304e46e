//! `bevy_mimic ship`: a training checkpoint trimmed to what a game or the web demo plays —
//! the model, the agent's state (normalisers, config), the configs and the character's
//! fingerprint; no optimizer state, replay buffer or loop state. `--resumable` keeps the loop
//! state too, so that a run can move to another machine in a few megabytes and go on there.

use std::path::Path;

use super::run::{ENV_CONFIG_FILE, RunError};
use super::stored::TRAINER_FILE;
use crate::anim::fingerprint::CharacterFingerprint;
use crate::anim::mjcf::load_mjcf;
use crate::config::parse_env_config;
use crate::env::character::action_bounds;
use crate::fit::CHARACTER_FILE;
use crate::learning::agents::AgentState;
use crate::learning::checkpoint::{SHIPPED_FILES, read_dir, write_dir};
use crate::learning::models::{Encoder, NetworkRecords};
use crate::play::{PlayError, named_skills_of};
use crate::skills::SKILLS_FILE;
use crate::spaces::ActionSpace;
use burn::tensor::Bytes;

/// The agent's state in a checkpoint.
const AGENT_FILE: &str = "agent.yaml";
/// The networks' weights in a checkpoint.
const MODEL_FILE: &str = "model.bpk";

/// Writes the policy of checkpoint `from` into `to` (atomically, replacing it). A checkpoint
/// written before fingerprints gets its character's from the env config's `char_file`, but only
/// if that character still fits the policy (its DoFs and action bounds are the ones the policy
/// was trained with); a line on stderr says so. Returns the bytes written.
pub fn ship_policy(from: &Path, to: &Path) -> Result<u64, RunError> {
    ship_files(from, to, Shipment::Policy)
}

/// Like [`ship_policy`], but keeps the training loop's state (`trainer.yaml`: the env
/// generator, wall time, latest test) as well, so that `train --resume` goes on from `to/..`'s
/// `model`. What is dropped is rebuilt on resume: a fresh optimizer state (Adam's moments) and
/// an empty discriminator replay buffer that the next iterations refill. Checkpoints written
/// before `trainer.yaml` existed are refused.
pub fn ship_resumable(from: &Path, to: &Path) -> Result<u64, RunError> {
    ship_files(from, to, Shipment::Resumable)
}

/// Like [`ship_policy`], but the model file keeps only the network acting needs: the actor.
/// The critic and the discriminator are dropped, and ASE's encoder too: the skills it names at
/// start (one per clip) are named now and written to `skills.yaml`, which play mode reads
/// instead (an ASE policy of an env without characters keeps its encoder). With `half`, the
/// weights are stored in half precision (half the bytes; actions within f16's rounding of the
/// original's). That makes the web demo's embedded policies megabytes smaller. Such a
/// checkpoint plays (`PolicyPlugin`, `view`, a get-up tracker); training, resuming, `test`,
/// `task-eval`, a high-level controller that wants its style reward, or `skills`' encoder
/// agreement refuse it or go without.
pub fn ship_play_only(from: &Path, to: &Path, half: bool) -> Result<u64, RunError> {
    ship_files(from, to, Shipment::PlayOnly { half })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shipment {
    Policy,
    Resumable,
    PlayOnly { half: bool },
}

fn ship_files(from: &Path, to: &Path, shipment: Shipment) -> Result<u64, RunError> {
    let resumable = shipment == Shipment::Resumable;
    let mut files = read_dir(from)?;
    if let Shipment::PlayOnly { half } = shipment
        && let Some(i) = files.iter().position(|(n, _)| n == MODEL_FILE)
    {
        let invalid =
            |why: String| RunError::Invalid(format!("{}: {why}", from.join(MODEL_FILE).display()));
        let model = std::mem::take(&mut files[i].1);
        let mut networks = NetworkRecords::from_bytes(Bytes::from_bytes_vec(model))
            .map_err(|e| invalid(format!("unreadable model record: {e}")))?;
        // ASE on a character: the skills are named now, so that the encoder can stay behind.
        // Without clips to name them by (an env with no characters) the encoder is kept.
        let mut keep_encoder = false;
        if networks.contains(Encoder::RECORD_NAME) {
            match named_skills_of(from) {
                Ok(skills) if !skills.is_empty() => {
                    let text = serde_yaml_ng::to_string(&skills).expect("named skills serialise");
                    files.retain(|(n, _)| n != SKILLS_FILE);
                    files.push((SKILLS_FILE.into(), text.into_bytes()));
                }
                Ok(_) | Err(PlayError::NotACharacter(_)) => keep_encoder = true,
                Err(e) => {
                    return Err(RunError::Invalid(format!(
                        "naming {}'s skills: {e}",
                        from.display()
                    )));
                }
            }
        }
        let names: Vec<String> = networks.remaining().iter().map(|n| n.to_string()).collect();
        for name in names
            .iter()
            .filter(|n| *n != "actor" && !(keep_encoder && *n == Encoder::RECORD_NAME))
        {
            networks.remove(name);
        }
        if half {
            networks
                .store_half()
                .map_err(|e| invalid(format!("cannot halve the weights: {e}")))?;
        }
        let model = &mut files
            .iter_mut()
            .find(|(n, _)| n == MODEL_FILE)
            .expect("the model file is there")
            .1;
        *model = networks
            .into_bytes()
            .map_err(|e| invalid(format!("cannot write the model record: {e}")))?
            .to_vec();
    }
    if resumable && !files.iter().any(|(n, _)| n == TRAINER_FILE) {
        return Err(RunError::Invalid(format!(
            "{}: no {TRAINER_FILE}, so there is no training state to keep (ship it without --resumable)",
            from.display()
        )));
    }
    let mut kept: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .filter(|(n, _)| SHIPPED_FILES.contains(&n.as_str()) || (resumable && n == TRAINER_FILE))
        .collect();
    if !kept.iter().any(|(n, _)| n == CHARACTER_FILE)
        && let Some(print) = character_of(from, &kept)?
    {
        let text = serde_yaml_ng::to_string(&print).expect("a fingerprint serialises");
        kept.push((CHARACTER_FILE.into(), text.into_bytes()));
    }
    let refs: Vec<(&str, &[u8])> = kept
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    write_dir(to, &refs)?;
    Ok(kept.iter().map(|(_, b)| b.len() as u64).sum())
}

/// The fingerprint of the character a checkpoint's env config simulates (none for the
/// classic tasks).
fn character_of(
    dir: &Path,
    files: &[(String, Vec<u8>)],
) -> Result<Option<CharacterFingerprint>, RunError> {
    let Some((_, text)) = files.iter().find(|(n, _)| n == ENV_CONFIG_FILE) else {
        return Ok(None);
    };
    let file = dir.join(ENV_CONFIG_FILE);
    let config = parse_env_config(&file, &String::from_utf8_lossy(text))?;
    let Some((_, c)) = config.character() else {
        return Ok(None);
    };
    let model = load_mjcf(&c.char_file)
        .map_err(|e| RunError::Invalid(format!("{}: char_file: {e}", file.display())))?;
    // The file may have changed since training: its character must still fit the policy.
    let Some((_, state)) = files.iter().find(|(n, _)| n == AGENT_FILE) else {
        return Err(RunError::Invalid(format!(
            "{}: no {AGENT_FILE}",
            dir.display()
        )));
    };
    let state: AgentState = serde_yaml_ng::from_slice(state)
        .map_err(|e| RunError::Invalid(format!("{}: {e}", dir.join(AGENT_FILE).display())))?;
    let (low, high) = action_bounds(&model, c.zero_center_action);
    let here = ActionSpace::Box { low, high };
    if here != state.action_space {
        return Err(RunError::Invalid(format!(
            "{} predates character fingerprints, and its char_file {} no longer fits it: the \
             policy acts on {} DoFs with other bounds than the {} DoFs of that file; ship it \
             with the character it was trained on",
            dir.display(),
            c.char_file.display(),
            state.action_space.action_len(),
            here.action_len()
        )));
    }
    eprintln!(
        "note: {} predates character fingerprints; its fingerprint is taken from char_file {} \
         (its DoFs and action bounds fit the policy)",
        dir.display(),
        c.char_file.display()
    );
    Ok(Some(CharacterFingerprint::of(&model)))
}
