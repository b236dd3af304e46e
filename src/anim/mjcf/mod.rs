//! The MJCF subset characters use, read into a [`CharacterModel`].
//!
//! Supported: `<compiler angle eulerseq>`, `<default>` classes (nested, with `class` and
//! `childclass`), bodies with `pos`, `quat` (w x y z), `euler`, `axisangle`; `hinge`, `ball` and
//! `free` joints (and `<freejoint>`) with `axis`, `range`, `stiffness`, `damping`, `armature`,
//! `actuatorfrcrange`; `sphere`, `capsule`, `box` and `cylinder` geoms with `size` (or `fromto`
//! for capsules and cylinders), `pos`,
//! `quat`/`euler`, `density` or `mass`; `position` actuators (`kp`, `kv`, `forcerange`) and
//! `motor` actuators (`gear`, `ctrlrange`). Three hinges about x, y and z on one body fold into
//! one spherical joint, as in MimicKit. PD gains come from a joint's position actuator, or else
//! from the joint's `stiffness`/`damping` (MimicKit's convention).
//!
//! Errors name the file, the line, the element and the attribute.
//!
//! This file holds the entry points, the error and the parser's state; the parsing itself is
//! split by job: `classes` (compiler settings, `<default>` classes), `values` (numbers and
//! orientations), `walk` (the body tree and geoms) and `joints` (joints, actuators, gains).

mod classes;
mod joints;
mod values;
mod walk;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use glam::Vec3;
use roxmltree::{Document, Node};

use super::character::CharacterModel;

/// Why an MJCF file could not be read.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{}:{line}: {element}{}: {message}", file.display(), attribute.as_ref().map(|a| format!(" attribute `{a}`")).unwrap_or_default())]
pub struct MjcfError {
    /// The file.
    pub file: PathBuf,
    /// Line of the element (1-based; 0 when not known).
    pub line: u32,
    /// The element, e.g. `<joint name="neck_x">`.
    pub element: String,
    /// The attribute, when the problem is in one.
    pub attribute: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// Reads an MJCF file.
pub fn load_mjcf(file: &Path) -> Result<CharacterModel, MjcfError> {
    let text = crate::files::read_to_string(file).map_err(|e| MjcfError {
        file: file.to_path_buf(),
        line: 0,
        element: "file".into(),
        attribute: None,
        message: format!("cannot read: {e}"),
    })?;
    parse_mjcf(&text, file)
}

/// Parses MJCF text; `file` is used in error messages.
pub fn parse_mjcf(text: &str, file: &Path) -> Result<CharacterModel, MjcfError> {
    let doc = Document::parse(text).map_err(|e| MjcfError {
        file: file.to_path_buf(),
        line: e.pos().row,
        element: "document".into(),
        attribute: None,
        message: format!("not valid XML: {e}"),
    })?;
    Parser::new(&doc, file)?.parse()
}

/// Attribute values of one element kind within a default class.
type ClassAttrs = HashMap<String, HashMap<String, String>>;

struct Parser<'a, 'input> {
    doc: &'a Document<'input>,
    file: PathBuf,
    degrees: bool,
    eulerseq: String,
    classes: HashMap<String, ClassAttrs>,
}

/// An element with the class that applies to it.
#[derive(Clone, Copy)]
struct El<'a, 'input> {
    node: Node<'a, 'input>,
    class: &'a str,
}

#[derive(Clone)]
struct RawJoint {
    /// The DoF's name (a ball joint's three DoF add `_x`, `_y`, `_z`).
    name: String,
    /// The MJCF joint's name, which actuators refer to.
    joint: String,
    kind: String,
    axis: Vec3,
    range: Option<[f32; 2]>,
    stiffness: f32,
    damping: f32,
    armature: f32,
    frc_limit: Option<f32>,
    line_el: String,
}

impl Parser<'_, '_> {
    fn describe(node: Node) -> String {
        match node.attribute("name") {
            Some(name) => format!("<{} name=\"{name}\">", node.tag_name().name()),
            None => format!("<{}>", node.tag_name().name()),
        }
    }

