//! One rapier world and the environments simulated in it: motor targets in, substeps, state out,
//! state resets. Pure functions over rapier's sets so that worlds can run on separate threads.

use std::ops::Range;

use bevy::prelude::{Component, Entity};
use bevy_rapier3d::rapier::dynamics::{
    ImpulseJointHandle, ImpulseJointSet, JointAxis, RigidBodyHandle, RigidBodySet,
};
use bevy_rapier3d::rapier::geometry::{ColliderHandle, NarrowPhase, SolverFlags};
use bevy_rapier3d::rapier::math::Pose;
use bevy_rapier3d::rapier::pipeline::{PairFilterContext, PhysicsHooks};
use glam::{Quat, Vec3};

use super::layout::{CharacterLayout, MotorKind};
use crate::anim::character::{CharacterModel, Joint};
use crate::anim::rotation::{exp_map_to_quat, quat_to_exp_map, twist_angle};
use crate::sim::state::{BodyStates, CharacterState};

/// Marks a collider slot that belongs to no character (the ground).
const NO_SLOT: u32 = u32::MAX;

/// One rapier world (a bevy_rapier context entity) and the environments it simulates.
#[derive(Component, Debug)]
pub struct PhysicsWorld {
    /// Position among the worlds.
    pub index: usize,
    /// Global indices of the environments simulated here (contiguous).
    pub envs: Range<usize>,
    /// The ground's entity.
    pub ground_entity: Entity,
    /// Handles, filled once bevy_rapier has created the rapier objects.
    pub(crate) handles: Option<WorldHandles>,
    /// Per local env: a body was quarantined during the last control step.
    pub(crate) quarantined: Vec<bool>,
    /// This world's envs as read after the last step, copied into the shared
    /// [`SimState`](crate::sim::SimState) once every world is read (worlds read in parallel).
    pub(crate) read: crate::sim::SimState,
}

/// Rapier handles of everything in one world.
#[derive(Debug)]
pub(crate) struct WorldHandles {
    /// `[local_env * num_rigid + rigid]`.
    pub bodies: Vec<RigidBodyHandle>,
    /// `[local_env * num_motors + motor]`.
    pub joints: Vec<ImpulseJointHandle>,
    /// The ground collider.
    pub ground: ColliderHandle,
    /// Collider arena index → `local_env * num_bodies + body`, or [`NO_SLOT`].
    pub collider_slot: Vec<u32>,
    /// Rigid-body arena index → local env, or [`NO_SLOT`].
    pub body_env: Vec<u32>,
}

impl WorldHandles {
    pub(crate) fn new(
        bodies: Vec<RigidBodyHandle>,
        joints: Vec<ImpulseJointHandle>,
        ground: ColliderHandle,
        colliders: Vec<(ColliderHandle, u32)>,
        num_envs: usize,
    ) -> Self {
        let max = colliders
            .iter()
            .map(|(h, _)| h)
            .chain(std::iter::once(&ground))
            .map(|h| h.into_raw_parts().0 as usize + 1)
            .max()
            .unwrap_or(0);
        let mut collider_slot = vec![NO_SLOT; max];
        for (h, slot) in &colliders {
            collider_slot[h.into_raw_parts().0 as usize] = *slot;
        }
        let per_env = bodies.len() / num_envs.max(1);
        let max_body = bodies
            .iter()
            .map(|h| h.into_raw_parts().0 as usize + 1)
            .max()
            .unwrap_or(0);
        let mut body_env = vec![NO_SLOT; max_body];
        for (i, h) in bodies.iter().enumerate() {
            body_env[h.into_raw_parts().0 as usize] = (i / per_env.max(1)) as u32;
        }
        Self {
            bodies,
            joints,
            ground,
            collider_slot,
            body_env,
        }
    }

    /// The local env a rigid body belongs to.
    pub fn env_of_body(&self, h: RigidBodyHandle) -> Option<usize> {
        self.body_env
            .get(h.into_raw_parts().0 as usize)
            .filter(|e| **e != NO_SLOT)
            .map(|e| *e as usize)
    }

