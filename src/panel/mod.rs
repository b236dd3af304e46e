//! The training panel: status, controls and live plots, drawn with egui (feature `panel`).
//!
//! [`draw_panel`] is plain egui: it reads a [`PanelInput`], edits [`PanelState`] and returns
//! [`PanelAction`]s; [`apply_panel_actions`] turns those into the live plugin's requests and
//! resources. The viewer draws it with bevy_egui; [`HeadlessPanelPlugin`] draws it into a bare
//! egui context, which is how the tests run it without a window.

mod command;
mod headless;
mod plots;
mod skills;
mod ui;

pub use command::{CommandMode, MoveAction, apply_move_action, command_section};
pub use headless::{HeadlessEgui, HeadlessPanelPlugin};
pub use plots::{PlotGroup, group_of};
pub use skills::{SkillAction, apply_skill_action, skills_section};
pub use ui::{PanelOutput, draw_panel};

use std::path::PathBuf;
use std::time::Duration;

use bevy::prelude::*;

use crate::control::{MimicControl, PushCharacter, TrainingRequest};
use crate::env::character::systems::Reference;
use crate::live::{TrainingMetrics, TrainingStatus};
use crate::sim::ControlPace;
use crate::skills::SkillSteering;

/// What the panel shows besides the training's resources.
pub struct PanelInput<'a> {
    /// Training status (absent in play mode).
    pub status: Option<&'a TrainingStatus>,
    /// Logged iterations (absent in play mode).
    pub metrics: Option<&'a TrainingMetrics>,
    /// Number of environments (for the follow control).
    pub num_envs: usize,
    /// Names of the env's motion clips.
    pub clips: &'a [String],
    /// What is loaded (configs or checkpoint), for the status line.
    pub source: &'a str,
    /// Frames per second of the app.
    pub fps: f64,
    /// ASE latents (shown when the policy takes them).
    pub steering: Option<&'a SkillSteering>,
    /// Play mode's counters and timings (absent while training).
    pub play: Option<&'a crate::play::PlayStats>,
    /// A task policy's trained speed range (m/s): the panel shows its command section.
    pub task_speeds: Option<(f32, f32)>,
}

/// The panel's widgets' state (a resource, so systems can read what the user chose).
#[derive(Resource, Clone, Debug)]
pub struct PanelState {
    /// Simulation and training held.
    pub paused: bool,
    /// Run control steps as fast as possible instead of in real time.
    pub fast: bool,
    /// Real-time speed factor (1 = real time).
    pub speed: f32,
    /// The environment the camera follows.
    pub follow: usize,
    /// Show the reference motion as a translucent ghost.
    pub ghost: bool,
    /// The clip new episodes start from (`None`: as the env config says).
    pub clip: Option<usize>,
    /// Text field of the checkpoint to load.
    pub checkpoint_path: String,
    /// Metrics shown in the plots.
    pub selected: Vec<String>,
    /// Skill actions apply to every character, not only the followed one.
    pub skill_all: bool,
    /// The named skill picked in the list.
    pub skill_pick: usize,
    /// The two named skills the blend slider moves between.
    pub blend: (usize, usize),
    /// Where the blend slider is (0: first skill, 1: second).
    pub blend_t: f32,
    /// A named skill to hold on every character once the skills are known (`view --skill`).
    pub start_skill: Option<String>,
    /// How a task policy's characters are directed.
    pub command_mode: CommandMode,
    /// The heading dial (radians counter-clockwise from world +x).
    pub command_heading: f32,
    /// The speed slider (m/s).
    pub command_speed: f32,
    /// Commands go to every character, not only the followed one.
    pub command_all: bool,
    /// Send the heading command once the characters exist (`view --heading`).
    pub start_command: bool,
    /// How hard the push button (or the P key) shoves the followed character, sideways (m/s).
    pub push_speed: f32,
}

impl Default for PanelState {
    fn default() -> Self {
        Self {
            paused: false,
            fast: false,
            speed: 1.0,
            follow: 0,
            ghost: false,
            clip: None,
            checkpoint_path: String::new(),
            selected: [
                "Train_Return",
                "Train_Episode_Length",
                "Actor_Loss",
                "Critic_Loss",
                "Clip_Frac",
                "Tracking_Body_Pos_Err",
                "Samples_Per_Sec",
                "Disc_Reward_Mean",
                "Disc_Loss",
                "Enc_Reward_Mean",
                "Enc_Loss",
                "Diversity_Loss",
            ]
            .map(String::from)
            .to_vec(),
            skill_all: false,
            skill_pick: 0,
            blend: (0, 1),
            blend_t: 0.0,
            start_skill: None,
            command_mode: CommandMode::Random,
            command_heading: 0.0,
            command_speed: 1.0,
            command_all: false,
            start_command: false,
            push_speed: 12.0,
        }
    }
}

