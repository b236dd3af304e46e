//! The live plugin in a headless Bevy app: training from systems, its messages and resources,
//! play mode through the same plugin, and the panel drawn into a bare egui context.

mod common;

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy_mimic::MimicConfig;
use bevy_mimic::live::{
    CheckpointSaved, EpisodeDone, IterationFinished, MimicControl, TrainingMetrics, TrainingPhase,
    TrainingRequest, TrainingStatus,
};
use bevy_mimic::play::PlayStats;
use bevy_mimic::sim::ControlPace;
use bevy_mimic::sim::SimState;
use bevy_mimic::sim::plugin::SimStats;
use common::{TempDir, config_path, config_text};

/// A DeepMimic walk run on `num_envs` characters with `steps` control steps per iteration and
/// a checkpoint every `iters_per_output` iterations, writing into `dir`.
fn small_run(dir: &Path, num_envs: usize, steps: usize, iters_per_output: usize) -> MimicConfig {
    let agent = dir.join("agent.yaml");
    std::fs::write(
        &agent,
        config_text(
            "agents/deepmimic_humanoid_ppo_cpu.yaml",
            &[
                ("steps_per_iter", &steps.to_string()),
                ("iters_per_output", &iters_per_output.to_string()),
                ("batch_size", "1"),
                ("update_epochs", "2"),
            ],
        ),
    )
    .unwrap();
    MimicConfig::train(agent, config_path("envs/deepmimic_humanoid_walk.yaml"))
        .with_num_envs(num_envs)
        .with_out_dir(dir.join("run"))
        .with_seed(5)
}

fn headless_app(config: MimicConfig) -> App {
    headless_app_with(config, |_| {})
}

fn headless_app_with(config: MimicConfig, extra: impl FnOnce(&mut App)) -> App {
    let plugin = config.load().unwrap();
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, TransformPlugin, plugin));
    extra(&mut app);
    app.finish();
    app.cleanup();
    app
}

/// Messages of type `M` written since the last call.
fn drain<M: Message + Clone>(app: &mut App) -> Vec<M> {
    app.world_mut()
        .resource_mut::<Messages<M>>()
        .drain()
        .collect()
}

/// Updates until `iterations` updates finished (the update is a background task, so this
/// polls), collecting the messages.
fn run_iterations(
    app: &mut App,
    iterations: usize,
) -> (
    Vec<IterationFinished>,
    Vec<EpisodeDone>,
    Vec<CheckpointSaved>,
) {
    let (mut iters, mut episodes, mut saved) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..200_000 {
        app.update();
        iters.extend(drain::<IterationFinished>(app));
        episodes.extend(drain::<EpisodeDone>(app));
        saved.extend(drain::<CheckpointSaved>(app));
        if iters.len() >= iterations {
            return (iters, episodes, saved);
        }
        if app.world().resource::<TrainingStatus>().phase == TrainingPhase::Updating {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
    panic!("only {} iterations finished", iters.len());
}

/// Every `key` of the iteration's log row is present and finite.
fn assert_finite(m: &IterationFinished, keys: &[&str]) {
    for key in keys {
        let v = m.row.get(key).unwrap_or(f64::NAN);
        assert!(v.is_finite(), "{key} = {v} in iteration {}", m.iteration);
    }
}

#[test]
fn the_plugin_trains_in_a_headless_app_and_reports_through_messages() {
    let dir = TempDir::new("live");
    let mut app = headless_app(small_run(dir.path(), 4, 24, 2));
    let (iters, episodes, saved) = run_iterations(&mut app, 3);

    let numbers: Vec<u64> = iters.iter().map(|m| m.iteration).collect();
    assert_eq!(numbers, vec![1, 2, 3]);
    for (k, m) in iters.iter().enumerate() {
        assert_eq!(m.samples, (k as u64 + 1) * 24 * 4);
        assert_finite(
            m,
            &[
                "Actor_Loss",
                "Critic_Loss",
                "Samples_Per_Sec",
                "Tracking_Body_Pos_Err",
            ],
        );
    }
    // 24 steps of an untrained policy: characters fall, and every fall is reported.
    assert!(
        !episodes.is_empty(),
        "no episode ended in 72 steps × 4 envs"
    );
    assert!(episodes.iter().all(|e| e.env < 4 && e.length >= 1));
    // Output iterations 1 and 3 (every 2nd, counted from the first) write checkpoints.
    let saved_at: Vec<u64> = saved.iter().map(|m| m.iteration).collect();
    assert_eq!(saved_at, vec![1, 3]);
    assert!(saved[0].dir.is_dir());

    let status = app.world().resource::<TrainingStatus>().clone();
    assert_eq!(status.iteration, 3);
    assert_eq!(status.samples, 3 * 24 * 4);
    let metrics = app.world().resource::<TrainingMetrics>();
    assert_eq!(metrics.rows().len(), 3);
    assert_eq!(metrics.series("Train_Return").len(), 3);
    let log = std::fs::read_to_string(dir.path().join("run/log.csv")).unwrap();
    assert_eq!(log.lines().count(), 4, "header + 3 rows:\n{log}");
    // `MimicConfig::load` checked the run without writing: one TensorBoard file, not two.
    let events = std::fs::read_dir(dir.path().join("run"))
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().starts_with("events.out.tfevents")
        })
        .count();
    assert_eq!(events, 1, "TensorBoard event files in the out_dir");

    // The checkpoint the plugin wrote resumes through the plugin, with its counts.
    drop(app);
    let resumed = headless_app(MimicConfig::resume(dir.path().join("run")).with_num_envs(4));
    let status = resumed.world().resource::<TrainingStatus>();
    assert_eq!((status.iteration, status.samples), (3, 3 * 24 * 4));
}

