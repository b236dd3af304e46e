//! The one place that reads `agent_name`: which algorithm trains, and what its choice means for
//! the core's networks. Every other part of the agent goes through the [`Algorithm`] hooks.

use super::{AgentConfig, AgentName};

/// Values appended to each observation the actor and critic read (ASE's latent z; 0 for the
/// others). Acting-only code needs it too, to rebuild a checkpoint's networks.
pub(crate) fn condition_dim(config: &AgentConfig) -> usize {
    match config.agent_name {
        AgentName::Ase => config.model.latent_dim,
        AgentName::Ppo | AgentName::Awr | AgentName::Amp | AgentName::Add => 0,
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
            AgentName::Ppo => Box::new(Ppo::new(c)),
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
            AgentName::Ppo | AgentName::Awr => return Ok(None),
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
