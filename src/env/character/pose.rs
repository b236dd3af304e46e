//! Views of one character's pose (simulated or reference) and the reference poses of all envs.

use glam::{Quat, Vec3};

use crate::anim::character::CharacterModel;

/// One character's body poses and velocities (the simulation's or the reference's).
#[derive(Clone, Copy, Debug)]
pub struct PoseView<'a> {
    /// Per-body positions (env-local).
    pub body_pos: &'a [Vec3],
    /// Per-body world rotations.
    pub body_rot: &'a [Quat],
    /// Root linear velocity.
    pub root_vel: Vec3,
    /// Root angular velocity.
    pub root_ang_vel: Vec3,
    /// DoF velocities.
    pub dof_vel: &'a [f32],
}

impl PoseView<'_> {
    /// Root position.
    pub fn root_pos(&self) -> Vec3 {
        self.body_pos[0]
    }

    /// Root rotation.
    pub fn root_rot(&self) -> Quat {
        self.body_rot[0]
    }

    /// Body `j`'s joint rotation relative to its parent (identity for the root).
    pub fn joint_rot(&self, model: &CharacterModel, j: usize) -> Quat {
        let b = &model.bodies[j];
        match b.parent {
            Some(p) => (self.body_rot[p] * b.local_rot).inverse() * self.body_rot[j],
            None => Quat::IDENTITY,
        }
    }
}

/// Reference poses of every env at `1 + num_tar` times (now, then each target step), as
/// struct-of-arrays buffers sized once.
#[derive(Clone, Debug, Default)]
pub struct RefPoses {
    slots: usize,
    num_bodies: usize,
    num_dofs: usize,
    body_pos: Vec<Vec3>,
    body_rot: Vec<Quat>,
    root_vel: Vec<Vec3>,
    root_ang_vel: Vec<Vec3>,
    dof_vel: Vec<f32>,
}

impl RefPoses {
    /// Buffers for `num_envs` envs with `slots` poses each.
    pub fn new(num_envs: usize, slots: usize, model: &CharacterModel) -> Self {
        let n = num_envs * slots;
        let (nb, nd) = (model.num_bodies(), model.num_dofs());
        Self {
            slots,
            num_bodies: nb,
            num_dofs: nd,
            body_pos: vec![Vec3::ZERO; n * nb],
            body_rot: vec![Quat::IDENTITY; n * nb],
            root_vel: vec![Vec3::ZERO; n],
            root_ang_vel: vec![Vec3::ZERO; n],
            dof_vel: vec![0.0; n * nd],
        }
    }

    /// Pose `slot` of env `env`.
    pub fn view(&self, env: usize, slot: usize) -> PoseView<'_> {
        let i = env * self.slots + slot;
        let (nb, nd) = (self.num_bodies, self.num_dofs);
        PoseView {
            body_pos: &self.body_pos[i * nb..(i + 1) * nb],
            body_rot: &self.body_rot[i * nb..(i + 1) * nb],
            root_vel: self.root_vel[i],
            root_ang_vel: self.root_ang_vel[i],
            dof_vel: &self.dof_vel[i * nd..(i + 1) * nd],
        }
    }

    /// Sets pose `slot` of env `env` from a motion frame.
    pub fn set_frame(
        &mut self,
        model: &CharacterModel,
        env: usize,
        slot: usize,
        f: &crate::anim::motion_lib::MotionFrame,
    ) {
        self.set(
            model,
            env,
            slot,
            f.root_pos,
            f.root_rot,
            &f.joint_rots,
            f.root_vel,
            f.root_ang_vel,
            &f.dof_vel,
        );
    }

    /// Copies `pose` into slot `slot` of env `env`.
    pub fn copy_from(&mut self, env: usize, slot: usize, pose: &PoseView) {
        let i = env * self.slots + slot;
        let (nb, nd) = (self.num_bodies, self.num_dofs);
        self.body_pos[i * nb..(i + 1) * nb].copy_from_slice(pose.body_pos);
        self.body_rot[i * nb..(i + 1) * nb].copy_from_slice(pose.body_rot);
        self.root_vel[i] = pose.root_vel;
        self.root_ang_vel[i] = pose.root_ang_vel;
        self.dof_vel[i * nd..(i + 1) * nd].copy_from_slice(pose.dof_vel);
    }

    /// Sets pose `slot` of env `env` from a root state, per-body joint rotations and DoF
    /// velocities (forward kinematics, no allocation).
    #[allow(clippy::too_many_arguments)] // the parts of a motion frame
    pub fn set(
        &mut self,
        model: &CharacterModel,
        env: usize,
        slot: usize,
        root_pos: Vec3,
        root_rot: Quat,
        joint_rots: &[Quat],
        root_vel: Vec3,
        root_ang_vel: Vec3,
        dof_vel: &[f32],
    ) {
        let i = env * self.slots + slot;
        let (nb, nd) = (self.num_bodies, self.num_dofs);
        model.forward_kinematics_into(
            root_pos,
            root_rot,
            joint_rots,
            &mut self.body_pos[i * nb..(i + 1) * nb],
            &mut self.body_rot[i * nb..(i + 1) * nb],
        );
        self.root_vel[i] = root_vel;
        self.root_ang_vel[i] = root_ang_vel;
        self.dof_vel[i * nd..(i + 1) * nd].copy_from_slice(dof_vel);
    }
}
