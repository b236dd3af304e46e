//! The task envs (`task_steering`, `task_location`): MimicKit's task observations, rewards and
//! target draws, and a game's `MoveCommand` reaching a playing policy's observation.

mod common;

use std::path::Path;

use bevy::prelude::*;
use bevy_mimic::SeededRng;
use bevy_mimic::anim::rotation::{heading, heading_quat};
use bevy_mimic::control::{CommandError, MoveCommand};
use bevy_mimic::env::character::{
    CharacterEnv, CharacterEnvConfig, EnvKind, TaskParams, TaskState, TaskTarget,
};
use bevy_mimic::env::{EnvConfig, VecEnv};
use bevy_mimic::play::PolicyPlugin;
use bevy_mimic::sim::plugin::SimBody;
use bevy_mimic::spaces::DoneCode;
use common::{TempDir, options, trainer};
use glam::{Vec2, Vec3};
use rand::SeedableRng;

const STEERING: &str = "envs/task_steering_humanoid.yaml";
const LOCATION: &str = "envs/task_location_humanoid.yaml";

fn config(rel: &str, edits: &[(&str, &str)]) -> (EnvKind, CharacterEnvConfig) {
    let text = common::config_text(rel, edits);
    let parsed: EnvConfig = serde_yaml_ng::from_str(&text).unwrap();
    let (kind, mut c) = parsed.character().expect("a character env");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    c.char_file = root.join(&c.char_file);
    c.motion_file = c.motion_file.map(|m| root.join(m));
    (kind, c)
}

fn env(rel: &str, n: usize) -> CharacterEnv {
    let (kind, c) = config(rel, &[]);
    let mut env = CharacterEnv::new(kind, &c, n).unwrap();
    let all: Vec<usize> = (0..n).collect();
    env.reset(&all, &mut SeededRng::seed_from_u64(7));
    env
}

fn task(env: &mut CharacterEnv) -> Mut<'_, TaskState> {
    env.engine_mut()
        .app_mut()
        .world_mut()
        .resource_mut::<TaskState>()
}

fn task_obs(env: &CharacterEnv, e: usize, len: usize) -> Vec<f32> {
    let row = &env.obs()[e * env.obs_dim()..(e + 1) * env.obs_dim()];
    row[row.len() - len..].to_vec()
}

/// The zero action: PD targets in the middle of each DoF's bounds.
fn still(env: &CharacterEnv) -> Vec<f32> {
    vec![0.0; env.num_envs() * env.action_space().action_len()]
}

#[test]
fn task_envs_append_mimickits_task_observation_to_amps() {
    for (rel, extra) in [(STEERING, 5), (LOCATION, 2)] {
        let (kind, c) = config(rel, &[]);
        let task = CharacterEnv::new(kind, &c, 1).unwrap();
        let amp = CharacterEnv::new(EnvKind::Amp, &c, 1).unwrap();
        assert_eq!(task.obs_dim(), amp.obs_dim() + extra, "{rel}");
        assert_eq!(task.disc_obs_dim(), amp.disc_obs_dim(), "{rel}");
    }
}

#[test]
fn a_task_env_without_its_keys_fails_naming_the_key() {
    for (rel, key, value, says) in [
        (STEERING, "tar_speed_min", "null", "needs it"),
        (STEERING, "tar_speed_max", "0.1", "must be >= tar_speed_min"),
        (STEERING, "reward_steering_vel_scale", ".nan", "finite"),
        (LOCATION, "tar_dist_max", "null", "needs it"),
        (
            LOCATION,
            "tar_change_time_max",
            "1.0",
            "must be >= tar_change_time_min",
        ),
    ] {
        let (kind, c) = config(rel, &[(key, value)]);
        let Err((k, message)) = CharacterEnv::new(kind, &c, 1) else {
            panic!("{rel} with {key}: {value} was accepted");
        };
        assert_eq!(k, key, "{message}");
        assert!(message.contains(says), "{key}: {message}");
    }
}

