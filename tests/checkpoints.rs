//! Checkpoints: bit-exact round trips, exact resumption, and refusal of damaged ones.

mod common;

use bevy_mimic::learning::checkpoint::load_agent;
use bevy_mimic::learning::device::Backend;
use bevy_mimic::train::{Trainer, test_checkpoint};
use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Tensor;
use common::{TempDir, config_path, config_text, options, trainer};

const SMALL: &[(&str, &str)] = &[("iters_per_output", "3"), ("update_epochs", "2")];

/// Every float parameter's values, in traversal order (parameter ids left out: two models built
/// apart have different ids even with equal weights).
fn weights(model: &impl Module) -> Vec<u8> {
    struct Collect(Vec<u8>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.extend_from_slice(param.val().into_data().as_bytes());
        }
    }
    let mut c = Collect(Vec::new());
    model.visit(&mut c);
    c.0
}

/// Bit-exact equality of two models' weights, reported without dumping the bytes.
fn assert_same_weights(a: &impl Module, b: &impl Module) {
    let (wa, wb) = (weights(a), weights(b));
    let first_diff = wa.iter().zip(&wb).position(|(x, y)| x != y);
    assert!(
        wa.len() == wb.len() && first_diff.is_none(),
        "weights differ: {} vs {} bytes, first difference at byte {first_diff:?}",
        wa.len(),
        wb.len()
    );
}

/// A CartPole run of one iteration, which writes a checkpoint.
fn one_iteration_of_cartpole(dir: &TempDir) -> Trainer {
    let mut t = trainer(
        "agents/ppo_cartpole.yaml",
        SMALL,
        "envs/cartpole.yaml",
        options(dir.path(), 8, 256, 1),
    );
    t.train().unwrap();
    t
}

#[test]
fn round_trip_is_bit_exact() {
    let dir = TempDir::new("run");
    let mut t = trainer(
        "agents/ppo_pendulum.yaml",
        SMALL,
        "envs/pendulum.yaml",
        options(dir.path(), 4, 4 * 256 * 3, 5),
    );
    t.train().unwrap();
    let saved = t.agent();
    let loaded = load_agent(&t.checkpoint_dir(), Backend::Flex.device())
        .unwrap()
        .agent;
    assert_same_weights(saved.model(), loaded.model());
    assert_eq!(
        serde_json::to_string(saved.state()).unwrap(),
        serde_json::to_string(loaded.state()).unwrap()
    );
    // The optimizer state is checked by its effect: `resume_continues_exactly` would drift
    // without Adam's moments.
    assert!(!loaded.optimizer_bytes().unwrap().is_empty());
    // The record really holds the weights: a record from another seed differs.
    let other = TempDir::new("run");
    let mut t2 = trainer(
        "agents/ppo_pendulum.yaml",
        SMALL,
        "envs/pendulum.yaml",
        options(other.path(), 4, 4 * 256, 6),
    );
    t2.train().unwrap();
    assert!(weights(saved.model()) != weights(t2.agent().model()));
}

#[test]
fn resume_continues_exactly() {
    // One run of 7 iterations, against 4 iterations, a stop, and a resumed run of 3 more. With
    // output every 3 iterations (1, 4, 7) the stop falls on an output iteration of both runs.
    let straight = TempDir::new("run");
    let mut a = trainer(
        "agents/ppo_cartpole.yaml",
        SMALL,
        "envs/cartpole.yaml",
        options(straight.path(), 8, 7 * 256, 9),
    );
    a.train().unwrap();

    let split = TempDir::new("run");
    let mut b = trainer(
        "agents/ppo_cartpole.yaml",
        SMALL,
        "envs/cartpole.yaml",
        options(split.path(), 8, 4 * 256, 9),
    );
    b.train().unwrap();
    drop(b);
    let mut c =
        Trainer::resume(options(split.path(), 8, 7 * 256, 9), Backend::Flex.device()).unwrap();
    assert_eq!(c.agent().iteration(), 4);
    c.train().unwrap();
    assert_eq!(c.agent().iteration(), 7);
    assert_same_weights(a.agent().model(), c.agent().model());
    assert_eq!(a.last_test(), c.last_test());

    // The CSV of the resumed run continues the first part's rows.
    let log = std::fs::read_to_string(split.path().join("log.csv")).unwrap();
    assert_eq!(log.lines().count(), 1 + 7);
}

