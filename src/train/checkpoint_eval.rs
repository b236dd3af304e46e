//! Running a stored policy on its env outside training: deterministic test episodes (`test`),
//! ASE's skill diversity (`skills`) and the scripted task evaluations (`task-eval`).

use std::path::Path;

use rand::SeedableRng;

use super::episodes::EpisodeTracker;
use super::run::{EvalStats, test_diagnostics};
use super::trainer::{TrainerError, build_env, env_for_agent, spec_of};
use crate::SeededRng;
use crate::config::{override_engine, parse_env_config};
use crate::env::{EngineOverride, EnvConfig, VecEnv};
use crate::fit::{check_fits, stored_character};
use crate::getup::GetUpController;
use crate::learning::agents::{ActMode, Agent};
use crate::learning::checkpoint::{LoadedAgent, load_agent};
use crate::spaces::DoneCode;
use burn::tensor::Device;

/// Runs deterministic episodes on `env` (all environments are reset first and left reset after)
/// until `episodes` have finished.
pub fn evaluate(
    agent: &mut Agent,
    env: &mut dyn VecEnv,
    rng: &mut SeededRng,
    episodes: u64,
) -> EvalStats {
    let all: Vec<usize> = (0..env.num_envs()).collect();
    env.reset(&all, rng);
    let _ = env.diagnostics(); // start the env's sums afresh
    let mut tracker = EpisodeTracker::new(env.num_envs());
    let mut finished = Vec::new();
    let (mut fails, mut steps) = (0u64, 0u64);
    while tracker.episodes() < episodes {
        let actions = agent.act(env.obs(), ActMode::Deterministic);
        env.step(actions);
        agent.end_episodes(env.dones());
        steps += env.num_envs() as u64;
        fails += env.dones().iter().filter(|d| **d == DoneCode::Fail).count() as u64;
        tracker.step(env.rewards(), env.dones());
        finished.clear();
        finished.extend(
            env.dones()
                .iter()
                .enumerate()
                .filter(|(_, d)| d.is_done())
                .map(|(i, _)| i),
        );
        if !finished.is_empty() {
            env.reset(&finished, rng);
        }
    }
    let (root_speed, tracking) = test_diagnostics(&env.diagnostics(), env.logs_test_tracking());
    env.reset(&all, rng);
    EvalStats {
        episodes: tracker.episodes(),
        mean_return: tracker.mean_return(),
        mean_length: tracker.mean_length(),
        fails,
        sim_seconds: steps as f64 * env.step_dt(),
        root_speed,
        tracking,
    }
}

/// Loads the policy in `model_dir` and runs `episodes` deterministic episodes on `num_envs`
/// environments built from `env_config` (by default the one stored in the checkpoint), with
/// the engine changes of `engine` (`--engine`, `--sim_freq`: sim-to-sim).
pub fn test_checkpoint(
    model_dir: &Path,
    env_override: Option<(&Path, String)>,
    engine: &EngineOverride,
    num_envs: usize,
    episodes: u64,
    seed: u64,
    device: Device,
) -> Result<EvalStats, TrainerError> {
    let (mut agent, mut env) =
        load_for_test(model_dir, env_override, num_envs, device, engine, |c| {
            // A replay of a clip tracker reports how closely it tracked (the sim-to-sim tables).
            if let EnvConfig::DeepMimic(t) | EnvConfig::Add(t) = c {
                t.log_tracking_error = true;
            }
        })?;
    let mut rng = SeededRng::seed_from_u64(seed);
    Ok(evaluate(&mut agent, env.as_mut(), &mut rng, episodes))
}

