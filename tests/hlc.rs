//! ASE's high-level controller: its low-level checkpoint is checked at load (an ASE policy, the
//! config's latent size, the env's character), the env it trains on holds its latents for
//! `llc_steps` control steps, and a trained controller plays through `PolicyPlugin`.

mod common;

use std::path::Path;

use bevy::prelude::*;
use bevy_mimic::SeededRng;
use bevy_mimic::config::parse_agent_config;
use bevy_mimic::env::character::{CharacterEnv, EnvKind};
use bevy_mimic::env::{EnvConfig, VecEnv};
use bevy_mimic::hlc::{HlcEnv, HlcError};
use bevy_mimic::learning::device::Backend;
use bevy_mimic::play::PolicyPlugin;
use bevy_mimic::sim::SimState;
use bevy_mimic::spaces::ActionSpace;
use bevy_mimic::train::Trainer;
use common::{TempDir, config_path, config_text, options};
use rand::{RngExt, SeedableRng};

const AGENT: &str = "agents/hlc_humanoid_cpu.yaml";
const ENV: &str = "envs/hlc_steering_humanoid.yaml";

/// A controller trainer whose agent config is edited by `edits`; the error's text if it fails.
fn try_trainer(edits: &[(&str, &str)], dir: &Path) -> Result<Trainer, String> {
    Trainer::new(
        &config_path(AGENT),
        config_text(AGENT, edits),
        &config_path(ENV),
        config_text(ENV, &[]),
        options(dir, 2, 64, 1),
        Backend::Flex.device(),
    )
    .map_err(|e| format!("{e:#}"))
}

fn steering_env(n: usize) -> CharacterEnv {
    let parsed: EnvConfig = serde_yaml_ng::from_str(&config_text(ENV, &[])).unwrap();
    let (kind, mut c) = parsed.character().expect("a character env");
    assert_eq!(kind, EnvKind::TaskSteering);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    c.char_file = root.join(&c.char_file);
    c.motion_file = c.motion_file.map(|m| root.join(m));
    let mut env = CharacterEnv::new(kind, &c, n).unwrap();
    let all: Vec<usize> = (0..n).collect();
    env.reset(&all, &mut SeededRng::seed_from_u64(3));
    env
}

/// `inner` under the shipped config's controller (the low level in assets/policies/ase_skills).
fn hlc_env(inner: CharacterEnv) -> Result<HlcEnv, HlcError> {
    let file = config_path(AGENT);
    let config = parse_agent_config(&file, &config_text(AGENT, &[])).unwrap();
    HlcEnv::new(Box::new(inner), &config, &file, Backend::Flex.device())
}

#[test]
fn a_low_level_checkpoint_with_another_latent_size_fails_naming_both() {
    let dir = TempDir::new("hlc_latent");
    let err = try_trainer(&[("latent_dim", "32")], dir.path())
        .err()
        .unwrap();
    assert!(err.contains("hlc_humanoid_cpu.yaml"), "{err}");
    assert!(err.contains("latent_dim is 32"), "{err}");
    assert!(err.contains("ase_skills"), "{err}");
    assert!(err.contains("16-D"), "{err}");
}

#[test]
fn a_low_level_checkpoint_that_is_not_ase_or_not_there_fails_naming_it() {
    let dir = TempDir::new("hlc_llc");
    let err = try_trainer(
        &[("llc_checkpoint", "assets/policies/amp_walk")],
        dir.path(),
    )
    .err()
    .unwrap();
    assert!(err.contains("amp_walk"), "{err}");
    assert!(err.contains("needs an ASE policy"), "{err}");

    let err = try_trainer(&[("llc_checkpoint", "no/such/policy")], dir.path())
        .err()
        .unwrap();
    assert!(err.contains("llc_checkpoint"), "{err}");
    assert!(err.contains("no/such/policy"), "{err}");

    let err = try_trainer(&[("llc_checkpoint", "null")], dir.path())
        .err()
        .unwrap();
    assert!(err.contains("hlc_humanoid_cpu.yaml"), "{err}");
    assert!(err.contains("llc_checkpoint"), "{err}");
}

