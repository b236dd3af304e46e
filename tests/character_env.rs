//! The character envs: observations against FK of the reference, heading invariance, contact
//! termination and action bounds.

mod common;

use std::path::Path;

use bevy_mimic::SeededRng;
use bevy_mimic::anim::character::CharacterModel;
use bevy_mimic::anim::mjcf::load_mjcf;
use bevy_mimic::env::character::{
    CharacterEnv, CharacterEnvConfig, CharacterEnvSetup, EnvKind, ObsSpec, OwnedPose, PoseView,
    action_bounds, tracking_errors, tracking_reward, write_char_obs, write_tar_obs,
};
use bevy_mimic::env::{EnvConfig, VecEnv};
use bevy_mimic::sim::CharacterState;
use bevy_mimic::spaces::DoneCode;
use glam::{Quat, Vec3};
use rand::SeedableRng;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn humanoid() -> CharacterModel {
    load_mjcf(&root().join("assets/characters/humanoid.xml")).unwrap()
}

/// A shipped env config with paths made absolute, optionally edited.
fn env_config(rel: &str, edits: &[(&str, &str)]) -> CharacterEnvConfig {
    let text = common::config_text(rel, edits);
    let config: EnvConfig = serde_yaml_ng::from_str(&text).unwrap();
    let (EnvConfig::Char(mut c)
    | EnvConfig::DeepMimic(mut c)
    | EnvConfig::Amp(mut c)
    | EnvConfig::Ase(mut c)
    | EnvConfig::Add(mut c)) = config
    else {
        panic!("not a character env")
    };
    c.char_file = root().join(&c.char_file);
    if let Some(m) = &c.motion_file {
        c.motion_file = Some(root().join(m));
    }
    c
}

fn deepmimic(n: usize, edits: &[(&str, &str)]) -> CharacterEnv {
    let c = env_config("envs/deepmimic_humanoid_walk.yaml", edits);
    CharacterEnv::new(EnvKind::DeepMimic, &c, n).unwrap()
}

#[test]
fn the_deepmimic_observation_has_mimickits_464_values() {
    let env = deepmimic(1, &[]);
    assert_eq!(env.obs_dim(), 140 + 3 * 108);
    let env = deepmimic(1, &[("enable_tar_obs", "false")]);
    assert_eq!(env.obs_dim(), 140);
}

#[test]
fn a_character_set_to_its_reference_observes_and_scores_as_the_reference() {
    let model = humanoid();
    for global in ["true", "false"] {
        let mut env = deepmimic(2, &[("global_obs", global)]);
        let c = env_config(
            "envs/deepmimic_humanoid_walk.yaml",
            &[("global_obs", global)],
        );
        let spec = ObsSpec {
            global: c.global_obs,
            root_height: c.root_height_obs,
            key_bodies: c
                .key_bodies
                .iter()
                .map(|n| model.body_index(n).unwrap())
                .collect(),
        };
        env.reset_to_motion(1, 0, 0.7);
        // The observation the env wrote equals the observation of the reference poses (FK of
        // the clip at the same times).
        let obs = env.obs()[env.obs_dim()..].to_vec();
        let reference = env.reference_pose(1, 0);
        let mut expected = vec![0.0; env.obs_dim()];
        let mut at = write_char_obs(&spec, &model, &reference.view(), &mut expected);
        for slot in 1..=3 {
            let tar = env.reference_pose(1, slot);
            at += write_tar_obs(
                &spec,
                &model,
                reference.view().root_pos(),
                reference.view().root_rot(),
                &tar.view(),
                &mut expected[at..],
            );
        }
        assert_eq!(at, env.obs_dim());
        let worst = obs
            .iter()
            .zip(&expected)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        println!("global_obs {global}: largest obs difference {worst:.2e}");
        assert!(
            worst < 1e-4,
            "observation differs from the reference's by {worst}"
        );
        // And the tracking reward there is (almost) 1.
        let state = env.engine().state();
        let b = state.bodies(1);
        let sim = PoseView {
            body_pos: &state.body_pos[b.clone()],
            body_rot: &state.body_rot[b],
            root_vel: state.root_vel(1),
            root_ang_vel: state.root_ang_vel(1),
            dof_vel: &state.dof_vel[state.dofs(1)],
        };
        let weights = bevy_mimic::env::character::ErrorWeights::new(
            &model,
            &bevy_mimic::env::character::HUMANOID_JOINT_ERR_W,
        );
        let terms = bevy_mimic::env::character::RewardTerms {
            pose: (0.5, 0.25),
            vel: (0.1, 0.01),
            root_pose: (0.15, 5.0),
            root_vel: (0.1, 1.0),
            key_pos: (0.15, 10.0),
        };
        let e = tracking_errors(
            &model,
            &spec,
            &weights,
            global == "true",
            &sim,
            &reference.view(),
        );
        let r = tracking_reward(&terms, &e);
        assert!(r > 0.999, "reward at the reference {r} ({e:?})");
    }
}