#[test]
fn pausing_holds_the_simulation_and_the_rollout() {
    let dir = TempDir::new("pause");
    let mut app = headless_app(small_run(dir.path(), 2, 16, 100));
    for _ in 0..5 {
        app.update();
    }
    app.world_mut().resource_mut::<MimicControl>().paused = true;
    app.update(); // the pause is applied before the next control step
    let steps = app.world().resource::<SimStats>().control_steps;
    let root = app.world().resource::<SimState>().root_pos(0);
    for _ in 0..10 {
        app.update();
    }
    assert_eq!(app.world().resource::<SimStats>().control_steps, steps);
    assert_eq!(app.world().resource::<SimState>().root_pos(0), root);
    app.world_mut().resource_mut::<MimicControl>().paused = false;
    for _ in 0..3 {
        app.update();
    }
    assert_eq!(app.world().resource::<SimStats>().control_steps, steps + 3);
}

#[test]
fn bad_inputs_come_back_as_errors_naming_the_file() {
    let missing = PathBuf::from("/nonexistent/agent.yaml");
    let err = MimicConfig::train(&missing, config_path("envs/deepmimic_humanoid_walk.yaml"))
        .load()
        .err()
        .expect("missing agent file");
    assert!(err.to_string().contains("/nonexistent/agent.yaml"), "{err}");

    let err = MimicConfig::train(
        config_path("agents/ppo_cartpole.yaml"),
        config_path("envs/cartpole.yaml"),
    )
    .load()
    .err()
    .expect("cartpole has no characters");
    assert!(err.to_string().contains("cartpole"), "{err}");

    let err = MimicConfig::resume("/nonexistent/run")
        .load()
        .err()
        .unwrap();
    assert!(err.to_string().contains("/nonexistent/run"), "{err}");
}

fn shipped_walk() -> PathBuf {
    std::env::var_os("BEVY_MIMIC_PLAY_POLICY").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/policies/deepmimic_walk"),
        PathBuf::from,
    )
}

#[test]
fn play_mode_through_the_plugin_keeps_the_walker_up_for_five_seconds() {
    let mut app = headless_app(MimicConfig::play(shipped_walk()));
    app.update();
    let mut lowest = f32::INFINITY;
    for _ in 0..150 {
        app.update();
        lowest = lowest.min(app.world().resource::<SimState>().root_pos(0).z);
    }
    let stats = *app.world().resource::<PlayStats>();
    let ended = drain::<EpisodeDone>(&mut app);
    println!(
        "play via MimicPlugin: lowest pelvis {lowest:.3} m, {} resets",
        stats.resets
    );
    assert!(stats.started);
    assert_eq!(stats.resets, 0, "the character fell within 5 s");
    assert!(ended.is_empty());
    assert!(lowest > 0.6);
    assert!(
        !app.world().contains_resource::<TrainingStatus>(),
        "no training in play mode"
    );
}

#[cfg(feature = "panel")]
mod panel {
    use super::*;
    use bevy_mimic::live::TrainingRequest;
    use bevy_mimic::panel::{HeadlessEgui, HeadlessPanelPlugin, PanelAction, PanelState};
    use bevy_mimic::panel::{apply_panel_actions, group_of};
    use bevy_mimic::sim::ControlPace;

