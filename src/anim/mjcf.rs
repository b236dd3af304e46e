//! The MJCF subset characters use, read into a [`CharacterModel`].
//!
//! Supported: `<compiler angle eulerseq>`, `<default>` classes (nested, with `class` and
//! `childclass`), bodies with `pos`, `quat` (w x y z), `euler`, `axisangle`; `hinge`, `ball` and
//! `free` joints (and `<freejoint>`) with `axis`, `range`, `stiffness`, `damping`, `armature`,
//! `actuatorfrcrange`; `sphere`, `capsule` and `box` geoms with `size` or `fromto`, `pos`,
//! `quat`/`euler`, `density` or `mass`; `position` actuators (`kp`, `kv`, `forcerange`) and
//! `motor` actuators (`gear`, `ctrlrange`). Three hinges about x, y and z on one body fold into
//! one spherical joint, as in MimicKit. PD gains come from a joint's position actuator, or else
//! from the joint's `stiffness`/`damping` (MimicKit's convention).
//!
//! Errors name the file, the line, the element and the attribute.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use glam::{Quat, Vec3};
use roxmltree::{Document, Node};

use super::character::{Body, CharacterModel, Geom, Joint, PdGains, Shape};

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

impl<'a, 'input> Parser<'a, 'input> {
    fn new(doc: &'a Document<'input>, file: &Path) -> Result<Self, MjcfError> {
        let mut p = Self {
            doc,
            file: file.to_path_buf(),
            degrees: true,
            eulerseq: "xyz".into(),
            classes: HashMap::new(),
        };
        let root = doc.root_element();
        if root.tag_name().name() != "mujoco" {
            return Err(p.err(root, None, "the root element must be <mujoco>"));
        }
        for compiler in root.children().filter(|n| n.has_tag_name("compiler")) {
            if let Some(angle) = compiler.attribute("angle") {
                p.degrees = match angle {
                    "degree" => true,
                    "radian" => false,
                    _ => {
                        return Err(p.err(compiler, Some("angle"), "must be `degree` or `radian`"));
                    }
                };
            }
            if let Some(seq) = compiler.attribute("eulerseq") {
                if seq.len() != 3 || !seq.chars().all(|c| "xyzXYZ".contains(c)) {
                    return Err(p.err(compiler, Some("eulerseq"), "must be three of x, y, z"));
                }
                p.eulerseq = seq.into();
            }
        }
        for default in root.children().filter(|n| n.has_tag_name("default")) {
            p.read_default(default, None);
        }
        Ok(p)
    }

    fn read_default(&mut self, node: Node, parent: Option<&str>) {
        let name = node.attribute("class").unwrap_or("main").to_string();
        let mut attrs: ClassAttrs = parent
            .and_then(|p| self.classes.get(p).cloned())
            .unwrap_or_default();
        for child in node.children().filter(Node::is_element) {
            if child.has_tag_name("default") {
                continue;
            }
            let entry = attrs
                .entry(child.tag_name().name().to_string())
                .or_default();
            for a in child.attributes() {
                entry.insert(a.name().to_string(), a.value().to_string());
            }
        }
        self.classes.insert(name.clone(), attrs);
        for child in node.children().filter(|n| n.has_tag_name("default")) {
            self.read_default(child, Some(&name));
        }
    }

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

    /// The element's attribute, or its class's default.
    fn attr(&self, el: El<'a, 'input>, name: &str) -> Option<String> {
        if let Some(v) = el.node.attribute(name) {
            return Some(v.to_string());
        }
        let class = el.node.attribute("class").unwrap_or(el.class);
        self.classes
            .get(class)
            .and_then(|c| c.get(el.node.tag_name().name()))
            .and_then(|a| a.get(name))
            .cloned()
    }

    fn floats(&self, el: El, name: &str, n: usize) -> Result<Option<Vec<f32>>, MjcfError> {
        let Some(text) = self.attr(el, name) else {
            return Ok(None);
        };
        let values: Result<Vec<f32>, _> = text.split_whitespace().map(str::parse::<f32>).collect();
        match values {
            Ok(v) if v.len() == n && v.iter().all(|x| x.is_finite()) => Ok(Some(v)),
            Ok(v) if v.iter().all(|x| x.is_finite()) => Err(self.err(
                el.node,
                Some(name),
                format!("expects {n} numbers, got {}", v.len()),
            )),
            _ => Err(self.err(
                el.node,
                Some(name),
                format!("`{text}` is not {n} finite numbers"),
            )),
        }
    }

    fn float(&self, el: El, name: &str) -> Result<Option<f32>, MjcfError> {
        Ok(self.floats(el, name, 1)?.map(|v| v[0]))
    }

    fn vec3(&self, el: El, name: &str) -> Result<Option<Vec3>, MjcfError> {
        Ok(self
            .floats(el, name, 3)?
            .map(|v| Vec3::new(v[0], v[1], v[2])))
    }

