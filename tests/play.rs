//! Play mode: a trained policy drives characters in a plain headless Bevy app.

mod common;

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy_mimic::play::{PlayStats, PolicyPlugin};
use bevy_mimic::sim::SimState;

fn shipped_walk() -> PathBuf {
    std::env::var_os("BEVY_MIMIC_PLAY_POLICY").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/policies/deepmimic_walk"),
        PathBuf::from,
    )
}

#[test]
fn the_shipped_walk_keeps_the_character_up_for_five_seconds() {
    let plugin = PolicyPlugin::load(&shipped_walk(), 2).unwrap();
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, TransformPlugin, plugin));
    app.finish();
    app.cleanup();
    let mut lowest = f32::INFINITY;
    let mut travelled = 0.0f32;
    let mut start = None;
    // The first update builds the worlds and puts the characters at the clip's start.
    app.update();
    for _ in 0..150 {
        app.update();
        let state = app.world().resource::<SimState>();
        for env in 0..2 {
            lowest = lowest.min(state.root_pos(env).z);
        }
        let p = state.root_pos(0);
        let s = *start.get_or_insert(p);
        travelled = travelled.max((p - s).truncate().length());
    }
    let stats = *app.world().resource::<PlayStats>();
    println!(
        "play: {} steps, {} restarts, lowest pelvis {lowest:.3} m, walked {travelled:.2} m",
        stats.steps, stats.resets
    );
    assert!(stats.started);
    assert_eq!(
        stats.resets, 0,
        "a character fell (or its episode ended) within 5 s"
    );
    assert!(lowest > 0.6, "the pelvis dropped to {lowest} m");
    assert!(
        travelled > 1.0,
        "the character did not walk ({travelled} m)"
    );
}

#[test]
fn a_non_character_checkpoint_is_refused_with_a_clear_error() {
    let err = PolicyPlugin::load(Path::new("/nonexistent/model"), 1)
        .err()
        .expect("no checkpoint there");
    assert!(err.to_string().contains("/nonexistent/model"), "{err}");
}

#[test]
fn the_shipped_amp_walk_walks_without_falling_for_five_seconds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/policies/amp_walk");
    let plugin = PolicyPlugin::load(&dir, 2).unwrap();
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, TransformPlugin, plugin));
    app.finish();
    app.cleanup();
    app.update();
    let start: Vec<_> = (0..2)
        .map(|e| app.world().resource::<SimState>().root_pos(e))
        .collect();
    let mut lowest = f32::INFINITY;
    for _ in 0..150 {
        app.update();
        let state = app.world().resource::<SimState>();
        lowest = lowest.min(state.root_pos(0).z.min(state.root_pos(1).z));
    }
    let state = app.world().resource::<SimState>();
    let walked: Vec<f32> = (0..2)
        .map(|e| (state.root_pos(e) - start[e]).truncate().length())
        .collect();
    let stats = *app.world().resource::<PlayStats>();
    println!("AMP walk: lowest pelvis {lowest:.3} m, walked {walked:?} m in 5 s");
    assert_eq!(stats.resets, 0, "a character fell within 5 s");
    assert!(lowest > 0.6, "the pelvis dropped to {lowest} m");
    assert!(
        walked.iter().all(|d| *d > 2.0),
        "it did not walk: {walked:?}"
    );
}

/// Mean absolute difference of two characters' joint positions (rad).
fn dof_gap(state: &SimState, a: usize, b: usize) -> f32 {
    let (da, db) = (state.dofs(a), state.dofs(b));
    let n = da.len() as f32;
    da.zip(db)
        .map(|(i, j)| (state.dof_pos[i] - state.dof_pos[j]).abs())
        .sum::<f32>()
        / n
}