    fn slot(&self, h: ColliderHandle) -> u32 {
        self.collider_slot
            .get(h.into_raw_parts().0 as usize)
            .copied()
            .unwrap_or(NO_SLOT)
    }
}

/// Keeps environments apart (rapier's 32 collision-group bits cannot separate hundreds of
/// environments) and switches self-collision: pairs from different environments never
/// collide; the ground collides with everything.
pub(crate) struct EnvIsolation<'a> {
    pub handles: &'a WorldHandles,
    pub num_bodies: u32,
    pub self_collision: bool,
}

impl PhysicsHooks for EnvIsolation<'_> {
    fn filter_contact_pair(&self, ctx: &PairFilterContext) -> Option<SolverFlags> {
        let a = self.handles.slot(ctx.collider1);
        let b = self.handles.slot(ctx.collider2);
        if a == NO_SLOT || b == NO_SLOT {
            return Some(SolverFlags::COMPUTE_IMPULSES);
        }
        let same_env = a / self.num_bodies == b / self.num_bodies;
        (same_env && self.self_collision).then_some(SolverFlags::COMPUTE_IMPULSES)
    }
}

/// The angle each of a spherical joint's three motors is driven to for an exp-map target.
/// Rapier measures a ball joint's per-axis angle as `2·asin(q.xyz[i])` of the relative rotation
/// (w ≥ 0), so this is the exact target for any rotation up to π.
pub fn spherical_motor_angles(exp_map: Vec3) -> [f32; 3] {
    let mut q = exp_map_to_quat(exp_map);
    if q.w < 0.0 {
        q = -q;
    }
    [q.x, q.y, q.z].map(|c| 2.0 * c.clamp(-1.0, 1.0).asin())
}

/// Sets every motor of the world's environments to its PD target. `targets` holds the world's
/// environments' DoF targets, `[local_env * num_dofs + dof]`.
pub(crate) fn apply_targets(
    handles: &WorldHandles,
    layout: &CharacterLayout,
    joints: &mut ImpulseJointSet,
    targets: &[f32],
    gain_scale: Option<&[f32]>,
) {
    let num_dofs = layout.gains.len();
    let num_motors = layout.motors.len();
    if num_dofs == 0 {
        // A character of one free body (a prop) has nothing to drive.
        return;
    }
    for (local, env_targets) in targets.chunks_exact(num_dofs).enumerate() {
        let k = gain_scale.map_or(1.0, |g| g[local]);
        for (m, motor) in layout.motors.iter().enumerate() {
            let Some(joint) = joints.get_mut(handles.joints[local * num_motors + m], false) else {
                continue;
            };
            let d = motor.dof_offset;
            match motor.kind {
                MotorKind::Spherical => {
                    let t = &env_targets[d..d + 3];
                    let angles = spherical_motor_angles(Vec3::new(t[0], t[1], t[2]));
                    for (i, axis) in [JointAxis::AngX, JointAxis::AngY, JointAxis::AngZ]
                        .into_iter()
                        .enumerate()
                    {
                        let g = layout.gains[d + i];
                        joint
                            .data
                            .set_motor_position(axis, angles[i], k * g.kp, k * g.kd);
                    }
                }
                MotorKind::Hinge => {
                    let g = layout.gains[d];
                    joint.data.set_motor_position(
                        JointAxis::AngX,
                        env_targets[d],
                        k * g.kp,
                        k * g.kd,
                    );
                }
            }
        }
    }
}

/// Views of one world's share of the [`SimState`](super::state::SimState) buffers.
pub(crate) struct StateSliceMut<'a> {
    pub body_pos: &'a mut [Vec3],
    pub body_rot: &'a mut [Quat],
    pub body_vel: &'a mut [Vec3],
    pub body_ang_vel: &'a mut [Vec3],
    pub dof_pos: &'a mut [f32],
    pub dof_vel: &'a mut [f32],
    pub ground_contact: &'a mut [bool],
}

