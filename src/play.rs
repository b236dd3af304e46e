//! Play mode: a trained policy drives characters in any Bevy app, with no training code
//! running — the checkpoint's actor and normalisers, its env's observations, and the engine.

use std::path::{Path, PathBuf};

use bevy::platform::time::Instant;
use bevy::prelude::*;

use crate::config::{ConfigError, override_engine, parse_env_config};
use crate::control::{
    CharacterFell, CharacterRose, EpisodeDone, MimicControl, MimicSet, TrainingRequest,
    configure_mimic_sets, sync_play_pause,
};
use crate::env::EngineOverride;
use crate::env::character::resets::{EnvResets, ResetTo};
use crate::env::character::systems::EnvOutput;
use crate::env::character::{ActionBounds, CharacterEnvSetup};
use crate::fit::{EnvSpec, FitError, check_fits, stored_character};
use crate::getup::{GetUpController, GetUpProgress};
use crate::hlc::{HlcError, load_low_level};
use crate::learning::agents::{ActMode, AgentName};
use crate::learning::checkpoint::{CheckpointError, load_policy};
use crate::learning::device::Backend;
use crate::learning::hlc::latent_space;
use crate::learning::policy::Policy;
use crate::sim::plugin::PdTargets;
use crate::sim::{CharacterState, ControlStep, SimPlugin, SimState};
use crate::skills::{
    NamedSkill, SKILLS_FILE, SkillSteering, apply_steering, mirror_steering, named_skills,
};
use crate::spaces::ActionSpace;
use crate::spaces::DoneCode;

