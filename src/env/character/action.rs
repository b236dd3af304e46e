//! The action box: PD targets per DoF, bounded from the joint limits as MimicKit does.

use crate::anim::character::{CharacterModel, Joint};

/// Lower and upper action bounds per DoF: a spherical joint's three components share
/// ±1.2 × its largest |limit|; a hinge gets mid ± 1.4 × half-range (mid = 0 with
/// `zero_center`).
pub fn action_bounds(model: &CharacterModel, zero_center: bool) -> (Vec<f32>, Vec<f32>) {
    let mut low = Vec::with_capacity(model.num_dofs());
    let mut high = Vec::with_capacity(model.num_dofs());
    for b in &model.bodies {
        match &b.joint {
            Joint::Spherical { limits } => {
                let m = limits
                    .iter()
                    .flat_map(|l| l.iter())
                    .fold(0.0f32, |a, x| a.max(x.abs()));
                for _ in 0..3 {
                    low.push(-1.2 * m);
                    high.push(1.2 * m);
                }
            }
            Joint::Hinge { limit, .. } => {
                let half = 0.5 * (limit[1] - limit[0]);
                let mid = if zero_center {
                    0.0
                } else {
                    0.5 * (limit[0] + limit[1])
                };
                low.push(mid - 1.4 * half);
                high.push(mid + 1.4 * half);
            }
            Joint::Free | Joint::Fixed => {}
        }
    }
    (low, high)
}
