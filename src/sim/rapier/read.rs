//! The state read: every world fills its own buffer from rapier after each step (in parallel),
//! then the buffers are copied into [`SimState`] (poses, velocities, ground contacts,
//! non-finite environments).

use std::ops::Range;

use bevy::prelude::*;
use bevy_rapier3d::prelude::*;

use super::RapierCharacter;
use super::layout::CharacterLayout;
use super::world::{PhysicsWorld, StateSliceMut, WorldHandles, read_env, read_ground_contacts};
use crate::anim::character::CharacterModel;
use crate::sim::parallel::for_each_parallel;
use crate::sim::plugin::{SimCharacter, SimSettings, SimStats};
use crate::sim::state::SimState;
use bevy_rapier3d::rapier::dynamics::RigidBodySet;

/// The state buffers of envs `envs`.
pub(super) fn state_slice(state: &mut SimState, envs: Range<usize>) -> StateSliceMut<'_> {
    let (nb, nd) = (state.num_bodies, state.num_dofs);
    let (b, d) = (
        envs.start * nb..envs.end * nb,
        envs.start * nd..envs.end * nd,
    );
    StateSliceMut {
        body_pos: &mut state.body_pos[b.clone()],
        body_rot: &mut state.body_rot[b.clone()],
        body_vel: &mut state.body_vel[b.clone()],
        body_ang_vel: &mut state.body_ang_vel[b.clone()],
        dof_pos: &mut state.dof_pos[d.clone()],
        dof_vel: &mut state.dof_vel[d],
        ground_contact: &mut state.ground_contact[b],
    }
}

/// Reads every env of one world (`envs`, its global indices) into `out`, slot by local index.
pub(super) fn read_world(
    handles: &WorldHandles,
    layout: &CharacterLayout,
    model: &CharacterModel,
    bodies: &RigidBodySet,
    settings: &SimSettings,
    envs: Range<usize>,
    out: &mut StateSliceMut,
) {
    for (local, env) in envs.enumerate() {
        read_env(
            handles,
            layout,
            model,
            bodies,
            settings.origins[env],
            local,
            out,
            local,
        );
    }
}

/// Copies a world's buffer (`local`, its envs only) into envs `envs` of `state`.
fn copy_into(state: &mut SimState, envs: Range<usize>, local: &SimState) {
    let out = state_slice(state, envs);
    out.body_pos.copy_from_slice(&local.body_pos);
    out.body_rot.copy_from_slice(&local.body_rot);
    out.body_vel.copy_from_slice(&local.body_vel);
    out.body_ang_vel.copy_from_slice(&local.body_ang_vel);
    out.dof_pos.copy_from_slice(&local.dof_pos);
    out.dof_vel.copy_from_slice(&local.dof_vel);
    out.ground_contact.copy_from_slice(&local.ground_contact);
}

pub(super) fn read_sim_state(
    mut worlds: Query<(
        &mut PhysicsWorld,
        &RapierRigidBodySet,
        &RapierContextSimulation,
    )>,
    character: Res<SimCharacter>,
    rapier: Res<RapierCharacter>,
    settings: Res<SimSettings>,
    mut state: ResMut<SimState>,
    mut stats: ResMut<SimStats>,
) {
    let model = &character.model;
    let layout = &rapier.layout;
    let built = worlds
        .iter()
        .filter(|w| w.0.handles.is_some())
        .map(|w| w.0.envs.len())
        .sum::<usize>();
    if built != state.num_envs {
        return; // not every world is ready yet
    }
    let items = worlds.iter_mut();
    for_each_parallel(items, |(mut world, bodies, sim)| {
        let world = &mut *world;
        let handles = world.handles.as_ref().expect("every world is built");
        let n = world.envs.len();
        let mut slice = state_slice(&mut world.read, 0..n);
        read_world(
            handles,
            layout,
            model,
            &bodies.bodies,
            &settings,
            world.envs.clone(),
            &mut slice,
        );
        read_ground_contacts(handles, &sim.narrow_phase, slice.ground_contact);
    });
    for (world, _, _) in &worlds {
        copy_into(&mut state, world.envs.clone(), &world.read);
        for (local, env) in world.envs.clone().enumerate() {
            state.invalid[env] = world.quarantined[local] || !state.env_is_finite(env);
        }
    }
    stats.nonfinite_envs += state.invalid.iter().filter(|b| **b).count() as u64;
}
