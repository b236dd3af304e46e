//! The engine YAML: MimicKit's engine keys plus the knobs of our rapier backend.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// How the policy's actions drive the joints (MimicKit's `control_mode`). Only PD position
/// targets are implemented.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ControlMode {
    /// PD position targets solved implicitly by the joint motors.
    #[default]
    Pos,
}

/// Which MJCF joint ranges become rapier joint limits.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum JointLimits {
    /// Every range: hinges and the three axes of spherical joints.
    All,
    /// Hinge ranges only (knees cannot bend backwards); spherical joints are kept in range by
    /// the action bounds alone. Measured 1.18x faster than `all` with 64 humanoids
    /// (2635 vs 2228 humanoid control steps/s) and as fast as `none`.
    #[default]
    Hinges,
    /// No limits.
    None,
}

/// How soft rapier's ground contacts are: the spring-damper a contact's penetration and approach
/// speed are driven back through (`contact_softness` in the engine YAML; MuJoCo keeps its own
/// `solref`, which no spring of rapier's reproduces: its impedance makes contacts near rigid).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ContactSoftness {
    /// Natural frequency of the contact spring in Hz (rapier's default against the ground: 60).
    pub natural_frequency: f32,
    /// Damping ratio, 1 critically damped (rapier's default against the ground: 10).
    pub damping_ratio: f32,
}

/// Simulation settings (`engine_config` YAML, or an env YAML's `engine:` block).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    /// The engine (see [`ENGINE_NAMES`](super::ENGINE_NAMES)); `rapier` by default, `mujoco`
    /// with the `mujoco` feature. MimicKit's
    /// `isaac_gym`, `isaac_lab` and `newton` run on rapier with their rates and spacing.
    pub engine_name: String,
    /// How actions drive the joints.
    pub control_mode: ControlMode,
    /// Policy rate in Hz (MimicKit: 30).
    pub control_freq: f32,
    /// Physics rate in Hz (MimicKit: 120); a whole multiple of `control_freq`.
    pub sim_freq: f32,
    /// Distance between neighbouring environments on the layout grid, in metres.
    pub env_spacing: f32,
    /// Bodies lower than this (m) count as touching the ground for termination checks.
    pub ground_contact_height: f32,
    /// Rapier worlds stepped in parallel, one per thread. Environments are split evenly over
    /// them; results depend on the number of worlds, never on the number of threads.
    pub num_threads: usize,
    /// Solver iterations per physics step (rapier's `num_solver_iterations`; default 4).
    pub solver_iterations: usize,
    /// Contacts between non-adjacent bodies of the same character (parent–child pairs never
    /// collide).
    pub self_collision: bool,
    /// Which MJCF joint ranges are enforced as joint limits.
    pub joint_limits: JointLimits,
    /// Friction coefficient of the ground and of every body (MimicKit: 1).
    pub friction: f32,
    /// Softness of rapier's contacts with the ground; rapier's default when absent (MuJoCo
    /// warns and keeps its own).
    pub contact_softness: Option<ContactSoftness>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            engine_name: "rapier".into(),
            control_mode: ControlMode::Pos,
            control_freq: 30.0,
            sim_freq: 120.0,
            env_spacing: 3.0,
            ground_contact_height: 0.3,
            num_threads: 1,
            solver_iterations: 4,
            self_collision: true,
            joint_limits: JointLimits::Hinges,
            friction: 1.0,
            contact_softness: None,
        }
    }
}

/// A setting that cannot be simulated.
#[derive(Debug, thiserror::Error)]
#[error("engine config {file}: `{key}` {reason}")]
pub struct EngineConfigError {
    /// File the setting came from (`<code>` when built in code).
    pub file: String,
    /// The offending key.
    pub key: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl EngineConfig {
    /// Physics substeps per control step.
    pub fn substeps(&self) -> usize {
        (self.sim_freq / self.control_freq).round() as usize
    }

    /// Duration of one control step in seconds.
    pub fn control_dt(&self) -> f32 {
        1.0 / self.control_freq
    }

    /// Checks that the settings can be simulated; `file` names the source in errors.
    pub fn validate(&self, file: &Path) -> Result<(), EngineConfigError> {
        let err = |key, reason: String| EngineConfigError {
            file: file.display().to_string(),
            key,
            reason,
        };
        if let Some(reason) = super::engine::engine_unavailable(&self.engine_name) {
            return Err(err("engine_name", reason));
        }
        if super::engine::engine_named(&self.engine_name).is_none() {
            return Err(err(
                "engine_name",
                format!(
                    "is {:?}; the engines are {}",
                    self.engine_name,
                    super::engine::ENGINE_NAMES.join(", ")
                ),
            ));
        }
        if !(self.control_freq.is_finite() && self.control_freq > 0.0) {
            return Err(err(
                "control_freq",
                format!("must be > 0, got {}", self.control_freq),
            ));
        }
        let ratio = self.sim_freq / self.control_freq;
        if !(ratio.is_finite() && ratio >= 1.0 && (ratio - ratio.round()).abs() < 1e-3) {
            return Err(err(
                "sim_freq",
                format!(
                    "must be a whole multiple of control_freq ({}), got {}",
                    self.control_freq, self.sim_freq
                ),
            ));
        }
        if self.num_threads == 0 {
            return Err(err("num_threads", "must be at least 1".into()));
        }
        if self.solver_iterations == 0 {
            return Err(err("solver_iterations", "must be at least 1".into()));
        }
        if !(self.env_spacing.is_finite() && self.env_spacing > 0.0) {
            return Err(err(
                "env_spacing",
                format!("must be > 0, got {}", self.env_spacing),
            ));
        }
        if !(self.friction.is_finite() && self.friction >= 0.0) {
            return Err(err(
                "friction",
                format!("must be >= 0, got {}", self.friction),
            ));
        }
        if let Some(c) = self.contact_softness {
            let positive = |x: f32| x.is_finite() && x > 0.0;
            if !(positive(c.natural_frequency) && positive(c.damping_ratio)) {
                return Err(err(
                    "contact_softness",
                    format!(
                        "natural_frequency and damping_ratio must be > 0, got {} and {}",
                        c.natural_frequency, c.damping_ratio
                    ),
                ));
            }
        }
        Ok(())
    }
}
