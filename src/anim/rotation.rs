//! Rotation conversions MimicKit's observations and motion files use: quaternion ↔ exponential
//! map ↔ axis-angle, the 6-D tangent-normal form, heading (yaw) frames, slerp, and the twist
//! angle of a hinge.
//!
//! Quaternions are glam's `Quat` (x, y, z, w). Conversions to an angle pick the representative
//! with `w ≥ 0`, so angles lie in [0, π].

use glam::{Mat3, Quat, Vec3};

/// Below this angle (radians) conversions use series expansions instead of dividing by sin.
const SMALL_ANGLE: f32 = 1e-6;

/// `q` or `−q`, whichever has `w ≥ 0` (the same rotation).
pub fn positive_w(q: Quat) -> Quat {
    if q.w < 0.0 { -q } else { q }
}

/// Axis (unit) and angle in [0, π] of a unit quaternion. The axis is +x for the identity.
pub fn quat_to_axis_angle(q: Quat) -> (Vec3, f32) {
    let q = positive_w(q);
    let s = q.xyz().length();
    let angle = 2.0 * s.atan2(q.w);
    if s < SMALL_ANGLE {
        (Vec3::X, angle)
    } else {
        (q.xyz() / s, angle)
    }
}

/// The quaternion rotating by `angle` about the unit `axis`.
pub fn axis_angle_to_quat(axis: Vec3, angle: f32) -> Quat {
    Quat::from_axis_angle(axis, angle)
}

/// Exponential map (rotation vector: axis × angle, angle in [0, π]) of a unit quaternion.
pub fn quat_to_exp_map(q: Quat) -> Vec3 {
    let q = positive_w(q);
    let s = q.xyz().length();
    let angle = 2.0 * s.atan2(q.w);
    if s < SMALL_ANGLE {
        // angle/sin(angle/2) → 2 as the angle → 0.
        2.0 * q.xyz()
    } else {
        q.xyz() * (angle / s)
    }
}

/// The unit quaternion of an exponential map.
pub fn exp_map_to_quat(e: Vec3) -> Quat {
    let angle = e.length();
    if angle < SMALL_ANGLE {
        Quat::from_xyzw(0.5 * e.x, 0.5 * e.y, 0.5 * e.z, 1.0).normalize()
    } else {
        Quat::from_axis_angle(e / angle, angle)
    }
}

/// The 6-D tangent-normal form: the rotated x axis then the rotated z axis.
pub fn quat_to_tan_norm(q: Quat) -> [f32; 6] {
    let t = q * Vec3::X;
    let n = q * Vec3::Z;
    [t.x, t.y, t.z, n.x, n.y, n.z]
}

/// The rotation whose x and z axes are (the orthonormalised) `tan` and `norm`.
pub fn tan_norm_to_quat(tan_norm: [f32; 6]) -> Quat {
    let t = Vec3::new(tan_norm[0], tan_norm[1], tan_norm[2]).normalize();
    let n = Vec3::new(tan_norm[3], tan_norm[4], tan_norm[5]);
    let z = (n - t * t.dot(n)).normalize();
    let y = z.cross(t);
    Quat::from_mat3(&Mat3::from_cols(t, y, z)).normalize()
}

/// Heading: the yaw (about +z) of the rotated x axis, `atan2(y, x)`, in (−π, π].
pub fn heading(q: Quat) -> f32 {
    let t = q * Vec3::X;
    t.y.atan2(t.x)
}

/// The rotation about +z by `q`'s heading.
pub fn heading_quat(q: Quat) -> Quat {
    Quat::from_rotation_z(heading(q))
}

/// The inverse of [`heading_quat`]: rotating by it expresses world vectors in the heading-local
/// frame, where the character faces +x.
pub fn heading_quat_inv(q: Quat) -> Quat {
    Quat::from_rotation_z(-heading(q))
}

/// Spherical interpolation along the shorter arc; `t` in [0, 1].
pub fn slerp(q0: Quat, q1: Quat, t: f32) -> Quat {
    // glam's slerp already takes the shorter arc and falls back to lerp for close rotations.
    q0.slerp(q1, t)
}

/// Angle in [0, π] of the rotation taking `q0` to `q1`.
pub fn angle_between(q0: Quat, q1: Quat) -> f32 {
    quat_to_axis_angle(q0.inverse() * q1).1
}

