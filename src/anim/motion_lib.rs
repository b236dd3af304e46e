//! The motion library: clips sampled by weight and time, frames interpolated, velocities by finite
//! differences, looping clips carried forward — MimicKit's `MotionLib`.

use std::path::{Path, PathBuf};

use glam::{Quat, Vec3};
use rand::RngExt;
use serde::Deserialize;

use super::character::{CharacterModel, Joint};
use super::motion::{LoopMode, MotionClip, MotionError, load_motion};
use super::rotation::{positive_w, quat_to_exp_map, slerp};
use crate::SeededRng;

/// The reference state of the character at one time of one clip.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MotionFrame {
    /// Root position.
    pub root_pos: Vec3,
    /// Root rotation.
    pub root_rot: Quat,
    /// Root linear velocity (world).
    pub root_vel: Vec3,
    /// Root angular velocity (world).
    pub root_ang_vel: Vec3,
    /// Each body's joint rotation (identity for root and fixed joints).
    pub joint_rots: Vec<Quat>,
    /// Actuated DoFs.
    pub dofs: Vec<f32>,
    /// DoF velocities (local angular velocity of spherical joints, rate of hinges).
    pub dof_vel: Vec<f32>,
}

/// One clip with its precomputed per-frame rotations and velocities.
#[derive(Clone)]
struct ClipData {
    clip: MotionClip,
    weight: f32,
    root_rot: Vec<Quat>,
    /// `[frame][body]`.
    joint_rots: Vec<Vec<Quat>>,
    root_vel: Vec<Vec3>,
    root_ang_vel: Vec<Vec3>,
    dof_vel: Vec<Vec<f32>>,
}

