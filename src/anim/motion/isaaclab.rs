//! The Isaac Lab `.npz` converter: AMP clips of body positions and rotations mapped onto a
//! character by body name.

use std::path::Path;

use glam::{Quat, Vec3};

use super::{LoopMode, MotionClip, MotionError, err};
use crate::anim::character::CharacterModel;
use crate::anim::npz::{NpyArray, read_npz};

/// How far (m) a clip's bone may be from the character's rest offset and still be its skeleton.
const BONE_TOLERANCE: f32 = 0.01;

/// An Isaac Lab AMP clip as stored: per frame, every named body's world position and rotation.
pub struct IsaacLabClip<'a> {
    file: &'a Path,
    fps: f32,
    names: Vec<String>,
    frames: usize,
    body_pos: Vec<f64>,
    body_rot: Vec<f64>,
}

impl<'a> IsaacLabClip<'a> {
    /// Reads an Isaac Lab AMP clip (`fps`, `body_names`, `body_positions`, `body_rotations`
    /// w-x-y-z).
    pub fn read(bytes: &[u8], file: &'a Path) -> Result<Self, MotionError> {
        let mut arrays = read_npz(bytes).map_err(|e| err(file, None, e))?;
        let mut numbers = |key: &str| -> Result<(Vec<usize>, Vec<f64>), MotionError> {
            match arrays.remove(key) {
                Some(NpyArray::Numbers { shape, data }) => Ok((shape, data)),
                Some(_) => Err(err(file, Some(key), "is not numeric")),
                None => Err(err(file, Some(key), "is missing")),
            }
        };
        let fps = numbers("fps")?.1.first().copied().unwrap_or(0.0) as f32;
        let (bp_shape, body_pos) = numbers("body_positions")?;
        let (br_shape, body_rot) = numbers("body_rotations")?;
        let names = match arrays.remove("body_names") {
            Some(NpyArray::Strings { data, .. }) => data,
            _ => return Err(err(file, Some("body_names"), "is missing or not strings")),
        };
        let (frames, nb) = (*bp_shape.first().unwrap_or(&0), names.len());
        if bp_shape.as_slice() != [frames, nb, 3] || br_shape.as_slice() != [frames, nb, 4] {
            return Err(err(
                file,
                Some("body_positions"),
                format!("shapes {bp_shape:?} and {br_shape:?} do not match {nb} body_names"),
            ));
        }
        Ok(Self {
            file,
            fps,
            names,
            frames,
            body_pos,
            body_rot,
        })
    }

    /// The clip's column of each of `model`'s bodies.
    fn columns(&self, model: &CharacterModel) -> Result<Vec<usize>, MotionError> {
        model
            .bodies
            .iter()
            .map(|b| {
                self.names.iter().position(|d| *d == b.name).ok_or_else(|| {
                    err(
                        self.file,
                        Some("body_names"),
                        format!("has no `{}`, which the character needs", b.name),
                    )
                })
            })
            .collect()
    }

    fn pos(&self, f: usize, c: usize) -> Vec3 {
        let p = &self.body_pos[(f * self.names.len() + c) * 3..][..3];
        Vec3::new(p[0] as f32, p[1] as f32, p[2] as f32)
    }

    fn rot(&self, f: usize, c: usize) -> Quat {
        let r = &self.body_rot[(f * self.names.len() + c) * 4..][..4];
        Quat::from_xyzw(r[1] as f32, r[2] as f32, r[3] as f32, r[0] as f32).normalize()
    }

    /// `None` when the clip's skeleton is `model`'s: every bone of its first frame, seen from
    /// the parent, is the model's rest offset within 1 cm. Otherwise the first bone that is not.
    pub fn skeleton_difference(
        &self,
        model: &CharacterModel,
    ) -> Result<Option<String>, MotionError> {
        let columns = self.columns(model)?;
        if self.frames == 0 {
            return Err(err(self.file, Some("body_positions"), "holds no frames"));
        }
        for (j, b) in model.bodies.iter().enumerate() {
            let Some(p) = b.parent else { continue };
            let (cp, cj) = (columns[p], columns[j]);
            let bone = self.rot(0, cp).inverse() * (self.pos(0, cj) - self.pos(0, cp));
            if bone.distance(b.local_pos) > BONE_TOLERANCE {
                return Ok(Some(format!(
                    "`{}` sits at {:?} from `{}` in the clip, at {:?} on the character",
                    b.name,
                    bone.to_array(),
                    model.bodies[p].name,
                    b.local_pos.to_array()
                )));
            }
        }
        Ok(None)
    }

    /// The clip on `model`, matching bodies by name. Joint rotations come from the stored body
    /// rotations (`rot_parent⁻¹ · rot_body`): the clips' `dof_positions` disagree with their own
    /// body rotations by up to ~5° on large hip angles, whatever order the three hinges are
    /// composed in. The shipped clips are 30 Hz mocap stored at 60 Hz with every frame twice;
    /// such repeats are dropped (the clip keeps its true 30 Hz), since they would make
    /// finite-difference velocities alternate between zero and double.
    pub fn onto(&self, model: &CharacterModel) -> Result<MotionClip, MotionError> {
        let columns = self.columns(model)?;
        let mut clip = MotionClip::empty(self.fps, LoopMode::Clamp, model);
        let mut world = vec![Quat::IDENTITY; model.num_bodies()];
        let mut local = vec![Quat::IDENTITY; model.num_bodies()];
        for f in 0..self.frames {
            for (j, &c) in columns.iter().enumerate() {
                world[j] = self.rot(f, c);
            }
            for (j, b) in model.bodies.iter().enumerate() {
                if let Some(p) = b.parent {
                    local[j] = b.local_rot.inverse() * world[p].inverse() * world[j];
                }
            }
            clip.push_frame(
                self.pos(f, columns[0]),
                world[0],
                &model.joint_rots_to_dofs(&local),
            );
        }
        clip.drop_repeated_frames();
        clip.validate(self.file)?;
        Ok(clip)
    }
}

/// Converts an Isaac Lab AMP clip onto `model` by body name (see [`IsaacLabClip::onto`]),
/// without checking that the clip was made for that skeleton.
pub fn from_isaaclab_npz(
    bytes: &[u8],
    file: &Path,
    model: &CharacterModel,
) -> Result<MotionClip, MotionError> {
    IsaacLabClip::read(bytes, file)?.onto(model)
}
