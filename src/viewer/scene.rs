//! What the window shows: a lit ground, the humanoids' geoms as meshes, the reference ghost.

use std::collections::HashMap;

use bevy::light::CascadeShadowConfigBuilder;
use bevy::prelude::*;

use crate::anim::character::{CharacterModel, Shape};
use crate::env::character::EnvViewSettings;
use crate::env::character::systems::Reference;
use crate::panel::PanelState;
use crate::sim::plugin::{SimBody, SimCharacter, SimGeom, SimSettings};

/// Meshes per (body, geom) and materials per body, shared by every character.
#[derive(Resource, Default)]
pub(crate) struct CharacterMeshes {
    meshes: HashMap<(u16, u16), Handle<Mesh>>,
    solid: Vec<Handle<StandardMaterial>>,
    ghost: Handle<StandardMaterial>,
}

/// One body of one env's reference pose.
#[derive(Component, Clone, Copy)]
pub(crate) struct GhostBody {
    env: u32,
    body: u16,
}

/// The mesh of a geom (bevy's capsules and cylinders run along Y, MJCF's along Z).
pub fn mesh_of(shape: &Shape) -> Mesh {
    match *shape {
        Shape::Sphere { radius } => Sphere::new(radius).mesh().ico(3).expect("valid sphere"),
        Shape::Capsule {
            radius,
            half_length,
        } => Capsule3d::new(radius, 2.0 * half_length)
            .mesh()
            .build()
            .rotated_by(Quat::from_rotation_x(std::f32::consts::FRAC_PI_2)),
        Shape::Box { half_extents } => Cuboid::from_size(2.0 * half_extents).mesh().build(),
        Shape::Cylinder {
            radius,
            half_length,
        } => Cylinder::new(radius, 2.0 * half_length)
            .mesh()
            .build()
            .rotated_by(Quat::from_rotation_x(std::f32::consts::FRAC_PI_2)),
    }
}

/// Colours by body: torso and head light, left limbs blue-ish, right limbs orange-ish.
fn body_color(name: &str) -> Color {
    if name.starts_with("left") {
        Color::srgb(0.35, 0.55, 0.85)
    } else if name.starts_with("right") {
        Color::srgb(0.9, 0.55, 0.3)
    } else {
        Color::srgb(0.85, 0.85, 0.8)
    }
}

/// Renders the simulated characters: a mesh per geom on every [`SimGeom`] collider entity,
/// coloured per body. Add it to any app with a [`MimicPlugin`](crate::live::MimicPlugin) (and
/// Bevy's rendering) to see the characters in your own scene.
pub struct CharacterMeshPlugin;

impl Plugin for CharacterMeshPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(PreStartup, build_character_meshes)
            .add_systems(Update, attach_meshes);
    }
}

fn build_character_meshes(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    character: Res<SimCharacter>,
) {
    let model: &CharacterModel = &character.model;
    let mut shared = CharacterMeshes::default();
    for (b, body) in model.bodies.iter().enumerate() {
        for (g, geom) in body.geoms.iter().enumerate() {
            shared
                .meshes
                .insert((b as u16, g as u16), meshes.add(mesh_of(&geom.shape)));
        }
        shared.solid.push(materials.add(StandardMaterial {
            base_color: body_color(&body.name),
            perceptual_roughness: 0.6,
            ..default()
        }));
    }
    shared.ghost = materials.add(StandardMaterial {
        base_color: Color::srgba(0.3, 0.9, 0.4, 0.3),
        alpha_mode: AlphaMode::Blend,
        unlit: true,
        ..default()
    });
    commands.insert_resource(shared);
}

