//! Training inside a Bevy app: the policy acts before the physics, the step is recorded after
//! the env's terms, and a full rollout is handed to a background task for the update while the
//! app keeps rendering.

use std::path::{Path, PathBuf};
use std::time::Instant;

use bevy::prelude::*;
use bevy::tasks::{AsyncComputeTaskPool, Task, futures::check_ready};

use super::metrics::{TrainingMetrics, TrainingPhase, TrainingStatus};
use crate::SeededRng;
use crate::control::{
    CheckpointSaved, EpisodeDone, IterationFinished, MimicControl, TrainingRequest,
};
use crate::env::character::resets::EnvResets;
use crate::env::character::systems::EnvOutput;
use crate::learning::agents::{ActMode, Agent};
use crate::learning::checkpoint::{load_agent, save_agent};
use crate::learning::device::Backend;
use crate::learning::log_row::LogRow;
use crate::sim::CharacterState;
use crate::sim::plugin::{PdTargets, SimPaused};
use crate::skills::{SkillSteering, apply_steering, mirror_steering, named_skills};
use crate::spaces::{ActionSpace, DoneCode};
use crate::train::episodes::EpisodeTracker;
use crate::train::logger::TrainLogger;
use crate::train::trainer::{CHECKPOINT_DIR, TrainerState, sanitize_step};

/// Where a run's logs and checkpoints go, and the config texts stored with its checkpoints.
pub(crate) struct RunFiles {
    pub(crate) out_dir: PathBuf,
    pub(crate) logger: TrainLogger,
    pub(crate) agent_yaml: String,
    pub(crate) env_yaml: String,
}

/// The update running in the background: the agent comes back with its log row and seconds.
type UpdateTask = Task<(Agent, LogRow, f64)>;

/// The training's working state (the agent is away while its update runs).
#[derive(Resource)]
pub(crate) struct Trainee {
    pub(crate) agent: Option<Agent>,
    pub(crate) task: Option<UpdateTask>,
    pub(crate) backend: Backend,
    pub(crate) rng: SeededRng,
    pub(crate) tracker: EpisodeTracker,
    pub(crate) low: Vec<f32>,
    pub(crate) high: Vec<f32>,
    pub(crate) obs_dim: usize,
    pub(crate) disc_obs_dim: usize,
    pub(crate) rand_reset: bool,
    pub(crate) default_reset_prob: f64,
    pub(crate) default_state: CharacterState,
    pub(crate) max_samples: u64,
    pub(crate) run: Option<RunFiles>,
    pub(crate) started_envs: bool,
    pub(crate) reset_all: bool,
    pub(crate) save_requested: bool,
    pub(crate) load_requested: Option<PathBuf>,
    pub(crate) wall_offset_s: f64,
    pub(crate) clock: Instant,
    pub(crate) rollout_start: Option<Instant>,
    pub(crate) act_end: Option<Instant>,
    pub(crate) act_s: f64,
    pub(crate) sim_s: f64,
    pub(crate) scratch: (Vec<f32>, Vec<f32>, Vec<DoneCode>),
}

impl Trainee {
    fn wall_time_s(&self) -> f64 {
        self.wall_offset_s + self.clock.elapsed().as_secs_f64()
    }
}

