//! Directing a character from a game: the [`MoveCommand`] component, read by a task policy
//! (`task_steering`, `task_location`) at the start of every control step.

use bevy::prelude::*;
use glam::Vec2;

use super::MimicSet;
use crate::env::character::systems::{EnvOutput, EnvParams};
use crate::env::character::{TaskParams, TaskState, TaskTarget};
use crate::sim::SimState;
use crate::sim::plugin::SimBody;

/// Targets farther than this from the world's origin (m) are refused: they are out of any
/// world the envs are laid out in, and float precision degrades beyond.
pub const MAX_TARGET_DISTANCE: f32 = 10_000.0;

/// Where a game wants a character to go. Insert it on any entity of the character (usually
/// its root body, the [`SimBody`] with `body == 0`); a changed command takes effect at the
/// next control step ([`MimicSet::Command`]), and removing it gives the character back to
/// the env's random targets.
///
/// A steering policy follows `Heading` directly and `MoveTo` by heading for the point,
/// slowing near it. A location policy follows `MoveTo` directly and `Heading` by a point
/// kept 5 m ahead along the heading, at its trained speed. Bad values are refused with an
/// error in the log (the last good command stays); a speed outside the range the policy was
/// trained on is clamped into it, with a warning.
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub enum MoveCommand {
    /// Move along a heading on the ground, facing the way it goes.
    Heading {
        /// Radians counter-clockwise from world +x (Z is up).
        heading: f32,
        /// Metres per second.
        speed: f32,
    },
    /// Walk to a point on the ground.
    MoveTo {
        /// The point (world; its height is ignored).
        target: Vec3,
        /// Metres per second on the way.
        speed: f32,
    },
}

/// Why a [`MoveCommand`] was refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CommandError {
    /// A heading or speed that is NaN or infinite, or a negative speed.
    #[error("character {env}: {what} must be finite (and a speed >= 0), got {value}")]
    NotFinite {
        /// The character (env index).
        env: usize,
        /// Which value.
        what: &'static str,
        /// The value given.
        value: f32,
    },
    /// A target that is not finite or beyond [`MAX_TARGET_DISTANCE`].
    #[error(
        "character {env}: target {target} is out of the world (more than {MAX_TARGET_DISTANCE} m from the origin, or not finite)"
    )]
    OutOfWorld {
        /// The character (env index).
        env: usize,
        /// The target given.
        target: Vec3,
    },
}

impl MoveCommand {
    /// The command as a task target for character `env`, with its speed clamped into
    /// `speeds` (the second value says whether it was).
    pub fn to_target(
        self,
        env: usize,
        speeds: (f32, f32),
    ) -> Result<(TaskTarget, bool), CommandError> {
        let check = |what, value: f32| {
            if value.is_finite() && (what == "heading" || value >= 0.0) {
                Ok(())
            } else {
                Err(CommandError::NotFinite { env, what, value })
            }
        };
        let clamp = |s: f32| {
            let c = s.clamp(speeds.0, speeds.1);
            (c, c != s)
        };
        match self {
            MoveCommand::Heading { heading, speed } => {
                check("heading", heading)?;
                check("speed", speed)?;
                let dir = Vec2::from_angle(heading);
                let (speed, clamped) = clamp(speed);
                Ok((
                    TaskTarget::Heading {
                        dir,
                        speed,
                        face: dir,
                    },
                    clamped,
                ))
            }
            MoveCommand::MoveTo { target, speed } => {
                check("speed", speed)?;
                let p = target.truncate();
                if !p.is_finite() || p.length() > MAX_TARGET_DISTANCE {
                    return Err(CommandError::OutOfWorld { env, target });
                }
                let (speed, clamped) = clamp(speed);
                Ok((TaskTarget::Point { pos: p, speed }, clamped))
            }
        }
    }
}

/// Applies changed and removed [`MoveCommand`]s to the task's targets and rewrites those
/// characters' task observations, so the policy acts on them in this control step.
pub(crate) fn apply_move_commands(
    changed: Query<(&SimBody, &MoveCommand), Changed<MoveCommand>>,
    mut removed: RemovedComponents<MoveCommand>,
    bodies: Query<&SimBody>,
    params: Res<EnvParams>,
    state: Res<SimState>,
    task: Option<ResMut<TaskState>>,
    mut output: ResMut<EnvOutput>,
) {
    let Some(mut task) = task else { return };
    let speeds = match &task.params {
        TaskParams::Steering { speed, .. } => *speed,
        // A location policy walks at its trained speed whatever is asked.
        TaskParams::Location { .. } => (0.0, f32::INFINITY),
    };
    let at = params.obs_dim() - params.task_obs_dim;
    let mut touched = Vec::new();
    for entity in removed.read() {
        // The entity may be gone with the component; then its character keeps the last target.
        if let Ok(body) = bodies.get(entity) {
            let env = body.env as usize;
            task.command(&state, env, None);
            touched.push(env);
        }
    }
    for (body, command) in &changed {
        let env = body.env as usize;
        if env >= state.num_envs {
            continue;
        }
        match command.to_target(env, speeds) {
            Ok((target, clamped)) => {
                if clamped {
                    warn!(
                        "character {env}: speed clamped into the {:.2}-{:.2} m/s the policy was trained on",
                        speeds.0, speeds.1
                    );
                }
                task.command(&state, env, Some(target));
                touched.push(env);
            }
            Err(e) => error!("MoveCommand refused: {e}"),
        }
    }
    for env in touched {
        task.write_obs(&state, env, &mut output.buffers.obs_mut(env)[at..]);
    }
}

/// Adds [`apply_move_commands`] in [`MimicSet::Command`].
pub(crate) fn add_move_commands(app: &mut App) {
    app.add_systems(
        crate::sim::ControlStep,
        apply_move_commands.in_set(MimicSet::Command),
    );
}
