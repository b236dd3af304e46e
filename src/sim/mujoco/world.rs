//! One MuJoCo model shared by every environment and one `mjData` per environment: the
//! character's objects found by name, PD targets onto the actuators, substeps, state in and
//! out in our reduced coordinates.

use std::sync::Arc;

use glam::{Quat, Vec3};

use super::coords::{
    ang_vel_to_hinge_rates, exp_map_to_hinges, exp_map_to_hinges_near, hinge_rates_to_ang_vel,
    hinges_to_exp_map,
};
use super::ffi::{MjData, MjModel, MjObject};
use super::mjcf::{FLOOR, actuator_name, character_mjcf, dof_name, geom_name};
use crate::anim::character::{CharacterModel, Joint};
use crate::sim::config::EngineConfig;
use crate::sim::state::CharacterState;

/// Where a hinge's angle and rate live: its `qpos` and `qvel` addresses.
#[derive(Clone, Copy, Debug)]
struct Hinge {
    qpos: usize,
    qvel: usize,
}

/// How one of our joints sits in the MuJoCo model.
#[derive(Clone, Debug)]
enum MjJoint {
    /// Three hinges about x, y, z (a spherical joint).
    Hinges3([Hinge; 3]),
    /// One hinge.
    Hinge(Hinge),
}

/// The character's objects in the compiled model.
pub struct MjLayout {
    /// The free joint's `qpos` and `qvel` addresses.
    root: Hinge,
    /// Per body: its joint (none for the root and fixed joints).
    joints: Vec<Option<MjJoint>>,
    /// Per DoF: its position actuator's index in `ctrl`.
    actuators: Vec<usize>,
    /// Per MuJoCo geom: the body of ours it belongs to (none for the floor).
    geom_body: Vec<Option<usize>>,
}

/// The compiled model of a character and where its objects are, or why MuJoCo refused it.
pub fn compile(
    model: &CharacterModel,
    config: &EngineConfig,
) -> Result<(Arc<MjModel>, MjLayout), String> {
    let xml = character_mjcf(model, config);
    let m =
        MjModel::from_xml(&xml).map_err(|e| format!("MuJoCo cannot compile the character: {e}"))?;
    let find = |kind, name: String| {
        m.id(kind, &name)
            .ok_or_else(|| format!("the compiled character has no {name}"))
    };
    let addr = |j: usize| {
        let (qpos, qvel) = m.joint_addr(j);
        Hinge { qpos, qvel }
    };
    let root = addr(find(MjObject::Joint, "root".into())?);
    let hinge = |d: usize| find(MjObject::Joint, dof_name(d)).map(addr);
    let mut joints = Vec::with_capacity(model.num_bodies());
    for b in &model.bodies {
        let d = b.dof_offset;
        joints.push(match b.joint {
            Joint::Spherical { .. } => {
                Some(MjJoint::Hinges3([hinge(d)?, hinge(d + 1)?, hinge(d + 2)?]))
            }
            Joint::Hinge { .. } => Some(MjJoint::Hinge(hinge(d)?)),
            Joint::Free | Joint::Fixed => None,
        });
    }
    let actuators = (0..model.num_dofs())
        .map(|d| find(MjObject::Actuator, actuator_name(d)))
        .collect::<Result<Vec<_>, _>>()?;
    find(MjObject::Geom, FLOOR.into())?;
    let mut geom_body = vec![None; m.num_geoms()];
    for (b, body) in model.bodies.iter().enumerate() {
        for g in 0..body.geoms.len() {
            geom_body[find(MjObject::Geom, geom_name(b, g))?] = Some(b);
        }
    }
    let layout = MjLayout {
        root,
        joints,
        actuators,
        geom_body,
    };
    Ok((Arc::new(m), layout))
}

/// Writes `state` (env-local) into `d`: the data is reset first (no warm start, no contacts
/// from before), then positions and velocities are set and what follows from them computed.
pub fn write_state(
    layout: &MjLayout,
    character: &CharacterModel,
    d: &mut MjData,
    state: &CharacterState,
) {
    d.reset();
    let r = state.root_rot.normalize();
    let (p, v) = (state.root_pos, state.root_vel);
    // MuJoCo's free joint: position, quaternion scalar first; linear velocity in world axes,
    // angular velocity in the body's frame.
    let w = r.inverse() * state.root_ang_vel;
    let (qa, va) = (layout.root.qpos, layout.root.qvel);
    d.qpos_mut()[qa..qa + 7].copy_from_slice(&[p.x, p.y, p.z, r.w, r.x, r.y, r.z].map(f64::from));
    d.qvel_mut()[va..va + 6].copy_from_slice(&[v.x, v.y, v.z, w.x, w.y, w.z].map(f64::from));
    for (b, joint) in character.bodies.iter().zip(&layout.joints) {
        let o = b.dof_offset;
        match joint {
            Some(MjJoint::Hinges3(hinges)) => {
                let e = Vec3::from_slice(&state.dofs[o..o + 3]);
                let h = exp_map_to_hinges(e);
                let rates = ang_vel_to_hinge_rates(h, Vec3::from_slice(&state.dof_vel[o..o + 3]));
                for (i, hinge) in hinges.iter().enumerate() {
                    d.qpos_mut()[hinge.qpos] = f64::from(h[i]);
                    d.qvel_mut()[hinge.qvel] = f64::from(rates[i]);
                }
            }
            Some(MjJoint::Hinge(hinge)) => {
                d.qpos_mut()[hinge.qpos] = f64::from(state.dofs[o]);
                d.qvel_mut()[hinge.qvel] = f64::from(state.dof_vel[o]);
            }
            None => {}
        }
    }
    d.forward();
}