    fn err(&self, node: Node, attribute: Option<&str>, message: impl Into<String>) -> MjcfError {
        MjcfError {
            file: self.file.clone(),
            line: self.doc.text_pos_at(node.range().start).row,
            element: Self::describe(node),
            attribute: attribute.map(str::to_string),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anim::character::{Joint, Shape};
    use glam::Quat;

    fn parse(text: &str) -> Result<CharacterModel, MjcfError> {
        parse_mjcf(text, Path::new("test.xml"))
    }

    const MINI: &str = r#"<mujoco>
  <compiler angle="radian"/>
  <default>
    <joint armature="0.01"/>
    <geom type="capsule" density="500"/>
    <default class="stiff">
      <joint stiffness="300" damping="30" actuatorfrcrange="-70 70"/>
    </default>
  </default>
  <worldbody>
    <body name="root" pos="0 0 1">
      <freejoint/>
      <geom type="sphere" size="0.1" mass="2"/>
      <body name="arm" pos="0 0.2 0" childclass="stiff" euler="0 0 1.5707963">
        <joint name="elbow" axis="0 1 0" range="-1 2"/>
        <geom fromto="0 0 0 0 0 -0.3" size="0.05"/>
        <body name="ball" pos="0 0 -0.3">
          <joint name="wrist" type="ball" range="0 0.5" class="main"/>
          <geom type="box" size="0.1 0.1 0.1" density="1000"/>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor joint="wrist" gear="10" ctrlrange="-2 2"/>
  </actuator>
</mujoco>"#;

    #[test]
    fn defaults_classes_orientations_and_gains() {
        let m = parse(MINI).unwrap();
        assert_eq!(m.num_bodies(), 3);
        assert_eq!(m.num_dofs(), 4);
        assert_eq!(m.dof_names, ["elbow", "wrist_x", "wrist_y", "wrist_z"]);
        let arm = &m.bodies[1];
        assert!(matches!(
            arm.joint,
            Joint::Hinge {
                limit: [-1.0, 2.0],
                ..
            }
        ));
        assert!((arm.local_rot * Vec3::X - Vec3::Y).length() < 1e-6);
        // childclass "stiff" applies to the elbow; class="main" on the wrist overrides it.
        assert_eq!(m.gains[0].kp, 300.0);
        assert_eq!(m.gains[0].torque_limit, 70.0);
        assert_eq!(m.gains[0].armature, 0.01);
        assert_eq!(m.gains[1].kp, 0.0);
        assert_eq!(m.gains[1].torque_limit, 20.0);
        assert!(
            matches!(m.bodies[2].joint, Joint::Spherical { limits } if limits == [[-0.5, 0.5]; 3])
        );
        // Masses: explicit, capsule by density (class default 500), box by its own density.
        let capsule = std::f32::consts::PI * 0.05f32.powi(2) * 0.3
            + 4.0 / 3.0 * std::f32::consts::PI * 0.05f32.powi(3);
        assert!((m.bodies[1].mass() - 500.0 * capsule).abs() < 1e-4);
        assert!((m.total_mass() - (2.0 + 500.0 * capsule + 8.0)).abs() < 1e-3);
        // The fromto capsule points down from the body origin.
        let g = &m.bodies[1].geoms[0];
        assert!((g.pos - Vec3::new(0.0, 0.0, -0.15)).length() < 1e-6);
        assert!((g.rot * Vec3::Z + Vec3::Z).length() < 1e-5);
    }

    #[test]
    fn cylinders_by_size_or_fromto_lie_along_local_z() {
        let xml = MINI
            .replace(
                r#"<geom fromto="0 0 0 0 0 -0.3" size="0.05"/>"#,
                r#"<geom type="cylinder" fromto="0 0 0 0.3 0 0" size="0.05"/>"#,
            )
            .replace(
                r#"<geom type="box" size="0.1 0.1 0.1" density="1000"/>"#,
                r#"<geom type="cylinder" size="0.1 0.2" density="1000"/>"#,
            );
        let m = parse(&xml).unwrap();
        let g = &m.bodies[1].geoms[0];
        assert_eq!(
            g.shape,
            Shape::Cylinder {
                radius: 0.05,
                half_length: 0.15
            }
        );
        // Centred on the segment, its axis along it (x).
        assert!((g.pos - Vec3::new(0.15, 0.0, 0.0)).length() < 1e-6);
        assert!((g.rot * Vec3::Z - Vec3::X).length() < 1e-5);
        let pi = std::f32::consts::PI;
        assert!((m.bodies[1].mass() - 500.0 * pi * 0.05f32.powi(2) * 0.3).abs() < 1e-4);
        assert!((m.bodies[2].mass() - 1000.0 * pi * 0.01 * 0.4).abs() < 1e-3);
        // Standing upright, a cylinder's lowest point is its lower disc.
        let upright = [Quat::IDENTITY];
        let mut one = m.clone();
        one.bodies.truncate(1);
        one.bodies[0].geoms = vec![m.bodies[2].geoms[0].clone()];
        let low = one.lowest_point(&[Vec3::new(0.0, 0.0, 1.0)], &upright);
        assert!((low - 0.8).abs() < 1e-5, "{low}");
        // Lying along x, its rim.
        let lying = [Quat::from_rotation_y(std::f32::consts::FRAC_PI_2)];
        let low = one.lowest_point(&[Vec3::new(0.0, 0.0, 1.0)], &lying);
        assert!((low - 0.9).abs() < 1e-5, "{low}");
    }

    #[test]
    fn three_hinges_in_any_order_and_sign_fold_into_one_spherical_joint() {
        let xml = MINI
            .replace(
                r#"<joint name="wrist" type="ball" range="0 0.5" class="main"/>"#,
                r#"<joint name="w_z" axis="0 0 1" range="-0.3 0.1"/>
          <joint name="w_x" axis="-1 0 0" range="-0.2 0.6"/>
          <joint name="w_y" axis="0 1 0" range="-0.4 0.5"/>"#,
            )
            .replace(r#"<motor joint="wrist""#, r#"<motor joint="w_x""#);
        let m = parse(&xml).unwrap();
        assert_eq!(m.dof_names, ["elbow", "w_x", "w_y", "w_z"]);
        let Joint::Spherical { limits } = m.bodies[2].joint else {
            panic!("{:?}", m.bodies[2].joint)
        };
        // The hinge about −x bounds the exp map's x by its range negated.
        assert_eq!(limits, [[-0.6, 0.2], [-0.4, 0.5], [-0.3, 0.1]]);
        // Gains follow their joint's new place: the motor drives w_x, now DoF 1.
        assert_eq!(m.gains[1].torque_limit, 20.0);
        assert_eq!(m.gains[3].torque_limit, 70.0); // the class's actuatorfrcrange

        let skew = xml.replace(
            r#"axis="0 1 0" range="-0.4 0.5""#,
            r#"axis="0 1 1" range="-0.4 0.5""#,
        );
        let e = parse(&skew).unwrap_err();
        assert!(e.message.contains("x, y and z axes"), "{e}");
        let twice = xml.replace(
            r#"axis="0 1 0" range="-0.4 0.5""#,
            r#"axis="0 0 -1" range="-0.4 0.5""#,
        );
        assert!(parse(&twice).unwrap_err().message.contains("same axis"));
        let offset = MINI.replace(
            r#"axis="0 1 0" range="-1 2""#,
            r#"axis="0 1 0" pos="0 0 0.1" range="-1 2""#,
        );
        let e = parse(&offset).unwrap_err();
        assert_eq!(e.attribute.as_deref(), Some("pos"));
        assert!(e.message.contains("move the body's pos"), "{e}");
    }

    #[test]
    fn errors_name_file_line_element_and_attribute() {
        let bad = MINI.replace(r#"range="-1 2""#, r#"range="-1 two""#);
        let e = parse(&bad).unwrap_err();
        assert_eq!(e.attribute.as_deref(), Some("range"));
        assert_eq!(e.element, r#"<joint name="elbow">"#);
        assert_eq!(e.line, 15);
        let msg = e.to_string();
        assert!(msg.starts_with("test.xml:15:"), "{msg}");

        let bad = MINI.replace(r#"<geom type="box""#, r#"<geom type="mesh""#);
        assert_eq!(parse(&bad).unwrap_err().attribute.as_deref(), Some("type"));
        let bad = MINI.replace(
            r#"<joint name="elbow" axis="0 1 0" range="-1 2"/>"#,
            r#"<joint name="a" range="0 1"/><joint name="b" range="0 1"/>"#,
        );
        assert!(parse(&bad).unwrap_err().message.contains("not supported"));
        let bad = MINI.replace("<freejoint/>", "");
        assert!(parse(&bad).unwrap_err().message.contains("free joint"));
        let bad = MINI.replace(r#"joint="wrist""#, r#"joint="wirst""#);
        assert!(parse(&bad).unwrap_err().message.contains("wirst"));
        let bad = MINI.replace("</mujoco>", "");
        assert!(parse(&bad).unwrap_err().message.contains("not valid XML"));
        let bad = MINI.replace(r#"angle="radian""#, r#"angle="grad""#);
        assert_eq!(parse(&bad).unwrap_err().attribute.as_deref(), Some("angle"));
    }
}