#[test]
fn the_steering_observation_is_the_target_in_the_heading_frame() {
    let mut env = env(STEERING, 2);
    let (dir, face) = (Vec2::from_angle(2.0), Vec2::from_angle(-0.5));
    assert!(env.command_task(
        1,
        Some(TaskTarget::Heading {
            dir,
            speed: 1.7,
            face
        })
    ));
    let yaw = heading(env.engine().state().root_rot(1));
    let local = |v: Vec2| Vec2::from_angle(-yaw).rotate(v);
    let obs = task_obs(&env, 1, 5);
    let want = [
        local(dir).x,
        local(dir).y,
        1.7,
        local(face).x,
        local(face).y,
    ];
    for (a, b) in obs.iter().zip(want) {
        assert!((a - b).abs() < 1e-5, "{obs:?} vs {want:?}");
    }
    // A step keeps the command, and the observation follows the character's new heading.
    env.step(&still(&env));
    let yaw = heading(env.engine().state().root_rot(1));
    let obs = task_obs(&env, 1, 5);
    let d = Vec2::from_angle(-yaw).rotate(dir);
    assert!((obs[0] - d.x).abs() < 1e-5 && (obs[1] - d.y).abs() < 1e-5);
}

#[test]
fn the_task_rewards_are_mimickits() {
    for rel in [STEERING, LOCATION] {
        let mut env = env(rel, 2);
        let dt = env.step_dt() as f32;
        let target = match env.task_params().unwrap() {
            TaskParams::Steering { .. } => TaskTarget::Heading {
                dir: Vec2::from_angle(0.3),
                speed: 1.2,
                face: Vec2::from_angle(1.0),
            },
            TaskParams::Location { .. } => TaskTarget::Point {
                pos: env.engine().state().root_pos(0).truncate() + Vec2::new(0.4, 0.3),
                speed: 1.0,
            },
        };
        env.command_task(0, Some(target));
        let mut compared = 0;
        for _ in 0..3 {
            let before = env.engine().state().root_pos(0);
            env.step(&still(&env));
            if env.dones()[0].is_done() {
                break;
            }
            let state = env.engine().state();
            let (root, rot) = (state.root_pos(0), state.root_rot(0));
            let vel = ((root - before) / dt).truncate();
            let facing = (heading_quat(rot) * Vec3::X).truncate();
            let want = match target {
                TaskTarget::Heading { dir, speed, face } => {
                    let err = (speed * dir - vel).length_squared();
                    let tar = if dir.dot(vel) < 0.0 {
                        0.0
                    } else {
                        (-0.5 * err).exp()
                    };
                    0.7 * tar + 0.3 * face.dot(facing).max(0.0)
                }
                TaskTarget::Point { pos, .. } => {
                    let diff = pos - root.truncate();
                    let d2 = diff.length_squared();
                    let dir = diff.normalize_or_zero();
                    let along = dir.dot(vel);
                    let (v, f) = if d2 < 0.5 {
                        (1.0, 1.0)
                    } else if along <= 0.0 {
                        (0.0, dir.dot(facing).max(0.0))
                    } else {
                        let lag = (1.0 - along).max(0.0);
                        ((-4.0 * lag * lag).exp(), dir.dot(facing).max(0.0))
                    };
                    0.5 * (-0.5 * d2).exp() + 0.4 * v + 0.1 * f
                }
            };
            let got = env.rewards()[0];
            assert!((got - want).abs() < 1e-5, "{rel}: reward {got} vs {want}");
            compared += 1;
        }
        assert!(compared > 0, "{rel}: the character fell at once");
    }
}

#[test]
fn targets_are_drawn_again_when_their_time_comes() {
    let mut env = env(STEERING, 2);
    let dt = env.step_dt() as f32;
    {
        let t = task(&mut env);
        for e in 0..2 {
            let wait = t.change_time[e] - t.time[e];
            assert!((4.0..=7.0).contains(&wait), "first change in {wait} s");
            assert!((0.5..=3.0).contains(&t.tar_speed[e]));
            assert!((t.tar_dir[e].length() - 1.0).abs() < 1e-5);
        }
    }
    let (dir, at) = {
        let mut t = task(&mut env);
        let at = t.change_time[0] - 0.5 * dt;
        t.time[0] = at;
        (t.tar_dir[0], at)
    };
    env.step(&still(&env));
    let t = task(&mut env);
    assert!(
        t.tar_dir[0].distance(dir) > 1e-4,
        "the target did not change"
    );
    let wait = t.change_time[0] - t.time[0];
    assert!((t.time[0] - (at + dt)).abs() < 1e-5);
    assert!((4.0..=7.0).contains(&wait), "next change in {wait} s");
}