    fn angle(&self, v: f32) -> f32 {
        if self.degrees { v.to_radians() } else { v }
    }

    /// Orientation from `quat` (w x y z), `euler` or `axisangle`.
    fn orientation(&self, el: El) -> Result<Quat, MjcfError> {
        if let Some(q) = self.floats(el, "quat", 4)? {
            let q = Quat::from_xyzw(q[1], q[2], q[3], q[0]);
            if q.length() < 1e-6 {
                return Err(self.err(el.node, Some("quat"), "is zero"));
            }
            return Ok(q.normalize());
        }
        if let Some(e) = self.vec3(el, "euler")? {
            let mut q = Quat::IDENTITY;
            for (i, c) in self.eulerseq.chars().enumerate() {
                let axis = match c.to_ascii_lowercase() {
                    'x' => Vec3::X,
                    'y' => Vec3::Y,
                    _ => Vec3::Z,
                };
                let r = Quat::from_axis_angle(axis, self.angle(e[i]));
                // Lower case: intrinsic (rotate about moving axes); upper case: extrinsic.
                q = if c.is_ascii_lowercase() { q * r } else { r * q };
            }
            return Ok(q);
        }
        if let Some(aa) = self.floats(el, "axisangle", 4)? {
            let axis = Vec3::new(aa[0], aa[1], aa[2]);
            if axis.length() < 1e-6 {
                return Err(self.err(el.node, Some("axisangle"), "has a zero axis"));
            }
            return Ok(Quat::from_axis_angle(axis.normalize(), self.angle(aa[3])));
        }
        Ok(Quat::IDENTITY)
    }

    fn parse(self) -> Result<CharacterModel, MjcfError> {
        let root = self.doc.root_element();
        let world = root
            .children()
            .find(|n| n.has_tag_name("worldbody"))
            .ok_or_else(|| self.err(root, None, "has no <worldbody>"))?;
        let mut bodies_xml = world.children().filter(|n| n.has_tag_name("body"));
        let root_body = bodies_xml
            .next()
            .ok_or_else(|| self.err(world, None, "has no <body>"))?;
        if let Some(extra) = bodies_xml.next() {
            return Err(self.err(extra, None, "a character has one root body"));
        }
        let mut bodies = Vec::new();
        let mut raw_dofs: Vec<(RawJoint, usize)> = Vec::new();
        self.read_body(root_body, None, "main", &mut bodies, &mut raw_dofs)?;
        let gains = self.gains(root, &raw_dofs)?;
        let dof_names = raw_dofs.into_iter().map(|(j, _)| j.name).collect();
        Ok(CharacterModel {
            bodies,
            gains,
            dof_names,
        })
    }

    fn read_body(
        &self,
        node: Node<'a, 'input>,
        parent: Option<usize>,
        inherited_class: &'a str,
        bodies: &mut Vec<Body>,
        dofs: &mut Vec<(RawJoint, usize)>,
    ) -> Result<(), MjcfError> {
        let class = node.attribute("childclass").unwrap_or(inherited_class);
        let el = El { node, class };
        let index = bodies.len();
        let name = node
            .attribute("name")
            .ok_or_else(|| self.err(node, Some("name"), "every body needs a name"))?
            .to_string();
        let local_pos = self.vec3(el, "pos")?.unwrap_or(Vec3::ZERO);
        let local_rot = self.orientation(el)?;

        let mut joints = Vec::new();
        let mut geoms = Vec::new();
        for child in node.children().filter(Node::is_element) {
            let cel = El { node: child, class };
            match child.tag_name().name() {
                "joint" | "freejoint" => joints.push(self.read_joint(cel)?),
                "geom" => geoms.push(self.read_geom(cel)?),
                _ => {}
            }
        }
        let joint = self.fold_joints(node, parent.is_none(), &joints)?;
        let dof_offset = dofs.len();
        match &joint {
            Joint::Spherical { .. } if joints.len() == 1 => {
                // A ball joint: its three DoF are named after it.
                let j = &joints[0];
                for (axis, suffix) in [(Vec3::X, "x"), (Vec3::Y, "y"), (Vec3::Z, "z")] {
                    dofs.push((
                        RawJoint {
                            name: format!("{}_{suffix}", j.name),
                            axis,
                            ..j.clone()
                        },
                        index,
                    ));
                }
            }
            Joint::Spherical { .. } | Joint::Hinge { .. } => {
                dofs.extend(joints.into_iter().map(|j| (j, index)));
            }
            Joint::Free | Joint::Fixed => {}
        }
        bodies.push(Body {
            name,
            parent,
            local_pos,
            local_rot,
            joint,
            dof_offset,
            geoms,
        });
        for child in node.children().filter(|n| n.has_tag_name("body")) {
            self.read_body(child, Some(index), class, bodies, dofs)?;
        }
        Ok(())
    }

