//! Motion clips: MimicKit's frame layout (root position, root rotation as an exponential map,
//! then the character's DoFs), loaders for MimicKit `.pkl`, DeepMimic `.txt` and Isaac Lab `.npz`
//! clips converted onto a [`CharacterModel`], and `.bmotion`, the compact format the project
//! ships clips in.

use std::path::{Path, PathBuf};

use glam::{Quat, Vec3};
use serde::Deserialize;

use super::character::CharacterModel;
use super::npz::{NpyArray, read_npz};
use super::pickle::{Value, unpickle};
use super::rotation::{exp_map_to_quat, quat_to_exp_map};

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

    /// The clip in the `.bmotion` format: magic, version, loop mode, fps, frame count and size,
    /// little-endian f32 frames, and a CRC-32C of all that.
    pub fn to_bmotion(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 + self.frames.len() * 4);
        out.extend_from_slice(BMOTION_MAGIC);
        out.extend_from_slice(&BMOTION_VERSION.to_le_bytes());
        out.push(match self.loop_mode {
            LoopMode::Clamp => 0,
            LoopMode::Wrap => 1,
        });
        out.extend_from_slice(&[0; 3]);
        out.extend_from_slice(&self.fps.to_le_bytes());
        out.extend_from_slice(&(self.num_frames() as u32).to_le_bytes());
        out.extend_from_slice(&(self.frame_dim as u32).to_le_bytes());
        for v in &self.frames {
            out.extend_from_slice(&v.to_le_bytes());
        }
        let crc = crc32c::crc32c(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Reads a `.bmotion` file's bytes (`file` names it in errors).
    pub fn from_bmotion(bytes: &[u8], file: &Path) -> Result<Self, MotionError> {
        let header = 8 + 4 + 4 + 4 + 4 + 4;
        if bytes.len() < header + 4 || &bytes[..8] != BMOTION_MAGIC {
            return Err(err(file, None, "not a .bmotion file"));
        }
        let (body, crc) = bytes.split_at(bytes.len() - 4);
        if crc32c::crc32c(body) != u32::from_le_bytes(crc.try_into().unwrap()) {
            return Err(err(file, None, "corrupt or truncated: checksum mismatch"));
        }
        let u32_at = |i: usize| u32::from_le_bytes(body[i..i + 4].try_into().unwrap());
        if u32_at(8) != BMOTION_VERSION {
            return Err(err(
                file,
                Some("version"),
                format!("{} is not the supported {BMOTION_VERSION}", u32_at(8)),
            ));
        }
        let loop_mode = match body[12] {
            0 => LoopMode::Clamp,
            1 => LoopMode::Wrap,
            v => return Err(err(file, Some("loop_mode"), format!("{v} is not 0 or 1"))),
        };
        let fps = f32::from_le_bytes(body[16..20].try_into().unwrap());
        let (n, dim) = (u32_at(20) as usize, u32_at(24) as usize);
        let data = &body[header..];
        if dim < 6 || data.len() != n * dim * 4 {
            return Err(err(
                file,
                Some("frames"),
                format!("{} bytes for {n} frames of {dim} values", data.len()),
            ));
        }
        let clip = Self {
            fps,
            loop_mode,
            frame_dim: dim,
            frames: data
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                .collect(),
        };
        clip.validate(file)?;
        Ok(clip)
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

    /// Lowest point of the character (any geom) in each frame.
    pub fn lowest_points(&self, model: &CharacterModel) -> Vec<f32> {
        (0..self.num_frames())
            .map(|f| {
                let rots = model.dofs_to_joint_rots(self.dofs(f));
                let (pos, rot) =
                    model.forward_kinematics(self.root_pos(f), self.root_rot(f), &rots);
                model.lowest_point(&pos, &rot)
            })
            .collect()
    }

    /// How far the character floats (+) or sinks (−) while it touches the ground: the mean lowest
    /// point over the half of the frames where it is lowest (airborne frames of flips and jumps
    /// are left out by design).
    pub fn support_height(&self, model: &CharacterModel) -> f32 {
        let mut low = self.lowest_points(model);
        low.sort_by(f32::total_cmp);
        let support = &low[..low.len().div_ceil(2)];
        support.iter().sum::<f32>() / support.len() as f32
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

    /// Moves every frame's root up by `dz`.
    pub fn shift_height(&mut self, dz: f32) {
        for frame in self.frames.chunks_exact_mut(self.frame_dim) {
            frame[2] += dz;
        }
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

const BMOTION_MAGIC: &[u8; 8] = b"BMMOTION";
const BMOTION_VERSION: u32 = 1;

/// Reads a clip for `model` from a `.bmotion`, MimicKit `.pkl`, DeepMimic `.txt` or Isaac Lab
/// `.npz` file.
pub fn load_motion(file: &Path, model: &CharacterModel) -> Result<MotionClip, MotionError> {
    let bytes =
        crate::files::read(file).map_err(|e| err(file, None, format!("cannot read: {e}")))?;
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let clip = match ext {
        "bmotion" => MotionClip::from_bmotion(&bytes, file)?,
        "txt" => from_deepmimic(&bytes, file, model)?,
        "npz" => from_isaaclab_npz(&bytes, file, model)?,
        "pkl" => from_mimickit_pkl(&bytes, file)?,
        _ => {
            return Err(err(
                file,
                None,
                "unknown motion format (expected .bmotion, .pkl, .txt or .npz)",
            ));
        }
    };
    clip.check_fits(model, file)?;
    Ok(clip)
}

/// Reads a MimicKit motion pickle (`loop_mode` 0/1, `fps`, `frames` as lists of
/// `6 + DoF` numbers); its frames are already in this layout.
pub fn from_mimickit_pkl(bytes: &[u8], file: &Path) -> Result<MotionClip, MotionError> {
    let v = unpickle(bytes).map_err(|e| err(file, None, e))?;
    let loop_mode = match v.get("loop_mode").and_then(Value::as_f64) {
        Some(0.0) => LoopMode::Clamp,
        Some(1.0) => LoopMode::Wrap,
        _ => {
            return Err(err(
                file,
                Some("loop_mode"),
                "must be 0 (CLAMP) or 1 (WRAP)",
            ));
        }
    };
    let fps = v
        .get("fps")
        .and_then(Value::as_f64)
        .ok_or_else(|| err(file, Some("fps"), "is missing or not a number"))? as f32;
    let Some(Value::List(rows)) = v.get("frames") else {
        return Err(err(
            file,
            Some("frames"),
            "is missing or not a list of frames",
        ));
    };
    let frame_dim = match rows.first() {
        Some(Value::List(r)) => r.len(),
        _ => return Err(err(file, Some("frames"), "is empty or not a list of lists")),
    };
    let mut frames = Vec::with_capacity(rows.len() * frame_dim);
    for (i, row) in rows.iter().enumerate() {
        let field = || format!("frames[{i}]");
        let Value::List(values) = row else {
            return Err(err(file, Some(&field()), "is not a list"));
        };
        if values.len() != frame_dim {
            return Err(err(
                file,
                Some(&field()),
                format!("has {} values, frame 0 has {frame_dim}", values.len()),
            ));
        }
        for x in values {
            frames.push(
                x.as_f64().ok_or_else(|| {
                    err(file, Some(&field()), "holds a value that is not a number")
                })? as f32,
            );
        }
    }
    let clip = MotionClip {
        fps,
        loop_mode,
        frame_dim,
        frames,
    };
    clip.validate(file)?;
    Ok(clip)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeepMimicFile {
    #[serde(rename = "Loop")]
    loop_mode: String,
    frames: Vec<Vec<f32>>,
}

/// DeepMimic's humanoid3d joints in its frame order, with the body each drives here and whether
/// it is a hinge.
const DEEPMIMIC_JOINTS: [(&str, bool); 12] = [
    ("torso", false),
    ("head", false),
    ("right_thigh", false),
    ("right_shin", true),
    ("right_foot", false),
    ("right_upper_arm", false),
    ("right_lower_arm", true),
    ("left_thigh", false),
    ("left_shin", true),
    ("left_foot", false),
    ("left_upper_arm", false),
    ("left_lower_arm", true),
];

/// DeepMimic clips are Y-up (x forward, z right); this humanoid is Z-up (x forward, y left):
/// a quarter turn about +x maps one onto the other.
fn y_up_to_z_up() -> Quat {
    Quat::from_rotation_x(std::f32::consts::FRAC_PI_2)
}

/// Converts a DeepMimic humanoid3d clip (JSON: `Loop`, `Frames` of 44 values: duration, root
/// position, root and joint quaternions w-x-y-z, hinge angles) onto `model`.
pub fn from_deepmimic(
    bytes: &[u8],
    file: &Path,
    model: &CharacterModel,
) -> Result<MotionClip, MotionError> {
    let dm: DeepMimicFile = serde_json::from_slice(bytes)
        .map_err(|e| err(file, None, format!("not a DeepMimic motion: {e}")))?;
    let loop_mode = match dm.loop_mode.as_str() {
        "wrap" => LoopMode::Wrap,
        "none" => LoopMode::Clamp,
        other => {
            return Err(err(
                file,
                Some("Loop"),
                format!("`{other}` is not `wrap` or `none`"),
            ));
        }
    };
    let first = dm
        .frames
        .first()
        .ok_or_else(|| err(file, Some("Frames"), "is empty"))?;
    // DeepMimic stores a duration per frame; its clips use one duration throughout (rounded, e.g.
    // 0.033332 s), so the rate is the first frame's, snapped to a whole number when that close.
    let raw_fps = 1.0 / first.first().copied().unwrap_or(0.0);
    let fps = if (raw_fps - raw_fps.round()).abs() < 1e-3 * raw_fps {
        raw_fps.round()
    } else {
        raw_fps
    };
    let mut clip = MotionClip::empty(fps, loop_mode, model);
    let bodies: Vec<usize> = DEEPMIMIC_JOINTS
        .iter()
        .map(|(name, _)| {
            model.body_index(name).ok_or_else(|| {
                err(
                    file,
                    None,
                    format!("the character has no body `{name}` to map DeepMimic's joints onto"),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let c = y_up_to_z_up();
    let quat = |v: &[f32]| Quat::from_xyzw(v[1], v[2], v[3], v[0]).normalize();
    for (f, values) in dm.frames.iter().enumerate() {
        if values.len() != 44 {
            return Err(err(
                file,
                Some(&format!("Frames[{f}]")),
                format!("has {} values, a humanoid3d frame has 44", values.len()),
            ));
        }
        let root_pos = c * Vec3::from_slice(&values[1..4]);
        let root_rot = c * quat(&values[4..8]) * c.inverse();
        let mut rots = vec![Quat::IDENTITY; model.num_bodies()];
        let mut at = 8;
        for (&body, &(_, hinge)) in bodies.iter().zip(DEEPMIMIC_JOINTS.iter()) {
            rots[body] = if hinge {
                // A hinge about DeepMimic's z is a hinge about this model's −y.
                let angle = values[at];
                at += 1;
                Quat::from_axis_angle(Vec3::NEG_Y, angle)
            } else {
                let q = c * quat(&values[at..at + 4]) * c.inverse();
                at += 4;
                q
            };
        }
        let dofs = model.joint_rots_to_dofs(&rots);
        clip.push_frame(root_pos, root_rot, &dofs);
    }
    clip.validate(file)?;
    Ok(clip)
}

/// Converts an Isaac Lab AMP clip (`fps`, `body_names`, `body_positions`, `body_rotations`
/// w-x-y-z) onto `model`, matching bodies by name. Joint rotations come from the stored body
/// rotations (`rot_parent⁻¹ · rot_body`): the clips' `dof_positions` disagree with their own body
/// rotations by up to ~5° on large hip angles, whatever order the three hinges are composed in.
/// The shipped clips are 30 Hz mocap stored at 60 Hz with every frame twice; such repeats are
/// dropped (the clip keeps its true 30 Hz), since they would make finite-difference velocities
/// alternate between zero and double.
pub fn from_isaaclab_npz(
    bytes: &[u8],
    file: &Path,
    model: &CharacterModel,
) -> Result<MotionClip, MotionError> {
    let arrays = read_npz(bytes).map_err(|e| err(file, None, e))?;
    let numbers = |key: &str| -> Result<(&Vec<usize>, &Vec<f64>), MotionError> {
        match arrays.get(key) {
            Some(NpyArray::Numbers { shape, data }) => Ok((shape, data)),
            Some(_) => Err(err(file, Some(key), "is not numeric")),
            None => Err(err(file, Some(key), "is missing")),
        }
    };
    let names = match arrays.get("body_names") {
        Some(NpyArray::Strings { data, .. }) => data,
        _ => return Err(err(file, Some("body_names"), "is missing or not strings")),
    };
    let fps = numbers("fps")?.1.first().copied().unwrap_or(0.0) as f32;
    let (bp_shape, body_pos) = numbers("body_positions")?;
    let (br_shape, body_rot) = numbers("body_rotations")?;
    let (n, nb) = (*bp_shape.first().unwrap_or(&0), names.len());
    if bp_shape.as_slice() != [n, nb, 3] || br_shape.as_slice() != [n, nb, 4] {
        return Err(err(
            file,
            Some("body_positions"),
            format!("shapes {bp_shape:?} and {br_shape:?} do not match {nb} body_names"),
        ));
    }
    let columns: Vec<usize> = model
        .bodies
        .iter()
        .map(|b| {
            names.iter().position(|d| *d == b.name).ok_or_else(|| {
                err(
                    file,
                    Some("body_names"),
                    format!("has no `{}`, which the character needs", b.name),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let mut clip = MotionClip::empty(fps, LoopMode::Clamp, model);
    let mut world = vec![Quat::IDENTITY; model.num_bodies()];
    let mut local = vec![Quat::IDENTITY; model.num_bodies()];
    for f in 0..n {
        for (j, &c) in columns.iter().enumerate() {
            let r = &body_rot[(f * nb + c) * 4..(f * nb + c) * 4 + 4];
            world[j] =
                Quat::from_xyzw(r[1] as f32, r[2] as f32, r[3] as f32, r[0] as f32).normalize();
        }
        for (j, b) in model.bodies.iter().enumerate() {
            if let Some(p) = b.parent {
                local[j] = b.local_rot.inverse() * world[p].inverse() * world[j];
            }
        }
        let p = &body_pos[f * nb * 3 + columns[0] * 3..f * nb * 3 + columns[0] * 3 + 3];
        let root_pos = Vec3::new(p[0] as f32, p[1] as f32, p[2] as f32);
        clip.push_frame(root_pos, world[0], &model.joint_rots_to_dofs(&local));
    }
    clip.drop_repeated_frames();
    clip.validate(file)?;
    Ok(clip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bmotion_round_trips_and_refuses_damage() {
        let clip = MotionClip {
            fps: 30.0,
            loop_mode: LoopMode::Wrap,
            frame_dim: 7,
            frames: (0..21).map(|v| v as f32 * 0.5).collect(),
        };
        let bytes = clip.to_bmotion();
        let path = Path::new("walk.bmotion");
        assert_eq!(MotionClip::from_bmotion(&bytes, path).unwrap(), clip);
        assert_eq!(clip.num_frames(), 3);
        assert!((clip.length() - 2.0 / 30.0).abs() < 1e-7);
        let e = MotionClip::from_bmotion(&bytes[..bytes.len() - 9], path).unwrap_err();
        assert!(
            e.to_string().contains("walk.bmotion") && e.to_string().contains("checksum"),
            "{e}"
        );
        assert!(MotionClip::from_bmotion(b"hello", path).is_err());
    }
}
