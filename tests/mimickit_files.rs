//! MimicKit's own files, as published (`tests/data/mimickit/`, Apache-2.0, see its README),
//! load with their meaning kept.

use std::path::{Path, PathBuf};

use bevy_mimic::config::load_agent_config;
use bevy_mimic::learning::agents::{AgentConfig, AgentName, UpdateMode};
use bevy_mimic::learning::optimizer::OptimizerType;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/mimickit")
        .join(rel)
}

fn agent(rel: &str) -> AgentConfig {
    load_agent_config(&data(rel)).unwrap_or_else(|e| panic!("{e}"))
}

const HUMANOID_AGENTS: &[&str] = &[
    "deepmimic_humanoid_ppo_agent.yaml",
    "deepmimic_humanoid_awr_agent.yaml",
    "amp_humanoid_agent.yaml",
    "amp_task_humanoid_agent.yaml",
    "ase_humanoid_agent.yaml",
    "add_humanoid_agent.yaml",
];

#[test]
fn current_agent_files_train_each_network_on_its_own_schedule() {
    for name in HUMANOID_AGENTS {
        let c = agent(&format!("agents/{name}"));
        assert_eq!(c.update_mode(), UpdateMode::PerNetwork, "{name}");
        let (actor, critic) = (c.actor_schedule(), c.critic_schedule());
        assert_eq!((actor.epochs, actor.batch_size), (5, 4.0), "{name}");
        assert_eq!((critic.epochs, critic.batch_size), (2, 2.0), "{name}");
        // 4 × 4096 envs: MimicKit's minibatches of 16,384 and 4 steps per pass of 131,072.
        assert_eq!(actor.minibatch(4096), 16_384);
        assert_eq!(actor.steps(32 * 4096, 4096), 5 * 8);
    }
    let amp = agent("agents/amp_humanoid_agent.yaml");
    let disc = amp.disc_optimizer();
    assert_eq!(disc.kind, OptimizerType::Sgd);
    assert_eq!((disc.learning_rate, disc.weight_decay), (2.5e-4, 1e-4));
    assert_eq!(
        (amp.disc_schedule().epochs, amp.disc_schedule().batch_size),
        (2, 2.0)
    );
    assert_eq!(amp.disc_grad_penalty, 5.0);

    let ase = agent("agents/ase_humanoid_agent.yaml");
    assert_eq!(ase.agent_name, AgentName::Ase);
    assert_eq!(ase.actor_optimizer().kind, OptimizerType::Adam);
    assert_eq!(ase.actor_optimizer().learning_rate, 2e-5);
    assert_eq!(ase.enc_optimizer().learning_rate, 5e-5);
    assert_eq!(
        (ase.enc_schedule().epochs, ase.enc_schedule().batch_size),
        (2, 2.0)
    );
    assert_eq!(ase.model.latent_dim, 64);
    assert_eq!(ase.model.enc_net, "fc_2layers_1024units");

    let task = agent("agents/amp_task_humanoid_agent.yaml");
    assert_eq!(
        (task.task_reward_weight, task.disc_reward_weight),
        (0.5, 0.5)
    );
    assert_eq!(task.actor_optimizer().learning_rate, 5e-5);
}

#[test]
fn earlier_agent_files_sum_every_loss_with_one_optimizer() {
    for name in HUMANOID_AGENTS {
        let c = agent(&format!("agents_2025/{name}"));
        assert_eq!(c.update_mode(), UpdateMode::Summed, "{name}");
        assert_eq!((c.update_epochs, c.batch_size), (5, 4), "{name}");
        assert_eq!(c.critic_loss_weight, 1.0, "{name}");
        // One `optimizer:` for every network.
        let one = c.optimizer.clone().expect("the earlier schema's optimizer");
        for (net, opt) in [
            ("actor", c.actor_optimizer()),
            ("critic", c.critic_optimizer()),
            ("disc", c.disc_optimizer()),
            ("enc", c.enc_optimizer()),
        ] {
            assert_eq!(opt, &one, "{name}: {net}");
        }
    }
    let amp = agent("agents_2025/amp_humanoid_agent.yaml");
    assert_eq!(amp.actor_optimizer().learning_rate, 5e-5);
    // The discriminator joins every epoch's minibatches, weighted 5, with at most 2,048 demo
    // rows (1,024 agent rows) and an L2 term on its weights.
    assert_eq!(amp.disc_update_epochs, None);
    assert_eq!(amp.disc_loss_weight, 5.0);
    assert_eq!(amp.disc_batch_size, Some(2048.0));
    assert_eq!(amp.disc_weight_decay, 1e-4);
    let ase = agent("agents_2025/ase_humanoid_agent.yaml");
    assert_eq!(ase.enc_loss_weight, 5.0);
    assert_eq!(ase.optimizer.as_ref().unwrap().kind, OptimizerType::Adam);
}

