//! The state read: [`SimState`] cut into each world's share, and filled from the worlds after
//! every step (poses, velocities, ground contacts, non-finite environments).

use std::ops::Range;

use bevy::prelude::*;
use bevy_rapier3d::prelude::*;

use super::RapierCharacter;
use super::step::for_each_parallel;
use super::world::{PhysicsWorld, StateSliceMut, read_env, read_ground_contacts};
use crate::sim::plugin::{SimCharacter, SimSettings, SimStats};
use crate::sim::state::SimState;

/// One world's share of the state buffers.
pub(super) fn state_slice(state: &mut SimState, envs: Range<usize>) -> StateSliceMut<'_> {
    state_slices(state, &[envs]).pop().expect("one range")
}

/// Cuts the first `n` elements off the front of `rest`.
fn take_front<'a, T>(rest: &mut &'a mut [T], n: usize) -> &'a mut [T] {
    let (front, back) = std::mem::take(rest).split_at_mut(n);
    *rest = back;
    front
}

/// Splits the state buffers into the shares of sorted, non-overlapping env ranges.
fn state_slices<'a>(state: &'a mut SimState, ranges: &[Range<usize>]) -> Vec<StateSliceMut<'a>> {
    let (nb, nd) = (state.num_bodies, state.num_dofs);
    let SimState {
        body_pos,
        body_rot,
        body_vel,
        body_ang_vel,
        dof_pos,
        dof_vel,
        ground_contact,
        ..
    } = state;
    let mut rest = StateSliceMut {
        body_pos,
        body_rot,
        body_vel,
        body_ang_vel,
        dof_pos,
        dof_vel,
        ground_contact,
    };
    let mut cut = |n_envs: usize| StateSliceMut {
        body_pos: take_front(&mut rest.body_pos, n_envs * nb),
        body_rot: take_front(&mut rest.body_rot, n_envs * nb),
        body_vel: take_front(&mut rest.body_vel, n_envs * nb),
        body_ang_vel: take_front(&mut rest.body_ang_vel, n_envs * nb),
        dof_pos: take_front(&mut rest.dof_pos, n_envs * nd),
        dof_vel: take_front(&mut rest.dof_vel, n_envs * nd),
        ground_contact: take_front(&mut rest.ground_contact, n_envs * nb),
    };
    let mut out = Vec::with_capacity(ranges.len());
    let mut at = 0;
    for r in ranges {
        assert!(r.start >= at, "env ranges must be sorted and disjoint");
        cut(r.start - at);
        out.push(cut(r.len()));
        at = r.end;
    }
    out
}

pub(super) fn read_sim_state(
    worlds: Query<(&PhysicsWorld, &RapierRigidBodySet, &RapierContextSimulation)>,
    character: Res<SimCharacter>,
    rapier: Res<RapierCharacter>,
    settings: Res<SimSettings>,
    mut state: ResMut<SimState>,
    mut stats: ResMut<SimStats>,
) {
    let model = &character.model;
    let layout = &rapier.layout;
    let mut items: Vec<_> = worlds.iter().filter(|w| w.0.handles.is_some()).collect();
    items.sort_by_key(|w| w.0.envs.start);
    let ranges: Vec<_> = items.iter().map(|w| w.0.envs.clone()).collect();
    if ranges.iter().map(|r| r.len()).sum::<usize>() != state.num_envs {
        return; // not every world is ready yet
    }
    let slices = state_slices(&mut state, &ranges);
    let work: Vec<_> = items.into_iter().zip(slices).collect();
    for_each_parallel(work, |((world, bodies, sim), mut slice)| {
        let handles = world.handles.as_ref().expect("filtered");
        for (local, env) in world.envs.clone().enumerate() {
            read_env(
                handles,
                layout,
                model,
                &bodies.bodies,
                settings.origins[env],
                local,
                &mut slice,
                local,
            );
        }
        read_ground_contacts(handles, &sim.narrow_phase, slice.ground_contact);
    });
    for (world, _, _) in &worlds {
        for (local, env) in world.envs.clone().enumerate() {
            state.invalid[env] = world.quarantined[local] || !state.env_is_finite(env);
        }
    }
    stats.nonfinite_envs += state.invalid.iter().filter(|b| **b).count() as u64;
}
