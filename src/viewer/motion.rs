//! `bevy_mimic view-motion`: a clip played kinematically on the character, with a timeline.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPlugin, EguiPrimaryContextPass, egui};

use super::{AutoScreenshot, ViewerFps, camera, count_fps, scene, window_plugin};
use crate::anim::character::CharacterModel;
use crate::anim::motion_lib::MotionFrame;
use crate::anim::motion_lib::MotionLib;
use crate::panel::PanelState;
use crate::sim::plugin::{SimBody, SimCharacter, SimGeom, SimSettings};
use crate::sim::state::BodyStates;
use crate::sim::{CharacterState, EngineConfig, SimState};

/// The clip being shown and the timeline's state.
#[derive(Resource)]
pub struct MotionViewer {
    /// The clips.
    pub lib: MotionLib,
    /// Which clip.
    pub clip: usize,
    /// Seconds into it.
    pub time: f32,
    /// Advancing in real time.
    pub playing: bool,
    /// Playback speed.
    pub speed: f32,
    /// What file it came from.
    pub source: PathBuf,
    frame: MotionFrame,
    bodies: BodyStates,
}

/// Opens a window playing the clips of `lib` (loaded from `source`) on `model`.
pub fn run_motion_viewer(
    model: CharacterModel,
    lib: MotionLib,
    source: PathBuf,
    screenshot: Option<AutoScreenshot>,
) -> AppExit {
    let mut app = App::new();
    if let Some(s) = screenshot {
        app.insert_resource(s);
    }
    app.add_plugins(DefaultPlugins.set(window_plugin("bevy_mimic · view-motion")))
        .add_plugins(super::snapshot::ReportPlugin)
        .add_plugins(EguiPlugin::default())
        .add_plugins(scene::CharacterMeshPlugin)
        .insert_resource(SimCharacter {
            model: model.clone(),
        })
        .insert_resource(SimSettings {
            config: EngineConfig::default(),
            num_envs: 1,
            origins: vec![Vec3::ZERO],
        })
        .insert_resource(SimState::new(1, &model))
        .insert_resource(PanelState::default())
        .init_resource::<ViewerFps>()
        .insert_resource(ClearColor(Color::srgb(0.62, 0.72, 0.82)))
        .insert_resource(MotionViewer {
            lib,
            clip: 0,
            time: 0.0,
            playing: true,
            speed: 1.0,
            source,
            frame: MotionFrame::default(),
            bodies: BodyStates::default(),
        })
        .add_systems(
            Startup,
            (scene::setup_scene, camera::spawn_camera, spawn_character),
        )
        .add_systems(Update, (advance, camera::orbit_camera, count_fps).chain())
        .add_systems(EguiPrimaryContextPass, timeline)
        .run()
}

fn spawn_character(mut commands: Commands, character: Res<SimCharacter>) {
    for (b, body) in character.model.bodies.iter().enumerate() {
        let e = commands
            .spawn((
                SimBody {
                    env: 0,
                    body: b as u16,
                },
                Transform::default(),
                Visibility::default(),
            ))
            .id();
        for (g, geom) in body.geoms.iter().enumerate() {
            commands.spawn((
                SimGeom {
                    env: 0,
                    body: b as u16,
                    geom: g as u16,
                },
                Transform::from_translation(geom.pos).with_rotation(geom.rot),
                ChildOf(e),
            ));
        }
    }
}

/// Moves the timeline and poses the bodies by forward kinematics of the clip's frame.
fn advance(
    time: Res<Time>,
    mut viewer: ResMut<MotionViewer>,
    character: Res<SimCharacter>,
    mut state: ResMut<SimState>,
    mut bodies: Query<(&SimBody, &mut Transform)>,
) {
    let v = &mut *viewer;
    let length = v.lib.length(v.clip);
    if v.playing {
        v.time += time.delta_secs() * v.speed;
        if v.time > length {
            v.time = 0.0;
        }
    }
    v.lib.frame(v.clip, v.time, &mut v.frame);
    CharacterState::from_motion_frame(&v.frame).body_states(&character.model, &mut v.bodies);
    for (body, mut transform) in &mut bodies {
        let b = body.body as usize;
        transform.translation = v.bodies.pos[b];
        transform.rotation = v.bodies.rot[b];
    }
    state.body_pos[0] = v.bodies.pos[0];
}

fn timeline(
    mut contexts: EguiContexts,
    mut viewer: ResMut<MotionViewer>,
    fps: Res<ViewerFps>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let v = &mut *viewer;
    egui::Window::new("Motion")
        .default_pos([12.0, 12.0])
        .show(ctx, |ui| {
            ui.label(format!("{} · {:.0} fps", v.source.display(), fps.0));
            if v.lib.num_clips() > 1 {
                let before = v.clip;
                egui::ComboBox::from_label("clip")
                    .selected_text(format!("clip {}", v.clip))
                    .show_ui(ui, |ui| {
                        for i in 0..v.lib.num_clips() {
                            ui.selectable_value(&mut v.clip, i, format!("clip {i}"));
                        }
                    });
                if v.clip != before {
                    v.time = 0.0;
                }
            }
            let length = v.lib.length(v.clip);
            ui.horizontal(|ui| {
                if ui
                    .button(if v.playing { "Pause" } else { "Play" })
                    .clicked()
                {
                    v.playing = !v.playing;
                }
                ui.add(egui::Slider::new(&mut v.speed, 0.1..=2.0).text("speed"));
            });
            ui.add(
                egui::Slider::new(&mut v.time, 0.0..=length)
                    .text("s")
                    .fixed_decimals(2),
            );
            ui.label(format!(
                "frame {} of {}",
                (v.time * v.lib.clip(v.clip).fps).round() as usize,
                v.lib.clip(v.clip).num_frames()
            ));
        });
    Ok(())
}
