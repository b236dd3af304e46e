//! `SimPlugin`: N humanoids in bevy_rapier worlds, and the control step as Bevy system sets.
//!
//! This file holds the plugin, its sets, resources and components; the systems live apart:
//! `spawn` builds the worlds, `step` applies targets and steps them in parallel, `read`
//! fills [`SimState`], and `worlds` holds [`SimWorlds`] (resets from other systems).

mod read;
mod spawn;
mod step;
mod worlds;

use std::ops::Range;

use bevy::ecs::schedule::SingleThreadedExecutor;
use bevy::platform::collections::HashSet;
use bevy::prelude::*;
use bevy::transform::TransformSystems;
use bevy_rapier3d::plugin::{PhysicsSet, RapierContextInitialization};
use bevy_rapier3d::prelude::*;

use super::config::EngineConfig;
use super::layout::CharacterLayout;
use super::pace::{ControlPace, ControlStep, PaceClock, run_control_steps};
use super::state::SimState;
use crate::anim::character::CharacterModel;
use read::read_sim_state;
use spawn::{init_worlds, spawn_worlds};
use step::{apply_pd_targets, step_worlds};
pub use worlds::SimWorlds;

/// The phases of one control step, in order, in the [`ControlStep`] schedule, around
/// bevy_rapier's own sets: rapier's `SyncBackend` → [`ApplyTargets`] → [`Step`]
/// (inside rapier's `StepSimulation`) → rapier's `Writeback` → [`ReadState`].
///
/// [`ApplyTargets`]: SimSet::ApplyTargets
/// [`Step`]: SimSet::Step
/// [`ReadState`]: SimSet::ReadState
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SimSet {
    /// [`PdTargets`] are written to the joint motors.
    ApplyTargets,
    /// Every world advances one control step (`sim_freq / control_freq` substeps).
    Step,
    /// [`SimState`] is filled from the worlds.
    ReadState,
}

/// The simulated character and how it maps onto rapier.
#[derive(Resource, Clone, Debug)]
pub struct SimCharacter {
    /// The kinematic model (MJCF).
    pub model: CharacterModel,
    /// Its rapier layout.
    pub layout: CharacterLayout,
}

/// Engine settings and environment placement.
#[derive(Resource, Clone, Debug)]
pub struct SimSettings {
    /// The engine YAML.
    pub config: EngineConfig,
    /// Number of environments.
    pub num_envs: usize,
    /// Each environment's origin on the layout grid; [`SimState`] positions are relative to it.
    pub origins: Vec<Vec3>,
}

/// PD targets of every environment, `[env * num_dofs + dof]`, in the character's DoF layout
/// (exp maps for spherical joints, angles for hinges). Written by the env before
/// [`SimSet::ApplyTargets`].
#[derive(Resource, Clone, Debug, Default)]
pub struct PdTargets(pub Vec<f32>);

/// Whether the worlds advance (the viewer's pause); targets and state reads still run.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimPaused(pub bool);

/// Run condition: the simulation is not paused.
pub fn sim_running(paused: Res<SimPaused>) -> bool {
    !paused.0
}

/// Counters of the simulation.
#[derive(Resource, Clone, Copy, Debug, Default)]
pub struct SimStats {
    /// Control steps taken.
    pub control_steps: u64,
    /// Environment states found non-finite after a step (each is reported once per step).
    pub nonfinite_envs: u64,
}

/// Marks the entity of one body of one environment's character.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimBody {
    /// Environment index.
    pub env: u32,
    /// Body index in the character.
    pub body: u16,
}

/// Marks the collider entity of one geom (a child of its [`SimBody`]; renderers attach meshes
/// here, since its `Transform` is the geom's pose in the body).
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimGeom {
    /// Environment index.
    pub env: u32,
    /// Body index in the character.
    pub body: u16,
    /// Geom index in the body.
    pub geom: u16,
}

