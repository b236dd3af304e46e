//! An agent carried into a new run under another config (`train --model_file`).

use rand::SeedableRng;

use super::agent::check_batches;
use super::{Agent, AgentConfig, AgentError};
use crate::SeededRng;
use crate::learning::models::NetworkRecords;

impl Agent {
    /// A new run's agent that starts from this one's networks and normalisers (MimicKit's
    /// `--model_file` when training): under `config`, which must name the same algorithm and
    /// the same `model:` section (rewards, learning rates, schedules may differ), for
    /// `num_envs` envs, with a fresh optimizer, iteration count, replay and random stream.
    pub fn warm_start(
        self,
        config: AgentConfig,
        num_envs: usize,
        seed: u64,
    ) -> Result<Self, AgentError> {
        let theirs = &self.state.config;
        if config.agent_name != theirs.agent_name {
            return Err(AgentError::WarmStartMismatch {
                key: "agent_name",
                theirs: theirs.agent_name.as_str().into(),
                ours: config.agent_name.as_str().into(),
            });
        }
        if config.model != theirs.model {
            return Err(AgentError::WarmStartMismatch {
                key: "model",
                theirs: format!("{:?}", theirs.model),
                ours: format!("{:?}", config.model),
            });
        }
        let mut networks = NetworkRecords::new();
        self.algo
            .save_networks(&mut networks)
            .map_err(|e| AgentError::WarmStartNetworks(e.to_string()))?;
        let Self {
            mut state,
            device,
            model,
            ..
        } = self;
        state.config = config;
        state.num_envs = num_envs;
        state.iteration = 0;
        state.sample_count = 0;
        state.rng = SeededRng::seed_from_u64(seed ^ 0x5eed_a9e7);
        let agent = Self::from_parts(state, device, model, networks, None)
            .map_err(|e| AgentError::WarmStartNetworks(e.to_string()))?;
        check_batches(&agent.state.config, num_envs, agent.algo.as_ref())?;
        Ok(agent)
    }
}