/// The viewer's stage: a ground under every env, a sun with shadows, and the hidden ghost.
pub(crate) fn setup_scene(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    character: Res<SimCharacter>,
    settings: Res<SimSettings>,
    shared: Res<CharacterMeshes>,
) {
    let model: &CharacterModel = &character.model;
    // Ground under every env (Z is up in the simulation; the camera uses Z as up too).
    let (min, max) = settings.origins.iter().fold(
        (Vec3::splat(f32::MAX), Vec3::splat(f32::MIN)),
        |(lo, hi), o| (lo.min(*o), hi.max(*o)),
    );
    let centre = (min + max) * 0.5;
    let half = ((max - min).truncate().max_element() * 0.5 + 20.0).max(20.0);
    commands.spawn((
        Mesh3d(meshes.add(Plane3d::new(Vec3::Z, Vec2::splat(half)).mesh().build())),
        MeshMaterial3d(materials.add(StandardMaterial {
            base_color: Color::srgb(0.42, 0.45, 0.42),
            perceptual_roughness: 0.9,
            ..default()
        })),
        Transform::from_translation(Vec3::new(centre.x, centre.y, 0.0)),
    ));
    commands.spawn((
        DirectionalLight {
            illuminance: 9_000.0,
            shadow_maps_enabled: true,
            ..default()
        },
        Transform::from_xyz(centre.x + 4.0, centre.y - 6.0, 10.0)
            .looking_at(Vec3::new(centre.x, centre.y, 0.0), Vec3::Z),
        CascadeShadowConfigBuilder {
            maximum_distance: 40.0,
            ..default()
        }
        .build(),
    ));
    commands.insert_resource(GlobalAmbientLight {
        brightness: 400.0,
        ..default()
    });

    // The ghost: one entity per env and body, posed from the reference each frame.
    for env in 0..settings.num_envs {
        for (b, body) in model.bodies.iter().enumerate() {
            let parent = commands
                .spawn((
                    GhostBody {
                        env: env as u32,
                        body: b as u16,
                    },
                    Transform::default(),
                    Visibility::Hidden,
                ))
                .id();
            for (g, geom) in body.geoms.iter().enumerate() {
                commands.spawn((
                    Mesh3d(shared.meshes[&(b as u16, g as u16)].clone()),
                    MeshMaterial3d(shared.ghost.clone()),
                    Transform::from_translation(geom.pos).with_rotation(geom.rot),
                    ChildOf(parent),
                ));
            }
        }
    }
}

/// Gives every new geom collider its mesh, and its body a visibility.
fn attach_meshes(
    mut commands: Commands,
    shared: Option<Res<CharacterMeshes>>,
    geoms: Query<(Entity, &SimGeom), Added<SimGeom>>,
    bodies: Query<Entity, Added<SimBody>>,
) {
    let Some(shared) = shared else { return };
    for body in &bodies {
        commands.entity(body).insert(Visibility::default());
    }
    for (entity, g) in &geoms {
        if let Some(mesh) = shared.meshes.get(&(g.body, g.geom)) {
            commands.entity(entity).insert((
                Mesh3d(mesh.clone()),
                MeshMaterial3d(shared.solid[g.body as usize].clone()),
            ));
        }
    }
}

/// Poses the ghost from the reference, when it is on.
pub(crate) fn pose_ghost(
    panel: Res<PanelState>,
    reference: Option<Res<Reference>>,
    view: Option<Res<EnvViewSettings>>,
    settings: Res<SimSettings>,
    mut ghosts: Query<(&GhostBody, &mut Transform, &mut Visibility)>,
) {
    let offset = view.map_or(Vec3::ZERO, |v| v.ref_char_offset);
    let show = panel.ghost && reference.as_ref().is_some_and(|r| r.motions.is_some());
    for (ghost, mut transform, mut visibility) in &mut ghosts {
        let want = if show {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        };
        if *visibility != want {
            *visibility = want;
        }
        if !show {
            continue;
        }
        let reference = reference.as_ref().expect("checked");
        let pose = reference.poses.view(ghost.env as usize, 0);
        let b = ghost.body as usize;
        transform.translation = pose.body_pos[b] + settings.origins[ghost.env as usize] + offset;
        transform.rotation = pose.body_rot[b];
    }
}
