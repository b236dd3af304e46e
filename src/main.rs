//! The `bevy_mimic` command line: `train`, `test`, `convert` and `plot`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use bevy_mimic::anim::mjcf::load_mjcf;
use bevy_mimic::anim::motion::{LoopMode, convert_motion};
use bevy_mimic::env::EngineOverride;
use bevy_mimic::learning::device::Backend;
use bevy_mimic::train::plot::plot_log;
use bevy_mimic::train::{
    TEST_TRACKING_KEYS, ship_play_only, ship_policy, ship_resumable, test_checkpoint,
};

/// Physics-based character animation by imitation: MimicKit's algorithms in Rust.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// What to do; without one, the viewer trains DeepMimic's walk (as `view`).
    #[command(subcommand)]
    command: Option<Command>,
}

/// The viewer's default run: the DeepMimic walk with the CPU preset.
const DEFAULT_AGENT: &str = "assets/configs/agents/deepmimic_humanoid_ppo_cpu.yaml";
const DEFAULT_ENV: &str = "assets/configs/envs/deepmimic_humanoid_walk.yaml";

#[derive(Subcommand)]
enum Command {
    /// Train a policy headless, printing MimicKit's table and writing logs and checkpoints.
    Train(cli::train::TrainArgs),
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
        /// Simulate on this engine (rapier, mujoco) whatever the env file says: sim-to-sim.
        #[arg(long)]
        engine: Option<String>,
        /// Physics rate in Hz whatever the env file says (a whole multiple of the control
        /// rate; MuJoCo replays the humanoid accurately from 480).
        #[arg(long = "sim_freq")]
        sim_freq: Option<f32>,
    },
    /// ASE: hold random latents, one per character, and print how each moves (mean root
    /// velocity) and how well the encoder reads its latent back (z·ẑ): the skills' diversity.
    Skills {
        /// Checkpoint directory of an ASE policy.
        #[arg(long = "model_file")]
        model_file: PathBuf,
        /// Random latents to try (one character each).
        #[arg(long = "num_latents", default_value_t = 8)]
        num_latents: usize,
        /// Seconds each latent is held before measuring.
        #[arg(long = "warmup", default_value_t = 1.0)]
        warmup: f64,
        /// Seconds each latent is measured.
        #[arg(long = "seconds", default_value_t = 10.0)]
        seconds: f64,
        /// Seed of the latents and initial states.
        #[arg(long = "rand_seed", default_value_t = 0)]
        rand_seed: u64,
    },
    /// A task policy (task_steering, task_location) driven by scripted commands on many
    /// characters: heading changes of ±45°, ±90° and 180° with speeds of 0.5–3.0 m/s every
    /// 5–8 s (heading and speed errors 2–4 s after each change), or points 5 m away (share
    /// reached within 0.5 m in 8 s, time to reach); falls per minute for both. Or lays them
    /// on the ground and measures how many get up, and how fast (`--script getup`, which also
    /// takes policies of other character envs, such as a DeepMimic tracker of the get-up clips),
    /// or pushes steering characters over (`--script knockdown`); `--getup_model` lets a get-up
    /// tracker raise the fallen.
    TaskEval {
        /// Checkpoint directory of a task policy (of any character policy for `getup`).
        #[arg(long = "model_file")]
        model_file: PathBuf,
        /// Characters driven at once.
        #[arg(long = "num_envs", default_value_t = 16)]
        num_envs: usize,
        /// Simulated minutes per character.
        #[arg(long = "minutes", default_value_t = 5.0)]
        minutes: f64,
        /// The script: `steering`, `location`, `getup` (characters laid on the ground:
        /// the share that stand up within 10 s and how long it takes) or `knockdown`
        /// (steering at 1 m/s, pushed every 3-5 s: falls, the share that stand up within
        /// 10 s, how long it takes, and the share that walk on); by default the policy's own
        /// task.
        #[arg(long = "script")]
        script: Option<String>,
        /// A get-up tracker (e.g. assets/policies/getup) that drives characters that are down
        /// until they stand, for the `getup` and `knockdown` scripts.
        #[arg(long = "getup_model", requires = "model_file")]
        getup_model: Option<PathBuf>,
        /// The knockdown script's pushes: the root's velocity change (m/s).
        #[arg(long = "push_speed", default_value_t = 2.5)]
        push_speed: f32,
        /// Seed of the script and the initial states.
        #[arg(long = "rand_seed", default_value_t = 0)]
        rand_seed: u64,
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
        /// The character (MJCF) the clip is converted onto; a clip made for another skeleton is
        /// retargeted by joint name.
        #[arg(long = "char_file", default_value = "assets/characters/humanoid.xml")]
        char_file: PathBuf,
        /// The character (MJCF) a MimicKit .pkl clip was made for, when it is not --char_file
        /// (the other formats say their own).
        #[arg(long = "source_char_file")]
        source_char_file: Option<PathBuf>,
        /// Override the loop mode: wrap or clamp.
        #[arg(long = "loop")]
        loop_mode: Option<String>,
        /// `calibrate` moves the clip up or down so the character's lowest point touches the
        /// ground on average while it is supported; `none` keeps the source heights.
        #[arg(long = "z_correction", default_value = "calibrate")]
        z_correction: String,
    },
    /// Measure the physics engines: control steps/s of N humanoids under random PD targets.
    #[command(name = "sim-bench")]
    SimBench(cli::sim_bench::SimBenchArgs),
    /// Open the viewer: train while you watch (default), or play a checkpoint's policy.
    View {
        /// Agent YAML to train.
        #[arg(long = "agent_config", default_value = DEFAULT_AGENT)]
        agent_config: PathBuf,
        /// Env YAML to train on.
        #[arg(long = "env_config", default_value = DEFAULT_ENV)]
        env_config: PathBuf,
        /// Play this checkpoint instead of training (e.g. assets/policies/deepmimic_walk).
        #[arg(long = "model_file")]
        model_file: Option<PathBuf>,
        /// With --model_file: fallen characters are got up by this tracker (e.g.
        /// assets/policies/getup) instead of being put back at their start.
        #[arg(long = "getup_model", requires = "model_file")]
        getup_model: Option<PathBuf>,
        /// Continue the run in out_dir from its checkpoint.
        #[arg(long)]
        resume: bool,
        /// Simulate on this engine (rapier, mujoco) whatever the env file says.
        #[arg(long)]
        engine: Option<String>,
        /// Physics rate in Hz whatever the env file says (MuJoCo replays accurately from 480).
        #[arg(long = "sim_freq")]
        sim_freq: Option<f32>,
        /// Number of characters.
        #[arg(long = "num_envs", default_value_t = 64)]
        num_envs: usize,
        /// Where logs and checkpoints of the training go.
        #[arg(long = "out_dir", default_value = "output/viewer")]
        out_dir: PathBuf,
        /// Seed.
        #[arg(long = "rand_seed", default_value_t = 0)]
        rand_seed: u64,
        /// Save a screenshot here once --screenshot_after_iters iterations have run, then quit.
        #[arg(long)]
        screenshot: Option<PathBuf>,
        /// Iterations to wait for before the screenshot.
        #[arg(long = "screenshot_after_iters", default_value_t = 0)]
        screenshot_after_iters: u64,
        /// Seconds to wait for (at least) before the screenshot.
        #[arg(long = "screenshot_after_s", default_value_t = 0.0)]
        screenshot_after_s: f64,
        /// Start with the reference ghost shown and run fast, etc.: panel settings to start with.
        #[arg(long)]
        ghost: bool,
        /// Start in fast mode (control steps as fast as they run, not in real time).
        #[arg(long)]
        fast: bool,
        /// ASE: hold this named skill (a clip's name, e.g. deepmimic_kick) on every character.
        #[arg(long)]
        skill: Option<String>,
        /// Task policies: send every character along this heading (degrees counter-clockwise
        /// from world +x) from the start, at --speed.
        #[arg(long)]
        heading: Option<f32>,
        /// Task policies: the speed (m/s) for --heading and for clicked targets.
        #[arg(long, default_value_t = 1.0)]
        speed: f32,
    },
    /// Play a motion clip kinematically on the character, with a timeline.
    #[command(name = "view-motion")]
    ViewMotion {
        /// The clip (.bmotion, DeepMimic .txt, .npz) or a dataset YAML.
        clip: PathBuf,
        /// The character (MJCF).
        #[arg(long = "char_file", default_value = "assets/characters/humanoid.xml")]
        char_file: PathBuf,
        /// Save a screenshot here after --screenshot_after_s seconds, then quit.
        #[arg(long)]
        screenshot: Option<PathBuf>,
        /// Seconds to wait before the screenshot.
        #[arg(long = "screenshot_after_s", default_value_t = 3.0)]
        screenshot_after_s: f64,
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
    /// Write a training checkpoint's policy for games and the web demo: the model, its
    /// normalisers, configs and character, without optimizer state or replay buffer.
    Ship {
        /// The training checkpoint (e.g. output/model).
        #[arg(long = "model_file")]
        model_file: PathBuf,
        /// Where the policy goes (e.g. assets/policies/my_walk); replaced if it exists.
        #[arg(long)]
        out: PathBuf,
        /// Keep the training loop's state too, so that `train --resume --out_dir DIR` goes on
        /// from `DIR/model` (a fresh optimizer state and an empty replay buffer: megabytes,
        /// not the replay's hundreds).
        #[arg(long)]
        resumable: bool,
        /// Keep only the network acting needs (the actor; ASE's skills named into skills.yaml
        /// instead of its encoder): no critic or discriminator. For the web demo's embedded
        /// policies; it cannot train on.
        #[arg(long = "play_only", conflicts_with = "resumable")]
        play_only: bool,
        /// With --play_only: store the weights in half precision (half the bytes).
        #[arg(long, requires = "play_only")]
        half: bool,
    },
    /// Export a policy's deterministic action as ONNX (the observation normaliser, the actor and
    /// the action mapping in one graph; ASE's latent z as a second input) with a JSON beside it:
    /// inputs, joint order, observation layout, control rate, character.
    Export {
        /// A training checkpoint or shipped policy (e.g. assets/policies/steering).
        #[arg(long = "model_file")]
        model_file: PathBuf,
        /// The ONNX file to write; its JSON goes beside it (policy.onnx → policy.json).
        #[arg(long)]
        out: PathBuf,
    },
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn backend(name: &str) -> Result<Backend> {
    name.parse::<Backend>()
        .map_err(|e| anyhow::anyhow!("--device: {e}"))
}

mod cli;

use cli::view::{open_motion_viewer, open_viewer};

fn run(cli: Cli) -> Result<()> {
    let command = match cli.command {
        Some(c) => c,
        None => Command::View {
            agent_config: DEFAULT_AGENT.into(),
            env_config: DEFAULT_ENV.into(),
            model_file: None,
            getup_model: None,
            resume: false,
            engine: None,
            sim_freq: None,
            num_envs: 64,
            out_dir: "output/viewer".into(),
            rand_seed: 0,
            screenshot: None,
            screenshot_after_iters: 0,
            screenshot_after_s: 0.0,
            ghost: false,
            fast: false,
            skill: None,
            heading: None,
            speed: 1.0,
        },
    };
    match command {
        Command::Train(args) => cli::train::train(args)?,
        Command::Test {
            model_file,
            env_config,
            num_envs,
            test_episodes,
            rand_seed,
            device,
            engine,
            sim_freq,
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
                &EngineOverride {
                    engine_name: engine,
                    sim_freq,
                },
                num_envs,
                test_episodes,
                rand_seed,
                backend.device(),
            )?;
            println!("Test_Return: {:.4}", stats.mean_return);
            println!("Test_Episode_Length: {:.2}", stats.mean_length);
            println!("Test_Episodes: {}", stats.episodes);
            println!("Test_Falls_Per_Minute: {:.2}", stats.falls_per_minute());
            if let Some(speed) = stats.root_speed {
                println!("Test_Root_Speed: {speed:.3} m/s");
            }
            // DeepMimic and ADD: how closely the clip was tracked (m, rad, rad/s).
            for ((_, key), err) in TEST_TRACKING_KEYS
                .iter()
                .zip(stats.tracking.iter().flatten())
            {
                println!("{key}: {err:.4}");
            }
        }
        Command::TaskEval {
            model_file,
            num_envs,
            minutes,
            script,
            getup_model,
            push_speed,
            rand_seed,
        } => cli::task_eval::task_eval(
            &model_file,
            num_envs,
            minutes,
            script.as_deref(),
            getup_model.as_deref(),
            push_speed,
            rand_seed,
        )?,
        Command::Skills {
            model_file,
            num_latents,
            warmup,
            seconds,
            rand_seed,
        } => cli::skills::skills(&model_file, num_latents, warmup, seconds, rand_seed)?,
        Command::Convert {
            input,
            output,
            char_file,
            source_char_file,
            loop_mode,
            z_correction,
        } => {
            let model = load_mjcf(&char_file)?;
            let source = source_char_file.as_deref().map(load_mjcf).transpose()?;
            let converted = convert_motion(&input, &model, source.as_ref())?;
            if let Some((error, unmatched)) = &converted.retargeted {
                println!(
                    "retargeted onto {} by joint name: bodies within {:.2} cm of the source's on average",
                    char_file.display(),
                    error * 100.0
                );
                if !unmatched.is_empty() {
                    println!(
                        "  driven by no source body, held at rest: {}",
                        unmatched.join(", ")
                    );
                }
            }
            let mut clip = converted.clip;
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
            let made_for = bevy_mimic::anim::fingerprint::CharacterFingerprint::of(&model);
            std::fs::write(&output, clip.to_bmotion_for(Some(&made_for)))
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
        Command::SimBench(args) => cli::sim_bench::sim_bench(args)?,
        Command::Plot { log, out, keys } => {
            plot_log(&log, &out, &keys)?;
            println!("wrote {}", out.display());
        }
        Command::Ship {
            model_file,
            out,
            resumable,
            play_only,
            half,
        } => {
            let bytes = if resumable {
                ship_resumable(&model_file, &out)?
            } else if play_only {
                ship_play_only(&model_file, &out, half)?
            } else {
                ship_policy(&model_file, &out)?
            };
            println!("wrote {} ({:.1} MB)", out.display(), bytes as f64 / 1e6);
        }
        Command::Export { model_file, out } => cli::export::export(&model_file, &out)?,
        view @ Command::View { .. } => open_viewer(view)?,
        Command::ViewMotion {
            clip,
            char_file,
            screenshot,
            screenshot_after_s,
        } => open_motion_viewer(&clip, &char_file, screenshot, screenshot_after_s)?,
    }
    Ok(())
}

fn main() -> ExitCode {
    // MimicKit's `--arg_file` / `--mode` become our subcommands (arguments that are not UTF-8
    // go to clap as they are, which reports them).
    let os_args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let argv: Vec<std::ffi::OsString> = match os_args
        .iter()
        .map(|a| a.to_str().map(str::to_string))
        .collect::<Option<Vec<String>>>()
    {
        Some(utf8) => match cli::mimickit_args::translate(utf8) {
            Ok(a) => a.into_iter().map(Into::into).collect(),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        None => os_args,
    };
    match run(Cli::parse_from(argv)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
