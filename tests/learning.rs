//! Learning is tested by learning: seeded, bounded runs that must reach a return.
//!
//! These are the slow tests of the suite (tens of seconds each in release builds).

mod common;

use common::{TempDir, options, trainer};

#[test]
fn ppo_balances_cartpole_within_100k_steps() {
    let dir = TempDir::new("run");
    let mut t = trainer(
        "agents/ppo_cartpole.yaml",
        &[],
        "envs/cartpole.yaml",
        options(dir.path(), 8, 100_000, 1),
    );
    t.train().unwrap();
    let test = t.last_test().unwrap();
    assert!(t.agent().sample_count() <= 100_000 + 256);
    println!(
        "PPO CartPole: test return {:.1} after {} samples",
        test.mean_return,
        t.agent().sample_count()
    );
    assert!(
        test.mean_return >= 475.0,
        "test return {:.1}",
        test.mean_return
    );
}

#[test]
fn ppo_swings_up_pendulum_within_300k_steps() {
    let dir = TempDir::new("run");
    let mut t = trainer(
        "agents/ppo_pendulum.yaml",
        &[],
        "envs/pendulum.yaml",
        options(dir.path(), 4, 300_000, 1),
    );
    t.train().unwrap();
    let test = t.last_test().unwrap();
    println!(
        "PPO Pendulum: test return {:.1} after {} samples",
        test.mean_return,
        t.agent().sample_count()
    );
    assert!(
        test.mean_return >= -200.0,
        "test return {:.1}",
        test.mean_return
    );
}

#[test]
fn awr_improves_cartpole_to_400() {
    let dir = TempDir::new("run");
    let mut t = trainer(
        "agents/awr_cartpole.yaml",
        &[],
        "envs/cartpole.yaml",
        options(dir.path(), 8, 150_000, 1),
    );
    t.train().unwrap();
    let test = t.last_test().unwrap();
    println!(
        "AWR CartPole: test return {:.1} after {} samples",
        test.mean_return,
        t.agent().sample_count()
    );
    assert!(
        test.mean_return >= 400.0,
        "test return {:.1}",
        test.mean_return
    );
}

#[test]
fn deepmimic_training_tracks_the_walk_better_than_the_untrained_policy() {
    // Deterministic test episodes after the first update (practically the untrained policy)
    // and at the end of a short seeded run.
    let dir = TempDir::new("run");
    let budget = 100_000;
    let mut t = trainer(
        "agents/deepmimic_humanoid_ppo_cpu.yaml",
        &[("iters_per_output", "1000"), ("test_episodes", "32")],
        "envs/deepmimic_humanoid_walk.yaml",
        options(dir.path(), 32, budget, 3),
    );
    t.train_iteration().unwrap();
    let before = t.last_test().unwrap();
    t.train().unwrap();
    let after = t.last_test().unwrap();
    let per_step = |s: bevy_mimic::train::EvalStats| s.mean_return / s.mean_length;
    println!(
        "DeepMimic walk, {} samples: tracking reward per step {:.3} -> {:.3}, episode length {:.1} -> {:.1} steps",
        t.agent().sample_count(),
        per_step(before),
        per_step(after),
        before.mean_length,
        after.mean_length
    );
    assert!(
        per_step(after) > per_step(before),
        "tracking reward did not rise"
    );
    assert!(
        after.mean_length > before.mean_length * 1.2,
        "episodes did not get longer"
    );
}