/// What the user asked for through the panel.
#[derive(Clone, Debug, PartialEq)]
pub enum PanelAction {
    /// Pause or resume.
    SetPaused(bool),
    /// Fast mode on or off.
    SetFast(bool),
    /// Real-time speed factor.
    SetSpeed(f32),
    /// Write a checkpoint.
    Save,
    /// Load a checkpoint directory.
    Load(PathBuf),
    /// Start new episodes everywhere.
    ResetEnvs,
    /// Start new episodes from this clip.
    ChooseClip(Option<usize>),
    /// Change ASE latents (the followed character's, or all with `skill_all`).
    Skill(SkillAction),
    /// Change a task policy's commands (the followed character's, or all with
    /// `command_all`).
    Move(MoveAction),
    /// Play mode: shove the followed character sideways by `push_speed` m/s
    /// ([`PushCharacter`]).
    Push,
}

/// The [`ControlPace`] a panel state asks for.
pub fn pace_of(state: &PanelState) -> ControlPace {
    if state.fast {
        ControlPace::Fast {
            budget: Duration::from_millis(40),
        }
    } else {
        ControlPace::RealTime {
            speed: state.speed,
            max_per_update: 8,
        }
    }
}

/// Applies the panel's actions to the live plugin: pause, pace, checkpoint requests, resets
/// and the clip choice.
pub fn apply_panel_actions(
    actions: &[PanelAction],
    state: &PanelState,
    control: &mut MimicControl,
    pace: &mut ControlPace,
    requests: Option<&mut Messages<TrainingRequest>>,
    reference: Option<&mut Reference>,
    steering: Option<&mut SkillSteering>,
) {
    let mut requests = requests;
    let mut reference = reference;
    let mut steering = steering;
    for action in actions {
        match action {
            PanelAction::SetPaused(p) => control.paused = *p,
            PanelAction::SetFast(_) | PanelAction::SetSpeed(_) => *pace = pace_of(state),
            PanelAction::Save => {
                if let Some(r) = requests.as_deref_mut() {
                    r.write(TrainingRequest::SaveCheckpoint);
                }
            }
            PanelAction::Load(dir) => {
                if let Some(r) = requests.as_deref_mut() {
                    r.write(TrainingRequest::LoadCheckpoint(dir.clone()));
                }
            }
            PanelAction::ResetEnvs => {
                if let Some(r) = requests.as_deref_mut() {
                    r.write(TrainingRequest::ResetEnvs);
                }
            }
            PanelAction::ChooseClip(clip) => {
                if let Some(r) = reference.as_deref_mut() {
                    r.clip_choice = *clip;
                }
            }
            PanelAction::Skill(a) => {
                if let Some(s) = steering.as_deref_mut() {
                    apply_skill_action(a, state.follow, state.skill_all, s);
                }
            }
            // Components and messages that need the world: applied by PanelWorld.
            PanelAction::Move(_) | PanelAction::Push => {}
        }
    }
}

