//! The one place that turns `agent_name` into an algorithm: every other part of the agent
//! goes through the [`Algorithm`] hooks.

use super::add::{Add, add_disc_normalizer};
use super::amp::{Amp, DemoWindows, amp_disc_normalizer};
use super::{AgentConfig, AgentError, AgentName, AgentState, Algorithm, Ase, Awr, Ppo};
use crate::learning::normalizer::DiscNormalizer;

/// The algorithm of a (fresh or loaded) agent's state.
pub(super) fn build_algorithm(state: &AgentState) -> Box<dyn Algorithm> {
    let c = &state.config;
    let (envs, dim) = (state.num_envs, state.disc_obs_dim);
    match c.agent_name {
        AgentName::Ppo => Box::new(Ppo::new(c)),
        AgentName::Awr => Box::new(Awr::new(c)),
        AgentName::Amp => Box::new(Amp::<DemoWindows>::new(c, envs, dim)),
        AgentName::Add => Box::new(Add::new(c, envs, dim)),
        AgentName::Ase => Box::new(Ase::new(c, envs, dim, state.step_dt)),
    }
}

/// The discriminator normaliser of a fresh agent reading `disc_obs_dim` values (none for
/// agents without a discriminator); an error when an adversarial agent gets none.
pub(super) fn new_disc_normalizer(
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
