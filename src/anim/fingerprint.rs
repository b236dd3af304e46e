//! What identifies a character to the data made for it: body names and tree, DoF layout, joint
//! axes and the rest pose. A clip or a policy made for one skeleton must never silently meet
//! another; checkpoints store the fingerprint of their character and every load compares it.
//!
//! Masses, shapes and gains are left out on purpose: a policy still fits a character whose
//! geoms were retuned, but not one whose joints move about other axes.

use serde::{Deserialize, Serialize};

use super::character::{Body, CharacterModel, Joint};

/// Positions and axes agree when they differ by less than this (MJCF files print 4–6 digits).
const TOLERANCE: f32 = 1e-4;

/// One body of a [`CharacterFingerprint`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BodyPrint {
    /// The body's name.
    pub name: String,
    /// Its parent's index (none for the root).
    pub parent: Option<usize>,
    /// `free`, `spherical`, `hinge` or `fixed`.
    pub joint: String,
    /// Index of its first DoF in the actuated DoF vector.
    pub dof_offset: usize,
    /// Its actuated DoF.
    pub dofs: usize,
    /// A hinge's axis in the joint frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub axis: Option<[f32; 3]>,
    /// Offset from the parent at rest.
    pub rest_pos: [f32; 3],
    /// Rotation relative to the parent at rest (x, y, z, w).
    pub rest_rot: [f32; 4],
}

/// A character's identity for the data made for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CharacterFingerprint {
    /// Bodies in depth-first order.
    pub bodies: Vec<BodyPrint>,
    /// Names of the actuated DoF, in order.
    pub dof_names: Vec<String>,
}

impl CharacterFingerprint {
    /// The fingerprint of `model`.
    pub fn of(model: &CharacterModel) -> Self {
        let bodies = model
            .bodies
            .iter()
            .map(|b| {
                let (joint, axis) = match &b.joint {
                    Joint::Free => ("free", None),
                    Joint::Spherical { .. } => ("spherical", None),
                    Joint::Hinge { axis, .. } => ("hinge", Some(axis.to_array())),
                    Joint::Fixed => ("fixed", None),
                };
                BodyPrint {
                    name: b.name.clone(),
                    parent: b.parent,
                    joint: joint.into(),
                    dof_offset: b.dof_offset,
                    dofs: b.joint.dofs(),
                    axis,
                    rest_pos: b.local_pos.to_array(),
                    rest_rot: b.local_rot.to_array(),
                }
            })
            .collect();
        Self {
            bodies,
            dof_names: model.dof_names.clone(),
        }
    }

    /// The character as a bare skeleton (no geoms, zero gains, limits ±π): enough for forward
    /// kinematics and retargeting of data made for it. Fails on a fingerprint that no character
    /// could have (an unknown joint kind, a hinge without an axis, DoF out of order).
    pub fn skeleton(&self) -> Result<CharacterModel, String> {
        use std::f32::consts::PI;
        let mut bodies = Vec::with_capacity(self.bodies.len());
        let mut next_dof = 0;
        for (i, b) in self.bodies.iter().enumerate() {
            let joint = match (b.joint.as_str(), b.axis) {
                ("free", _) => Joint::Free,
                ("fixed", _) => Joint::Fixed,
                ("spherical", _) => Joint::Spherical {
                    limits: [[-PI, PI]; 3],
                },
                ("hinge", Some(axis)) => Joint::Hinge {
                    axis: glam::Vec3::from_array(axis).normalize(),
                    limit: [-PI, PI],
                },
                (kind, _) => {
                    return Err(format!(
                        "body {i} `{}`: a `{kind}` joint without what it needs",
                        b.name
                    ));
                }
            };
            if b.parent.is_some_and(|p| p >= i) || (i > 0) != b.parent.is_some() {
                return Err(format!(
                    "body {i} `{}`: parent {:?} is not an earlier body",
                    b.name, b.parent
                ));
            }
            if b.dof_offset != next_dof || joint.dofs() != b.dofs {
                return Err(format!(
                    "body {i} `{}`: DoF {} at {} do not follow on",
                    b.name, b.dofs, b.dof_offset
                ));
            }
            next_dof += b.dofs;
            bodies.push(Body {
                name: b.name.clone(),
                parent: b.parent,
                local_pos: glam::Vec3::from_array(b.rest_pos),
                local_rot: glam::Quat::from_array(b.rest_rot).normalize(),
                joint,
                dof_offset: b.dof_offset,
                geoms: Vec::new(),
            });
        }
        if self.dof_names.len() != next_dof {
            return Err(format!(
                "{} DoF names for {next_dof} DoF",
                self.dof_names.len()
            ));
        }
        Ok(CharacterModel::bare(bodies, self.dof_names.clone()))
    }

