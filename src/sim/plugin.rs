//! `SimPlugin`: N humanoids simulated by an [`Engine`], and the control step as Bevy system
//! sets.
//!
//! This file holds what every engine shares: the plugin, its sets, the resources through which
//! the envs, the learning plugins and the viewer talk to the engine, and the components of the
//! entities it spawns. The engine itself (rapier's lives in [`super::rapier`]) adds its worlds
//! and its systems in those sets.

use std::ops::Range;
use std::sync::Arc;

use bevy::ecs::schedule::SingleThreadedExecutor;
use bevy::prelude::*;
use bevy::transform::TransformSystems;

use super::config::EngineConfig;
use super::engine::{Engine, engine_named};
use super::pace::{ControlPace, ControlStep, PaceClock, run_control_steps};
use super::state::SimState;
use super::worlds::StateWrites;
use crate::anim::character::CharacterModel;

/// The phases of one control step, in order, in the [`ControlStep`] schedule:
/// [`WriteStates`] → [`ApplyTargets`] → [`Step`] → [`ReadState`]. An engine puts its systems
/// in them (rapier's sit around bevy_rapier's own sets); envs and learning order theirs around
/// them.
///
/// [`WriteStates`]: SimSet::WriteStates
/// [`ApplyTargets`]: SimSet::ApplyTargets
/// [`Step`]: SimSet::Step
/// [`ReadState`]: SimSet::ReadState
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SimSet {
    /// Domain randomisation ([`DomainRand`](super::domain_rand::DomainRand), when the env has
    /// one): new draws for reset envs, pushes queued, PD targets delayed.
    Randomize,
    /// The states queued in [`StateWrites`] since the last step (resets, pinned roots) go into
    /// the engine's worlds.
    WriteStates,
    /// [`PdTargets`] are written to the joint motors.
    ApplyTargets,
    /// Every world advances one control step (`sim_freq / control_freq` substeps).
    Step,
    /// [`SimState`] is filled from the worlds.
    ReadState,
}

/// The simulated character.
#[derive(Resource, Clone, Debug)]
pub struct SimCharacter {
    /// The kinematic model (MJCF).
    pub model: CharacterModel,
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

/// Whether the engine's worlds are built; until then state writes are refused (see
/// [`SimWorlds`](super::SimWorlds)). Set by the engine.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimReady(pub bool);

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

/// Simulates `num_envs` copies of a character on an [`Engine`] (see [`SimSet`]).
///
/// The engine is the one the config's `engine_name` names (see
/// [`engine_named`](super::engine_named)) unless [`with_engine`](Self::with_engine) gives one.
#[derive(Clone)]
pub struct SimPlugin {
    model: CharacterModel,
    num_envs: usize,
    config: EngineConfig,
    writeback: bool,
    engine: Option<Arc<dyn Engine>>,
}

impl SimPlugin {
    /// `num_envs` copies of `model` with the default engine settings.
    pub fn new(model: CharacterModel, num_envs: usize) -> Self {
        Self {
            model,
            num_envs,
            config: EngineConfig::default(),
            writeback: true,
            engine: None,
        }
    }

    /// Engine settings (validate them first with [`EngineConfig::validate`], which also checks
    /// that `engine_name` names an engine).
    pub fn with_config(mut self, config: EngineConfig) -> Self {
        self.config = config;
        self
    }

    /// Simulates on `engine` whatever the config's `engine_name` says (an engine of your own).
    pub fn with_engine(mut self, engine: Arc<dyn Engine>) -> Self {
        self.engine = Some(engine);
        self
    }

    /// Whether the engine keeps the [`SimBody`] entities' `Transform`s up to date (needed to
    /// render them; headless training turns it off).
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
        let engine = self.engine.clone().unwrap_or_else(|| {
            engine_named(&self.config.engine_name).unwrap_or_else(|| {
                // `EngineConfig::validate` refuses unknown names, so only a config that skipped
                // it gets here.
                error!(
                    "engine_name {:?} names no engine; simulating on rapier",
                    self.config.engine_name
                );
                Arc::new(super::rapier::RapierEngine)
            })
        });
        app.insert_resource(SimState::new(self.num_envs, &self.model))
            .insert_resource(PdTargets(vec![0.0; self.num_envs * self.model.num_dofs()]))
            .insert_resource(SimSettings {
                config: self.config.clone(),
                num_envs: self.num_envs,
                origins: grid_origins(self.num_envs, self.config.env_spacing),
            })
            .insert_resource(SimCharacter {
                model: self.model.clone(),
            })
            .init_resource::<StateWrites>()
            .init_resource::<SimReady>()
            .init_resource::<SimPaused>()
            .init_resource::<SimStats>()
            .init_resource::<ControlPace>()
            .init_resource::<PaceClock>()
            .add_systems(
                PostUpdate,
                run_control_steps.before(TransformSystems::Propagate),
            )
            .add_systems(
                ControlStep,
                super::domain_rand::randomize.in_set(SimSet::Randomize),
            )
            .configure_sets(
                ControlStep,
                (
                    SimSet::Randomize,
                    SimSet::WriteStates,
                    SimSet::ApplyTargets,
                    SimSet::Step,
                    SimSet::ReadState,
                )
                    .chain(),
            )
            // The control step is a chain of systems: a multi-threaded executor only adds
            // wake-ups (measured: the simulation took twice as long in a MinimalPlugins app).
            // An engine may still step its worlds in parallel.
            .edit_schedule(ControlStep, |schedule| {
                schedule.set_executor(SingleThreadedExecutor::new());
            });
        engine.build(app, self.writeback);
    }
}
