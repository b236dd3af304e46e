//! Resets: where a reset puts a character, and everything it touches afterwards.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use super::disc_obs::write_disc_window;
use super::kinds::{DiscDiff, DiscHistory};
use super::pose::RefPoses;
use super::systems::{EnvOutput, EnvParams, Reference, observe_env};
use super::task::TaskState;
use crate::anim::character::CharacterModel;
use crate::anim::motion_lib::MotionFrame;
use crate::sim::{CharacterState, SimState, SimWorlds};

/// Finishes a reset of env `env` whose state was just set (`from_motion`: to its reference
/// frame, else to the default pose): its reference poses, the discriminator observation of the
/// kinds that have one (AMP's window refilled, ADD's difference rewritten), the task's new
/// target, a new episode, and its observation.
#[allow(clippy::too_many_arguments)] // the env's resources
pub fn after_reset(
    params: &EnvParams,
    model: &CharacterModel,
    reference: &mut Reference,
    output: &mut EnvOutput,
    history: Option<&mut DiscHistory>,
    diff: Option<&mut DiscDiff>,
    task: Option<&mut TaskState>,
    state: &SimState,
    env: usize,
    from_motion: bool,
) {
    reference.update_env(params, model, env);
    output.termination_armed[env] = params.arm_height.is_none_or(|h| state.root_pos(env).z > h);
    if let Some(history) = history {
        history.refill(params, model, reference, state, env, from_motion);
        history.write_window(params, model, env, &mut output.disc_obs);
    }
    if let Some(diff) = diff {
        diff.write(params, model, reference, state, env, &mut output.disc_obs);
    }
    output.buffers.begin_episode(env);
    let row = output.buffers.obs_mut(env);
    observe_env(params, model, reference, state, row, env);
    if let Some(task) = task {
        task.reset_env(state, env);
        task.write_obs(
            state,
            env,
            &mut row[params.obs_dim() - params.task_obs_dim..],
        );
    }
}

/// Where a reset puts a character.
#[derive(Clone, Copy, Debug)]
pub enum ResetTo<'a> {
    /// The reference state at `time` of clip `clip` (reference state initialisation).
    Motion {
        /// Clip index.
        clip: usize,
        /// Seconds into the clip.
        time: f32,
    },
    /// A given state (the default pose).
    Pose(&'a CharacterState),
}

/// Everything a reset touches, as one system parameter: used by the play-mode system and,
/// through a `SystemState`, by [`CharacterEnv`](super::CharacterEnv).
#[derive(SystemParam)]
pub struct EnvResets<'w, 's> {
    worlds: SimWorlds<'w, 's>,
    params: Res<'w, EnvParams>,
    reference: ResMut<'w, Reference>,
    output: ResMut<'w, EnvOutput>,
    history: Option<ResMut<'w, DiscHistory>>,
    diff: Option<ResMut<'w, DiscDiff>>,
    task: Option<ResMut<'w, TaskState>>,
    frame: Local<'s, MotionFrame>,
    motion_state: Local<'s, CharacterState>,
    demo: Local<'s, Option<RefPoses>>,
}

impl EnvResets<'_, '_> {
    /// Sets env `env`'s state and finishes the reset ([`after_reset`]). Returns false (and
    /// changes nothing) if the worlds are not built yet or a motion reset has no clips.
    pub fn reset(&mut self, env: usize, to: ResetTo) -> bool {
        let from_motion;
        let state = match to {
            ResetTo::Motion { clip, time } => {
                let Some(lib) = &self.reference.motions else {
                    return false;
                };
                if clip >= lib.num_clips() {
                    return false;
                }
                lib.frame(clip, time, &mut self.frame);
                self.motion_state.copy_from_motion_frame(&self.frame);
                from_motion = true;
                &*self.motion_state
            }
            ResetTo::Pose(state) => {
                from_motion = false;
                state
            }
        };
        if !self.worlds.set_env_state(env, state) {
            return false;
        }
        if let ResetTo::Motion { clip, time } = to {
            self.reference.motion_id[env] = clip;
            self.reference.motion_time[env] = time;
        }
        after_reset(
            &self.params,
            self.worlds.model(),
            &mut self.reference,
            &mut self.output,
            self.history.as_deref_mut(),
            self.diff.as_deref_mut(),
            self.task.as_deref_mut(),
            self.worlds.state(),
            env,
            from_motion,
        );
        true
    }

