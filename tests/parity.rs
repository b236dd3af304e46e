//! One training loop: `bevy_mimic train` and `MimicPlugin` inside a user's app, given the same
//! configs and seed, write the same log rows (timing columns aside).

mod common;

use std::path::Path;
use std::process::Command;

use bevy::prelude::*;
use bevy_mimic::MimicConfig;
use bevy_mimic::live::{TrainingPhase, TrainingStatus};
use common::{TempDir, config_path};

/// Columns that measure time, not training.
fn is_timing(column: &str) -> bool {
    column.ends_with("_Time") || column == "Samples_Per_Sec"
}

/// The log's columns and rows without the timing columns.
fn log_without_timings(dir: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(dir.join("log.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let keep: Vec<usize> = (0..header.len())
        .filter(|&i| !is_timing(header[i]))
        .collect();
    let rows = lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            keep.iter().map(|&i| cells[i].to_string()).collect()
        })
        .collect();
    (keep.iter().map(|&i| header[i].to_string()).collect(), rows)
}

fn cli_run(agent: &Path, env: &Path, out: &Path, num_envs: usize, max_samples: u64) {
    let status = Command::new(env!("CARGO_BIN_EXE_bevy_mimic"))
        .args(["train", "--agent_config"])
        .arg(agent)
        .arg("--env_config")
        .arg(env)
        .args(["--num_envs", &num_envs.to_string()])
        .args(["--max_samples", &max_samples.to_string()])
        .args(["--rand_seed", "5", "--quiet", "--out_dir"])
        .arg(out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// A user's app: default plugin settings (background updates, transform writeback).
fn app_run(agent: &Path, env: &Path, out: &Path, num_envs: usize, max_samples: u64) {
    std::fs::create_dir_all(out).unwrap();
    let mimic = MimicConfig::train(agent, env)
        .with_num_envs(num_envs)
        .with_seed(5)
        .with_max_samples(max_samples)
        .with_out_dir(out)
        .load()
        .unwrap();
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, TransformPlugin, mimic));
    for _ in 0..20_000 {
        app.update();
        if app.world().resource::<TrainingStatus>().phase == TrainingPhase::Finished {
            return;
        }
    }
    panic!("the app did not finish training");
}

fn assert_same_logs(agent: &str, env: &str, num_envs: usize, iterations: u64) {
    let dir = TempDir::new("parity");
    let (agent, env) = (config_path(agent), config_path(env));
    let samples = iterations * 32 * num_envs as u64;
    let (cli, app) = (dir.path().join("cli"), dir.path().join("app"));
    cli_run(&agent, &env, &cli, num_envs, samples);
    app_run(&agent, &env, &app, num_envs, samples);
    let (cli_cols, cli_rows) = log_without_timings(&cli);
    let (app_cols, app_rows) = log_without_timings(&app);
    assert_eq!(cli_cols, app_cols);
    assert_eq!(cli_rows.len() as u64, iterations);
    for (i, (a, b)) in cli_rows.iter().zip(&app_rows).enumerate() {
        for (k, col) in cli_cols.iter().enumerate() {
            assert_eq!(
                a[k], b[k],
                "row {i}, column {col}: CLI {} vs app {}",
                a[k], b[k]
            );
        }
    }
    assert!(cli_cols.iter().any(|c| c == "Test_Return"));
}

#[test]
fn deepmimic_rows_are_the_same_from_the_cli_and_from_a_users_app() {
    // Iterations 1 and 3 are output iterations (test episodes, checkpoint, fresh envs).
    assert_same_logs(
        "agents/deepmimic_humanoid_ppo_cpu.yaml",
        "envs/deepmimic_humanoid_walk.yaml",
        4,
        3,
    );
}

#[test]
fn amp_rows_are_the_same_from_the_cli_and_from_a_users_app() {
    assert_same_logs(
        "agents/amp_humanoid_cpu.yaml",
        "envs/amp_humanoid_walk.yaml",
        4,
        3,
    );
}
