//! Our reduced coordinates against MuJoCo's: a spherical joint's exponential map and its
//! angular velocity in the child's frame against three hinges about x, y and z (intrinsic:
//! `R = Rx(a) · Ry(b) · Rz(c)`, each axis turned by the hinges before it, as MuJoCo composes
//! the joints of one body), and the free joint's angular velocity in the body frame against
//! ours in world axes.

use glam::{EulerRot, Mat3, Quat, Vec3};

use crate::anim::rotation::{exp_map_to_quat, quat_to_exp_map};

/// The hinge angles `[a, b, c]` with `Rx(a) · Ry(b) · Rz(c)` equal to the exp map's rotation.
pub fn exp_map_to_hinges(e: Vec3) -> [f32; 3] {
    let (a, b, c) = exp_map_to_quat(e).to_euler(EulerRot::XYZ);
    [a, b, c]
}

/// [`exp_map_to_hinges`], of the two hinge triples that make each rotation (`(a, b, c)` and
/// `(a + π, π − b, c + π)`), the one nearest to the angles `near`, each angle taken within π of
/// its counterpart there: the PD targets the hinges reach without swinging the long way round
/// or flipping branch at `b = ±90°`.
pub fn exp_map_to_hinges_near(e: Vec3, near: [f32; 3]) -> [f32; 3] {
    use std::f32::consts::PI;
    let [a, b, c] = exp_map_to_hinges(e);
    let wrap = |x: f32, to: f32| to + (x - to + PI).rem_euclid(2.0 * PI) - PI;
    let candidates = [[a, b, c], [a + PI, PI - b, c + PI]].map(|h| {
        [
            wrap(h[0], near[0]),
            wrap(h[1], near[1]),
            wrap(h[2], near[2]),
        ]
    });
    let dist = |h: &[f32; 3]| (0..3).map(|i| (h[i] - near[i]).powi(2)).sum::<f32>();
    if dist(&candidates[1]) < dist(&candidates[0]) {
        candidates[1]
    } else {
        candidates[0]
    }
}

/// The exp map of `Rx(a) · Ry(b) · Rz(c)`.
pub fn hinges_to_exp_map(h: [f32; 3]) -> Vec3 {
    quat_to_exp_map(Quat::from_euler(EulerRot::XYZ, h[0], h[1], h[2]))
}

/// The matrix taking the hinge rates at angles `h` to the joint's angular velocity in the
/// child's frame: its columns are the hinge axes seen from the child,
/// `(Ry(b)·Rz(c))ᵀ x`, `Rz(c)ᵀ y` and `z`.
fn rate_matrix(h: [f32; 3]) -> Mat3 {
    let rz = Quat::from_rotation_z(h[2]);
    let ryz = Quat::from_rotation_y(h[1]) * rz;
    Mat3::from_cols(ryz.inverse() * Vec3::X, rz.inverse() * Vec3::Y, Vec3::Z)
}

/// The joint's angular velocity in the child's frame from the hinge rates at angles `h`.
pub fn hinge_rates_to_ang_vel(h: [f32; 3], rates: [f32; 3]) -> Vec3 {
    rate_matrix(h) * Vec3::from_array(rates)
}

/// The hinge rates at angles `h` that give the angular velocity `w` (child's frame). At the
/// hinges' singularity (`b = ±90°`, where x and z line up) the rates are a damped
/// least-squares fit instead of blowing up.
pub fn ang_vel_to_hinge_rates(h: [f32; 3], w: Vec3) -> [f32; 3] {
    let j = rate_matrix(h);
    let jt = j.transpose();
    let damped = jt * j + Mat3::from_diagonal(Vec3::splat(1e-6));
    (damped.inverse() * (jt * w)).to_array()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euler_xyz_is_intrinsic_x_then_y_then_z() {
        let (a, b, c) = (0.3, -0.7, 1.1);
        let q = Quat::from_rotation_x(a) * Quat::from_rotation_y(b) * Quat::from_rotation_z(c);
        assert!(Quat::from_euler(EulerRot::XYZ, a, b, c).abs_diff_eq(q, 1e-6));
        let h = exp_map_to_hinges(quat_to_exp_map(q));
        assert!((h[0] - a).abs() < 1e-5 && (h[1] - b).abs() < 1e-5 && (h[2] - c).abs() < 1e-5);
        let e = hinges_to_exp_map(h);
        assert!(exp_map_to_quat(e).abs_diff_eq(q, 1e-5));
    }

    #[test]
    fn the_nearest_hinge_triple_makes_the_same_rotation_close_to_the_current_angles() {
        let q = Quat::from_euler(EulerRot::XYZ, 2.9, 2.0, -3.0);
        let e = quat_to_exp_map(q);
        let near = [2.8, 2.1, -2.9];
        let h = exp_map_to_hinges_near(e, near);
        assert!(
            Quat::from_euler(EulerRot::XYZ, h[0], h[1], h[2]).abs_diff_eq(q, 1e-5)
                || Quat::from_euler(EulerRot::XYZ, h[0], h[1], h[2]).abs_diff_eq(-q, 1e-5)
        );
        for i in 0..3 {
            assert!((h[i] - near[i]).abs() < 0.2, "{h:?} vs {near:?}");
        }
    }

    #[test]
    fn rates_and_angular_velocity_agree_with_a_finite_difference() {
        let h = [0.4, 0.5, -0.9];
        let rates = [1.5, -0.8, 2.0];
        let dt = 1e-3;
        let q0 = Quat::from_euler(EulerRot::XYZ, h[0], h[1], h[2]);
        let h1 = [
            h[0] + rates[0] * dt,
            h[1] + rates[1] * dt,
            h[2] + rates[2] * dt,
        ];
        let q1 = Quat::from_euler(EulerRot::XYZ, h1[0], h1[1], h1[2]);
        // The child's frame turns by q0⁻¹·q1 over dt: its angular velocity in its own frame.
        let w_fd = quat_to_exp_map(q0.inverse() * q1) / dt;
        let w = hinge_rates_to_ang_vel(h, rates);
        assert!((w - w_fd).length() < 1e-2, "{w} vs {w_fd}");
        let back = ang_vel_to_hinge_rates(h, w);
        for i in 0..3 {
            assert!((back[i] - rates[i]).abs() < 1e-4, "{back:?}");
        }
    }
}
