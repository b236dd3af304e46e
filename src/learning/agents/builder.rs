//! The one place that reads `agent_name`: which algorithm trains, and what its choice means for
//! the core's networks. Every other part of the agent goes through the [`Algorithm`] hooks.

use super::{AgentConfig, AgentName};

/// Values appended to each observation the actor and critic read (ASE's latent z; 0 for the
/// others). Acting-only code needs it too, to rebuild a checkpoint's networks.
pub(crate) fn condition_dim(config: &AgentConfig) -> usize {
    match config.agent_name {
        AgentName::Ase => config.model.latent_dim,
        AgentName::Ppo | AgentName::Awr | AgentName::Amp | AgentName::Add | AgentName::Hlc => 0,
    }
}

/// MimicKit's `ase_humanoid_agent.yaml` where it differs from the shared defaults.
const ASE_DEFAULTS: &str = "
agent_name: ASE
model:
  actor_net: fc_3layers_1024units
  critic_net: fc_3layers_1024units
  disc_net: fc_3layers_1024units
actor_optimizer: {type: Adam, learning_rate: 2.0e-5}
critic_optimizer: {type: Adam, learning_rate: 5.0e-5}
disc_optimizer: {type: Adam, learning_rate: 5.0e-5, weight_decay: 1.0e-4}
iters_per_output: 200
normalizer_samples: 5.0e8
task_reward_weight: 0.0
disc_reward_weight: 0.5
enc_reward_weight: 0.5
";

/// The agent YAML of MimicKit's defaults for `agent_name`.
pub(super) fn defaults_yaml(agent_name: AgentName) -> &'static str {
    match agent_name {
        AgentName::Ppo => "agent_name: PPO",
        AgentName::Awr => "agent_name: AWR",
        AgentName::Amp => "agent_name: AMP",
        AgentName::Add => "agent_name: ADD\ndisc_grad_penalty: 2.0",
        AgentName::Ase => ASE_DEFAULTS,
        AgentName::Hlc => "agent_name: HLC",
    }
}

#[cfg(feature = "train")]
pub(super) use training::{build_algorithm, new_disc_normalizer};

#[cfg(feature = "train")]
mod training {
    use burn::tensor::Device;

    use super::super::add::{Add, add_disc_normalizer};
    use super::super::amp::{Amp, DemoWindows, amp_disc_normalizer};
    use super::super::{AgentConfig, AgentError, AgentName, AgentState, Algorithm, Ase, Awr, Ppo};
    use crate::SeededRng;
    use crate::learning::nets::NetError;
    use crate::learning::normalizer::DiscNormalizer;

    /// The algorithm of a (fresh or loaded) agent's state; the networks it adds draw their
    /// weights from `rng` on the autodiff `device` (a loaded agent then reads its own).
    pub(in super::super) fn build_algorithm(
        state: &AgentState,
        rng: &mut SeededRng,
        device: &Device,
    ) -> Result<Box<dyn Algorithm>, NetError> {
        let c = &state.config;
        let (envs, dim) = (state.num_envs, state.disc_obs_dim);
        Ok(match c.agent_name {
            // The controller's learning is PPO's; what it adds lives in its env (`env::hlc`).
            AgentName::Ppo | AgentName::Hlc => Box::new(Ppo::new(c)),
            AgentName::Awr => Box::new(Awr::new(c)),
            AgentName::Amp => Box::new(Amp::<DemoWindows>::new(c, envs, dim, rng, device)?),
            AgentName::Add => Box::new(Add::new(c, envs, dim, rng, device)?),
            AgentName::Ase => Box::new(Ase::new(c, envs, dim, state.step_dt, rng, device)?),
        })
    }

    /// The discriminator normaliser of a fresh agent reading `disc_obs_dim` values (none for
    /// agents without a discriminator); an error when an adversarial agent gets none.
    pub(in super::super) fn new_disc_normalizer(
        config: &AgentConfig,
        disc_obs_dim: usize,
        clip: f64,
    ) -> Result<Option<DiscNormalizer>, AgentError> {
        let samples = config.normalizer_samples;
        let norm = match config.agent_name {
            AgentName::Ppo | AgentName::Awr | AgentName::Hlc => return Ok(None),
            AgentName::Amp | AgentName::Ase => amp_disc_normalizer(disc_obs_dim, clip, samples),
            AgentName::Add => add_disc_normalizer(disc_obs_dim, samples),
        };
        if disc_obs_dim == 0 {
            return Err(AgentError::NoDiscObs {
                agent: config.agent_name.as_str(),
            });
        }
        Ok(Some(norm))
    }
}
