//! MimicKit's character observation and DeepMimic's target-frame observation.

use glam::{Quat, Vec3};

use super::pose::PoseView;
use crate::anim::character::CharacterModel;
use crate::anim::rotation::{heading_quat_inv, quat_to_tan_norm};

/// What the observation contains.
#[derive(Clone, Debug, PartialEq)]
pub struct ObsSpec {
    /// World orientation (true) or the character's heading frame (false).
    pub global: bool,
    /// Include the root height.
    pub root_height: bool,
    /// Key-body indices.
    pub key_bodies: Vec<usize>,
}

impl ObsSpec {
    /// Values in the character observation (140 for the humanoid with the root height).
    pub fn char_obs_dim(&self, model: &CharacterModel) -> usize {
        usize::from(self.root_height)
            + 6
            + 3
            + 3
            + 6 * (model.num_bodies() - 1)
            + model.num_dofs()
            + 3 * self.key_bodies.len()
    }

    /// Values per target frame (108 for the humanoid).
    pub fn tar_obs_dim(&self, model: &CharacterModel) -> usize {
        3 + 6 + 6 * (model.num_bodies() - 1) + 3 * self.key_bodies.len()
    }

    /// The rotation that takes world vectors into the observation frame of a character whose
    /// root rotation is `root_rot`.
    pub fn frame_inv(&self, root_rot: Quat) -> Quat {
        if self.global {
            Quat::IDENTITY
        } else {
            heading_quat_inv(root_rot)
        }
    }
}

struct Writer<'a> {
    out: &'a mut [f32],
    at: usize,
}

impl Writer<'_> {
    fn put(&mut self, xs: &[f32]) {
        self.out[self.at..self.at + xs.len()].copy_from_slice(xs);
        self.at += xs.len();
    }
    fn vec3(&mut self, v: Vec3) {
        self.put(&v.to_array());
    }
}

/// Writes the character observation of `pose` into `out`; returns the values written.
/// Order: root height, root rotation (tangent-normal), root velocity, root angular velocity,
/// joint rotations (tangent-normal, every non-root body), DoF velocities, key-body positions
/// relative to the root.
pub fn write_char_obs(
    spec: &ObsSpec,
    model: &CharacterModel,
    pose: &PoseView,
    out: &mut [f32],
) -> usize {
    let root_pos = pose.root_pos();
    let root_rot = pose.root_rot();
    let inv = spec.frame_inv(root_rot);
    let mut w = Writer { out, at: 0 };
    if spec.root_height {
        w.put(&[root_pos.z]);
    }
    w.put(&quat_to_tan_norm(inv * root_rot));
    w.vec3(inv * pose.root_vel);
    w.vec3(inv * pose.root_ang_vel);
    for j in 1..model.num_bodies() {
        w.put(&quat_to_tan_norm(pose.joint_rot(model, j)));
    }
    w.put(pose.dof_vel);
    for &k in &spec.key_bodies {
        w.vec3(inv * (pose.body_pos[k] - root_pos));
    }
    w.at
}

/// Writes one target frame: the reference root position relative to the character's root (its
/// height absolute), the reference root rotation, its joint rotations and its key bodies relative
/// to the reference root, all in the character's observation frame.
pub fn write_tar_obs(
    spec: &ObsSpec,
    model: &CharacterModel,
    root_pos: Vec3,
    root_rot: Quat,
    tar: &PoseView,
    out: &mut [f32],
) -> usize {
    let inv = spec.frame_inv(root_rot);
    let tar_root = tar.root_pos();
    let mut w = Writer { out, at: 0 };
    let mut rel = tar_root - root_pos;
    rel.z = tar_root.z;
    w.vec3(inv * rel);
    w.put(&quat_to_tan_norm(inv * tar.root_rot()));
    for j in 1..model.num_bodies() {
        w.put(&quat_to_tan_norm(tar.joint_rot(model, j)));
    }
    for &k in &spec.key_bodies {
        w.vec3(inv * (tar.body_pos[k] - tar_root));
    }
    w.at
}