/// ASE: loads the policy in `model_dir` and holds `num_latents` random latents, one per
/// environment, for `warmup_s` + `seconds` (see [`measure_skill_diversity`]).
///
/// [`measure_skill_diversity`]: crate::skills::measure_skill_diversity
pub fn skills_of_checkpoint(
    model_dir: &Path,
    num_latents: usize,
    warmup_s: f64,
    seconds: f64,
    seed: u64,
    device: Device,
) -> Result<crate::skills::SkillDiversity, TrainerError> {
    let (mut agent, mut env) = load_for_test(
        model_dir,
        None,
        num_latents,
        device,
        &EngineOverride::default(),
        |_| {},
    )?;
    if agent.latent_dim() == 0 {
        return Err(TrainerError::Invalid(format!(
            "{}: the policy has no skill latents (agent_name {}); skills needs an ASE checkpoint",
            model_dir.display(),
            agent.config().agent_name.as_str()
        )));
    }
    let dt = env.step_dt();
    let steps = |s: f64| (s / dt).round().max(0.0) as usize;
    let mut rng = SeededRng::seed_from_u64(seed);
    Ok(crate::skills::measure_skill_diversity(
        &mut agent,
        env.as_mut(),
        steps(warmup_s),
        steps(seconds).max(1),
        &mut rng,
    ))
}

/// Which script `task-eval` drives a task policy with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TaskEvalMode {
    /// Headings and speeds ([`measure_steering`](super::task_eval::measure_steering)).
    Steering,
    /// Points to walk to ([`measure_location`](super::task_eval::measure_location)).
    Location,
    /// Getting up from the ground ([`measure_getup`](super::getup_eval::measure_getup)).
    Getup,
    /// Steering while pushed: falling and getting up
    /// ([`measure_knockdown`](super::getup_eval::measure_knockdown)).
    Knockdown {
        /// How hard the root is pushed (m/s of velocity change).
        push_speed: f32,
    },
}

/// What `task-eval` measured.
#[derive(Clone, Debug, PartialEq)]
pub enum TaskEval {
    /// The steering script's figures.
    Steering(super::task_eval::SteeringEval),
    /// The location script's figures.
    Location(super::task_eval::LocationEval),
    /// The get-up script's figures.
    Getup(super::getup_eval::GetupEval),
    /// The knockdown script's figures.
    Knockdown(super::getup_eval::KnockdownEval),
}

