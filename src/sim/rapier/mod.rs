//! The rapier engine: humanoids as bevy_rapier bodies with PD joint motors, one rapier context
//! per thread, stepped in parallel on Bevy's compute pool.
//!
//! `layout` maps the character onto rapier bodies and motors, `world` holds one world's
//! handles and the pure functions over its sets, `spawn` builds the worlds, `writes` puts
//! queued states into them, `step` applies targets and steps, `read` fills the state.

pub mod layout;
mod read;
mod spawn;
mod step;
pub mod world;
mod writes;

use bevy::platform::collections::HashSet;
use bevy::prelude::*;
use bevy_rapier3d::plugin::{PhysicsSet, RapierContextInitialization};
use bevy_rapier3d::prelude::*;

use super::engine::Engine;
use super::pace::ControlStep;
use super::plugin::{SimCharacter, SimSet};
use layout::CharacterLayout;
use read::read_sim_state;
use spawn::{init_worlds, spawn_worlds};
use step::{apply_pd_targets, step_worlds};
use writes::apply_state_writes;

/// The character's mapping onto rapier, shared by every world.
#[derive(Resource, Clone, Debug)]
pub struct RapierCharacter {
    /// Rigid bodies, attachments and motors of one character.
    pub layout: CharacterLayout,
}

/// The rapier engine (`engine_name: rapier`): bevy_rapier contexts, one per `num_threads`,
/// with the environments split evenly over them; joints are rapier impulse joints whose
/// motors are the PD controllers.
#[derive(Clone, Copy, Debug, Default)]
pub struct RapierEngine;

impl Engine for RapierEngine {
    fn name(&self) -> &'static str {
        "rapier"
    }

    fn build(&self, app: &mut App, writeback: bool) {
        let mut sets = HashSet::default();
        sets.insert(PhysicsSet::SyncBackend);
        if writeback {
            sets.insert(PhysicsSet::Writeback);
        }
        app.add_plugins(
            RapierPhysicsPlugin::<NoUserData>::default()
                .with_custom_initialization(RapierContextInitialization::NoAutomaticRapierContext)
                .with_physics_sets_systems(sets)
                .in_schedule(ControlStep),
        );
        let model = &app.world().resource::<SimCharacter>().model;
        let layout = CharacterLayout::new(model);
        app.insert_resource(RapierCharacter { layout })
            .configure_sets(
                ControlStep,
                (
                    // Our writes land after bevy_rapier has synced the ECS into its sets, so
                    // they win over a stale `Transform`.
                    SimSet::WriteStates.after(PhysicsSet::SyncBackend),
                    SimSet::ApplyTargets.before(PhysicsSet::StepSimulation),
                    SimSet::Step.in_set(PhysicsSet::StepSimulation),
                    SimSet::ReadState.after(PhysicsSet::Writeback),
                ),
            )
            .add_systems(Startup, spawn_worlds)
            .add_systems(
                ControlStep,
                (
                    (init_worlds, apply_state_writes)
                        .chain()
                        .in_set(SimSet::WriteStates),
                    apply_pd_targets.in_set(SimSet::ApplyTargets),
                    step_worlds.in_set(SimSet::Step),
                    read_sim_state.in_set(SimSet::ReadState),
                ),
            );
    }
}
