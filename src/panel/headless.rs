//! The panel in a bare egui context: no window, no renderer, same drawing and actions.

use bevy::prelude::*;

use super::{PanelInput, PanelState, apply_panel_actions, clip_names, draw_panel};
use crate::env::character::systems::Reference;
use crate::live::{MimicControl, TrainingMetrics, TrainingRequest, TrainingStatus};
use crate::sim::ControlPace;

/// An egui context run once per frame without a window, and what its last frame produced.
#[derive(Resource, Default)]
pub struct HeadlessEgui {
    /// The context.
    pub ctx: egui::Context,
    /// Frames drawn.
    pub frames: u64,
    /// Triangles tessellated in the last frame (how much was drawn).
    pub last_triangles: usize,
}

/// Draws the panel each frame into [`HeadlessEgui`] (a 1280×720 screen) and applies its
/// actions, as the viewer does; for tests and tools that run without a window.
pub struct HeadlessPanelPlugin;

impl Plugin for HeadlessPanelPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<HeadlessEgui>()
            .init_resource::<PanelState>()
            .add_systems(Update, draw_headless_panel);
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_headless_panel(
    mut egui: ResMut<HeadlessEgui>,
    mut state: ResMut<PanelState>,
    status: Option<Res<TrainingStatus>>,
    metrics: Option<Res<TrainingMetrics>>,
    mut control: ResMut<MimicControl>,
    mut pace: ResMut<ControlPace>,
    requests: Option<ResMut<Messages<TrainingRequest>>>,
    reference: Option<ResMut<Reference>>,
    state_sim: Res<crate::sim::SimState>,
) {
    let clips = clip_names(reference.as_deref());
    let input = PanelInput {
        status: status.as_deref(),
        metrics: metrics.as_deref(),
        num_envs: state_sim.num_envs,
        clips: &clips,
        source: "headless",
        fps: 0.0,
    };
    let raw = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1280.0, 720.0),
        )),
        ..Default::default()
    };
    let mut actions = Vec::new();
    let ctx = egui.ctx.clone();
    let output = ctx.run_ui(raw, |ui| {
        actions = draw_panel(ui, &input, &mut state).actions;
    });
    let triangles: usize = ctx
        .tessellate(output.shapes, output.pixels_per_point)
        .iter()
        .map(|p| match &p.primitive {
            egui::epaint::Primitive::Mesh(m) => m.indices.len() / 3,
            egui::epaint::Primitive::Callback(_) => 0,
        })
        .sum();
    egui.frames += 1;
    egui.last_triangles = triangles;
    apply_panel_actions(
        &actions,
        &state,
        &mut control,
        &mut pace,
        requests.map(|r| r.into_inner()),
        reference.map(|r| r.into_inner()),
    );
}