#[test]
fn a_game_switches_an_ase_characters_skill_by_setting_its_latent() {
    use bevy_mimic::skills::SkillSteering;

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/policies/ase_skills");
    let plugin = PolicyPlugin::load(&dir, 3).unwrap();
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, TransformPlugin, plugin));
    app.finish();
    app.cleanup();
    app.update();
    let (walk, kick) = {
        let steering = app.world().resource::<SkillSteering>();
        assert_eq!(steering.skills().len(), 4, "one named skill per clip");
        (
            steering.skill("deepmimic_walk").unwrap().z.clone(),
            steering.skill("deepmimic_kick").unwrap().z.clone(),
        )
    };
    // Characters 0 and 1 hold the walk; the game switches character 2 to the kick.
    {
        let mut steering = app.world_mut().resource_mut::<SkillSteering>();
        steering.hold(0, &walk);
        steering.hold(1, &walk);
        steering.hold(2, &kick);
    }
    let (mut same, mut switched) = (0.0f32, 0.0f32);
    for _ in 0..60 {
        app.update();
        let state = app.world().resource::<SimState>();
        same += dof_gap(state, 0, 1) / 60.0;
        switched += dof_gap(state, 0, 2) / 60.0;
    }
    let steering = app.world().resource::<SkillSteering>();
    assert!(steering.is_held(2));
    assert!(
        steering
            .z(2)
            .unwrap()
            .iter()
            .zip(&kick)
            .all(|(a, b)| (a - b).abs() < 1e-6),
        "character 2's policy input is not the kick's latent"
    );
    println!(
        "ASE play: joint gap between two walking characters {same:.4} rad, walk vs kick {switched:.4} rad over 2 s"
    );
    assert!(
        switched > 0.05 && switched > 3.0 * same,
        "setting z did not change the motion: same skill {same}, other skill {switched}"
    );
}

#[test]
fn a_policy_is_refused_on_a_character_whose_elbows_turn_about_another_axis() {
    // The same body names and DoF count, so every size matches: only the fingerprint tells.
    let dir = common::TempDir::new("turned-elbows");
    let xml = std::fs::read_to_string("assets/characters/humanoid.xml")
        .unwrap()
        .replace(
            r#"<joint name="right_elbow" axis="0 1 0""#,
            r#"<joint name="right_elbow" axis="0 0 1""#,
        );
    let char_file = dir.path().join("turned.xml");
    std::fs::write(&char_file, xml).unwrap();
    // The walk's clip records its character and would refuse the turned one first: give the
    // env the same frames recorded as made for the turned character, so the policy is what
    // decides.
    let turned = bevy_mimic::anim::mjcf::load_mjcf(&char_file).unwrap();
    let walk = bevy_mimic::anim::motion::load_motion(
        std::path::Path::new("assets/motions/deepmimic_walk.bmotion"),
        &bevy_mimic::anim::mjcf::load_mjcf(std::path::Path::new("assets/characters/humanoid.xml"))
            .unwrap(),
    )
    .unwrap();
    let clip = dir.path().join("walk.bmotion");
    let print = bevy_mimic::anim::fingerprint::CharacterFingerprint::of(&turned);
    std::fs::write(&clip, walk.to_bmotion_for(Some(&print))).unwrap();
    let model_dir = std::path::Path::new("assets/policies/deepmimic_walk");
    let env_text = std::fs::read_to_string(model_dir.join("env_config.yaml"))
        .unwrap()
        .replace(
            "char_file: assets/characters/humanoid.xml",
            &format!("char_file: {}", char_file.display()),
        )
        .replace(
            "motion_file: assets/motions/deepmimic_walk.bmotion",
            &format!("motion_file: {}", clip.display()),
        );
    let env_file = dir.path().join("env.yaml");
    let err = bevy_mimic::train::test_checkpoint(
        model_dir,
        Some((&env_file, env_text)),
        &Default::default(),
        2,
        1,
        0,
        bevy_mimic::learning::device::Backend::Flex.device(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("assets/policies/deepmimic_walk"), "{err}");
    assert!(err.contains("right_elbow"), "{err}");
    assert!(err.contains("hinges about"), "{err}");
}

/// A headless app playing the shipped policy `name` on `n` characters, after its first update.
fn playing(name: &str, n: usize) -> App {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/policies")
        .join(name);
    let plugin = PolicyPlugin::load(&dir, n).unwrap();
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, TransformPlugin, plugin));
    app.finish();
    app.cleanup();
    app.update();
    app
}