#[test]
fn a_low_level_policy_for_another_character_fails_at_load() {
    // The steering env on a humanoid whose knee bends further: the same sizes, another
    // character than the one the low level was trained on.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let xml = std::fs::read_to_string(root.join("assets/characters/humanoid.xml")).unwrap();
    let line = xml
        .lines()
        .find(|l| l.contains("name=\"right_knee\""))
        .expect("the humanoid has a right knee");
    let edited = line.replace("range=\"0 160\"", "range=\"0 170\"");
    assert_ne!(edited, line, "the knee's range is edited: {line}");
    let dir = TempDir::new("hlc_char");
    let changed = dir.path().join("humanoid_changed.xml");
    std::fs::write(&changed, xml.replace(line, &edited)).unwrap();

    let parsed: EnvConfig = serde_yaml_ng::from_str(&config_text(ENV, &[])).unwrap();
    let (kind, mut c) = parsed.character().unwrap();
    c.char_file = changed;
    c.motion_file = c.motion_file.map(|m| root.join(m));
    let inner = CharacterEnv::new(kind, &c, 1).unwrap();
    let err = hlc_env(inner)
        .err()
        .expect("another character is refused")
        .to_string();
    assert!(err.contains("ase_skills"), "{err}");
    assert!(err.contains("hlc_humanoid_cpu.yaml"), "{err}");
}

#[test]
fn the_controller_env_acts_in_latents_held_for_llc_steps() {
    let inner = steering_env(3);
    let inner_obs = inner.obs_dim();
    let inner_dt = inner.step_dt();
    let mut env = hlc_env(inner).unwrap();
    assert_eq!(
        env.obs_dim(),
        inner_obs,
        "the controller sees the task env's observation"
    );
    match env.action_space() {
        ActionSpace::Box { low, high } => {
            assert_eq!(low.len(), 16);
            assert!(low.iter().all(|&l| l == -1.0) && high.iter().all(|&h| h == 1.0));
        }
        other => panic!("a latent box, not {other:?}"),
    }
    assert!((env.step_dt() - 5.0 * inner_dt).abs() < 1e-12);

    let mut rng = SeededRng::seed_from_u64(11);
    for _ in 0..6 {
        let actions: Vec<f32> = (0..3 * 16).map(|_| rng.random_range(-1.0..1.0)).collect();
        env.step(&actions);
        let slots = env.low_level().policy().latents().unwrap();
        for e in 0..3 {
            assert!(slots.is_held(e));
            let a = &actions[e * 16..(e + 1) * 16];
            let norm = a.iter().map(|v| v * v).sum::<f32>().sqrt();
            for (z, v) in slots.z(e).iter().zip(a) {
                assert!(
                    (z - v / norm).abs() < 1e-5,
                    "latent = the action on the sphere"
                );
            }
        }
        for (e, r) in env.rewards().iter().enumerate() {
            // The task reward lies in [0, 1]; the style reward is positive.
            assert!(r.is_finite() && *r >= 0.0, "env {e}: reward {r}");
        }
        assert!(env.obs().iter().all(|v| v.is_finite()));
        let done: Vec<usize> = (0..3).filter(|&e| env.dones()[e].is_done()).collect();
        if !done.is_empty() {
            env.reset(&done, &mut rng);
        }
    }
}

#[test]
fn a_trained_controller_plays_through_its_low_level_policy() {
    let dir = TempDir::new("hlc_play");
    let mut trainer = try_trainer(&[], dir.path()).unwrap();
    trainer.train().unwrap();
    let model = dir.path().join("model");
    let plugin = PolicyPlugin::load(&model, 2).unwrap();

    let mut app = App::new();
    app.add_plugins((MinimalPlugins, TransformPlugin, plugin));
    app.finish();
    app.cleanup();
    app.update(); // builds the worlds and places the characters
    let root = |app: &App, e: usize| app.world().resource::<SimState>().root_pos(e);
    let start: Vec<Vec3> = (0..2).map(|e| root(&app, e)).collect();
    // 60 control steps: 12 latents chosen by the controller, each held for 5 steps.
    for _ in 0..60 {
        app.update();
    }
    for (e, a) in start.iter().enumerate() {
        let b = root(&app, e);
        assert!(b.is_finite(), "the character stays finite");
        assert!(a.distance(b) > 1e-3, "the low level moves character {e}");
    }
}

#[test]
fn a_bevy_app_refuses_to_train_a_controller_and_says_where_it_trains() {
    let err = bevy_mimic::MimicConfig::train(config_path(AGENT), config_path(ENV))
        .with_num_envs(1)
        .load()
        .err()
        .expect("MimicPlugin does not train a controller")
        .to_string();
    assert!(err.contains("hlc_humanoid_cpu.yaml"), "{err}");
    assert!(err.contains("bevy_mimic train"), "{err}");
}