#[test]
fn bad_commands_are_refused_and_speeds_clamped() {
    let speeds = (0.5, 3.0);
    let nan = MoveCommand::Heading {
        heading: f32::NAN,
        speed: 1.0,
    };
    let err = nan.to_target(3, speeds).unwrap_err();
    assert!(matches!(err, CommandError::NotFinite { env: 3, .. }));
    assert!(err.to_string().contains("character 3"), "{err}");
    let far = MoveCommand::MoveTo {
        target: Vec3::new(2.0e4, 0.0, 0.0),
        speed: 1.0,
    };
    assert!(matches!(
        far.to_target(0, speeds),
        Err(CommandError::OutOfWorld { .. })
    ));
    let fast = MoveCommand::Heading {
        heading: 0.0,
        speed: 9.0,
    };
    let (target, clamped) = fast.to_target(0, speeds).unwrap();
    assert!(clamped);
    assert!(matches!(target, TaskTarget::Heading { speed, .. } if speed == 3.0));
}

#[test]
fn a_move_command_reaches_the_playing_policys_next_observation() {
    let dir = TempDir::new("steering");
    let mut t = trainer(
        "agents/amp_task_humanoid_cpu.yaml",
        &[("disc_buffer_size", "2000"), ("disc_replay_samples", "64")],
        STEERING,
        options(dir.path(), 4, 128, 1),
    );
    t.train().unwrap();
    let plugin = PolicyPlugin::load(&t.checkpoint_dir(), 2).unwrap();
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, TransformPlugin, plugin));
    app.finish();
    app.cleanup();
    app.update();
    let root = app
        .world_mut()
        .query::<(Entity, &SimBody)>()
        .iter(app.world())
        .find(|(_, b)| b.env == 1 && b.body == 0)
        .map(|(e, _)| e)
        .unwrap();
    let command = |heading: f32| MoveCommand::Heading {
        heading,
        speed: 2.0,
    };
    app.world_mut().entity_mut(root).insert(command(1.0));
    app.update();
    let task = app.world().resource::<TaskState>();
    assert_eq!(
        task.commanded[1],
        Some(TaskTarget::Heading {
            dir: Vec2::from_angle(1.0),
            speed: 2.0,
            face: Vec2::from_angle(1.0)
        })
    );
    assert_eq!(task.commanded[0], None, "only character 1 was commanded");
    // A NaN heading is refused: the last good command stays.
    app.world_mut().entity_mut(root).insert(command(f32::NAN));
    app.update();
    let task = app.world().resource::<TaskState>();
    assert!(
        matches!(task.commanded[1], Some(TaskTarget::Heading { dir, .. }) if dir == Vec2::from_angle(1.0))
    );
    // Removing the command gives the character back to random targets.
    app.world_mut().entity_mut(root).remove::<MoveCommand>();
    app.update();
    assert_eq!(app.world().resource::<TaskState>().commanded[1], None);
}

#[test]
fn the_getup_script_lays_characters_on_the_ground_and_counts_attempts() {
    use bevy_mimic::learning::device::Backend;
    use bevy_mimic::train::{TaskEval, TaskEvalMode, task_eval_of_checkpoint};
    let dir = TempDir::new("getup");
    let mut t = trainer(
        "agents/amp_task_humanoid_cpu.yaml",
        &[("disc_buffer_size", "2000"), ("disc_replay_samples", "64")],
        STEERING,
        options(dir.path(), 2, 64, 1),
    );
    t.train().unwrap();
    // 12 s each: an untrained policy stays down, so each character is laid down again at 10 s.
    let eval = task_eval_of_checkpoint(
        &t.checkpoint_dir(),
        2,
        0.2,
        Some(TaskEvalMode::Getup),
        None,
        5,
        Backend::Flex.device(),
    )
    .unwrap();
    let TaskEval::Getup(e) = eval else {
        panic!("the get-up script's figures, not {eval:?}");
    };
    println!("{e:?}");
    assert!(
        e.start_height < 0.4,
        "laid on the ground: pelvis at {:.2} m",
        e.start_height
    );
    assert!(e.attempts >= 2, "{e:?}");
    assert!(e.recovered <= e.attempts);
    assert!((e.minutes - 0.4).abs() < 0.01, "{e:?}");
}