/// `pose` with the whole scene turned by `yaw` about the vertical and moved by `shift`.
fn yawed(pose: &OwnedPose, yaw: Quat, shift: Vec3) -> OwnedPose {
    OwnedPose {
        body_pos: pose.body_pos.iter().map(|p| yaw * *p + shift).collect(),
        body_rot: pose.body_rot.iter().map(|q| yaw * *q).collect(),
        root_vel: yaw * pose.root_vel,
        root_ang_vel: yaw * pose.root_ang_vel,
        dof_vel: pose.dof_vel.clone(),
    }
}

#[test]
fn heading_local_observations_ignore_a_yaw_of_the_whole_scene() {
    let model = humanoid();
    let mut env = deepmimic(1, &[("global_obs", "false")]);
    env.reset_to_motion(0, 0, 0.4);
    let spec = ObsSpec {
        global: false,
        root_height: true,
        key_bodies: vec![2, 5, 8, 11, 14],
    };
    let sim = env.reference_pose(0, 0);
    let tar = env.reference_pose(0, 2);
    let yaw = Quat::from_rotation_z(2.1);
    let shift = Vec3::new(3.0, -7.0, 0.0);
    let sim_yawed = yawed(&sim, yaw, shift);
    let tar_yawed = yawed(&tar, yaw, shift);
    let (sim2, tar2) = (sim_yawed.view(), tar_yawed.view());
    let n = spec.char_obs_dim(&model) + spec.tar_obs_dim(&model);
    let write = |s: &PoseView, t: &PoseView| {
        let mut out = vec![0.0; n];
        let at = write_char_obs(&spec, &model, s, &mut out);
        write_tar_obs(&spec, &model, s.root_pos(), s.root_rot(), t, &mut out[at..]);
        out
    };
    let a = write(&sim.view(), &tar.view());
    let b = write(&sim2, &tar2);
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!((x - y).abs() < 1e-4, "obs[{i}] {x} vs {y} after a yaw");
    }
    // In global mode the same yaw changes the observation.
    let global = ObsSpec {
        global: true,
        ..spec.clone()
    };
    let mut g1 = vec![0.0; n];
    let mut g2 = vec![0.0; n];
    write_char_obs(&global, &model, &sim.view(), &mut g1);
    write_char_obs(&global, &model, &sim2, &mut g2);
    assert!(g1.iter().zip(&g2).any(|(x, y)| (x - y).abs() > 0.1));
}

#[test]
fn discriminator_frames_have_142_values_and_ignore_a_yaw_when_heading_local() {
    use bevy_mimic::env::character::{disc_frame_dim, write_disc_frame};
    let model = humanoid();
    let mut env = deepmimic(1, &[]);
    env.reset_to_motion(0, 0, 0.9);
    let spec = ObsSpec {
        global: false,
        root_height: true,
        key_bodies: vec![2, 5, 8, 11, 14],
    };
    assert_eq!(disc_frame_dim(&spec, &model), 142);
    let newest = env.reference_pose(0, 0);
    let older = env.reference_pose(0, 2);
    let yaw = Quat::from_rotation_z(-1.3);
    let shift = Vec3::new(-4.0, 2.5, 0.0);
    let frame = |pose: &PoseView, anchor: &PoseView| {
        let mut out = vec![0.0; 142];
        let n = write_disc_frame(
            &spec,
            &model,
            pose,
            anchor.root_pos(),
            anchor.root_rot(),
            &mut out,
        );
        assert_eq!(n, 142);
        out
    };
    let newest_yawed = yawed(&newest, yaw, shift);
    let older_yawed = yawed(&older, yaw, shift);
    let (newest2, older2) = (newest_yawed.view(), older_yawed.view());
    let a = frame(&older.view(), &newest.view());
    let b = frame(&older2, &newest2);
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!((x - y).abs() < 1e-4, "disc obs[{i}] {x} vs {y} after a yaw");
    }
    // The newest frame's own root sits at the anchor: zero horizontal offset.
    let own = frame(&newest.view(), &newest.view());
    assert!(own[0].abs() < 1e-6 && own[1].abs() < 1e-6);
    assert!((own[2] - newest.view().root_pos().z).abs() < 1e-6);
}

