//! Queued state writes into the rapier worlds: full states (resets), pinned roots and pushes.

use bevy::prelude::*;
use bevy_rapier3d::prelude::*;
use bevy_rapier3d::rapier::dynamics::{RigidBodyHandle, RigidBodySet, RigidBodyType};
use bevy_rapier3d::rapier::geometry::ColliderSet;

use super::RapierCharacter;
use super::world::{PhysicsWorld, write_env};
use crate::anim::character::CharacterModel;
use crate::sim::domain_rand::DomainRand;
use crate::sim::plugin::{SimCharacter, SimGeom, SimSettings};
use crate::sim::state::BodyStates;
use crate::sim::worlds::{StateWrite, StateWrites};

/// Puts every queued write into the world holding its env, in order, and empties the queue.
/// Nothing is written (the queue waits) until every world is built.
#[allow(clippy::too_many_arguments)] // a Bevy system: one parameter per resource
pub(super) fn apply_state_writes(
    mut worlds: Query<(
        &PhysicsWorld,
        &mut RapierRigidBodySet,
        &mut RapierContextColliders,
    )>,
    character: Res<SimCharacter>,
    rapier: Res<RapierCharacter>,
    settings: Res<SimSettings>,
    randomized: Option<Res<DomainRand>>,
    geoms: Query<&SimGeom>,
    mut writes: ResMut<StateWrites>,
    mut scratch: Local<BodyStates>,
) {
    if writes.writes().is_empty() || worlds.iter().any(|(w, _, _)| w.handles.is_none()) {
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
        let Some((world, mut bodies, mut colliders)) =
            worlds.iter_mut().find(|(w, _, _)| w.envs.contains(&env))
        else {
            continue;
        };
        let handles = world.handles.as_ref().expect("checked above");
        let local = env - world.envs.start;
        match write {
            StateWrite::State { slot, .. } => {
                write_env(
                    handles,
                    layout,
                    model,
                    &mut bodies.bodies,
                    settings.origins[env],
                    local,
                    writes.state(slot),
                    &mut scratch,
                );
                if let Some(dr) = &randomized {
                    let rigid = &handles.bodies[local * nr..(local + 1) * nr];
                    randomize_colliders(
                        dr,
                        env,
                        model,
                        rigid,
                        &bodies.bodies,
                        &mut colliders.colliders,
                        &geoms,
                    );
                }
            }
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

/// Env `env`'s drawn masses and friction onto the colliders of its rigid bodies (`rigid`): each
/// geom's density is the model's (its mass over its volume) times its body's factor, so draws
/// never compound.
fn randomize_colliders(
    dr: &DomainRand,
    env: usize,
    model: &CharacterModel,
    rigid: &[RigidBodyHandle],
    bodies: &RigidBodySet,
    colliders: &mut ColliderSet,
    geoms: &Query<&SimGeom>,
) {
    let scales = dr.body_mass_scales(env);
    let friction = dr.friction[env];
    let randomize_mass = dr.config().body_mass_scale.is_some();
    for &handle in rigid {
        let Some(rb) = bodies.get(handle) else {
            continue;
        };
        for &ch in rb.colliders() {
            let Some(collider) = colliders.get_mut(ch) else {
                continue;
            };
            if let Some(f) = friction {
                collider.set_friction(f);
            }
            if !randomize_mass {
                continue;
            }
            // bevy_rapier keeps the collider's entity in its user data.
            let entity = Entity::from_bits(collider.user_data as u64);
            let Ok(tag) = geoms.get(entity) else {
                continue;
            };
            let (b, g) = (usize::from(tag.body), usize::from(tag.geom));
            let geom = &model.bodies[b].geoms[g];
            let volume = geom.shape.volume();
            if volume > 0.0 {
                collider.set_density(geom.mass / volume * scales[b]);
            }
        }
    }
}