#[test]
fn the_getup_script_takes_a_get_up_tracker_and_the_task_scripts_refuse_it() {
    use bevy_mimic::learning::device::Backend;
    use bevy_mimic::train::{TaskEval, TaskEvalMode, task_eval_of_checkpoint};
    let dir = TempDir::new("getup_tracker");
    let mut t = trainer(
        "agents/deepmimic_humanoid_ppo_cpu.yaml",
        &[],
        "envs/deepmimic_humanoid_getup.yaml",
        options(dir.path(), 2, 64, 1),
    );
    t.train().unwrap();
    let eval = |mode| {
        task_eval_of_checkpoint(
            &t.checkpoint_dir(),
            2,
            0.1,
            mode,
            None,
            5,
            Backend::Flex.device(),
        )
    };
    let Ok(TaskEval::Getup(e)) = eval(Some(TaskEvalMode::Getup)) else {
        panic!("the get-up script drives a DeepMimic tracker");
    };
    println!("{e:?}");
    assert!(
        e.start_height < 0.4,
        "laid down: pelvis at {:.2} m",
        e.start_height
    );
    // An untrained tracker strays from its clip and its episode ends: laid down again.
    assert!(e.attempts >= 2, "{e:?}");
    for mode in [None, Some(TaskEvalMode::Steering)] {
        let err = eval(mode).unwrap_err().to_string();
        assert!(err.contains("not trained on a task env"), "{err}");
    }
}

#[test]
fn a_character_reset_on_the_ground_is_not_failed_until_it_has_stood() {
    const GETUP: &str = "envs/task_steering_getup_humanoid.yaml";
    // Every reset at the start of a get-up clip, lying on the ground.
    let lying = |armed: &str| {
        let (kind, c) = config(
            GETUP,
            &[
                ("motion_file", "assets/motions/humanoid_getup.yaml"),
                ("rand_reset", "false"),
                ("early_termination_arm_height", armed),
            ],
        );
        let mut env = CharacterEnv::new(kind, &c, 2).unwrap();
        env.reset(&[0, 1], &mut SeededRng::seed_from_u64(7));
        env
    };
    let mut without = lying("null");
    without.step(&still(&without));
    assert!(
        without.dones().iter().all(|d| *d == DoneCode::Fail),
        "without the key, lying on the ground ends the episode: {:?}",
        without.dones()
    );
    let mut with = lying("0.7");
    for _ in 0..30 {
        with.step(&still(&with));
        assert!(
            with.dones().iter().all(|d| !d.is_done()),
            "a character that has not stood yet is not failed: {:?}",
            with.dones()
        );
    }
    // Once the pelvis has been above 0.7 m, contact ends the episode again.
    let (kind, c) = config(GETUP, &[]);
    let mut standing = CharacterEnv::new(kind, &c, 1).unwrap();
    standing.reset_to_default(0);
    assert!(
        standing
            .engine()
            .world()
            .resource::<bevy_mimic::sim::SimState>()
            .root_pos(0)
            .z
            > 0.7
    );
    let mut failed = false;
    for _ in 0..150 {
        standing.step(&still(&standing));
        if standing.dones()[0] == DoneCode::Fail {
            failed = true;
            break;
        }
    }
    assert!(failed, "a standing character left limp falls and is failed");

    // With a time to get up, staying down that long fails the episode, at that step.
    let (kind, c) = config(
        GETUP,
        &[
            ("motion_file", "assets/motions/humanoid_getup.yaml"),
            ("rand_reset", "false"),
            ("early_termination_getup_time", "1.0"),
        ],
    );
    let mut timed = CharacterEnv::new(kind, &c, 2).unwrap();
    timed.reset(&[0, 1], &mut SeededRng::seed_from_u64(7));
    for step in 1..=30 {
        timed.step(&still(&timed));
        let expected = if step < 30 {
            DoneCode::Null
        } else {
            DoneCode::Fail
        };
        assert!(
            timed.dones().iter().all(|d| *d == expected),
            "step {step} of a character lying still with 1 s to get up: {:?}",
            timed.dones()
        );
    }
}