#[test]
fn an_amp_character_set_to_a_clip_sees_the_demo_window_of_that_time() {
    for global in ["true", "false"] {
        let c = env_config("envs/amp_humanoid_walk.yaml", &[("global_obs", global)]);
        let mut env = CharacterEnv::new(EnvKind::Amp, &c, 2).unwrap();
        assert_eq!(env.disc_obs_dim(), 10 * 142);
        assert_eq!(env.obs_dim(), 140);
        env.reset_to_motion(1, 0, 0.8);
        let agent = env.disc_obs()[1420..].to_vec();
        let mut demo = vec![0.0; 1420];
        env.demo_disc_window(0, 0.8, &mut demo);
        let worst = agent
            .iter()
            .zip(&demo)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst < 1e-4,
            "global_obs {global}: agent and demo windows differ by {worst}"
        );
        // After a step the window slides: the old newest frame moves one place back.
        let zero = vec![0.0; 2 * 28];
        let before = env.disc_obs()[1420..].to_vec();
        env.step(&zero);
        let after = env.disc_obs()[1420..].to_vec();
        // Frame 9's joint rotations (anchor-independent) became frame 8's.
        let joints = |w: &[f32], k: usize| w[k * 142 + 9..k * 142 + 93].to_vec();
        assert_eq!(joints(&before, 9), joints(&after, 8));
        assert_eq!(env.rewards(), &[0.0, 0.0], "AMP's env reward is 0");
        let mut rng = SeededRng::seed_from_u64(2);
        let mut out = Vec::new();
        env.sample_demo_disc_obs(3, &mut rng, &mut out);
        assert_eq!(out.len(), 3 * 1420);
        assert!(out.iter().all(|x| x.is_finite()));
    }
}

#[test]
fn contact_termination_fires_for_a_body_on_the_ground_not_for_the_feet() {
    let model = humanoid();
    let c = env_config("envs/char_humanoid.yaml", &[]);
    let mut env = CharacterEnv::new(EnvKind::Char, &c, 2).unwrap();
    let mut rng = SeededRng::seed_from_u64(0);
    env.reset(&[0, 1], &mut rng);
    // Env 1 lies on its back: pelvis, torso and head on the ground.
    let mut lying = CharacterState::default_pose(&model, [0.0, 0.0], 0.0);
    lying.root_rot = Quat::from_rotation_y(-std::f32::consts::FRAC_PI_2);
    lying.root_pos = Vec3::new(0.0, 0.0, 0.1);
    env.engine_mut().set_env_state(1, &lying);
    let zero = vec![0.0; 2 * model.num_dofs()];
    env.step(&zero);
    assert_eq!(
        env.dones()[0],
        DoneCode::Null,
        "standing on its feet is not a fall"
    );
    assert_eq!(env.dones()[1], DoneCode::Fail, "lying on the ground is");
    assert_eq!(env.rewards(), &[1.0, 1.0]);
}