    /// Total actuated DoF.
    pub fn num_dofs(&self) -> usize {
        self.bodies.iter().map(|b| b.dofs).sum()
    }

    /// `None` when `other` is the same character; otherwise the first difference, worded with
    /// `self` as "here" and `other` as "there".
    pub fn difference(&self, other: &Self) -> Option<String> {
        if self.bodies.len() != other.bodies.len() {
            return Some(format!(
                "{} bodies here, {} there",
                self.bodies.len(),
                other.bodies.len()
            ));
        }
        for (i, (a, b)) in self.bodies.iter().zip(&other.bodies).enumerate() {
            let joints = self
                .dof_names
                .get(a.dof_offset..a.dof_offset + a.dofs)
                .map(|names| names.join("/"))
                .unwrap_or_default();
            let at = if joints.is_empty() {
                format!("body {i} `{}`", a.name)
            } else {
                format!("body {i} `{}` (joint `{joints}`)", a.name)
            };
            if a.name != b.name {
                return Some(format!("{at} is `{}` there", b.name));
            }
            if a.parent != b.parent {
                return Some(format!(
                    "{at} has parent {:?} here, {:?} there",
                    a.parent, b.parent
                ));
            }
            if a.joint != b.joint || a.dofs != b.dofs || a.dof_offset != b.dof_offset {
                return Some(format!(
                    "{at} has a {} joint ({} DoF at {}) here, a {} joint ({} DoF at {}) there",
                    a.joint, a.dofs, a.dof_offset, b.joint, b.dofs, b.dof_offset
                ));
            }
            if let (Some(x), Some(y)) = (a.axis, b.axis)
                && !close(&x, &y)
            {
                return Some(format!("{at} hinges about {x:?} here, {y:?} there"));
            }
            // The root's rest position is where the file puts the character, not its shape.
            if a.parent.is_some() && !close(&a.rest_pos, &b.rest_pos) {
                return Some(format!(
                    "{at} rests at {:?} from its parent here, {:?} there",
                    a.rest_pos, b.rest_pos
                ));
            }
            // q and −q are the same rotation.
            let neg = b.rest_rot.map(|v| -v);
            if !close(&a.rest_rot, &b.rest_rot) && !close(&a.rest_rot, &neg) {
                return Some(format!(
                    "{at} rests rotated by {:?} here, {:?} there",
                    a.rest_rot, b.rest_rot
                ));
            }
        }
        if self.dof_names != other.dof_names {
            return Some(format!(
                "the DoF are {:?} here, {:?} there",
                self.dof_names, other.dof_names
            ));
        }
        None
    }
}

fn close(a: &[f32], b: &[f32]) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= TOLERANCE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anim::mjcf::load_mjcf;

    fn humanoid() -> CharacterModel {
        load_mjcf(std::path::Path::new("assets/characters/humanoid.xml")).unwrap()
    }

    #[test]
    fn the_same_character_matches_and_a_turned_elbow_does_not() {
        let model = humanoid();
        let print = CharacterFingerprint::of(&model);
        assert_eq!(print.num_dofs(), 28);
        assert_eq!(print.difference(&CharacterFingerprint::of(&model)), None);
        // Through YAML and back (as stored in checkpoints) it is still the same character.
        let text = serde_yaml_ng::to_string(&print).unwrap();
        let back: CharacterFingerprint = serde_yaml_ng::from_str(&text).unwrap();
        assert_eq!(print.difference(&back), None);
        // Its bare skeleton is still the same character.
        let bare = back.skeleton().unwrap();
        assert_eq!(print.difference(&CharacterFingerprint::of(&bare)), None);

        let mut turned = model.clone();
        let elbow = turned
            .bodies
            .iter()
            .position(|b| matches!(b.joint, Joint::Hinge { .. }))
            .unwrap();
        if let Joint::Hinge { axis, .. } = &mut turned.bodies[elbow].joint {
            *axis = glam::Vec3::Z;
        }
        let why = print
            .difference(&CharacterFingerprint::of(&turned))
            .unwrap();
        assert!(why.contains(&model.bodies[elbow].name), "{why}");
        assert!(why.contains("hinges about"), "{why}");
    }
}
