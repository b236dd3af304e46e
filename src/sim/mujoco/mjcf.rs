//! The MJCF the MuJoCo engine compiles: written from the [`CharacterModel`] that rapier
//! simulates (the same bodies, geoms and masses, joints, ranges, armature and PD gains, as
//! MuJoCo position actuators), so both engines run one model whatever file it came from.
//!
//! Names are ours (`body{b}`, `geom{b}_{g}`, `dof{d}`, `act{d}`) so that the engine finds every
//! object by name; each spherical joint is three hinges about the body's x, y and z axes, in
//! that order, as in MimicKit's humanoid file.

use std::fmt::Write;

use glam::{Quat, Vec3};

use crate::anim::character::{CharacterModel, Joint, Shape};
use crate::sim::config::{EngineConfig, JointLimits};

/// The name of the ground plane's geom.
pub const FLOOR: &str = "floor";

/// Name of body `b`.
pub fn body_name(b: usize) -> String {
    format!("body{b}")
}

/// Name of geom `g` of body `b`.
pub fn geom_name(b: usize, g: usize) -> String {
    format!("geom{b}_{g}")
}

/// Name of the hinge joint of DoF `d`.
pub fn dof_name(d: usize) -> String {
    format!("dof{d}")
}

/// Name of the position actuator of DoF `d`.
pub fn actuator_name(d: usize) -> String {
    format!("act{d}")
}

/// The MJCF of `model` on a ground plane under `config`: timestep `1 / sim_freq`, the
/// `implicitfast` integrator (PD damping integrated implicitly; under Euler the humanoid's
/// gains blow up at 120 Hz), friction `config.friction` on the ground and every geom,
/// contacts between a character's own bodies only with `self_collision`, joint ranges as
/// `joint_limits` says.
pub fn character_mjcf(model: &CharacterModel, config: &EngineConfig) -> String {
    let mut xml = String::new();
    let f = config.friction;
    // Geoms of the character collide with the ground (conaffinity 1) and, with self collision,
    // with each other; the ground (contype 0) collides with them only.
    let affinity = u8::from(config.self_collision);
    let _ = writeln!(xml, r#"<mujoco model="bevy_mimic character">"#);
    let _ = writeln!(
        xml,
        r#"  <compiler angle="radian" inertiafromgeom="true" autolimits="false"/>"#
    );
    let _ = writeln!(
        xml,
        r#"  <option timestep="{}" integrator="implicitfast" gravity="0 0 -9.81"/>"#,
        1.0 / f64::from(config.sim_freq)
    );
    let _ = writeln!(xml, "  <worldbody>");
    let _ = writeln!(
        xml,
        r#"    <geom name="{FLOOR}" type="plane" size="0 0 1" friction="{f} 0.005 0.0001" condim="3" contype="0" conaffinity="1"/>"#
    );
    write_body(&mut xml, model, 0, 2, f, affinity, config.joint_limits);
    let _ = writeln!(xml, "  </worldbody>");
    let _ = writeln!(xml, "  <actuator>");
    for (d, g) in model.gains.iter().enumerate() {
        let limit = if g.torque_limit.is_finite() && g.torque_limit > 0.0 {
            format!(
                r#"forcelimited="true" forcerange="{} {}""#,
                -g.torque_limit, g.torque_limit
            )
        } else {
            r#"forcelimited="false""#.to_string()
        };
        let _ = writeln!(
            xml,
            r#"    <position name="{}" joint="{}" kp="{}" kv="{}" ctrllimited="false" {limit}/>"#,
            actuator_name(d),
            dof_name(d),
            g.kp,
            g.kd
        );
    }
    let _ = writeln!(xml, "  </actuator>");
    let _ = writeln!(xml, "</mujoco>");
    xml
}

fn write_body(
    xml: &mut String,
    model: &CharacterModel,
    b: usize,
    indent: usize,
    friction: f32,
    affinity: u8,
    limits: JointLimits,
) {
    let body = &model.bodies[b];
    let pad = " ".repeat(indent * 2);
    let _ = writeln!(
        xml,
        r#"{pad}<body name="{}" pos="{}" quat="{}">"#,
        body_name(b),
        vec3(body.local_pos),
        quat(body.local_rot)
    );
    let limited = |hinge: bool| match limits {
        JointLimits::All => true,
        JointLimits::Hinges => hinge,
        JointLimits::None => false,
    };
    match &body.joint {
        Joint::Free => {
            let _ = writeln!(xml, r#"{pad}  <freejoint name="root"/>"#);
        }
        Joint::Spherical { limits } => {
            for (i, axis) in ["1 0 0", "0 1 0", "0 0 1"].iter().enumerate() {
                let d = body.dof_offset + i;
                hinge(xml, &pad, d, axis, limits[i], limited(false), model);
            }
        }
        Joint::Hinge { axis, limit } => {
            let d = body.dof_offset;
            hinge(xml, &pad, d, &vec3(*axis), *limit, limited(true), model);
        }
        Joint::Fixed => {}
    }
    for (g, geom) in body.geoms.iter().enumerate() {
        let (kind, size) = match geom.shape {
            Shape::Sphere { radius } => ("sphere", format!("{radius}")),
            Shape::Capsule {
                radius,
                half_length,
            } => ("capsule", format!("{radius} {half_length}")),
            Shape::Box { half_extents } => ("box", vec3(half_extents)),
            Shape::Cylinder {
                radius,
                half_length,
            } => ("cylinder", format!("{radius} {half_length}")),
        };
        let _ = writeln!(
            xml,
            r#"{pad}  <geom name="{}" type="{kind}" size="{size}" pos="{}" quat="{}" mass="{}" friction="{friction} 0.005 0.0001" condim="3" contype="1" conaffinity="{affinity}"/>"#,
            geom_name(b, g),
            vec3(geom.pos),
            quat(geom.rot),
            geom.mass
        );
    }
    for (child, c) in model.bodies.iter().enumerate() {
        if c.parent == Some(b) {
            write_body(xml, model, child, indent + 1, friction, affinity, limits);
        }
    }
    let _ = writeln!(xml, "{pad}</body>");
}

fn hinge(
    xml: &mut String,
    pad: &str,
    d: usize,
    axis: &str,
    range: [f32; 2],
    limited: bool,
    model: &CharacterModel,
) {
    let _ = writeln!(
        xml,
        r#"{pad}  <joint name="{}" type="hinge" axis="{axis}" limited="{limited}" range="{} {}" armature="{}" damping="0"/>"#,
        dof_name(d),
        range[0],
        range[1],
        model.gains[d].armature
    );
}

fn vec3(v: Vec3) -> String {
    format!("{} {} {}", v.x, v.y, v.z)
}

/// MuJoCo writes quaternions scalar first.
fn quat(q: Quat) -> String {
    format!("{} {} {} {}", q.w, q.x, q.y, q.z)
}
