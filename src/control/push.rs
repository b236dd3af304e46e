//! Shoving a character from a game (a blow, an explosion, a ball): the [`PushCharacter`]
//! message. With a get-up tracker (`PolicyPlugin::with_get_up`) a character pushed over gets
//! up again.

use bevy::prelude::*;

use super::MimicSet;
use crate::sim::{SimState, StateWrites};

/// Pushes harder than this (m/s), the sum of one character's pushes in one frame, are
/// refused: a humanoid's pelvis is never hit that hard in a game, and such a change blows the
/// physics up rather than knocking the character over.
pub const MAX_PUSH_SPEED: f32 = 50.0;

/// Changes a character's pelvis velocity by `velocity` (world, m/s) before the next physics
/// step. Write it with a `MessageWriter<PushCharacter>`, in play mode or while training. A push
/// of a character that does not exist, a velocity that is not finite, or one that would take
/// the character's pushes in this frame past [`MAX_PUSH_SPEED`], is refused with an error in
/// the log. A push written before the characters are first put at their start is undone by
/// that reset.
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
    sim: Option<(Res<SimState>, ResMut<StateWrites>)>,
    mut frame: Local<Vec<(usize, Vec3)>>,
) {
    frame.clear();
    // A training run that could not start (or an env without characters) has none to push.
    let Some((state, mut writes)) = sim else {
        if pushes.read().count() > 0 {
            error!("PushCharacter refused: this app simulates no characters");
        }
        return;
    };
    for &PushCharacter { env, velocity } in pushes.read() {
        let before = frame
            .iter()
            .filter(|(e, _)| *e == env)
            .map(|(_, v)| *v)
            .sum::<Vec3>();
        if env >= state.num_envs {
            error!(
                "PushCharacter refused: character {env} does not exist (there are {})",
                state.num_envs
            );
        } else if !velocity.is_finite() || (before + velocity).length() > MAX_PUSH_SPEED {
            error!(
                "PushCharacter refused: character {env}: velocity {velocity} must be finite, and \
                 the character's pushes in one frame at most {MAX_PUSH_SPEED} m/s together"
            );
        } else {
            frame.push((env, velocity));
            writes.push_root(env, velocity);
        }
    }
}

/// Adds [`PushCharacter`] and the system that applies it (in `PostUpdate`, before the control
/// steps run, so a push written in `Update` lands in the next control step).
pub(crate) fn add_pushes(app: &mut App) {
    app.add_message::<PushCharacter>()
        .add_systems(PostUpdate, apply_pushes.in_set(MimicSet::Update));
}