/// Clips for one character, ready to sample.
#[derive(Clone)]
pub struct MotionLib {
    model: CharacterModel,
    clips: Vec<ClipData>,
    /// Cumulative normalised weights, for sampling.
    cumulative: Vec<f32>,
    /// Each clip's name (its file's stem).
    names: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Dataset {
    motions: Vec<DatasetEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DatasetEntry {
    file: PathBuf,
    #[serde(default = "one")]
    weight: f32,
}

fn one() -> f32 {
    1.0
}

fn stem(file: &Path) -> String {
    file.file_stem().map_or_else(
        || file.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    )
}

/// Where a dataset entry `file` is: as given (absolute, or from the working directory, as
/// MimicKit resolves it), else in `base`, the dataset YAML's folder.
fn resolve_entry(file: &Path, base: &Path) -> Result<PathBuf, String> {
    let candidates = if file.is_absolute() || base.as_os_str().is_empty() {
        vec![file.to_path_buf()]
    } else {
        vec![file.to_path_buf(), base.join(file)]
    };
    if let Some(found) = candidates.iter().find(|c| crate::files::exists(c)) {
        return Ok(found.clone());
    }
    let cwd = std::env::current_dir().map_or_else(|_| ".".into(), |d| d.display().to_string());
    let looked: Vec<String> = candidates
        .iter()
        .map(|c| {
            if c.is_absolute() {
                c.display().to_string()
            } else {
                format!("{} (from the working directory {cwd})", c.display())
            }
        })
        .collect();
    Err(format!(
        "`{}` not found; looked at {}",
        file.display(),
        looked.join(" and ")
    ))
}

impl MotionLib {
    /// A library of one clip file, or of a dataset YAML (`motions: [{file, weight}]`). A
    /// dataset's relative file is looked for as MimicKit does, from the working directory, then
    /// from the YAML's folder.
    pub fn load(file: &Path, model: &CharacterModel) -> Result<Self, MotionError> {
        let is_yaml = matches!(
            file.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        if !is_yaml {
            return Ok(Self::from_clips(
                model.clone(),
                vec![(load_motion(file, model)?, 1.0)],
                file,
            )?
            .with_names(vec![stem(file)]));
        }
        let err = |field: Option<String>, message: String| MotionError {
            file: file.to_path_buf(),
            field,
            message,
        };
        let text = crate::files::read_to_string(file)
            .map_err(|e| err(None, format!("cannot read: {e}")))?;
        let de = serde_yaml_ng::Deserializer::from_str(&text);
        let dataset: Dataset = serde_path_to_error::deserialize(de)
            .map_err(|e| err(Some(e.path().to_string()), e.into_inner().to_string()))?;
        let base = file.parent().unwrap_or(Path::new("."));
        let mut clips = Vec::with_capacity(dataset.motions.len());
        let names = dataset.motions.iter().map(|e| stem(&e.file)).collect();
        for (i, entry) in dataset.motions.into_iter().enumerate() {
            if !(entry.weight.is_finite() && entry.weight >= 0.0) {
                return Err(err(
                    Some(format!("motions[{i}].weight")),
                    format!("must be ≥ 0, got {}", entry.weight),
                ));
            }
            let path = resolve_entry(&entry.file, base)
                .map_err(|message| err(Some(format!("motions[{i}].file")), message))?;
            clips.push((load_motion(&path, model)?, entry.weight));
        }
        Ok(Self::from_clips(model.clone(), clips, file)?.with_names(names))
    }

    /// A library of clips with weights (normalised to sum to 1).
    pub fn from_clips(
        model: CharacterModel,
        clips: Vec<(MotionClip, f32)>,
        source: &Path,
    ) -> Result<Self, MotionError> {
        let total: f32 = clips.iter().map(|(_, w)| w).sum();
        if clips.is_empty() || total <= 0.0 {
            return Err(MotionError {
                file: source.to_path_buf(),
                field: Some("motions".into()),
                message: "needs at least one clip with a positive weight".into(),
            });
        }
        let mut acc = 0.0;
        let cumulative = clips
            .iter()
            .map(|(_, w)| {
                acc += w / total;
                acc
            })
            .collect();
        let names = (0..clips.len()).map(|i| format!("clip {i}")).collect();
        let clips = clips
            .into_iter()
            .map(|(clip, w)| ClipData::new(clip, w / total, &model))
            .collect();
        Ok(Self {
            model,
            clips,
            cumulative,
            names,
        })
    }

    /// Names the clips (extra names are ignored; missing ones keep `clip i`).
    pub fn with_names(mut self, names: Vec<String>) -> Self {
        for (dst, name) in self.names.iter_mut().zip(names) {
            *dst = name;
        }
        self
    }

    /// Clip `i`'s name: its file's stem, or `clip i`.
    pub fn name(&self, i: usize) -> &str {
        &self.names[i]
    }

    /// Number of clips.
    pub fn num_clips(&self) -> usize {
        self.clips.len()
    }

    /// The character.
    pub fn model(&self) -> &CharacterModel {
        &self.model
    }

    /// Clip `i`.
    pub fn clip(&self, i: usize) -> &MotionClip {
        &self.clips[i].clip
    }

    /// Normalised weight of clip `i`.
    pub fn weight(&self, i: usize) -> f32 {
        self.clips[i].weight
    }

    /// Duration of clip `i` in seconds.
    pub fn length(&self, i: usize) -> f32 {
        self.clips[i].clip.length()
    }

    /// A clip drawn by weight.
    pub fn sample_clip(&self, rng: &mut SeededRng) -> usize {
        let u: f32 = rng.random_range(0.0..1.0);
        self.cumulative
            .iter()
            .position(|&c| u < c)
            .unwrap_or(self.clips.len() - 1)
    }

    /// A time drawn uniformly in `[0, length)` of clip `i`.
    pub fn sample_time(&self, i: usize, rng: &mut SeededRng) -> f32 {
        let len = self.length(i);
        if len > 0.0 {
            rng.random_range(0.0..len)
        } else {
            0.0
        }
    }

    /// The reference state of clip `i` at time `t` (seconds), written into `out`.
    ///
    /// Positions are interpolated linearly and rotations by slerp between the two frames around
    /// `t`; velocities are those of the earlier frame. Wrapping clips repeat, each cycle moved on
    /// by the clip's horizontal root displacement; clamping clips hold their ends.
    pub fn frame(&self, i: usize, t: f32, out: &mut MotionFrame) {
        let c = &self.clips[i];
        let n = c.clip.num_frames();
        let len = c.clip.length();
        let (mut phase, cycles) = if len > 0.0 {
            let p = t / len;
            match c.clip.loop_mode {
                LoopMode::Wrap => (p - p.floor(), p.floor()),
                LoopMode::Clamp => (p, 0.0),
            }
        } else {
            (0.0, 0.0)
        };
        phase = phase.clamp(0.0, 1.0);
        let x = phase * (n - 1) as f32;
        let i0 = (x.floor() as usize).min(n - 1);
        let i1 = (i0 + 1).min(n - 1);
        let blend = x - i0 as f32;

        let mut offset = Vec3::ZERO;
        if cycles != 0.0 {
            let d = c.clip.root_pos(n - 1) - c.clip.root_pos(0);
            offset = Vec3::new(d.x, d.y, 0.0) * cycles;
        }
        out.root_pos = c.clip.root_pos(i0).lerp(c.clip.root_pos(i1), blend) + offset;
        out.root_rot = slerp(c.root_rot[i0], c.root_rot[i1], blend);
        out.root_vel = c.root_vel[i0];
        out.root_ang_vel = c.root_ang_vel[i0];
        out.joint_rots.clear();
        out.joint_rots.extend(
            c.joint_rots[i0]
                .iter()
                .zip(&c.joint_rots[i1])
                .map(|(a, b)| slerp(*a, *b, blend)),
        );
        self.model
            .joint_rots_to_dofs_into(&out.joint_rots, &mut out.dofs);
        out.dof_vel.clone_from(&c.dof_vel[i0]);
    }
}

impl ClipData {
    fn new(clip: MotionClip, weight: f32, model: &CharacterModel) -> Self {
        let n = clip.num_frames();
        let dt = 1.0 / clip.fps;
        let root_rot: Vec<Quat> = (0..n).map(|f| positive_w(clip.root_rot(f))).collect();
        let joint_rots: Vec<Vec<Quat>> = (0..n)
            .map(|f| {
                model
                    .dofs_to_joint_rots(clip.dofs(f))
                    .into_iter()
                    .map(positive_w)
                    .collect()
            })
            .collect();
        let mut root_vel = Vec::with_capacity(n);
        let mut root_ang_vel = Vec::with_capacity(n);
        let mut dof_vel = Vec::with_capacity(n);
        for f in 0..n.saturating_sub(1) {
            root_vel.push((clip.root_pos(f + 1) - clip.root_pos(f)) / dt);
            // World angular velocity: the rotation from one frame to the next, in world axes.
            root_ang_vel.push(quat_to_exp_map(root_rot[f + 1] * root_rot[f].inverse()) / dt);
            let mut v = vec![0.0; model.num_dofs()];
            for (j, b) in model.bodies.iter().enumerate() {
                // Local angular velocity of the joint, projected on the axis for hinges.
                let w = quat_to_exp_map(joint_rots[f][j].inverse() * joint_rots[f + 1][j]) / dt;
                match &b.joint {
                    Joint::Spherical { .. } => {
                        v[b.dof_offset..b.dof_offset + 3].copy_from_slice(&w.to_array())
                    }
                    Joint::Hinge { axis, .. } => v[b.dof_offset] = w.dot(*axis),
                    Joint::Free | Joint::Fixed => {}
                }
            }
            dof_vel.push(v);
        }
        // The last frame repeats the previous velocities (or zeros for a one-frame clip).
        root_vel.push(root_vel.last().copied().unwrap_or(Vec3::ZERO));
        root_ang_vel.push(root_ang_vel.last().copied().unwrap_or(Vec3::ZERO));
        dof_vel.push(
            dof_vel
                .last()
                .cloned()
                .unwrap_or_else(|| vec![0.0; model.num_dofs()]),
        );
        Self {
            clip,
            weight,
            root_rot,
            joint_rots,
            root_vel,
            root_ang_vel,
            dof_vel,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_entries_are_found_among_embedded_files() {
        // The web demo embeds its clips beside the dataset YAML's path; nothing is on disk.
        crate::files::embed("embedded_dataset/clips/walk.bmotion", b"");
        let found = resolve_entry(
            Path::new("clips/walk.bmotion"),
            Path::new("embedded_dataset"),
        );
        assert_eq!(
            found.unwrap(),
            Path::new("embedded_dataset/clips/walk.bmotion")
        );
        let missing = resolve_entry(
            Path::new("clips/run.bmotion"),
            Path::new("embedded_dataset"),
        );
        assert!(
            missing
                .unwrap_err()
                .contains("embedded_dataset/clips/run.bmotion")
        );
    }
}