/// Why a policy could not be loaded for play.
#[derive(Debug, thiserror::Error)]
pub enum PlayError {
    /// The checkpoint is unreadable.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// Its env config is wrong, or names files that cannot be loaded.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The checkpoint was not trained on a character env.
    #[error("{0}")]
    NotACharacter(String),
    /// The policy does not fit its env (another character, other sizes).
    #[error(transparent)]
    Fit(#[from] FitError),
    /// A high-level controller's low-level policy is unusable.
    #[error(transparent)]
    Hlc(#[from] HlcError),
    /// A get-up tracker cannot back the policy (another character, another control rate, not
    /// a tracker).
    #[error("{0}")]
    GetUp(String),
}

/// The policy acting in play mode (a resource wrapping [`Policy`], which lives in `learning`
/// and knows no Bevy); `ResMut<PlayPolicy>` derefs to the policy.
#[derive(Resource, Clone, Deref, DerefMut)]
pub struct PlayPolicy(pub Policy);

/// The get-up tracker that takes over fallen characters in play mode
/// ([`PolicyPlugin::with_get_up`]); `Res<GetUp>` derefs to it (e.g.
/// [`is_rising`](GetUpController::is_rising)).
#[derive(Resource, Clone, Deref, DerefMut)]
pub struct GetUp(pub GetUpController);

/// The played characters' action box and start pose.
#[derive(Resource, Clone)]
struct PlayCharacter {
    bounds: ActionBounds,
    default_state: CharacterState,
}

/// Play-mode counters and timings.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq)]
pub struct PlayStats {
    /// Control steps taken.
    pub steps: u64,
    /// Characters reset after their episode ended (a fall, or the episode length).
    pub resets: u64,
    /// Whether every character has been put at its start.
    pub started: bool,
    /// Falls the get-up tracker took over ([`CharacterFell`]).
    pub falls: u64,
    /// Of those, the characters that stood again ([`CharacterRose`]).
    pub risen: u64,
    /// Milliseconds the policy took in the last control step (steering, inference, targets).
    pub inference_ms: f64,
    /// Milliseconds the physics and the env took in the last control step.
    pub sim_ms: f64,
}

/// When the policy finished acting in this control step (for [`PlayStats::sim_ms`]).
#[derive(Resource, Default)]
struct ActEnd(Option<Instant>);

/// Drives `num_envs` characters with the policy in a checkpoint directory (what `train`
/// writes to `out_dir/model`). Adds the engine ([`SimPlugin`], on the config's engine) and the
/// checkpoint's env systems; an app needs only `MinimalPlugins` (or `DefaultPlugins`) and
/// `TransformPlugin` besides. Characters start at the beginning of the clip and start over when
/// they fall, or (DeepMimic, ADD) when their reference clip's episode ends; characters of the
/// other kinds (AMP, ASE, the tasks) have no episode length in play.
#[derive(Clone)]
pub struct PolicyPlugin {
    setup: CharacterEnvSetup,
    policy: Policy,
    num_envs: usize,
    source: PathBuf,
    writeback: bool,
    skills: Vec<NamedSkill>,
    getup: Option<GetUpController>,
}

/// ASE skills named when the policy was shipped play-only (without the encoder that names
/// them at start).
#[derive(Resource, Clone, Default)]
struct ShippedSkills(Vec<NamedSkill>);

impl PolicyPlugin {
    /// Loads the checkpoint in `model_dir` (weights and normalisers on the CPU) and its env.
    pub fn load(model_dir: &Path, num_envs: usize) -> Result<Self, PlayError> {
        Self::load_on_engine(model_dir, num_envs, &EngineOverride::default())
    }

    /// As [`PolicyPlugin::load`], with the engine changes of `engine` (another engine, another
    /// physics rate) over the settings it was trained on: a sim-to-sim replay.
    pub fn load_on_engine(
        model_dir: &Path,
        num_envs: usize,
        engine: &EngineOverride,
    ) -> Result<Self, PlayError> {
        let loaded = load_policy(model_dir, Backend::Flex.device())?;
        let (env_file, text) = stored_env_config(model_dir, &loaded.extra)?;
        let text = override_engine(&env_file, &text, engine)?;
        let mut setup = character_setup(&env_file, &text, num_envs)?;
        // A game's characters are not teleported back every 10 s: the episode length only
        // served training, except where a reference clip ends.
        if !setup.kind.follows_reference() {
            setup.plugin = setup.plugin.without_time_limit();
        }
        setup.plugin = setup.plugin.without_domain_rand();
        let pd_box = ActionSpace::Box {
            low: setup.low.clone(),
            high: setup.high.clone(),
        };
        let stored = stored_character(model_dir, &loaded.extra)?;
        let skills = match loaded.extra.iter().find(|(n, _)| n == SKILLS_FILE) {
            Some((_, text)) => serde_yaml_ng::from_slice(text).map_err(|e| {
                PlayError::Config(ConfigError {
                    file: model_dir.join(SKILLS_FILE),
                    key: None,
                    message: format!("unreadable named skills: {e}"),
                })
            })?,
            None => Vec::new(),
        };
        let mut policy = loaded.policy;
        let config = policy.state().config.clone();
        if config.agent_name == AgentName::Hlc {
            // The controller reads the whole observation and acts in latents; the frozen ASE
            // policy under it reads the character's share and writes the PD targets.
            let agent_file = model_dir.join("agent_config.yaml");
            let llc_spec = EnvSpec::character(
                setup.obs_dim - setup.task_obs_dim,
                pd_box,
                setup.disc_obs_dim,
                &setup.model,
            );
            let low = load_low_level(&config, &agent_file, &llc_spec, Backend::Flex.device())?;
            let spec = EnvSpec::character(
                setup.obs_dim,
                latent_space(low.latent_dim()),
                0,
                &setup.model,
            );
            check_fits(model_dir, policy.state(), stored.as_ref(), &spec)?;
            policy = policy.with_low_level(low);
        } else {
            let spec = EnvSpec::character(setup.obs_dim, pd_box, setup.disc_obs_dim, &setup.model);
            check_fits(model_dir, policy.state(), stored.as_ref(), &spec)?;
        }
        Ok(Self {
            setup,
            policy,
            num_envs,
            source: model_dir.to_path_buf(),
            writeback: true,
            skills,
            getup: None,
        })
    }

    /// A character that falls is got up by the DeepMimic tracker of get-up clips in
    /// `model_dir` (e.g. [`GETUP_POLICY_DIR`](crate::getup::GETUP_POLICY_DIR)) rather than put
    /// back at its start: the tracker drives it until it stands, then its own policy goes on
    /// (see [`crate::getup`]); [`CharacterFell`] and [`CharacterRose`] tell the app. It is
    /// put back at its start only if the tracker gives up. Fails, naming both, if the tracker
    /// was trained on another character or at another control rate.
    pub fn with_get_up(mut self, model_dir: &Path) -> Result<Self, PlayError> {
        self.getup = Some(GetUpController::load(
            model_dir,
            self.num_envs,
            &self.setup.model,
            self.setup.dt,
        )?);
        Ok(self)
    }

    /// Whether body poses are written back to `Transform`s (on by default, for rendering).
    pub fn with_transform_writeback(mut self, writeback: bool) -> Self {
        self.writeback = writeback;
        self
    }

    /// The checkpoint directory it was loaded from.
    pub fn source(&self) -> &Path {
        &self.source
    }
}

impl Plugin for PolicyPlugin {
    fn build(&self, app: &mut App) {
        let setup = &self.setup;
        let character = PlayCharacter {
            bounds: ActionBounds {
                low: setup.low.clone(),
                high: setup.high.clone(),
            },
            default_state: setup.default_state.clone(),
        };
        configure_mimic_sets(app);
        crate::control::add_pushes(app);
        if let Some(getup) = &self.getup {
            app.insert_resource(GetUp(getup.clone()));
        }
        app.add_plugins(
            SimPlugin::new(setup.model.clone(), self.num_envs)
                .with_config(setup.engine.clone())
                .with_transform_writeback(self.writeback),
        )
        .add_plugins(setup.plugin.clone())
        .insert_resource(PlayPolicy(self.policy.clone()))
        .insert_resource(ShippedSkills(self.skills.clone()))
        .insert_resource(character)
        .init_resource::<PlayStats>()
        .init_resource::<SkillSteering>()
        .init_resource::<MimicControl>()
        .init_resource::<ActEnd>()
        .add_message::<TrainingRequest>()
        .add_systems(PostUpdate, sync_play_pause.in_set(MimicSet::Update))
        .add_message::<EpisodeDone>()
        .add_message::<CharacterFell>()
        .add_message::<CharacterRose>()
        .add_systems(
            ControlStep,
            (name_skills, act).chain().in_set(MimicSet::Act),
        )
        .add_systems(ControlStep, restart_finished.in_set(MimicSet::Record));
    }
}

/// The env config stored in the checkpoint in `model_dir` (its `extra` files): the path it
/// stands for and its text.
pub(crate) fn stored_env_config(
    model_dir: &Path,
    extra: &[(String, Vec<u8>)],
) -> Result<(PathBuf, String), PlayError> {
    let text = extra
        .iter()
        .find(|(n, _)| n == "env_config.yaml")
        .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
        .ok_or_else(|| {
            PlayError::NotACharacter(format!("{}: no env_config.yaml", model_dir.display()))
        })?;
    Ok((model_dir.join("env_config.yaml"), text))
}

/// Parses a character env config (`text`, read from `file`) and loads its character, clips and
/// systems for `num_envs` envs; errors name the file and key.
pub(crate) fn character_setup(
    file: &Path,
    text: &str,
    num_envs: usize,
) -> Result<CharacterEnvSetup, PlayError> {
    let parsed = parse_env_config(file, text)?;
    let (kind, config) = match parsed.character() {
        Some(kc) => kc,
        None => {
            let other = parsed;
            return Err(PlayError::NotACharacter(format!(
                "{}: env `{}` has no characters (train it with `bevy_mimic train`)",
                file.display(),
                other.name()
            )));
        }
    };
    CharacterEnvSetup::load(kind, &config, num_envs).map_err(|(key, message)| {
        PlayError::Config(ConfigError {
            file: file.to_path_buf(),
            key: Some(key),
            message,
        })
    })
}

/// The policy's mean action for every character's observation, as PD targets; ASE latents
/// follow [`SkillSteering`]'s commands; the get-up tracker's actions for the characters it
/// drives.
#[allow(clippy::too_many_arguments)] // the resources of one Bevy system
fn act(
    mut policy: ResMut<PlayPolicy>,
    character: Res<PlayCharacter>,
    output: Res<EnvOutput>,
    mut targets: ResMut<PdTargets>,
    mut steering: ResMut<SkillSteering>,
    mut stats: ResMut<PlayStats>,
    mut act_end: ResMut<ActEnd>,
    (getup, state): (Option<ResMut<GetUp>>, Res<SimState>),
    mut scratch: Local<Vec<f32>>,
) {
    let start = Instant::now();
    let agent = &mut policy.0;
    apply_steering(&mut steering, agent, ActMode::Deterministic);
    let actions = agent.act(&output.buffers.obs);
    match getup {
        Some(mut getup) => {
            scratch.clear();
            scratch.extend_from_slice(actions);
            getup.act(&state, &mut scratch);
            character.bounds.write_targets(&scratch, &mut targets.0);
        }
        None => character.bounds.write_targets(actions, &mut targets.0),
    }
    mirror_steering(&mut steering, agent, ActMode::Deterministic);
    let end = Instant::now();
    stats.inference_ms = (end - start).as_secs_f64() * 1e3;
    act_end.0 = Some(end);
}

/// ASE: names a skill per clip once the policy and clips are in place (or takes the names a
/// play-only shipment holds).
fn name_skills(
    mut policy: ResMut<PlayPolicy>,
    mut resets: EnvResets,
    mut steering: ResMut<SkillSteering>,
    shipped: Res<ShippedSkills>,
    mut done: Local<bool>,
) {
    if *done {
        return;
    }
    if !shipped.0.is_empty() {
        steering.set_skills(shipped.0.clone());
        *done = true;
        return;
    }
    let agent = &mut policy.0;
    let mut rng = <crate::SeededRng as rand::SeedableRng>::seed_from_u64(0);
    let skills = named_skills(agent, &mut resets, &mut rng);
    *done = !skills.is_empty() || agent.latent_dim() == 0 || !resets.has_motions();
    if !skills.is_empty() {
        steering.set_skills(skills);
    }
}

/// Puts every character at its start once the worlds exist, again when its episode ends, and
/// all of them when a [`TrainingRequest::ResetEnvs`] arrives. With a get-up tracker, a fall
/// hands the character to it instead, and it is put back only if the tracker gives up.
#[allow(clippy::too_many_arguments)] // the resources and messages of one Bevy system
fn restart_finished(
    mut resets: EnvResets,
    mut policy: ResMut<PlayPolicy>,
    character: Res<PlayCharacter>,
    mut stats: ResMut<PlayStats>,
    mut episodes: MessageWriter<EpisodeDone>,
    mut requests: MessageReader<TrainingRequest>,
    mut act_end: ResMut<ActEnd>,
    mut running: Local<Vec<(f64, u32)>>,
    (mut getup, mut fell, mut rose): (
        Option<ResMut<GetUp>>,
        MessageWriter<CharacterFell>,
        MessageWriter<CharacterRose>,
    ),
) {
    if let Some(end) = act_end.0.take() {
        stats.sim_ms = end.elapsed().as_secs_f64() * 1e3;
    }
    let reset_all = requests
        .read()
        .any(|r| matches!(r, TrainingRequest::ResetEnvs));
    let n = resets.output().buffers.num_envs();
    running.resize(n, (0.0, 0));
    for env in 0..n {
        let mut code = resets.output().buffers.dones[env];
        if reset_all && code == DoneCode::Null {
            code = DoneCode::Time;
        }
        if let Some(getup) = getup.as_deref_mut().filter(|_| stats.started && !reset_all) {
            match getup.advance(env, resets.sim_state()) {
                // Down or rising: the env's done codes (contact) do not end its episode.
                Some(GetUpProgress::Rising) => continue,
                Some(GetUpProgress::Risen { seconds }) => {
                    rose.write(CharacterRose { env, seconds });
                    stats.risen += 1;
                    continue;
                }
                Some(GetUpProgress::GaveUp) => code = DoneCode::Fail,
                None if code == DoneCode::Fail => {
                    getup.start(env, resets.sim_state());
                    fell.write(CharacterFell { env });
                    stats.falls += 1;
                    continue;
                }
                None => {}
            }
        }
        if stats.started {
            let r = &mut running[env];
            r.0 += f64::from(resets.output().buffers.rewards[env]);
            r.1 += 1;
            if code == DoneCode::Null {
                continue;
            }
            episodes.write(EpisodeDone {
                env,
                code,
                episode_return: r.0,
                length: r.1,
            });
            // ASE: a new episode draws a new skill unless the game holds one.
            if let Some(slots) = policy.latents_mut() {
                slots.episode_ended(env);
            }
        }
        running[env] = (0.0, 0);
        let to = if resets.has_motions() {
            ResetTo::Motion {
                clip: resets.clip_choice().unwrap_or(0),
                time: 0.0,
            }
        } else {
            ResetTo::Pose(&character.default_state)
        };
        if !resets.reset(env, to) {
            return; // the worlds are not built yet
        }
        // Put back at its start: whatever the tracker was doing with it is over.
        if let Some(getup) = getup.as_deref_mut() {
            getup.cancel(env);
        }
        if stats.started {
            stats.resets += 1;
        }
    }
    stats.started = true;
    stats.steps += 1;
}

/// The named skills (one per clip) of the ASE policy in `model_dir`, as [`PolicyPlugin`] names
/// them at start (the same windows, the same seed); empty for other policies.
pub fn named_skills_of(model_dir: &Path) -> Result<Vec<NamedSkill>, PlayError> {
    let plugin = PolicyPlugin::load(model_dir, 1)?.with_transform_writeback(false);
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, TransformPlugin, plugin));
    app.finish();
    app.cleanup();
    // The first update builds the world and its clips; skills are named in the next steps.
    for _ in 0..3 {
        app.update();
    }
    Ok(app.world().resource::<SkillSteering>().skills().to_vec())
}
