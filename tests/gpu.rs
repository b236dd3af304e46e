//! The `gpu` feature: PPO on burn's wgpu backend (any adapter; lavapipe runs it without a GPU).
//! `cargo test --release --features gpu --test gpu`
#![cfg(feature = "gpu")]

mod common;

use bevy_mimic::learning::device::Backend;
use bevy_mimic::train::Trainer;
use common::{TempDir, config_path, config_text, options};

#[test]
fn ppo_trains_on_wgpu() {
    let dir = TempDir::new("wgpu");
    let agent = "agents/ppo_cartpole.yaml";
    let mut t = Trainer::new(
        &config_path(agent),
        config_text(agent, &[("iters_per_output", "5"), ("update_epochs", "4")]),
        &config_path("envs/cartpole.yaml"),
        config_text("envs/cartpole.yaml", &[]),
        options(dir.path(), 8, 10 * 256, 1),
        Backend::Wgpu.device(),
    )
    .unwrap();
    t.train_iteration().unwrap();
    let first = t.last_test().unwrap();
    let row = t.train().unwrap();
    for key in ["Actor_Loss", "Critic_Loss", "Loss"] {
        let v = row.get(key).unwrap();
        assert!(v.is_finite(), "{key} = {v}");
    }
    assert_eq!(row.get("Nonfinite_Loss_Skipped"), Some(0.0));
    // Ten iterations lift CartPole's deterministic return above the first iteration's.
    let test = t.last_test().unwrap();
    println!(
        "wgpu: test return {:.1} after 1 iteration, {:.1} after {} samples",
        first.mean_return,
        test.mean_return,
        t.agent().sample_count()
    );
    assert!(
        test.mean_return > first.mean_return,
        "{} vs {}",
        test.mean_return,
        first.mean_return
    );
}
