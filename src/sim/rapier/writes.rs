//! Queued state writes into the rapier worlds: full states (resets), pinned roots and pushes.

use bevy::prelude::*;
use bevy_rapier3d::prelude::*;
use bevy_rapier3d::rapier::dynamics::RigidBodyType;

use super::RapierCharacter;
use super::world::{PhysicsWorld, write_env};
use crate::sim::plugin::{SimCharacter, SimSettings};
use crate::sim::state::BodyStates;
use crate::sim::worlds::{StateWrite, StateWrites};

/// Puts every queued write into the world holding its env, in order, and empties the queue.
/// Nothing is written (the queue waits) until every world is built.
pub(super) fn apply_state_writes(
    mut worlds: Query<(&PhysicsWorld, &mut RapierRigidBodySet)>,
    character: Res<SimCharacter>,
    rapier: Res<RapierCharacter>,
    settings: Res<SimSettings>,
    mut writes: ResMut<StateWrites>,
    mut scratch: Local<BodyStates>,
) {
    if writes.writes().is_empty() || worlds.iter().any(|(w, _)| w.handles.is_none()) {
        return;
    }
    let model = &character.model;
    let layout = &rapier.layout;
    let nr = layout.num_rigid();
    for &write in writes.writes() {
        let env = match write {
            StateWrite::State { env, .. }
            | StateWrite::PinRoot { env, .. }
            | StateWrite::Push { env, .. } => env,
        };
        let Some((world, mut bodies)) = worlds.iter_mut().find(|(w, _)| w.envs.contains(&env))
        else {
            continue;
        };
        let handles = world.handles.as_ref().expect("checked above");
        let local = env - world.envs.start;
        match write {
            StateWrite::State { slot, .. } => write_env(
                handles,
                layout,
                model,
                &mut bodies.bodies,
                settings.origins[env],
                local,
                writes.state(slot),
                &mut scratch,
            ),
            StateWrite::PinRoot { fixed, .. } => {
                if let Some(rb) = bodies.bodies.get_mut(handles.bodies[local * nr]) {
                    let kind = if fixed {
                        RigidBodyType::Fixed
                    } else {
                        RigidBodyType::Dynamic
                    };
                    rb.set_body_type(kind, true);
                }
            }
            StateWrite::Push { dv, .. } => {
                if let Some(rb) = bodies.bodies.get_mut(handles.bodies[local * nr]) {
                    let v = rb.linvel() + dv;
                    rb.set_linvel(v, true);
                }
            }
        }
    }
    writes.clear();
}
