//! Motion clips: MimicKit's frame layout (root position, root rotation as an exponential map,
//! then the character's DoFs), loaders for MimicKit `.pkl`, DeepMimic `.txt` and Isaac Lab `.npz`
//! clips converted onto a [`CharacterModel`], and `.bmotion`, the compact format the project
//! ships clips in.
//!
//! This file holds the clip type, its error and [`load_motion`]; `bmotion` holds the `.bmotion`
//! format, `ground` the ground calibration, and `mimickit`, `deepmimic` and `isaaclab` the
//! converters.

mod bmotion;
mod deepmimic;
mod ground;
mod isaaclab;
mod mimickit;
mod onto;
mod poselib;

use std::path::{Path, PathBuf};

use glam::{Quat, Vec3};

use super::character::CharacterModel;
use super::fingerprint::CharacterFingerprint;
use super::rotation::{exp_map_to_quat, quat_to_exp_map};
pub use deepmimic::from_deepmimic;
pub use isaaclab::from_isaaclab_npz;
pub use mimickit::from_mimickit_pkl;
use onto::shipped_character;
pub use onto::{Converted, MAX_RETARGET_ERROR, convert_motion, retarget_onto, shipped_model};
pub use poselib::{PoselibClip, from_poselib_npy};

/// What happens past the end of a clip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoopMode {
    /// Hold the last frame (MimicKit's CLAMP, 0).
    Clamp,
    /// Start over, carrying the root forward by the clip's displacement (WRAP, 1).
    Wrap,
}

/// A clip: `num_frames` frames of `6 + num_dofs` values at `fps`.
#[derive(Clone, Debug, PartialEq)]
pub struct MotionClip {
    /// Frames per second.
    pub fps: f32,
    /// Loop behaviour.
    pub loop_mode: LoopMode,
    /// Values per frame: 3 root position, 3 root exp map, then DoFs.
    pub frame_dim: usize,
    /// Frames, row-major.
    pub frames: Vec<f32>,
}

/// A motion file that could not be read or converted.
#[derive(Debug, thiserror::Error)]
#[error("{}: {}{message}", file.display(), field.as_ref().map(|f| format!("`{f}`: ")).unwrap_or_default())]
pub struct MotionError {
    /// The file.
    pub file: PathBuf,
    /// The field (key, array, frame), when the problem is in one.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

fn err(file: &Path, field: Option<&str>, message: impl Into<String>) -> MotionError {
    MotionError {
        file: file.to_path_buf(),
        field: field.map(str::to_string),
        message: message.into(),
    }
}

impl MotionClip {
    /// Number of frames.
    pub fn num_frames(&self) -> usize {
        self.frames.len() / self.frame_dim
    }

    /// Duration in seconds, `(frames − 1) / fps`.
    pub fn length(&self) -> f32 {
        (self.num_frames().saturating_sub(1)) as f32 / self.fps
    }

    /// Frame `i`.
    pub fn frame(&self, i: usize) -> &[f32] {
        &self.frames[i * self.frame_dim..(i + 1) * self.frame_dim]
    }

    /// Root position of frame `i`.
    pub fn root_pos(&self, i: usize) -> Vec3 {
        Vec3::from_slice(&self.frame(i)[0..3])
    }

    /// Root rotation of frame `i`.
    pub fn root_rot(&self, i: usize) -> Quat {
        exp_map_to_quat(Vec3::from_slice(&self.frame(i)[3..6]))
    }

    /// DoFs of frame `i`.
    pub fn dofs(&self, i: usize) -> &[f32] {
        &self.frame(i)[6..]
    }

    fn push_frame(&mut self, root_pos: Vec3, root_rot: Quat, dofs: &[f32]) {
        self.frames.extend_from_slice(&root_pos.to_array());
        self.frames
            .extend_from_slice(&quat_to_exp_map(root_rot).to_array());
        self.frames.extend_from_slice(dofs);
    }

    fn empty(fps: f32, loop_mode: LoopMode, model: &CharacterModel) -> Self {
        Self {
            fps,
            loop_mode,
            frame_dim: 6 + model.num_dofs(),
            frames: Vec::new(),
        }
    }

    fn validate(&self, file: &Path) -> Result<(), MotionError> {
        if !(self.fps.is_finite() && self.fps > 0.0) {
            return Err(err(
                file,
                Some("fps"),
                format!("must be > 0, got {}", self.fps),
            ));
        }
        if self.num_frames() == 0 {
            return Err(err(file, Some("frames"), "the clip has no frames"));
        }
        if let Some(i) = self.frames.iter().position(|v| !v.is_finite()) {
            return Err(err(
                file,
                Some("frames"),
                format!("frame {} holds a non-finite value", i / self.frame_dim),
            ));
        }
        Ok(())
    }

