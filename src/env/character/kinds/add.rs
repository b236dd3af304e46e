//! `add` (MimicKit's `ADDEnv`): DeepMimic's tracking (target frames, errors, pose termination,
//! SUCC) with reward 0 from the env (it learns tracking from its discriminator), and as
//! discriminator observation one frame of the reference's features minus the character's.

use bevy::prelude::*;

use super::super::config::CharacterEnvConfig;
use super::super::disc_obs::{disc_frame_dim, write_disc_frame};
use super::super::systems::{
    EnvOutput, EnvParams, EnvSet, Reference, observe, sim_pose, sum_rewards,
};
use super::deepmimic::{configure_tracking, record_tracking_errors};
use super::{CharacterKind, constant_reward};
use crate::anim::character::CharacterModel;
use crate::sim::plugin::SimCharacter;
use crate::sim::{ControlStep, SimState};

/// The `add` kind.
pub struct Add;

impl CharacterKind for Add {
    fn configure(
        &self,
        config: &CharacterEnvConfig,
        model: &CharacterModel,
        params: &mut EnvParams,
    ) {
        configure_tracking(config, params);
        // One frame: the reference and the character at the same motion time.
        params.disc_steps = 1;
        params.disc_frame_dim = disc_frame_dim(&params.spec, model);
    }

    fn build(&self, app: &mut App, _: &EnvParams, _: &CharacterModel, _: usize) {
        app.init_resource::<DiscDiff>().add_systems(
            ControlStep,
            (
                record_disc_diff.in_set(EnvSet::Observe).after(observe),
                // The errors are diagnostics and pose termination here, not a reward.
                (record_tracking_errors, constant_reward(0.0))
                    .chain()
                    .in_set(EnvSet::Reward)
                    .before(sum_rewards),
            ),
        );
    }
}

/// ADD's discriminator observation writer, with the scratch frame of the character's features
/// (reused across envs, steps and resets).
#[derive(Resource, Debug, Default)]
pub struct DiscDiff {
    frame: Vec<f32>,
}

impl DiscDiff {
    /// Writes env `env`'s row of `disc_obs`: the reference frame's features minus the simulated
    /// frame's, each anchored on its own root, at the same motion time.
    pub fn write(
        &mut self,
        params: &EnvParams,
        model: &CharacterModel,
        reference: &Reference,
        state: &SimState,
        env: usize,
        disc_obs: &mut [f32],
    ) {
        let dim = params.disc_frame_dim;
        let out = &mut disc_obs[env * dim..(env + 1) * dim];
        let demo = reference.poses.view(env, 0);
        write_disc_frame(
            &params.spec,
            model,
            &demo,
            demo.root_pos(),
            demo.root_rot(),
            out,
        );
        let agent = sim_pose(state, env);
        self.frame.resize(dim, 0.0);
        write_disc_frame(
            &params.spec,
            model,
            &agent,
            agent.root_pos(),
            agent.root_rot(),
            &mut self.frame,
        );
        for (d, a) in out.iter_mut().zip(&self.frame) {
            *d -= a;
        }
    }
}

fn record_disc_diff(
    params: Res<EnvParams>,
    character: Res<SimCharacter>,
    reference: Res<Reference>,
    state: Res<SimState>,
    mut output: ResMut<EnvOutput>,
    mut diff: ResMut<DiscDiff>,
) {
    for env in 0..state.num_envs {
        diff.write(
            &params,
            &character.model,
            &reference,
            &state,
            env,
            &mut output.disc_obs,
        );
    }
}