/// Gives character `env` a command, on its root body as a game would.
fn command(app: &mut App, env: usize, command: bevy_mimic::control::MoveCommand) {
    use bevy_mimic::sim::plugin::SimBody;
    let root = app
        .world_mut()
        .query::<(Entity, &SimBody)>()
        .iter(app.world())
        .find(|(_, b)| b.env as usize == env && b.body == 0)
        .map(|(e, _)| e)
        .unwrap();
    app.world_mut().entity_mut(root).insert(command);
}

/// Horizontal root positions of the first `n` characters.
fn roots(app: &App, n: usize) -> Vec<Vec2> {
    let state = app.world().resource::<SimState>();
    (0..n).map(|e| state.root_pos(e).truncate()).collect()
}

#[test]
fn the_shipped_steering_policy_follows_a_90_degree_turn_within_3_s() {
    use bevy_mimic::control::MoveCommand;
    const N: usize = 4;
    let mut app = playing("steering", N);
    // Settle on one heading at a walk, then turn two characters left and two right.
    let speed = 1.5;
    for env in 0..N {
        command(
            &mut app,
            env,
            MoveCommand::Heading {
                heading: 0.0,
                speed,
            },
        );
    }
    for _ in 0..90 {
        app.update();
    }
    let turned: Vec<f32> = (0..N)
        .map(|e| if e % 2 == 0 { 1.0 } else { -1.0 } * std::f32::consts::FRAC_PI_2)
        .collect();
    for (env, heading) in turned.iter().enumerate() {
        command(
            &mut app,
            env,
            MoveCommand::Heading {
                heading: *heading,
                speed,
            },
        );
    }
    // 3 s after the command: the heading of the root's velocity averaged over the last 0.5 s.
    for _ in 0..75 {
        app.update();
    }
    let before = roots(&app, N);
    for _ in 0..15 {
        app.update();
    }
    let after = roots(&app, N);
    let errors: Vec<f32> = (0..N)
        .map(|e| {
            let moved = after[e] - before[e];
            Vec2::from_angle(turned[e])
                .angle_to(moved)
                .abs()
                .to_degrees()
        })
        .collect();
    let stats = *app.world().resource::<PlayStats>();
    println!(
        "steering: heading errors 3 s after a 90° turn {errors:?} deg, {} restarts",
        stats.resets
    );
    assert_eq!(stats.resets, 0, "a character fell");
    assert!(
        errors.iter().all(|e| *e <= 20.0),
        "heading errors {errors:?} deg"
    );
    // Past the training episode's 10 s the characters go on: play has no episode length.
    let before = roots(&app, N);
    for _ in 0..150 {
        app.update();
    }
    let stats = *app.world().resource::<PlayStats>();
    assert_eq!(stats.resets, 0, "a character was restarted after 11 s");
    let after = roots(&app, N);
    for e in 0..N {
        let moved = after[e] - before[e];
        assert!(
            Vec2::from_angle(turned[e]).dot(moved) > 0.5 * speed * 5.0,
            "character {e} did not go on along its heading: moved {moved:?} in 5 s"
        );
    }
}

#[test]
fn the_shipped_location_policy_reaches_a_point_5_m_away_within_8_s() {
    use bevy_mimic::control::MoveCommand;
    const N: usize = 4;
    let mut app = playing("location", N);
    // Targets 5 m away in four directions around where each character stands.
    let start = roots(&app, N);
    let targets: Vec<Vec2> = (0..N)
        .map(|e| start[e] + 5.0 * Vec2::from_angle(e as f32 * std::f32::consts::FRAC_PI_2 + 0.3))
        .collect();
    for (env, t) in targets.iter().enumerate() {
        let target = t.extend(0.0);
        command(&mut app, env, MoveCommand::MoveTo { target, speed: 1.5 });
    }
    let mut closest = [f32::INFINITY; N];
    for _ in 0..240 {
        app.update();
        for (e, p) in roots(&app, N).iter().enumerate() {
            closest[e] = closest[e].min(p.distance(targets[e]));
        }
    }
    let stats = *app.world().resource::<PlayStats>();
    println!(
        "location: closest approach to targets 5 m away within 8 s {closest:?} m, {} restarts",
        stats.resets
    );
    assert_eq!(stats.resets, 0, "a character fell");
    assert!(
        closest.iter().all(|d| *d <= 0.5),
        "closest approaches {closest:?} m"
    );
}
