//! The kinematic character: a body tree in depth-first order, its joints and DoF layout, masses,
//! PD gains, and forward kinematics, as MimicKit's `KinCharModel`.
//!
//! DoFs are laid out as in MimicKit's motion frames: the root's 6 (position, exp-map rotation) are
//! kept apart, then each non-root joint in body order: 3 exp-map values for a spherical joint,
//! 1 angle for a hinge, none for a fixed joint.

use glam::{Quat, Vec3};

use super::rotation::{exp_map_to_quat, quat_to_exp_map, twist_angle};

/// How a body connects to its parent.
#[derive(Clone, Debug, PartialEq)]
pub enum Joint {
    /// The root: 6 free DoF (position and rotation), not actuated.
    Free,
    /// Three rotational DoF as an exponential map, with per-axis limits `[lo, hi]` (radians)
    /// about the joint frame's x, y and z axes.
    Spherical {
        /// Limits about x, y, z.
        limits: [[f32; 2]; 3],
    },
    /// One rotational DoF about `axis` (unit, joint frame).
    Hinge {
        /// Rotation axis.
        axis: Vec3,
        /// Limit `[lo, hi]` in radians.
        limit: [f32; 2],
    },
    /// Rigidly attached (MimicKit's hands).
    Fixed,
}

impl Joint {
    /// Number of actuated DoF.
    pub fn dofs(&self) -> usize {
        match self {
            Joint::Free | Joint::Fixed => 0,
            Joint::Spherical { .. } => 3,
            Joint::Hinge { .. } => 1,
        }
    }
}

/// PD gains of one DoF.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PdGains {
    /// Stiffness (N·m/rad).
    pub kp: f32,
    /// Damping (N·m·s/rad).
    pub kd: f32,
    /// Torque limit (N·m).
    pub torque_limit: f32,
    /// Armature (kg·m²), added rotor inertia.
    pub armature: f32,
}

/// A collision/visual shape, in its body's frame.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// Sphere of `radius`.
    Sphere {
        /// Radius.
        radius: f32,
    },
    /// Capsule of `radius` around a segment of `half_length` along the geom's local z.
    Capsule {
        /// Radius.
        radius: f32,
        /// Half the length of the segment between the two cap centres.
        half_length: f32,
    },
    /// Box with `half_extents`.
    Box {
        /// Half sizes along x, y, z.
        half_extents: Vec3,
    },
    /// Cylinder of `radius` and height `2 × half_length` along the geom's local z.
    Cylinder {
        /// Radius.
        radius: f32,
        /// Half the height.
        half_length: f32,
    },
}

impl Shape {
    /// Volume in m³.
    pub fn volume(&self) -> f32 {
        use std::f32::consts::PI;
        match *self {
            Shape::Sphere { radius } => 4.0 / 3.0 * PI * radius.powi(3),
            Shape::Capsule {
                radius,
                half_length,
            } => PI * radius * radius * 2.0 * half_length + 4.0 / 3.0 * PI * radius.powi(3),
            Shape::Box { half_extents } => 8.0 * half_extents.x * half_extents.y * half_extents.z,
            Shape::Cylinder {
                radius,
                half_length,
            } => PI * radius * radius * 2.0 * half_length,
        }
    }
}

/// A shape placed in its body, with its mass.
#[derive(Clone, Debug, PartialEq)]
pub struct Geom {
    /// Name from the file (may be empty).
    pub name: String,
    /// The shape.
    pub shape: Shape,
    /// Position in the body frame.
    pub pos: Vec3,
    /// Rotation in the body frame.
    pub rot: Quat,
    /// Mass in kg.
    pub mass: f32,
}

/// One body of the character.
#[derive(Clone, Debug, PartialEq)]
pub struct Body {
    /// Name.
    pub name: String,
    /// Parent body index (none for the root).
    pub parent: Option<usize>,
    /// Offset from the parent's frame, in the parent's frame.
    pub local_pos: Vec3,
    /// Rotation relative to the parent at zero joint angles.
    pub local_rot: Quat,
    /// Joint to the parent.
    pub joint: Joint,
    /// Index of this joint's first DoF in the actuated DoF vector.
    pub dof_offset: usize,
    /// Shapes.
    pub geoms: Vec<Geom>,
}

