//! A game scene where keys switch a simulated humanoid's skill through ASE's latent z.
//!
//! `cargo run --release --example steer_skills [-- <ASE checkpoint dir>] [--cycle]`
//!
//! Keys: 1–9 hold the named skill of that number (one per training clip: walk, run, kick,
//! punch for the shipped policy), B blends the first two skills in quarter steps along the
//! sphere, R holds a random latent, Space releases the latent (it then changes every 0–5 s as
//! in training). `--cycle` holds each named skill in turn for 4 s, with no keys needed. The
//! window title says which skill is held.

use bevy::prelude::*;
use bevy_mimic::MimicConfig;
use bevy_mimic::sim::SimState;
use bevy_mimic::skills::SkillSteering;
use bevy_mimic::viewer::{CharacterMeshPlugin, check_display};

/// The character the keys steer (the policy runs one).
const CHARACTER: usize = 0;

fn main() -> anyhow::Result<()> {
    check_display()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cycle = args.iter().any(|a| a == "--cycle");
    let policy = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| "assets/policies/ase_skills".into());
    let mimic = MimicConfig::play(&policy).with_num_envs(1).load()?;
    App::new()
        .add_plugins(DefaultPlugins)
        .add_plugins((mimic, CharacterMeshPlugin))
        .insert_resource(Steer { cycle, ..default() })
        .add_systems(Startup, game_scene)
        .add_systems(Update, (steer_with_keys, cycle_skills, show_skill, follow))
        .run();
    Ok(())
}

/// What the player chose last.
#[derive(Resource, Default)]
struct Steer {
    label: String,
    blend_step: u32,
    cycle: bool,
    next_switch_s: f32,
    cycled: usize,
}

fn steer_with_keys(
    keys: Res<ButtonInput<KeyCode>>,
    mut steering: ResMut<SkillSteering>,
    mut steer: ResMut<Steer>,
) {
    let digits = [
        KeyCode::Digit1,
        KeyCode::Digit2,
        KeyCode::Digit3,
        KeyCode::Digit4,
        KeyCode::Digit5,
        KeyCode::Digit6,
        KeyCode::Digit7,
        KeyCode::Digit8,
        KeyCode::Digit9,
    ];
    for (i, key) in digits.iter().enumerate() {
        if keys.just_pressed(*key)
            && let Some(skill) = steering.skills().get(i).cloned()
        {
            steering.hold(CHARACTER, &skill.z);
            steer.label = format!("{} (held)", skill.name);
        }
    }
    if keys.just_pressed(KeyCode::KeyB) && steering.skills().len() >= 2 {
        steer.blend_step = (steer.blend_step + 1) % 5;
        let t = steer.blend_step as f32 / 4.0;
        if let Some(z) = steering.blend(0, 1, t) {
            steering.hold(CHARACTER, &z);
            let s = steering.skills();
            steer.label = format!("{:.0}% {} → {}", t * 100.0, s[0].name, s[1].name);
        }
    }
    if keys.just_pressed(KeyCode::KeyR) {
        steering.randomize(CHARACTER);
        if let Some(z) = steering.z(CHARACTER).map(<[f32]>::to_vec) {
            // Randomize draws the new latent at the next step; holding keeps it from then on.
            steering.hold(CHARACTER, &z);
        }
        steer.label = "random latent (held)".into();
    }
    if keys.just_pressed(KeyCode::Space) {
        steering.release(CHARACTER);
        steer.label = "free (new skill every 0–5 s)".into();
    }
}

/// `--cycle`: each named skill in turn for 4 s.
fn cycle_skills(time: Res<Time>, mut steering: ResMut<SkillSteering>, mut steer: ResMut<Steer>) {
    if !steer.cycle || steering.skills().is_empty() || time.elapsed_secs() < steer.next_switch_s {
        return;
    }
    let i = steer.cycled % steering.skills().len();
    let skill = steering.skills()[i].clone();
    steering.hold(CHARACTER, &skill.z);
    steer.label = format!("{} (held, cycling)", skill.name);
    steer.cycled += 1;
    steer.next_switch_s = time.elapsed_secs() + 4.0;
}

fn show_skill(steer: Res<Steer>, steering: Res<SkillSteering>, mut window: Single<&mut Window>) {
    if !steer.is_changed() && !steering.is_changed() {
        return;
    }
    let names: Vec<String> = steering
        .skills()
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{} {}", i + 1, s.name))
        .collect();
    let title = format!(
        "steer_skills · {} · keys: {} · B blend · R random · Space free",
        if steer.label.is_empty() {
            "free"
        } else {
            &steer.label
        },
        names.join(", ")
    );
    if window.title != title {
        println!("{}", steer.label);
        window.title = title;
    }
}

/// The game's world: Z is up, as in the simulation.
fn game_scene(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    commands.spawn((
        Mesh3d(meshes.add(Plane3d::new(Vec3::Z, Vec2::splat(60.0)).mesh().build())),
        MeshMaterial3d(materials.add(Color::srgb(0.32, 0.42, 0.55))),
    ));
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

fn follow(state: Res<SimState>, mut camera: Single<&mut Transform, With<Camera3d>>) {
    if !state.env_is_finite(CHARACTER) {
        return;
    }
    let root = state.root_pos(CHARACTER);
    let target = Vec3::new(root.x, root.y, 0.9);
    **camera = Transform::from_translation(target + Vec3::new(-3.0, -5.0, 1.2))
        .looking_at(target, Vec3::Z);
}
