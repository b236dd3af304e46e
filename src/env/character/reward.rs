//! DeepMimic's tracking reward and the tracking errors it is built from.

use glam::{Quat, Vec3};

use super::obs::ObsSpec;
use super::pose::PoseView;
use crate::anim::character::{CharacterModel, Joint};
use crate::anim::rotation::{angle_between, heading_quat_inv};

/// Weights and scales of the five reward terms (`reward_*_w`, `reward_*_scale`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RewardTerms {
    /// Pose term weight and scale.
    pub pose: (f32, f32),
    /// DoF velocity term.
    pub vel: (f32, f32),
    /// Root pose term.
    pub root_pose: (f32, f32),
    /// Root velocity term.
    pub root_vel: (f32, f32),
    /// Key-body term.
    pub key_pos: (f32, f32),
}

/// Per-body and per-DoF error weights (`joint_err_w`, each DoF taking its joint's weight).
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorWeights {
    /// Per body (the root's is unused).
    pub joint: Vec<f32>,
    /// Per DoF.
    pub dof: Vec<f32>,
}

impl ErrorWeights {
    /// Weights from one value per non-root body.
    pub fn new(model: &CharacterModel, per_joint: &[f32]) -> Self {
        let mut joint = vec![0.0];
        joint.extend_from_slice(per_joint);
        let mut dof = vec![0.0; model.num_dofs()];
        for (j, b) in model.bodies.iter().enumerate() {
            let n = match b.joint {
                Joint::Spherical { .. } => 3,
                Joint::Hinge { .. } => 1,
                Joint::Free | Joint::Fixed => 0,
            };
            dof[b.dof_offset..b.dof_offset + n].fill(joint[j]);
        }
        Self { joint, dof }
    }
}

/// The squared errors of the reward, and plain errors for the log.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TrackingErrors {
    /// `Σ w_j θ_j²` over joints.
    pub pose: f32,
    /// `Σ w_d (q̇_ref − q̇)²`.
    pub vel: f32,
    /// Squared root position error (only the tracked components).
    pub root_pos: f32,
    /// Squared root rotation angle.
    pub root_rot: f32,
    /// Squared root velocity error.
    pub root_vel: f32,
    /// Squared root angular velocity error.
    pub root_ang_vel: f32,
    /// `Σ_k ‖(x_k,ref − p_ref) − (x_k − p)‖²` over key bodies.
    pub key_pos: f32,
    /// Root position distance (m, all components), for the log.
    pub root_pos_dist: f32,
    /// Root rotation angle (rad), for the log.
    pub root_rot_angle: f32,
    /// Mean root-relative body position error (m), for the log.
    pub body_pos_mean: f32,
    /// Mean absolute DoF velocity error (rad/s), for the log.
    pub dof_vel_mean: f32,
    /// Mean rotation angle between each body and its reference (rad, world rotations), for
    /// the log.
    pub body_rot_mean: f32,
    /// Mean absolute root velocity error over its components (m/s, world), for the log.
    pub root_vel_mean: f32,
    /// Mean absolute root angular velocity error over its components (rad/s, world), for the
    /// log.
    pub root_ang_vel_mean: f32,
    /// Largest squared root-relative body position error (pose termination).
    pub body_pos_max_sq: f32,
}

/// Compares a simulated pose with its reference. `track_root_xy` keeps the horizontal root
/// error (global tracking); otherwise root rotation and velocities are compared in each one's
/// own heading frame and the root's x, y are ignored.
pub fn tracking_errors(
    model: &CharacterModel,
    spec: &ObsSpec,
    weights: &ErrorWeights,
    track_root_xy: bool,
    sim: &PoseView,
    reference: &PoseView,
) -> TrackingErrors {
    let mut e = TrackingErrors::default();
    for j in 1..model.num_bodies() {
        let w = weights.joint[j];
        if w > 0.0 {
            let th = angle_between(sim.joint_rot(model, j), reference.joint_rot(model, j));
            e.pose += w * th * th;
        }
    }
    let mut dof_abs = 0.0;
    for (d, (a, b)) in sim.dof_vel.iter().zip(reference.dof_vel).enumerate() {
        let diff = b - a;
        e.vel += weights.dof[d] * diff * diff;
        dof_abs += diff.abs();
    }
    e.dof_vel_mean = dof_abs / sim.dof_vel.len().max(1) as f32;

    let (p, p_ref) = (sim.root_pos(), reference.root_pos());
    let mut dp = p_ref - p;
    e.root_pos_dist = dp.length();
    if !track_root_xy {
        dp.x = 0.0;
        dp.y = 0.0;
    }
    if !spec.root_height {
        dp.z = 0.0;
    }
    e.root_pos = dp.length_squared();

    let (inv, inv_ref) = if track_root_xy {
        (Quat::IDENTITY, Quat::IDENTITY)
    } else {
        (
            heading_quat_inv(sim.root_rot()),
            heading_quat_inv(reference.root_rot()),
        )
    };
    let th = angle_between(inv * sim.root_rot(), inv_ref * reference.root_rot());
    e.root_rot_angle = angle_between(sim.root_rot(), reference.root_rot());
    e.root_rot = th * th;
    e.root_vel = (inv_ref * reference.root_vel - inv * sim.root_vel).length_squared();
    e.root_ang_vel = (inv_ref * reference.root_ang_vel - inv * sim.root_ang_vel).length_squared();

    // Body positions relative to each one's root, in each one's observation frame.
    let (oinv, oinv_ref) = (
        spec.frame_inv(sim.root_rot()),
        spec.frame_inv(reference.root_rot()),
    );
    let rel = |pose: &PoseView, inv: Quat, b: usize| -> Vec3 {
        inv * (pose.body_pos[b] - pose.root_pos())
    };
    for &k in &spec.key_bodies {
        e.key_pos += (rel(reference, oinv_ref, k) - rel(sim, oinv, k)).length_squared();
    }
    let mut sum = 0.0;
    for b in 0..model.num_bodies() {
        let d2 = (rel(reference, oinv_ref, b) - rel(sim, oinv, b)).length_squared();
        sum += d2.sqrt();
        e.body_pos_max_sq = e.body_pos_max_sq.max(d2);
    }
    e.body_pos_mean = sum / model.num_bodies() as f32;

    // MimicKit's logged errors besides: body rotations, root velocities, all in the world.
    let rot_sum: f32 = (0..model.num_bodies())
        .map(|b| angle_between(sim.body_rot[b], reference.body_rot[b]))
        .sum();
    e.body_rot_mean = rot_sum / model.num_bodies() as f32;
    let mean_abs = |v: Vec3| v.abs().element_sum() / 3.0;
    e.root_vel_mean = mean_abs(reference.root_vel - sim.root_vel);
    e.root_ang_vel_mean = mean_abs(reference.root_ang_vel - sim.root_ang_vel);
    e
}

/// `Σ w · exp(−scale · err)` over the five terms (root pose = position + 0.1 × rotation, root
/// velocity = linear + 0.1 × angular).
pub fn tracking_reward(terms: &RewardTerms, e: &TrackingErrors) -> f32 {
    let term = |(w, s): (f32, f32), err: f32| w * (-s * err).exp();
    term(terms.pose, e.pose)
        + term(terms.vel, e.vel)
        + term(terms.root_pose, e.root_pos + 0.1 * e.root_rot)
        + term(terms.root_vel, e.root_vel + 0.1 * e.root_ang_vel)
        + term(terms.key_pos, e.key_pos)
}
