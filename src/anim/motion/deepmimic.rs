//! The DeepMimic `.txt` converter: humanoid3d clips (Y-up JSON frames of quaternions and hinge
//! angles) mapped onto a character by body name.

use std::path::Path;

use glam::{Quat, Vec3};
use serde::Deserialize;

use super::{LoopMode, MotionClip, MotionError, err};
use crate::anim::character::CharacterModel;

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
