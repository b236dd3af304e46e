//! ONNX export: the exported graph gives burn's actions on the observations of a real rollout
//! (checked with onnxruntime whenever Python has it; CI installs it), the JSON beside it
//! describes the inputs, and damaged or unexportable checkpoints are refused with a clear error.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use bevy::prelude::*;
use bevy_mimic::env::character::systems::EnvOutput;
use bevy_mimic::export::export_onnx;
use bevy_mimic::learning::checkpoint::load_policy;
use bevy_mimic::learning::device::Backend;
use bevy_mimic::play::PolicyPlugin;
use bevy_mimic::skills::SkillSteering;
use common::TempDir;

/// Characters played and control steps recorded: 1,000 observations.
const CHARACTERS: usize = 4;
const STEPS: usize = 250;

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/policies")
        .join(name)
}

fn onnxruntime_installed() -> bool {
    Command::new("python3")
        .args(["-c", "import onnxruntime"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The observations of `STEPS` control steps of `CHARACTERS` characters playing the policy in
/// `dir`, each ASE character holding its latent from `latents`.
fn rollout(dir: &Path, latents: &[Vec<f32>]) -> Vec<f32> {
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        TransformPlugin,
        PolicyPlugin::load(dir, CHARACTERS).unwrap(),
    ));
    app.finish();
    app.cleanup();
    app.update();
    for (env, z) in latents.iter().enumerate() {
        app.world_mut().resource_mut::<SkillSteering>().hold(env, z);
    }
    let mut obs = Vec::new();
    for _ in 0..STEPS {
        app.update();
        obs.extend_from_slice(&app.world().resource::<EnvOutput>().buffers.obs);
    }
    obs
}

fn write_f32(path: &Path, values: &[f32]) {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap();
}

/// The largest |onnxruntime − burn| over the rows, from Python.
fn onnxruntime_gap(
    onnx: &Path,
    obs: &[f32],
    obs_dim: usize,
    z: Option<(&[f32], usize)>,
    burn: &[f32],
) -> f64 {
    let dir = onnx.parent().unwrap();
    write_f32(&dir.join("obs.f32"), obs);
    write_f32(&dir.join("burn.f32"), burn);
    let z_dim = z.map_or(0, |(_, d)| d);
    if let Some((z, _)) = z {
        write_f32(&dir.join("z.f32"), z);
    }
    let script = format!(
        r#"
import numpy as np, onnxruntime as ort
d = {dir:?}
s = ort.InferenceSession({onnx:?}, providers=["CPUExecutionProvider"])
feed = {{"obs": np.fromfile(d + "/obs.f32", np.float32).reshape(-1, {obs_dim})}}
if {z_dim} > 0:
    feed["z"] = np.fromfile(d + "/z.f32", np.float32).reshape(-1, {z_dim})
out = s.run(None, feed)[0]
burn = np.fromfile(d + "/burn.f32", np.float32).reshape(out.shape)
print(float(np.abs(out.astype(np.float64) - burn).max()), out.shape[0])
"#,
        dir = dir.display().to_string(),
        onnx = onnx.display().to_string(),
    );
    let out = Command::new("python3")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace();
    let gap: f64 = it.next().unwrap().parse().unwrap();
    let rows: usize = it.next().unwrap().parse().unwrap();
    assert_eq!(rows, obs.len() / obs_dim);
    gap
}

#[test]
fn an_exported_steering_policy_acts_as_burn_does() {
    let dir = TempDir::new("export-steering");
    let onnx = dir.path().join("steering.onnx");
    let summary = export_onnx(&shipped("steering"), &onnx).unwrap();
    assert_eq!(
        (summary.obs_dim, summary.latent_dim, summary.action_dim),
        (145, 0, 28)
    );
    let sidecar: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary.sidecar).unwrap()).unwrap();
    assert_eq!(sidecar["joint_order"].as_array().unwrap().len(), 28);
    assert_eq!(sidecar["control_hz"], 30.0);
    assert_eq!(sidecar["observation"]["task_dim"], 5);
    assert_eq!(sidecar["inputs"][0]["shape"][1], 145);

    let obs = rollout(&shipped("steering"), &[]);
    let distinct: std::collections::BTreeSet<Vec<u32>> = obs
        .chunks_exact(145)
        .map(|r| r.iter().map(|v| v.to_bits()).collect())
        .collect();
    assert!(
        distinct.len() > 900,
        "the rollout's observations hardly vary"
    );
    let mut policy = load_policy(&shipped("steering"), Backend::Flex.device())
        .unwrap()
        .policy;
    let burn = policy.act(&obs).to_vec();
    if !onnxruntime_installed() {
        eprintln!("skipped the onnxruntime comparison: `pip install onnxruntime` to run it");
        return;
    }
    let gap = onnxruntime_gap(&onnx, &obs, 145, None, &burn);
    println!("steering: onnxruntime vs burn, largest difference {gap:e} over 1,000 observations");
    assert!(gap <= 1e-5, "onnxruntime differs from burn by {gap}");
}

