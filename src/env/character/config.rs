//! The character env YAML (`env_name: char` or `deepmimic`), with MimicKit's keys and defaults.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::sim::EngineConfig;

fn yes() -> bool {
    true
}
fn ten() -> f64 {
    10.0
}
fn one() -> f32 {
    1.0
}
fn tar_obs_steps() -> Vec<u32> {
    vec![1, 2, 3]
}
fn key_bodies() -> Vec<String> {
    ["head", "right_hand", "left_hand", "right_foot", "left_foot"]
        .map(String::from)
        .to_vec()
}
fn contact_bodies() -> Vec<String> {
    ["right_foot", "left_foot"].map(String::from).to_vec()
}
fn num_disc_obs_steps() -> usize {
    10
}
fn w(x: f32) -> f32 {
    x
}

/// The viewer camera's mode (`camera_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CameraMode {
    /// The camera stays where the user puts it.
    Still,
    /// The camera follows the character picked in the panel.
    Track,
}

/// Keys of a character env file (besides `env_name`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CharacterEnvConfig {
    /// The character's MJCF file.
    pub char_file: PathBuf,
    /// A motion clip (`.bmotion`, `.pkl`, `.txt`, `.npz`) or a dataset YAML of `{file, weight}`.
    /// Required by `deepmimic`; `char` uses it only for reference-state resets when given.
    #[serde(default)]
    pub motion_file: Option<PathBuf>,
    /// Episode length in seconds.
    #[serde(default = "ten")]
    pub episode_length: f64,
    /// Observations in world orientation (true) or in the character's heading frame (false).
    #[serde(default)]
    pub global_obs: bool,
    /// Include the root height in the observation.
    #[serde(default = "yes")]
    pub root_height_obs: bool,
    /// Append the reference's future frames (DeepMimic's target observation).
    #[serde(default)]
    pub enable_tar_obs: bool,
    /// Append the reference's phase (motion time over clip length, wrapped for looping clips)
    /// to the observation (MimicKit's `enable_phase_obs`). Off when absent: MimicKit's code
    /// defaults it on, but each of its env files states it.
    #[serde(default)]
    pub enable_phase_obs: bool,
    /// Sinusoidal encodings of the phase, `sin` and `cos` of `2π·2ᵏ·phase` for k below this,
    /// after the phase itself (MimicKit: 0 when absent).
    #[serde(default)]
    pub num_phase_encoding: usize,
    /// Log the tracking errors of test episodes (`Test_Tracking_*`: root position and
    /// rotation, body positions and rotations, DoF, root and root angular velocities), as
    /// MimicKit's `log_tracking_error`; training rollouts of the tracking kinds log them
    /// always, and `amp`/`ase` ones when this is set.
    #[serde(default)]
    pub log_tracking_error: bool,
    /// Which future control steps the target observation shows.
    #[serde(default = "tar_obs_steps")]
    pub tar_obs_steps: Vec<u32>,
    /// Bodies whose root-relative positions are observed and tracked.
    #[serde(default = "key_bodies")]
    pub key_bodies: Vec<String>,
    /// Bodies allowed to touch the ground (others end the episode with FAIL).
    #[serde(default = "contact_bodies")]
    pub contact_bodies: Vec<String>,
    /// End the episode when a body outside `contact_bodies` touches the ground.
    #[serde(default = "yes")]
    pub enable_early_termination: bool,
    /// bevy_mimic's own: an episode that starts with the pelvis below this height (m) — a reset
    /// into a get-up clip's frames on the ground — is not ended by ground contact until the
    /// pelvis first rises above it, so that a policy can learn to get up. Off when absent.
    #[serde(default)]
    pub early_termination_arm_height: Option<f32>,
    /// bevy_mimic's own, with `early_termination_arm_height`: an episode whose pelvis has not
    /// risen above that height this many seconds after its reset fails, so that lying on the
    /// ground costs the rest of the episode's reward. Off when absent.
    #[serde(default)]
    pub early_termination_getup_time: Option<f32>,
    /// bevy_mimic's own, with `early_termination_arm_height`: the share of training resets put
    /// at the first frame of a clip that starts on the ground (root below that height), drawn
    /// uniformly among those clips. Random resets land on the ground only as often as the
    /// clips lie there, which for DeepMimic's get-ups is a fraction of a second. 0 when absent.
    #[serde(default)]
    pub ground_reset_prob: Option<f64>,
    /// bevy_mimic's own, with `early_termination_arm_height`: a task env's reward, while an
    /// episode that started on the ground has not yet risen above that height, is DeepMimic's
    /// tracking reward against the get-up clip it started in (the `reward_*` and `joint_err_w`
    /// keys), not the task's: the rise pays frame by frame, as it does for a tracker, which
    /// learns it where the task reward alone did not (`docs/BENCHMARKS.md`, "Getting up").
    #[serde(default)]
    pub getup_tracking_reward: bool,
    /// bevy_mimic's own: a tracker's episode on a non-looping clip goes on this long (s) past
    /// the clip's end, tracking its last frame, before it succeeds (MimicKit ends it at the
    /// end). A get-up tracker so learns to stand still once up, where a game hands the
    /// character back. 0 when absent.
    #[serde(default)]
    pub clip_end_hold_time: Option<f32>,
    /// bevy_mimic's own: domain randomisation while training (PD gain factors, action delays,
    /// pushes; see [`DomainRandConfig`](crate::sim::DomainRandConfig)). Play mode leaves it out.
    #[serde(default)]
    pub domain_rand: Option<crate::sim::DomainRandConfig>,
    /// End the episode when a body strays `pose_termination_dist` from its reference.
    #[serde(default)]
    pub pose_termination: bool,
    /// Distance (m) for `pose_termination`.
    #[serde(default = "one")]
    pub pose_termination_dist: f32,
    /// Reset to a random clip and time (reference state initialisation); otherwise clip start.
    #[serde(default = "yes")]
    pub rand_reset: bool,
    /// Centre hinge action bounds on 0 instead of the middle of the range.
    #[serde(default)]
    pub zero_center_action: bool,
    /// Default pose for `char` resets: root position (3), root rotation as an exp map (3),
    /// then the DoFs. The zero pose standing on the ground when absent.
    #[serde(default)]
    pub init_pose: Option<Vec<f32>>,
    /// Probability that a training reset puts the character in the default pose instead of
    /// a reference state (ASE: 0.5 when absent; others 0).
    #[serde(default)]
    pub default_reset_prob: Option<f64>,
    /// Per-joint weights of the pose and velocity errors, one per non-root body in body order
    /// (MimicKit's humanoid weights when absent).
    #[serde(default)]
    pub joint_err_w: Option<Vec<f32>>,
    /// Weight of the pose term of the tracking reward.
    #[serde(default = "reward_pose_w")]
    pub reward_pose_w: f32,
    /// Weight of the DoF-velocity term.
    #[serde(default = "reward_vel_w")]
    pub reward_vel_w: f32,
    /// Weight of the root pose term.
    #[serde(default = "reward_root_pose_w")]
    pub reward_root_pose_w: f32,
    /// Weight of the root velocity term.
    #[serde(default = "reward_root_vel_w")]
    pub reward_root_vel_w: f32,
    /// Weight of the key-body term.
    #[serde(default = "reward_key_pos_w")]
    pub reward_key_pos_w: f32,
    /// Scale of the pose error.
    #[serde(default = "reward_pose_scale")]
    pub reward_pose_scale: f32,
    /// Scale of the DoF-velocity error.
    #[serde(default = "reward_vel_scale")]
    pub reward_vel_scale: f32,
    /// Scale of the root pose error.
    #[serde(default = "reward_root_pose_scale")]
    pub reward_root_pose_scale: f32,
    /// Scale of the root velocity error.
    #[serde(default = "reward_root_vel_scale")]
    pub reward_root_vel_scale: f32,
    /// Scale of the key-body error.
    #[serde(default = "reward_key_pos_scale")]
    pub reward_key_pos_scale: f32,
    /// Frames in each discriminator window (`amp`; MimicKit: 10).
    #[serde(default = "num_disc_obs_steps")]
    pub num_disc_obs_steps: usize,
    /// The viewer's camera: `track` follows a character, `still` stays where it is put
    /// (MimicKit's modes; `track` when absent, as every MimicKit env file sets it).
    #[serde(default)]
    pub camera_mode: Option<CameraMode>,
    /// Show the reference as a ghost in the viewer when it opens (default: yes, as MimicKit's
    /// DeepMimic env and those built on it; the panel toggles it).
    #[serde(default)]
    pub visualize_ref_char: Option<bool>,
    /// Where the viewer draws the ghost relative to the reference's own position (m, world
    /// x, y, z; MimicKit's files: `[2, 0, 0]`, beside the character). On top of it when absent.
    #[serde(default)]
    pub ref_char_offset: Option<Vec<f32>>,
    /// `task_steering`: draw the target direction at random (else always +x). MimicKit: yes.
    #[serde(default)]
    pub rand_tar_dir: Option<bool>,
    /// `task_steering`: draw the facing direction at random (else the target direction).
    /// MimicKit: yes.
    #[serde(default)]
    pub rand_face_dir: Option<bool>,
    /// `task_steering`: slowest target speed (m/s); required.
    #[serde(default)]
    pub tar_speed_min: Option<f32>,
    /// `task_steering`: fastest target speed (m/s); required.
    #[serde(default)]
    pub tar_speed_max: Option<f32>,
    /// `task_location`: the speed the reward asks for towards the target (m/s); required.
    #[serde(default)]
    pub tar_speed: Option<f32>,
    /// Task envs: shortest time (s) before the target is drawn again; required.
    #[serde(default)]
    pub tar_change_time_min: Option<f32>,
    /// Task envs: longest time (s) before the target is drawn again; required.
    #[serde(default)]
    pub tar_change_time_max: Option<f32>,
    /// `task_location`: targets are drawn uniformly up to this far (m) from the root; required.
    #[serde(default)]
    pub tar_dist_max: Option<f32>,
    /// `task_steering`: weight of the velocity term of the task reward; required.
    #[serde(default)]
    pub reward_steering_tar_w: Option<f32>,
    /// `task_steering`: weight of the facing term of the task reward; required.
    #[serde(default)]
    pub reward_steering_face_w: Option<f32>,
    /// `task_steering`: scale of the squared velocity error in the task reward; required.
    #[serde(default)]
    pub reward_steering_vel_scale: Option<f32>,
    /// The engine for this env (MimicKit's `engine:` block); defaults when absent.
    #[serde(default)]
    pub engine: Option<EngineConfig>,
}