    #[test]
    fn the_panel_draws_status_controls_and_plots_without_a_window() {
        let dir = TempDir::new("panel");
        let mut app = headless_app_with(small_run(dir.path(), 2, 16, 100), |app| {
            app.add_plugins(HeadlessPanelPlugin);
        });
        app.update();
        let before_training = app.world().resource::<HeadlessEgui>().last_triangles;
        run_iterations(&mut app, 2);
        app.update();
        let egui = app.world().resource::<HeadlessEgui>();
        println!(
            "panel: {} frames, {} triangles before any iteration, {} with plots",
            egui.frames, before_training, egui.last_triangles
        );
        assert!(egui.frames > 2);
        assert!(
            before_training > 100,
            "the status and controls drew nothing"
        );
        // The plots of the default selection (returns, losses, …) add many triangles.
        assert!(egui.last_triangles > before_training + 200);
        let metrics = app.world().resource::<TrainingMetrics>();
        let selected = &app.world().resource::<PanelState>().selected;
        let plotted = metrics
            .keys()
            .into_iter()
            .filter(|k| group_of(k).is_some() && selected.contains(k))
            .count();
        assert!(plotted >= 5, "only {plotted} selected metrics were logged");
    }

    #[test]
    fn in_play_the_p_key_pushes_the_followed_character_once_per_press() {
        use bevy_mimic::control::PushCharacter;
        let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/policies");
        let config = MimicConfig::play(policies.join("steering"))
            .with_num_envs(2)
            .with_get_up(policies.join("getup"));
        let mut app = headless_app_with(config, |app| {
            app.add_plugins(HeadlessPanelPlugin);
        });
        for _ in 0..20 {
            app.update();
        }
        let key = |pressed, modifiers| egui::Event::Key {
            key: egui::Key::P,
            physical_key: None,
            pressed,
            repeat: false,
            modifiers,
        };
        let press = |app: &mut App, events: Vec<egui::Event>| {
            app.world_mut().resource_mut::<HeadlessEgui>().events = events;
            app.update();
            drain::<PushCharacter>(app)
        };
        {
            let mut panel = app.world_mut().resource_mut::<PanelState>();
            panel.follow = 1;
            panel.push_speed = 14.0;
        }
        // Held down: egui marks the second press a key repeat, which does not push again.
        let none = egui::Modifiers::NONE;
        let pushes = press(&mut app, vec![key(true, none), key(true, none)]);
        assert_eq!(pushes.len(), 1, "{pushes:?}");
        assert_eq!(pushes[0].env, 1);
        assert!((pushes[0].velocity.length() - 14.0).abs() < 1e-3);
        assert!(pushes[0].velocity.z.abs() < 1e-6, "sideways: {pushes:?}");
        // Ctrl+P is the browser's print, not a push.
        assert!(press(&mut app, vec![key(false, none)]).is_empty());
        assert!(press(&mut app, vec![key(true, egui::Modifiers::CTRL)]).is_empty());
        for _ in 0..60 {
            app.update();
        }
        let stats = *app.world().resource::<PlayStats>();
        println!("after the push: {stats:?}");
        assert!(stats.falls >= 1, "a 14 m/s shove fells the character");
    }

    #[test]
    fn panel_actions_reach_the_plugin() {
        let dir = TempDir::new("actions");
        let mut app = headless_app_with(small_run(dir.path(), 2, 16, 100), |app| {
            app.add_plugins(HeadlessPanelPlugin);
        });
        app.update();
        let world = app.world_mut();
        let mut state = world.resource::<PanelState>().clone();
        state.fast = true;
        let mut control = *world.resource::<MimicControl>();
        let mut pace = *world.resource::<ControlPace>();
        world.resource_scope(|_, mut requests: Mut<Messages<TrainingRequest>>| {
            apply_panel_actions(
                &[
                    PanelAction::SetPaused(true),
                    PanelAction::SetFast(true),
                    PanelAction::Save,
                ],
                &state,
                &mut control,
                &mut pace,
                Some(&mut requests),
                None,
                None,
            );
        });
        assert!(control.paused);
        assert!(matches!(pace, ControlPace::Fast { .. }));
        app.world_mut().insert_resource(control);
        app.update();
        let saved = drain::<CheckpointSaved>(&mut app);
        assert_eq!(saved.len(), 1, "the save request wrote no checkpoint");
        assert!(saved[0].dir.starts_with(dir.path()));
    }
}

/// A shipped adversarial agent config cut down to 2 envs × 8 steps per iteration, one epoch and
/// a small replay buffer, on the shipped env config `env`.
fn tiny_disc_run(dir: &Path, agent: &str, env: &str) -> MimicConfig {
    let agent_file = dir.join("agent.yaml");
    std::fs::write(
        &agent_file,
        config_text(
            agent,
            &[
                ("steps_per_iter", "8"),
                ("batch_size", "2"),
                ("update_epochs", "1"),
                ("disc_update_epochs", "1"),
                ("disc_buffer_size", "1000"),
            ],
        ),
    )
    .unwrap();
    MimicConfig::train(agent_file, config_path(env)).with_num_envs(2)
}

