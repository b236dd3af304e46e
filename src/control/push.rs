//! Shoving a character from a game (a blow, an explosion, a ball): the [`PushCharacter`]
//! message. With a get-up tracker (`PolicyPlugin::with_get_up`) a character pushed over gets
//! up again.

use bevy::prelude::*;

use super::MimicSet;
use crate::sim::{SimState, StateWrites};

/// Pushes harder than this (m/s) are refused: a humanoid's pelvis is never hit that hard in a
/// game, and such a change blows the physics up rather than knocking the character over.
pub const MAX_PUSH_SPEED: f32 = 50.0;

/// Changes a character's pelvis velocity by `velocity` (world, m/s) before the next physics
/// step. Write it with a `MessageWriter<PushCharacter>`; a push of a character that does not
/// exist, or a velocity that is not finite or faster than [`MAX_PUSH_SPEED`], is refused with
/// an error in the log.
#[derive(Message, Clone, Copy, Debug, PartialEq)]
pub struct PushCharacter {
    /// The character (its environment index).
    pub env: usize,
    /// The change of its pelvis's linear velocity (m/s; Z is up).
    pub velocity: Vec3,
}

/// Queues the frame's [`PushCharacter`]s into the engine's state writes.
fn apply_pushes(
    mut pushes: MessageReader<PushCharacter>,
    state: Res<SimState>,
    mut writes: ResMut<StateWrites>,
) {
    for &PushCharacter { env, velocity } in pushes.read() {
        if env >= state.num_envs {
            error!(
                "PushCharacter refused: character {env} does not exist (there are {})",
                state.num_envs
            );
        } else if !velocity.is_finite() || velocity.length() > MAX_PUSH_SPEED {
            error!(
                "PushCharacter refused: character {env}: velocity {velocity} must be finite and at \
                 most {MAX_PUSH_SPEED} m/s"
            );
        } else {
            writes.push_root(env, velocity);
        }
    }
}

/// Adds [`PushCharacter`] and the system that applies it (in `PostUpdate`, before the control
/// steps run, so a push written in `Update` lands in this frame's first step).
pub(crate) fn add_pushes(app: &mut App) {
    app.add_message::<PushCharacter>()
        .add_systems(PostUpdate, apply_pushes.in_set(MimicSet::Update));
}
