//! Training inside a Bevy app: the Bevy driver of the training core ([`TrainingRun`]). The
//! policy acts before the physics, the step is recorded after the env's terms, a full rollout
//! goes to the update (a background task while the app keeps rendering, or inline for the
//! headless CLI), output iterations run their deterministic test episodes in the same envs,
//! and the run writes the log row and the checkpoint.

use std::path::PathBuf;
use std::time::Instant;

use bevy::prelude::*;
use bevy::tasks::{AsyncComputeTaskPool, Task, futures::check_ready};

use super::metrics::{TrainingMetrics, TrainingPhase, TrainingStatus};
use super::testing::TestRun;
use crate::control::{
    CheckpointSaved, EpisodeDone, IterationFinished, MimicControl, TrainingRequest,
};
use crate::env::character::ActionBounds;
use crate::env::character::resets::EnvResets;
use crate::env::character::systems::EnvOutput;
use crate::learning::agents::{ActMode, Agent};
use crate::learning::device::Backend;
use crate::learning::log_row::LogRow;
use crate::sim::CharacterState;
use crate::sim::plugin::{PdTargets, SimPaused};
use crate::skills::{SkillSteering, apply_steering, mirror_steering, named_skills};
use crate::spaces::DoneCode;
use crate::train::run::test_diagnostics;
use crate::train::{IterationTimes, TrainingRun};

/// The update running in the background: the agent comes back with its log row and seconds.
type UpdateTask = Task<(Agent, LogRow, f64)>;

/// How a character env starts its episodes.
pub(crate) struct EpisodeStarts {
    pub(crate) rand_reset: bool,
    pub(crate) default_reset_prob: f64,
    pub(crate) default_state: CharacterState,
}

