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
