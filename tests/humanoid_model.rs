//! The shipped humanoid: structure, masses, gains, limits and forward kinematics.

use bevy_mimic::SeededRng;
use bevy_mimic::anim::character::{CharacterModel, Joint};
use bevy_mimic::anim::mjcf::load_mjcf;
use glam::{Quat, Vec3};
use rand::{RngExt, SeedableRng};

fn humanoid() -> CharacterModel {
    load_mjcf(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/characters/humanoid.xml"),
    )
    .unwrap()
}

#[test]
fn fifteen_bodies_twenty_eight_dofs_in_mimickit_order() {
    let m = humanoid();
    let names: Vec<&str> = m.bodies.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "pelvis",
            "torso",
            "head",
            "right_upper_arm",
            "right_lower_arm",
            "right_hand",
            "left_upper_arm",
            "left_lower_arm",
            "left_hand",
            "right_thigh",
            "right_shin",
            "right_foot",
            "left_thigh",
            "left_shin",
            "left_foot"
        ]
    );
    assert_eq!(m.num_dofs(), 28);
    let dofs: Vec<usize> = m.bodies.iter().map(|b| b.joint.dofs()).collect();
    assert_eq!(dofs, [0, 3, 3, 3, 1, 0, 3, 1, 0, 3, 1, 3, 3, 1, 3]);
    assert!(matches!(m.bodies[0].joint, Joint::Free));
    assert!(matches!(m.bodies[5].joint, Joint::Fixed));
    assert!(matches!(m.bodies[4].joint, Joint::Hinge { axis, .. } if axis == Vec3::Y));
    // DoF offsets are cumulative in body order.
    let mut offset = 0;
    for b in &m.bodies {
        assert_eq!(b.dof_offset, offset);
        offset += b.joint.dofs();
    }
}

#[test]
fn masses_match_the_facts_table_within_two_percent() {
    let m = humanoid();
    // ASE masses (kg) from the facts table, body by body; 48.9 kg in all.
    let expected = [
        10.0, 12.0, 3.9, 1.5, 1.0, 0.5, 1.5, 1.0, 0.5, 4.5, 3.0, 1.0, 4.5, 3.0, 1.0,
    ];
    for (b, e) in m.bodies.iter().zip(expected) {
        assert!(
            (b.mass() - e).abs() <= 0.02 * e,
            "{}: {} kg vs {e}",
            b.name,
            b.mass()
        );
    }
    let total = m.total_mass();
    println!("humanoid total mass {total:.3} kg");
    assert!((total - 48.9).abs() <= 0.02 * 48.9, "{total}");
}

#[test]
fn gains_and_limits_are_mimickits() {
    let m = humanoid();
    let g = |i: usize| (m.gains[i].kp, m.gains[i].kd, m.gains[i].torque_limit);
    // DoF order: abdomen 0-2, neck 3-5, r_shoulder 6-8, r_elbow 9, l_shoulder 10-12, l_elbow 13,
    // r_hip 14-16, r_knee 17, r_ankle 18-20, l_hip 21-23, l_knee 24, l_ankle 25-27.
    assert_eq!(g(0), (1000.0, 100.0, 200.0));
    assert_eq!(g(4), (100.0, 10.0, 50.0));
    assert_eq!(g(7), (400.0, 40.0, 100.0));
    assert_eq!(g(9), (300.0, 30.0, 70.0));
    assert_eq!(g(15), (500.0, 50.0, 200.0));
    assert_eq!(g(17), (500.0, 50.0, 150.0));
    assert_eq!(g(27), (400.0, 40.0, 90.0));
    let limits = m.dof_limits();
    assert_eq!(limits.len(), 28);
    let deg = |d: f32| d.to_radians();
    assert_eq!(limits[1], [deg(-60.0), deg(90.0)]);
    assert_eq!(limits[9], [deg(-160.0), 0.0]);
    assert_eq!(limits[17], [0.0, deg(160.0)]);
}

#[test]
fn standing_pose_puts_the_soles_on_the_ground_at_mimickits_root_height() {
    let m = humanoid();
    // MimicKit's init_pose root height.
    let root = Vec3::new(0.0, 0.0, 0.8824);
    let rots = m.dofs_to_joint_rots(&[0.0; 28]);
    let (pos, rot) = m.forward_kinematics(root, Quat::IDENTITY, &rots);
    for foot in ["right_foot", "left_foot"] {
        let i = m.body_index(foot).unwrap();
        let g = &m.bodies[i].geoms[0];
        let centre = pos[i] + rot[i] * g.pos;
        let sole = centre.z - 0.0275;
        assert!(sole.abs() < 0.002, "{foot} sole at {sole}");
    }
    let head = m.body_index("head").unwrap();
    assert!(pos[head].z > 1.3);
}

#[test]
fn dofs_round_trip_through_joint_rotations_and_fk_is_rigid() {
    let m = humanoid();
    let rng = &mut SeededRng::seed_from_u64(11);
    let limits = m.dof_limits();
    for _ in 0..100 {
        let dofs: Vec<f32> = limits
            .iter()
            .map(|[lo, hi]| rng.random_range(*lo..=*hi) * 0.9)
            .collect();
        let rots = m.dofs_to_joint_rots(&dofs);
        let back = m.dofs_to_joint_rots(&m.joint_rots_to_dofs(&rots));
        for (a, b) in rots.iter().zip(&back) {
            assert!(a.dot(*b).abs() > 1.0 - 1e-6);
        }
        // FK keeps every parent-child distance, whatever the pose and root.
        let root_rot = Quat::from_rotation_z(rng.random_range(-3.0..3.0));
        let (pos, _) = m.forward_kinematics(Vec3::new(1.0, 2.0, 0.9), root_rot, &rots);
        for (j, b) in m.bodies.iter().enumerate() {
            if let Some(p) = b.parent {
                assert!(((pos[j] - pos[p]).length() - b.local_pos.length()).abs() < 1e-5);
            }
        }
    }
}
