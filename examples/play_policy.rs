//! A game scene where the shipped walk policy drives a simulated humanoid.
//!
//! `cargo run --release --example play_policy [-- <checkpoint dir>]`
//!
//! The game owns its scene (ground, light, camera, props); bevy_mimic adds the character:
//! `MimicConfig::play(dir).load()?` for the policy and the physics, and [`MimicPlugins`] adds
//! it with the meshes that render it. Press R to restart the character.

use bevy::prelude::*;
use bevy_mimic::prelude::*;
use bevy_mimic::sim::SimState;
use bevy_mimic::viewer::check_display;

fn main() -> anyhow::Result<()> {
    check_display()?;
    let policy = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "assets/policies/deepmimic_walk".into());
    // The lines a game needs: load the policy, add it with the meshes that render it.
    let mimic = MimicConfig::play(&policy).load()?;
    App::new()
        .add_plugins(DefaultPlugins)
        .add_plugins(MimicPlugins::mimic(mimic))
        .add_systems(Startup, game_scene)
        .add_systems(Update, (follow_character, report_falls))
        .run();
    Ok(())
}

/// The game's own world: Z is up, as in the simulation.
fn game_scene(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    commands.spawn((
        Mesh3d(meshes.add(Plane3d::new(Vec3::Z, Vec2::splat(40.0)).mesh().build())),
        MeshMaterial3d(materials.add(Color::srgb(0.35, 0.5, 0.3))),
    ));
    // Props along the path (visual only: they are not in the physics world).
    for i in 0..8 {
        let side = if i % 2 == 0 { 1.5 } else { -1.5 };
        commands.spawn((
            Mesh3d(meshes.add(Cuboid::new(0.4, 0.4, 1.0 + 0.2 * i as f32))),
            MeshMaterial3d(materials.add(Color::srgb(0.7, 0.45, 0.25))),
            Transform::from_xyz(2.0 * i as f32, side, 0.5),
        ));
    }
    commands.spawn((
        DirectionalLight {
            illuminance: 10_000.0,
            shadow_maps_enabled: true,
            ..default()
        },
        Transform::from_xyz(3.0, -4.0, 8.0).looking_at(Vec3::ZERO, Vec3::Z),
    ));
    commands.spawn((
        Camera3d::default(),
        Transform::from_xyz(-3.0, -5.0, 2.0).looking_at(Vec3::new(0.0, 0.0, 0.9), Vec3::Z),
    ));
}

/// The camera keeps the character in view from behind and to the side.
fn follow_character(state: Res<SimState>, mut camera: Single<&mut Transform, With<Camera3d>>) {
    if !state.env_is_finite(0) {
        return;
    }
    let root = state.root_pos(0);
    let target = Vec3::new(root.x, root.y, 0.9);
    **camera = Transform::from_translation(target + Vec3::new(-3.0, -5.0, 1.2))
        .looking_at(target, Vec3::Z);
}

fn report_falls(mut episodes: MessageReader<EpisodeDone>) {
    for e in episodes.read() {
        println!(
            "episode ended ({:?}) after {} steps, return {:.1}",
            e.code, e.length, e.episode_return
        );
    }
}
