//! The `gpu` feature: PPO on burn's wgpu backend (any adapter; lavapipe runs it without a GPU).
//! `cargo test --release --features gpu --test gpu`
#![cfg(feature = "gpu")]

mod common;

use bevy_mimic::learning::device::Backend;
use bevy_mimic::train::Trainer;
use common::{TempDir, config_path, config_text, options};

fn two_iterations(backend: Backend, dir: &TempDir) -> Trainer {
    let agent = "agents/ppo_cartpole.yaml";
    let mut t = Trainer::new(
        &config_path(agent),
        config_text(agent, &[("update_epochs", "4")]),
        &config_path("envs/cartpole.yaml"),
        config_text("envs/cartpole.yaml", &[]),
        options(dir.path(), 8, 2 * 256, 1),
        backend.device(),
    )
    .unwrap();
    t.train().unwrap();
    t
}

#[test]
fn wgpu_training_matches_the_cpu_backend() {
    // Same seed, same host-drawn weights and noise: the two backends must compute the same
    // rollouts and updates up to float rounding.
    let (d1, d2) = (TempDir::new("cpu"), TempDir::new("wgpu"));
    let mut cpu = two_iterations(Backend::Flex, &d1);
    let mut gpu = two_iterations(Backend::Wgpu, &d2);
    let cpu_log = std::fs::read_to_string(d1.path().join("log.csv")).unwrap();
    let gpu_log = std::fs::read_to_string(d2.path().join("log.csv")).unwrap();
    let col = |log: &str, key: &str| -> Vec<f64> {
        let mut lines = log.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let i = header.iter().position(|h| *h == key).unwrap();
        lines
            .map(|l| l.split(',').nth(i).unwrap().parse().unwrap())
            .collect()
    };
    for key in [
        "Train_Return",
        "Adv_Std",
        "Actor_Loss",
        "Critic_Loss",
        "Clip_Frac",
    ] {
        let (a, b) = (col(&cpu_log, key), col(&gpu_log, key));
        for (x, y) in a.iter().zip(&b) {
            assert!(
                (x - y).abs() <= 1e-3 * x.abs().max(1.0),
                "{key}: cpu {x} vs wgpu {y}"
            );
        }
    }
    // The trained critics agree on fresh observations.
    let obs: Vec<f32> = (0..64 * 4)
        .map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0)
        .collect();
    let (vc, vg) = (cpu.agent_mut().values(&obs), gpu.agent_mut().values(&obs));
    for (x, y) in vc.iter().zip(&vg) {
        assert!(
            (x - y).abs() <= 1e-3 * x.abs().max(1.0),
            "value cpu {x} vs wgpu {y}"
        );
    }
    println!(
        "wgpu and cpu agree on {} log rows and {} values",
        col(&cpu_log, "Loss").len(),
        vc.len()
    );
}
