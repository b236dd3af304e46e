//! Training from code: DeepMimic on the humanoid's walk with the CPU preset, headless.
//!
//! `cargo run --release --example train_headless -- [max_samples] [out_dir]`
//! (defaults: 100000 samples, `output/example`). Prints MimicKit's per-iteration table and
//! leaves a checkpoint that `bevy_mimic test --model_file <out_dir>/model` replays.

use std::path::{Path, PathBuf};

use bevy_mimic::learning::device::Backend;
use bevy_mimic::train::{TrainOptions, Trainer};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let max_samples: u64 = match args.next() {
        Some(a) => a
            .parse()
            .map_err(|_| anyhow::anyhow!("max_samples: not a number: {a}"))?,
        None => 100_000,
    };
    let out_dir = args
        .next()
        .map_or_else(|| PathBuf::from("output/example"), PathBuf::from);

    let agent_file = Path::new("assets/configs/agents/deepmimic_humanoid_ppo_cpu.yaml");
    let env_file = Path::new("assets/configs/envs/deepmimic_humanoid_walk.yaml");
    let options = TrainOptions {
        num_envs: 64,
        max_samples,
        out_dir,
        seed: 0,
        save_int_models: false,
        print_table: true,
        progress: false,
    };
    let mut trainer = Trainer::new(
        agent_file,
        std::fs::read_to_string(agent_file)?,
        env_file,
        std::fs::read_to_string(env_file)?,
        options,
        Backend::Flex.device(),
    )?;
    trainer.train()?;
    if let Some(test) = trainer.last_test() {
        println!(
            "test: return {:.2}, episode length {:.1} steps over {} episodes",
            test.mean_return, test.mean_length, test.episodes
        );
    }
    println!("checkpoint: {}", trainer.checkpoint_dir().display());
    Ok(())
}