#[test]
fn damaged_or_mismatched_checkpoints_are_refused() {
    let dir = TempDir::new("run");
    let t = one_iteration_of_cartpole(&dir);
    let ckpt = t.checkpoint_dir();

    // A policy for CartPole cannot drive Pendulum.
    let pendulum = config_path("envs/pendulum.yaml");
    let err = test_checkpoint(
        &ckpt,
        Some((&pendulum, config_text("envs/pendulum.yaml", &[]))),
        &Default::default(),
        2,
        2,
        0,
        Backend::Flex.device(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("observations"), "{err}");

    // Truncation is caught by the manifest.
    let model = ckpt.join("model.bpk");
    let bytes = std::fs::read(&model).unwrap();
    std::fs::write(&model, &bytes[..bytes.len() / 2]).unwrap();
    let err = load_agent(&ckpt, Backend::Flex.device())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("model.bpk") && err.contains("truncated"),
        "{err}"
    );

    // A flipped byte is caught by the checksum.
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0xff;
    std::fs::write(&model, &flipped).unwrap();
    let err = load_agent(&ckpt, Backend::Flex.device())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("corrupt"), "{err}");

    // Not a checkpoint at all.
    let err = load_agent(dir.path(), Backend::Flex.device())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("manifest"), "{err}");
}

#[test]
fn a_crash_between_the_renames_keeps_the_old_checkpoint() {
    let dir = TempDir::new("run");
    let t = one_iteration_of_cartpole(&dir);
    let ckpt = t.checkpoint_dir();
    // Simulate a stop after the old checkpoint was moved aside and before the new one landed.
    let old = ckpt.with_file_name("model.old");
    std::fs::rename(&ckpt, &old).unwrap();
    let loaded = load_agent(&ckpt, Backend::Flex.device()).unwrap();
    assert_same_weights(loaded.agent.model(), t.agent().model());
}

/// The 2-D adversarial toy task's env config.
const TOY_ENV: &str = "env_name: point_match\nmode: amp\n";

/// A small AMP or ASE agent on the 2-D adversarial toy task, with output every 3 iterations.
fn adversarial_trainer(agent_name: &str, dir: &std::path::Path, iterations: u64) -> Trainer {
    Trainer::new(
        std::path::Path::new("toy_agent.yaml"),
        adversarial_yaml(agent_name),
        std::path::Path::new("toy_env.yaml"),
        TOY_ENV.into(),
        options(dir, 8, iterations * 64, 4),
        Backend::Flex.device(),
    )
    .unwrap()
}

/// The agent config of [`adversarial_trainer`].
fn adversarial_yaml(agent_name: &str) -> String {
    format!(
        "agent_name: {agent_name}
model:
  actor_net: fc_2layers_128units
  critic_net: fc_2layers_128units
  disc_net: fc_2layers_128units
  enc_net: fc_2layers_128units
  latent_dim: 4
  action_std: 0.1
actor_optimizer: {{type: Adam, learning_rate: 1.0e-3}}
critic_optimizer: {{type: Adam, learning_rate: 1.0e-3}}
disc_optimizer: {{type: AdamW, learning_rate: 1.0e-3, weight_decay: 1.0e-4}}
enc_optimizer: {{type: Adam, learning_rate: 1.0e-3}}
steps_per_iter: 8
iters_per_output: 3
test_episodes: 4
update_epochs: 2
batch_size: 2
disc_buffer_size: 300
disc_replay_samples: 32
latent_time_min: 0.5
latent_time_max: 2.0
"
    )
}