    /// Starts a training episode in env `env`: `default` with probability `default_prob`
    /// (ASE's default-pose resets) or when there are no clips, else a random clip and time
    /// when `random` (reference state initialisation), else the first clip's start.
    pub fn reset_episode(
        &mut self,
        env: usize,
        random: bool,
        default_prob: f64,
        default: &CharacterState,
        rng: &mut crate::SeededRng,
    ) -> bool {
        if let Some(task) = self.task.as_deref_mut() {
            task.reseed(rng);
        }
        if default_prob > 0.0 && rand::RngExt::random_bool(rng, default_prob.min(1.0)) {
            return self.reset(env, ResetTo::Pose(default));
        }
        let (ground_prob, ground) = &self.params.ground_resets;
        if random
            && *ground_prob > 0.0
            && !ground.is_empty()
            && rand::RngExt::random_bool(rng, ground_prob.min(1.0))
        {
            let clip = ground[rand::RngExt::random_range(rng, 0..ground.len())];
            return self.reset(env, ResetTo::Motion { clip, time: 0.0 });
        }
        let choice = self.reference.clip_choice;
        let pick = self.reference.motions.as_ref().map(|lib| {
            let chosen = choice.filter(|&c| c < lib.num_clips());
            match (random, chosen) {
                (true, Some(clip)) => (clip, lib.sample_time(clip, rng)),
                (true, None) => {
                    let clip = lib.sample_clip(rng);
                    (clip, lib.sample_time(clip, rng))
                }
                (false, clip) => (clip.unwrap_or(0), 0.0),
            }
        });
        match pick {
            Some((clip, time)) => self.reset(env, ResetTo::Motion { clip, time }),
            None => self.reset(env, ResetTo::Pose(default)),
        }
    }

    /// Appends `n` demo windows (`disc_obs_dim` values each) to `out`: a clip drawn by weight,
    /// a uniform time, and the frames `t − k·dt`, k = steps−1…0, as the agent's windows are
    /// built. Nothing without a discriminator or clips.
    pub fn sample_demo_disc_obs(
        &mut self,
        n: usize,
        rng: &mut crate::SeededRng,
        out: &mut Vec<f32>,
    ) {
        self.sample_clip_disc_obs(None, n, rng, out);
    }

    /// As [`sample_demo_disc_obs`](Self::sample_demo_disc_obs), from clip `clip` only when
    /// given (ASE's named skills encode one clip's windows).
    pub fn sample_clip_disc_obs(
        &mut self,
        clip: Option<usize>,
        n: usize,
        rng: &mut crate::SeededRng,
        out: &mut Vec<f32>,
    ) {
        let params = &*self.params;
        let dim = params.disc_obs_dim();
        if params.disc_steps == 0 || self.reference.motions.is_none() {
            return;
        }
        let model = self.worlds.model();
        let steps = params.disc_steps;
        let demo = self
            .demo
            .get_or_insert_with(|| RefPoses::new(1, steps, model));
        out.reserve(n * dim);
        for _ in 0..n {
            let (clip, time) = {
                let lib = self.reference.motions.as_ref().expect("checked");
                let clip = match clip {
                    Some(c) if c < lib.num_clips() => c,
                    _ => lib.sample_clip(rng),
                };
                (clip, lib.sample_time(clip, rng))
            };
            for k in 0..steps {
                let back = (steps - 1 - k) as f32 * params.dt;
                self.reference.pose_at(model, clip, time - back, demo, 0, k);
            }
            let start = out.len();
            out.resize(start + dim, 0.0);
            write_disc_window(params, model, demo, |k| k, 0, &mut out[start..]);
        }
    }

    /// The clip a user chose for new episodes, if any (and if it exists).
    pub fn clip_choice(&self) -> Option<usize> {
        let n = self.reference.motions.as_ref().map_or(0, |l| l.num_clips());
        self.reference.clip_choice.filter(|&c| c < n)
    }

    /// The clips' names (empty without clips).
    pub fn clip_names(&self) -> Vec<String> {
        self.reference
            .motions
            .as_ref()
            .map_or_else(Vec::new, |lib| {
                (0..lib.num_clips())
                    .map(|i| lib.name(i).to_string())
                    .collect()
            })
    }

    /// Whether the env has reference clips.
    pub fn has_motions(&self) -> bool {
        self.reference.motions.is_some()
    }

    /// The engine's state of every env.
    pub fn sim_state(&self) -> &crate::sim::SimState {
        self.worlds.state()
    }

    /// The env's outputs (observations, rewards, done codes).
    pub fn output(&self) -> &EnvOutput {
        &self.output
    }

    /// The env's outputs, mutably (to take the log's sums).
    pub fn output_mut(&mut self) -> &mut EnvOutput {
        &mut self.output
    }
}
