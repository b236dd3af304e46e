//! The panel's ASE section: the followed character's latent z, random / hold / release, the
//! named skills, and a slider that blends two of them along the sphere.

use egui_plot::{Bar, BarChart, Plot};

use super::{PanelAction, PanelState};
use crate::skills::SkillSteering;

/// A change to the latents asked for in the panel.
#[derive(Clone, Debug, PartialEq)]
pub enum SkillAction {
    /// A random latent.
    Randomize,
    /// Keep the current latent.
    Hold,
    /// Let the latent change on the schedule again.
    Release,
    /// Hold named skill `i`.
    HoldSkill(usize),
    /// Hold the blend of skills `a` and `b` at `t`.
    Blend {
        /// First skill.
        a: usize,
        /// Second skill.
        b: usize,
        /// Fraction of the way from `a` to `b`.
        t: f32,
    },
}

/// Applies `action` to the followed character, or to every character when `all`.
pub fn apply_skill_action(
    action: &SkillAction,
    follow: usize,
    all: bool,
    steering: &mut SkillSteering,
) {
    let envs: Vec<usize> = if all {
        (0..steering.num_envs().max(follow + 1)).collect()
    } else {
        vec![follow]
    };
    let z = match action {
        SkillAction::HoldSkill(i) => steering.skills().get(*i).map(|s| s.z.clone()),
        SkillAction::Blend { a, b, t } => steering.blend(*a, *b, *t),
        SkillAction::Hold => steering.z(follow).map(<[f32]>::to_vec),
        SkillAction::Randomize | SkillAction::Release => None,
    };
    for env in envs {
        match (action, &z) {
            (SkillAction::Randomize, _) => steering.randomize(env),
            (SkillAction::Release, _) => steering.release(env),
            (SkillAction::Hold, _) => {
                // Each character keeps its own current latent.
                if let Some(own) = steering.z(env).map(<[f32]>::to_vec) {
                    steering.hold(env, &own);
                }
            }
            (_, Some(z)) => steering.hold(env, z),
            (_, None) => {}
        }
    }
}

/// Draws the skills section for the followed character.
pub fn skills_section(
    ui: &mut egui::Ui,
    steering: &SkillSteering,
    state: &mut PanelState,
    actions: &mut Vec<PanelAction>,
) {
    ui.label(egui::RichText::new("Skill (ASE latent z)").strong());
    let follow = state.follow;
    let Some(z) = steering.z(follow) else {
        ui.label("the latent appears after the first control step");
        return;
    };
    let held = steering.is_held(follow);
    let nearest = steering
        .skills()
        .iter()
        .map(|s| (s, s.z.iter().zip(z).map(|(a, b)| a * b).sum::<f32>()))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    ui.label(format!(
        "env {follow}: {} · {}",
        if held {
            "held"
        } else {
            "changes every 0–5 s"
        },
        nearest.map_or_else(
            || "no named skills yet".to_string(),
            |(s, c)| format!("nearest skill {} (cos {c:.2})", s.name)
        )
    ));
    let bars: Vec<Bar> = z
        .iter()
        .enumerate()
        .map(|(i, v)| Bar::new(i as f64, f64::from(*v)).width(0.8))
        .collect();
    Plot::new("latent_z")
        .height(70.0)
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .show_axes([false, true])
        .include_y(-1.0)
        .include_y(1.0)
        .show(ui, |plot| plot.bar_chart(BarChart::new("z", bars)));
    let mut push = |a: SkillAction| actions.push(PanelAction::Skill(a));
    ui.horizontal(|ui| {
        if ui.button("Random z").clicked() {
            push(SkillAction::Randomize);
        }
        if held {
            if ui.button("Release").clicked() {
                push(SkillAction::Release);
            }
        } else if ui.button("Hold").clicked() {
            push(SkillAction::Hold);
        }
        ui.checkbox(&mut state.skill_all, "all characters");
    });
    let skills = steering.skills();
    if skills.is_empty() {
        return;
    }
    let name = |i: usize| skills.get(i).map_or("-", |s| s.name.as_str()).to_string();
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("skill_pick")
            .selected_text(name(state.skill_pick))
            .show_ui(ui, |ui| {
                for (i, s) in skills.iter().enumerate() {
                    ui.selectable_value(&mut state.skill_pick, i, &s.name);
                }
            });
        if ui.button("Hold skill").clicked() {
            push(SkillAction::HoldSkill(state.skill_pick));
        }
    });
    ui.horizontal(|ui| {
        ui.label("blend");
        egui::ComboBox::from_id_salt("blend_a")
            .width(90.0)
            .selected_text(name(state.blend.0))
            .show_ui(ui, |ui| {
                for (i, s) in skills.iter().enumerate() {
                    ui.selectable_value(&mut state.blend.0, i, &s.name);
                }
            });
        egui::ComboBox::from_id_salt("blend_b")
            .width(90.0)
            .selected_text(name(state.blend.1))
            .show_ui(ui, |ui| {
                for (i, s) in skills.iter().enumerate() {
                    ui.selectable_value(&mut state.blend.1, i, &s.name);
                }
            });
    });
    let slider = ui.add(egui::Slider::new(&mut state.blend_t, 0.0..=1.0).text("first to second"));
    if slider.changed() {
        push(SkillAction::Blend {
            a: state.blend.0,
            b: state.blend.1,
            t: state.blend_t,
        });
    }
}
