//! The MuJoCo engine (feature `mujoco`): the tests every engine passes
//! (tests/engine_cases/cases.rs), run on MuJoCo.

use std::path::Path;

use bevy_mimic::SeededRng;
use bevy_mimic::anim::character::{CharacterModel, Joint};
use bevy_mimic::anim::mjcf::load_mjcf;
use bevy_mimic::anim::motion_lib::{MotionFrame, MotionLib};
use bevy_mimic::anim::rotation::angle_between;
use bevy_mimic::sim::{CharacterState, EngineConfig, HeadlessSim};
use glam::{Quat, Vec3};
use rand::{RngExt, SeedableRng};

const ENGINE: &str = "mujoco";
/// MuJoCo's PD stiffness is explicit: at 120 Hz, with the file's 0.02 armature, targets over
/// whole ranges drive low-inertia modes unstable (the blow-up test below), so the random-target
/// test takes the Python benchmark's ±0.3 rad (docs/SIM2SIM.md).
const RANDOM_TARGET_RANGE: f32 = 0.3;

include!("engine_cases/cases.rs");

/// Full-range random targets drive hinge triples into gimbal lock, where MuJoCo at 120 Hz can
/// blow up: every such env is reported invalid in the step it happens, never left running
/// with absurd speeds, and a reset brings it back.
#[test]
fn blow_ups_under_full_range_random_targets_are_reported_and_reset() {
    let m = humanoid();
    let n = 8;
    let mut e = engine(n, engine_config());
    let limits = m.dof_limits();
    let mut rng = SeededRng::seed_from_u64(7);
    let mut reported = 0;
    for _ in 0..300 {
        for (k, x) in e.pd_targets_mut().iter_mut().enumerate() {
            let [lo, hi] = limits[k % limits.len()];
            *x = rng.random_range(lo..=hi);
        }
        e.step();
        let st = e.state().clone();
        for env in 0..n {
            let fastest = st.body_vel[st.bodies(env)]
                .iter()
                .chain(&st.body_ang_vel[st.bodies(env)])
                .map(|v| v.length())
                .fold(0.0f32, f32::max);
            if st.invalid[env] {
                reported += 1;
                e.set_env_state(env, &CharacterState::default_pose(&m, [0.0, 0.0], 0.0));
            } else {
                assert!(fastest < 2e3, "env {env} runs unreported at {fastest}");
            }
        }
    }
    println!("blow-ups reported and reset: {reported}");
    assert_eq!(e.nonfinite_envs() as usize, reported);
}

/// The joint angles of `dof` over 3 control steps after its PD target steps from 0 to 0.3 rad,
/// the character in free fall from 3 m (no contact; uniform gravity leaves joints alone).
fn step_response(engine: &str, sim_freq: f32, solver_iterations: usize, dof: usize) -> [f32; 3] {
    let m = humanoid();
    let config = EngineConfig {
        engine_name: engine.into(),
        sim_freq,
        solver_iterations,
        ..EngineConfig::default()
    };
    let mut e = HeadlessSim::new(m.clone(), 1, config).unwrap();
    let mut start = CharacterState::default_pose(&m, [0.0, 0.0], 0.0);
    start.root_pos.z += 3.0;
    e.set_env_state(0, &start);
    e.pd_targets_mut().fill(0.0);
    e.pd_targets_mut()[dof] = 0.3;
    [0, 1, 2].map(|_| {
        e.step();
        e.state().dof_pos[dof]
    })
}

/// Both engines model the same character: converged (1920 Hz), their PD step responses agree,
/// and rapier at its 120 Hz with 16 solver iterations is as close; MuJoCo at 120 Hz is not
/// (its position actuators' stiffness is explicit: the ankle jumps 3x as far in the first
/// control step), which is why sim-to-sim replays in MuJoCo run at 480 Hz (docs/SIM2SIM.md).
#[test]
fn pd_step_responses_agree_with_rapier_once_both_converge() {
    let m = humanoid();
    for name in [
        "right_knee",
        "right_hip_x",
        "right_hip_y",
        "abdomen_y",
        "right_ankle_y",
        "right_shoulder_y",
    ] {
        let d = dof_index(&m, name);
        let mujoco = step_response("mujoco", 1920.0, 4, d);
        let rapier = step_response("rapier", 1920.0, 4, d);
        let rapier_120 = step_response("rapier", 120.0, 16, d);
        let mujoco_120 = step_response("mujoco", 120.0, 4, d);
        println!(
            "{name}: MuJoCo 1920 Hz {mujoco:.3?}, rapier 1920 Hz {rapier:.3?}, rapier 120 Hz \
             ×16 {rapier_120:.3?}, MuJoCo 120 Hz {mujoco_120:.3?}"
        );
        for k in 0..3 {
            assert!(
                (rapier[k] - mujoco[k]).abs() < 0.006,
                "{name} step {k}: rapier {rapier:?} vs MuJoCo {mujoco:?}"
            );
            assert!(
                (rapier_120[k] - mujoco[k]).abs() < 0.015,
                "{name} step {k}: rapier at 120 Hz {rapier_120:?} vs MuJoCo {mujoco:?}"
            );
        }
    }
}

/// Every character env (char, DeepMimic, AMP, ASE, ADD, the two tasks) runs on MuJoCo from its
/// shipped config with only `engine_name` changed: the same observation and action sizes as on
/// rapier, finite observations and rewards through resets and 60 control steps.
#[test]
fn every_character_env_runs_on_mujoco_unchanged() {
    use bevy_mimic::config::parse_env_config;
    for name in [
        "char_humanoid",
        "deepmimic_humanoid_walk",
        "amp_humanoid_walk",
        "ase_humanoid_skills",
        "add_humanoid_walk",
        "task_steering_humanoid",
        "task_location_humanoid",
    ] {
        let file = root().join(format!("assets/configs/envs/{name}.yaml"));
        let text = std::fs::read_to_string(&file).unwrap();
        let on_rapier = parse_env_config(&file, &text).unwrap().build(4).unwrap();
        let mut config = parse_env_config(&file, &text).unwrap();
        config.set_engine_name(ENGINE);
        let mut env = config.build(4).unwrap();
        assert_eq!(env.obs_dim(), on_rapier.obs_dim(), "{name}");
        assert_eq!(env.action_space(), on_rapier.action_space(), "{name}");
        let mut rng = SeededRng::seed_from_u64(3);
        env.reset(&[0, 1, 2, 3], &mut rng);
        let actions = vec![0.0f32; 4 * env.action_space().action_len()];
        let mut ended = 0;
        for _ in 0..60 {
            env.step(&actions);
            assert!(
                env.obs().iter().all(|x| x.is_finite()),
                "{name}: observations"
            );
            assert!(
                env.rewards().iter().all(|x| x.is_finite()),
                "{name}: rewards"
            );
            let done: Vec<usize> = (0..4)
                .filter(|&i| env.dones()[i] != bevy_mimic::spaces::DoneCode::Null)
                .collect();
            ended += done.len();
            env.reset(&done, &mut rng);
        }
        println!(
            "{name}: obs {} values, {ended} episodes ended in 60 steps",
            env.obs_dim()
        );
    }
}
