//! Retargeting by joint name: a clip made for one skeleton carried onto another whose bodies share
//! names, honouring each side's rest pose and hinge axes.
//!
//! Each target body takes the world orientation of the source body of the same name, turned by a
//! constant correction that lines up its bones: the offsets to its children (e.g. MimicKit's
//! T-pose upper arm points along −y where ours hangs along −z, so its correction is a quarter turn
//! about x). Those orientations are then read back as the target's joint rotations one body at a
//! time down the tree, each hinge keeping the twist about its own axis, so what a hinge cannot
//! follow is not passed on to the bodies below it. Segment lengths are not rescaled: the skeletons
//! this serves share them, and [`mean_body_distance`] measures what is left.

use glam::{Mat3, Quat, Vec3};

use super::character::CharacterModel;
use super::motion::MotionClip;

/// Child offsets shorter than this (m) carry no direction.
const MIN_BONE: f32 = 1e-4;

/// Two bone directions closer than this (|sin|) are taken as parallel.
const PARALLEL: f32 = 1e-3;

/// A source skeleton mapped onto a target skeleton by body name.
#[derive(Clone, Debug)]
pub struct Retarget {
    source: CharacterModel,
    target: CharacterModel,
    /// For each target body, the source body of the same name (the roots always match).
    matched: Vec<Option<usize>>,
    /// For each target body, `C` with `W_target = W_source · C`.
    correction: Vec<Quat>,
}

impl Retarget {
    /// Maps `source` onto `target`. Target bodies with no namesake in `source` stay at their rest
    /// pose relative to their parent; [`Retarget::unmatched`] lists them.
    pub fn new(source: &CharacterModel, target: &CharacterModel) -> Self {
        let matched: Vec<Option<usize>> = target
            .bodies
            .iter()
            .enumerate()
            .map(|(t, b)| {
                if t == 0 {
                    Some(0)
                } else {
                    source.body_index(&b.name)
                }
            })
            .collect();
        let mut correction = vec![Quat::IDENTITY; target.num_bodies()];
        for t in 0..target.num_bodies() {
            let Some(s) = matched[t] else { continue };
            // What keeps the rest pose at rest: the parent's correction carried through both
            // sides' rest rotations.
            let rest = match (target.bodies[t].parent, source.bodies[s].parent) {
                (Some(tp), Some(_)) => {
                    source.bodies[s].local_rot.inverse()
                        * correction[tp]
                        * target.bodies[t].local_rot
                }
                _ => Quat::IDENTITY,
            };
            let bones = bone_pairs(source, target, &matched, t, s);
            correction[t] = align(rest, &bones);
        }
        Self {
            source: source.clone(),
            target: target.clone(),
            matched,
            correction,
        }
    }

    /// Names of the target bodies that no source body drives.
    pub fn unmatched(&self) -> Vec<&str> {
        self.matched
            .iter()
            .zip(&self.target.bodies)
            .filter(|(m, _)| m.is_none())
            .map(|(_, b)| b.name.as_str())
            .collect()
    }

    /// Whether the mapping changes nothing: the same bodies, no corrections, the same joints.
    pub fn is_identity(&self) -> bool {
        use super::fingerprint::CharacterFingerprint;
        CharacterFingerprint::of(&self.source)
            .difference(&CharacterFingerprint::of(&self.target))
            .is_none()
    }

    /// `clip` (made for the source) carried onto the target.
    pub fn clip(&self, clip: &MotionClip) -> MotionClip {
        let n = self.target.num_bodies();
        let mut out = MotionClip {
            fps: clip.fps,
            loop_mode: clip.loop_mode,
            frame_dim: 6 + self.target.num_dofs(),
            frames: Vec::with_capacity(clip.num_frames() * (6 + self.target.num_dofs())),
        };
        let mut world = vec![Quat::IDENTITY; n];
        let mut joints = vec![Quat::IDENTITY; n];
        let mut dofs = Vec::new();
        for f in 0..clip.num_frames() {
            let rots = self.source.dofs_to_joint_rots(clip.dofs(f));
            let (_, src_world) =
                self.source
                    .forward_kinematics(clip.root_pos(f), clip.root_rot(f), &rots);
            for (t, body) in self.target.bodies.iter().enumerate() {
                let Some(p) = body.parent else {
                    world[t] = src_world[0] * self.correction[0];
                    continue;
                };
                let parent_rest = world[p] * body.local_rot;
                // What the joint can do (a hinge keeps its twist) is what the children inherit.
                joints[t] = match self.matched[t] {
                    Some(s) => self.target.reachable_joint_rot(
                        t,
                        parent_rest.inverse() * (src_world[s] * self.correction[t]),
                    ),
                    None => Quat::IDENTITY,
                };
                world[t] = (parent_rest * joints[t]).normalize();
            }
            self.target.joint_rots_to_dofs_into(&joints, &mut dofs);
            out.frames.extend_from_slice(&clip.root_pos(f).to_array());
            out.frames
                .extend_from_slice(&super::rotation::quat_to_exp_map(world[0]).to_array());
            out.frames.extend_from_slice(&dofs);
        }
        out
    }

    /// Mean distance (m) between the positions of same-named bodies of `source_clip` on the
    /// source and `target_clip` on the target, over all frames.
    pub fn mean_body_distance(&self, source_clip: &MotionClip, target_clip: &MotionClip) -> f32 {
        mean_body_distance(&self.source, source_clip, &self.target, target_clip)
    }
}

