//! Learning is tested by learning: seeded, bounded runs that must reach a return.
//!
//! These are the slow tests of the suite (tens of seconds each in release builds).

mod common;

use std::path::Path;

use bevy_mimic::learning::device::Backend;
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
fn ppo_balances_cartpole_under_mimickits_per_network_update() {
    // MimicKit's schedule since February 2026: the critic's own passes, then the actor's, each
    // with its own loss and step. Ten passes of two minibatches each reached 500 by 100k
    // samples with seeds 1, 2 and 3; the summed preset's twenty full-batch passes, run this way,
    // oscillate (345–500 at 150k).
    let dir = TempDir::new("run");
    let mut t = trainer(
        "agents/ppo_cartpole.yaml",
        &[
            ("actor_epochs", "10"),
            ("actor_batch_size", "16"),
            ("critic_epochs", "10"),
            ("critic_batch_size", "16"),
        ],
        "envs/cartpole.yaml",
        options(dir.path(), 8, 100_000, 1),
    );
    assert_eq!(
        t.agent().config().update_mode(),
        bevy_mimic::learning::agents::UpdateMode::PerNetwork
    );
    let row = t.train().unwrap();
    assert!(row.get("Loss").is_none(), "no summed loss in this mode");
    assert!(row.get("Critic_Loss").is_some_and(f64::is_finite));
    let test = t.last_test().unwrap();
    println!(
        "PPO CartPole, per-network update: test return {:.1} after {} samples",
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
fn awr_solves_cartpole_and_keeps_most_of_it() {
    // AWR's test return oscillates once it balances, and where the dips fall depends on the
    // float order of the matrix kernels: seed 1 ended at 500 on AVX2 (AMD EPYC) but dipped to
    // 170 and came back to 350-390 over its last tests on AVX-512 (Intel Xeon, 2026-12-05).
    // So the run must solve CartPole at some test (a random policy scores about 20) and keep
    // most of it over its last three tests.
    let dir = TempDir::new("run");
    let mut t = trainer(
        "agents/awr_cartpole.yaml",
        &[],
        "envs/cartpole.yaml",
        options(dir.path(), 8, 150_000, 1),
    );
    t.train().unwrap();
    let every = t.agent().config().iters_per_output as u64;
    let tests = test_returns(&dir.path().join("log.csv"), every);
    println!(
        "AWR CartPole: test returns {tests:?} after {} samples",
        t.agent().sample_count()
    );
    let best = tests.iter().copied().fold(f64::MIN, f64::max);
    let last3 = tests.iter().rev().take(3).sum::<f64>() / 3.0;
    assert!(best >= 475.0, "best test return {best:.1}");
    assert!(last3 >= 250.0, "mean of the last three tests {last3:.1}");
}

/// The test returns of a run's `log.csv`, one per test (tests run every `iters_per_output`
/// iterations, from the first; the column carries the latest test forward on other rows).
fn test_returns(log: &Path, iters_per_output: u64) -> Vec<f64> {
    let text = std::fs::read_to_string(log).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (it, ret) = (col("Iteration"), col("Test_Return"));
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[it].parse::<u64>().unwrap() % iters_per_output == 1)
        .map(|f| f[ret].parse().unwrap())
        .collect()
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

/// An adversarial agent (`agent_name`) on the 2-D point-matching task in `mode`, trained for
/// `iterations` iterations of 64 envs × 8 steps; returns the mean distance of its deterministic
/// points from where they should be, before and after.
fn point_match_distances(agent_name: &str, mode: &str, iterations: u64, seed: u64) -> (f64, f64) {
    point_match_distances_with(agent_name, mode, "", iterations, seed)
}

/// As [`point_match_distances`], with `extra` YAML lines appended to the agent config.
fn point_match_distances_with(
    agent_name: &str,
    mode: &str,
    extra: &str,
    iterations: u64,
    seed: u64,
) -> (f64, f64) {
    use bevy_mimic::env::{PointMatch, PointMatchConfig, PointMatchMode, VecEnv};
    use bevy_mimic::learning::agents::ActMode;
    use rand::SeedableRng;

    let agent_yaml = format!(
        "agent_name: {agent_name}
model:
  actor_net: fc_2layers_128units
  actor_init_output_scale: 0.01
  actor_std_type: FIXED
  action_std: 0.1
  critic_net: fc_2layers_128units
  disc_net: fc_2layers_128units
actor_optimizer: {{type: Adam, learning_rate: 1.0e-3}}
critic_optimizer: {{type: Adam, learning_rate: 1.0e-3}}
disc_optimizer: {{type: AdamW, learning_rate: 1.0e-3, weight_decay: 1.0e-4}}
discount: 0.5
steps_per_iter: 8
iters_per_output: 100000
test_episodes: 8
update_epochs: 4
batch_size: 2
disc_update_epochs: 2
disc_buffer_size: 20000
disc_replay_samples: 256
disc_grad_penalty: {}
",
        if agent_name == "ADD" { 2.0 } else { 5.0 }
    ) + extra;
    let env_yaml = format!("env_name: point_match\nmode: {mode}\n");
    let dir = TempDir::new("point-match");
    let num_envs = 64;
    let mut t = bevy_mimic::train::Trainer::new(
        Path::new("point_match_agent.yaml"),
        agent_yaml,
        Path::new("point_match_env.yaml"),
        env_yaml,
        options(dir.path(), num_envs, iterations * 8 * num_envs as u64, seed),
        Backend::Flex.device(),
    )
    .unwrap();
    let config = PointMatchConfig {
        mode: if mode == "amp" {
            PointMatchMode::Amp
        } else {
            PointMatchMode::Add
        },
        demo_mean: [0.8, -0.5],
        demo_std: 0.1,
        episode_steps: 8,
    };
    let distance = |t: &mut bevy_mimic::train::Trainer| -> f64 {
        let mut env = PointMatch::new(&config, num_envs);
        let all: Vec<usize> = (0..num_envs).collect();
        env.reset(&all, &mut bevy_mimic::SeededRng::seed_from_u64(99));
        let obs = env.obs().to_vec();
        let points = t.agent_mut().act(&obs, ActMode::Deterministic).to_vec();
        let goal = |i: usize| match config.mode {
            PointMatchMode::Amp => config.demo_mean,
            PointMatchMode::Add => [obs[2 * i], obs[2 * i + 1]],
        };
        (0..num_envs)
            .map(|i| {
                let g = goal(i);
                f64::from(
                    ((points[2 * i] - g[0]).powi(2) + (points[2 * i + 1] - g[1]).powi(2)).sqrt(),
                )
            })
            .sum::<f64>()
            / num_envs as f64
    };
    let before = distance(&mut t);
    let row = t.train().unwrap();
    let after = distance(&mut t);
    println!(
        "{agent_name} on point_match ({mode}), {} samples: distance {before:.3} -> {after:.3}; disc reward {:.3}, demo acc {:.2}, agent acc {:.2}",
        t.agent().sample_count(),
        row.get("Disc_Reward_Mean").unwrap_or(f64::NAN),
        row.get("Disc_Demo_Acc").unwrap_or(f64::NAN),
        row.get("Disc_Agent_Acc").unwrap_or(f64::NAN),
    );
    assert!(row.get("Disc_Loss").is_some_and(f64::is_finite));
    assert!(row.get("Disc_Grad_Penalty").is_some_and(f64::is_finite));
    (before, after)
}

#[test]
fn amp_moves_the_policys_points_onto_the_demo_distribution() {
    let (before, after) = point_match_distances("AMP", "amp", 60, 1);
    assert!(before > 0.8, "the untrained policy starts near 0: {before}");
    assert!(after < 0.2, "points stayed {after} from the demo mean");
}

#[test]
fn add_teaches_the_policy_to_hit_its_target_from_the_difference_alone() {
    let (before, after) = point_match_distances("ADD", "add", 60, 2);
    assert!(before > 0.6, "{before}");
    assert!(after < 0.2, "distance to target {before} -> {after}");
}

#[test]
fn amp_learns_under_mimickits_per_network_update() {
    // Critic, actor and discriminator each in their own passes (MimicKit's current keys).
    let extra = "actor_epochs: 4\nactor_batch_size: 2\ncritic_epochs: 2\ncritic_batch_size: 2\n\
                 disc_epochs: 2\ndisc_batch_size: 2\n";
    let (before, after) = point_match_distances_with("AMP", "amp", extra, 60, 1);
    assert!(before > 0.8, "the untrained policy starts near 0: {before}");
    assert!(after < 0.2, "points stayed {after} from the demo mean");
}
