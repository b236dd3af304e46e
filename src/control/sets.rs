//! The live plugin's system sets and run-time control, shared by training and play mode.

use bevy::prelude::*;

use crate::env::character::EnvSet;
use crate::sim::pace::run_control_steps;
use crate::sim::{ControlStep, SimSet};

/// The live plugin's phases (see the module docs for the whole control step).
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MimicSet {
    /// A game's [`MoveCommand`](super::MoveCommand)s become the task's targets (in
    /// [`ControlStep`], before `Act`). Systems that set commands inside the control step
    /// run before it; those in `Update` always do.
    Command,
    /// The policy writes PD targets (in [`ControlStep`], before the physics).
    Act,
    /// The step is recorded and finished episodes restart (in [`ControlStep`], after the env).
    Record,
    /// A finished update is collected and requests applied (in `PostUpdate`, before the control
    /// steps run).
    Update,
}

/// Orders [`MimicSet`] around the engine's and the env's sets; `Act` and `Record` run only
/// while the simulation is not paused.
pub(crate) fn configure_mimic_sets(app: &mut App) {
    app.configure_sets(
        ControlStep,
        (
            MimicSet::Command.before(MimicSet::Act),
            MimicSet::Act
                .before(SimSet::Randomize)
                .run_if(crate::sim::plugin::sim_running),
            MimicSet::Record
                .after(EnvSet::Done)
                .run_if(crate::sim::plugin::sim_running),
        ),
    )
    .configure_sets(PostUpdate, MimicSet::Update.before(run_control_steps));
}

/// What the user controls at run time.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MimicControl {
    /// Hold the simulation (and with it the training).
    pub paused: bool,
}

/// Mirrors [`MimicControl::paused`] into the engine's pause.
pub(crate) fn sync_play_pause(
    control: Res<MimicControl>,
    mut paused: ResMut<crate::sim::plugin::SimPaused>,
) {
    paused.0 = control.paused;
}