#[test]
fn the_plugin_trains_amp_and_add_with_their_discriminators() {
    for (agent, env) in [
        (
            "agents/amp_humanoid_cpu.yaml",
            "envs/amp_humanoid_walk.yaml",
        ),
        (
            "agents/add_humanoid_cpu.yaml",
            "envs/add_humanoid_walk.yaml",
        ),
    ] {
        let dir = TempDir::new("live-disc");
        let config = tiny_disc_run(dir.path(), agent, env);
        let mut app = headless_app(config);
        let (iters, _, _) = run_iterations(&mut app, 2);
        for m in &iters {
            assert_finite(
                m,
                &[
                    "Disc_Loss",
                    "Disc_Grad_Penalty",
                    "Disc_Reward_Mean",
                    "Disc_Demo_Acc",
                ],
            );
            // The env's reward is 0: everything comes from the discriminator.
            assert_eq!(m.row.get("Task_Reward_Mean"), Some(0.0), "{agent}");
            assert!(m.row.get("Shaped_Reward_Mean").unwrap() > 0.0, "{agent}");
        }
    }
}

#[cfg(feature = "panel")]
#[test]
fn the_plugin_trains_ase_and_the_panel_steers_a_characters_skill() {
    use bevy_mimic::panel::{SkillAction, apply_skill_action};
    use bevy_mimic::skills::SkillSteering;

    let dir = TempDir::new("live-ase");
    let config = tiny_disc_run(
        dir.path(),
        "agents/ase_humanoid_cpu.yaml",
        "envs/ase_humanoid_skills.yaml",
    );
    let mut app = headless_app(config);
    let (iters, _, _) = run_iterations(&mut app, 2);
    for m in &iters {
        assert_finite(
            m,
            &[
                "Enc_Loss",
                "Enc_Reward_Mean",
                "Diversity_Loss",
                "Disc_Loss",
                "Shaped_Reward_Mean",
            ],
        );
    }
    let steering = app.world().resource::<SkillSteering>();
    assert!(steering.is_active());
    assert_eq!(steering.latent_dim(), 16);
    let names: Vec<&str> = steering.skills().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "deepmimic_walk",
            "deepmimic_run",
            "deepmimic_kick",
            "deepmimic_punch"
        ]
    );
    let kick = steering.skills()[2].z.clone();
    // The panel's "hold skill" for the followed character (env 1) reaches only env 1.
    app.world_mut()
        .resource_scope(|_, mut s: Mut<SkillSteering>| {
            apply_skill_action(&SkillAction::HoldSkill(2), 1, false, &mut s);
        });
    for _ in 0..40 {
        app.update();
    }
    let steering = app.world().resource::<SkillSteering>();
    assert!(steering.is_held(1));
    assert!(!steering.is_held(0));
    let z1 = steering.z(1).unwrap();
    assert!(z1.iter().zip(&kick).all(|(a, b)| (a - b).abs() < 1e-6));
    assert!(steering.z(0).unwrap() != z1);
}

#[test]
fn a_reset_request_ends_every_episode_as_a_time_limit_and_reports_each_one() {
    let dir = TempDir::new("live-reset");
    // Many control steps per frame: the test episodes must still stop at their count.
    let config = small_run(dir.path(), 4, 8, 1).with_pace(ControlPace::Fast {
        budget: std::time::Duration::from_millis(200),
    });
    let mut app = headless_app(config);
    let (iters, _, _) = run_iterations(&mut app, 1);
    // Every iteration tests (iters_per_output 1): 16 episodes, and at most one step's worth
    // more (4 envs), however many control steps a frame runs.
    let tests = iters[0].row.get("Test_Episodes").unwrap();
    assert!((16.0..=19.0).contains(&tests), "test episodes: {tests}");

    // One control step per update from here, to catch the rollout between updates.
    app.insert_resource(ControlPace::EveryUpdate);
    for _ in 0..100_000 {
        if app.world().resource::<TrainingStatus>().phase == TrainingPhase::Rollout {
            break;
        }
        app.update();
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
    app.update();
    drain::<EpisodeDone>(&mut app);
    app.world_mut()
        .resource_mut::<Messages<TrainingRequest>>()
        .write(TrainingRequest::ResetEnvs);
    app.update();
    let ended = drain::<EpisodeDone>(&mut app);
    let mut envs: Vec<usize> = ended.iter().map(|e| e.env).collect();
    envs.sort_unstable();
    assert_eq!(envs, vec![0, 1, 2, 3], "{ended:?}");
    assert!(
        ended
            .iter()
            .all(|e| e.episode_return.is_finite() && e.length >= 1),
        "{ended:?}"
    );
}
