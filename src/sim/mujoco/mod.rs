//! The MuJoCo engine (`engine_name: mujoco`, feature `mujoco`): the character compiled once
//! from the model rapier simulates ([`mjcf`]), one `mjData` per environment, each at its own
//! origin (no contacts between environments), stepped in parallel chunks on Bevy's compute
//! pool. PD control is MuJoCo's position actuators at the model's gains and torque limits.
//!
//! MuJoCo 4.0.1 (the library of PyPI's `mujoco-core==4.0.1` wheel, fetched by
//! `scripts/fetch_mujoco.sh`) through a small FFI of our own ([`ffi`]). A pinned root is put back at rest before every
//! substep. Domain randomisation's pushes and action delay apply here; its masses, friction and
//! gain factors are rapier's only, and a warning says so.

mod coords;
mod ffi;
pub mod mjcf;
mod world;

use std::ops::Range;

use bevy::prelude::*;

use super::domain_rand::DomainRand;
use super::engine::Engine;
use super::pace::ControlStep;
use super::parallel::for_each_parallel;
use super::plugin::{
    PdTargets, SimBody, SimCharacter, SimGeom, SimPaused, SimReady, SimSet, SimSettings, SimStats,
    split_envs,
};
use super::state::{BodyStates, CharacterState, SimState};
use super::worlds::{StateWrite, StateWrites};
use crate::anim::character::CharacterModel;
use crate::sim::config::EngineConfig;
use ffi::MjData;
use std::sync::Arc;
use world::{MjLayout, RootPin};

/// The MuJoCo engine (see the module docs).
#[derive(Clone, Copy, Debug, Default)]
pub struct MujocoEngine;

impl MujocoEngine {
    /// Compiles `model` under `config` as the engine will, to report a model MuJoCo refuses
    /// before any app is built.
    pub fn check(model: &CharacterModel, config: &EngineConfig) -> Result<(), String> {
        world::compile(model, config).map(|_| ())
    }

    /// The MuJoCo library version the engine runs (e.g. `3.10.0`).
    pub fn library_version() -> String {
        ffi::version()
    }
}

/// Every environment's MuJoCo data and the model they share.
#[derive(Resource)]
pub struct MujocoSim {
    layout: MjLayout,
    envs: Vec<MjData>,
    /// Per env: the root pose it is pinned at.
    pins: Vec<Option<RootPin>>,
    /// Per env: MuJoCo found its state blown up during the last step.
    blown_up: Vec<bool>,
    /// Env ranges stepped as one task each (`num_threads` of them).
    chunks: Vec<Range<usize>>,
}

impl Engine for MujocoEngine {
    fn name(&self) -> &'static str {
        "mujoco"
    }

    fn build(&self, app: &mut App, writeback: bool) {
        let model = app.world().resource::<SimCharacter>().model.clone();
        let settings = app.world().resource::<SimSettings>().clone();
        let (shared, layout) = match world::compile(&model, &settings.config) {
            Ok(compiled) => compiled,
            Err(reason) => {
                // `MujocoEngine::check` reports this before an app is built; an app built
                // anyway never gets its worlds ready.
                error!("{reason}");
                return;
            }
        };
        if settings.config.contact_softness.is_some() {
            warn!("contact_softness is rapier's; MuJoCo's contacts keep its default solref");
        }
        let n = settings.num_envs;
        let envs = (0..n).map(|_| MjData::new(Arc::clone(&shared))).collect();
        let threads = settings.config.num_threads.min(n).max(1);
        app.insert_resource(MujocoSim {
            layout,
            envs,
            pins: vec![None; n],
            blown_up: vec![false; n],
            chunks: split_envs(n, threads),
        })
        .add_systems(Startup, spawn_bodies)
        .add_systems(
            ControlStep,
            (
                (init_envs, apply_state_writes)
                    .chain()
                    .in_set(SimSet::WriteStates),
                apply_pd_targets.in_set(SimSet::ApplyTargets),
                step_envs.in_set(SimSet::Step),
                read_sim_state.in_set(SimSet::ReadState),
            ),
        );
        if writeback {
            app.add_systems(ControlStep, write_transforms.after(SimSet::ReadState));
        }
    }
}

/// One entity per body of every env, with a child per geom (what the viewer draws).
fn spawn_bodies(mut commands: Commands, character: Res<SimCharacter>, settings: Res<SimSettings>) {
    let model = &character.model;
    for env in 0..settings.num_envs {
        for (b, body) in model.bodies.iter().enumerate() {
            let tag = SimBody {
                env: env as u32,
                body: b as u16,
            };
            let e = commands
                .spawn((tag, Transform::from_translation(settings.origins[env])))
                .id();
            for (g, geom) in body.geoms.iter().enumerate() {
                commands.spawn((
                    SimGeom {
                        env: env as u32,
                        body: b as u16,
                        geom: g as u16,
                    },
                    Transform::from_translation(geom.pos).with_rotation(geom.rot),
                    ChildOf(e),
                ));
            }
        }
    }
}