/// Drives a task policy's checkpoint with a scripted sequence of commands on `num_envs`
/// characters for `minutes` simulated minutes each (episodes last the whole run; only falls
/// end them). `mode` picks the script; by default the policy's own task's. The location script
/// asks for the policy's trained walking speed (1 m/s for a steering policy). The get-up
/// script starts characters lying down (the first frames of
/// [`GETUP_MOTION_FILE`](super::getup_eval::GETUP_MOTION_FILE), read from the working
/// directory) and turns early termination off, so that falls do not end episodes; it takes
/// any character policy, not only task policies (a tracker's pose termination and clip end
/// still end its episodes, and each ended episode is an attempt). The knockdown script pushes
/// steering characters over. With `getup_model`, the get-up tracker there drives characters
/// that are down (laid down, or fallen) until they stand.
pub fn task_eval_of_checkpoint(
    model_dir: &Path,
    num_envs: usize,
    minutes: f64,
    mode: Option<TaskEvalMode>,
    getup_model: Option<&Path>,
    seed: u64,
    device: Device,
) -> Result<TaskEval, TrainerError> {
    use crate::env::character::TaskParams;
    let seconds = minutes * 60.0;
    let getup = mode == Some(TaskEvalMode::Getup);
    let no_override = EngineOverride::default();
    let (mut agent, mut env) =
        load_for_test(model_dir, None, num_envs, device, &no_override, |c| {
            if let Some(c) = c.character_mut() {
                c.episode_length = seconds + 60.0;
                // The scripts measure the policy, not the training's randomisation (play mode
                // leaves it out too); the knockdown script pushes by itself.
                c.domain_rand = None;
                if getup {
                    c.motion_file = Some(super::getup_eval::GETUP_MOTION_FILE.into());
                    c.rand_reset = false;
                    c.default_reset_prob = Some(0.0);
                    c.enable_early_termination = false;
                }
            }
        })?;
    // The get-up script only lays characters down and watches them rise: any character
    // policy (a DeepMimic tracker of the get-up clips, say) can take it.
    let task = env.task_params();
    let mode = match (mode, &task) {
        (Some(TaskEvalMode::Getup), _) => TaskEvalMode::Getup,
        (Some(TaskEvalMode::Knockdown { .. }), Some(TaskParams::Location { .. })) => {
            return Err(TrainerError::Invalid(format!(
                "{}: the knockdown script steers; this is a location policy",
                model_dir.display()
            )));
        }
        (Some(mode), Some(_)) => mode,
        (None, Some(TaskParams::Steering { .. })) => TaskEvalMode::Steering,
        (None, Some(TaskParams::Location { .. })) => TaskEvalMode::Location,
        (_, None) => {
            return Err(TrainerError::Invalid(format!(
                "{}: the policy was not trained on a task env (task_steering or task_location); \
                 only `--script getup` drives other character policies",
                model_dir.display()
            )));
        }
    };
    let steps = (seconds / env.step_dt()).round().max(1.0) as usize;
    let mut getup = match getup_model {
        None => None,
        Some(dir) => {
            let (model, _) = env.sim_state().ok_or_else(|| {
                TrainerError::Invalid(format!("{}: not a character env", model_dir.display()))
            })?;
            let c = GetUpController::load(dir, num_envs, model, env.step_dt() as f32)
                .map_err(|e| TrainerError::Invalid(e.to_string()))?;
            Some(c)
        }
    };
    let mut rng = SeededRng::seed_from_u64(seed);
    Ok(match mode {
        TaskEvalMode::Steering => TaskEval::Steering(super::task_eval::measure_steering(
            &mut agent,
            env.as_mut(),
            steps,
            &mut rng,
        )),
        TaskEvalMode::Location => {
            let speed = match task {
                Some(TaskParams::Location { speed, .. }) => speed,
                // A steering policy walks to points at 1 m/s, as location policies are trained.
                _ => 1.0,
            };
            TaskEval::Location(super::task_eval::measure_location(
                &mut agent,
                env.as_mut(),
                steps,
                speed,
                &mut rng,
            ))
        }
        TaskEvalMode::Getup => TaskEval::Getup(super::getup_eval::measure_getup(
            &mut agent,
            env.as_mut(),
            steps,
            &mut rng,
            getup.as_mut(),
        )),
        TaskEvalMode::Knockdown { push_speed } => {
            TaskEval::Knockdown(super::getup_eval::measure_knockdown(
                &mut agent,
                env.as_mut(),
                steps,
                push_speed,
                &mut rng,
                getup.as_mut(),
            ))
        }
    })
}

/// The agent of a checkpoint and `num_envs` envs of its env config (or `env_override`), with
/// the engine changes of `engine` and after `edit` has changed the config.
fn load_for_test(
    model_dir: &Path,
    env_override: Option<(&Path, String)>,
    num_envs: usize,
    device: Device,
    engine: &EngineOverride,
    edit: impl FnOnce(&mut EnvConfig),
) -> Result<(Agent, Box<dyn VecEnv + Send>), TrainerError> {
    let LoadedAgent { agent, extra } = load_agent(model_dir, device)?;
    let character = stored_character(model_dir, &extra)?;
    let stored = model_dir.join("env_config.yaml");
    let env_file = env_override
        .as_ref()
        .map_or(stored.as_path(), |(f, _)| *f)
        .to_path_buf();
    let mut env_config = match env_override {
        Some((file, text)) => parse_env_config(file, &override_engine(file, &text, engine)?)?,
        None => {
            let text = extra
                .iter()
                .find(|(n, _)| n == "env_config.yaml")
                .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
                .ok_or_else(|| {
                    TrainerError::Invalid(format!(
                        "{}: no env_config.yaml stored; pass --env_config",
                        model_dir.display()
                    ))
                })?;
            let text = override_engine(&stored, &text, engine)?;
            parse_env_config(&stored, &text)?
        }
    };
    edit(&mut env_config);
    let env = build_env(&env_config, &env_file, num_envs)?;
    let agent_file = model_dir.join("agent_config.yaml");
    let env = env_for_agent(env, agent.config(), &agent_file, agent.device())?;
    check_fits(
        model_dir,
        agent.state(),
        character.as_ref(),
        &spec_of(env.as_ref()),
    )?;
    Ok((agent, env))
}
