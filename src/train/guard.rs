//! The blow-up guard: a non-finite env becomes a failed episode before anything reaches the
//! networks.

use crate::spaces::DoneCode;

/// The step's observations, rewards and codes with any non-finite env turned into a failed
/// episode (zeroed observation, zero reward), so one blow-up never reaches the networks;
/// `blowups` counts them. `scratch` holds a cleaned copy, used only when something is not
/// finite.
pub(crate) fn sanitize_step<'a>(
    obs_dim: usize,
    step: (&'a [f32], &'a [f32], &'a [DoneCode]),
    scratch: (&'a mut Vec<f32>, &'a mut Vec<f32>, &'a mut Vec<DoneCode>),
    blowups: &mut u64,
) -> (&'a [f32], &'a [f32], &'a [DoneCode]) {
    let (env_obs, env_rewards, env_dones) = step;
    let (obs, rewards, dones) = scratch;
    let finite = env_obs.iter().all(|v| v.is_finite()) && env_rewards.iter().all(|v| v.is_finite());
    if finite {
        return (env_obs, env_rewards, env_dones);
    }
    obs.clear();
    obs.extend_from_slice(env_obs);
    rewards.clear();
    rewards.extend_from_slice(env_rewards);
    dones.clear();
    dones.extend_from_slice(env_dones);
    for i in 0..env_rewards.len() {
        let row = &mut obs[i * obs_dim..(i + 1) * obs_dim];
        if !rewards[i].is_finite() || row.iter().any(|v| !v.is_finite()) {
            row.fill(0.0);
            rewards[i] = 0.0;
            dones[i] = DoneCode::Fail;
            *blowups += 1;
        }
    }
    (obs, rewards, dones)
}
