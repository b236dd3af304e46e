//! The panel's task section (task policies only): direct the followed character (or all) by a
//! heading dial and a speed slider, or by clicking a point on the ground; or leave them to the
//! env's random targets.

use std::f32::consts::TAU;

use bevy::prelude::*;

use super::{PanelAction, PanelState};
use crate::control::MoveCommand;
use crate::sim::plugin::SimBody;

/// How the panel directs a task policy's characters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CommandMode {
    /// The env's own random targets, as in training.
    #[default]
    Random,
    /// A heading and a speed from the dial and the slider.
    Heading,
    /// A point on the ground, set by clicking in the 3D view.
    Point,
}

/// A change to the characters' [`MoveCommand`]s asked for in the panel or the 3D view.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MoveAction {
    /// Back to random targets (the command is removed).
    Release,
    /// This command.
    Set(MoveCommand),
}

/// Draws the task section: the mode, the heading dial and the speed slider (`speeds`: the
/// range the policy was trained on).
pub fn command_section(
    ui: &mut egui::Ui,
    speeds: (f32, f32),
    state: &mut PanelState,
    actions: &mut Vec<PanelAction>,
) {
    ui.label("Direct the characters");
    let before = (
        state.command_mode,
        state.command_heading,
        state.command_speed,
    );
    ui.horizontal(|ui| {
        ui.selectable_value(&mut state.command_mode, CommandMode::Random, "random");
        ui.selectable_value(&mut state.command_mode, CommandMode::Heading, "heading");
        ui.selectable_value(&mut state.command_mode, CommandMode::Point, "walk to");
        ui.checkbox(&mut state.command_all, "all characters");
    });
    state.command_speed = state.command_speed.clamp(speeds.0, speeds.1);
    ui.horizontal(|ui| {
        heading_dial(ui, &mut state.command_heading);
        ui.vertical(|ui| {
            ui.label(format!(
                "heading {:.0}°",
                state.command_heading.to_degrees()
            ));
            ui.add(
                egui::Slider::new(&mut state.command_speed, speeds.0..=speeds.1.max(speeds.0))
                    .text("m/s"),
            );
            if state.command_mode == CommandMode::Point {
                ui.label("click on the ground to set the target");
            }
        });
    });
    let after = (
        state.command_mode,
        state.command_heading,
        state.command_speed,
    );
    if after == before {
        return;
    }
    match state.command_mode {
        CommandMode::Random => actions.push(PanelAction::Move(MoveAction::Release)),
        CommandMode::Heading => {
            actions.push(PanelAction::Move(MoveAction::Set(MoveCommand::Heading {
                heading: state.command_heading,
                speed: state.command_speed,
            })))
        }
        // The target comes with the next click.
        CommandMode::Point => {}
    }
}

/// A round dial: the line points along the heading (0 = world +x, up on the dial;
/// counter-clockwise positive, as seen from above); dragging or clicking sets it.
fn heading_dial(ui: &mut egui::Ui, heading: &mut f32) -> egui::Response {
    let size = egui::vec2(64.0, 64.0);
    let (rect, response) = ui.allocate_exact_size(size, egui::Sense::click_and_drag());
    let centre = rect.center();
    let radius = rect.width() * 0.45;
    if let Some(p) = response.interact_pointer_pos() {
        let d = p - centre;
        if d.length() > 2.0 {
            // Screen y grows downwards; +x of the world is up, +y to the left.
            *heading = (-d.x).atan2(-d.y).rem_euclid(TAU);
        }
    }
    let painter = ui.painter_at(rect);
    let visuals = ui.style().interact(&response);
    painter.circle_stroke(centre, radius, visuals.fg_stroke);
    let tip = centre + radius * egui::vec2(-heading.sin(), -heading.cos());
    painter.line_segment(
        [centre, tip],
        egui::Stroke::new(2.5, visuals.fg_stroke.color),
    );
    painter.circle_filled(tip, 3.5, visuals.fg_stroke.color);
    response
}

/// Applies `action` to the followed character, or to all of them when `all`: the command is
/// inserted on (or removed from) each character's root body entity.
pub fn apply_move_action(
    action: MoveAction,
    follow: usize,
    all: bool,
    commands: &mut Commands,
    bodies: &Query<(Entity, &SimBody)>,
) {
    for (entity, body) in bodies {
        if body.body != 0 || !(all || body.env as usize == follow) {
            continue;
        }
        match action {
            MoveAction::Release => {
                commands.entity(entity).remove::<MoveCommand>();
            }
            MoveAction::Set(command) => {
                commands.entity(entity).insert(command);
            }
        }
    }
}
