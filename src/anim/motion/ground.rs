//! Ground calibration: the character's lowest point per frame, and how far a clip floats or
//! sinks while it touches the ground, so it can be shifted onto the ground.

use super::MotionClip;
use crate::anim::character::CharacterModel;

impl MotionClip {
    /// Lowest point of the character (any geom) in each frame.
    pub fn lowest_points(&self, model: &CharacterModel) -> Vec<f32> {
        (0..self.num_frames())
            .map(|f| {
                let rots = model.dofs_to_joint_rots(self.dofs(f));
                let (pos, rot) =
                    model.forward_kinematics(self.root_pos(f), self.root_rot(f), &rots);
                model.lowest_point(&pos, &rot)
            })
            .collect()
    }

    /// How far the character floats (+) or sinks (−) while it touches the ground: the mean lowest
    /// point over the half of the frames where it is lowest (airborne frames of flips and jumps
    /// are left out by design).
    pub fn support_height(&self, model: &CharacterModel) -> f32 {
        let mut low = self.lowest_points(model);
        low.sort_by(f32::total_cmp);
        let support = &low[..low.len().div_ceil(2)];
        support.iter().sum::<f32>() / support.len() as f32
    }

    /// Moves every frame's root up by `dz`.
    pub fn shift_height(&mut self, dz: f32) {
        for frame in self.frames.chunks_exact_mut(self.frame_dim) {
            frame[2] += dz;
        }
    }
}
