//! The web demo: shipped policies drive humanoids simulated by rapier in the page, rendered by
//! Bevy with WebGL2, with the egui panel. Two demos, chosen by the page's query string:
//!
//! - the default, `steering`: a steering policy (AMP + MimicKit's steering task) walks where
//!   you click on the ground, at the panel's speed (its heading dial and random targets too);
//!   the panel's Push button shoves the followed character, and the get-up tracker gets a
//!   fallen one up again;
//! - `?demo=skills`: ASE's skills (walk, run, kick, punch: pick one, blend two, hold or release).
//!
//! Build it with `web/build.sh` (wasm32-unknown-unknown, `--features web`); it also runs
//! natively with `cargo run --no-default-features --features web,viewer --bin web_demo [skills]`.
//!
//! No file system in the browser: the policies, the character and the clips are compiled in
//! ([`bevy_mimic::files::embed`]) under the paths their configs name. The page's title reports
//! the simulated time, the followed character's pelvis height and its distance to its target,
//! which the browser test reads.

use std::path::Path;

use bevy::prelude::*;
use bevy_mimic::env::character::{TaskState, TaskTarget};
use bevy_mimic::files::embed;
use bevy_mimic::panel::{CommandMode, PanelState};
use bevy_mimic::play::{PlayStats, PolicyPlugin};
use bevy_mimic::sim::SimState;
use bevy_mimic::sim::plugin::SimSettings;
use bevy_mimic::viewer::ViewerPlugin;

/// Characters on the grid.
const NUM_CHARACTERS: usize = 4;

/// The get-up tracker's play-only copy (`bevy_mimic ship --play_only --half --model_file
/// assets/policies/getup --out web/policies/getup`), behind the steering demo.
const GETUP_POLICY: &str = "web/policies/getup";

/// Which demo the page plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Demo {
    /// `assets/policies/steering` shipped play-only: click-to-walk.
    Steering,
    /// `assets/policies/ase_skills` shipped play-only: the skills panel.
    Skills,
}

impl Demo {
    /// The play-only copy embedded (`bevy_mimic ship --play_only --half`, kept within f16's
    /// rounding of the shipped policy by `tests/checkpoints.rs`).
    fn policy(self) -> &'static str {
        match self {
            Demo::Steering => "web/policies/steering",
            Demo::Skills => "web/policies/ase_skills",
        }
    }

    /// The panel's starting settings.
    fn panel(self) -> PanelState {
        match self {
            // Every character walks to where the ground is clicked.
            Demo::Steering => PanelState {
                command_mode: CommandMode::Point,
                command_all: true,
                command_speed: 1.5,
                ..default()
            },
            // Every character starts on the walk skill (the panel releases or changes it).
            Demo::Skills => PanelState {
                skill_all: true,
                start_skill: Some("deepmimic_walk".into()),
                ..default()
            },
        }
    }

    fn describe(self) -> String {
        let policy = self.policy();
        match self {
            Demo::Steering => format!(
                "Steering · {policy} · {NUM_CHARACTERS} characters · click on the ground to walk there, \
                 P to push (?demo=skills for ASE's skills)"
            ),
            Demo::Skills => format!("ASE skills · {policy} · {NUM_CHARACTERS} characters"),
        }
    }

    /// `?demo=skills` in the page's address (natively: the first argument `skills`).
    fn chosen() -> Self {
        #[cfg(target_arch = "wasm32")]
        let query = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        #[cfg(not(target_arch = "wasm32"))]
        let query = std::env::args().nth(1).unwrap_or_default();
        if query.contains("skills") {
            Demo::Skills
        } else {
            Demo::Steering
        }
    }
}

/// Embeds repository files under their relative paths.
macro_rules! embed_files {
    ($($path:literal),* $(,)?) => {
        $( embed($path, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $path))); )*
    };
}

