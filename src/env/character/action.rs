//! The action box: PD targets per DoF, bounded from the joint limits as MimicKit does.

use crate::anim::character::{CharacterModel, Joint};

/// The action box of a character env: the one place actions become PD targets, clamped to
/// the box (the policy's Gaussian samples may leave it).
#[derive(Clone, Debug, PartialEq)]
pub struct ActionBounds {
    /// Lower bound per DoF.
    pub low: Vec<f32>,
    /// Upper bound per DoF.
    pub high: Vec<f32>,
}

impl ActionBounds {
    /// Writes `actions` (`[characters × DoF]`, in the env's units) into `targets`, clamped.
    pub fn write_targets(&self, actions: &[f32], targets: &mut [f32]) {
        let nd = self.low.len();
        for (k, (t, a)) in targets.iter_mut().zip(actions).enumerate() {
            *t = a.clamp(self.low[k % nd], self.high[k % nd]);
        }
    }

    /// The action space an agent acts in.
    pub fn space(&self) -> crate::spaces::ActionSpace {
        crate::spaces::ActionSpace::Box {
            low: self.low.clone(),
            high: self.high.clone(),
        }
    }
}

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
