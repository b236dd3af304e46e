//! Training from code: `MimicPlugin` in a headless Bevy app (no window), DeepMimic on the
//! humanoid's walk with the CPU preset.
//!
//! `cargo run --release --example train_headless -- [max_samples] [out_dir]`
//! (defaults: 100000 samples, `output/example`). Prints one line per iteration and leaves a
//! checkpoint that `bevy_mimic test --model_file <out_dir>/model` replays.

use std::path::PathBuf;
use std::time::Duration;

use bevy::prelude::*;
use bevy_mimic::MimicConfig;
use bevy_mimic::live::{CheckpointSaved, IterationFinished, TrainingPhase, TrainingStatus};
use bevy_mimic::sim::ControlPace;

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
    std::fs::create_dir_all(&out_dir)?;

    let mimic = MimicConfig::train(
        "assets/configs/agents/deepmimic_humanoid_ppo_cpu.yaml",
        "assets/configs/envs/deepmimic_humanoid_walk.yaml",
    )
    .with_num_envs(64)
    .with_out_dir(&out_dir)
    .with_max_samples(max_samples)
    .with_transform_writeback(false) // nothing is rendered
    // Several control steps per app update: the runner's 60 Hz frame pacing would otherwise
    // cap the simulation at 60 control steps/s.
    .with_pace(ControlPace::Fast {
        budget: Duration::from_millis(15),
    })
    .load()?;

    App::new()
        .add_plugins((MinimalPlugins, TransformPlugin, mimic))
        .add_systems(Update, (print_progress, stop_when_finished))
        .run();
    Ok(())
}

fn print_progress(
    mut iterations: MessageReader<IterationFinished>,
    mut saved: MessageReader<CheckpointSaved>,
) {
    for m in iterations.read() {
        println!(
            "iteration {:4}  samples {:8}  return {:8.2}  episode length {:6.1}",
            m.iteration,
            m.samples,
            m.row.get("Train_Return").unwrap_or(f64::NAN),
            m.row.get("Train_Episode_Length").unwrap_or(f64::NAN)
        );
    }
    for m in saved.read() {
        println!(
            "checkpoint: {} (iteration {})",
            m.dir.display(),
            m.iteration
        );
    }
}

fn stop_when_finished(status: Res<TrainingStatus>, mut exit: MessageWriter<AppExit>) {
    if status.phase == TrainingPhase::Finished {
        exit.write(AppExit::Success);
    }
}