/// The training's working state besides the core.
#[derive(Resource)]
pub(crate) struct Trainee {
    pub(crate) run: TrainingRun,
    pub(crate) backend: Backend,
    /// Run updates as a background task (an app that renders) or inline (headless).
    pub(crate) background: bool,
    pub(crate) starts: EpisodeStarts,
    pub(crate) bounds: ActionBounds,
    pub(crate) dt: f64,
    pub(crate) task: Option<UpdateTask>,
    /// An inline update's result, collected in `PostUpdate` as a task's would be.
    pub(crate) done_update: Option<(Agent, LogRow, f64)>,
    pub(crate) started_envs: bool,
    pub(crate) reset_all: bool,
    pub(crate) save_requested: bool,
    pub(crate) load_requested: Option<PathBuf>,
    times: IterationTimes,
    rollout_start: Option<Instant>,
    act_end: Option<Instant>,
    /// The update's row and the rollout's env diagnostics, waiting for the test episodes.
    pending: Option<(LogRow, Vec<(&'static str, f64)>)>,
    test: Option<TestRun>,
    /// The codes of a step recorded outside the rollout (scratch).
    scratch_dones: Vec<DoneCode>,
}

impl Trainee {
    pub(crate) fn new(
        run: TrainingRun,
        backend: Backend,
        background: bool,
        starts: EpisodeStarts,
        bounds: ActionBounds,
        dt: f64,
    ) -> Self {
        Self {
            run,
            backend,
            background,
            starts,
            bounds,
            dt,
            task: None,
            done_update: None,
            started_envs: false,
            reset_all: false,
            save_requested: false,
            load_requested: None,
            times: IterationTimes::default(),
            rollout_start: None,
            act_end: None,
            pending: None,
            test: None,
            scratch_dones: Vec::new(),
        }
    }
}

impl EpisodeStarts {
    /// Starts a new episode in each of `envs`; false before the worlds exist.
    fn start(
        &self,
        resets: &mut EnvResets,
        rng: &mut crate::SeededRng,
        envs: impl IntoIterator<Item = usize>,
    ) -> bool {
        envs.into_iter().all(|env| {
            resets.reset_episode(
                env,
                self.rand_reset,
                self.default_reset_prob,
                &self.default_state,
                rng,
            )
        })
    }
}

/// Resets every env from the run's generator (a pending user reset is then moot); false
/// before the worlds exist.
fn reset_all(resets: &mut EnvResets, t: &mut Trainee) -> bool {
    t.reset_all = false;
    let num_envs = resets.output().buffers.num_envs();
    t.starts.start(resets, &mut t.run.env_rng, 0..num_envs)
}

/// The policy's actions for every env, as PD targets: exploring in the rollout,
/// deterministic in test episodes and after `max_samples`.
pub(crate) fn act(
    mut trainee: ResMut<Trainee>,
    status: Res<TrainingStatus>,
    output: Res<EnvOutput>,
    mut targets: ResMut<PdTargets>,
    mut steering: ResMut<SkillSteering>,
) {
    let t = &mut *trainee;
    if !t.started_envs {
        return;
    }
    let Some(agent) = t.run.agent.as_mut() else {
        return;
    };
    let start = Instant::now();
    if status.phase == TrainingPhase::Rollout {
        t.rollout_start.get_or_insert(start);
    }
    let mode = match status.phase {
        TrainingPhase::Rollout => ActMode::Explore,
        _ => ActMode::Deterministic,
    };
    apply_steering(&mut steering, agent, mode);
    let actions = agent.act(&output.buffers.obs, mode);
    t.bounds.write_targets(actions, &mut targets.0);
    mirror_steering(&mut steering, agent, mode);
    let end = Instant::now();
    if status.phase == TrainingPhase::Rollout {
        t.times.act_s += (end - start).as_secs_f64();
    }
    t.act_end = Some(end);
}

/// ASE: names a skill per clip when training starts and again after every update (the
/// encoder changes as it learns).
pub(crate) fn name_skills(
    mut trainee: ResMut<Trainee>,
    mut resets: EnvResets,
    mut steering: ResMut<SkillSteering>,
    mut named_at: Local<Option<u64>>,
) {
    let Some(agent) = trainee.run.agent.as_mut() else {
        return;
    };
    if agent.latent_dim() == 0 || *named_at == Some(agent.iteration()) {
        return;
    }
    let mut rng = <crate::SeededRng as rand::SeedableRng>::seed_from_u64(agent.iteration());
    let skills = named_skills(agent, &mut resets, &mut rng);
    if !skills.is_empty() {
        steering.set_skills(skills);
        *named_at = Some(agent.iteration());
    }
}

/// Records the step (into the rollout, or into the test episodes), reports and restarts
/// finished episodes, and starts the update once the rollout is full.
pub(crate) fn record(
    mut trainee: ResMut<Trainee>,
    mut resets: EnvResets,
    mut status: ResMut<TrainingStatus>,
    mut episodes: MessageWriter<EpisodeDone>,
    mut paused: ResMut<SimPaused>,
) {
    let t = &mut *trainee;
    if !t.started_envs {
        // The worlds are built on the first control step.
        t.started_envs = reset_all(&mut resets, t);
        return;
    }
    if let Some(end) = t.act_end.take()
        && status.phase == TrainingPhase::Rollout
    {
        t.times.sim_s += end.elapsed().as_secs_f64();
    }
    if t.run.agent.is_none() {
        return;
    }
    let mut report = |env: usize, code: DoneCode, episode_return: f64, length: u32| {
        episodes.write(EpisodeDone {
            env,
            code,
            episode_return,
            length,
        });
    };
    match status.phase {
        TrainingPhase::Rollout => {
            let out = &resets.output();
            let force = std::mem::take(&mut t.reset_all);
            t.run.record_step(
                &out.buffers.obs,
                &out.buffers.rewards,
                &out.buffers.dones,
                &out.disc_obs,
                force,
                report,
            );
            status.env_blowups = t.run.env_blowups;
            let t0 = Instant::now();
            let (finished, rng) = t.run.finished_envs();
            t.starts.start(&mut resets, rng, finished.iter().copied());
            t.times.sim_s += t0.elapsed().as_secs_f64();
        }
        TrainingPhase::Testing => {
            t.run
                .agent_mut()
                .end_episodes(&resets.output().buffers.dones);
            let test = t.test.as_mut().expect("testing");
            let finished = test.record_step(resets.output(), &mut report);
            t.starts
                .start(&mut resets, &mut t.run.env_rng, finished.iter().copied());
            if test.episodes() >= t.run.test_episodes() {
                // No further control step this frame: the test ends in `PostUpdate`.
                paused.0 = true;
            }
        }
        TrainingPhase::Updating | TrainingPhase::Finished => {
            // Not recording: reset characters still draw new skills; a user's reset still
            // restarts every character (not while an update waits for the rollout's end).
            let out = &resets.output().buffers;
            let force = status.phase == TrainingPhase::Finished && std::mem::take(&mut t.reset_all);
            let tracker = &mut t.run.tracker;
            let dones = &mut t.scratch_dones;
            dones.clear();
            dones.extend(out.dones.iter().map(|&d| match d {
                DoneCode::Null if force => DoneCode::Time,
                d => d,
            }));
            for (env, code) in dones.iter().enumerate() {
                if code.is_done() {
                    let (ret, len) = tracker.running(env);
                    report(env, *code, ret + f64::from(out.rewards[env]), len + 1);
                }
            }
            tracker.step(&out.rewards, dones);
            t.run.agent_mut().end_episodes(dones);
            let finished = (0..dones.len()).filter(|&i| dones[i].is_done());
            t.starts.start(&mut resets, &mut t.run.env_rng, finished);
        }
    }
    if status.phase == TrainingPhase::Rollout && t.run.agent().buffer_full() {
        start_update(t, &mut resets, &mut status, &mut paused);
    }
}

/// Hands the full rollout to the update: demo windows first (AMP), then a background task or
/// an inline update.
fn start_update(
    t: &mut Trainee,
    resets: &mut EnvResets,
    status: &mut TrainingStatus,
    paused: &mut SimPaused,
) {
    let wanted = t.run.demo_windows_wanted();
    let t0 = Instant::now();
    if wanted > 0 {
        let mut demo = Vec::new();
        resets.sample_demo_disc_obs(wanted, &mut t.run.env_rng, &mut demo);
        t.run.agent_mut().set_demo_disc_obs(demo);
    }
    t.times.demo_s = t0.elapsed().as_secs_f64();
    t.times.rollout_s = t
        .rollout_start
        .take()
        .map_or(0.0, |s| s.elapsed().as_secs_f64() - t.times.demo_s);
    let diagnostics = resets.output_mut().take_diagnostics();
    t.pending = Some((LogRow::new(), diagnostics));
    let mut agent = t.run.agent.take().expect("the agent is home");
    if t.background {
        t.task = Some(AsyncComputeTaskPool::get().spawn(async move {
            let start = Instant::now();
            let row = agent.update();
            (agent, row, start.elapsed().as_secs_f64())
        }));
    } else {
        let start = Instant::now();
        let row = agent.update();
        t.done_update = Some((agent, row, start.elapsed().as_secs_f64()));
    }
    status.phase = TrainingPhase::Updating;
    paused.0 = true;
}

/// Takes the agent back from a finished update; at output iterations it starts the test
/// episodes, otherwise (and once they are done) it finishes the iteration.
#[allow(clippy::too_many_arguments)] // the messages and resources of one iteration
pub(crate) fn finish_update(
    mut trainee: ResMut<Trainee>,
    mut resets: EnvResets,
    mut status: ResMut<TrainingStatus>,
    mut metrics: ResMut<TrainingMetrics>,
    mut iterations: MessageWriter<IterationFinished>,
    mut saved: MessageWriter<CheckpointSaved>,
) {
    let t = &mut *trainee;
    status.wall_time_s = t.run.wall_time_s();
    let iteration_done = if status.phase == TrainingPhase::Testing {
        let test = t.test.as_ref().expect("testing");
        if test.episodes() < t.run.test_episodes() {
            return;
        }
        end_test(t, &mut resets);
        true
    } else {
        let ready = match t.task.as_mut() {
            Some(task) => check_ready(task),
            None => t.done_update.take(),
        };
        let Some((agent, update, update_s)) = ready else {
            return;
        };
        t.task = None;
        t.times.update_s = update_s;
        t.run.agent = Some(agent);
        if let Some(pending) = t.pending.as_mut() {
            pending.0 = update;
        }
        let testing = t.run.is_output_iteration() && t.run.test_episodes() > 0;
        if testing {
            // As `evaluate`: every env starts afresh and the env's sums restart.
            reset_all(&mut resets, t);
            let _ = resets.output_mut().take_diagnostics();
            t.test = Some(TestRun::new(resets.output().buffers.num_envs()));
            status.phase = TrainingPhase::Testing;
        }
        !testing
    };
    if iteration_done {
        finish_iteration(
            t,
            &mut resets,
            &mut status,
            &mut metrics,
            &mut iterations,
            &mut saved,
        );
    }
}

/// The test's statistics; every env starts afresh after it, as after `evaluate`.
fn end_test(t: &mut Trainee, resets: &mut EnvResets) {
    let test = t.test.take().expect("testing");
    let output = resets.output_mut();
    let (root_speed, tracking) =
        test_diagnostics(&output.take_diagnostics(), output.log_test_tracking);
    reset_all(resets, t);
    let _ = resets.output_mut().take_diagnostics();
    t.run.set_test(test.stats(t.dt, root_speed, tracking));
}

/// The log row, messages, and at output iterations the checkpoint and fresh envs.
fn finish_iteration(
    t: &mut Trainee,
    resets: &mut EnvResets,
    status: &mut TrainingStatus,
    metrics: &mut TrainingMetrics,
    iterations: &mut MessageWriter<IterationFinished>,
    saved: &mut MessageWriter<CheckpointSaved>,
) {
    let (update, diagnostics) = t.pending.take().unwrap_or_default();
    let times = std::mem::take(&mut t.times);
    let output = t.run.is_output_iteration();
    let row = match t.run.log_iteration(&update, &diagnostics, times) {
        Ok(row) => row,
        Err(e) => {
            status.last_error = Some(e.to_string());
            LogRow::new()
        }
    };
    if output {
        match t.run.finish_output_iteration() {
            Ok(Some(dir)) => {
                status.last_checkpoint = Some(dir.clone());
                saved.write(CheckpointSaved {
                    dir,
                    iteration: t.run.agent().iteration(),
                });
            }
            Ok(None) => {}
            Err(e) => status.last_error = Some(e.to_string()),
        }
        // As MimicKit: after a test, training restarts from freshly reset envs.
        reset_all(resets, t);
    }
    let agent = t.run.agent();
    status.iteration = agent.iteration();
    status.samples = agent.sample_count();
    status.phase = if t.run.finished() {
        TrainingPhase::Finished
    } else {
        TrainingPhase::Rollout
    };
    metrics.push(row.clone());
    iterations.write(IterationFinished {
        iteration: status.iteration,
        samples: status.samples,
        row,
    });
}

fn save(t: &mut Trainee, status: &mut TrainingStatus, saved: &mut MessageWriter<CheckpointSaved>) {
    let Some(dir) = t.run.checkpoint_dir() else {
        status.last_error = Some("no output directory: set one to save checkpoints".into());
        return;
    };
    match t.run.save_checkpoint(&dir) {
        Ok(()) => {
            status.last_checkpoint = Some(dir.clone());
            saved.write(CheckpointSaved {
                dir,
                iteration: t.run.agent().iteration(),
            });
        }
        Err(e) => status.last_error = Some(e.to_string()),
    }
}

/// Applies [`TrainingRequest`]s (saving and loading wait for a running update or test) and
/// the pause.
pub(crate) fn handle_requests(
    mut trainee: ResMut<Trainee>,
    mut requests: MessageReader<TrainingRequest>,
    mut status: ResMut<TrainingStatus>,
    mut saved: MessageWriter<CheckpointSaved>,
    control: Res<MimicControl>,
    mut paused: ResMut<SimPaused>,
) {
    let t = &mut *trainee;
    for request in requests.read() {
        match request {
            TrainingRequest::SaveCheckpoint => t.save_requested = true,
            TrainingRequest::LoadCheckpoint(dir) => t.load_requested = Some(dir.clone()),
            TrainingRequest::ResetEnvs => t.reset_all = true,
        }
    }
    let idle = matches!(
        status.phase,
        TrainingPhase::Rollout | TrainingPhase::Finished
    );
    if t.run.agent.is_some() && idle {
        if let Some(dir) = t.load_requested.take() {
            match t.run.load_checkpoint(&dir, t.backend.device()) {
                Ok(()) => {
                    let agent = t.run.agent();
                    status.iteration = agent.iteration();
                    status.samples = agent.sample_count();
                    status.last_checkpoint = Some(dir);
                    status.last_error = None;
                    // The new agent's rollout starts empty: every env starts a new episode.
                    t.started_envs = false;
                    t.rollout_start = None;
                    t.times = IterationTimes::default();
                    status.phase = if t.run.finished() {
                        TrainingPhase::Finished
                    } else {
                        TrainingPhase::Rollout
                    };
                }
                Err(e) => status.last_error = Some(e.to_string()),
            }
        }
        if std::mem::take(&mut t.save_requested) {
            save(t, &mut status, &mut saved);
        }
    }
    paused.0 = control.paused || status.phase == TrainingPhase::Updating;
}
