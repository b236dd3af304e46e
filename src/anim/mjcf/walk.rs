//! The XML walk: `<worldbody>`, the body tree (pose, joints, geoms) and each geom's shape,
//! placement and mass.

use glam::{Quat, Vec3};
use roxmltree::Node;

use super::{El, MjcfError, Parser, RawJoint};
use crate::anim::character::{Body, CharacterModel, Geom, Joint, Shape};

impl<'a, 'input> Parser<'a, 'input> {
    pub(super) fn parse(self) -> Result<CharacterModel, MjcfError> {
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

    pub(super) fn read_body(
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
        let (joint, joints) = self.fold_joints(node, parent.is_none(), &joints)?;
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

    pub(super) fn read_geom(&self, el: El) -> Result<Geom, MjcfError> {
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
                "cylinder" => Shape::Cylinder {
                    radius,
                    half_length: 0.5 * d.length(),
                },
                _ => {
                    return Err(self.err(
                        el.node,
                        Some("fromto"),
                        format!("is supported for capsules and cylinders, not `{kind}`"),
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
                "cylinder" => {
                    let s = size(2)?;
                    Shape::Cylinder {
                        radius: s[0],
                        half_length: s[1],
                    }
                }
                _ => {
                    return Err(self.err(
                        el.node,
                        Some("type"),
                        format!("`{kind}` is not supported (sphere, capsule, box, cylinder)"),
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
}
