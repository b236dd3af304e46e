//! Putting another checkpoint's agent into a running or new [`TrainingRun`]: the viewer's load
//! request (the agent as saved) and `train --model_file` (its networks under the run's config).

use std::path::Path;

use burn::tensor::Device;

use super::run::{RunError, TrainingRun};
use crate::fit::{check_fits, stored_character};
use crate::learning::checkpoint::{LoadedAgent, load_agent};

impl TrainingRun {
    /// Starts this new run from checkpoint `dir`'s networks and normalisers (MimicKit's
    /// `--model_file` when training), under the run's own agent config, which must describe
    /// the same algorithm and networks: rewards, learning rates and schedules may change, the
    /// optimizer, counters and replay start fresh. Checked to fit the run's env (character,
    /// observations, actions). Call it before the first step.
    pub fn warm_start_from(
        &mut self,
        dir: &Path,
        device: Device,
        seed: u64,
    ) -> Result<(), RunError> {
        let LoadedAgent { agent, extra } = load_agent(dir, device)?;
        let character = stored_character(dir, &extra)?;
        check_fits(dir, agent.state(), character.as_ref(), self.spec())?;
        let ours = self.agent();
        let (config, num_envs, step_dt) = (
            ours.config().clone(),
            ours.state().num_envs,
            ours.state().step_dt,
        );
        let mut agent = agent.warm_start(config, num_envs, seed).map_err(|e| {
            RunError::Invalid(format!("cannot start this run from {}: {e}", dir.display()))
        })?;
        agent.set_step_dt(step_dt);
        self.agent = Some(agent);
        self.tracker.restart_all();
        Ok(())
    }

    /// Replaces the agent by the one in checkpoint `dir`, if it fits this run's env (the
    /// same number of envs too); the driver then resets every env, as the new agent's rollout
    /// starts empty.
    /// Any checkpoint with an agent loads (a shipped policy too: it trains on with a fresh
    /// optimizer state); the run keeps its own loop state.
    pub fn load_checkpoint(&mut self, dir: &Path, device: Device) -> Result<(), RunError> {
        let LoadedAgent { mut agent, extra } = load_agent(dir, device)?;
        let character = stored_character(dir, &extra)?;
        check_fits(dir, agent.state(), character.as_ref(), self.spec())?;
        agent
            .restore_algorithm_files(&extra)
            .map_err(|e| RunError::Invalid(format!("{}: {e}", dir.display())))?;
        let (theirs, ours) = (agent.state().num_envs, self.tracker.num_envs());
        if theirs != ours {
            return Err(RunError::Invalid(format!(
                "{}: trained with {theirs} envs; this run has {ours}",
                dir.display()
            )));
        }
        self.agent = Some(agent);
        self.tracker.restart_all();
        Ok(())
    }
}
