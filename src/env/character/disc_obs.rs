//! The discriminator's per-frame features (AMP/ASE, MimicKit §3.6): 142 values for the humanoid,
//! and windows of them.

use glam::{Quat, Vec3};

use super::obs::ObsSpec;
use super::pose::{PoseView, RefPoses};
use super::systems::EnvParams;
use crate::anim::character::CharacterModel;
use crate::anim::rotation::quat_to_tan_norm;

/// Values per discriminator frame: root position (3), root rotation (6), joint rotations
/// (6 per non-root body), key-body positions (3 each), root velocities (6), DoF velocities.
pub fn disc_frame_dim(spec: &ObsSpec, model: &CharacterModel) -> usize {
    3 + 6 + 6 * (model.num_bodies() - 1) + 3 * spec.key_bodies.len() + 6 + model.num_dofs()
}

/// Writes one frame of a discriminator window. `anchor_pos` and `anchor_rot` are the root of
/// the window's newest frame: the frame's root position is taken relative to it (height kept
/// absolute), and with `spec.global == false` everything is rotated into its heading (MimicKit
/// rotates nothing in global mode, though positions stay anchor-relative).
pub fn write_disc_frame(
    spec: &ObsSpec,
    model: &CharacterModel,
    pose: &PoseView,
    anchor_pos: Vec3,
    anchor_rot: Quat,
    out: &mut [f32],
) -> usize {
    let inv = spec.frame_inv(anchor_rot);
    let root_pos = pose.root_pos();
    let mut at = 0;
    let mut put = |xs: &[f32]| {
        out[at..at + xs.len()].copy_from_slice(xs);
        at += xs.len();
    };
    let mut rel = inv * (root_pos - anchor_pos);
    rel.z = root_pos.z;
    put(&rel.to_array());
    put(&quat_to_tan_norm(inv * pose.root_rot()));
    for j in 1..model.num_bodies() {
        put(&quat_to_tan_norm(pose.joint_rot(model, j)));
    }
    for &k in &spec.key_bodies {
        put(&(inv * (pose.body_pos[k] - root_pos)).to_array());
    }
    put(&(inv * pose.root_vel).to_array());
    put(&(inv * pose.root_ang_vel).to_array());
    put(pose.dof_vel);
    at
}

/// Writes env `env`'s discriminator window, oldest frame first, anchored on the newest
/// (`slot_of(k)`: the slot of `frames` holding frame `k`, 0 oldest).
pub fn write_disc_window(
    params: &EnvParams,
    model: &CharacterModel,
    frames: &RefPoses,
    slot_of: impl Fn(usize) -> usize,
    env: usize,
    out: &mut [f32],
) {
    let newest = frames.view(env, slot_of(params.disc_steps - 1));
    let (anchor_pos, anchor_rot) = (newest.root_pos(), newest.root_rot());
    let mut at = 0;
    for k in 0..params.disc_steps {
        let pose = frames.view(env, slot_of(k));
        at += write_disc_frame(
            &params.spec,
            model,
            &pose,
            anchor_pos,
            anchor_rot,
            &mut out[at..],
        );
    }
}
