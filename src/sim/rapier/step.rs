//! The parallel step: PD targets onto the joint motors, then every world's substeps, each
//! world on its own task of Bevy's compute pool.

use bevy::prelude::*;
use bevy_rapier3d::prelude::*;

use super::RapierCharacter;
use super::world::{EnvIsolation, PhysicsWorld, apply_targets};
use crate::sim::domain_rand::DomainRand;
use crate::sim::parallel::for_each_parallel;
use crate::sim::plugin::{PdTargets, SimCharacter, SimPaused, SimSettings, SimStats};

pub(super) fn apply_pd_targets(
    mut worlds: Query<(&PhysicsWorld, &mut RapierContextJoints)>,
    character: Res<SimCharacter>,
    rapier: Res<RapierCharacter>,
    targets: Res<PdTargets>,
    randomized: Option<Res<DomainRand>>,
) {
    let layout = &rapier.layout;
    let nd = character.model.num_dofs();
    let gains = randomized.as_ref().map(|r| r.gain_scale.as_slice());
    let items = worlds.iter_mut().filter(|(w, _)| w.handles.is_some());
    for_each_parallel(items, |(world, mut joints)| {
        let handles = world.handles.as_ref().expect("filtered");
        let t = &targets.0[world.envs.start * nd..world.envs.end * nd];
        let g = gains.map(|g| &g[world.envs.clone()]);
        apply_targets(handles, layout, &mut joints.impulse_joints, t, g);
    });
}

type StepSets = (
    &'static mut PhysicsWorld,
    &'static mut RapierContextSimulation,
    &'static mut RapierContextColliders,
    &'static mut RapierContextJoints,
    &'static mut RapierRigidBodySet,
    &'static RapierConfiguration,
);

pub(super) fn step_worlds(
    mut worlds: Query<StepSets>,
    settings: Res<SimSettings>,
    character: Res<SimCharacter>,
    paused: Res<SimPaused>,
    mut stats: ResMut<SimStats>,
) {
    if paused.0 {
        return;
    }
    let substeps = settings.config.substeps();
    let self_collision = settings.config.self_collision;
    let num_bodies = character.model.num_bodies() as u32;
    let items = worlds.iter_mut().filter(|item| item.0.handles.is_some());
    for_each_parallel(
        items,
        |(mut world, mut sim, mut colliders, mut joints, mut bodies, config)| {
            let world = &mut *world;
            world.quarantined.fill(false);
            let handles = world.handles.as_ref().expect("filtered");
            let hooks = EnvIsolation {
                handles,
                num_bodies,
                self_collision,
            };
            let sim = &mut *sim;
            let joints = &mut *joints;
            for _ in 0..substeps {
                sim.pipeline.step(
                    config.gravity,
                    &sim.integration_parameters,
                    &mut sim.islands,
                    &mut sim.broad_phase,
                    &mut sim.narrow_phase,
                    &mut bodies.bodies,
                    &mut colliders.colliders,
                    &mut joints.impulse_joints,
                    &mut joints.multibody_joints,
                    &mut sim.ccd_solver,
                    &hooks,
                    &(),
                );
                // Rapier quarantines bodies whose state went non-finite (rolled back, zeroed,
                // disabled): their env is reported and must be reset.
                for h in sim.pipeline.quarantine().bodies() {
                    if let Some(env) = handles.env_of_body(*h) {
                        world.quarantined[env] = true;
                    }
                }
            }
        },
    );
    stats.control_steps += 1;
}
