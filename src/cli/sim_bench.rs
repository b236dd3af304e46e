//! `sim-bench`: control steps per second of N humanoids under random PD targets, on each engine
//! asked for, in one process (the simulator's ratio against MuJoCo measured in the same sitting).

use std::path::PathBuf;

use anyhow::{Result, bail};
use bevy_mimic::anim::mjcf::load_mjcf;
use bevy_mimic::config::load_engine_config;
use bevy_mimic::sim::EngineConfig;
use bevy_mimic::sim::bench::{init_compute_pool, run_sim_bench};
use bevy_mimic::sim::engine::engine_version;

/// The `sim-bench` flags.
#[derive(clap::Args)]
pub struct SimBenchArgs {
    /// The character (MJCF).
    #[arg(long = "char_file", default_value = "assets/characters/humanoid.xml")]
    pub char_file: PathBuf,
    /// Numbers of humanoids to measure (comma-separated).
    #[arg(
        long = "num_envs",
        value_delimiter = ',',
        default_value = "1,16,64,256"
    )]
    pub num_envs: Vec<usize>,
    /// Thread (= world) counts to measure (comma-separated).
    #[arg(long = "num_threads", value_delimiter = ',', default_value = "1,2")]
    pub num_threads: Vec<usize>,
    /// Timed seconds per configuration (after one warm-up second).
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    /// Engine YAML; its num_threads is replaced by each --num_threads value.
    #[arg(long = "engine_config")]
    pub engine_config: Option<PathBuf>,
    /// Engines to measure, one after the other in this process (comma-separated: rapier,
    /// mujoco); by default the engine YAML's.
    #[arg(long, value_delimiter = ',')]
    pub engine: Vec<String>,
}

/// Runs `sim-bench`, printing a Markdown table.
pub fn sim_bench(args: SimBenchArgs) -> Result<()> {
    let model = load_mjcf(&args.char_file)?;
    let base = match &args.engine_config {
        Some(path) => load_engine_config(path)?,
        None => EngineConfig::default(),
    };
    let engines = if args.engine.is_empty() {
        vec![base.engine_name.clone()]
    } else {
        args.engine
    };
    if args.num_threads.contains(&0) || args.num_envs.contains(&0) {
        bail!("--num_threads and --num_envs values must be at least 1");
    }
    init_compute_pool(args.num_threads.iter().copied().max().unwrap_or(1));
    println!(
        "| engine | humanoids | threads | control steps/s | humanoid control steps/s | resets |"
    );
    println!("|---|---|---|---|---|---|");
    for name in &engines {
        for &n in &args.num_envs {
            for &threads in &args.num_threads {
                let config = EngineConfig {
                    num_threads: threads,
                    engine_name: name.clone(),
                    ..base.clone()
                };
                let r = run_sim_bench(&model, n, config, args.seconds, 0)?;
                println!(
                    "| {} | {} | {} | {:.0} | {:.0} | {} |",
                    engine_version(name),
                    r.num_envs,
                    r.num_threads,
                    r.steps_per_s(),
                    r.env_steps_per_s(),
                    r.resets
                );
            }
        }
    }
    Ok(())
}