#[test]
fn an_exported_ase_policy_takes_the_latent_as_an_input() {
    let dir = TempDir::new("export-ase");
    let onnx = dir.path().join("ase.onnx");
    let summary = export_onnx(&shipped("ase_skills"), &onnx).unwrap();
    assert_eq!((summary.obs_dim, summary.latent_dim), (140, 16));
    let sidecar: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary.sidecar).unwrap()).unwrap();
    assert_eq!(sidecar["inputs"][1]["name"], "z");
    // The shipped policy names its skills at start; the web's play-only copy carries them.
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web/policies/ase_skills");
    let web_onnx = dir.path().join("ase_web.onnx");
    export_onnx(&web, &web_onnx).unwrap();
    let web_sidecar: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(web_onnx.with_extension("json")).unwrap())
            .unwrap();
    let skills = web_sidecar["named_skills"].as_array().unwrap();
    assert_eq!(skills.len(), 4);

    // Each character holds one named skill.
    let latents: Vec<Vec<f32>> = skills
        .iter()
        .map(|s| {
            s["z"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect()
        })
        .collect();
    let obs = rollout(&shipped("ase_skills"), &latents);
    let mut policy = load_policy(&shipped("ase_skills"), Backend::Flex.device())
        .unwrap()
        .policy;
    let slots = policy.latents_mut().unwrap();
    slots.resize(CHARACTERS);
    for (env, z) in latents.iter().enumerate() {
        slots.hold(env, z);
    }
    let mut burn = Vec::new();
    for step in obs.chunks_exact(CHARACTERS * 140) {
        burn.extend_from_slice(policy.act(step));
    }
    let z_rows: Vec<f32> = (0..STEPS).flat_map(|_| latents.concat()).collect();
    if !onnxruntime_installed() {
        eprintln!("skipped the onnxruntime comparison: `pip install onnxruntime` to run it");
        return;
    }
    let gap = onnxruntime_gap(&onnx, &obs, 140, Some((&z_rows, 16)), &burn);
    println!("ASE: onnxruntime vs burn, largest difference {gap:e} over 1,000 observations");
    assert!(gap <= 1e-5, "onnxruntime differs from burn by {gap}");
}

#[test]
fn damaged_or_missing_checkpoints_are_refused_naming_them() {
    let dir = TempDir::new("export-bad");
    let copy = dir.path().join("steering");
    std::fs::create_dir_all(&copy).unwrap();
    for entry in std::fs::read_dir(shipped("steering")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), copy.join(entry.file_name())).unwrap();
    }
    let model = copy.join("model.bpk");
    let bytes = std::fs::read(&model).unwrap();
    std::fs::write(&model, &bytes[..bytes.len() / 2]).unwrap();
    let out = dir.path().join("out.onnx");
    let err = export_onnx(&copy, &out).expect_err("a damaged model file");
    assert!(err.to_string().contains("model.bpk"), "{err}");
    assert!(!out.exists(), "nothing is written for a damaged checkpoint");

    let missing = dir.path().join("nothing_here");
    let err = export_onnx(&missing, &out).expect_err("no checkpoint");
    assert!(err.to_string().contains("nothing_here"), "{err}");
}