#[test]
fn the_getup_tracking_reward_pays_for_the_clip_until_the_character_has_risen() {
    use bevy_mimic::env::character::systems::EnvParams;
    use bevy_mimic::env::character::tracking_reward;
    const GETUP: &str = "envs/task_steering_getup_humanoid.yaml";
    // Every reset at the start of a get-up clip, lying on the ground.
    let (kind, c) = config(
        GETUP,
        &[
            ("motion_file", "assets/motions/humanoid_getup.yaml"),
            ("rand_reset", "false"),
            ("getup_tracking_reward", "true"),
        ],
    );
    let mut lying = CharacterEnv::new(kind, &c, 2).unwrap();
    lying.reset(&[0, 1], &mut SeededRng::seed_from_u64(7));
    let terms = lying.engine().world().resource::<EnvParams>().terms;
    let mut rewards = Vec::new();
    for _ in 0..45 {
        lying.step(&still(&lying));
        for e in 0..2 {
            let errors = lying.tracking_errors()[e];
            assert!(errors.body_pos_mean > 0.0, "errors recorded: {errors:?}");
            let r = lying.rewards()[e];
            assert!(
                (r - tracking_reward(&terms, &errors)).abs() < 1e-6,
                "the reward is the tracking reward: {r} vs {errors:?}"
            );
        }
        rewards.push(lying.rewards()[0]);
    }
    // The clip rises and the limp character does not: the reward falls.
    assert!(
        rewards[44] < rewards[0] - 0.1,
        "staying down pays less and less: {rewards:?}"
    );

    // A character that stands (armed from its reset) earns the task's reward: no tracking.
    let (kind, c) = config(GETUP, &[("getup_tracking_reward", "true")]);
    let mut standing = CharacterEnv::new(kind, &c, 1).unwrap();
    standing.reset_to_default(0);
    standing.step(&still(&standing));
    assert_eq!(standing.tracking_errors()[0].body_pos_mean, 0.0);

    // Only task envs read the key, and it needs the arm height.
    let (kind, c) = config(
        "envs/amp_humanoid_walk.yaml",
        &[("getup_tracking_reward", "true")],
    );
    let err = CharacterEnv::new(kind, &c, 1).err().expect("refused");
    assert!(
        format!("{err:?}").contains("getup_tracking_reward"),
        "{err:?}"
    );
    let (_, c) = config(
        GETUP,
        &[
            ("getup_tracking_reward", "true"),
            ("early_termination_arm_height", "null"),
        ],
    );
    let (key, msg) = c.validate().unwrap_err();
    assert_eq!(key, "getup_tracking_reward", "{msg}");
}

#[test]
fn a_bad_arm_height_is_refused_naming_the_key() {
    let text = common::config_text(
        "envs/task_steering_getup_humanoid.yaml",
        &[("early_termination_arm_height", "-1")],
    );
    let err = bevy_mimic::config::parse_env_config(Path::new("getup.yaml"), &text)
        .expect_err("a negative height");
    assert!(
        err.to_string().contains("early_termination_arm_height"),
        "{err}"
    );
    // A time to get up needs the height that counts as up.
    let text = common::config_text(
        "envs/task_steering_humanoid.yaml",
        &[("early_termination_getup_time", "3.0")],
    );
    let err = bevy_mimic::config::parse_env_config(Path::new("steer.yaml"), &text)
        .expect_err("no arm height");
    let msg = err.to_string();
    assert!(
        msg.contains("early_termination_getup_time")
            && msg.contains("early_termination_arm_height"),
        "{msg}"
    );
}

#[test]
fn ground_resets_put_characters_at_the_start_of_the_clips_that_lie_on_the_ground() {
    const GETUP: &str = "envs/task_steering_getup_humanoid.yaml";
    let pelvis = |prob: &str| -> Vec<f32> {
        let (kind, c) = config(GETUP, &[("ground_reset_prob", prob)]);
        let mut env = CharacterEnv::new(kind, &c, 16).unwrap();
        let all: Vec<usize> = (0..16).collect();
        env.reset(&all, &mut SeededRng::seed_from_u64(11));
        let state = env.engine().world().resource::<bevy_mimic::sim::SimState>();
        (0..16).map(|e| state.root_pos(e).z).collect()
    };
    let ground = pelvis("1.0");
    assert!(
        ground.iter().all(|z| *z < 0.4),
        "every reset on the ground: pelvis heights {ground:?}"
    );
    let random = pelvis("0.0");
    assert!(
        random.iter().filter(|z| **z > 0.7).count() > 8,
        "without it most resets stand: {random:?}"
    );
    // It needs the height that counts as up, and a probability.
    for (edits, key) in [
        (vec![("ground_reset_prob", "1.5")], "ground_reset_prob"),
        (
            vec![
                ("ground_reset_prob", "0.2"),
                ("early_termination_arm_height", "null"),
            ],
            "early_termination_arm_height",
        ),
    ] {
        let text = common::config_text(GETUP, &edits);
        let err = bevy_mimic::config::parse_env_config(Path::new("getup.yaml"), &text)
            .expect_err("refused")
            .to_string();
        assert!(err.contains(key), "{err}");
    }
}