/// Everything the panel reads and changes in an app, as one system parameter: the viewer and
/// the headless panel draw through it.
#[derive(bevy::ecs::system::SystemParam)]
pub struct PanelWorld<'w, 's> {
    /// The widgets' state.
    pub state: ResMut<'w, PanelState>,
    status: Option<Res<'w, TrainingStatus>>,
    metrics: Option<Res<'w, TrainingMetrics>>,
    control: ResMut<'w, MimicControl>,
    pace: ResMut<'w, ControlPace>,
    requests: Option<ResMut<'w, Messages<TrainingRequest>>>,
    reference: Option<ResMut<'w, Reference>>,
    sim: Res<'w, crate::sim::SimState>,
    steering: Option<ResMut<'w, SkillSteering>>,
    play: Option<Res<'w, crate::play::PlayStats>>,
    task: Option<Res<'w, crate::env::character::TaskState>>,
    pushes: Option<ResMut<'w, Messages<PushCharacter>>>,
    commands: Commands<'w, 's>,
    bodies: Query<'w, 's, (Entity, &'static crate::sim::plugin::SimBody)>,
}

impl PanelWorld<'_, '_> {
    /// Draws the panel into `ui` (`source` and `fps` for the status line) and applies what
    /// the user asked for.
    pub fn draw(&mut self, ui: &mut egui::Ui, source: &str, fps: f64) -> PanelOutput {
        let clips = clip_names(self.reference.as_deref());
        let input = PanelInput {
            status: self.status.as_deref(),
            metrics: self.metrics.as_deref(),
            num_envs: self.sim.num_envs,
            clips: &clips,
            source,
            fps,
            steering: self.steering.as_deref().filter(|s| s.is_active()),
            play: self.play.as_deref(),
            task_speeds: self.task.as_deref().map(|t| t.params.speed_range()),
        };
        let output = draw_panel(ui, &input, &mut self.state);
        apply_panel_actions(
            &output.actions,
            &self.state,
            &mut self.control,
            &mut self.pace,
            self.requests.as_deref_mut(),
            self.reference.as_deref_mut(),
            self.steering.as_deref_mut(),
        );
        for action in &output.actions {
            let s = &self.state;
            match action {
                PanelAction::Move(m) => {
                    apply_move_action(
                        *m,
                        s.follow,
                        s.command_all,
                        &mut self.commands,
                        &self.bodies,
                    );
                }
                PanelAction::Push => {
                    if let Some(pushes) = self.pushes.as_deref_mut() {
                        pushes.write(sideways_push(&self.sim, s.follow, s.push_speed));
                    }
                }
                _ => {}
            }
        }
        output
    }
}

/// A push of character `env` by `speed` m/s to the left of where it walks, or, slower than
/// [`PUSH_MOVING_SPEED`], of where its pelvis faces: sideways is how a walker falls most easily.
fn sideways_push(sim: &crate::sim::SimState, env: usize, speed: f32) -> PushCharacter {
    let env = env.min(sim.num_envs.saturating_sub(1));
    let velocity = sim.root_vel(env).truncate();
    let along = if velocity.length() > PUSH_MOVING_SPEED {
        velocity
    } else {
        (sim.root_rot(env) * Vec3::X).truncate()
    };
    PushCharacter {
        env,
        velocity: along.normalize_or(Vec2::X).perp().extend(0.0) * speed,
    }
}

/// Below this horizontal speed (m/s) the panel pushes a character sideways to its facing, not
/// to its (swaying) velocity.
const PUSH_MOVING_SPEED: f32 = 0.3;

/// Holds [`PanelState::start_skill`] on every character once the named skills exist, and
/// picks it in the panel's list (an unknown name is reported once, with the names there are).
pub fn hold_start_skill(mut state: ResMut<PanelState>, steering: Option<ResMut<SkillSteering>>) {
    let Some(mut steering) = steering else { return };
    if state.start_skill.is_none() || steering.skills().is_empty() || steering.num_envs() == 0 {
        return;
    }
    let name = state.start_skill.take().expect("checked");
    match steering.skills().iter().position(|s| s.name == name) {
        Some(i) => {
            state.skill_pick = i;
            state.skill_all = true;
            apply_skill_action(
                &SkillAction::HoldSkill(i),
                state.follow,
                true,
                &mut steering,
            );
        }
        None => {
            let names: Vec<&str> = steering.skills().iter().map(|s| s.name.as_str()).collect();
            warn!(
                "no skill named {name}; the policy's skills are {}",
                names.join(", ")
            );
        }
    }
}

/// Sends [`PanelState`]'s heading command to the characters once their bodies exist, when
/// [`PanelState::start_command`] asks for it.
pub fn send_start_command(
    mut state: ResMut<PanelState>,
    mut commands: Commands,
    bodies: Query<(Entity, &crate::sim::plugin::SimBody)>,
) {
    if !state.start_command || bodies.is_empty() {
        return;
    }
    state.start_command = false;
    let command = crate::control::MoveCommand::Heading {
        heading: state.command_heading,
        speed: state.command_speed,
    };
    apply_move_action(
        MoveAction::Set(command),
        state.follow,
        state.command_all,
        &mut commands,
        &bodies,
    );
}

/// Names of the clips of the env in this app.
pub fn clip_names(reference: Option<&Reference>) -> Vec<String> {
    reference
        .and_then(|r| r.motions.as_ref())
        .map(|lib| {
            (0..lib.num_clips())
                .map(|i| format!("{} ({:.1} s)", lib.name(i), lib.length(i)))
                .collect()
        })
        .unwrap_or_default()
}
