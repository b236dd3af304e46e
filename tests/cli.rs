//! The `bevy_mimic` binary end to end: train, test, plot, and errors for bad input.

mod common;

use std::path::Path;
use std::process::Command;

use common::{TempDir, config_path};

fn bevy_mimic(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bevy_mimic"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn train_test_and_plot_from_the_command_line() {
    let dir = TempDir::new("cli");
    let out = dir.path().join("run");
    let out_s = out.to_str().unwrap();
    let agent = config_path("agents/ppo_cartpole.yaml");
    let env = config_path("envs/cartpole.yaml");
    let (ok, stdout, stderr) = bevy_mimic(&[
        "train",
        "--agent_config",
        agent.to_str().unwrap(),
        "--env_config",
        env.to_str().unwrap(),
        "--num_envs",
        "4",
        "--max_samples",
        "256",
        "--out_dir",
        out_s,
    ]);
    assert!(ok, "{stderr}");
    // MimicKit's table, one per iteration (2 iterations of 4 envs × 32 steps).
    assert_eq!(
        stdout.matches("|                 Iteration |").count(),
        2,
        "{stdout}"
    );
    assert!(stdout.contains("Test_Return"), "{stdout}");
    assert!(stdout.contains("final test: return"), "{stdout}");
    for file in [
        "log.csv",
        "agent_config.yaml",
        "env_config.yaml",
        "model/manifest.json",
    ] {
        assert!(out.join(file).exists(), "{file} missing");
    }

    let model = out.join("model");
    let (ok, stdout, stderr) = bevy_mimic(&[
        "test",
        "--model_file",
        model.to_str().unwrap(),
        "--test_episodes",
        "4",
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("Test_Return:") && stdout.contains("Test_Episode_Length:"),
        "{stdout}"
    );

    let png = out.join("curve.png");
    let log = out.join("log.csv");
    let (ok, _, stderr) = bevy_mimic(&[
        "plot",
        "--log",
        log.to_str().unwrap(),
        "--out",
        png.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(std::fs::metadata(&png).unwrap().len() > 1000);

    // Resuming needs the same number of environments.
    let (ok, _, stderr) = bevy_mimic(&["train", "--resume", "--out_dir", out_s, "--num_envs", "8"]);
    assert!(!ok);
    assert!(stderr.contains("--num_envs 4"), "{stderr}");

    // A new run started from the checkpoint (MimicKit's --model_file) trains on from its weights.
    let warm = dir.path().join("warm");
    let model = out.join("model");
    let (ok, _, stderr) = bevy_mimic(&[
        "train",
        "--agent_config",
        agent.to_str().unwrap(),
        "--env_config",
        env.to_str().unwrap(),
        "--num_envs",
        "4",
        "--max_samples",
        "128",
        "--out_dir",
        warm.to_str().unwrap(),
        "--model_file",
        model.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(warm.join("model").join("model.bpk").exists());
    let (ok, _, stderr) = bevy_mimic(&[
        "train",
        "--resume",
        "--out_dir",
        out_s,
        "--num_envs",
        "4",
        "--model_file",
        model.to_str().unwrap(),
    ]);
    assert!(!ok && stderr.contains("give one of them"), "{stderr}");
}

#[test]
fn bad_input_is_a_clear_error_not_a_panic() {
    let dir = TempDir::new("cli-bad");
    let bad = dir.path().join("bad_agent.yaml");
    std::fs::write(&bad, "agent_name: PPO\nmodel:\n  actor_net: fc_9layers\n").unwrap();
    let env = config_path("envs/cartpole.yaml");
    let out = dir.path().join("o");
    let args = |agent: &str| {
        vec![
            "train".to_string(),
            "--agent_config".into(),
            agent.into(),
            "--env_config".into(),
            env.to_str().unwrap().into(),
            "--out_dir".into(),
            out.to_str().unwrap().into(),
            "--max_samples".into(),
            "64".into(),
        ]
    };
    let run = |a: Vec<String>| bevy_mimic(&a.iter().map(String::as_str).collect::<Vec<_>>());

    // A wrong net name lists the valid ones.
    let (ok, _, stderr) = run(args(bad.to_str().unwrap()));
    assert!(!ok);
    assert!(
        stderr.contains("fc_9layers") && stderr.contains("fc_2layers_1024units"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    // An unknown key names the file and the key.
    std::fs::write(&bad, "agent_name: PPO\nlearning_rat: 3\n").unwrap();
    let (ok, _, stderr) = run(args(bad.to_str().unwrap()));
    assert!(!ok);
    assert!(
        stderr.contains("bad_agent.yaml") && stderr.contains("learning_rat"),
        "{stderr}"
    );

    // A missing file, a bad device, a missing checkpoint.
    let (ok, _, stderr) = run(args("/nonexistent/agent.yaml"));
    assert!(
        !ok && stderr.contains("/nonexistent/agent.yaml"),
        "{stderr}"
    );
    let mut a = args(config_path("agents/ppo_cartpole.yaml").to_str().unwrap());
    a.extend(["--device".into(), "tpu".into()]);
    let (ok, _, stderr) = run(a);
    assert!(
        !ok && stderr.contains("tpu") && stderr.contains("cpu"),
        "{stderr}"
    );
    let (ok, _, stderr) = bevy_mimic(&["test", "--model_file", dir.path().to_str().unwrap()]);
    assert!(!ok && stderr.contains("manifest"), "{stderr}");

    // An engine that does not exist, or one this build leaves out, is named with the fix.
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/policies/deepmimic_walk");
    let test_with = |extra: &[&str]| {
        let mut args = vec![
            "test",
            "--model_file",
            policy.to_str().unwrap(),
            "--num_envs",
            "1",
            "--test_episodes",
            "1",
        ];
        args.extend_from_slice(extra);
        bevy_mimic(&args)
    };
    let test_on = |engine: &str| test_with(&["--engine", engine]);
    let (ok, _, stderr) = test_on("bullet");
    assert!(
        !ok && stderr.contains("engine_name")
            && stderr.contains("bullet")
            && stderr.contains("mujoco"),
        "{stderr}"
    );
    if cfg!(not(feature = "mujoco")) {
        let (ok, _, stderr) = test_on("mujoco");
        assert!(
            !ok && stderr.contains("--features mujoco") && stderr.contains("fetch_mujoco.sh"),
            "{stderr}"
        );
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    // A replay rate that is no whole multiple of the control rate is refused by name.
    let (ok, _, stderr) = test_with(&["--sim_freq", "100"]);
    assert!(
        !ok && stderr.contains("sim_freq") && stderr.contains("env_config.yaml"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn mimickits_arg_files_and_mode_flags_run_train_and_test() {
    let dir = TempDir::new("cli_args");
    let out = dir.path().join("run");
    let agent = config_path("agents/ppo_cartpole.yaml");
    let env = config_path("envs/cartpole.yaml");
    // MimicKit's args/*.txt syntax: `--key value` tokens over lines, comments, blank lines.
    let args_file = dir.path().join("cartpole_args.txt");
    std::fs::write(
        &args_file,
        format!(
            "--num_envs 4096\n\n# MimicKit's runner flags\n--env_config {}\n--agent_config {}\n\
             --visualize true\n--logger txt\n--devices cpu\n\n--out_dir {}\n--max_samples 256\n",
            env.display(),
            agent.display(),
            out.display()
        ),
    )
    .unwrap();
    let file = args_file.to_str().unwrap();
    // The command line wins over the file (4 envs, not 4096).
    let (ok, stdout, stderr) =
        bevy_mimic(&["--arg_file", file, "--num_envs", "4", "--mode", "train"]);
    assert!(ok, "{stderr}");
    assert_eq!(
        stdout.matches("|                 Iteration |").count(),
        2,
        "2 iterations of 4 envs × 32 steps: {stdout}"
    );
    assert!(
        stderr.contains("--visualize"),
        "the headless run says so: {stderr}"
    );
    let model = out.join("model");
    let (ok, stdout, stderr) = bevy_mimic(&[
        "--mode",
        "test",
        "--model_file",
        model.to_str().unwrap(),
        "--num_envs",
        "2",
        "--test_episodes",
        "2",
        "--visualize",
        "false",
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Test_Return"), "{stdout}");
    // A flag MimicKit's runner has but that means nothing here is named, with the file.
    let (ok, _, stderr) = bevy_mimic(&["--arg_file", file, "--int_output_dir", "x"]);
    assert!(!ok && stderr.contains("--int_output_dir"), "{stderr}");
    let (ok, _, stderr) = bevy_mimic(&["--arg_file", "no/such/args.txt"]);
    assert!(!ok && stderr.contains("no/such/args.txt"), "{stderr}");
}

#[test]
fn shipped_policies_and_configs_load_from_any_working_directory() {
    let dir = TempDir::new("cli_cwd");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let policy = root.join("assets/policies/ase_skills");
    let out = Command::new(env!("CARGO_BIN_EXE_bevy_mimic"))
        .current_dir(dir.path())
        .args(["test", "--model_file", policy.to_str().unwrap()])
        .args(["--num_envs", "2", "--test_episodes", "2"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Test_Return"));
    // A path found nowhere names where it was looked for.
    let env = dir.path().join("env.yaml");
    std::fs::write(
        &env,
        "env_name: deepmimic\nchar_file: characters/none.xml\nmotion_file: m.bmotion\n",
    )
    .unwrap();
    let agent = root.join("assets/configs/agents/deepmimic_humanoid_ppo_cpu.yaml");
    let out = Command::new(env!("CARGO_BIN_EXE_bevy_mimic"))
        .current_dir(dir.path())
        .args(["train", "--agent_config", agent.to_str().unwrap()])
        .args(["--env_config", env.to_str().unwrap(), "--max_samples", "64"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("char_file") && stderr.contains("working directory"),
        "{stderr}"
    );
}

#[test]
fn mimickits_own_args_file_reads_its_engine_env_and_agent_files_from_its_layout() {
    // A MimicKit checkout's layout, with its published files (tests/data/mimickit) but no
    // motion data (MimicKit downloads it separately).
    let dir = TempDir::new("mimickit_layout");
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/mimickit");
    for (from, to) in [
        (
            "args/deepmimic_humanoid_ppo_args.txt",
            "args/deepmimic_humanoid_ppo_args.txt",
        ),
        (
            "engines/isaac_gym_engine.yaml",
            "data/engines/isaac_gym_engine.yaml",
        ),
        (
            "envs/deepmimic_humanoid_env.yaml",
            "data/envs/deepmimic_humanoid_env.yaml",
        ),
        (
            "agents/deepmimic_humanoid_ppo_agent.yaml",
            "data/agents/deepmimic_humanoid_ppo_agent.yaml",
        ),
        (
            "assets/humanoid/humanoid.xml",
            "data/assets/humanoid/humanoid.xml",
        ),
    ] {
        let to = dir.path().join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(src.join(from), to).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_bevy_mimic"))
        .current_dir(dir.path())
        .args([
            "--arg_file",
            "args/deepmimic_humanoid_ppo_args.txt",
            "--mode",
            "train",
            "--num_envs",
            "4",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    // Every file of the chain was read, and the first thing missing is the clip, named with
    // its key and where it was looked for.
    assert!(
        stderr.contains("data/envs/deepmimic_humanoid_env.yaml")
            && stderr.contains("motion_file")
            && stderr.contains("humanoid_spinkick.pkl")
            && stderr.contains("from the working directory"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