/// The twist of `q` about the unit `axis` (swing-twist decomposition): the angle a hinge about
/// `axis` would need, in (−π, π].
pub fn twist_angle(q: Quat, axis: Vec3) -> f32 {
    let q = positive_w(q);
    let proj = axis * q.xyz().dot(axis);
    let twist = 2.0 * proj.dot(axis).atan2(q.w);
    // Wrap into (−π, π].
    if twist > std::f32::consts::PI {
        twist - 2.0 * std::f32::consts::PI
    } else {
        twist
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SeededRng;
    use rand::{RngExt, SeedableRng};
    use std::f32::consts::PI;

    fn random_unit(rng: &mut SeededRng) -> Vec3 {
        loop {
            let v = Vec3::new(
                rng.random_range(-1.0..1.0),
                rng.random_range(-1.0..1.0),
                rng.random_range(-1.0..1.0),
            );
            let l = v.length();
            if l > 0.1 && l <= 1.0 {
                return v / l;
            }
        }
    }

    fn random_quat(rng: &mut SeededRng) -> Quat {
        axis_angle_to_quat(random_unit(rng), rng.random_range(0.0..PI))
    }

    /// Same rotation (q or −q).
    fn same_rotation(a: Quat, b: Quat, tol: f32) -> bool {
        a.dot(b).abs() > 1.0 - tol
    }

    /// Angles to probe: random ones, and the edges near 0 and π.
    fn angles(rng: &mut SeededRng) -> Vec<f32> {
        let mut a: Vec<f32> = (0..200).map(|_| rng.random_range(0.0..PI)).collect();
        a.extend([
            0.0,
            1e-8,
            1e-6,
            1e-4,
            1e-2,
            PI - 1e-2,
            PI - 1e-4,
            PI - 1e-6,
            PI,
        ]);
        a
    }

    #[test]
    fn exp_map_round_trips_including_near_zero_and_pi() {
        let rng = &mut SeededRng::seed_from_u64(1);
        for angle in angles(rng) {
            let axis = random_unit(rng);
            let q = axis_angle_to_quat(axis, angle);
            let e = quat_to_exp_map(q);
            assert!(
                (e.length() - angle).abs() < 2e-4,
                "angle {angle}: |e| = {}",
                e.length()
            );
            let back = exp_map_to_quat(e);
            assert!(same_rotation(q, back, 1e-6), "angle {angle}: {q} vs {back}");
            // exp map → quat → exp map keeps the vector (away from π, where ±axis meet).
            if angle < PI - 1e-3 {
                let e2 = quat_to_exp_map(exp_map_to_quat(e));
                assert!((e - e2).length() < 1e-4, "angle {angle}: {e} vs {e2}");
            }
        }
    }

    #[test]
    fn axis_angle_round_trips_and_angles_stay_in_zero_pi() {
        let rng = &mut SeededRng::seed_from_u64(2);
        for angle in angles(rng) {
            let axis = random_unit(rng);
            let q = axis_angle_to_quat(axis, angle);
            // The same rotation given as −q gives the same answer.
            for q in [q, -q] {
                let (a, th) = quat_to_axis_angle(q);
                assert!((0.0..=PI + 1e-5).contains(&th));
                assert!((th - angle).abs() < 2e-4, "{th} vs {angle}");
                assert!(same_rotation(axis_angle_to_quat(a, th), q, 1e-6));
            }
        }
        assert_eq!(quat_to_axis_angle(Quat::IDENTITY), (Vec3::X, 0.0));
    }

    #[test]
    fn tan_norm_round_trips_and_has_orthonormal_parts() {
        let rng = &mut SeededRng::seed_from_u64(3);
        for _ in 0..500 {
            let q = random_quat(rng);
            let tn = quat_to_tan_norm(q);
            let t = Vec3::from_slice(&tn[..3]);
            let n = Vec3::from_slice(&tn[3..]);
            assert!((t.length() - 1.0).abs() < 1e-5 && (n.length() - 1.0).abs() < 1e-5);
            assert!(t.dot(n).abs() < 1e-5);
            assert!(same_rotation(tan_norm_to_quat(tn), q, 1e-6));
        }
        assert_eq!(
            quat_to_tan_norm(Quat::IDENTITY),
            [1.0, 0.0, 0.0, 0.0, 0.0, 1.0]
        );
    }

    #[test]
    fn heading_follows_yaw_and_heading_frame_removes_it() {
        let rng = &mut SeededRng::seed_from_u64(4);
        for _ in 0..500 {
            let yaw = rng.random_range(-PI..PI);
            // A rotation that keeps the x axis out of the vertical (so heading is defined).
            let tilt = axis_angle_to_quat(random_unit(rng), rng.random_range(0.0..1.0));
            let q = Quat::from_rotation_z(yaw) * tilt;
            let h = heading(q);
            let d = (h - yaw - heading(tilt)).rem_euclid(2.0 * PI);
            assert!(d.min(2.0 * PI - d) < 1e-4, "{h} vs {yaw}");
            // In the heading frame the rotated x axis points along +x in the ground plane.
            let local = heading_quat_inv(q) * q;
            assert!(heading(local).abs() < 1e-4);
            assert!(same_rotation(heading_quat(q) * local, q, 1e-6));
        }
        assert!((heading(Quat::from_rotation_z(PI / 2.0)) - PI / 2.0).abs() < 1e-6);
    }

    #[test]
    fn slerp_hits_its_ends_and_halves_the_angle() {
        let rng = &mut SeededRng::seed_from_u64(5);
        for _ in 0..300 {
            let (a, b) = (random_quat(rng), random_quat(rng));
            assert!(same_rotation(slerp(a, b, 0.0), a, 1e-6));
            assert!(same_rotation(slerp(a, b, 1.0), b, 1e-6));
            let mid = slerp(a, b, 0.5);
            let total = angle_between(a, b);
            assert!((angle_between(a, mid) - 0.5 * total).abs() < 1e-3);
            assert!((angle_between(mid, b) - 0.5 * total).abs() < 1e-3);
            // Shorter arc even when one end is given with the opposite sign.
            assert!(same_rotation(slerp(a, -b, 0.5), mid, 1e-5));
        }
    }

    #[test]
    fn twist_is_the_hinge_angle() {
        let rng = &mut SeededRng::seed_from_u64(6);
        for _ in 0..300 {
            let angle = rng.random_range(-3.0..3.0);
            for axis in [Vec3::X, Vec3::Y, Vec3::Z] {
                let q = axis_angle_to_quat(axis, angle);
                assert!((twist_angle(q, axis) - angle).abs() < 1e-4);
                // A swing about a perpendicular axis, applied after the twist, leaves the twist.
                let perp = axis.any_orthonormal_vector();
                let swung = axis_angle_to_quat(perp, rng.random_range(-1.5..1.5)) * q;
                assert!((twist_angle(swung, axis) - angle).abs() < 1e-4);
            }
        }
    }
}