/// Mean distance (m) between the positions of same-named bodies of clip `a` on `model_a` and clip
/// `b` on `model_b`, over all frames both have (forward kinematics of each).
pub fn mean_body_distance(
    model_a: &CharacterModel,
    a: &MotionClip,
    model_b: &CharacterModel,
    b: &MotionClip,
) -> f32 {
    let pairs: Vec<(usize, usize)> = model_b
        .bodies
        .iter()
        .enumerate()
        .filter_map(|(j, body)| model_a.body_index(&body.name).map(|i| (i, j)))
        .collect();
    let frames = a.num_frames().min(b.num_frames());
    if pairs.is_empty() || frames == 0 {
        return f32::INFINITY;
    }
    let mut total = 0.0f64;
    for f in 0..frames {
        let (pa, _) = model_a.forward_kinematics(
            a.root_pos(f),
            a.root_rot(f),
            &model_a.dofs_to_joint_rots(a.dofs(f)),
        );
        let (pb, _) = model_b.forward_kinematics(
            b.root_pos(f),
            b.root_rot(f),
            &model_b.dofs_to_joint_rots(b.dofs(f)),
        );
        for &(i, j) in &pairs {
            total += f64::from(pa[i].distance(pb[j]));
        }
    }
    (total / (frames * pairs.len()) as f64) as f32
}

/// The bones from target body `t` to its matched children, as (target offset, source offset),
/// each in its own body's frame; zero-length offsets are left out.
fn bone_pairs(
    source: &CharacterModel,
    target: &CharacterModel,
    matched: &[Option<usize>],
    t: usize,
    s: usize,
) -> Vec<(Vec3, Vec3)> {
    target
        .bodies
        .iter()
        .enumerate()
        .filter(|(_, b)| b.parent == Some(t))
        .filter_map(|(tc, b)| {
            let sc = matched[tc]?;
            (source.bodies[sc].parent == Some(s))
                .then_some((b.local_pos, source.bodies[sc].local_pos))
        })
        .filter(|(a, b)| a.length() > MIN_BONE && b.length() > MIN_BONE)
        .collect()
}

/// The correction that turns the target's bones onto the source's, starting from `rest`: with
/// one bone (or all bones parallel), `rest` followed by the smallest turn that lines it up; with
/// two non-parallel bones, the rotation that lines up the longest one and the plane of the two
/// (TRIAD), which is exact when the two sides' bones are congruent.
fn align(rest: Quat, bones: &[(Vec3, Vec3)]) -> Quat {
    let Some(&(t1, s1)) = bones
        .iter()
        .max_by(|a, b| a.0.length().total_cmp(&b.0.length()))
    else {
        return rest;
    };
    let (t1, s1) = (t1.normalize(), s1.normalize());
    let second = bones
        .iter()
        .map(|&(t, s)| (t.normalize(), s.normalize()))
        .filter(|(t, s)| t1.cross(*t).length() > PARALLEL && s1.cross(*s).length() > PARALLEL)
        .max_by(|a, b| t1.cross(a.0).length().total_cmp(&t1.cross(b.0).length()));
    match second {
        None => (Quat::from_rotation_arc(rest * t1, s1) * rest).normalize(),
        Some((t2, s2)) => {
            let frame = |a: Vec3, b: Vec3| {
                let n = a.cross(b).normalize();
                Mat3::from_cols(a, n, a.cross(n))
            };
            let (ft, fs) = (frame(t1, t2), frame(s1, s2));
            Quat::from_mat3(&(fs * ft.transpose())).normalize()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anim::mjcf::load_mjcf;
    use crate::anim::motion::load_motion;
    use std::path::Path;

    fn ours() -> CharacterModel {
        load_mjcf(Path::new("assets/characters/humanoid.xml")).unwrap()
    }

    fn mimickits() -> CharacterModel {
        load_mjcf(Path::new(
            "tests/data/mimickit/assets/humanoid/humanoid.xml",
        ))
        .unwrap()
    }

    #[test]
    fn a_skeleton_onto_itself_changes_nothing() {
        let model = ours();
        let clip = load_motion(Path::new("assets/motions/deepmimic_walk.bmotion"), &model).unwrap();
        let map = Retarget::new(&model, &model);
        assert!(map.is_identity());
        assert!(map.unmatched().is_empty());
        let back = map.clip(&clip);
        let worst = clip
            .frames
            .iter()
            .zip(&back.frames)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-4, "largest change {worst}");
    }

    #[test]
    fn the_t_pose_arms_get_the_walks_elbows_and_shoulders() {
        let (src, dst) = (ours(), mimickits());
        let clip = load_motion(Path::new("assets/motions/deepmimic_walk.bmotion"), &src).unwrap();
        let map = Retarget::new(&src, &dst);
        assert!(!map.is_identity());
        let moved = map.clip(&clip);
        let err = map.mean_body_distance(&clip, &moved);
        assert!(err < 0.005, "mean body distance {err} m");
        // The elbows bend (the bug this guards against left them at 0 in every frame).
        let elbow = dst
            .dof_names
            .iter()
            .position(|n| n == "right_elbow")
            .unwrap();
        let bent = (0..moved.num_frames())
            .map(|f| moved.dofs(f)[elbow].abs())
            .fold(0.0f32, f32::max);
        assert!(bent > 0.2, "the elbow never bends more than {bent} rad");
        // And back onto our skeleton: the same joint angles.
        let home = Retarget::new(&dst, &src).clip(&moved);
        let worst = clip
            .frames
            .iter()
            .zip(&home.frames)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-3, "round trip changed a value by {worst}");
    }
}
