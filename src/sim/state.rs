//! The simulated state of every environment as struct-of-arrays buffers, and the state a reset
//! writes.

use bevy::prelude::Resource;
use glam::{Quat, Vec3};

use crate::anim::character::{CharacterModel, Joint};
use crate::anim::motion_lib::MotionFrame;

/// State of all environments after the last control step (or reset), one pass per step.
///
/// Body-indexed arrays are `[env * num_bodies + body]` in the character's body order (body 0 is
/// the root); DoF arrays are `[env * num_dofs + dof]` in the character's DoF layout. Velocities
/// are those of the body origins (not of the centres of mass), in world axes.
#[derive(Resource, Clone, Debug, Default)]
pub struct SimState {
    /// Number of environments.
    pub num_envs: usize,
    /// Bodies per character.
    pub num_bodies: usize,
    /// Actuated DoF per character.
    pub num_dofs: usize,
    /// World position of each body origin.
    pub body_pos: Vec<Vec3>,
    /// World rotation of each body.
    pub body_rot: Vec<Quat>,
    /// Linear velocity of each body origin.
    pub body_vel: Vec<Vec3>,
    /// Angular velocity of each body.
    pub body_ang_vel: Vec<Vec3>,
    /// Joint DoFs (exponential maps for spherical joints, angles for hinges).
    pub dof_pos: Vec<f32>,
    /// DoF velocities: the joint's angular velocity in the child body's frame (spherical), or
    /// its rate about the axis (hinges), as MimicKit's motion library defines them.
    pub dof_vel: Vec<f32>,
    /// Whether each body touches the ground.
    pub ground_contact: Vec<bool>,
    /// Per env: not simulated soundly — the engine lost one of its bodies in the last step
    /// (rapier quarantines a body whose state went NaN or infinite), or a value read
    /// back is non-finite. Decided once per step; the env must be reset.
    pub invalid: Vec<bool>,
}

impl SimState {
    /// Zeroed buffers for `num_envs` characters of `model`.
    pub fn new(num_envs: usize, model: &CharacterModel) -> Self {
        let nb = num_envs * model.num_bodies();
        let nd = num_envs * model.num_dofs();
        Self {
            num_envs,
            num_bodies: model.num_bodies(),
            num_dofs: model.num_dofs(),
            body_pos: vec![Vec3::ZERO; nb],
            body_rot: vec![Quat::IDENTITY; nb],
            body_vel: vec![Vec3::ZERO; nb],
            body_ang_vel: vec![Vec3::ZERO; nb],
            dof_pos: vec![0.0; nd],
            dof_vel: vec![0.0; nd],
            ground_contact: vec![false; nb],
            invalid: vec![false; num_envs],
        }
    }

    /// Range of env `env`'s entries in the body arrays.
    pub fn bodies(&self, env: usize) -> std::ops::Range<usize> {
        env * self.num_bodies..(env + 1) * self.num_bodies
    }

    /// Range of env `env`'s entries in the DoF arrays.
    pub fn dofs(&self, env: usize) -> std::ops::Range<usize> {
        env * self.num_dofs..(env + 1) * self.num_dofs
    }

    /// Root (body 0) position of env `env`.
    pub fn root_pos(&self, env: usize) -> Vec3 {
        self.body_pos[env * self.num_bodies]
    }

    /// Root rotation of env `env`.
    pub fn root_rot(&self, env: usize) -> Quat {
        self.body_rot[env * self.num_bodies]
    }

    /// Root linear velocity of env `env`.
    pub fn root_vel(&self, env: usize) -> Vec3 {
        self.body_vel[env * self.num_bodies]
    }

    /// Root angular velocity of env `env`.
    pub fn root_ang_vel(&self, env: usize) -> Vec3 {
        self.body_ang_vel[env * self.num_bodies]
    }

    /// Whether env `env` is simulated soundly (see [`invalid`](Self::invalid)).
    pub fn env_is_valid(&self, env: usize) -> bool {
        !self.invalid[env]
    }

    /// Whether every value is finite (a blow-up check).
    pub fn env_is_finite(&self, env: usize) -> bool {
        let b = self.bodies(env);
        let d = self.dofs(env);
        self.body_pos[b.clone()].iter().all(|v| v.is_finite())
            && self.body_rot[b.clone()].iter().all(|q| q.is_finite())
            && self.body_vel[b.clone()].iter().all(|v| v.is_finite())
            && self.body_ang_vel[b].iter().all(|v| v.is_finite())
            && self.dof_pos[d.clone()].iter().all(|x| x.is_finite())
            && self.dof_vel[d].iter().all(|x| x.is_finite())
    }

    /// Sets env `env`'s entries to `state` (env-local coordinates), as a reset leaves it: body
    /// poses and origin velocities by forward kinematics, the DoFs as given, no ground
    /// contacts; `invalid` if any of it is non-finite. `scratch` is reused.
    pub fn set_env(
        &mut self,
        env: usize,
        model: &CharacterModel,
        state: &CharacterState,
        scratch: &mut BodyStates,
    ) {
        state.body_states(model, scratch);
        let b = self.bodies(env);
        self.body_pos[b.clone()].copy_from_slice(&scratch.pos);
        self.body_rot[b.clone()].copy_from_slice(&scratch.rot);
        self.body_vel[b.clone()].copy_from_slice(&scratch.vel);
        self.body_ang_vel[b.clone()].copy_from_slice(&scratch.ang_vel);
        self.ground_contact[b].fill(false);
        let d = self.dofs(env);
        self.dof_pos[d.clone()].copy_from_slice(&state.dofs);
        self.dof_vel[d].copy_from_slice(&state.dof_vel);
        self.invalid[env] = !self.env_is_finite(env);
    }
}