/// On the first step: every env in the default pose, [`SimState`] filled, ready.
fn init_envs(
    mut sim: ResMut<MujocoSim>,
    character: Res<SimCharacter>,
    randomized: Option<Res<DomainRand>>,
    mut state: ResMut<SimState>,
    mut ready: ResMut<SimReady>,
    mut scratch: Local<BodyStates>,
) {
    if ready.0 {
        return;
    }
    if let Some(dr) = randomized {
        let c = dr.config();
        if c.body_mass_scale.is_some() || c.friction.is_some() || c.pd_gain_scale.is_some() {
            warn!(
                "domain_rand: the MuJoCo engine applies pushes and action delay only; body masses, \
                 friction and PD gains stay the model's"
            );
        }
    }
    let model = &character.model;
    let default = CharacterState::default_pose(model, [0.0, 0.0], 0.0);
    let sim = &mut *sim;
    for (env, data) in sim.envs.iter_mut().enumerate() {
        world::write_state(&sim.layout, model, data, &default);
        state.set_env(env, model, &default, &mut scratch);
    }
    ready.0 = true;
}

/// Puts the queued writes into the envs' data, in order, and empties the queue.
fn apply_state_writes(
    mut sim: ResMut<MujocoSim>,
    character: Res<SimCharacter>,
    mut writes: ResMut<StateWrites>,
) {
    let sim = &mut *sim;
    for &write in writes.writes() {
        match write {
            StateWrite::State { env, slot } => {
                let data = &mut sim.envs[env];
                world::write_state(&sim.layout, &character.model, data, writes.state(slot));
                if sim.pins[env].is_some() {
                    sim.pins[env] = Some(world::root_pose(&sim.layout, data));
                }
            }
            StateWrite::PinRoot { env, fixed } => {
                sim.pins[env] = fixed.then(|| world::root_pose(&sim.layout, &sim.envs[env]));
            }
            StateWrite::Push { env, dv } => {
                world::push_root(&sim.layout, &mut sim.envs[env], dv);
            }
        }
    }
    writes.clear();
}

fn apply_pd_targets(
    mut sim: ResMut<MujocoSim>,
    character: Res<SimCharacter>,
    targets: Res<PdTargets>,
) {
    let model = &character.model;
    let nd = model.num_dofs();
    let sim = &mut *sim;
    for (env, data) in sim.envs.iter_mut().enumerate() {
        let t = &targets.0[env * nd..(env + 1) * nd];
        world::apply_targets(&sim.layout, model, data, t);
    }
}

fn step_envs(
    mut sim: ResMut<MujocoSim>,
    settings: Res<SimSettings>,
    paused: Res<SimPaused>,
    mut stats: ResMut<SimStats>,
) {
    if paused.0 {
        return;
    }
    let substeps = settings.config.substeps();
    let sim = &mut *sim;
    let (layout, pins) = (&sim.layout, &sim.pins);
    // Disjoint chunks of the data and of the blow-up flags, one task each.
    let mut envs = sim.envs.as_mut_slice();
    let mut blown = sim.blown_up.as_mut_slice();
    let mut tasks = Vec::with_capacity(sim.chunks.len());
    for range in &sim.chunks {
        let (e, rest_e) = envs.split_at_mut(range.len());
        let (b, rest_b) = blown.split_at_mut(range.len());
        tasks.push((range.start, e, b));
        envs = rest_e;
        blown = rest_b;
    }
    for_each_parallel(tasks.into_iter(), |(start, envs, blown)| {
        for (i, data) in envs.iter_mut().enumerate() {
            let pin = pins[start + i].as_ref();
            blown[i] = !world::step(layout, data, substeps, pin);
        }
    });
    stats.control_steps += 1;
}

fn read_sim_state(
    sim: Res<MujocoSim>,
    character: Res<SimCharacter>,
    ready: Res<SimReady>,
    mut state: ResMut<SimState>,
    mut stats: ResMut<SimStats>,
    mut read: Local<CharacterState>,
    mut scratch: Local<BodyStates>,
) {
    if !ready.0 {
        return;
    }
    let model = &character.model;
    let nb = model.num_bodies();
    for (env, data) in sim.envs.iter().enumerate() {
        world::read_state(&sim.layout, model, data, &mut read);
        state.set_env(env, model, &read, &mut scratch);
        world::ground_contacts(
            &sim.layout,
            data,
            &mut state.ground_contact[env * nb..(env + 1) * nb],
        );
        state.invalid[env] |= sim.blown_up[env];
    }
    stats.nonfinite_envs += state.invalid.iter().filter(|b| **b).count() as u64;
}

/// The bodies' `Transform`s at their simulated poses (world coordinates).
fn write_transforms(
    state: Res<SimState>,
    settings: Res<SimSettings>,
    mut bodies: Query<(&SimBody, &mut Transform)>,
) {
    for (tag, mut t) in &mut bodies {
        let i = tag.env as usize * state.num_bodies + usize::from(tag.body);
        t.translation = state.body_pos[i] + settings.origins[tag.env as usize];
        t.rotation = state.body_rot[i];
    }
}