#[test]
fn every_shipped_policy_exports() {
    let dir = TempDir::new("export-all");
    for name in ["deepmimic_walk", "amp_walk", "location"] {
        let onnx = dir.path().join(format!("{name}.onnx"));
        let summary = export_onnx(&shipped(name), &onnx).unwrap();
        let mut policy = load_policy(&shipped(name), Backend::Flex.device())
            .unwrap()
            .policy;
        let obs: Vec<f32> = (0..64 * summary.obs_dim)
            .map(|i| (i as f32 * 0.37).sin() * 2.0)
            .collect();
        let burn = policy.act(&obs).to_vec();
        if onnxruntime_installed() {
            let gap = onnxruntime_gap(&onnx, &obs, summary.obs_dim, None, &burn);
            println!("{name}: onnxruntime vs burn, largest difference {gap:e}");
            assert!(
                gap <= 1e-5,
                "{name}: onnxruntime differs from burn by {gap}"
            );
        }
    }
}

#[test]
fn a_high_level_controller_exports_with_its_low_level_and_chains_as_in_play() {
    use bevy_mimic::learning::hlc::LowLevel;
    use common::{config_path, config_text, options};
    let dir = TempDir::new("export-hlc");
    let (agent, env) = (
        "agents/hlc_humanoid_cpu.yaml",
        "envs/hlc_steering_humanoid.yaml",
    );
    let mut trainer = bevy_mimic::train::Trainer::new(
        &config_path(agent),
        config_text(agent, &[]),
        &config_path(env),
        config_text(env, &[]),
        options(dir.path(), 2, 64, 1),
        Backend::Flex.device(),
    )
    .unwrap();
    trainer.train().unwrap();
    let model = dir.path().join("model");
    let onnx = dir.path().join("hlc.onnx");
    let summary = export_onnx(&model, &onnx).unwrap();
    assert_eq!((summary.obs_dim, summary.action_dim), (145, 16));
    let low_onnx = dir.path().join("hlc_low_level.onnx");
    assert!(low_onnx.exists());
    let sidecar: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary.sidecar).unwrap()).unwrap();
    assert_eq!(sidecar["low_level"]["llc_steps"], 5);
    assert_eq!(sidecar["low_level"]["obs_dim"], 140);

    // burn: the controller's latent, then the low level's first step under it.
    let obs: Vec<f32> = (0..8 * 145).map(|i| (i as f32 * 0.23).sin()).collect();
    let controller = load_policy(&model, Backend::Flex.device()).unwrap().policy;
    let low = load_policy(&shipped("ase_skills"), Backend::Flex.device())
        .unwrap()
        .policy;
    let mut chained = controller.with_low_level(LowLevel::new(low, shipped("ase_skills"), 5));
    let burn = chained.act(&obs).to_vec();
    if !onnxruntime_installed() {
        eprintln!("skipped the onnxruntime comparison: `pip install onnxruntime` to run it");
        return;
    }
    write_f32(&dir.path().join("obs.f32"), &obs);
    write_f32(&dir.path().join("burn.f32"), &burn);
    let script = format!(
        r#"
import numpy as np, onnxruntime as ort
d = {dir:?}
obs = np.fromfile(d + "/obs.f32", np.float32).reshape(-1, 145)
ctrl = ort.InferenceSession(d + "/hlc.onnx", providers=["CPUExecutionProvider"])
low = ort.InferenceSession(d + "/hlc_low_level.onnx", providers=["CPUExecutionProvider"])
z = ctrl.run(None, {{"obs": obs}})[0]
a = low.run(None, {{"obs": obs[:, :140], "z": z}})[0]
burn = np.fromfile(d + "/burn.f32", np.float32).reshape(a.shape)
print(float(np.abs(a.astype(np.float64) - burn).max()), float(np.abs(np.linalg.norm(z, axis=1) - 1).max()))
"#,
        dir = dir.path().display().to_string()
    );
    let out = Command::new("python3")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Vec<f64> = text
        .split_whitespace()
        .map(|t| t.parse().unwrap())
        .collect();
    println!(
        "HLC chained: onnxruntime vs burn, largest difference {:e}; |z| − 1 at most {:e}",
        v[0], v[1]
    );
    assert!(
        v[0] <= 1e-5,
        "the chained graphs differ from burn by {}",
        v[0]
    );
    assert!(v[1] <= 1e-5, "the controller's z is not a unit vector");
}