    fn read_joint(&self, el: El) -> Result<RawJoint, MjcfError> {
        let kind = if el.node.has_tag_name("freejoint") {
            "free".to_string()
        } else {
            self.attr(el, "type").unwrap_or_else(|| "hinge".into())
        };
        if !["hinge", "ball", "free"].contains(&kind.as_str()) {
            return Err(self.err(
                el.node,
                Some("type"),
                format!("`{kind}` is not supported (hinge, ball, free)"),
            ));
        }
        if let Some(pos) = self.vec3(el, "pos")?
            && pos.length() > 1e-6
        {
            return Err(self.err(
                el.node,
                Some("pos"),
                "joints must sit at their body's origin",
            ));
        }
        let axis = self.vec3(el, "axis")?.unwrap_or(Vec3::Z);
        if axis.length() < 1e-6 {
            return Err(self.err(el.node, Some("axis"), "is zero"));
        }
        let limited = self
            .attr(el, "limited")
            .map(|v| v != "false")
            .unwrap_or(true);
        let range = match (limited, self.floats(el, "range", 2)?) {
            (true, Some(r)) => {
                let r = [self.angle(r[0]), self.angle(r[1])];
                if r[0] > r[1] {
                    return Err(self.err(el.node, Some("range"), "lower bound above upper bound"));
                }
                Some(r)
            }
            _ => None,
        };
        let frc_limit = self
            .floats(el, "actuatorfrcrange", 2)?
            .map(|r| r[0].abs().max(r[1].abs()));
        let name = el.node.attribute("name").unwrap_or_default().to_string();
        Ok(RawJoint {
            joint: name.clone(),
            name,
            kind,
            axis: axis.normalize(),
            range,
            stiffness: self.float(el, "stiffness")?.unwrap_or(0.0),
            damping: self.float(el, "damping")?.unwrap_or(0.0),
            armature: self.float(el, "armature")?.unwrap_or(0.0),
            frc_limit,
            line_el: Self::describe(el.node),
        })
    }

    fn fold_joints(
        &self,
        body: Node,
        is_root: bool,
        joints: &[RawJoint],
    ) -> Result<Joint, MjcfError> {
        let kinds: Vec<&str> = joints.iter().map(|j| j.kind.as_str()).collect();
        let joint = match kinds.as_slice() {
            ["free"] if is_root => Joint::Free,
            [] if !is_root => Joint::Fixed,
            ["hinge"] if !is_root => {
                let j = &joints[0];
                Joint::Hinge {
                    axis: j.axis,
                    limit: j.range.ok_or_else(|| {
                        self.err(body, None, format!("hinge {} needs a range", j.line_el))
                    })?,
                }
            }
            ["ball"] if !is_root => {
                let r = joints[0]
                    .range
                    .ok_or_else(|| self.err(body, None, "a ball joint needs a range"))?;
                let m = r[0].abs().max(r[1].abs());
                Joint::Spherical {
                    limits: [[-m, m]; 3],
                }
            }
            ["hinge", "hinge", "hinge"] if !is_root => {
                let mut limits = [[0.0; 2]; 3];
                for (i, (j, axis)) in joints.iter().zip([Vec3::X, Vec3::Y, Vec3::Z]).enumerate() {
                    if (j.axis - axis).length() > 1e-4 {
                        return Err(self.err(
                            body,
                            None,
                            format!("three hinges fold into a spherical joint only about x, y, z in that order; {} is about {}", j.line_el, j.axis),
                        ));
                    }
                    limits[i] = j.range.ok_or_else(|| {
                        self.err(body, None, format!("hinge {} needs a range", j.line_el))
                    })?;
                }
                Joint::Spherical { limits }
            }
            _ if is_root => {
                return Err(self.err(body, None, "the root body needs exactly one free joint"));
            }
            _ => {
                return Err(self.err(
                    body,
                    None,
                    format!("joints {kinds:?} are not supported: use none, one hinge, one ball, or hinges about x, y, z"),
                ));
            }
        };
        Ok(joint)
    }

