//! The Isaac Lab `.npz` converter: AMP clips of body positions and rotations mapped onto a
//! character by body name.

use std::path::Path;

use glam::{Quat, Vec3};

use super::{LoopMode, MotionClip, MotionError, err};
use crate::anim::character::CharacterModel;
use crate::anim::npz::{NpyArray, read_npz};

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
