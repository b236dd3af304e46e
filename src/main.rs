//! The `bevy_mimic` command line: `train`, `test`, `convert` and `plot`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use bevy_mimic::anim::mjcf::load_mjcf;
use bevy_mimic::anim::motion::{LoopMode, load_motion};
use bevy_mimic::learning::device::Backend;
use bevy_mimic::sim::EngineConfig;
use bevy_mimic::sim::bench::{init_compute_pool, run_sim_bench};
use bevy_mimic::train::config::{load_engine_config, merge_engine_config};
use bevy_mimic::train::plot::plot_log;
use bevy_mimic::train::{TrainOptions, Trainer, test_checkpoint};

/// Physics-based character animation by imitation: MimicKit's algorithms in Rust.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a policy headless, printing MimicKit's table and writing logs and checkpoints.
    Train {
        /// Agent YAML (agent_name, model, optimizers, PPO/AWR keys).
        #[arg(long = "agent_config")]
        agent_config: Option<PathBuf>,
        /// Env YAML (env_name and its keys).
        #[arg(long = "env_config")]
        env_config: Option<PathBuf>,
        /// Engine YAML for character envs; keys in the env file's `engine:` block win.
        #[arg(long = "engine_config")]
        engine_config: Option<PathBuf>,
        /// Number of environments stepped together.
        #[arg(long = "num_envs", default_value_t = 16)]
        num_envs: usize,
        /// Stop after this many environment steps.
        #[arg(long = "max_samples", default_value_t = 1_000_000)]
        max_samples: u64,
        /// Output directory: log.csv, TensorBoard events, configs, checkpoint `model/`.
        #[arg(long = "out_dir", default_value = "output")]
        out_dir: PathBuf,
        /// Continue the run in `out_dir` from its checkpoint (configs are taken from it).
        #[arg(long)]
        resume: bool,
        /// Seed of the weights and of every random draw.
        #[arg(long = "rand_seed", default_value_t = 0)]
        rand_seed: u64,
        /// Compute device: cpu, or what the build's features add (wgpu with `gpu`, ndarray).
        #[arg(long, default_value = "cpu")]
        device: String,
        /// Keep a checkpoint per output iteration under out_dir/int_models/.
        #[arg(long = "save_int_models")]
        save_int_models: bool,
        /// Do not print the per-iteration table.
        #[arg(long)]
        quiet: bool,
    },
    /// Run a trained policy with deterministic actions and print its return and episode length.
    Test {
        /// Checkpoint directory written by `train` (e.g. output/model).
        #[arg(long = "model_file")]
        model_file: PathBuf,
        /// Env YAML; by default the one stored with the checkpoint.
        #[arg(long = "env_config")]
        env_config: Option<PathBuf>,
        /// Number of environments.
        #[arg(long = "num_envs", default_value_t = 16)]
        num_envs: usize,
        /// Episodes to average over.
        #[arg(long = "test_episodes", default_value_t = 32)]
        test_episodes: u64,
        /// Seed of the initial states.
        #[arg(long = "rand_seed", default_value_t = 0)]
        rand_seed: u64,
        /// Compute device.
        #[arg(long, default_value = "cpu")]
        device: String,
    },
    /// Convert a motion clip (DeepMimic .txt, Isaac Lab .npz, .bmotion) onto a character and
    /// write it as .bmotion.
    Convert {
        /// The source clip.
        #[arg(long)]
        input: PathBuf,
        /// The .bmotion file to write.
        #[arg(long)]
        output: PathBuf,
        /// The character (MJCF) the clip is converted onto.
        #[arg(long = "char_file", default_value = "assets/characters/humanoid.xml")]
        char_file: PathBuf,
        /// Override the loop mode: wrap or clamp.
        #[arg(long = "loop")]
        loop_mode: Option<String>,
        /// `calibrate` moves the clip up or down so the character's lowest point touches the
        /// ground on average while it is supported; `none` keeps the source heights.
        #[arg(long = "z_correction", default_value = "calibrate")]
        z_correction: String,
    },
    /// Measure the physics engine: control steps/s of N humanoids under random PD targets.
    #[command(name = "sim-bench")]
    SimBench {
        /// The character (MJCF).
        #[arg(long = "char_file", default_value = "assets/characters/humanoid.xml")]
        char_file: PathBuf,
        /// Numbers of humanoids to measure (comma-separated).
        #[arg(
            long = "num_envs",
            value_delimiter = ',',
            default_value = "1,16,64,256"
        )]
        num_envs: Vec<usize>,
        /// Thread (= world) counts to measure (comma-separated).
        #[arg(long = "num_threads", value_delimiter = ',', default_value = "1,2")]
        num_threads: Vec<usize>,
        /// Timed seconds per configuration (after one warm-up second).
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Engine YAML; its num_threads is replaced by each --num_threads value.
        #[arg(long = "engine_config")]
        engine_config: Option<PathBuf>,
    },
    /// Plot learning curves from a log.csv into a PNG.
    Plot {
        /// The log written by `train`.
        #[arg(long, default_value = "output/log.csv")]
        log: PathBuf,
        /// The PNG to write.
        #[arg(long, default_value = "output/learning_curve.png")]
        out: PathBuf,
        /// Columns to plot (comma-separated); all by default.
        #[arg(long, value_delimiter = ',')]
        keys: Vec<String>,
    },
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn backend(name: &str) -> Result<Backend> {
    name.parse::<Backend>()
        .map_err(|e| anyhow::anyhow!("--device: {e}"))
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train {
            agent_config,
            env_config,
            engine_config,
            num_envs,
            max_samples,
            out_dir,
            resume,
            rand_seed,
            device,
            save_int_models,
            quiet,
        } => {
            if num_envs == 0 {
                bail!("--num_envs must be at least 1");
            }
            let backend = backend(&device)?;
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
                if agent_config.is_some() || env_config.is_some() || engine_config.is_some() {
                    bail!(
                        "--resume takes the configs stored in {}/model; drop --agent_config, --env_config and --engine_config",
                        out_dir.display()
                    );
                }
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
                Trainer::new(
                    &agent_file,
                    agent_yaml,
                    &env_file,
                    env_yaml,
                    options,
                    backend.device(),
                )?
            };
            eprintln!(
                "training on {backend}; logs and checkpoints in {}",
                out_dir.display()
            );
            trainer.train()?;
            if let Some(test) = trainer.last_test() {
                println!(
                    "final test: return {:.3}, episode length {:.1} over {} episodes; checkpoint {}",
                    test.mean_return,
                    test.mean_length,
                    test.episodes,
                    trainer.checkpoint_dir().display()
                );
            }
        }
        Command::Test {
            model_file,
            env_config,
            num_envs,
            test_episodes,
            rand_seed,
            device,
        } => {
            if num_envs == 0 || test_episodes == 0 {
                bail!("--num_envs and --test_episodes must be at least 1");
            }
            let backend = backend(&device)?;
            let env_override = match &env_config {
                Some(file) => Some((file.as_path(), read(file)?)),
                None => None,
            };
            let stats = test_checkpoint(
                &model_file,
                env_override,
                num_envs,
                test_episodes,
                rand_seed,
                backend.device(),
            )?;
            println!("Test_Return: {:.4}", stats.mean_return);
            println!("Test_Episode_Length: {:.2}", stats.mean_length);
            println!("Test_Episodes: {}", stats.episodes);
        }
        Command::Convert {
            input,
            output,
            char_file,
            loop_mode,
            z_correction,
        } => {
            let model = load_mjcf(&char_file)?;
            let mut clip = load_motion(&input, &model)?;
            match z_correction.as_str() {
                "none" => {}
                "calibrate" => {
                    let dz = -clip.support_height(&model);
                    clip.shift_height(dz);
                    println!("z_correction: moved the clip {dz:+.4} m");
                }
                other => bail!("--z_correction: `{other}` is not calibrate or none"),
            }
            match loop_mode.as_deref() {
                None => {}
                Some("wrap") => clip.loop_mode = LoopMode::Wrap,
                Some("clamp") => clip.loop_mode = LoopMode::Clamp,
                Some(other) => bail!("--loop: `{other}` is not wrap or clamp"),
            }
            std::fs::write(&output, clip.to_bmotion())
                .with_context(|| format!("cannot write {}", output.display()))?;
            println!(
                "wrote {}: {} frames at {} fps ({:.2} s, {:?})",
                output.display(),
                clip.num_frames(),
                clip.fps,
                clip.length(),
                clip.loop_mode
            );
        }
        Command::SimBench {
            char_file,
            num_envs,
            num_threads,
            seconds,
            engine_config,
        } => {
            let model = load_mjcf(&char_file)?;
            let base = match &engine_config {
                Some(path) => load_engine_config(path)?,
                None => EngineConfig::default(),
            };
            if num_threads.contains(&0) || num_envs.contains(&0) {
                anyhow::bail!("--num_threads and --num_envs values must be at least 1");
            }
            init_compute_pool(num_threads.iter().copied().max().unwrap_or(1));
            println!(
                "| humanoids | threads | control steps/s | humanoid control steps/s | resets |"
            );
            println!("|---|---|---|---|---|");
            for &n in &num_envs {
                for &threads in &num_threads {
                    let config = EngineConfig {
                        num_threads: threads,
                        ..base.clone()
                    };
                    let r = run_sim_bench(&model, n, config, seconds, 0)?;
                    println!(
                        "| {} | {} | {:.0} | {:.0} | {} |",
                        r.num_envs,
                        r.num_threads,
                        r.steps_per_s(),
                        r.env_steps_per_s(),
                        r.resets
                    );
                }
            }
        }
        Command::Plot { log, out, keys } => {
            plot_log(&log, &out, &keys)?;
            println!("wrote {}", out.display());
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