#[test]
fn a_mode_asked_for_wins_over_the_keys_and_bad_values_name_their_key() {
    use bevy_mimic::config::parse_agent_config;
    let f = Path::new("agent.yaml");
    let c =
        parse_agent_config(f, "agent_name: PPO\nupdate_mode: summed\nactor_epochs: 3\n").unwrap();
    assert_eq!(c.update_mode(), UpdateMode::Summed);
    let c = parse_agent_config(f, "agent_name: PPO\nupdate_mode: per_network\n").unwrap();
    assert_eq!(c.update_mode(), UpdateMode::PerNetwork);
    assert_eq!(c.actor_schedule().epochs, 5);
    let e = parse_agent_config(f, "agent_name: PPO\ncritic_batch_size: 0\n").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("critic_batch_size"), "{e}");
    let e = parse_agent_config(f, "agent_name: PPO\nupdate_mode: alternating\n").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("update_mode"), "{e}");
}

/// One iteration of MimicKit's agent file `rel` on a small env (4 envs), returning its log row.
fn one_iteration(rel: &str) -> bevy_mimic::learning::log_row::LogRow {
    use bevy_mimic::learning::device::Backend;
    use bevy_mimic::train::{TrainOptions, Trainer};
    let path = data(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    let c = agent(rel);
    let env = match c.agent_name {
        AgentName::Ppo | AgentName::Awr => "env_name: cartpole\n",
        AgentName::Add => "env_name: point_match\nmode: add\n",
        AgentName::Amp | AgentName::Ase => "env_name: point_match\nmode: amp\n",
        AgentName::Hlc => unreachable!("MimicKit has no high-level controller files"),
    };
    let out = std::env::temp_dir().join(format!(
        "mimickit-files-{}-{}",
        std::process::id(),
        rel.replace('/', "-")
    ));
    let options = TrainOptions {
        num_envs: 4,
        max_samples: 1,
        out_dir: out.clone(),
        seed: 3,
        save_int_models: false,
        print_table: false,
        progress: false,
    };
    let mut t = Trainer::new(
        &path,
        text,
        Path::new("env.yaml"),
        env.into(),
        options,
        Backend::Flex.device(),
    )
    .unwrap_or_else(|e| panic!("{rel}: {e}"));
    let row = t.train_iteration().unwrap();
    let _ = std::fs::remove_dir_all(out);
    row
}

#[test]
fn every_humanoid_agent_file_trains_an_iteration_as_published() {
    for folder in ["agents", "agents_2025"] {
        for name in HUMANOID_AGENTS {
            let rel = format!("{folder}/{name}");
            let row = one_iteration(&rel);
            let finite = |k: &str| row.get(k).is_some_and(f64::is_finite);
            assert!(finite("Critic_Loss") && finite("Actor_Loss"), "{rel}");
            assert_eq!(row.get("Loss").is_some(), folder == "agents_2025", "{rel}");
            assert_eq!(row.get("Nonfinite_Loss_Skipped"), Some(0.0), "{rel}");
            if !name.starts_with("deepmimic") {
                assert!(finite("Disc_Loss"), "{rel}");
            }
            if name.starts_with("ase") {
                assert!(finite("Enc_Loss"), "{rel}");
            }
            if rel == "agents_2025/amp_humanoid_agent.yaml" {
                assert!(finite("Disc_Weight_Decay"), "{rel}");
            }
        }
    }
}

#[test]
fn the_humanoid_env_files_parse_with_every_key_they_use() {
    use bevy_mimic::config::parse_yaml;
    use bevy_mimic::env::EnvConfig;
    use bevy_mimic::env::character::CameraMode;
    for name in ["deepmimic", "amp", "ase", "add"] {
        let rel = format!("envs/{name}_humanoid_env.yaml");
        let text = std::fs::read_to_string(data(&rel)).unwrap();
        let config: EnvConfig =
            parse_yaml(&data(&rel), &text).unwrap_or_else(|e| panic!("{rel}: {e}"));
        config.validate().unwrap_or_else(|e| panic!("{rel}: {e:?}"));
        let (_, c) = config.character().unwrap_or_else(|| panic!("{rel}"));
        assert!(!c.enable_phase_obs, "{rel}");
        assert_eq!(c.camera_mode, Some(CameraMode::Track), "{rel}");
        assert_eq!(
            c.ref_char_offset.as_deref(),
            Some(&[2.0, 0.0, 0.0][..]),
            "{rel}"
        );
        assert_eq!(c.init_pose.as_ref().map(Vec::len), Some(34), "{rel}");
        assert_eq!(c.log_tracking_error, name == "add", "{rel}");
    }
    // The task envs: their keys read as MimicKit's envs read them.
    use bevy_mimic::env::character::TaskParams;
    let task = |name: &str| {
        let rel = format!("envs/{name}_humanoid_env.yaml");
        let text = std::fs::read_to_string(data(&rel)).unwrap();
        let config: EnvConfig =
            parse_yaml(&data(&rel), &text).unwrap_or_else(|e| panic!("{rel}: {e}"));
        config.validate().unwrap_or_else(|e| panic!("{rel}: {e:?}"));
        let (kind, c) = config.character().unwrap();
        let params = TaskParams::from_config(kind, &c).unwrap_or_else(|e| panic!("{rel}: {e:?}"));
        (c, params.unwrap_or_else(|| panic!("{rel}: no task")))
    };
    let (c, steering) = task("amp_steering");
    assert_eq!(c.episode_length, 10.0);
    assert_eq!(
        steering,
        TaskParams::Steering {
            rand_tar_dir: true,
            rand_face_dir: false,
            speed: (0.5, 5.0),
            change_time: (4.0, 7.0),
            tar_w: 0.7,
            face_w: 0.3,
            vel_scale: 0.5,
        }
    );
    let (c, location) = task("amp_location");
    assert_eq!(c.episode_length, 20.0);
    assert_eq!(
        location,
        TaskParams::Location {
            speed: 1.0,
            change_time: (5.0, 10.0),
            dist_max: 10.0,
        }
    );
}

#[test]
fn mimickits_humanoid_loads() {
    use bevy_mimic::anim::mjcf::load_mjcf;
    let model = load_mjcf(&data("assets/humanoid/humanoid.xml")).unwrap_or_else(|e| panic!("{e}"));
    // MimicKit's humanoid: pelvis and 14 bodies, 28 DoFs (3-DoF ball joints as hinge
    // triplets, 1-DoF elbows and knees).
    assert_eq!(model.num_bodies(), 15);
    assert_eq!(model.num_dofs(), 28);
    // Its PD gains are the joints' `stiffness`/`damping` (with `motor` actuators), read as
    // MimicKit's engines read them: the drive's gains, not passive springs. Its torque limits
    // are `actuatorfrcrange`.
    let abdomen = &model.gains[0];
    assert_eq!(
        (abdomen.kp, abdomen.kd, abdomen.torque_limit),
        (1000.0, 100.0, 200.0)
    );
    let neck = &model.gains[3];
    assert_eq!((neck.kp, neck.kd, neck.torque_limit), (100.0, 10.0, 50.0));
}

#[test]
fn mimickits_dataset_file_reads_and_names_its_first_missing_clip() {
    use bevy_mimic::anim::mjcf::load_mjcf;
    use bevy_mimic::anim::motion_lib::MotionLib;
    let model = load_mjcf(&data("assets/humanoid/humanoid.xml")).unwrap();
    let file = data("datasets/dataset_humanoid_locomotion.yaml");
    let e = MotionLib::load(&file, &model)
        .err()
        .expect("its clips are not here")
        .to_string();
    assert!(
        e.contains("dataset_humanoid_locomotion.yaml") && e.contains("humanoid_run.pkl"),
        "{e}"
    );
}
