//! Task policies in the viewer: a click on the ground sends the followed character (or all)
//! there, and a marker shows where the followed character is headed.

use bevy::prelude::*;
use bevy_egui::input::EguiWantsInput;

use super::camera::OrbitCamera;
use crate::control::MoveCommand;
use crate::env::character::{TaskParams, TaskState};
use crate::panel::{CommandMode, MoveAction, PanelState, apply_move_action};
use crate::sim::SimState;
use crate::sim::plugin::{SimBody, SimSettings};

/// The marker of the followed character's target.
#[derive(Component)]
pub(crate) struct TargetMarker;

pub(crate) fn spawn_target_marker(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    commands.spawn((
        TargetMarker,
        Mesh3d(meshes.add(Cylinder::new(0.15, 0.04).mesh().build())),
        MeshMaterial3d(materials.add(StandardMaterial {
            base_color: Color::srgb(0.85, 0.1, 0.1),
            unlit: true,
            ..default()
        })),
        // Bevy's cylinders stand along Y; Z is up here.
        Transform::from_rotation(Quat::from_rotation_x(std::f32::consts::FRAC_PI_2)),
        Visibility::Hidden,
    ));
}

/// In "walk to" mode a left click on the ground (not on the panel) sets the target.
#[allow(clippy::too_many_arguments)] // a Bevy system: one parameter per resource
pub(crate) fn click_to_walk(
    buttons: Res<ButtonInput<MouseButton>>,
    egui_input: Option<Res<EguiWantsInput>>,
    panel: Res<PanelState>,
    settings: Res<SimSettings>,
    window: Single<&Window, With<bevy::window::PrimaryWindow>>,
    cameras: Query<(&Camera, &GlobalTransform), With<OrbitCamera>>,
    bodies: Query<(Entity, &SimBody)>,
    mut commands: Commands,
) {
    if panel.command_mode != CommandMode::Point
        || !buttons.just_pressed(MouseButton::Left)
        || egui_input.is_some_and(|e| e.wants_any_pointer_input())
    {
        return;
    }
    let Some(cursor) = window.cursor_position() else {
        return;
    };
    let Some(point) = cameras.iter().find_map(|(camera, transform)| {
        let ray = camera.viewport_to_world(transform, cursor).ok()?;
        let d = ray.intersect_plane(Vec3::ZERO, InfinitePlane3d::new(Vec3::Z))?;
        Some(ray.get_point(d))
    }) else {
        return;
    };
    // Each character lives in its own world, drawn at its origin.
    for env in 0..settings.origins.len() {
        if !(panel.command_all || env == panel.follow) {
            continue;
        }
        let command = MoveCommand::MoveTo {
            target: point - settings.origins[env],
            speed: panel.command_speed,
        };
        apply_move_action(MoveAction::Set(command), env, false, &mut commands, &bodies);
    }
}

/// Puts the marker on the followed character's target: its point (location, or a "walk to"
/// command), or 1.5 m along its heading (steering).
pub(crate) fn place_target_marker(
    panel: Res<PanelState>,
    task: Option<Res<TaskState>>,
    state: Res<SimState>,
    settings: Res<SimSettings>,
    mut marker: Single<(&mut Transform, &mut Visibility), With<TargetMarker>>,
) {
    let env = panel.follow;
    let (transform, visibility) = &mut *marker;
    let Some(task) = task.filter(|_| env < state.num_envs && state.env_is_finite(env)) else {
        **visibility = Visibility::Hidden;
        return;
    };
    let root = state.root_pos(env).truncate();
    let at = match (&task.params, task.commanded[env]) {
        (_, Some(crate::env::character::TaskTarget::Point { pos, .. })) => pos,
        (TaskParams::Location { .. }, _) => task.tar_pos[env],
        (TaskParams::Steering { .. }, _) => root + 1.5 * task.tar_dir[env],
    };
    transform.translation = at.extend(0.02) + settings.origins[env];
    **visibility = Visibility::Visible;
}
