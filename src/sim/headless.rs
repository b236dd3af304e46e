//! `HeadlessSim`: the simulator as a plain object (targets in, one control step, state out) for
//! code that drives it outside an app of its own: `CharacterEnv`, the benchmarks, the tests.

use bevy::app::{App, SubApp, TaskPoolOptions, TaskPoolPlugin, TaskPoolThreadAssignmentPolicy};
use bevy::ecs::schedule::{Schedules, SingleThreadedExecutor};
use bevy::ecs::system::SystemState;
use bevy::prelude::{MinimalPlugins, PluginGroup, TransformPlugin};

use std::sync::Arc;

use super::config::{EngineConfig, EngineConfigError};
use super::engine::Engine;
use super::plugin::{PdTargets, SimPaused, SimPlugin, SimStats};
use super::state::{CharacterState, SimState};
use super::worlds::SimWorlds;
use crate::anim::character::CharacterModel;

/// A headless simulator: a Bevy app under `MinimalPlugins` with [`SimPlugin`] on the engine the
/// config names; one update is one control step, run as fast as the CPU allows.
///
/// Holds the app's main [`SubApp`] rather than the [`App`] (whose runner is not `Send`), so an
/// engine can move to a background thread.
pub struct HeadlessSim {
    app: SubApp,
    model: CharacterModel,
    control_dt: f32,
    num_envs: usize,
    resets: SystemState<SimWorlds<'static, 'static>>,
}

impl HeadlessSim {
    /// Builds `num_envs` characters, every one standing in the default pose.
    pub fn new(
        model: CharacterModel,
        num_envs: usize,
        config: EngineConfig,
    ) -> Result<Self, EngineConfigError> {
        Self::new_with(model, num_envs, config, |_| {})
    }

    /// [`new`](Self::new), letting `extend` add plugins and systems (an env's) to the app
    /// before it starts.
    pub fn new_with(
        model: CharacterModel,
        num_envs: usize,
        config: EngineConfig,
        extend: impl FnOnce(&mut App),
    ) -> Result<Self, EngineConfigError> {
        Self::new_on(None, model, num_envs, config, extend)
    }

    /// [`new_with`](Self::new_with) on `engine` when given, whatever `engine_name` says (an
    /// engine of your own; see [`SimPlugin::with_engine`]).
    pub fn new_on(
        engine: Option<Arc<dyn Engine>>,
        model: CharacterModel,
        num_envs: usize,
        config: EngineConfig,
        extend: impl FnOnce(&mut App),
    ) -> Result<Self, EngineConfigError> {
        config.validate(std::path::Path::new("<code>"))?;
        let threads = config.num_threads;
        let mut app = App::new();
        app.add_plugins(MinimalPlugins.set(TaskPoolPlugin {
            task_pool_options: TaskPoolOptions {
                compute: TaskPoolThreadAssignmentPolicy {
                    min_threads: threads,
                    max_threads: threads,
                    percent: 1.0,
                    on_thread_spawn: None,
                    on_thread_destroy: None,
                },
                ..Default::default()
            },
        }))
        .add_plugins(TransformPlugin)
        .add_plugins({
            let sim = SimPlugin::new(model.clone(), num_envs)
                .with_config(config.clone())
                .with_transform_writeback(false);
            match engine {
                Some(engine) => sim.with_engine(engine),
                None => sim,
            }
        });
        extend(&mut app);
        // The control step is a chain of systems, so the multi-threaded executor only adds
        // cross-thread wake-ups (measured: 21% of a 1-humanoid profile in the kernel's
        // scheduler). The worlds still run in parallel on the compute pool.
        for (_, schedule) in app.world_mut().resource_mut::<Schedules>().iter_mut() {
            schedule.set_executor(SingleThreadedExecutor::new());
        }
        app.finish();
        app.cleanup();
        // The first update spawns the characters, lets the engine build them and puts them
        // in the default pose, without advancing physics.
        app.world_mut().resource_mut::<SimPaused>().0 = true;
        app.update();
        app.world_mut().resource_mut::<SimPaused>().0 = false;
        let resets = SystemState::new(app.world_mut());
        let app = std::mem::replace(app.main_mut(), SubApp::new());
        Ok(Self {
            app,
            model,
            control_dt: config.control_dt(),
            num_envs,
            resets,
        })
    }

    /// Puts the queued state writes into the engine's worlds and reads [`state`](Self::state)
    /// back from them, without advancing time (a paused control step).
    pub fn sync(&mut self) {
        self.app.world_mut().resource_mut::<SimPaused>().0 = true;
        self.app.update();
        self.app.world_mut().resource_mut::<SimPaused>().0 = false;
    }

    /// Pins (or releases) environment `env`'s root body in place, from the next step on.
    pub fn set_root_fixed(&mut self, env: usize, fixed: bool) {
        let mut worlds = self
            .resets
            .get_mut(self.app.world_mut())
            .expect("the engine's resources exist");
        let done = worlds.set_root_fixed(env, fixed);
        debug_assert!(done, "worlds are built in HeadlessSim::new");
    }

    /// The Bevy app, to add env systems in [`SimSet`](super::plugin::SimSet) order.
    pub fn app_mut(&mut self) -> &mut SubApp {
        &mut self.app
    }

    /// The engine's ECS world.
    pub fn world(&self) -> &bevy::prelude::World {
        self.app.world()
    }

    /// Number of simulated characters.
    pub fn num_envs(&self) -> usize {
        self.num_envs
    }

    /// The simulated character.
    pub fn model(&self) -> &CharacterModel {
        &self.model
    }

    /// Seconds per control step.
    pub fn control_dt(&self) -> f32 {
        self.control_dt
    }

    /// PD targets `[env * num_dofs + dof]`, applied at the next [`step`](Self::step).
    pub fn pd_targets_mut(&mut self) -> &mut [f32] {
        &mut self
            .app
            .world_mut()
            .resource_mut::<PdTargets>()
            .into_inner()
            .0
    }

    /// Advances every environment one control step and refreshes [`state`](Self::state).
    pub fn step(&mut self) {
        self.app.update();
    }

    /// The state after the last step or reset (positions relative to each env's origin).
    pub fn state(&self) -> &SimState {
        self.app.world().resource::<SimState>()
    }

    /// Sets environment `env`'s full state (reference state initialisation, default pose):
    /// [`state`](Self::state) reflects it at once, the worlds from the next step on.
    pub fn set_env_state(&mut self, env: usize, state: &CharacterState) {
        let mut worlds = self
            .resets
            .get_mut(self.app.world_mut())
            .expect("the engine's resources exist");
        let done = worlds.set_env_state(env, state);
        debug_assert!(done, "worlds are built in HeadlessSim::new");
    }

    /// Environment states that came out non-finite so far (the env resets them).
    pub fn nonfinite_envs(&self) -> u64 {
        self.app.world().resource::<SimStats>().nonfinite_envs
    }
}
