//! The on-policy experience buffer, `[steps_per_iter × num_envs]`, flat and step-major.

use crate::spaces::DoneCode;

/// One iteration of rollout data for all environments.
///
/// Observations are stored raw; the agent normalises them when it uploads the buffer for the
/// update, with the statistics of the previous iteration as MimicKit does.
#[derive(Clone, Debug)]
pub struct ExperienceBuffer {
    steps: usize,
    num_envs: usize,
    obs_dim: usize,
    action_len: usize,
    /// Observations the actions were taken in, `[T·N × obs_dim]`.
    pub obs: Vec<f32>,
    /// Observations after the step, before any reset, `[T·N × obs_dim]`.
    pub next_obs: Vec<f32>,
    /// Actions in normalised action space (index for discrete), `[T·N × action_len]`.
    pub actions: Vec<f32>,
    /// Log-probability of each action under the policy that took it.
    pub logp: Vec<f32>,
    /// Rewards.
    pub rewards: Vec<f32>,
    /// Episode-end codes.
    pub dones: Vec<DoneCode>,
    /// Whether the action was sampled (exploratory) rather than the mode.
    pub exp_mask: Vec<bool>,
}

impl ExperienceBuffer {
    /// An empty buffer for `steps` control steps of `num_envs` environments.
    pub fn new(steps: usize, num_envs: usize, obs_dim: usize, action_len: usize) -> Self {
        let n = steps * num_envs;
        Self {
            steps,
            num_envs,
            obs_dim,
            action_len,
            obs: vec![0.0; n * obs_dim],
            next_obs: vec![0.0; n * obs_dim],
            actions: vec![0.0; n * action_len],
            logp: vec![0.0; n],
            rewards: vec![0.0; n],
            dones: vec![DoneCode::Null; n],
            exp_mask: vec![true; n],
        }
    }

    /// Control steps per iteration.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Number of environments.
    pub fn num_envs(&self) -> usize {
        self.num_envs
    }

    /// Samples held (`steps × num_envs`).
    pub fn len(&self) -> usize {
        self.steps * self.num_envs
    }

    /// Whether the buffer holds no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Values per observation.
    pub fn obs_dim(&self) -> usize {
        self.obs_dim
    }

    /// Values per action.
    pub fn action_len(&self) -> usize {
        self.action_len
    }

    /// Stores what the agent saw and did at step `t` for all environments.
    pub fn record_action(
        &mut self,
        t: usize,
        obs: &[f32],
        actions: &[f32],
        logp: &[f32],
        exploratory: &[bool],
    ) {
        let (n, od, al) = (self.num_envs, self.obs_dim, self.action_len);
        self.obs[t * n * od..(t + 1) * n * od].copy_from_slice(obs);
        self.actions[t * n * al..(t + 1) * n * al].copy_from_slice(actions);
        self.logp[t * n..(t + 1) * n].copy_from_slice(logp);
        self.exp_mask[t * n..(t + 1) * n].copy_from_slice(exploratory);
    }

    /// Stores what the environments returned at step `t`.
    pub fn record_result(
        &mut self,
        t: usize,
        next_obs: &[f32],
        rewards: &[f32],
        dones: &[DoneCode],
    ) {
        let (n, od) = (self.num_envs, self.obs_dim);
        self.next_obs[t * n * od..(t + 1) * n * od].copy_from_slice(next_obs);
        self.rewards[t * n..(t + 1) * n].copy_from_slice(rewards);
        self.dones[t * n..(t + 1) * n].copy_from_slice(dones);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_land_step_major() {
        let mut buf = ExperienceBuffer::new(2, 3, 2, 1);
        buf.record_action(
            1,
            &[1., 2., 3., 4., 5., 6.],
            &[7., 8., 9.],
            &[-1., -2., -3.],
            &[false, true, false],
        );
        buf.record_result(
            1,
            &[0.; 6],
            &[0.5, 0.6, 0.7],
            &[DoneCode::Null, DoneCode::Time, DoneCode::Fail],
        );
        assert_eq!(&buf.obs[6..], &[1., 2., 3., 4., 5., 6.]);
        assert_eq!(&buf.actions[3..], &[7., 8., 9.]);
        assert_eq!(&buf.rewards[3..], &[0.5, 0.6, 0.7]);
        assert_eq!(buf.dones[4], DoneCode::Time);
        assert_eq!(&buf.exp_mask, &[true, true, true, false, true, false]);
        assert_eq!(buf.len(), 6);
    }
}
