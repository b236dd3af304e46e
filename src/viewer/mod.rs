//! The viewer (feature `render`; the desktop app with `viewer`, the web demo with `web`): the
//! characters rendered with PBR and shadows, an orbit camera following one env, the reference
//! ghost, and the egui panel. On the desktop, training runs in the same app (`MimicPlugin`);
//! its update is a background task, so the window keeps rendering.

mod camera;
mod motion;
mod scene;
mod snapshot;
mod target;

pub use camera::OrbitCamera;
pub use motion::{MotionViewer, run_motion_viewer};
pub use scene::{CharacterMeshPlugin, mesh_of};
pub use snapshot::{AutoScreenshot, ViewerReport};

use bevy::prelude::*;
use bevy::window::WindowResolution;
use bevy_egui::{EguiContexts, EguiPlugin, EguiPrimaryContextPass, egui};

#[cfg(feature = "train")]
use crate::live::MimicPlugin;
use crate::panel::{PanelState, PanelWorld, hold_start_skill, pace_of, send_start_command};
use crate::sim::pace::run_control_steps;

/// Why the viewer cannot open a window.
#[derive(Debug, thiserror::Error)]
#[error(
    "no display: DISPLAY and WAYLAND_DISPLAY are unset, so the viewer cannot open a window.\n\
     Train headless instead, e.g.\n  cargo run --release -- train \
     --agent_config assets/configs/agents/deepmimic_humanoid_ppo_cpu.yaml \
     --env_config assets/configs/envs/deepmimic_humanoid_walk.yaml --num_envs 64\n\
     or run the viewer under a virtual display: xvfb-run -a cargo run --release"
)]
pub struct NoDisplay;

/// Whether a window can be opened here (Linux/BSD need an X11 or Wayland display).
pub fn check_display() -> Result<(), NoDisplay> {
    if cfg!(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd"
    )) {
        let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
        if !set("DISPLAY") && !set("WAYLAND_DISPLAY") {
            return Err(NoDisplay);
        }
    }
    Ok(())
}

/// What the status line says is loaded.
#[derive(Resource, Clone, Debug, Default)]
pub struct ViewerSource(pub String);

/// Frames per second, smoothed.
#[derive(Resource, Clone, Copy, Debug, Default)]
pub struct ViewerFps(pub f64);

/// Renders the characters of a `MimicPlugin` or [`PolicyPlugin`](crate::play::PolicyPlugin)
/// app with the panel (add after it).
pub struct ViewerPlugin {
    /// The status line's description of what runs.
    pub source: String,
}

impl Plugin for ViewerPlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<EguiPlugin>() {
            app.add_plugins(EguiPlugin::default());
        }
        // egui gets its own camera over the whole window; the 3D camera keeps its viewport.
        app.world_mut()
            .resource_mut::<bevy_egui::EguiGlobalSettings>()
            .auto_create_primary_context = false;
        let panel = PanelState::default();
        app.insert_resource(pace_of(&panel))
            .insert_resource(panel)
            .insert_resource(ViewerSource(self.source.clone()))
            .init_resource::<ViewerFps>()
            .insert_resource(ClearColor(Color::srgb(0.62, 0.72, 0.82)))
            .add_plugins(CharacterMeshPlugin)
            .add_systems(
                Startup,
                (
                    scene::setup_scene,
                    camera::spawn_camera,
                    camera::spawn_ui_camera,
                    target::spawn_target_marker,
                ),
            )
            .add_systems(
                Update,
                (
                    camera::orbit_camera,
                    camera::adapt_to_software_renderer,
                    count_fps,
                    hold_start_skill,
                    send_start_command,
                    target::click_to_walk,
                    target::place_target_marker,
                ),
            )
            .add_systems(
                PostUpdate,
                scene::pose_ghost
                    .after(run_control_steps)
                    .before(bevy::transform::TransformSystems::Propagate),
            )
            .add_systems(EguiPrimaryContextPass, panel_system);
    }
}

fn count_fps(time: Res<Time<Real>>, mut fps: ResMut<ViewerFps>) {
    let dt = time.delta_secs_f64();
    if dt > 0.0 {
        let now = 1.0 / dt;
        fps.0 = if fps.0 == 0.0 {
            now
        } else {
            0.95 * fps.0 + 0.05 * now
        };
    }
}

fn panel_system(
    mut contexts: EguiContexts,
    mut panel: PanelWorld,
    source: Res<ViewerSource>,
    fps: Res<ViewerFps>,
    mut cameras: Query<&mut Camera, With<OrbitCamera>>,
    window: Single<&Window, With<bevy::window::PrimaryWindow>>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let mut ui = egui::Ui::new(
        ctx.clone(),
        "bevy_mimic_viewport".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    let output = panel.draw(&mut ui, &source.0, fps.0);
    // The 3D view takes the window right of the panel.
    let left = (output.width * window.scale_factor()) as u32;
    let size = UVec2::new(
        window.physical_width().saturating_sub(left).max(1),
        window.physical_height().max(1),
    );
    for mut camera in &mut cameras {
        let viewport = bevy::camera::Viewport {
            physical_position: UVec2::new(left, 0),
            physical_size: size,
            ..default()
        };
        if camera
            .viewport
            .as_ref()
            .map(|v| (v.physical_position, v.physical_size))
            != Some((viewport.physical_position, viewport.physical_size))
        {
            camera.viewport = Some(viewport);
        }
    }
    Ok(())
}

/// Turns the ghost on when the env file asks for it (`visualize_ref_char`, on by default for
/// envs with a reference), once, when the env's settings first appear; the panel's toggle
/// decides after that.
#[cfg(feature = "train")]
fn ghost_from_env_file(
    view: Option<Res<crate::env::character::EnvViewSettings>>,
    mut panel: ResMut<PanelState>,
    mut done: Local<bool>,
) {
    if *done {
        return;
    }
    if let Some(v) = view {
        *done = true;
        panel.ghost |= v.show_ref_char;
    }
}

/// The default window: 1280×720, titled.
pub fn window_plugin(title: &str) -> WindowPlugin {
    WindowPlugin {
        primary_window: Some(Window {
            title: title.into(),
            resolution: WindowResolution::new(1280, 720),
            ..default()
        }),
        ..default()
    }
}

/// Opens the viewer on `plugin` (train or play) and runs until the window closes.
#[cfg(feature = "train")]
/// `panel` holds the panel's starting settings.
pub fn run_viewer(
    plugin: MimicPlugin,
    source: String,
    screenshot: Option<AutoScreenshot>,
    panel: PanelState,
) -> AppExit {
    let mut app = App::new();
    app.add_plugins(DefaultPlugins.set(window_plugin("bevy_mimic")))
        .add_plugins(plugin)
        .add_plugins(ViewerPlugin { source })
        .add_plugins(snapshot::ReportPlugin)
        .add_systems(Update, ghost_from_env_file)
        .insert_resource(pace_of(&panel))
        .insert_resource(panel);
    if let Some(s) = screenshot {
        app.insert_resource(s);
    }
    app.run()
}
