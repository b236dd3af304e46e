//! The ASE poselib `.npy` converter: a `SkeletonMotion` saved by `np.save` (a pickled dict:
//! `skeleton_tree` with `node_names`, `parent_indices` and `local_translation`, per-frame
//! `rotation` quaternions x-y-z-w, local or global per `is_local`, `root_translation`, `fps`).
//! It is read through the allow-list unpickler, so nothing but data is ever rebuilt.

use std::path::Path;

use glam::{Quat, Vec3};

use super::{LoopMode, MotionClip, MotionError, err};
use crate::anim::character::{Body, CharacterModel, Joint};
use crate::anim::npz::read_npy_header;
use crate::anim::pickle::{Value, unpickle};

/// A poselib clip with the skeleton it records: every non-root node a 3-DoF joint at its
/// `local_translation`, as poselib models it.
pub struct PoselibClip {
    /// The clip on `skeleton`.
    pub clip: MotionClip,
    /// The recorded skeleton (no geoms, zero gains).
    pub skeleton: CharacterModel,
}

/// Reads an ASE poselib `SkeletonMotion` `.npy` file.
pub fn from_poselib_npy(bytes: &[u8], file: &Path) -> Result<PoselibClip, MotionError> {
    let header = read_npy_header(bytes).map_err(|e| err(file, None, e))?;
    if header.descr != "|O" || !header.shape.is_empty() {
        return Err(err(
            file,
            None,
            format!(
                "a poselib motion is one pickled object (dtype |O, shape ()); this .npy holds dtype {} of shape {:?}",
                header.descr, header.shape
            ),
        ));
    }
    let v = unpickle(&bytes[header.data_start..]).map_err(|e| err(file, None, e))?;
    if let Some(Value::Str(kind)) = v.get("__name__")
        && kind != "SkeletonMotion"
    {
        return Err(err(
            file,
            Some("__name__"),
            format!("is `{kind}`; only a SkeletonMotion is a clip"),
        ));
    }
    let tree = v
        .get("skeleton_tree")
        .ok_or_else(|| err(file, Some("skeleton_tree"), "is missing"))?;
    let names: Vec<String> = match tree.get("node_names") {
        Some(Value::List(items)) => items
            .iter()
            .map(|n| match n {
                Value::Str(s) => Ok(s.clone()),
                _ => Err(err(
                    file,
                    Some("skeleton_tree.node_names"),
                    "holds a non-string",
                )),
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(err(
                file,
                Some("skeleton_tree.node_names"),
                "is missing or not a list",
            ));
        }
    };
    let nb = names.len();
    let parents = tensor(tree, "parent_indices", &[nb], file, "skeleton_tree.")?;
    let offsets = tensor(tree, "local_translation", &[nb, 3], file, "skeleton_tree.")?;
    let rotation = tensor(&v, "rotation", &[0, nb, 4], file, "")?;
    let frames = rotation.len() / (nb * 4).max(1);
    let root = tensor(&v, "root_translation", &[frames, 3], file, "")?;
    let is_local = match v.get("is_local") {
        Some(Value::Bool(b)) => *b,
        _ => return Err(err(file, Some("is_local"), "is missing or not a bool")),
    };
    let fps = v
        .get("fps")
        .and_then(Value::as_f64)
        .ok_or_else(|| err(file, Some("fps"), "is missing or not a number"))? as f32;
    let skeleton = skeleton(file, &names, &parents, &offsets)?;

    let mut clip = MotionClip {
        fps,
        loop_mode: LoopMode::Clamp,
        frame_dim: 6 + skeleton.num_dofs(),
        frames: Vec::with_capacity(frames * (6 + skeleton.num_dofs())),
    };
    let mut global = vec![Quat::IDENTITY; nb];
    let mut local = vec![Quat::IDENTITY; nb];
    for f in 0..frames {
        for j in 0..nb {
            let r = &rotation[(f * nb + j) * 4..][..4];
            let q = Quat::from_xyzw(r[0] as f32, r[1] as f32, r[2] as f32, r[3] as f32);
            if !q.is_finite() || q.length() < 0.5 {
                return Err(err(
                    file,
                    Some("rotation"),
                    format!("frame {f}, node `{}`: not a rotation", names[j]),
                ));
            }
            let q = q.normalize();
            let parent = skeleton.bodies[j].parent;
            (global[j], local[j]) = match (is_local, parent) {
                (true, Some(p)) => (global[p] * q, q),
                (false, Some(p)) => (q, global[p].inverse() * q),
                (_, None) => (q, q),
            };
        }
        let r = &root[f * 3..][..3];
        clip.push_frame(
            Vec3::new(r[0] as f32, r[1] as f32, r[2] as f32),
            global[0],
            &skeleton.joint_rots_to_dofs(&local),
        );
    }
    clip.validate(file)?;
    Ok(PoselibClip { clip, skeleton })
}

/// A poselib tensor (`{"arr": ndarray, "context": {...}}`) under `key`, its shape checked
/// (0 in `shape` takes any length).
fn tensor(
    parent: &Value,
    key: &str,
    shape: &[usize],
    file: &Path,
    path: &str,
) -> Result<Vec<f64>, MotionError> {
    let name = format!("{path}{key}");
    let arr = parent
        .get(key)
        .ok_or_else(|| err(file, Some(&name), "is missing"))?;
    let arr = arr.get("arr").unwrap_or(arr);
    match arr {
        Value::Array { shape: s, data }
            if s.len() == shape.len() && s.iter().zip(shape).all(|(a, b)| *b == 0 || a == b) =>
        {
            Ok(data.clone())
        }
        Value::Array { shape: s, .. } => Err(err(
            file,
            Some(&name),
            format!("has shape {s:?}, expected {shape:?} (0: any)"),
        )),
        _ => Err(err(file, Some(&name), "is not a numeric array")),
    }
}

/// The poselib tree as a bare character: nodes in file order (poselib keeps parents first),
/// each non-root node a spherical joint at its offset with no rest rotation.
fn skeleton(
    file: &Path,
    names: &[String],
    parents: &[f64],
    offsets: &[f64],
) -> Result<CharacterModel, MotionError> {
    use std::f32::consts::PI;
    let mut bodies = Vec::with_capacity(names.len());
    let mut dof_names = Vec::new();
    for (j, name) in names.iter().enumerate() {
        let parent = match parents[j] {
            p if j == 0 && p < 0.0 => None,
            p if j > 0 && p >= 0.0 && (p as usize) < j => Some(p as usize),
            p => {
                return Err(err(
                    file,
                    Some("skeleton_tree.parent_indices"),
                    format!(
                        "node {j} `{name}` has parent {p}: the root must come first and every parent before its children"
                    ),
                ));
            }
        };
        let joint = if parent.is_some() {
            for axis in ["x", "y", "z"] {
                dof_names.push(format!("{name}_{axis}"));
            }
            Joint::Spherical {
                limits: [[-PI, PI]; 3],
            }
        } else {
            Joint::Free
        };
        let o = &offsets[j * 3..][..3];
        bodies.push(Body {
            name: name.clone(),
            parent,
            local_pos: Vec3::new(o[0] as f32, o[1] as f32, o[2] as f32),
            local_rot: Quat::IDENTITY,
            joint,
            dof_offset: dof_names.len() - if parent.is_some() { 3 } else { 0 },
            geoms: Vec::new(),
        });
    }
    Ok(CharacterModel::bare(bodies, dof_names))
}
