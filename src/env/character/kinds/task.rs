//! `task_steering` and `task_location` (MimicKit's `TaskSteeringEnv`, `TaskLocationEnv`):
//! AMP's env (its discriminator windows, contact termination) with a target per env, its
//! observation appended to the character's, and the task reward as the env's reward (the
//! agent mixes it with the style reward by `task_reward_weight` / `disc_reward_weight`).

use bevy::prelude::*;

use super::super::config::CharacterEnvConfig;
use super::super::reward::tracking_reward;
use super::super::systems::{EnvOutput, EnvParams, EnvSet, Reference, observe, sum_rewards};
use super::super::task::TaskState;
use super::amp::build_disc_history;
use super::deepmimic::env_tracking_errors;
use super::{Amp, CharacterKind};
use crate::anim::character::CharacterModel;
use crate::control::{MimicSet, add_move_commands};
use crate::sim::plugin::{SimCharacter, sim_running};
use crate::sim::{ControlStep, SimSet, SimState};

/// The `task_steering` kind: move in a direction at a speed, facing a direction.
pub struct TaskSteering;

/// The `task_location` kind: walk to a point.
pub struct TaskLocation;

impl CharacterKind for TaskSteering {
    fn configure(&self, c: &CharacterEnvConfig, m: &CharacterModel, p: &mut EnvParams) {
        configure_task(c, m, p);
    }

    fn build(&self, app: &mut App, params: &EnvParams, model: &CharacterModel, num_envs: usize) {
        build_task(app, params, model, num_envs);
    }
}

impl CharacterKind for TaskLocation {
    fn configure(&self, c: &CharacterEnvConfig, m: &CharacterModel, p: &mut EnvParams) {
        configure_task(c, m, p);
    }

    fn build(&self, app: &mut App, params: &EnvParams, model: &CharacterModel, num_envs: usize) {
        build_task(app, params, model, num_envs);
    }
}

fn configure_task(config: &CharacterEnvConfig, model: &CharacterModel, params: &mut EnvParams) {
    Amp.configure(config, model, params);
    params.task_obs_dim = params.task.as_ref().map_or(0, |t| t.obs_dim());
}

fn build_task(app: &mut App, params: &EnvParams, model: &CharacterModel, num_envs: usize) {
    build_disc_history(app, params, model, num_envs);
    let task = params
        .task
        .clone()
        .expect("setup checks a task env's keys before building it");
    app.insert_resource(TaskState::new(task, num_envs))
        .add_systems(
            ControlStep,
            (
                advance_task.in_set(EnvSet::Reference),
                observe_task.in_set(EnvSet::Observe).after(observe),
                reward_task.in_set(EnvSet::Reward).before(sum_rewards),
            ),
        )
        .configure_sets(
            ControlStep,
            MimicSet::Command
                .before(SimSet::ApplyTargets)
                .run_if(sim_running),
        );
    add_move_commands(app);
}

/// Every env's clock advances; targets whose time has come are drawn again.
fn advance_task(params: Res<EnvParams>, state: Res<SimState>, mut task: ResMut<TaskState>) {
    for env in 0..state.num_envs {
        task.advance(&state, env, params.dt);
    }
}

/// The task observation after the character's, in every row.
fn observe_task(
    params: Res<EnvParams>,
    state: Res<SimState>,
    task: Res<TaskState>,
    mut output: ResMut<EnvOutput>,
) {
    let at = params.obs_dim() - params.task_obs_dim;
    for env in 0..state.num_envs {
        task.write_obs(&state, env, &mut output.buffers.obs_mut(env)[at..]);
    }
}

/// The task reward; with `getup_tracking_reward`, the tracking reward against the get-up clip
/// for an episode that started on the ground and has not yet risen (its errors recorded).
fn reward_task(
    params: Res<EnvParams>,
    character: Res<SimCharacter>,
    reference: Res<Reference>,
    state: Res<SimState>,
    mut task: ResMut<TaskState>,
    mut output: ResMut<EnvOutput>,
) {
    let output = output.as_mut();
    for env in 0..state.num_envs {
        // The task's clock and targets go on either way.
        let task_reward = task.reward(&state, env, params.dt);
        output.buffers.rewards[env] = if params.getup_tracking && !output.termination_armed[env] {
            let e = env_tracking_errors(&params, &character.model, &reference, &state, env);
            output.errors[env] = e;
            tracking_reward(&params.terms, &e)
        } else {
            task_reward
        };
    }
}