    fn read_geom(&self, el: El) -> Result<Geom, MjcfError> {
        let kind = self.attr(el, "type").unwrap_or_else(|| "sphere".into());
        let size = |n: usize| -> Result<Vec<f32>, MjcfError> {
            let text = self
                .attr(el, "size")
                .ok_or_else(|| self.err(el.node, Some("size"), "is required"))?;
            let v: Vec<f32> = text
                .split_whitespace()
                .map(str::parse::<f32>)
                .collect::<Result<_, _>>()
                .map_err(|_| self.err(el.node, Some("size"), format!("`{text}` is not numbers")))?;
            if v.len() < n || v.iter().take(n).any(|x| !(x.is_finite() && *x > 0.0)) {
                return Err(self.err(
                    el.node,
                    Some("size"),
                    format!("needs {n} positive numbers for a {kind}"),
                ));
            }
            Ok(v)
        };
        let (shape, pos, rot) = if let Some(ft) = self.floats(el, "fromto", 6)? {
            let (a, b) = (
                Vec3::new(ft[0], ft[1], ft[2]),
                Vec3::new(ft[3], ft[4], ft[5]),
            );
            let d = b - a;
            if d.length() < 1e-6 {
                return Err(self.err(el.node, Some("fromto"), "has zero length"));
            }
            let radius = size(1)?[0];
            let shape = match kind.as_str() {
                "capsule" => Shape::Capsule {
                    radius,
                    half_length: 0.5 * d.length(),
                },
                _ => {
                    return Err(self.err(
                        el.node,
                        Some("fromto"),
                        format!("is supported for capsules, not `{kind}`"),
                    ));
                }
            };
            (
                shape,
                0.5 * (a + b),
                Quat::from_rotation_arc(Vec3::Z, d.normalize()),
            )
        } else {
            let shape = match kind.as_str() {
                "sphere" => Shape::Sphere {
                    radius: size(1)?[0],
                },
                "capsule" => {
                    let s = size(2)?;
                    Shape::Capsule {
                        radius: s[0],
                        half_length: s[1],
                    }
                }
                "box" => {
                    let s = size(3)?;
                    Shape::Box {
                        half_extents: Vec3::new(s[0], s[1], s[2]),
                    }
                }
                _ => {
                    return Err(self.err(
                        el.node,
                        Some("type"),
                        format!("`{kind}` is not supported (sphere, capsule, box)"),
                    ));
                }
            };
            (
                shape,
                self.vec3(el, "pos")?.unwrap_or(Vec3::ZERO),
                self.orientation(el)?,
            )
        };
        let mass = match self.float(el, "mass")? {
            Some(m) if m >= 0.0 => m,
            Some(_) => return Err(self.err(el.node, Some("mass"), "must be ≥ 0")),
            None => {
                let density = self.float(el, "density")?.unwrap_or(1000.0);
                if density < 0.0 {
                    return Err(self.err(el.node, Some("density"), "must be ≥ 0"));
                }
                density * shape.volume()
            }
        };
        Ok(Geom {
            name: el.node.attribute("name").unwrap_or_default().to_string(),
            shape,
            pos,
            rot,
            mass,
        })
    }

    /// PD gains per DoF: a `position` actuator on the joint (kp, kv, forcerange), or a `motor`
    /// (torque limit from gear × ctrlrange) with the joint's stiffness and damping.
    fn gains(&self, root: Node, dofs: &[(RawJoint, usize)]) -> Result<Vec<PdGains>, MjcfError> {
        let mut by_joint: HashMap<String, Node> = HashMap::new();
        for act in root.children().filter(|n| n.has_tag_name("actuator")) {
            for a in act.children().filter(Node::is_element) {
                let el = El {
                    node: a,
                    class: "main",
                };
                if !["position", "motor"].contains(&a.tag_name().name()) {
                    return Err(self.err(
                        a,
                        None,
                        "only position and motor actuators are supported",
                    ));
                }
                let joint = self
                    .attr(el, "joint")
                    .ok_or_else(|| self.err(a, Some("joint"), "is required"))?;
                if !dofs.iter().any(|(j, _)| j.joint == joint) {
                    return Err(self.err(
                        a,
                        Some("joint"),
                        format!("no actuated joint is named `{joint}`"),
                    ));
                }
                by_joint.insert(joint, a);
            }
        }
        dofs.iter()
            .map(|(j, _)| {
                let mut g = PdGains {
                    kp: j.stiffness,
                    kd: j.damping,
                    torque_limit: j.frc_limit.unwrap_or(f32::INFINITY),
                    armature: j.armature,
                };
                if let Some(&a) = by_joint.get(&j.joint) {
                    let el = El {
                        node: a,
                        class: "main",
                    };
                    let range = |name| -> Result<Option<f32>, MjcfError> {
                        Ok(self
                            .floats(el, name, 2)?
                            .map(|r| r[0].abs().max(r[1].abs())))
                    };
                    if a.has_tag_name("position") {
                        g.kp = self.float(el, "kp")?.unwrap_or(1.0);
                        g.kd = self.float(el, "kv")?.unwrap_or(0.0);
                        if let Some(f) = range("forcerange")? {
                            g.torque_limit = f;
                        }
                    } else {
                        let gear = self.float(el, "gear")?.unwrap_or(1.0).abs();
                        if let Some(c) = range("ctrlrange")? {
                            g.torque_limit = gear * c;
                        }
                    }
                }
                Ok(g)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
