//! The panel's egui layout.

use std::path::PathBuf;

use egui_plot::{Legend, Line, Plot, PlotPoints};

use super::plots::{PlotGroup, group_of};
use super::{PanelAction, PanelInput, PanelState};
use crate::live::TrainingPhase;

/// What one frame of the panel produced.
#[derive(Clone, Debug, Default)]
pub struct PanelOutput {
    /// What the user asked for.
    pub actions: Vec<PanelAction>,
    /// The panel's width in logical pixels (the 3D view goes right of it).
    pub width: f32,
}

/// Draws the panel on the left of `ui` and returns what the user asked for this frame.
pub fn draw_panel(ui: &mut egui::Ui, input: &PanelInput, state: &mut PanelState) -> PanelOutput {
    let mut actions = Vec::new();
    let response = egui::Panel::left("bevy_mimic_panel")
        .resizable(true)
        .default_size(360.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                status_line(ui, input);
                ui.separator();
                controls(ui, input, state, &mut actions);
                if let Some(steering) = input.steering {
                    ui.separator();
                    super::skills_section(ui, steering, state, &mut actions);
                }
                if let Some(speeds) = input.task_speeds {
                    ui.separator();
                    super::command_section(ui, speeds, state, &mut actions);
                }
                if let Some(metrics) = input.metrics {
                    ui.separator();
                    plots(ui, metrics, state);
                }
            });
        });
    PanelOutput {
        actions,
        width: response.response.rect.width(),
    }
}

fn status_line(ui: &mut egui::Ui, input: &PanelInput) {
    ui.heading("bevy_mimic");
    ui.label(input.source);
    match input.status {
        Some(s) => {
            let phase = match s.phase {
                TrainingPhase::Rollout => "collecting samples",
                TrainingPhase::Updating => "updating",
                TrainingPhase::Testing => "test episodes",
                TrainingPhase::Finished => "finished",
            };
            ui.label(format!(
                "iteration {} · {} samples · {} · {}",
                s.iteration,
                s.samples,
                format_duration(s.wall_time_s),
                phase
            ));
            ui.label(format!("device {} · {:.0} fps", s.device, input.fps));
            if s.env_blowups > 0 {
                ui.label(format!("{} env blow-ups survived", s.env_blowups));
            }
            if let Some(dir) = &s.last_checkpoint {
                ui.label(format!("checkpoint {}", dir.display()));
            }
            if let Some(e) = &s.last_error {
                ui.colored_label(egui::Color32::LIGHT_RED, e);
            }
        }
        None => {
            ui.label(format!("playing · {:.0} fps", input.fps));
            if let Some(p) = input.play {
                ui.label(format!(
                    "per control step: inference {:.1} ms · simulation {:.1} ms · {} steps",
                    p.inference_ms, p.sim_ms, p.steps
                ));
                // One line either way, so that the controls below do not move.
                ui.label(if p.falls > 0 {
                    format!("{} falls · {} stood up again", p.falls, p.risen)
                } else {
                    format!("{} characters put back at their start", p.resets)
                });
            }
        }
    }
}

