//! Setting environment states from any system (resets, pinned roots): [`SimWorlds`] queues them
//! in [`StateWrites`] for the engine and refreshes [`SimState`] at once.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use super::plugin::{SimCharacter, SimReady};
use super::state::{BodyStates, CharacterState, SimState};
use crate::anim::character::CharacterModel;

/// One queued write.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StateWrite {
    /// Env `env` takes the state at `slot` of [`StateWrites::state`].
    State {
        /// Environment index.
        env: usize,
        /// Index into the queued states.
        slot: usize,
    },
    /// Env `env`'s root body is pinned in place (`true`) or released.
    PinRoot {
        /// Environment index.
        env: usize,
        /// Pinned or released.
        fixed: bool,
    },
    /// Env `env`'s root body is pushed: its linear velocity changes by `dv` (m/s, world axes).
    Push {
        /// Environment index.
        env: usize,
        /// The velocity change.
        dv: Vec3,
    },
}

/// States and root pins queued since the last control step, for the engine to put into its
/// worlds in [`SimSet::WriteStates`](super::SimSet::WriteStates). The state buffers are kept
/// between steps, so queuing allocates nothing once warm.
#[derive(Resource, Debug, Default)]
pub struct StateWrites {
    writes: Vec<StateWrite>,
    states: Vec<CharacterState>,
    used: usize,
}

impl StateWrites {
    /// The queued writes, in the order they were made.
    pub fn writes(&self) -> &[StateWrite] {
        &self.writes
    }

    /// The state a [`StateWrite::State`] refers to.
    pub fn state(&self, slot: usize) -> &CharacterState {
        &self.states[slot]
    }

    /// Queues a push of env `env`'s root: its linear velocity changes by `dv` before the next
    /// step.
    pub fn push_root(&mut self, env: usize, dv: Vec3) {
        self.writes.push(StateWrite::Push { env, dv });
    }

    /// Empties the queue (keeping its buffers).
    pub fn clear(&mut self) {
        self.writes.clear();
        self.used = 0;
    }

    fn push_state(&mut self, env: usize, state: &CharacterState) {
        if self.used == self.states.len() {
            self.states.push(CharacterState::default());
        }
        self.states[self.used].copy_from(state);
        self.writes.push(StateWrite::State {
            env,
            slot: self.used,
        });
        self.used += 1;
    }
}

/// Sets environment states from any system (resets): the state is queued for the engine, which
/// puts it into its worlds before the next step, and that environment's [`SimState`] entries
/// are refreshed at once, so observations can be taken right away.
#[derive(SystemParam)]
pub struct SimWorlds<'w, 's> {
    character: Res<'w, SimCharacter>,
    ready: Res<'w, SimReady>,
    state: ResMut<'w, SimState>,
    writes: ResMut<'w, StateWrites>,
    scratch: Local<'s, BodyStates>,
}

impl SimWorlds<'_, '_> {
    /// Sets environment `env` to `new_state` (env-local coordinates). Returns false, changing
    /// nothing, if the engine's worlds are not built yet.
    pub fn set_env_state(&mut self, env: usize, new_state: &CharacterState) -> bool {
        if !self.ready.0 {
            return false;
        }
        self.state
            .set_env(env, &self.character.model, new_state, &mut self.scratch);
        self.writes.push_state(env, new_state);
        true
    }

    /// Pins environment `env`'s root body in place (`true`) or releases it, for PD checks and
    /// for showing a pose, from the next step on. Returns false if the worlds are not built.
    pub fn set_root_fixed(&mut self, env: usize, fixed: bool) -> bool {
        if !self.ready.0 {
            return false;
        }
        self.writes.writes.push(StateWrite::PinRoot { env, fixed });
        true
    }

    /// The simulated character.
    pub fn model(&self) -> &CharacterModel {
        &self.character.model
    }

    /// The state buffers.
    pub fn state(&self) -> &SimState {
        &self.state
    }
}