/// `log.csv` without its timing columns.
fn rows_without_timings(dir: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("log.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            l.split(',')
                .zip(&header)
                .filter(|(_, h)| !h.ends_with("_Time") && **h != "Samples_Per_Sec")
                .map(|(v, _)| v)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect()
}

#[test]
fn amp_and_ase_resume_with_their_replay_buffer_and_latents() {
    // The replay buffer fills up (300 rows, 64 per iteration) before the stop, so a resumed
    // run that refilled it from scratch, or drew fresh latents, would log other values.
    for agent in ["AMP", "ASE"] {
        let straight = TempDir::new("adv-run");
        let mut a = adversarial_trainer(agent, straight.path(), 10);
        a.train().unwrap();

        let split = TempDir::new("adv-run");
        adversarial_trainer(agent, split.path(), 7).train().unwrap();
        let files: Vec<String> = std::fs::read_dir(split.path().join("model"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(files.iter().any(|f| f == "disc_replay.bin"), "{files:?}");
        assert_eq!(
            files.iter().any(|f| f == "ase_latents.json"),
            agent == "ASE",
            "{files:?}"
        );
        let mut c =
            Trainer::resume(options(split.path(), 8, 10 * 64, 4), Backend::Flex.device()).unwrap();
        c.train().unwrap();
        assert_same_weights(a.agent().model(), c.agent().model());
        // The discriminator, which the algorithm owns, resumes exactly too.
        let disc = |t: &Trainer| {
            use bevy_mimic::learning::agents::{Amp, Ase};
            let agent = t.agent();
            match agent.algorithm::<Amp>() {
                Some(amp) => weights(amp.disc()),
                None => weights(agent.algorithm::<Ase>().unwrap().amp.disc()),
            }
        };
        assert!(disc(&a) == disc(&c), "{agent}: the discriminators differ");
        assert_eq!(
            rows_without_timings(straight.path()),
            rows_without_timings(split.path()),
            "{agent}"
        );
    }
}

/// A checkpoint from before fingerprints: the shipped walk's files without `character.yaml`,
/// its env config's `char_file` replaced by `char_file`.
fn pre_fingerprint_checkpoint(dir: &std::path::Path, char_file: Option<&std::path::Path>) {
    use bevy_mimic::learning::checkpoint::{read_dir, write_dir};
    let shipped =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/policies/deepmimic_walk");
    let mut files = read_dir(&shipped).unwrap();
    files.retain(|(n, _)| n != "character.yaml");
    if let Some(path) = char_file {
        let env = files
            .iter_mut()
            .find(|(n, _)| n == "env_config.yaml")
            .unwrap();
        let text = String::from_utf8(env.1.clone()).unwrap();
        let text = text.replace(
            "char_file: assets/characters/humanoid.xml",
            &format!("char_file: {}", path.display()),
        );
        assert!(
            text.contains(&path.display().to_string()),
            "the char_file line is rewritten"
        );
        env.1 = text.into_bytes();
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    write_dir(dir, &refs).unwrap();
}

#[test]
fn ship_fingerprints_an_old_checkpoint_only_when_its_char_file_still_fits() {
    use bevy_mimic::train::ship_policy;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = TempDir::new("ship_old");
    let old = tmp.path().join("old");
    pre_fingerprint_checkpoint(&old, None);
    let out = tmp.path().join("shipped");
    ship_policy(&old, &out).unwrap();
    let print = std::fs::read(out.join("character.yaml")).unwrap();
    let original =
        std::fs::read(root.join("assets/policies/deepmimic_walk/character.yaml")).unwrap();
    assert_eq!(
        print, original,
        "the fingerprint taken from char_file is the one training stored"
    );

    // The character file changed since: a knee that bends further gives other action bounds.
    let xml = std::fs::read_to_string(root.join("assets/characters/humanoid.xml")).unwrap();
    let changed = tmp.path().join("humanoid_changed.xml");
    let line = xml
        .lines()
        .find(|l| l.contains("name=\"right_knee\""))
        .expect("the humanoid has a right knee");
    let edited = line.replace("range=\"0 160\"", "range=\"0 170\"");
    assert_ne!(edited, line, "the knee's range is edited: {line}");
    std::fs::write(&changed, xml.replace(line, &edited)).unwrap();
    let stale = tmp.path().join("stale");
    pre_fingerprint_checkpoint(&stale, Some(&changed));
    let err = ship_policy(&stale, &tmp.path().join("refused"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no longer fits") && err.contains("humanoid_changed.xml"),
        "{err}"
    );
    assert!(!tmp.path().join("refused").exists(), "nothing is written");
}

#[test]
fn a_model_file_must_hold_exactly_the_networks_its_agent_trains() {
    use bevy_mimic::learning::checkpoint::{load_policy, read_dir, write_dir};
    let dir = TempDir::new("networks");
    adversarial_trainer("AMP", dir.path(), 3).train().unwrap();
    let files = read_dir(&dir.path().join("model")).unwrap();
    // The AMP checkpoint's files under `agent_name: PPO`: its discriminator would land nowhere.
    let relabelled: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|(name, bytes)| {
            if name == "agent.yaml" {
                let text = String::from_utf8(bytes).unwrap();
                assert!(text.contains("agent_name: AMP"), "{text}");
                (
                    name,
                    text.replace("agent_name: AMP", "agent_name: PPO")
                        .into_bytes(),
                )
            } else {
                (name, bytes)
            }
        })
        .collect();
    let ppo = dir.path().join("as_ppo");
    let refs: Vec<(&str, &[u8])> = relabelled
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    write_dir(&ppo, &refs).unwrap();
    let err = load_agent(&ppo, Backend::Flex.device())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("model.bpk") && err.contains("\"disc\"") && err.contains("PPO"),
        "{err}"
    );
    // To act, networks a policy does not use are left unread.
    load_policy(&ppo, Backend::Flex.device()).unwrap();
}

#[test]
fn a_resumable_shipment_drops_the_replay_and_optimizer_and_trains_on() {
    use bevy_mimic::train::{ship_policy, ship_resumable};
    let run = TempDir::new("resumable-run");
    adversarial_trainer("AMP", run.path(), 7).train().unwrap();
    let moved = TempDir::new("resumable-moved");
    ship_resumable(&run.path().join("model"), &moved.path().join("model")).unwrap();
    let files: Vec<String> = std::fs::read_dir(moved.path().join("model"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(files.iter().any(|f| f == "trainer.yaml"), "{files:?}");
    assert!(
        !files
            .iter()
            .any(|f| f == "disc_replay.bin" || f == "optimizer.bpk"),
        "{files:?}"
    );

    let mut resumed =
        Trainer::resume(options(moved.path(), 8, 10 * 64, 4), Backend::Flex.device()).unwrap();
    assert_eq!(
        resumed.agent().sample_count(),
        7 * 64,
        "the run goes on where it stopped"
    );
    resumed.train().unwrap();
    assert_eq!(resumed.agent().sample_count(), 10 * 64);

    // A plain shipment has no loop state: it plays, it does not resume.
    let shipped = TempDir::new("resumable-plain");
    ship_policy(&run.path().join("model"), &shipped.path().join("model")).unwrap();
    let err = Trainer::resume(
        options(shipped.path(), 8, 10 * 64, 4),
        Backend::Flex.device(),
    )
    .err()
    .expect("no trainer.yaml");
    assert!(err.to_string().contains("trainer.yaml"), "{err}");
    let err =
        ship_resumable(&shipped.path().join("model"), &shipped.path().join("again")).unwrap_err();
    assert!(err.to_string().contains("--resumable"), "{err}");
}

#[test]
fn a_play_only_shipment_acts_as_the_full_one_and_refuses_to_train() {
    use bevy_mimic::learning::checkpoint::{load_agent, load_policy};
    use bevy_mimic::train::ship_play_only;
    let run = TempDir::new("play-only-run");
    adversarial_trainer("ASE", run.path(), 3).train().unwrap();
    let full = run.path().join("model");
    let light = run.path().join("light");
    ship_play_only(&full, &light, false).unwrap();
    let half = run.path().join("half");
    ship_play_only(&full, &half, true).unwrap();
    let networks = |dir: &std::path::Path| {
        let bytes = std::fs::read(dir.join("model.bpk")).unwrap();
        let records = bevy_mimic::learning::models::NetworkRecords::from_bytes(
            burn::tensor::Bytes::from_bytes_vec(bytes),
        )
        .unwrap();
        records
            .remaining()
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(networks(&full), ["actor", "critic", "disc", "enc"]);
    // The toy task has no clips to name skills by: the encoder stays (on a character it is
    // replaced by skills.yaml; see the web demo's policies below).
    assert_eq!(networks(&light), ["actor", "enc"]);
    let size = |dir: &std::path::Path| std::fs::metadata(dir.join("model.bpk")).unwrap().len();
    assert!(
        size(&half) * 10 < size(&light) * 6,
        "half precision halves the weights: {} vs {} bytes",
        size(&half),
        size(&light)
    );

    let mut a = load_policy(&full, Backend::Flex.device()).unwrap().policy;
    let mut b = load_policy(&light, Backend::Flex.device()).unwrap().policy;
    let mut h = load_policy(&half, Backend::Flex.device()).unwrap().policy;
    assert!(a.has_discriminator() && !b.has_discriminator());
    let obs: Vec<f32> = (0..4 * a.state().obs_dim)
        .map(|i| (i as f32 * 0.37).sin())
        .collect();
    for policy in [&mut a, &mut b, &mut h] {
        let slots = policy.latents_mut().unwrap();
        slots.resize(4);
        for env in 0..4 {
            let z: Vec<f32> = (0..slots.dim())
                .map(|k| ((env * 5 + k) as f32).cos())
                .collect();
            slots.hold(env, &z);
        }
    }
    let exact = a.act(&obs).to_vec();
    assert_eq!(exact, b.act(&obs).to_vec());
    assert_close(&exact, h.act(&obs), "the half-precision shipment");
    // The encoder stays: it names ASE's skills.
    let window = vec![0.1f32; 2 * a.state().disc_obs_dim];
    assert_eq!(a.encode(&window), b.encode(&window));

    let err = load_agent(&light, Backend::Flex.device())
        .err()
        .expect("no critic to train");
    assert!(err.to_string().contains("play-only"), "{err}");
}

/// Actions of a half-precision shipment against the original's: within f16's rounding.
fn assert_close(exact: &[f32], half: &[f32], what: &str) {
    assert_eq!(exact.len(), half.len());
    let worst = exact
        .iter()
        .zip(half)
        .map(|(a, b)| (a - b).abs() / (1.0 + a.abs()))
        .fold(0.0f32, f32::max);
    assert!(
        worst > 0.0,
        "{what}: stored in half precision, yet bit for bit the same"
    );
    assert!(worst < 1e-2, "{what}: an action off by {worst} (relative)");
}

#[test]
fn the_web_demos_policies_are_the_shipped_ones_without_what_acting_skips() {
    use bevy_mimic::learning::checkpoint::load_policy;
    use bevy_mimic::play::named_skills_of;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let load = |rel: &str| {
        load_policy(&root.join(rel), Backend::Flex.device())
            .unwrap()
            .policy
    };
    // The steering policy and the get-up tracker behind it.
    for name in ["steering", "getup"] {
        let mut shipped = load(&format!("assets/policies/{name}"));
        let mut web = load(&format!("web/policies/{name}"));
        let obs: Vec<f32> = (0..3 * shipped.state().obs_dim)
            .map(|i| (i as f32 * 0.13).sin())
            .collect();
        assert_close(
            shipped.act(&obs),
            web.act(&obs),
            &format!(
                "web/policies/{name} (if stale: bevy_mimic ship --play_only --half --model_file \
                 assets/policies/{name} --out web/policies/{name})"
            ),
        );
    }
    // ASE's skills: the same actions under the same latents, and the skills it names at start
    // written when it was shipped, without the encoder.
    let skills = std::fs::read_to_string(root.join("web/policies/ase_skills/skills.yaml")).unwrap();
    let skills: Vec<bevy_mimic::skills::NamedSkill> = serde_yaml_ng::from_str(&skills).unwrap();
    assert_eq!(
        skills,
        named_skills_of(&root.join("assets/policies/ase_skills")).unwrap()
    );
    assert_eq!(skills.len(), 4);
    let mut shipped = load("assets/policies/ase_skills");
    let mut web = load("web/policies/ase_skills");
    assert_eq!(shipped.state().obs_dim, web.state().obs_dim);
    let obs: Vec<f32> = (0..3 * shipped.state().obs_dim)
        .map(|i| (i as f32 * 0.11).cos())
        .collect();
    for env in 0..3 {
        let z: Vec<f32> = (0..shipped.latent_dim())
            .map(|k| ((env * 7 + k) as f32).sin())
            .collect();
        shipped.latents_mut().unwrap().hold(env, &z);
        web.latents_mut().unwrap().hold(env, &z);
    }
    assert_close(
        shipped.act(&obs),
        web.act(&obs),
        "web/policies/ase_skills (if stale: bevy_mimic ship --play_only --half --model_file assets/policies/ase_skills --out web/policies/ase_skills)",
    );
}

/// `train --model_file`: a new run on the toy task from `from`'s networks under `agent_yaml`
/// (and `env`); the error's text if it is refused.
fn warm_started(
    agent_yaml: String,
    env: &str,
    dir: &std::path::Path,
    from: &std::path::Path,
) -> Result<Trainer, String> {
    let mut t = Trainer::new(
        std::path::Path::new("toy_agent.yaml"),
        agent_yaml,
        std::path::Path::new("toy_env.yaml"),
        env.into(),
        options(dir, 8, 2 * 64, 9),
        Backend::Flex.device(),
    )
    .unwrap();
    t.warm_start_from(from, Backend::Flex.device())
        .map_err(|e| e.to_string())?;
    Ok(t)
}

#[test]
fn a_warm_started_run_keeps_the_networks_and_takes_its_own_config() {
    use bevy_mimic::learning::agents::Amp;
    let first = TempDir::new("warm-from");
    let mut a = adversarial_trainer("AMP", first.path(), 3);
    a.train().unwrap();
    let ckpt = first.path().join("model");

    // Other learning rates and reward weights over the same networks.
    let yaml = adversarial_yaml("AMP").replace("learning_rate: 1.0e-3}", "learning_rate: 5.0e-4}")
        + "task_reward_weight: 0.7\ndisc_reward_weight: 0.3\n";
    let second = TempDir::new("warm-to");
    let mut b = warm_started(yaml, TOY_ENV, second.path(), &ckpt).unwrap();
    assert_same_weights(a.agent().model(), b.agent().model());
    let disc = |t: &Trainer| weights(t.agent().algorithm::<Amp>().unwrap().disc());
    assert!(
        disc(&a) == disc(&b),
        "the discriminator was not carried over"
    );
    // The normalisers' statistics (their per-step caches aside) carry over.
    let norms = |t: &Trainer| {
        let s = t.agent().state();
        serde_yaml_ng::to_string(&(&s.obs_norm, &s.disc_norm)).unwrap()
    };
    assert_eq!(norms(&a), norms(&b));
    assert_eq!((b.agent().iteration(), b.agent().sample_count()), (0, 0));
    assert_eq!(b.agent().config().task_reward_weight, 0.7);
    b.train().unwrap();
    assert_eq!(b.agent().sample_count(), 2 * 64);
    let stored = std::fs::read_to_string(second.path().join("model/agent_config.yaml")).unwrap();
    assert!(stored.contains("task_reward_weight: 0.7"), "{stored}");

    // Other networks, another algorithm, another env: refused, naming the checkpoint.
    let refuse = |agent_yaml: String, env: &str| {
        let to = TempDir::new("warm-bad");
        let err = warm_started(agent_yaml, env, to.path(), &ckpt)
            .err()
            .expect("refused");
        assert!(err.contains(&ckpt.display().to_string()), "{err}");
        err
    };
    let wider = adversarial_yaml("AMP").replace(
        "actor_net: fc_2layers_128units",
        "actor_net: fc_2layers_256units",
    );
    let err = refuse(wider, TOY_ENV);
    assert!(err.contains("model") && err.contains("256"), "{err}");
    let err = refuse(adversarial_yaml("ASE"), TOY_ENV);
    assert!(err.contains("agent_name") && err.contains("ASE"), "{err}");

    let cartpole = TempDir::new("warm-cartpole");
    one_iteration_of_cartpole(&cartpole);
    let pendulum = TempDir::new("warm-pendulum");
    let err = trainer(
        "agents/ppo_pendulum.yaml",
        SMALL,
        "envs/pendulum.yaml",
        options(pendulum.path(), 4, 256, 1),
    )
    .warm_start_from(&cartpole.path().join("model"), Backend::Flex.device())
    .expect_err("refused")
    .to_string();
    assert!(
        err.contains("observations") && err.contains("warm-cartpole"),
        "{err}"
    );
}
