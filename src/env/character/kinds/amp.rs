//! `amp` (MimicKit's `AMPEnv`): reward 0 from the env (the style reward comes from the agent's
//! discriminator), and as discriminator observation a window of the last
//! `num_disc_obs_steps` simulated frames.

use bevy::prelude::*;

use super::super::config::CharacterEnvConfig;
use super::super::disc_obs::{disc_frame_dim, write_disc_window};
use super::super::pose::RefPoses;
use super::super::systems::{
    EnvOutput, EnvParams, EnvSet, Reference, observe, sim_pose, sum_rewards,
};
use super::deepmimic::record_tracking_errors;
use super::{CharacterKind, constant_reward};
use crate::anim::character::CharacterModel;
use crate::sim::plugin::SimCharacter;
use crate::sim::{ControlStep, SimState};

/// The `amp` kind.
pub struct Amp;

impl CharacterKind for Amp {
    fn configure(
        &self,
        config: &CharacterEnvConfig,
        model: &CharacterModel,
        params: &mut EnvParams,
    ) {
        params.disc_steps = config.num_disc_obs_steps;
        params.disc_frame_dim = disc_frame_dim(&params.spec, model);
        // MimicKit's AMP env inherits DeepMimic's error tracking: against the clip each episode
        // started from, when asked.
        params.log_tracking_errors = config.log_tracking_error;
        params.log_test_tracking = config.log_tracking_error;
    }

    fn build(&self, app: &mut App, params: &EnvParams, model: &CharacterModel, num_envs: usize) {
        build_disc_history(app, params, model, num_envs);
        app.add_systems(
            ControlStep,
            constant_reward(0.0)
                .in_set(EnvSet::Reward)
                .before(sum_rewards),
        );
        if params.log_tracking_errors {
            app.add_systems(
                ControlStep,
                record_tracking_errors
                    .in_set(EnvSet::Reward)
                    .before(sum_rewards),
            );
        }
    }
}

/// AMP's discriminator observation: the window of the last simulated frames (the kinds built
/// on AMP's env add it too).
pub(super) fn build_disc_history(
    app: &mut App,
    params: &EnvParams,
    model: &CharacterModel,
    num_envs: usize,
) {
    if params.disc_steps > 0 {
        app.insert_resource(DiscHistory {
            frames: RefPoses::new(num_envs, params.disc_steps, model),
            head: 0,
            steps: params.disc_steps,
        });
    }
    app.add_systems(
        ControlStep,
        record_disc_history.in_set(EnvSet::Observe).after(observe),
    );
}

/// The last `disc_steps` simulated poses of every env, a ring shared by all envs (they all
/// advance together; a reset refills one env's whole window).
#[derive(Resource, Debug)]
pub struct DiscHistory {
    /// Poses, `disc_steps` slots per env.
    pub frames: RefPoses,
    /// Slot of the oldest frame.
    pub head: usize,
    /// Frames per window.
    pub steps: usize,
}

impl DiscHistory {
    /// The slot holding frame `k` of the window (0 oldest).
    pub fn slot(&self, k: usize) -> usize {
        (self.head + k) % self.steps
    }

    /// Writes env `env`'s window into its row of `disc_obs` (`[num_envs × disc_obs_dim]`).
    pub fn write_window(
        &self,
        params: &EnvParams,
        model: &CharacterModel,
        env: usize,
        disc_obs: &mut [f32],
    ) {
        let dim = params.disc_obs_dim();
        write_disc_window(
            params,
            model,
            &self.frames,
            |k| self.slot(k),
            env,
            &mut disc_obs[env * dim..(env + 1) * dim],
        );
    }

    /// Refills env `env`'s window after a reset, as MimicKit's reset does: with the reference
    /// frames leading up to its start time (`from_motion`), else its reset pose repeated.
    pub fn refill(
        &mut self,
        params: &EnvParams,
        model: &CharacterModel,
        reference: &mut Reference,
        state: &SimState,
        env: usize,
        from_motion: bool,
    ) {
        let (clip, t) = (reference.motion_id[env], reference.motion_time[env]);
        let steps = self.steps;
        for k in 0..steps {
            let slot = self.slot(k);
            if from_motion {
                let back = (steps - 1 - k) as f32 * params.dt;
                reference.pose_at(model, clip, t - back, &mut self.frames, env, slot);
            } else {
                self.frames.copy_from(env, slot, &sim_pose(state, env));
            }
        }
    }
}

fn record_disc_history(
    params: Res<EnvParams>,
    character: Res<SimCharacter>,
    state: Res<SimState>,
    history: Option<ResMut<DiscHistory>>,
    mut output: ResMut<EnvOutput>,
) {
    // Absent only for a window of 0 frames, which nothing observes.
    let Some(mut history) = history else { return };
    let history = history.as_mut();
    // The oldest slot becomes the newest.
    let newest = history.head;
    history.head = (history.head + 1) % history.steps;
    for env in 0..state.num_envs {
        history
            .frames
            .copy_from(env, newest, &sim_pose(&state, env));
        history.write_window(&params, &character.model, env, &mut output.disc_obs);
    }
}
