//! The panel in a bare egui context: no window, no renderer, same drawing and actions.

use bevy::prelude::*;

use super::{PanelState, PanelWorld};

/// An egui context run once per frame without a window, and what its last frame produced.
#[derive(Resource, Default)]
pub struct HeadlessEgui {
    /// The context.
    pub ctx: egui::Context,
    /// Frames drawn.
    pub frames: u64,
    /// Triangles tessellated in the last frame (how much was drawn).
    pub last_triangles: usize,
    /// Input for the next frame (keys, pointer), as a window would deliver it.
    pub events: Vec<egui::Event>,
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

fn draw_headless_panel(mut egui: ResMut<HeadlessEgui>, mut panel: PanelWorld) {
    let raw = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1280.0, 720.0),
        )),
        events: std::mem::take(&mut egui.events),
        ..Default::default()
    };
    let ctx = egui.ctx.clone();
    let output = ctx.run_ui(raw, |ui| {
        panel.draw(ui, "headless", 0.0);
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
}