#[test]
fn action_bounds_follow_mimickits_rule() {
    let model = humanoid();
    let (low, high) = action_bounds(&model, false);
    let dof = |n: &str| model.dof_names.iter().position(|d| d == n).unwrap();
    let check = |name: &str, lo: f32, hi: f32| {
        let d = dof(name);
        assert!(
            (low[d] - lo).abs() < 1e-3 && (high[d] - hi).abs() < 1e-3,
            "{name}: [{}, {}] vs [{lo}, {hi}]",
            low[d],
            high[d]
        );
    };
    // The spec's table (identical joint ranges on this variant).
    for axis in ["x", "y", "z"] {
        check(&format!("abdomen_{axis}"), -1.885, 1.885);
        check(&format!("neck_{axis}"), -1.257, 1.257);
        check(&format!("right_hip_{axis}"), -2.932, 2.932);
        check(&format!("left_ankle_{axis}"), -1.152, 1.152);
    }
    check("right_knee", -0.558, 3.351);
    check("left_knee", -0.558, 3.351);
    // The arms-down variant's ranges by the same rule: shoulders ±1.2 × 180°, elbows over
    // [−160°, 0°] mirror the spec's [−0.558, 3.351].
    let s = 1.2 * std::f32::consts::PI;
    check("right_shoulder_x", -s, s);
    check("right_elbow", -3.351, 0.558);
    check("left_elbow", -3.351, 0.558);
}

#[test]
fn a_blown_up_character_fails_alone_and_a_reset_recovers_it() {
    let model = humanoid();
    let mut env = deepmimic(2, &[]);
    let mut rng = SeededRng::seed_from_u64(5);
    env.reset(&[0, 1], &mut rng);
    // Env 0's state turns to NaN (as a solver blow-up would leave it).
    let mut broken = CharacterState::default_pose(&model, [0.0, 0.0], 0.0);
    broken.root_vel = Vec3::new(f32::NAN, 0.0, 0.0);
    env.engine_mut().set_env_state(0, &broken);
    let zero = vec![0.0; 2 * model.num_dofs()];
    env.step(&zero);
    // Rapier quarantines the body (rolls it back, zeroes and disables it); the engine reports
    // that as an invalid state and the env ends the episode.
    assert!(!env.engine().state().env_is_valid(0));
    assert_eq!(
        env.dones()[0],
        DoneCode::Fail,
        "a blown-up character ends its episode"
    );
    assert!(env.engine().nonfinite_envs() >= 1, "and is counted");
    assert!(
        env.engine().state().env_is_valid(1),
        "the other character is untouched"
    );
    assert_ne!(env.dones()[1], DoneCode::Fail);
    env.reset(&[0], &mut rng);
    assert!(env.engine().state().env_is_valid(0));
    let z0 = env.engine().state().root_pos(0).z;
    for _ in 0..10 {
        env.step(&zero);
        assert!(
            env.engine().state().env_is_valid(0),
            "the reset character stays sound"
        );
    }
    // And it moves again (a disabled body would stay frozen).
    assert!((env.engine().state().root_pos(0).z - z0).abs() > 1e-4);
    assert!(env.obs().iter().all(|x| x.is_finite()));
}

#[test]
fn an_add_character_set_to_its_reference_sees_a_zero_difference() {
    let c = env_config("envs/add_humanoid_walk.yaml", &[]);
    let mut env = CharacterEnv::new(EnvKind::Add, &c, 2).unwrap();
    assert_eq!(env.disc_obs_dim(), 142, "one frame of differences");
    assert_eq!(
        env.obs_dim(),
        464,
        "DeepMimic's observation with target frames"
    );
    env.reset_to_motion(0, 0, 0.3);
    env.reset_to_motion(1, 0, 0.9);
    let largest = |xs: &[f32]| xs.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!(
        largest(env.disc_obs()) < 1e-4,
        "reference − character at a motion reset: {}",
        largest(env.disc_obs())
    );
    // With zero PD targets the character leaves the reference: the difference grows.
    let zero = vec![0.0; 2 * 28];
    for _ in 0..10 {
        env.step(&zero);
    }
    assert!(env.disc_obs().iter().all(|x| x.is_finite()));
    assert!(largest(env.disc_obs()) > 0.05);
    assert_eq!(env.rewards(), &[0.0, 0.0], "ADD's env reward is 0");
    let diag = env.diagnostics();
    let err = diag
        .iter()
        .find(|(k, _)| *k == "Tracking_Body_Pos_Err")
        .map(|(_, v)| *v)
        .unwrap();
    assert!(err > 0.0, "tracking errors are logged as diagnostics");
}