impl Body {
    /// Sum of the geoms' masses.
    pub fn mass(&self) -> f32 {
        self.geoms.iter().map(|g| g.mass).sum()
    }
}

/// A character model built from an MJCF file.
#[derive(Clone, Debug, PartialEq)]
pub struct CharacterModel {
    /// Bodies in depth-first order; body 0 is the root.
    pub bodies: Vec<Body>,
    /// Gains per actuated DoF.
    pub gains: Vec<PdGains>,
    /// Names of the actuated DoF (the MJCF joint names, `_x/_y/_z` for folded hinges).
    pub dof_names: Vec<String>,
}

impl CharacterModel {
    /// A bare skeleton for kinematics and retargeting: `bodies` (no geoms needed), zero gains
    /// on each of `dof_names`.
    pub fn bare(bodies: Vec<Body>, dof_names: Vec<String>) -> Self {
        let zero = PdGains {
            kp: 0.0,
            kd: 0.0,
            torque_limit: 0.0,
            armature: 0.0,
        };
        Self {
            bodies,
            gains: vec![zero; dof_names.len()],
            dof_names,
        }
    }

    /// Number of actuated DoF (28 for the humanoid).
    pub fn num_dofs(&self) -> usize {
        self.gains.len()
    }

    /// Number of bodies.
    pub fn num_bodies(&self) -> usize {
        self.bodies.len()
    }

    /// Index of the body called `name`.
    pub fn body_index(&self, name: &str) -> Option<usize> {
        self.bodies.iter().position(|b| b.name == name)
    }

    /// Total mass in kg.
    pub fn total_mass(&self) -> f32 {
        self.bodies.iter().map(Body::mass).sum()
    }

    /// Per-DoF limits `[lo, hi]` (spherical joints list their x, y, z limits).
    pub fn dof_limits(&self) -> Vec<[f32; 2]> {
        let mut out = Vec::with_capacity(self.num_dofs());
        for b in &self.bodies {
            match &b.joint {
                Joint::Spherical { limits } => out.extend_from_slice(limits),
                Joint::Hinge { limit, .. } => out.push(*limit),
                Joint::Free | Joint::Fixed => {}
            }
        }
        out
    }

    /// Each body's joint rotation (identity for root and fixed joints) from a DoF vector.
    pub fn dofs_to_joint_rots(&self, dofs: &[f32]) -> Vec<Quat> {
        self.bodies
            .iter()
            .map(|b| {
                let d = &dofs[b.dof_offset..b.dof_offset + b.joint.dofs()];
                match &b.joint {
                    Joint::Spherical { .. } => exp_map_to_quat(Vec3::new(d[0], d[1], d[2])),
                    Joint::Hinge { axis, .. } => Quat::from_axis_angle(*axis, d[0]),
                    Joint::Free | Joint::Fixed => Quat::IDENTITY,
                }
            })
            .collect()
    }

    /// The DoF vector of per-body joint rotations (hinges take the twist about their axis).
    pub fn joint_rots_to_dofs(&self, rots: &[Quat]) -> Vec<f32> {
        let mut dofs = Vec::with_capacity(self.num_dofs());
        self.joint_rots_to_dofs_into(rots, &mut dofs);
        dofs
    }

    /// [`joint_rots_to_dofs`](Self::joint_rots_to_dofs) into a reused buffer.
    pub fn joint_rots_to_dofs_into(&self, rots: &[Quat], dofs: &mut Vec<f32>) {
        dofs.clear();
        dofs.resize(self.num_dofs(), 0.0);
        for (b, q) in self.bodies.iter().zip(rots) {
            match &b.joint {
                Joint::Spherical { .. } => dofs[b.dof_offset..b.dof_offset + 3]
                    .copy_from_slice(&quat_to_exp_map(*q).to_array()),
                Joint::Hinge { axis, .. } => dofs[b.dof_offset] = twist_angle(*q, *axis),
                Joint::Free | Joint::Fixed => {}
            }
        }
    }

    /// The part of joint rotation `q` that body `j`'s joint can take: all of it for a spherical
    /// joint, the twist about its axis for a hinge, none for the root or a fixed joint.
    pub fn reachable_joint_rot(&self, j: usize, q: Quat) -> Quat {
        match &self.bodies[j].joint {
            Joint::Spherical { .. } => q.normalize(),
            Joint::Hinge { axis, .. } => Quat::from_axis_angle(*axis, twist_angle(q, *axis)),
            Joint::Free | Joint::Fixed => Quat::IDENTITY,
        }
    }