/// Reads `d` into `state` (env-local reduced coordinates).
pub fn read_state(
    layout: &MjLayout,
    character: &CharacterModel,
    d: &MjData,
    state: &mut CharacterState,
) {
    let (qpos, qvel) = (d.qpos(), d.qvel());
    let f = |x: f64| x as f32;
    let q = &qpos[layout.root.qpos..layout.root.qpos + 7];
    let v = &qvel[layout.root.qvel..layout.root.qvel + 6];
    let r = Quat::from_xyzw(f(q[4]), f(q[5]), f(q[6]), f(q[3])).normalize();
    state.root_pos = Vec3::new(f(q[0]), f(q[1]), f(q[2]));
    state.root_rot = r;
    state.root_vel = Vec3::new(f(v[0]), f(v[1]), f(v[2]));
    state.root_ang_vel = r * Vec3::new(f(v[3]), f(v[4]), f(v[5]));
    state.dofs.resize(character.num_dofs(), 0.0);
    state.dof_vel.resize(character.num_dofs(), 0.0);
    for (b, joint) in character.bodies.iter().zip(&layout.joints) {
        let o = b.dof_offset;
        match joint {
            Some(MjJoint::Hinges3(hinges)) => {
                let h = hinges.map(|hinge| f(qpos[hinge.qpos]));
                let rates = hinges.map(|hinge| f(qvel[hinge.qvel]));
                let e = hinges_to_exp_map(h);
                let w = hinge_rates_to_ang_vel(h, rates);
                state.dofs[o..o + 3].copy_from_slice(&e.to_array());
                state.dof_vel[o..o + 3].copy_from_slice(&w.to_array());
            }
            Some(MjJoint::Hinge(hinge)) => {
                state.dofs[o] = f(qpos[hinge.qpos]);
                state.dof_vel[o] = f(qvel[hinge.qvel]);
            }
            None => {}
        }
    }
}

/// Sets the actuators' controls from one env's PD targets in our DoF layout.
pub fn apply_targets(
    layout: &MjLayout,
    character: &CharacterModel,
    d: &mut MjData,
    targets: &[f32],
) {
    for (b, joint) in character.bodies.iter().zip(&layout.joints) {
        let o = b.dof_offset;
        match joint {
            Some(MjJoint::Hinges3(hinges)) => {
                let now = hinges.map(|h| d.qpos()[h.qpos] as f32);
                let h = exp_map_to_hinges_near(Vec3::from_slice(&targets[o..o + 3]), now);
                let ctrl = d.ctrl_mut();
                for (i, angle) in h.into_iter().enumerate() {
                    ctrl[layout.actuators[o + i]] = f64::from(angle);
                }
            }
            Some(MjJoint::Hinge(_)) => d.ctrl_mut()[layout.actuators[o]] = f64::from(targets[o]),
            None => {}
        }
    }
}

/// The root pose a pinned env is held at: the free joint's `qpos`.
pub type RootPin = [f64; 7];

/// The free joint's position now.
pub fn root_pose(layout: &MjLayout, d: &MjData) -> RootPin {
    let a = layout.root.qpos;
    let mut pose = [0.0; 7];
    pose.copy_from_slice(&d.qpos()[a..a + 7]);
    pose
}

/// Adds `dv` (world axes) to the root's linear velocity.
pub fn push_root(layout: &MjLayout, d: &mut MjData, dv: Vec3) {
    let a = layout.root.qvel;
    for (v, dv) in d.qvel_mut()[a..a + 3].iter_mut().zip(dv.to_array()) {
        *v += f64::from(dv);
    }
}

/// Joint speeds (rad/s, and m/s for the root) no character reaches unless its simulation blew
/// up (the humanoid's joints stay under 50 under random targets on rapier).
const BLOWN_UP_SPEED: f64 = 200.0;

/// Advances `substeps` physics steps; a pinned root is put back, at rest, before and after
/// each. Returns false if the state blew up on the way: MuJoCo found it non-finite or huge (and
/// reset it), or a velocity ran past [`BLOWN_UP_SPEED`] (a hinge triple near gimbal lock,
/// where only the armature resists the PD, can diverge without ever going non-finite).
pub fn step(layout: &MjLayout, d: &mut MjData, substeps: usize, pin: Option<&RootPin>) -> bool {
    let before = d.blow_ups();
    let hold = |d: &mut MjData| {
        if let Some(pose) = pin {
            let (qa, va) = (layout.root.qpos, layout.root.qvel);
            d.qpos_mut()[qa..qa + 7].copy_from_slice(pose);
            d.qvel_mut()[va..va + 6].fill(0.0);
        }
    };
    for _ in 0..substeps {
        hold(d);
        d.step();
    }
    hold(d);
    d.blow_ups() == before && d.qvel().iter().all(|v| v.abs() < BLOWN_UP_SPEED)
}

/// Marks in `contact` (one env's, per body) the bodies touching the floor.
pub fn ground_contacts(layout: &MjLayout, d: &MjData, contact: &mut [bool]) {
    contact.fill(false);
    let body = |g: i32| {
        usize::try_from(g)
            .ok()
            .and_then(|g| layout.geom_body.get(g).copied().flatten())
    };
    for (g1, g2) in d.contacts() {
        // One side a body of ours, the other the floor (self contacts have a body on both).
        match (body(g1), body(g2)) {
            (Some(b), None) | (None, Some(b)) => contact[b] = true,
            _ => {}
        }
    }
}