#[test]
fn each_kind_brings_its_own_reward_discriminator_and_diagnostics() {
    use EnvKind::{Add, Amp, Ase, Char, DeepMimic};
    // (kind, env file, discriminator observation length, env reward, tracking errors logged);
    // the tracking reward is only checked to be positive (NaN here).
    let nan = f32::NAN;
    let cases = [
        (Char, "char_humanoid", 0, 1.0, false),
        (DeepMimic, "deepmimic_humanoid_walk", 0, nan, true),
        (Amp, "amp_humanoid_walk", 1420, 0.0, false),
        (Ase, "ase_humanoid_skills", 1420, 0.0, false),
        (Add, "add_humanoid_walk", 142, 0.0, true),
    ];
    for (kind, file, disc_dim, reward, tracks) in cases {
        let c = env_config(&format!("envs/{file}.yaml"), &[]);
        let mut env = CharacterEnv::new(kind, &c, 1).unwrap();
        assert_eq!(env.disc_obs_dim(), disc_dim, "{kind:?}");
        let mut rng = SeededRng::seed_from_u64(0);
        env.reset(&[0], &mut rng);
        env.step(&[0.0; 28]);
        let r = env.rewards()[0];
        if reward.is_nan() {
            assert!(r > 0.0, "{kind:?}: the tracking reward is {r}");
        } else {
            assert_eq!(r, reward, "{kind:?}");
        }
        let diag = env.diagnostics();
        let logged = diag.iter().any(|(k, _)| *k == "Tracking_Body_Pos_Err");
        assert_eq!(logged, tracks, "{kind:?}: {diag:?}");
    }
    // Half of ASE's resets are in the default pose unless the file says otherwise.
    let c = env_config(
        "envs/ase_humanoid_skills.yaml",
        &[("default_reset_prob", "null")],
    );
    let prob = |kind| {
        CharacterEnvSetup::load(kind, &c, 1)
            .unwrap()
            .default_reset_prob
    };
    assert_eq!(prob(Ase), 0.5);
    assert_eq!(prob(Amp), 0.0);
}

/// A second engine, written here against the `Engine` contract alone: kinematic, root held
/// where the last reset put it, every DoF at its PD target after each step.
mod kinematic {
    use bevy::prelude::*;
    use bevy_mimic::sim::plugin::{SimCharacter, SimPaused, SimReady, SimStats};
    use bevy_mimic::sim::state::BodyStates;
    use bevy_mimic::sim::worlds::StateWrite;
    use bevy_mimic::sim::{
        CharacterState, ControlStep, Engine, PdTargets, SimSet, SimState, StateWrites,
    };

    pub struct KinematicEngine;

    #[derive(Resource, Default)]
    struct Poses(Vec<CharacterState>);

    impl Engine for KinematicEngine {
        fn name(&self) -> &'static str {
            "kinematic"
        }

        fn build(&self, app: &mut App, _writeback: bool) {
            app.init_resource::<Poses>().add_systems(
                ControlStep,
                (
                    write_states.in_set(SimSet::WriteStates),
                    step.in_set(SimSet::Step),
                    read_state.in_set(SimSet::ReadState),
                ),
            );
        }
    }

    fn write_states(
        character: Res<SimCharacter>,
        mut poses: ResMut<Poses>,
        mut ready: ResMut<SimReady>,
        mut writes: ResMut<StateWrites>,
        state: Res<SimState>,
    ) {
        if !ready.0 {
            let pose = CharacterState::default_pose(&character.model, [0.0, 0.0], 0.0);
            poses.0 = vec![pose; state.num_envs];
            ready.0 = true;
        }
        for &w in writes.writes() {
            if let StateWrite::State { env, slot } = w {
                poses.0[env] = writes.state(slot).clone();
            }
        }
        writes.clear();
    }

    fn step(
        mut poses: ResMut<Poses>,
        targets: Res<PdTargets>,
        paused: Res<SimPaused>,
        mut stats: ResMut<SimStats>,
    ) {
        if paused.0 {
            return;
        }
        for (env, pose) in poses.0.iter_mut().enumerate() {
            let nd = pose.dofs.len();
            pose.dofs
                .copy_from_slice(&targets.0[env * nd..(env + 1) * nd]);
            pose.dof_vel.fill(0.0);
            pose.root_vel = Vec3::ZERO;
            pose.root_ang_vel = Vec3::ZERO;
        }
        stats.control_steps += 1;
    }

    fn read_state(
        character: Res<SimCharacter>,
        poses: Res<Poses>,
        mut state: ResMut<SimState>,
        mut scratch: Local<BodyStates>,
    ) {
        for (env, pose) in poses.0.iter().enumerate() {
            state.set_env(env, &character.model, pose, &mut scratch);
        }
    }
}

