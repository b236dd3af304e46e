//! ASE: the encoder of a trained toy model recovers the policy's latent, and latents set
//! through the steering API reach only their own character's policy input.

mod common;

use std::path::Path;

use bevy_mimic::SeededRng;
use bevy_mimic::env::{PointMatch, PointMatchConfig, PointMatchMode, VecEnv};
use bevy_mimic::learning::agents::ActMode;
use bevy_mimic::learning::device::Backend;
use bevy_mimic::learning::latents::sample_unit;
use bevy_mimic::skills::{SkillSteering, apply_steering, mirror_steering};
use bevy_mimic::train::Trainer;
use common::{TempDir, options};
use rand::SeedableRng;

const NUM_ENVS: usize = 64;
const LATENT_DIM: usize = 2;

/// ASE on the 2-D point task: the discriminator wants points from a wide blob, the encoder
/// must read the latent back from the point.
fn toy_trainer(dir: &Path, iterations: u64, seed: u64, init_output_scale: f64) -> Trainer {
    let agent_yaml = format!(
        "agent_name: ASE
model:
  actor_net: fc_2layers_128units
  actor_init_output_scale: {init_output_scale}
  actor_std_type: FIXED
  action_std: 0.1
  critic_net: fc_2layers_128units
  disc_net: fc_2layers_128units
  enc_net: fc_2layers_128units
  latent_dim: {LATENT_DIM}
actor_optimizer: {{type: Adam, learning_rate: 1.0e-3}}
critic_optimizer: {{type: Adam, learning_rate: 1.0e-3}}
disc_optimizer: {{type: AdamW, learning_rate: 1.0e-3, weight_decay: 1.0e-4}}
enc_optimizer: {{type: Adam, learning_rate: 1.0e-3}}
discount: 0.5
steps_per_iter: 8
iters_per_output: 100000
test_episodes: 8
update_epochs: 4
batch_size: 2
disc_update_epochs: 2
disc_buffer_size: 20000
disc_replay_samples: 256
latent_time_min: 1.0
latent_time_max: 4.0
"
    );
    Trainer::new(
        Path::new("ase_toy_agent.yaml"),
        agent_yaml,
        Path::new("ase_toy_env.yaml"),
        "env_name: point_match\nmode: amp\ndemo_mean: [0.0, 0.0]\ndemo_std: 0.7\n".into(),
        options(dir, NUM_ENVS, iterations * 8 * NUM_ENVS as u64, seed),
        Backend::Flex.device(),
    )
    .unwrap()
}

fn toy_env() -> PointMatch {
    let config = PointMatchConfig {
        mode: PointMatchMode::Amp,
        demo_mean: [0.0, 0.0],
        demo_std: 0.7,
        episode_steps: 8,
    };
    let mut env = PointMatch::new(&config, NUM_ENVS);
    let all: Vec<usize> = (0..NUM_ENVS).collect();
    env.reset(&all, &mut SeededRng::seed_from_u64(5));
    env
}

/// Mean z·ẑ over `NUM_ENVS` held random latents: the deterministic point of each latent,
/// read back by the encoder.
fn encoder_agreement(t: &mut Trainer, seed: u64) -> f32 {
    let mut rng = SeededRng::seed_from_u64(seed);
    let mut zs = vec![0.0f32; NUM_ENVS * LATENT_DIM];
    for z in zs.chunks_exact_mut(LATENT_DIM) {
        sample_unit(z, &mut rng);
    }
    let agent = t.agent_mut();
    let slots = agent.latents_mut(ActMode::Deterministic).unwrap();
    slots.resize(NUM_ENVS);
    for (e, z) in zs.chunks_exact(LATENT_DIM).enumerate() {
        slots.hold(e, z);
    }
    let env = toy_env();
    let points = agent.act(env.obs(), ActMode::Deterministic).to_vec();
    let z_hat = agent.encode(&points);
    zs.iter().zip(&z_hat).map(|(a, b)| a * b).sum::<f32>() / NUM_ENVS as f32
}

