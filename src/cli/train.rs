//! `bevy_mimic train`: characters through `MimicPlugin` in a headless app, the classic tasks
//! through the `Trainer` over a `VecEnv` — both on the one training core.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use bevy_mimic::MimicConfig;
use bevy_mimic::config::{load_engine_config, merge_engine_config, override_engine};
use bevy_mimic::env::EngineOverride;
use bevy_mimic::env::EnvConfig;
use bevy_mimic::live::{HeadlessReport, train_headless};
use bevy_mimic::train::{TrainOptions, Trainer};

use crate::{backend, read};

/// Train a policy headless, printing MimicKit's table and writing logs and checkpoints.
#[derive(clap::Args)]
pub struct TrainArgs {
    /// Agent YAML (agent_name, model, optimizers, PPO/AWR keys).
    #[arg(long = "agent_config")]
    pub agent_config: Option<PathBuf>,
    /// Env YAML (env_name and its keys).
    #[arg(long = "env_config")]
    pub env_config: Option<PathBuf>,
    /// Engine YAML for character envs; keys in the env file's `engine:` block win.
    #[arg(long = "engine_config")]
    pub engine_config: Option<PathBuf>,
    /// Simulate on this engine (rapier, mujoco) whatever the env file says; the run keeps it.
    #[arg(long)]
    pub engine: Option<String>,
    /// Physics rate in Hz whatever the env file says (a whole multiple of the control rate;
    /// MuJoCo simulates the humanoid's PD gains accurately from 480); the run keeps it.
    #[arg(long = "sim_freq")]
    pub sim_freq: Option<f32>,
    /// Number of environments stepped together.
    #[arg(long = "num_envs", default_value_t = 16)]
    pub num_envs: usize,
    /// Stop after this many environment steps.
    #[arg(long = "max_samples", default_value_t = 1_000_000)]
    pub max_samples: u64,
    /// Output directory: log.csv, TensorBoard events, configs, checkpoint `model/`.
    #[arg(long = "out_dir", default_value = "output")]
    pub out_dir: PathBuf,
    /// Continue the run in `out_dir` from its checkpoint (configs are taken from it).
    #[arg(long)]
    pub resume: bool,
    /// Start from this checkpoint's networks and normalisers instead of fresh weights
    /// (MimicKit's `--model_file`): a new run under the configs given, which must describe the
    /// same algorithm and networks; a fresh optimizer, counters and replay.
    #[arg(long = "model_file")]
    pub model_file: Option<PathBuf>,
    /// Seed of the weights and of every random draw.
    #[arg(long = "rand_seed", default_value_t = 0)]
    pub rand_seed: u64,
    /// Compute device: cpu, or what the build's features add (wgpu with `gpu`, ndarray).
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Keep a checkpoint per output iteration under out_dir/int_models/.
    #[arg(long = "save_int_models")]
    pub save_int_models: bool,
    /// Do not print the per-iteration table.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs `train`.
pub fn train(args: TrainArgs) -> Result<()> {
    let TrainArgs {
        agent_config,
        env_config,
        engine_config,
        engine,
        sim_freq,
        num_envs,
        max_samples,
        out_dir,
        resume,
        model_file,
        rand_seed,
        device,
        save_int_models,
        quiet,
    } = args;
    if num_envs == 0 {
        bail!("--num_envs must be at least 1");
    }
    let backend = backend(&device)?;
    if resume
        && (agent_config.is_some()
            || env_config.is_some()
            || engine_config.is_some()
            || engine.is_some()
            || sim_freq.is_some())
    {
        bail!(
            "--resume takes the configs stored in {}/model; drop --agent_config, --env_config, --engine_config, --engine and --sim_freq",
            out_dir.display()
        );
    }
    if resume && model_file.is_some() {
        bail!(
            "--resume goes on from {}/model; --model_file starts a new run from another checkpoint: give one of them",
            out_dir.display()
        );
    }
    eprintln!(
        "training on {backend}; logs and checkpoints in {}",
        out_dir.display()
    );
    let character = trains_a_character(resume, env_config.as_deref(), &out_dir)
        && !trains_a_controller(resume, agent_config.as_deref(), &out_dir);
    let last_test = if character {
        // Characters train through MimicPlugin in a headless app: one training loop
        // for the CLI and for games.
        let config = if resume {
            MimicConfig::resume(&out_dir)
        } else {
            let (Some(agent_file), Some(env_file)) = (agent_config, env_config) else {
                bail!("train needs --agent_config and --env_config (or --resume)");
            };
            let mut config = MimicConfig::train(agent_file, env_file).with_out_dir(&out_dir);
            if let Some(engine_file) = engine_config {
                config = config.with_engine_config(engine_file);
            }
            if let Some(name) = &engine {
                config = config.with_engine(name);
            }
            if let Some(hz) = sim_freq {
                config = config.with_sim_freq(hz);
            }
            if let Some(dir) = &model_file {
                config = config.with_init_model(dir);
            }
            config
        };
        std::fs::create_dir_all(&out_dir)
            .with_context(|| format!("cannot create {}", out_dir.display()))?;
        let config = config
            .with_num_envs(num_envs)
            .with_seed(rand_seed)
            .with_max_samples(max_samples)
            .with_backend(backend)
            .with_int_models(save_int_models);
        let report = HeadlessReport {
            progress: true,
            print_table: !quiet,
        };
        let outcome = train_headless(config, max_samples, report)?;
        if let Some(e) = outcome.last_error {
            bail!("{e}");
        }
        outcome.last_test
    } else {
        let options = TrainOptions {
            num_envs,
            max_samples,
            out_dir: out_dir.clone(),
            seed: rand_seed,
            save_int_models,
            print_table: !quiet,
            progress: true,
        };
        let mut trainer = if resume {
            Trainer::resume(options, backend.device())?
        } else {
            let (Some(agent_file), Some(env_file)) = (agent_config, env_config) else {
                bail!("train needs --agent_config and --env_config (or --resume)");
            };
            let agent_yaml = read(&agent_file)?;
            let mut env_yaml = read(&env_file)?;
            if let Some(engine_file) = &engine_config {
                load_engine_config(engine_file)?;
                env_yaml = merge_engine_config(&env_file, &env_yaml, &read(engine_file)?)?;
            }
            let over = EngineOverride {
                engine_name: engine,
                sim_freq,
            };
            env_yaml = override_engine(&env_file, &env_yaml, &over)?;
            let mut trainer = Trainer::new(
                &agent_file,
                agent_yaml,
                &env_file,
                env_yaml,
                options,
                backend.device(),
            )?;
            if let Some(dir) = &model_file {
                trainer.warm_start_from(dir, backend.device())?;
            }
            trainer
        };
        trainer.train()?;
        trainer.last_test()
    };
    if let Some(test) = last_test {
        println!(
            "final test: return {:.3}, episode length {:.1} over {} episodes; checkpoint {}",
            test.mean_return,
            test.mean_length,
            test.episodes,
            out_dir.join("model").display()
        );
    }
    Ok(())
}

/// Whether the run trains a simulated character (then it runs through `MimicPlugin`): its
/// env config (or, resuming, the one stored in the checkpoint) names a character env.
fn trains_a_character(resume: bool, env_config: Option<&Path>, out_dir: &Path) -> bool {
    let file = if resume {
        out_dir.join("model").join("env_config.yaml")
    } else {
        match env_config {
            Some(f) => f.to_path_buf(),
            None => return false,
        }
    };
    // An unreadable or invalid file goes the classic way, which reports it with its key.
    std::fs::read_to_string(&file)
        .ok()
        .and_then(|text| serde_yaml_ng::from_str::<EnvConfig>(&text).ok())
        .is_some_and(|c| c.character().is_some())
}

/// Whether the agent config (or, resuming, the one stored in the checkpoint) names ASE's
/// high-level controller: it trains through the `Trainer`, whose env chains its low-level
/// policy, not through `MimicPlugin`.
fn trains_a_controller(resume: bool, agent_config: Option<&Path>, out_dir: &Path) -> bool {
    let file = if resume {
        out_dir.join("model").join("agent_config.yaml")
    } else {
        match agent_config {
            Some(f) => f.to_path_buf(),
            None => return false,
        }
    };
    std::fs::read_to_string(&file)
        .ok()
        .and_then(|text| bevy_mimic::config::parse_agent_config(&file, &text).ok())
        .is_some_and(|c| c.agent_name == bevy_mimic::learning::agents::AgentName::Hlc)
}