#[test]
fn a_second_engine_runs_the_deepmimic_env_unchanged() {
    use bevy_mimic::spaces::ActionSpace;
    let c = env_config("envs/deepmimic_humanoid_walk.yaml", &[]);
    let mut env = CharacterEnv::new_on(
        std::sync::Arc::new(kinematic::KinematicEngine),
        EnvKind::DeepMimic,
        &c,
        2,
    )
    .unwrap();
    let mut rng = SeededRng::seed_from_u64(3);
    env.reset(&[0, 1], &mut rng);
    // The reset reached the engine: after a paused step its state is the reference pose.
    env.engine_mut().sync();
    for e in 0..2 {
        let reference = env.reference_pose(e, 0);
        let root = env.engine().state().root_pos(e);
        assert!(
            root.distance(reference.body_pos[0]) < 1e-5,
            "env {e}: root {root} vs reference {}",
            reference.body_pos[0]
        );
    }
    // Actions come back from the engine as the DoFs, through the env's clamp.
    let ActionSpace::Box { low, high } = env.action_space() else {
        panic!("a box")
    };
    let nd = low.len();
    let actions: Vec<f32> = (0..2 * nd)
        .map(|i| 0.5 * (low[i % nd] + high[i % nd]) + 10.0 * ((i % 3) as f32 - 1.0))
        .collect();
    env.step(&actions);
    let state = env.engine().state();
    for (i, &a) in actions.iter().enumerate() {
        let want = a.clamp(low[i % nd], high[i % nd]);
        assert!(
            (state.dof_pos[i] - want).abs() < 1e-6,
            "dof {i}: {} vs {want}",
            state.dof_pos[i]
        );
    }
    // And the env's systems ran on it: observations, rewards and done codes of both envs.
    let b = env.buffers();
    assert_eq!(b.obs.len(), 2 * 464);
    assert!(b.obs.iter().all(|x| x.is_finite()));
    assert!(
        b.rewards
            .iter()
            .all(|r| r.is_finite() && (0.0..=1.0).contains(r)),
        "{:?}",
        b.rewards
    );
    assert!(b.dones.iter().all(|d| !d.is_done()), "{:?}", b.dones);
}

#[test]
fn the_phase_observation_follows_the_reference_clip() {
    use bevy_mimic::anim::motion_lib::MotionLib;
    let model = humanoid();
    let edits = [
        ("enable_phase_obs", "true"),
        ("num_phase_encoding", "4"),
        ("rand_reset", "false"),
        ("enable_tar_obs", "false"),
    ];
    let mut env = deepmimic(2, &edits);
    // MimicKit's layout: the character's 140 values, then the phase and 4 sines and cosines.
    assert_eq!(env.obs_dim(), 140 + 9);
    let walk = MotionLib::load(
        &root().join("assets/motions/deepmimic_walk.bmotion"),
        &model,
    )
    .unwrap();
    let len = walk.length(0);
    let mut rng = SeededRng::seed_from_u64(2);
    env.reset(&[0, 1], &mut rng);
    let zero = vec![0.0; 2 * model.num_dofs()];
    for step in 0..6 {
        let phase = (step as f32 * env.step_dt() as f32 / len).fract();
        for e in 0..2 {
            let row = &env.obs()[e * 149..(e + 1) * 149];
            assert!(
                (row[140] - phase).abs() < 1e-5,
                "step {step}: {} vs {phase}",
                row[140]
            );
            for k in 0..4 {
                let v = phase * std::f32::consts::TAU * (1 << k) as f32;
                assert!((row[141 + k] - v.sin()).abs() < 1e-4, "sin {k}");
                assert!((row[145 + k] - v.cos()).abs() < 1e-4, "cos {k}");
            }
        }
        env.step(&zero);
    }
    // The phase is the reference's: a `char` env without clips refuses it, naming the key.
    let c = env_config(
        "envs/char_humanoid.yaml",
        &[("enable_phase_obs", "true"), ("motion_file", "null")],
    );
    let (key, why) = CharacterEnv::new(EnvKind::Char, &c, 1).err().unwrap();
    assert_eq!(key, "enable_phase_obs", "{why}");
}

