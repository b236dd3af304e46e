//! An orbit camera (Z up) that follows one environment's character.

use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll};
use bevy::prelude::*;
use bevy_egui::input::EguiWantsInput;

use crate::env::character::EnvViewSettings;
use crate::panel::PanelState;
use crate::sim::SimState;
use crate::sim::plugin::SimSettings;

/// Orbit parameters around a target point.
#[derive(Component, Clone, Copy, Debug)]
pub struct OrbitCamera {
    /// The point looked at.
    pub target: Vec3,
    /// Angle about Z (radians).
    pub yaw: f32,
    /// Angle above the ground plane (radians).
    pub pitch: f32,
    /// Distance to the target (m).
    pub distance: f32,
}

impl Default for OrbitCamera {
    fn default() -> Self {
        Self {
            target: Vec3::new(0.0, 0.0, 0.9),
            yaw: -0.9,
            pitch: 0.3,
            distance: 6.0,
        }
    }
}

/// On a software renderer (llvmpipe, lavapipe, SwiftShader) the viewer turns MSAA off and
/// renders one shadow cascade at 1024²: measured here, rasterisation took 72% of the CPU.
pub(crate) fn adapt_to_software_renderer(
    mut done: Local<bool>,
    adapter: Option<Res<bevy::render::renderer::RenderAdapterInfo>>,
    mut commands: Commands,
    cameras: Query<Entity, With<OrbitCamera>>,
    mut lights: Query<&mut bevy::light::CascadeShadowConfig>,
    mut source: ResMut<super::ViewerSource>,
) {
    let Some(adapter) = adapter else { return };
    if *done {
        return;
    }
    *done = true;
    if format!("{:?}", adapter.device_type) != "Cpu" {
        return;
    }
    for camera in &cameras {
        commands.entity(camera).insert(Msaa::Off);
    }
    commands.insert_resource(bevy::light::DirectionalLightShadowMap { size: 1024 });
    for mut cascades in &mut lights {
        *cascades = bevy::light::CascadeShadowConfigBuilder {
            num_cascades: 1,
            maximum_distance: 30.0,
            ..default()
        }
        .build();
    }
    source
        .0
        .push_str(" · software renderer: MSAA off, 1 shadow cascade");
}

pub(crate) fn spawn_camera(mut commands: Commands) {
    let orbit = OrbitCamera::default();
    let camera = commands
        .spawn((
            Camera3d::default(),
            orbit,
            transform_of(&orbit),
            Msaa::Sample4,
        ))
        .id();
    // Bevy's default tone mapping reads lookup tables that only the desktop build carries; the
    // web build leaves them out (smaller bundle) and uses a curve without tables.
    #[cfg(not(feature = "viewer"))]
    commands
        .entity(camera)
        .insert(bevy::core_pipeline::tonemapping::Tonemapping::AcesFitted);
    #[cfg(feature = "viewer")]
    let _ = camera;
}

fn transform_of(orbit: &OrbitCamera) -> Transform {
    let dir = Vec3::new(
        orbit.pitch.cos() * orbit.yaw.cos(),
        orbit.pitch.cos() * orbit.yaw.sin(),
        orbit.pitch.sin(),
    );
    Transform::from_translation(orbit.target + dir * orbit.distance)
        .looking_at(orbit.target, Vec3::Z)
}

/// Left-drag orbits, scroll zooms (not while the pointer is on the panel); the target eases
/// towards the followed character's pelvis.
#[allow(clippy::too_many_arguments)] // a Bevy system: one parameter per resource
pub(crate) fn orbit_camera(
    time: Res<Time>,
    buttons: Res<ButtonInput<MouseButton>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    egui_input: Option<Res<EguiWantsInput>>,
    panel: Res<PanelState>,
    state: Res<SimState>,
    settings: Res<SimSettings>,
    view: Option<Res<EnvViewSettings>>,
    mut cameras: Query<(&mut OrbitCamera, &mut Transform)>,
) {
    let tracks = view.is_none_or(|v| v.camera_tracks);
    let on_panel = egui_input.is_some_and(|e| e.wants_any_pointer_input());
    for (mut orbit, mut transform) in &mut cameras {
        if !on_panel {
            if buttons.pressed(MouseButton::Left) {
                orbit.yaw -= motion.delta.x * 0.005;
                orbit.pitch = (orbit.pitch + motion.delta.y * 0.005).clamp(-0.1, 1.45);
            }
            orbit.distance = (orbit.distance * (1.0 - scroll.delta.y * 0.1)).clamp(1.0, 80.0);
        }
        let env = panel.follow.min(state.num_envs.saturating_sub(1));
        if tracks && env < state.num_envs && state.env_is_finite(env) {
            let root = state.root_pos(env) + settings.origins[env];
            let goal = Vec3::new(root.x, root.y, 0.9);
            let k = 1.0 - (-4.0 * time.delta_secs()).exp();
            orbit.target = orbit.target.lerp(goal, k);
        }
        *transform = transform_of(&orbit);
    }
}

/// A camera that draws only egui, over the whole window (the 3D camera's viewport leaves
/// room for the panel).
pub(crate) fn spawn_ui_camera(mut commands: Commands) {
    use bevy::camera::CameraOutputMode;
    use bevy::camera::visibility::RenderLayers;
    use bevy::render::render_resource::BlendState;
    commands.spawn((
        bevy_egui::PrimaryEguiContext,
        Camera2d,
        RenderLayers::none(),
        Camera {
            order: 1,
            output_mode: CameraOutputMode::Write {
                blend_state: Some(BlendState::ALPHA_BLENDING),
                clear_color: ClearColorConfig::None,
            },
            clear_color: ClearColorConfig::Custom(Color::NONE),
            ..default()
        },
    ));
}