fn main() {
    embed_files!(
        "web/policies/steering/manifest.json",
        "web/policies/steering/agent.yaml",
        "web/policies/steering/agent_config.yaml",
        "web/policies/steering/env_config.yaml",
        "web/policies/steering/model.bpk",
        "web/policies/steering/character.yaml",
        "web/policies/getup/manifest.json",
        "web/policies/getup/agent.yaml",
        "web/policies/getup/agent_config.yaml",
        "web/policies/getup/env_config.yaml",
        "web/policies/getup/model.bpk",
        "web/policies/getup/character.yaml",
        "assets/motions/humanoid_getup.yaml",
        "assets/motions/deepmimic_getup_facedown.bmotion",
        "assets/motions/deepmimic_getup_faceup.bmotion",
        "web/policies/ase_skills/manifest.json",
        "web/policies/ase_skills/agent.yaml",
        "web/policies/ase_skills/agent_config.yaml",
        "web/policies/ase_skills/env_config.yaml",
        "web/policies/ase_skills/model.bpk",
        "web/policies/ase_skills/character.yaml",
        "web/policies/ase_skills/skills.yaml",
        "assets/characters/humanoid.xml",
        "assets/motions/ase_humanoid_skills.yaml",
        "assets/motions/humanoid_locomotion.yaml",
        "assets/motions/deepmimic_walk.bmotion",
        "assets/motions/deepmimic_run.bmotion",
        "assets/motions/deepmimic_kick.bmotion",
        "assets/motions/deepmimic_punch.bmotion",
        "assets/motions/isaaclab_walk.bmotion",
        "assets/motions/isaaclab_run.bmotion",
    );
    let demo = Demo::chosen();
    let policy = demo.policy();
    let plugin = PolicyPlugin::load(Path::new(policy), NUM_CHARACTERS).and_then(|p| match demo {
        // A steering character pushed over (the panel's Push button) gets up again.
        Demo::Steering => p.with_get_up(Path::new(GETUP_POLICY)),
        Demo::Skills => Ok(p),
    });
    let plugin = match plugin {
        Ok(p) => p,
        Err(e) => {
            // In the page this reaches the console (and the title, for the test).
            error!("cannot load {policy}: {e}");
            panic!("cannot load {policy}: {e}");
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
            source: demo.describe(),
        })
        .insert_resource(demo.panel())
        .add_systems(Update, report_to_page)
        .run();
}

/// Writes what the browser test checks into the page's title (and the window's, natively):
/// seconds simulated, the followed character's pelvis height now and its lowest since the
/// start, its distance to the point it was sent to (NaN before a click), the falls the get-up
/// tracker took over and how many of them stood up again, and frames drawn.
fn report_to_page(
    stats: Res<PlayStats>,
    state: Res<SimState>,
    settings: Res<SimSettings>,
    panel: Res<PanelState>,
    task: Option<Res<TaskState>>,
    mut window: Single<&mut Window>,
    mut frames: Local<u64>,
    mut lowest: Local<Option<f32>>,
) {
    *frames += 1;
    let env = panel.follow.min(state.num_envs.saturating_sub(1));
    let sim_s = stats.steps as f32 * settings.config.control_dt();
    let standing = stats.started && state.env_is_finite(env);
    let pelvis = if standing {
        state.root_pos(env).z
    } else {
        f32::NAN
    };
    if pelvis.is_finite() && stats.steps > 1 {
        *lowest = Some(lowest.map_or(pelvis, |l| l.min(pelvis)));
    }
    let target = match task
        .as_ref()
        .and_then(|t| t.commanded.get(env).copied().flatten())
    {
        Some(TaskTarget::Point { pos, .. }) if standing => {
            state.root_pos(env).truncate().distance(pos)
        }
        _ => f32::NAN,
    };
    let title = format!(
        "bevy_mimic web demo | sim {sim_s:.2} s | pelvis {pelvis:.3} m | lowest {:.3} m | target {target:.2} m | resets {} | falls {} | risen {} | frames {}",
        lowest.unwrap_or(f32::NAN),
        stats.resets,
        stats.falls,
        stats.risen,
        *frames
    );
    #[cfg(target_arch = "wasm32")]
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        document.set_title(&title);
    }
    window.title = title;
}