/// Observations after each of `steps` steps of one DeepMimic character (terminations off)
/// whose PD targets are the middle of the bounds until `switch_at`, then 0.5 (normalised).
fn walk_observations(edits: &[(&str, &str)], switch_at: usize, steps: usize) -> Vec<Vec<f32>> {
    let mut edits = edits.to_vec();
    edits.extend([
        ("enable_early_termination", "false"),
        ("pose_termination", "false"),
    ]);
    let mut env = deepmimic(1, &edits);
    env.reset(&[0], &mut SeededRng::seed_from_u64(3));
    let n = env.action_space().action_len();
    (0..steps)
        .map(|t| {
            let a = if t < switch_at { 0.0 } else { 0.5 };
            env.step(&vec![a; n]);
            let mut row = env.obs()[..env.obs_dim()].to_vec();
            row.extend(env.root_velocity(0).unwrap());
            row
        })
        .collect()
}

#[test]
fn domain_randomisation_delays_targets_pushes_roots_and_scales_gains() {
    let still = walk_observations(&[], usize::MAX, 16);
    let first_difference = |other: &[Vec<f32>]| other.iter().zip(&still).position(|(a, b)| a != b);

    // The targets switched at step 5 reach the joints two steps later.
    let delayed = walk_observations(&[("domain_rand", "{action_delay_steps: [2, 2]}")], 5, 16);
    assert_eq!(first_difference(&walk_observations(&[], 5, 16)), Some(5));
    assert_eq!(first_difference(&delayed), Some(7));

    // A push every 0.5 s (15 control steps) changes the root's horizontal velocity.
    let pushed = walk_observations(
        &[(
            "domain_rand",
            "{push_interval_s: [0.5, 0.5], push_speed: 2.0}",
        )],
        usize::MAX,
        16,
    );
    assert_eq!(first_difference(&pushed), Some(14));
    let n = still[14].len();
    let dv = glam::Vec2::new(
        pushed[14][n - 3] - still[14][n - 3],
        pushed[14][n - 2] - still[14][n - 2],
    );
    assert!(
        dv.length() > 0.01 && dv.length() < 2.5,
        "the push changed the root's horizontal velocity by {dv}"
    );

    // Stiffer and more damped PD: the first step under new targets differs.
    let stiff = walk_observations(&[("domain_rand", "{pd_gain_scale: [3.0, 3.0]}")], 0, 2);
    let soft = walk_observations(&[], 0, 2);
    assert_ne!(stiff[0], soft[0]);

    // Heavier bodies respond more slowly to the same PD; a slippery character slides.
    let heavy = walk_observations(&[("domain_rand", "{body_mass_scale: [2.0, 2.0]}")], 0, 2);
    assert_ne!(heavy[0], soft[0]);
    let walked = walk_observations(&[], 0, 30);
    let icy = walk_observations(&[("domain_rand", "{friction: [0.0, 0.0]}")], 0, 30);
    assert_ne!(icy[29], walked[29]);
}

#[test]
fn bad_domain_randomisation_is_refused_naming_the_key() {
    for (value, key) in [
        ("{pd_gain_scale: [1.2, 0.8]}", "domain_rand.pd_gain_scale"),
        (
            "{body_mass_scale: [0.0, 1.0]}",
            "domain_rand.body_mass_scale",
        ),
        ("{friction: [-0.1, 1.0]}", "domain_rand.friction"),
        (
            "{action_delay_steps: [0, 50]}",
            "domain_rand.action_delay_steps",
        ),
        (
            "{push_interval_s: [1.0, 2.0]}",
            "domain_rand.push_interval_s",
        ),
        (
            "{push_speed: -1.0, push_interval_s: [1.0, 2.0]}",
            "domain_rand.push_speed",
        ),
        ("{pd_gains: [1.0, 1.0]}", "pd_gains"),
    ] {
        let text = common::config_text(
            "envs/deepmimic_humanoid_walk.yaml",
            &[("domain_rand", value)],
        );
        let err = bevy_mimic::config::parse_env_config(Path::new("walk.yaml"), &text)
            .expect_err(value)
            .to_string();
        assert!(err.contains(key), "{value}: {err}");
    }
}