/// The policy's exploring actions for every env, as PD targets.
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
    let Some(agent) = t.agent.as_mut() else {
        return;
    };
    let start = Instant::now();
    t.rollout_start.get_or_insert(start);
    // After `max_samples` the policy still acts (deterministically) so the scene stays alive.
    let mode = if status.phase == TrainingPhase::Finished {
        ActMode::Deterministic
    } else {
        ActMode::Explore
    };
    apply_steering(&mut steering, agent, mode);
    let actions = agent.act(&output.buffers.obs, mode);
    let nd = t.low.len();
    for (k, (target, a)) in targets.0.iter_mut().zip(actions).enumerate() {
        *target = a.clamp(t.low[k % nd], t.high[k % nd]);
    }
    mirror_steering(&mut steering, agent, mode);
    let end = Instant::now();
    t.act_s += (end - start).as_secs_f64();
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
    let t = &mut *trainee;
    let Some(agent) = t.agent.as_mut() else {
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

/// Records the step into the rollout, reports and restarts finished episodes, and hands a full
/// rollout to the update task.
pub(crate) fn record(
    mut trainee: ResMut<Trainee>,
    mut resets: EnvResets,
    mut status: ResMut<TrainingStatus>,
    mut episodes: MessageWriter<EpisodeDone>,
    mut paused: ResMut<SimPaused>,
) {
    let t = &mut *trainee;
    let num_envs = resets.output().buffers.num_envs();
    if !t.started_envs {
        for env in 0..num_envs {
            if !resets.reset_episode(
                env,
                t.rand_reset,
                t.default_reset_prob,
                &t.default_state,
                &mut t.rng,
            ) {
                return; // the worlds are built on the first control step
            }
        }
        t.started_envs = true;
        return;
    }
    if let Some(end) = t.act_end.take() {
        t.sim_s += end.elapsed().as_secs_f64();
    }
    let Some(agent) = t.agent.as_mut() else {
        return;
    };
    let out = &resets.output().buffers;
    let (obs, rewards, dones) = sanitize_step(
        t.obs_dim,
        (&out.obs, &out.rewards, &out.dones),
        (&mut t.scratch.0, &mut t.scratch.1, &mut t.scratch.2),
        &mut status.env_blowups,
    );
    // A reset asked for by the user ends every episode here, as a time limit (the critic
    // bootstraps from the last state, as for any truncation).
    let forced: Vec<DoneCode>;
    let dones = if std::mem::take(&mut t.reset_all) {
        forced = dones
            .iter()
            .map(|d| if d.is_done() { *d } else { DoneCode::Time })
            .collect();
        &forced[..]
    } else {
        dones
    };
    let finished: Vec<usize> = (0..num_envs).filter(|&i| dones[i].is_done()).collect();
    for &env in &finished {
        let (ret, len) = t.tracker.running(env);
        episodes.write(EpisodeDone {
            env,
            code: dones[env],
            episode_return: ret + f64::from(rewards[env]),
            length: len + 1,
        });
    }
    let recording = status.phase == TrainingPhase::Rollout;
    if recording {
        if agent.disc_obs_dim() > 0 {
            agent.record_disc_obs(&resets.output().disc_obs);
        }
        agent.record_result(obs, rewards, dones);
        t.tracker.step(rewards, dones);
    } else {
        // Not recording (finished training): reset characters still draw new skills.
        agent.end_episodes(dones);
    }
    let t0 = Instant::now();
    for &env in &finished {
        resets.reset_episode(
            env,
            t.rand_reset,
            t.default_reset_prob,
            &t.default_state,
            &mut t.rng,
        );
    }
    t.sim_s += t0.elapsed().as_secs_f64();
    if recording && agent.buffer_full() {
        if agent.wants_demo_disc_obs() {
            let n = agent.config().steps_per_iter * num_envs;
            let mut demo = Vec::new();
            resets.sample_demo_disc_obs(n, &mut t.rng, &mut demo);
            agent.set_demo_disc_obs(demo);
        }
        let mut agent = t.agent.take().expect("checked above");
        t.task = Some(AsyncComputeTaskPool::get().spawn(async move {
            let start = Instant::now();
            let row = agent.update();
            let seconds = start.elapsed().as_secs_f64();
            (agent, row, seconds)
        }));
        status.phase = TrainingPhase::Updating;
        paused.0 = true;
    }
}

/// Takes the agent back from a finished update: the log row, messages, and at output
/// iterations a checkpoint. Then applies requests and the pause.
#[allow(clippy::too_many_arguments)]
pub(crate) fn finish_update(
    mut trainee: ResMut<Trainee>,
    mut status: ResMut<TrainingStatus>,
    mut metrics: ResMut<TrainingMetrics>,
    mut output: ResMut<EnvOutput>,
    mut iterations: MessageWriter<IterationFinished>,
    mut saved: MessageWriter<CheckpointSaved>,
) {
    let t = &mut *trainee;
    status.wall_time_s = t.wall_time_s();
    let Some(task) = t.task.as_mut() else {
        return;
    };
    let Some((agent, update, update_s)) = check_ready(task) else {
        return;
    };
    t.task = None;
    let rollout_s = t
        .rollout_start
        .take()
        .map_or(0.0, |s| s.elapsed().as_secs_f64() - update_s);
    let iteration = agent.iteration();
    let samples = agent.sample_count();
    let samples_this_iter = (agent.config().steps_per_iter * output.buffers.num_envs()) as f64;
    let output_iteration = (iteration - 1).is_multiple_of(agent.config().iters_per_output as u64)
        || samples >= t.max_samples;

    let mut row = LogRow::new();
    row.set("Iteration", iteration as f64);
    row.set("Wall_Time", t.wall_time_s() / 3600.0);
    row.set("Samples", samples as f64);
    row.set("Train_Return", t.tracker.mean_return());
    row.set("Train_Episode_Length", t.tracker.mean_length());
    row.set("Train_Episodes", t.tracker.episodes() as f64);
    row.set("Train_Fail_Frac", t.tracker.fail_fraction());
    row.extend(&update);
    for (key, value) in output.take_diagnostics() {
        row.set(key, value);
    }
    row.set("Env_Blowups", status.env_blowups as f64);
    row.set("Rollout_Time", rollout_s);
    row.set("Sim_Time", t.sim_s);
    row.set("Inference_Time", t.act_s);
    row.set("Update_Time", update_s);
    row.set(
        "Samples_Per_Sec",
        samples_this_iter / (rollout_s + update_s).max(1e-9),
    );
    t.sim_s = 0.0;
    t.act_s = 0.0;
    t.agent = Some(agent);

    if let Some(run) = t.run.as_mut()
        && let Err(e) = run.logger.write(&row)
    {
        status.last_error = Some(format!("{}: {e}", run.logger.csv_path().display()));
    }
    if output_iteration {
        t.tracker.start_new_window();
        if t.run.is_some() {
            t.save_requested = true;
        }
    }
    status.iteration = iteration;
    status.samples = samples;
    status.phase = if samples >= t.max_samples {
        TrainingPhase::Finished
    } else {
        TrainingPhase::Rollout
    };
    metrics.push(row.clone());
    iterations.write(IterationFinished {
        iteration,
        samples,
        row,
    });
    if std::mem::take(&mut t.save_requested) {
        save(t, &mut status, &mut saved);
    }
}

fn save(t: &mut Trainee, status: &mut TrainingStatus, saved: &mut MessageWriter<CheckpointSaved>) {
    let (Some(agent), Some(run)) = (t.agent.as_ref(), t.run.as_ref()) else {
        status.last_error = Some("no output directory: set one to save checkpoints".into());
        return;
    };
    let dir = run.out_dir.join(CHECKPOINT_DIR);
    let state = serde_yaml_ng::to_string(&TrainerState {
        env_rng: t.rng.clone(),
        wall_time_s: t.wall_offset_s + t.clock.elapsed().as_secs_f64(),
        env_blowups: status.env_blowups,
    })
    .expect("trainer state serialises");
    match save_agent(
        agent,
        &dir,
        &[
            ("agent_config.yaml", run.agent_yaml.as_bytes()),
            ("env_config.yaml", run.env_yaml.as_bytes()),
            ("trainer.yaml", state.as_bytes()),
        ],
    ) {
        Ok(()) => {
            status.last_checkpoint = Some(dir.clone());
            saved.write(CheckpointSaved {
                dir,
                iteration: agent.iteration(),
            });
        }
        Err(e) => status.last_error = Some(e.to_string()),
    }
}

fn load(t: &mut Trainee, dir: &Path, status: &mut TrainingStatus) {
    let loaded = match load_agent(dir, t.backend.device()) {
        Ok(l) => l.agent,
        Err(e) => {
            status.last_error = Some(e.to_string());
            return;
        }
    };
    let s = loaded.state();
    let fits = s.obs_dim == t.obs_dim
        && s.action_space
            == (ActionSpace::Box {
                low: t.low.clone(),
                high: t.high.clone(),
            })
        && s.num_envs == t.tracker.num_envs()
        && (s.disc_obs_dim == 0 || s.disc_obs_dim == t.disc_obs_dim);
    if !fits {
        status.last_error = Some(format!(
            "{}: the checkpoint's policy does not fit this env (observations {}, {} envs)",
            dir.display(),
            s.obs_dim,
            s.num_envs
        ));
        return;
    }
    status.iteration = loaded.iteration();
    status.samples = loaded.sample_count();
    status.last_checkpoint = Some(dir.to_path_buf());
    status.last_error = None;
    t.agent = Some(loaded);
    // The new agent's rollout starts empty: every env starts a new episode.
    t.started_envs = false;
    t.rollout_start = None;
    t.tracker.restart_all();
}

/// Applies [`TrainingRequest`]s (saving and loading wait for a running update) and the pause.
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
    if t.agent.is_some() {
        if let Some(dir) = t.load_requested.take() {
            load(t, &dir, &mut status);
        }
        if std::mem::take(&mut t.save_requested) {
            save(t, &mut status, &mut saved);
        }
    }
    paused.0 = control.paused || status.phase == TrainingPhase::Updating;
}