#[test]
fn the_encoder_of_a_trained_toy_model_recovers_its_latent() {
    let dir = TempDir::new("ase-toy");
    let mut t = toy_trainer(dir.path(), 80, 3, 0.01);
    let before = encoder_agreement(&mut t, 11);
    let mut enc_reward = Vec::new();
    let mut diversity = Vec::new();
    for _ in 0..80 {
        let row = t.train_iteration().unwrap();
        enc_reward.push(row.get("Enc_Reward_Mean").unwrap());
        diversity.push(row.get("Diversity_Loss").unwrap());
        assert!(row.get("Enc_Loss").is_some_and(f64::is_finite));
        assert!(row.get("Disc_Loss").is_some_and(f64::is_finite));
    }
    let after = encoder_agreement(&mut t, 11);
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let (first, last) = (mean(&enc_reward[..5]), mean(&enc_reward[70..]));
    println!(
        "ASE toy: encoder reward {first:.3} -> {last:.3}; z·ẑ of held latents {before:.3} -> {after:.3}; diversity loss {:.3} -> {:.3}",
        mean(&diversity[..5]),
        mean(&diversity[70..])
    );
    assert!(
        last > first + 0.2,
        "encoder reward did not rise: {first} -> {last}"
    );
    assert!(
        after > 0.8,
        "the encoder reads held latents back at {after}"
    );
    assert!(after > before + 0.3, "{before} -> {after}");
}

#[test]
fn a_latent_set_for_one_character_reaches_only_that_characters_policy_input() {
    let dir = TempDir::new("ase-steer");
    // Large output weights so that the latent visibly moves the untrained policy's mean.
    let mut t = toy_trainer(dir.path(), 1, 4, 1.0);
    let agent = t.agent_mut();
    let env = toy_env();
    let obs = env.obs().to_vec();
    let mut steering = SkillSteering::default();
    let same = [0.6f32, 0.8];
    for e in 0..NUM_ENVS {
        steering.hold(e, &same);
    }
    apply_steering(&mut steering, agent, ActMode::Deterministic);
    let before = agent.act(&obs, ActMode::Deterministic).to_vec();
    mirror_steering(&mut steering, agent, ActMode::Deterministic);
    assert!(steering.is_active());
    assert_eq!(steering.num_envs(), NUM_ENVS);
    // Every character holds the same latent and sees the same observation: same action.
    for e in 1..NUM_ENVS {
        assert_eq!(before[2 * e..2 * e + 2], before[..2], "env {e}");
    }
    steering.hold(7, &[-1.0, 0.0]);
    apply_steering(&mut steering, agent, ActMode::Deterministic);
    let after = agent.act(&obs, ActMode::Deterministic).to_vec();
    mirror_steering(&mut steering, agent, ActMode::Deterministic);
    assert_eq!(steering.z(7).unwrap(), &[-1.0, 0.0]);
    assert!(steering.is_held(7));
    let moved = (after[14] - before[14]).abs() + (after[15] - before[15]).abs();
    assert!(moved > 1e-3, "env 7's action moved {moved}");
    for e in (0..NUM_ENVS).filter(|&e| e != 7) {
        assert_eq!(
            after[2 * e..2 * e + 2],
            before[2 * e..2 * e + 2],
            "env {e} changed"
        );
        assert_eq!(steering.z(e).unwrap(), &same[..]);
    }
    // Held latents survive the schedule; a released one changes within its 4 s.
    for _ in 0..10 {
        agent.act(&obs, ActMode::Deterministic);
    }
    mirror_steering(&mut steering, agent, ActMode::Deterministic);
    assert_eq!(steering.z(7).unwrap(), &[-1.0, 0.0]);
    steering.release(7);
    apply_steering(&mut steering, agent, ActMode::Deterministic);
    for _ in 0..10 {
        agent.act(&obs, ActMode::Deterministic);
    }
    mirror_steering(&mut steering, agent, ActMode::Deterministic);
    assert_ne!(steering.z(7).unwrap(), &[-1.0, 0.0]);
    assert!(!steering.is_held(7));
}
