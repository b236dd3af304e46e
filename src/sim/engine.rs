//! The `Engine` trait: what a physics engine does behind [`SimPlugin`](super::SimPlugin), and
//! the engines there are.

use std::sync::Arc;

use bevy::prelude::App;

use super::config::EngineConfig;
use super::rapier::RapierEngine;

/// A physics engine simulating every environment's character inside a Bevy app.
///
/// [`SimPlugin`](super::SimPlugin) inserts what all engines share, then calls
/// [`build`](Self::build). Everything above the engine — the envs, `MimicPlugin`,
/// `PolicyPlugin`, [`HeadlessSim`](super::HeadlessSim) and the viewer — talks to it only
/// through those resources and sets, so an engine is swapped without touching them. The
/// contract an engine keeps, in the [`ControlStep`](super::ControlStep) schedule:
///
/// - in [`SimSet::WriteStates`](super::SimSet::WriteStates): builds its worlds on the first
///   run (every env in the default pose, [`SimState`](super::SimState) filled, then
///   [`SimReady`](super::plugin::SimReady) set), and from then on puts the states, root
///   pins and root pushes (a change of the root's linear velocity) queued in
///   [`StateWrites`](super::worlds::StateWrites) into its worlds, in order, and clears the
///   queue (the queue has already refreshed `SimState` for the states); with a
///   [`DomainRand`](super::DomainRand), a reset state also takes the env's drawn body masses
///   and friction;
/// - in [`SimSet::ApplyTargets`](super::SimSet::ApplyTargets): drives each DoF towards its
///   [`PdTargets`](super::PdTargets) value with the model's PD gains, times the env's factor in
///   [`DomainRand::gain_scale`](super::DomainRand) when that resource exists, and torque
///   limits;
/// - in [`SimSet::Step`](super::SimSet::Step): advances `sim_freq / control_freq` substeps,
///   unless [`SimPaused`](super::plugin::SimPaused);
/// - in [`SimSet::ReadState`](super::SimSet::ReadState): fills `SimState` (env-local
///   positions, origin velocities, DoFs, ground contacts), marks non-finite envs `invalid`
///   and counts them in [`SimStats`](super::plugin::SimStats);
/// - spawns one [`SimBody`](super::plugin::SimBody) entity per body and one
///   [`SimGeom`](super::plugin::SimGeom) child per geom (the viewer attaches meshes there) and,
///   when `writeback` is on, keeps the bodies' `Transform`s at their simulated poses (world
///   coordinates, each env at its [`SimSettings`](super::plugin::SimSettings) origin).
pub trait Engine: Send + Sync + 'static {
    /// The `engine_name` that selects it in the engine YAML.
    fn name(&self) -> &'static str;

    /// Adds the engine's worlds and systems to `app`, whose shared resources
    /// ([`SimCharacter`](super::plugin::SimCharacter), `SimSettings`, `SimState`, …) are in place.
    fn build(&self, app: &mut App, writeback: bool);
}

/// The `engine_name`s there are: ours (`mujoco` with the `mujoco` feature), then MimicKit's
/// engines (simulated on rapier).
pub const ENGINE_NAMES: &[&str] = &["rapier", "mujoco", "isaac_gym", "isaac_lab", "newton"];

/// Why `name` cannot be simulated by this build, when it names an engine that is compiled out.
pub fn engine_unavailable(name: &str) -> Option<String> {
    (name == "mujoco" && cfg!(not(feature = "mujoco"))).then(|| {
        "the MuJoCo engine is not in this build: build with `--features mujoco` (after \
         scripts/fetch_mujoco.sh, which fetches the MuJoCo library)"
            .to_string()
    })
}

/// MimicKit's engines, by `engine_name`, and what they are. A MimicKit engine file runs on
/// rapier with its common keys (control and simulation rates, env spacing, ground contact
/// height, control mode), so MimicKit's files work unchanged.
const MIMICKIT_ENGINES: &[(&str, &str)] = &[
    ("isaac_gym", "Isaac Gym"),
    ("isaac_lab", "Isaac Lab"),
    ("newton", "Newton"),
];

/// The engine `name` with the version of its physics library, for reports (`rapier 0.35`,
/// `mujoco 4.0.1`).
pub fn engine_version(name: &str) -> String {
    #[cfg(feature = "mujoco")]
    if name == "mujoco" {
        return format!("mujoco {}", super::mujoco::MujocoEngine::library_version());
    }
    if name == "mujoco" {
        return name.to_string();
    }
    format!("{name} (rapier 0.35)")
}

/// The engine an `engine_name` selects, if there is one.
pub fn engine_named(name: &str) -> Option<Arc<dyn Engine>> {
    #[cfg(feature = "mujoco")]
    if name == "mujoco" {
        return Some(Arc::new(super::mujoco::MujocoEngine));
    }
    let mimickit = MIMICKIT_ENGINES.iter().any(|(n, _)| *n == name);
    (name == "rapier" || mimickit).then(|| Arc::new(RapierEngine) as Arc<dyn Engine>)
}

/// The line to print when `config` names one of MimicKit's engines, which runs on rapier.
pub fn substitution_note(config: &EngineConfig) -> Option<String> {
    let (name, what) = MIMICKIT_ENGINES
        .iter()
        .find(|(n, _)| *n == config.engine_name)?;
    Some(format!(
        "engine_name {name} (MimicKit's {what} engine) runs on rapier here, with its \
         control_freq {}, sim_freq {}, env_spacing {} and ground_contact_height {}",
        config.control_freq, config.sim_freq, config.env_spacing, config.ground_contact_height
    ))
}
