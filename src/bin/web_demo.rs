//! The web demo: the shipped ASE policy drives humanoids simulated by rapier in the page,
//! rendered by Bevy with WebGL2, with the egui panel (skills, blend slider, reset, slow motion,
//! follow). Build it with `web/build.sh` (wasm32-unknown-unknown, `--features web`); it also
//! runs natively with `cargo run --no-default-features --features web,viewer --bin web_demo`.
//!
//! No file system in the browser: the policy, the character and the clips are compiled in
//! ([`bevy_mimic::files::embed`]) under the paths their configs name. The page's title reports
//! the simulated time and the followed character's pelvis height, which the browser test reads.

use std::path::Path;

use bevy::prelude::*;
use bevy_mimic::files::embed;
use bevy_mimic::panel::PanelState;
use bevy_mimic::play::{PlayStats, PolicyPlugin};
use bevy_mimic::sim::SimState;
use bevy_mimic::sim::plugin::SimSettings;
use bevy_mimic::viewer::ViewerPlugin;

/// The checkpoint the demo plays: `assets/policies/ase_skills` shipped play-only (no critic or
/// discriminator, 1.9 MB less wasm; `bevy_mimic ship --play_only`, kept equal to it by
/// `tests/checkpoints.rs`).
const POLICY: &str = "web/policies/ase_skills";
/// Characters on the grid.
const NUM_CHARACTERS: usize = 4;
/// The named skill every character holds at the start.
const START_SKILL: &str = "deepmimic_walk";

/// Embeds repository files under their relative paths.
macro_rules! embed_files {
    ($($path:literal),* $(,)?) => {
        $( embed($path, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $path))); )*
    };
}

fn main() {
    // Every file of the play-only checkpoint.
    embed_files!(
        "web/policies/ase_skills/manifest.json",
        "web/policies/ase_skills/agent.yaml",
        "web/policies/ase_skills/agent_config.yaml",
        "web/policies/ase_skills/env_config.yaml",
        "web/policies/ase_skills/model.bpk",
        "web/policies/ase_skills/character.yaml",
        "assets/characters/humanoid.xml",
        "assets/motions/ase_humanoid_skills.yaml",
        "assets/motions/deepmimic_walk.bmotion",
        "assets/motions/deepmimic_run.bmotion",
        "assets/motions/deepmimic_kick.bmotion",
        "assets/motions/deepmimic_punch.bmotion",
    );
    let plugin = match PolicyPlugin::load(Path::new(POLICY), NUM_CHARACTERS) {
        Ok(p) => p,
        Err(e) => {
            // In the page this reaches the console (and the title, for the test).
            error!("cannot load {POLICY}: {e}");
            panic!("cannot load {POLICY}: {e}");
        }
    };
    App::new()
        .add_plugins(DefaultPlugins.set(WindowPlugin {
            primary_window: Some(Window {
                title: "bevy_mimic web demo".into(),
                canvas: Some("#bevy".into()),
                fit_canvas_to_parent: true,
                prevent_default_event_handling: true,
                ..default()
            }),
            ..default()
        }))
        .add_plugins(plugin)
        .add_plugins(ViewerPlugin {
            source: format!("ASE skills · {POLICY} · {NUM_CHARACTERS} characters"),
        })
        // Every character starts on the walk skill (the panel releases or changes it).
        .insert_resource(PanelState {
            skill_all: true,
            start_skill: Some(START_SKILL.into()),
            ..default()
        })
        .add_systems(Update, report_to_page)
        .run();
}

/// Writes what the browser test checks into the page's title (and the window's, natively):
/// seconds simulated, the followed character's pelvis height now and its lowest since the
/// start, and frames drawn.
fn report_to_page(
    stats: Res<PlayStats>,
    state: Res<SimState>,
    settings: Res<SimSettings>,
    panel: Res<PanelState>,
    mut window: Single<&mut Window>,
    mut frames: Local<u64>,
    mut lowest: Local<Option<f32>>,
) {
    *frames += 1;
    let env = panel.follow.min(state.num_envs.saturating_sub(1));
    let sim_s = stats.steps as f32 * settings.config.control_dt();
    let pelvis = if stats.started && state.env_is_finite(env) {
        state.root_pos(env).z
    } else {
        f32::NAN
    };
    if pelvis.is_finite() && stats.steps > 1 {
        *lowest = Some(lowest.map_or(pelvis, |l| l.min(pelvis)));
    }
    let title = format!(
        "bevy_mimic web demo | sim {sim_s:.2} s | pelvis {pelvis:.3} m | lowest {:.3} m | resets {} | frames {}",
        lowest.unwrap_or(f32::NAN),
        stats.resets,
        *frames
    );
    #[cfg(target_arch = "wasm32")]
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        document.set_title(&title);
    }
    window.title = title;
}
