//! Play mode: a trained policy drives characters in a plain headless Bevy app.

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