/// The full state of one character in reduced coordinates, as a reset writes it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CharacterState {
    /// Root position.
    pub root_pos: Vec3,
    /// Root rotation.
    pub root_rot: Quat,
    /// Root linear velocity (world).
    pub root_vel: Vec3,
    /// Root angular velocity (world).
    pub root_ang_vel: Vec3,
    /// Joint DoFs.
    pub dofs: Vec<f32>,
    /// DoF velocities (see [`SimState::dof_vel`]).
    pub dof_vel: Vec<f32>,
}

impl CharacterState {
    /// The reference state of a motion frame (reference state initialisation).
    pub fn from_motion_frame(frame: &MotionFrame) -> Self {
        Self {
            root_pos: frame.root_pos,
            root_rot: frame.root_rot,
            root_vel: frame.root_vel,
            root_ang_vel: frame.root_ang_vel,
            dofs: frame.dofs.clone(),
            dof_vel: frame.dof_vel.clone(),
        }
    }

    /// The character at rest in its zero pose, standing with its lowest point `clearance` above
    /// the ground at horizontal position `xy`.
    pub fn default_pose(model: &CharacterModel, xy: [f32; 2], clearance: f32) -> Self {
        let dofs = vec![0.0; model.num_dofs()];
        let rots = model.dofs_to_joint_rots(&dofs);
        let (pos, rot) = model.forward_kinematics(Vec3::ZERO, Quat::IDENTITY, &rots);
        let lowest = model.lowest_point(&pos, &rot);
        Self {
            root_pos: Vec3::new(xy[0], xy[1], clearance - lowest),
            root_rot: Quat::IDENTITY,
            root_vel: Vec3::ZERO,
            root_ang_vel: Vec3::ZERO,
            dof_vel: dofs.clone(),
            dofs,
        }
    }

    /// World pose and origin velocities of every body: forward kinematics of the DoFs, and
    /// velocities chained down the tree (`ω_child = ω_parent + R_child · ω_local`,
    /// `v_child = v_parent + ω_parent × (p_child − p_parent)`).
    pub fn body_states(&self, model: &CharacterModel, out: &mut BodyStates) {
        let nb = model.num_bodies();
        out.joint_rot.clear();
        out.joint_rot
            .extend((0..nb).map(|j| model.joint_rot(j, &self.dofs)));
        out.pos.resize(nb, Vec3::ZERO);
        out.rot.resize(nb, Quat::IDENTITY);
        model.forward_kinematics_into(
            self.root_pos,
            self.root_rot,
            &out.joint_rot,
            &mut out.pos,
            &mut out.rot,
        );
        out.vel.clear();
        out.ang_vel.clear();
        for (j, b) in model.bodies.iter().enumerate() {
            match b.parent {
                None => {
                    out.vel.push(self.root_vel);
                    out.ang_vel.push(self.root_ang_vel);
                }
                Some(p) => {
                    let local = match &b.joint {
                        Joint::Spherical { .. } => {
                            let d = &self.dof_vel[b.dof_offset..b.dof_offset + 3];
                            Vec3::new(d[0], d[1], d[2])
                        }
                        Joint::Hinge { axis, .. } => *axis * self.dof_vel[b.dof_offset],
                        Joint::Free | Joint::Fixed => Vec3::ZERO,
                    };
                    let w = out.ang_vel[p] + out.rot[j] * local;
                    let v = out.vel[p] + out.ang_vel[p].cross(out.pos[j] - out.pos[p]);
                    out.vel.push(v);
                    out.ang_vel.push(w);
                }
            }
        }
    }

    /// [`from_motion_frame`](Self::from_motion_frame) into `self`, reusing its buffers.
    pub fn copy_from_motion_frame(&mut self, frame: &MotionFrame) {
        self.root_pos = frame.root_pos;
        self.root_rot = frame.root_rot;
        self.root_vel = frame.root_vel;
        self.root_ang_vel = frame.root_ang_vel;
        self.dofs.clone_from(&frame.dofs);
        self.dof_vel.clone_from(&frame.dof_vel);
    }

    /// Makes `self` equal to `other`, reusing its buffers.
    pub fn copy_from(&mut self, other: &CharacterState) {
        self.root_pos = other.root_pos;
        self.root_rot = other.root_rot;
        self.root_vel = other.root_vel;
        self.root_ang_vel = other.root_ang_vel;
        self.dofs.clone_from(&other.dofs);
        self.dof_vel.clone_from(&other.dof_vel);
    }
}

/// Per-body world poses and origin velocities of one character.
#[derive(Clone, Debug, Default)]
pub struct BodyStates {
    /// Positions.
    pub pos: Vec<Vec3>,
    /// Rotations.
    pub rot: Vec<Quat>,
    /// Origin linear velocities.
    pub vel: Vec<Vec3>,
    /// Angular velocities.
    pub ang_vel: Vec<Vec3>,
    /// Scratch: each body's joint rotation.
    pub joint_rot: Vec<Quat>,
}
