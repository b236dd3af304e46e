//! `SimWorlds`: writing environment states into the worlds from any system (resets, pinned
//! roots).

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_rapier3d::prelude::*;

use super::read::state_slice;
use super::{SimCharacter, SimSettings};
use crate::anim::character::CharacterModel;
use crate::sim::state::{BodyStates, CharacterState, SimState};
use crate::sim::world::{PhysicsWorld, read_env, write_env};

/// Writes environment states into the worlds from any system (resets): the rapier bodies are
/// set and that environment's [`SimState`] entries are refreshed at once.
#[derive(SystemParam)]
pub struct SimWorlds<'w, 's> {
    worlds: Query<'w, 's, (&'static PhysicsWorld, &'static mut RapierRigidBodySet)>,
    character: Res<'w, SimCharacter>,
    settings: Res<'w, SimSettings>,
    state: ResMut<'w, SimState>,
    scratch: Local<'s, BodyStates>,
}

impl SimWorlds<'_, '_> {
    /// Sets environment `env` to `new_state` (env-local coordinates). Returns false if the
    /// worlds are not built yet.
    pub fn set_env_state(&mut self, env: usize, new_state: &CharacterState) -> bool {
        let model = &self.character.model;
        let layout = &self.character.layout;
        let origin = self.settings.origins[env];
        for (world, mut bodies) in &mut self.worlds {
            if !world.envs.contains(&env) {
                continue;
            }
            let Some(handles) = world.handles.as_ref() else {
                return false;
            };
            let local = env - world.envs.start;
            write_env(
                handles,
                layout,
                model,
                &mut bodies.bodies,
                origin,
                local,
                new_state,
                &mut self.scratch,
            );
            let mut slice = state_slice(&mut self.state, env..env + 1);
            read_env(
                handles,
                layout,
                model,
                &bodies.bodies,
                origin,
                local,
                &mut slice,
                0,
            );
            slice.ground_contact.fill(false);
            self.state.invalid[env] = !self.state.env_is_finite(env);
            return true;
        }
        false
    }

    /// Pins environment `env`'s root body in place (`true`) or releases it, for PD checks and
    /// for showing a pose. Returns false if the worlds are not built yet.
    pub fn set_root_fixed(&mut self, env: usize, fixed: bool) -> bool {
        use bevy_rapier3d::rapier::dynamics::RigidBodyType;
        let nr = self.character.layout.num_rigid();
        for (world, mut bodies) in &mut self.worlds {
            if !world.envs.contains(&env) {
                continue;
            }
            let Some(handles) = world.handles.as_ref() else {
                return false;
            };
            let root = handles.bodies[(env - world.envs.start) * nr];
            if let Some(rb) = bodies.bodies.get_mut(root) {
                let kind = if fixed {
                    RigidBodyType::Fixed
                } else {
                    RigidBodyType::Dynamic
                };
                rb.set_body_type(kind, true);
            }
            return true;
        }
        false
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