    /// Height of the lowest point of any geom, for body poses from
    /// [`forward_kinematics`](Self::forward_kinematics).
    pub fn lowest_point(&self, pos: &[Vec3], rot: &[Quat]) -> f32 {
        let mut lowest = f32::INFINITY;
        for (b, body) in self.bodies.iter().enumerate() {
            for g in &body.geoms {
                let centre = pos[b] + rot[b] * g.pos;
                let grot = rot[b] * g.rot;
                let z = match g.shape {
                    Shape::Sphere { radius } => centre.z - radius,
                    Shape::Capsule {
                        radius,
                        half_length,
                    } => {
                        let axis = grot * Vec3::Z * half_length;
                        (centre - axis).z.min((centre + axis).z) - radius
                    }
                    Shape::Cylinder {
                        radius,
                        half_length,
                    } => {
                        // The lower end disc's lowest rim point.
                        let up = grot * Vec3::Z;
                        let rim = radius * (1.0 - up.z * up.z).max(0.0).sqrt();
                        let axis = up * half_length;
                        (centre - axis).z.min((centre + axis).z) - rim
                    }
                    Shape::Box { half_extents } => {
                        // The lowest corner: each axis contributes its downward extent.
                        let down: f32 = (0..3)
                            .map(|i| (grot * (Vec3::AXES[i] * half_extents[i])).z.abs())
                            .sum();
                        centre.z - down
                    }
                };
                lowest = lowest.min(z);
            }
        }
        lowest
    }

    /// [`forward_kinematics`](Self::forward_kinematics) into caller-owned slices (one entry per
    /// body), for per-step use without allocation.
    pub fn forward_kinematics_into(
        &self,
        root_pos: Vec3,
        root_rot: Quat,
        joint_rots: &[Quat],
        pos: &mut [Vec3],
        rot: &mut [Quat],
    ) {
        for (j, b) in self.bodies.iter().enumerate() {
            match b.parent {
                None => {
                    pos[j] = root_pos;
                    rot[j] = root_rot;
                }
                Some(p) => {
                    let (pp, pr) = (pos[p], rot[p]);
                    pos[j] = pp + pr * b.local_pos;
                    rot[j] = (pr * b.local_rot * joint_rots[j]).normalize();
                }
            }
        }
    }

    /// Joint rotation of body `j` from a DoF vector (identity for root and fixed joints).
    pub fn joint_rot(&self, j: usize, dofs: &[f32]) -> Quat {
        let b = &self.bodies[j];
        let d = &dofs[b.dof_offset..b.dof_offset + b.joint.dofs()];
        match &b.joint {
            Joint::Spherical { .. } => exp_map_to_quat(Vec3::new(d[0], d[1], d[2])),
            Joint::Hinge { axis, .. } => Quat::from_axis_angle(*axis, d[0]),
            Joint::Free | Joint::Fixed => Quat::IDENTITY,
        }
    }

    /// World positions and rotations of every body for a root pose and per-body joint rotations:
    /// `rot_j = rot_parent · local_rot_j · joint_rot_j`, `pos_j = pos_parent + rot_parent ·
    /// local_pos_j` (MimicKit's convention; joints sit at the body origins).
    pub fn forward_kinematics(
        &self,
        root_pos: Vec3,
        root_rot: Quat,
        joint_rots: &[Quat],
    ) -> (Vec<Vec3>, Vec<Quat>) {
        let n = self.bodies.len();
        let mut pos = Vec::with_capacity(n);
        let mut rot = Vec::with_capacity(n);
        for (j, b) in self.bodies.iter().enumerate() {
            match b.parent {
                None => {
                    pos.push(root_pos);
                    rot.push(root_rot);
                }
                Some(p) => {
                    let (pp, pr): (Vec3, Quat) = (pos[p], rot[p]);
                    pos.push(pp + pr * b.local_pos);
                    rot.push((pr * b.local_rot * joint_rots[j]).normalize());
                }
            }
        }
        (pos, rot)
    }
}