/// Reads the world's environment `local` from rapier into slot `slot` of `out`: body poses and
/// origin velocities (env-local positions), joint DoFs and DoF velocities.
#[allow(clippy::too_many_arguments)] // the rapier sets and layout a world is made of
pub(crate) fn read_env(
    handles: &WorldHandles,
    layout: &CharacterLayout,
    model: &CharacterModel,
    bodies: &RigidBodySet,
    origin: Vec3,
    local: usize,
    out: &mut StateSliceMut,
    slot: usize,
) {
    let nb = model.num_bodies();
    let nr = layout.num_rigid();
    let nd = model.num_dofs();
    let base = slot * nb;
    for (b, link) in layout.links.iter().enumerate() {
        let rb = &bodies[handles.bodies[local * nr + link.rigid]];
        let pose = rb.position();
        let w = rb.angvel();
        let pos = pose.translation + pose.rotation * link.offset_pos;
        out.body_pos[base + b] = pos - origin;
        out.body_rot[base + b] = (pose.rotation * link.offset_rot).normalize();
        out.body_vel[base + b] = rb.velocity_at_point(pos);
        out.body_ang_vel[base + b] = w;
    }
    let dofs = &mut out.dof_pos[slot * nd..(slot + 1) * nd];
    let dof_vel = &mut out.dof_vel[slot * nd..(slot + 1) * nd];
    for (j, body) in model.bodies.iter().enumerate() {
        let Some(p) = body.parent else { continue };
        let d = body.dof_offset;
        let child_rot = out.body_rot[base + j];
        let joint_rot = (out.body_rot[base + p] * body.local_rot).inverse() * child_rot;
        let rel_w = child_rot.inverse() * (out.body_ang_vel[base + j] - out.body_ang_vel[base + p]);
        match &body.joint {
            Joint::Spherical { .. } => {
                dofs[d..d + 3].copy_from_slice(&quat_to_exp_map(joint_rot).to_array());
                dof_vel[d..d + 3].copy_from_slice(&rel_w.to_array());
            }
            Joint::Hinge { axis, .. } => {
                dofs[d] = twist_angle(joint_rot, *axis);
                dof_vel[d] = rel_w.dot(*axis);
            }
            Joint::Free | Joint::Fixed => {}
        }
    }
}

/// Marks which bodies touch the ground, from the narrow phase's contact pairs with it.
pub(crate) fn read_ground_contacts(
    handles: &WorldHandles,
    narrow_phase: &NarrowPhase,
    contacts: &mut [bool],
) {
    contacts.fill(false);
    for pair in narrow_phase.contact_pairs_with(handles.ground) {
        if !pair.has_any_active_contact() {
            continue;
        }
        let other = if pair.collider1 == handles.ground {
            pair.collider2
        } else {
            pair.collider1
        };
        let slot = handles.slot(other);
        if slot != NO_SLOT {
            contacts[slot as usize] = true;
        }
    }
}

/// Writes one environment's full state into rapier: every rigid body's pose and centre-of-mass
/// velocities from the reduced state (`origin` is the environment's place on the grid).
#[allow(clippy::too_many_arguments)] // the rapier sets and layout a world is made of
pub(crate) fn write_env(
    handles: &WorldHandles,
    layout: &CharacterLayout,
    model: &CharacterModel,
    bodies: &mut RigidBodySet,
    origin: Vec3,
    local: usize,
    state: &CharacterState,
    scratch: &mut BodyStates,
) {
    state.body_states(model, scratch);
    let nr = layout.num_rigid();
    for (r, &b) in layout.rigid_bodies.iter().enumerate() {
        let Some(rb) = bodies.get_mut(handles.bodies[local * nr + r]) else {
            continue;
        };
        let pos = scratch.pos[b] + origin;
        let rot = scratch.rot[b];
        let w = scratch.ang_vel[b];
        // A body rapier quarantined after a blow-up is disabled until a reset brings it back.
        rb.set_enabled(true);
        rb.set_position(Pose::from_parts(pos, rot), true);
        // Rapier's linear velocity is that of the centre of mass.
        let com = pos + rot * rb.local_center_of_mass();
        rb.set_linvel(scratch.vel[b] + w.cross(com - pos), true);
        rb.set_angvel(w, true);
        rb.reset_forces(false);
        rb.reset_torques(false);
    }
}
