//! `deepmimic` (MimicKit's `DeepMimicEnv`): track the reference. What tracking adds (target
//! frames, tracking errors, pose termination, SUCC at a clip's end) is shared with ADD.

use bevy::prelude::*;

use super::super::config::CharacterEnvConfig;
use super::super::reward::{TrackingErrors, tracking_errors, tracking_reward};
use super::super::systems::{EnvOutput, EnvParams, EnvSet, Reference, sim_pose, sum_rewards};
use super::CharacterKind;
use crate::anim::character::CharacterModel;
use crate::sim::plugin::SimCharacter;
use crate::sim::{ControlStep, SimState};

/// The `deepmimic` kind.
pub struct DeepMimic;

impl CharacterKind for DeepMimic {
    fn configure(&self, config: &CharacterEnvConfig, _: &CharacterModel, params: &mut EnvParams) {
        configure_tracking(config, params);
    }

    fn build(&self, app: &mut App, _: &EnvParams, _: &CharacterModel, _: usize) {
        app.add_systems(
            ControlStep,
            (record_tracking_errors, reward_tracking)
                .chain()
                .in_set(EnvSet::Reward)
                .before(sum_rewards),
        );
    }
}

/// The parameters of a kind that tracks its reference: target frames when configured, pose
/// termination when configured, SUCC at the end of a non-looping clip, errors in the log.
pub(super) fn configure_tracking(config: &CharacterEnvConfig, params: &mut EnvParams) {
    if config.enable_tar_obs {
        params.tar_steps = config.tar_obs_steps.clone();
    }
    params.terminate_on_pose_distance = config.pose_termination;
    params.succeed_at_clip_end = true;
    params.log_tracking_errors = true;
    params.log_test_tracking = config.log_tracking_error;
}

/// Each env's tracking errors against its reference now, summed for the log; they feed the
/// reward (DeepMimic) and pose termination.
pub(super) fn record_tracking_errors(
    params: Res<EnvParams>,
    character: Res<SimCharacter>,
    reference: Res<Reference>,
    state: Res<SimState>,
    mut output: ResMut<EnvOutput>,
) {
    let output = output.as_mut();
    for env in 0..state.num_envs {
        let e = env_tracking_errors(&params, &character.model, &reference, &state, env);
        output.errors[env] = e;
        let d = &mut output.diag;
        d.root_pos += f64::from(e.root_pos_dist);
        d.root_rot += f64::from(e.root_rot_angle);
        d.body_pos += f64::from(e.body_pos_mean);
        d.dof_vel += f64::from(e.dof_vel_mean);
        d.body_rot += f64::from(e.body_rot_mean);
        d.root_vel += f64::from(e.root_vel_mean);
        d.root_ang_vel += f64::from(e.root_ang_vel_mean);
    }
}

/// Env `env`'s tracking errors against its reference pose now.
pub(super) fn env_tracking_errors(
    params: &EnvParams,
    model: &CharacterModel,
    reference: &Reference,
    state: &SimState,
    env: usize,
) -> TrackingErrors {
    tracking_errors(
        model,
        &params.spec,
        &params.weights,
        params.track_root_xy,
        &sim_pose(state, env),
        &reference.poses.view(env, 0),
    )
}

fn reward_tracking(params: Res<EnvParams>, mut output: ResMut<EnvOutput>) {
    let output = output.as_mut();
    for (r, e) in output.buffers.rewards.iter_mut().zip(&output.errors) {
        *r = tracking_reward(&params.terms, e);
    }
}