fn reward_pose_w() -> f32 {
    w(0.5)
}
fn reward_vel_w() -> f32 {
    w(0.1)
}
fn reward_root_pose_w() -> f32 {
    w(0.15)
}
fn reward_root_vel_w() -> f32 {
    w(0.1)
}
fn reward_key_pos_w() -> f32 {
    w(0.15)
}
fn reward_pose_scale() -> f32 {
    w(0.25)
}
fn reward_vel_scale() -> f32 {
    w(0.01)
}
fn reward_root_pose_scale() -> f32 {
    w(5.0)
}
fn reward_root_vel_scale() -> f32 {
    w(1.0)
}
fn reward_key_pos_scale() -> f32 {
    w(10.0)
}

/// MimicKit's humanoid joint weights, in body order after the root: torso, head, right upper
/// arm, right lower arm, right hand, left upper arm, left lower arm, left hand, right thigh,
/// right shin, right foot, left thigh, left shin, left foot.
pub const HUMANOID_JOINT_ERR_W: [f32; 14] = [
    1.0, 0.6, 0.6, 0.4, 0.0, 0.6, 0.4, 0.0, 1.0, 0.6, 0.4, 1.0, 0.6, 0.4,
];

impl CharacterEnvConfig {
    /// Checks the values that need no files, naming the first bad key.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let bad = |k: &str, m: String| Err((k.to_string(), m));
        if let Some(p) = self.default_reset_prob
            && !(0.0..=1.0).contains(&p)
        {
            return bad("default_reset_prob", format!("must be in [0, 1], got {p}"));
        }
        if let Some(h) = self.early_termination_arm_height
            && !(h.is_finite() && h > 0.0)
        {
            return bad(
                "early_termination_arm_height",
                format!("must be a height > 0 (m), got {h}"),
            );
        }
        if let Some(dr) = &self.domain_rand {
            dr.validate()?;
        }
        if let Some(p) = self.ground_reset_prob {
            if !(0.0..=1.0).contains(&p) {
                return bad("ground_reset_prob", format!("must be in [0, 1], got {p}"));
            }
            if self.early_termination_arm_height.is_none() {
                return bad(
                    "ground_reset_prob",
                    "needs early_termination_arm_height (the height below which a clip starts on the ground)"
                        .into(),
                );
            }
        }
        if self.getup_tracking_reward && self.early_termination_arm_height.is_none() {
            return bad(
                "getup_tracking_reward",
                "needs early_termination_arm_height (the height that counts as risen)".into(),
            );
        }
        if let Some(t) = self.early_termination_getup_time {
            if !(t.is_finite() && t > 0.0) {
                return bad(
                    "early_termination_getup_time",
                    format!("must be a time > 0 (s), got {t}"),
                );
            }
            if self.early_termination_arm_height.is_none() {
                return bad(
                    "early_termination_getup_time",
                    "needs early_termination_arm_height (the height that counts as up)".into(),
                );
            }
        }
        if let Some(t) = self.clip_end_hold_time
            && !(t.is_finite() && t >= 0.0)
        {
            return bad(
                "clip_end_hold_time",
                format!("must be a time >= 0 (s), got {t}"),
            );
        }
        if !(self.episode_length.is_finite() && self.episode_length > 0.0) {
            return bad(
                "episode_length",
                format!("must be > 0 seconds, got {}", self.episode_length),
            );
        }
        if !(self.pose_termination_dist.is_finite() && self.pose_termination_dist > 0.0) {
            return bad(
                "pose_termination_dist",
                format!("must be > 0, got {}", self.pose_termination_dist),
            );
        }
        if let Some(o) = &self.ref_char_offset
            && (o.len() != 3 || o.iter().any(|v| !v.is_finite()))
        {
            return bad(
                "ref_char_offset",
                format!("must be 3 finite numbers (x, y, z in m), got {o:?}"),
            );
        }
        if self.enable_tar_obs && self.tar_obs_steps.is_empty() {
            return bad(
                "tar_obs_steps",
                "must list at least one step when enable_tar_obs is set".into(),
            );
        }
        if self.num_disc_obs_steps == 0 {
            return bad("num_disc_obs_steps", "must be at least 1".into());
        }
        if self.tar_obs_steps.contains(&0) {
            return bad("tar_obs_steps", "steps start at 1 (the next frame)".into());
        }
        for (k, v) in [
            ("reward_pose_w", self.reward_pose_w),
            ("reward_vel_w", self.reward_vel_w),
            ("reward_root_pose_w", self.reward_root_pose_w),
            ("reward_root_vel_w", self.reward_root_vel_w),
            ("reward_key_pos_w", self.reward_key_pos_w),
            ("reward_pose_scale", self.reward_pose_scale),
            ("reward_vel_scale", self.reward_vel_scale),
            ("reward_root_pose_scale", self.reward_root_pose_scale),
            ("reward_root_vel_scale", self.reward_root_vel_scale),
            ("reward_key_pos_scale", self.reward_key_pos_scale),
        ] {
            if !v.is_finite() || v < 0.0 {
                return bad(k, format!("must be a finite value >= 0, got {v}"));
            }
        }
        if let Some(w) = &self.joint_err_w
            && let Some(x) = w.iter().find(|x| !x.is_finite() || **x < 0.0)
        {
            return bad(
                "joint_err_w",
                format!("weights must be finite and >= 0, got {x}"),
            );
        }
        if let Some(engine) = &self.engine {
            engine
                .validate(std::path::Path::new("engine"))
                .map_err(|e| (format!("engine.{}", e.key), e.reason))?;
        }
        Ok(())
    }
}
