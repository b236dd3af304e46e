//! Joints and actuators: each MJCF joint read, a body's joints folded into one character joint
//! (free, fixed, hinge, ball, or three hinges as a spherical joint), and the PD gains per DoF
//! from `position`/`motor` actuators or the joints' own stiffness and damping.

use std::collections::HashMap;

use glam::Vec3;
use roxmltree::Node;

use super::{El, MjcfError, Parser, RawJoint};
use crate::anim::character::{Joint, PdGains};

impl Parser<'_, '_> {
    pub(super) fn read_joint(&self, el: El) -> Result<RawJoint, MjcfError> {
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
                "joints must sit at their body's origin, as in MimicKit: move the body's pos onto the joint and shift its geoms and child bodies back by the same offset",
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

    /// A body's joints as one character joint, with the MJCF joints in the order of its DoF.
    pub(super) fn fold_joints(
        &self,
        body: Node,
        is_root: bool,
        joints: &[RawJoint],
    ) -> Result<(Joint, Vec<RawJoint>), MjcfError> {
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
                let (limits, ordered) = self.fold_hinge_triplet(body, joints)?;
                return Ok((Joint::Spherical { limits }, ordered));
            }
            _ if is_root => {
                return Err(self.err(body, None, "the root body needs exactly one free joint"));
            }
            _ => {
                return Err(self.err(
                    body,
                    None,
                    format!("joints {kinds:?} are not supported: use none, one hinge, one ball, or three hinges about x, y and z"),
                ));
            }
        };
        Ok((joint, joints.to_vec()))
    }

    /// Three hinges about the joint frame's x, y and z axes, in any order and either sign, fold
    /// into one spherical joint (an exponential map has no order of axes, as in MimicKit). Its
    /// DoF are the exp map's x, y, z; a hinge about −x bounds x by its range negated.
    fn fold_hinge_triplet(
        &self,
        body: Node,
        joints: &[RawJoint],
    ) -> Result<([[f32; 2]; 3], Vec<RawJoint>), MjcfError> {
        let mut limits = [[0.0; 2]; 3];
        let mut ordered: [Option<RawJoint>; 3] = [None, None, None];
        for j in joints {
            let range = j.range.ok_or_else(|| {
                self.err(body, None, format!("hinge {} needs a range", j.line_el))
            })?;
            let found = (0..3).find_map(|i| {
                let axis = Vec3::AXES[i];
                if (j.axis - axis).length() < 1e-4 {
                    Some((i, 1.0))
                } else if (j.axis + axis).length() < 1e-4 {
                    Some((i, -1.0))
                } else {
                    None
                }
            });
            let Some((i, sign)) = found else {
                return Err(self.err(
                    body,
                    None,
                    format!(
                        "three hinges fold into a spherical joint only about the x, y and z axes (in any order, either sign); {} is about {}: rotate the body's frame (quat/euler) so its hinges line up with those axes",
                        j.line_el, j.axis
                    ),
                ));
            };
            if ordered[i].is_some() {
                return Err(self.err(
                    body,
                    None,
                    format!(
                        "two of its three hinges turn about the same axis; {} repeats one",
                        j.line_el
                    ),
                ));
            }
            limits[i] = if sign > 0.0 {
                range
            } else {
                [-range[1], -range[0]]
            };
            ordered[i] = Some(RawJoint {
                axis: Vec3::AXES[i],
                ..j.clone()
            });
        }
        Ok((
            limits,
            ordered
                .into_iter()
                .map(|j| j.expect("three distinct axes"))
                .collect(),
        ))
    }

    /// PD gains per DoF: a `position` actuator on the joint (kp, kv, forcerange), or a `motor`
    /// (torque limit from gear × ctrlrange) with the joint's stiffness and damping.
    pub(super) fn gains(
        &self,
        root: Node,
        dofs: &[(RawJoint, usize)],
    ) -> Result<Vec<PdGains>, MjcfError> {
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
