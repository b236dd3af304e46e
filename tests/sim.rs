//! The rapier engine: the tests every engine passes (tests/engine_cases/cases.rs), engine
//! files, and shapes.

use std::path::Path;

use bevy_mimic::SeededRng;
use bevy_mimic::anim::character::{CharacterModel, Joint};
use bevy_mimic::anim::mjcf::load_mjcf;
use bevy_mimic::anim::motion_lib::{MotionFrame, MotionLib};
use bevy_mimic::anim::rotation::angle_between;
use bevy_mimic::sim::{CharacterState, EngineConfig, HeadlessSim};
use glam::{Quat, Vec3};
use rand::{RngExt, SeedableRng};

const ENGINE: &str = "rapier";
/// Rapier's implicit PD takes targets over the joints' whole ranges.
const RANDOM_TARGET_RANGE: f32 = f32::INFINITY;

include!("engine_cases/cases.rs");

#[test]
fn engine_yaml_errors_name_the_file_and_key() {
    use bevy_mimic::config::load_engine_config;
    let shipped = load_engine_config(&root().join("assets/configs/engines/rapier.yaml")).unwrap();
    assert_eq!(shipped, EngineConfig::default());
    let dir = std::env::temp_dir().join(format!("bevy_mimic_engine_yaml_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (text, key) in [
        ("sim_freq: 100\n", "sim_freq"),
        ("num_threads: 0\n", "num_threads"),
        ("engine_name: physx\n", "engine_name"),
        ("control_mode: torque\n", "control_mode"),
        ("solver_iters: 4\n", "solver_iters"),
        (
            "contact_softness: {natural_frequency: -1, damping_ratio: 1}\n",
            "contact_softness",
        ),
        (
            "contact_softness: {natural_frequency: 8}\n",
            "damping_ratio",
        ),
    ] {
        let file = dir.join("engine.yaml");
        std::fs::write(&file, text).unwrap();
        let err = load_engine_config(&file).unwrap_err().to_string();
        assert!(
            err.contains("engine.yaml") && err.contains(key),
            "{text:?}: {err}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_engine_file_fills_the_env_files_engine_block() {
    use bevy_mimic::config::merge_engine_config;
    use bevy_mimic::env::EnvConfig;
    let env_yaml = "env_name: char\nchar_file: humanoid.xml\nengine:\n  num_threads: 2\n";
    let engine_yaml = "num_threads: 1\nsolver_iterations: 8\nsim_freq: 240\n";
    let merged = merge_engine_config(Path::new("env.yaml"), env_yaml, engine_yaml).unwrap();
    let EnvConfig::Char(c) = serde_yaml_ng::from_str(&merged).unwrap() else {
        panic!("not a char env: {merged}")
    };
    let engine = c.engine.unwrap();
    assert_eq!(engine.num_threads, 2, "the env file's key wins");
    assert_eq!(engine.solver_iterations, 8);
    assert_eq!(engine.sim_freq, 240.0);
    // Without a block in the env file, the engine file's keys become it.
    let merged = merge_engine_config(
        Path::new("env.yaml"),
        "env_name: char\nchar_file: h.xml\n",
        engine_yaml,
    )
    .unwrap();
    let EnvConfig::Char(c) = serde_yaml_ng::from_str(&merged).unwrap() else {
        panic!()
    };
    assert_eq!(c.engine.unwrap().num_threads, 1);
}

#[test]
fn mimickits_engine_files_run_on_rapier_with_their_rates_and_spacing() {
    use bevy_mimic::config::load_engine_config;
    use bevy_mimic::sim::engine::substitution_note;
    let dir = std::env::temp_dir().join(format!(
        "bevy_mimic_mimickit_engines_{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    // MimicKit's engine files (data/engines/*.yaml) as published: quoted names, blank lines.
    for (name, text, sim_freq) in [
        (
            "isaac_gym",
            "engine_name: \"isaac_gym\"\n    \ncontrol_mode: \"pos\"\ncontrol_freq: 30\nsim_freq: 120\nenv_spacing: 5\n    \nground_contact_height: 0.3",
            120.0,
        ),
        (
            "isaac_lab",
            "engine_name: \"isaac_lab\"\n    \ncontrol_mode: \"pos\"\ncontrol_freq: 30\nsim_freq: 120\nenv_spacing: 5",
            120.0,
        ),
        (
            "newton",
            "engine_name: \"newton\"\n    \ncontrol_mode: \"pos\"\ncontrol_freq: 30\nsim_freq: 240\nenv_spacing: 5",
            240.0,
        ),
    ] {
        let file = dir.join(format!("{name}_engine.yaml"));
        std::fs::write(&file, text).unwrap();
        let config = load_engine_config(&file).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            (config.sim_freq, config.env_spacing),
            (sim_freq, 5.0),
            "{name}"
        );
        let note = substitution_note(&config).expect("a MimicKit engine is noted");
        assert!(note.contains(name) && note.contains("rapier"), "{note}");
        // It simulates: rapier with the file's substeps, the character standing on its PD.
        let m = humanoid();
        let mut e = HeadlessSim::new(m.clone(), 2, config.clone()).unwrap();
        let start = CharacterState::default_pose(&m, [0.0, 0.0], 0.0);
        let targets: Vec<f32> = (0..2).flat_map(|_| start.dofs.clone()).collect();
        for _ in 0..15 {
            e.pd_targets_mut().copy_from_slice(&targets);
            e.step();
        }
        assert!(
            e.state().env_is_valid(0) && e.state().root_pos(0).z > 0.7,
            "{name}: {:?}",
            e.state().root_pos(0)
        );
    }
    assert!(
        substitution_note(&EngineConfig::default()).is_none(),
        "rapier itself is not noted"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_cylinder_stands_on_its_disc_and_rests_on_its_rim_when_lying() {
    use bevy_mimic::anim::mjcf::parse_mjcf;
    // A lone body: a cylinder of radius 0.1 and height 0.4, dropped upright, then lying.
    let xml = r#"<mujoco><worldbody><body name="can" pos="0 0 0.6">
                 <freejoint/><geom type="cylinder" size="0.1 0.2" density="500"/>
               </body></worldbody></mujoco>"#;
    let model = parse_mjcf(xml, Path::new("can.xml")).unwrap();
    for (tilt, rest) in [(0.0, 0.2), (std::f32::consts::FRAC_PI_2, 0.1)] {
        let mut e = HeadlessSim::new(model.clone(), 1, EngineConfig::default()).unwrap();
        let mut start = CharacterState::default_pose(&model, [0.0, 0.0], 0.0);
        start.root_pos.z = 0.6;
        start.root_rot = Quat::from_rotation_x(tilt);
        e.set_env_state(0, &start);
        for _ in 0..60 {
            e.step();
        }
        let z = e.state().root_pos(0).z;
        assert!(
            (z - rest).abs() < 0.02,
            "tilt {tilt}: rests at {z}, not {rest}"
        );
    }
}