/// Simulates `num_envs` copies of a character under bevy_rapier (see [`SimSet`]).
///
/// The worlds are separate rapier contexts, one per thread (`num_threads` in the engine
/// config), stepped in parallel on Bevy's compute task pool.
pub struct SimPlugin {
    model: CharacterModel,
    num_envs: usize,
    config: EngineConfig,
    writeback: bool,
}

impl SimPlugin {
    /// `num_envs` copies of `model` with the default engine settings.
    pub fn new(model: CharacterModel, num_envs: usize) -> Self {
        Self {
            model,
            num_envs,
            config: EngineConfig::default(),
            writeback: true,
        }
    }

    /// Engine settings (validate them first with [`EngineConfig::validate`]).
    pub fn with_config(mut self, config: EngineConfig) -> Self {
        self.config = config;
        self
    }

    /// Whether bevy_rapier writes body poses back into `Transform`s (needed to render them;
    /// headless training turns it off).
    pub fn with_transform_writeback(mut self, writeback: bool) -> Self {
        self.writeback = writeback;
        self
    }
}

/// Origins of `n` environments on a square grid `spacing` apart.
pub fn grid_origins(n: usize, spacing: f32) -> Vec<Vec3> {
    let cols = (n as f32).sqrt().ceil().max(1.0) as usize;
    (0..n)
        .map(|i| {
            Vec3::new(
                (i % cols) as f32 * spacing,
                (i / cols) as f32 * spacing,
                0.0,
            )
        })
        .collect()
}

/// Environment ranges of `worlds` worlds sharing `n` environments as evenly as possible.
pub fn split_envs(n: usize, worlds: usize) -> Vec<Range<usize>> {
    let worlds = worlds.max(1);
    (0..worlds)
        .map(|w| (w * n / worlds)..((w + 1) * n / worlds))
        .collect()
}

impl Plugin for SimPlugin {
    fn build(&self, app: &mut App) {
        let mut sets = HashSet::default();
        sets.insert(PhysicsSet::SyncBackend);
        if self.writeback {
            sets.insert(PhysicsSet::Writeback);
        }
        app.add_plugins(
            RapierPhysicsPlugin::<NoUserData>::default()
                .with_custom_initialization(RapierContextInitialization::NoAutomaticRapierContext)
                .with_physics_sets_systems(sets)
                .in_schedule(ControlStep),
        );
        let layout = CharacterLayout::new(&self.model);
        app.insert_resource(SimState::new(self.num_envs, &self.model))
            .insert_resource(PdTargets(vec![0.0; self.num_envs * self.model.num_dofs()]))
            .insert_resource(SimSettings {
                config: self.config.clone(),
                num_envs: self.num_envs,
                origins: grid_origins(self.num_envs, self.config.env_spacing),
            })
            .insert_resource(SimCharacter {
                model: self.model.clone(),
                layout,
            })
            .init_resource::<SimPaused>()
            .init_resource::<SimStats>()
            .init_resource::<ControlPace>()
            .init_resource::<PaceClock>()
            .add_systems(
                PostUpdate,
                run_control_steps.before(TransformSystems::Propagate),
            )
            .configure_sets(
                ControlStep,
                (
                    SimSet::ApplyTargets
                        .after(PhysicsSet::SyncBackend)
                        .before(PhysicsSet::StepSimulation),
                    SimSet::Step.in_set(PhysicsSet::StepSimulation),
                    SimSet::ReadState.after(PhysicsSet::Writeback),
                ),
            )
            .add_systems(Startup, spawn_worlds)
            // The control step is a chain of systems: a multi-threaded executor only adds
            // wake-ups (measured: the simulation took twice as long in a MinimalPlugins app).
            // The worlds still step in parallel on the compute pool.
            .edit_schedule(ControlStep, |schedule| {
                schedule.set_executor(SingleThreadedExecutor::new());
            })
            .add_systems(
                ControlStep,
                (
                    (init_worlds, apply_pd_targets)
                        .chain()
                        .in_set(SimSet::ApplyTargets),
                    step_worlds.in_set(SimSet::Step),
                    read_sim_state.in_set(SimSet::ReadState),
                ),
            );
    }
}