fn format_duration(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

fn controls(
    ui: &mut egui::Ui,
    input: &PanelInput,
    state: &mut PanelState,
    actions: &mut Vec<PanelAction>,
) {
    ui.horizontal(|ui| {
        let label = if state.paused { "Resume" } else { "Pause" };
        if ui.button(label).clicked() {
            state.paused = !state.paused;
            actions.push(PanelAction::SetPaused(state.paused));
        }
        if ui.button("Reset envs").clicked() {
            actions.push(PanelAction::ResetEnvs);
        }
        if input.status.is_some() && ui.button("Save checkpoint").clicked() {
            actions.push(PanelAction::Save);
        }
    });
    if input.status.is_some() {
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut state.checkpoint_path)
                    .hint_text("checkpoint dir (…/model)")
                    .desired_width(200.0),
            );
            if ui.button("Load").clicked() && !state.checkpoint_path.trim().is_empty() {
                actions.push(PanelAction::Load(PathBuf::from(
                    state.checkpoint_path.trim(),
                )));
            }
        });
    }
    ui.horizontal(|ui| {
        if ui.checkbox(&mut state.fast, "fast").changed() {
            actions.push(PanelAction::SetFast(state.fast));
        }
        let slider = ui.add_enabled(
            !state.fast,
            egui::Slider::new(&mut state.speed, 0.1..=4.0)
                .logarithmic(true)
                .text("× real time"),
        );
        if slider.changed() {
            actions.push(PanelAction::SetSpeed(state.speed));
        }
    });
    if input.play.is_some() {
        ui.horizontal(|ui| {
            // P pushes too: once per press (not on key repeat), without modifiers (Ctrl+P
            // prints), and not while a text field has the keyboard.
            let key = !ui.ctx().egui_wants_keyboard_input()
                && ui.input(|i| {
                    i.events.iter().any(|e| {
                        matches!(e, egui::Event::Key { key: egui::Key::P, pressed: true,
                            repeat: false, modifiers, .. } if modifiers.is_none())
                    })
                });
            if ui.button("Push (P)").clicked() || key {
                actions.push(PanelAction::Push);
            }
            ui.add(egui::Slider::new(&mut state.push_speed, 1.0..=15.0).text("m/s sideways"));
        });
    }
    ui.horizontal(|ui| {
        let last = input.num_envs.saturating_sub(1);
        ui.add(egui::Slider::new(&mut state.follow, 0..=last).text("follow env"));
        ui.checkbox(&mut state.ghost, "ghost");
    });
    if !input.clips.is_empty() {
        let current = state
            .clip
            .and_then(|c| input.clips.get(c).cloned())
            .unwrap_or_else(|| "all clips (config)".into());
        let before = state.clip;
        egui::ComboBox::from_label("motion clip")
            .selected_text(current)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut state.clip, None, "all clips (config)");
                for (i, name) in input.clips.iter().enumerate() {
                    ui.selectable_value(&mut state.clip, Some(i), name);
                }
            });
        if state.clip != before {
            actions.push(PanelAction::ChooseClip(state.clip));
            actions.push(PanelAction::ResetEnvs);
        }
    }
}

fn plots(ui: &mut egui::Ui, metrics: &crate::live::TrainingMetrics, state: &mut PanelState) {
    let keys = metrics.keys();
    egui::CollapsingHeader::new("Metrics shown")
        .default_open(false)
        .show(ui, |ui| {
            for group in PlotGroup::ALL {
                let in_group: Vec<&String> =
                    keys.iter().filter(|k| group_of(k) == Some(group)).collect();
                if in_group.is_empty() {
                    continue;
                }
                ui.label(egui::RichText::new(group.title()).strong());
                ui.horizontal_wrapped(|ui| {
                    for key in in_group {
                        let mut on = state.selected.iter().any(|s| s == key);
                        if ui.checkbox(&mut on, key.as_str()).changed() {
                            if on {
                                state.selected.push(key.clone());
                            } else {
                                state.selected.retain(|s| s != key);
                            }
                        }
                    }
                });
            }
        });
    if metrics.rows().is_empty() {
        ui.label("plots appear after the first iteration");
        return;
    }
    for group in PlotGroup::ALL {
        let shown: Vec<&String> = keys
            .iter()
            .filter(|k| group_of(k) == Some(group) && state.selected.iter().any(|s| s == *k))
            .collect();
        if shown.is_empty() {
            continue;
        }
        ui.label(egui::RichText::new(group.title()).strong());
        Plot::new(("plot", group.title()))
            .height(130.0)
            .legend(Legend::default())
            .allow_scroll(false)
            .x_axis_label("iteration")
            .show(ui, |plot| {
                for key in shown {
                    plot.line(Line::new(
                        key.as_str(),
                        PlotPoints::from(metrics.series(key)),
                    ));
                }
            });
    }
}
