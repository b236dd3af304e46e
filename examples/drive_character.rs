//! A game scene where the player drives a simulated humanoid with a steering policy.
//!
//! `cargo run --release --example drive_character [-- <steering checkpoint dir>]`
//!
//! WASD or the arrow keys move relative to the camera, Shift runs, Q and E turn the camera,
//! Space shoves the character sideways (it gets up again). With no key held the character
//! strolls on at its slowest speed the way it faces. A gamepad works too (left stick:
//! direction and speed, South button: run, right stick: camera) when built with `--features gamepad` (Bevy's gilrs backend; on Linux it needs libudev-dev).
//!
//! The lines that direct the character are in `drive`: read the input, turn it into a
//! heading and a speed, and set the character's [`MoveCommand`].

use bevy::prelude::*;
use bevy_mimic::prelude::*;
use bevy_mimic::sim::SimState;
use bevy_mimic::sim::plugin::SimBody;
use bevy_mimic::viewer::check_display;

/// Walking and running speeds (m/s; the shipped policy was trained on 0.5–3.0).
const WALK: f32 = 1.2;
const RUN: f32 = 3.0;
const STROLL: f32 = 0.5;

fn main() -> anyhow::Result<()> {
    check_display()?;
    let policy = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "assets/policies/steering".into());
    // A fall hands the character to the get-up tracker until it stands.
    let mimic = MimicConfig::play(&policy)
        .with_num_envs(1)
        .with_get_up("assets/policies/getup")
        .load()?;
    App::new()
        .add_plugins(DefaultPlugins)
        .add_plugins(MimicPlugins::mimic(mimic))
        .init_resource::<ChaseCamera>()
        .add_systems(Startup, game_scene)
        .add_systems(Update, (drive, shove, follow))
        .run();
    Ok(())
}

/// The camera's yaw about the character (radians; 0 looks along world +x).
#[derive(Resource, Default)]
struct ChaseCamera {
    yaw: f32,
    heading: f32,
    sent: Option<MoveCommand>,
}

/// Reads the keys and the first gamepad and sets the character's command.
fn drive(
    keys: Res<ButtonInput<KeyCode>>,
    gamepads: Query<&Gamepad>,
    time: Res<Time>,
    mut camera: ResMut<ChaseCamera>,
    character: Query<(Entity, &SimBody)>,
    mut commands: Commands,
) {
    let key = |a: KeyCode, b: KeyCode| keys.pressed(a) || keys.pressed(b);
    // Input in the camera's frame: x forward, y left.
    let mut stick = Vec2::new(
        f32::from(key(KeyCode::KeyW, KeyCode::ArrowUp))
            - f32::from(key(KeyCode::KeyS, KeyCode::ArrowDown)),
        f32::from(key(KeyCode::KeyA, KeyCode::ArrowLeft))
            - f32::from(key(KeyCode::KeyD, KeyCode::ArrowRight)),
    );
    let mut run = keys.pressed(KeyCode::ShiftLeft) || keys.pressed(KeyCode::ShiftRight);
    let mut turn = f32::from(keys.pressed(KeyCode::KeyQ)) - f32::from(keys.pressed(KeyCode::KeyE));
    let mut analog = None;
    if let Some(pad) = gamepads.iter().next() {
        let left = pad.left_stick();
        if left.length() > 0.2 {
            // Stick up is forward, stick left is left.
            stick = Vec2::new(left.y, -left.x);
            analog = Some(left.length().min(1.0));
        }
        run |= pad.pressed(GamepadButton::South);
        turn -= pad.right_stick().x;
    }
    camera.yaw += turn * 1.5 * time.delta_secs();
    let speed = if stick.length() < 0.1 {
        STROLL
    } else {
        camera.heading = camera.yaw + stick.to_angle();
        match (run, analog) {
            (true, _) => RUN,
            (false, Some(a)) => STROLL + a * (RUN - STROLL),
            (false, None) => WALK,
        }
    };
    let command = MoveCommand::Heading {
        heading: camera.heading,
        speed,
    };
    // The command lives on the character's root body; it is set only when it changes.
    if camera.sent == Some(command) {
        return;
    }
    camera.sent = Some(command);
    for (entity, body) in &character {
        if body.body == 0 {
            commands.entity(entity).insert(command);
        }
    }
}

/// Space: a blow from the camera's left, as a game would send one ([`PushCharacter`]).
fn shove(
    keys: Res<ButtonInput<KeyCode>>,
    camera: Res<ChaseCamera>,
    mut pushes: MessageWriter<PushCharacter>,
) {
    if keys.just_pressed(KeyCode::Space) {
        let right = Vec2::from_angle(camera.yaw - std::f32::consts::FRAC_PI_2);
        pushes.write(PushCharacter {
            env: 0,
            velocity: (right * 8.0).extend(0.5),
        });
    }
}

/// The camera sits behind and above the character, turned by `ChaseCamera::yaw`.
fn follow(
    state: Res<SimState>,
    chase: Res<ChaseCamera>,
    mut camera: Single<&mut Transform, With<Camera3d>>,
) {
    if !state.env_is_finite(0) {
        return;
    }
    let root = state.root_pos(0);
    let target = Vec3::new(root.x, root.y, 0.9);
    let back = Vec3::new(chase.yaw.cos(), chase.yaw.sin(), 0.0) * -4.5;
    **camera =
        Transform::from_translation(target + back + Vec3::Z * 1.5).looking_at(target, Vec3::Z);
}

/// The game's own world: a ground with a grid of posts to see the motion against.
fn game_scene(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    commands.spawn((
        Mesh3d(meshes.add(Plane3d::new(Vec3::Z, Vec2::splat(100.0)).mesh().build())),
        MeshMaterial3d(materials.add(Color::srgb(0.35, 0.5, 0.3))),
    ));
    let post = meshes.add(Cuboid::new(0.2, 0.2, 1.0));
    let wood = materials.add(Color::srgb(0.7, 0.45, 0.25));
    for i in -5..=5 {
        for j in -5..=5 {
            commands.spawn((
                Mesh3d(post.clone()),
                MeshMaterial3d(wood.clone()),
                Transform::from_xyz(8.0 * i as f32 + 4.0, 8.0 * j as f32 + 4.0, 0.5),
            ));
        }
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
        Transform::from_xyz(-4.5, 0.0, 2.4).looking_at(Vec3::new(0.0, 0.0, 0.9), Vec3::Z),
    ));
}