    /// If every odd frame repeats the frame before it (a clip upsampled by repetition), keeps the
    /// even frames at half the rate and returns true; otherwise leaves the clip alone.
    pub fn drop_repeated_frames(&mut self) -> bool {
        let n = self.num_frames();
        if n < 4
            || !(1..n)
                .step_by(2)
                .all(|f| self.frame(f) == self.frame(f - 1))
        {
            return false;
        }
        let kept: Vec<f32> = (0..n)
            .step_by(2)
            .flat_map(|f| self.frame(f).to_vec())
            .collect();
        self.frames = kept;
        self.fps /= 2.0;
        true
    }

    /// Checks that the clip's frames fit `model`.
    pub fn check_fits(&self, model: &CharacterModel, file: &Path) -> Result<(), MotionError> {
        if self.frame_dim != 6 + model.num_dofs() {
            return Err(err(
                file,
                Some("frames"),
                format!(
                    "frames have {} values; the character needs 6 + {} DoFs",
                    self.frame_dim,
                    model.num_dofs()
                ),
            ));
        }
        Ok(())
    }
}

/// Reads a clip for `model` from a `.bmotion`, MimicKit `.pkl`, DeepMimic `.txt` or Isaac Lab
/// `.npz` file, or an ASE poselib `.npy`. A `.bmotion` must have been made for `model`; DeepMimic
/// and Isaac Lab clips are converted from their humanoid, and poselib clips from the skeleton they
/// record, retargeted (with a note) when `model` is another; MimicKit
/// `.pkl` clips record no character and are taken as made for `model`, as MimicKit does.
pub fn load_motion(file: &Path, model: &CharacterModel) -> Result<MotionClip, MotionError> {
    let bytes =
        crate::files::read(file).map_err(|e| err(file, None, format!("cannot read: {e}")))?;
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let clip = match ext {
        "bmotion" => {
            let (clip, made_for) = MotionClip::read_bmotion(&bytes, file)?;
            check_character(file, made_for.as_ref(), model)?;
            clip
        }
        "txt" | "npz" => {
            let converted = if ext == "txt" {
                onto::deepmimic_onto(&bytes, file, model)?
            } else {
                onto::isaaclab_onto(&bytes, file, model)?
            };
            onto::note_retargeted(file, &converted, "assets/characters/humanoid.xml");
            converted.clip
        }
        "npy" => {
            let converted = onto::poselib_onto(&bytes, file, model)?;
            onto::note_retargeted(file, &converted, "the skeleton it records");
            converted.clip
        }
        "pkl" => from_mimickit_pkl(&bytes, file)?,
        _ => {
            return Err(err(
                file,
                None,
                "unknown motion format (expected .bmotion, .pkl, .txt, .npz or .npy)",
            ));
        }
    };
    clip.check_fits(model, file)?;
    Ok(clip)
}

/// A `.bmotion` clip meets only the character it was made for: the one it records, or, when it
/// records none, `assets/characters/humanoid.xml` (with a note, once per file).
fn check_character(
    file: &Path,
    made_for: Option<&CharacterFingerprint>,
    model: &CharacterModel,
) -> Result<(), MotionError> {
    let here = CharacterFingerprint::of(model);
    let (made_for, unrecorded) = match made_for {
        Some(p) => (p, false),
        None => (shipped_character(), true),
    };
    if let Some(diff) = made_for.difference(&here) {
        let whose = if unrecorded {
            "records no character, so it is read as made for assets/characters/humanoid.xml"
        } else {
            "was made for another character"
        };
        return Err(err(
            file,
            Some("character"),
            format!(
                "{whose}, and this one differs (clip's character here, this one there): {diff}; retarget it onto this character with `bevy_mimic convert --input {} --char_file <this character's MJCF>`",
                file.display()
            ),
        ));
    }
    if unrecorded {
        static NOTED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
        let mut noted = NOTED.lock().expect("not poisoned");
        if !noted.iter().any(|f| f == file) {
            noted.push(file.to_path_buf());
            eprintln!(
                "note: {} records no character; read as made for assets/characters/humanoid.xml, which matches",
                file.display()
            );
        }
    }
    Ok(())
}
