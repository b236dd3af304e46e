//! A trained policy that only acts: a checkpoint's actor (and ASE's encoder) with its
//! normalisers, without autodiff or optimizer — what play mode and the web demo run.

use burn::tensor::{Device, Tensor, TensorData};

use super::agents::{AgentState, LatentSchedule, LatentSlots, condition_dim};
use super::hlc::LowLevel;
use super::models::{ActorCritic, Discriminator, Encoder, style_reward};
use super::normalizer::RunningNormalizer;
use crate::spaces::DoneCode;

/// Uploads row-major `data` as a `[rows, cols]` tensor. The tensor keeps `data` as its storage
/// (burn's `TensorData` takes an owned `Vec`): build it where it is needed, not as a copy.
pub(crate) fn upload_rows(data: Vec<f32>, cols: usize, device: &Device) -> Tensor<2> {
    let rows = data.len() / cols.max(1);
    Tensor::from_data(TensorData::new(data, [rows, cols]), device)
}

/// A network's input for raw observations `obs` (`[rows × obs_dim]`): each row normalised by
/// `norm` and followed by its condition from `cond` (`cond_dim` wide; none when 0). Written
/// straight into the storage of the tensor to be uploaded (see [`upload_rows`]): the one
/// allocation of an upload, and the observations' one copy.
pub(crate) fn normalized_input(
    obs: &[f32],
    obs_dim: usize,
    norm: &mut RunningNormalizer,
    cond: &[f32],
    cond_dim: usize,
) -> Vec<f32> {
    let rows = obs.len() / obs_dim.max(1);
    let mut input = Vec::with_capacity(rows * (obs_dim + cond_dim));
    if cond_dim == 0 {
        input.extend_from_slice(&obs[..rows * obs_dim]);
        norm.normalize_in_place(&mut input);
        return input;
    }
    for (o, c) in obs.chunks_exact(obs_dim).zip(cond.chunks_exact(cond_dim)) {
        let at = input.len();
        input.extend_from_slice(o);
        norm.normalize_in_place(&mut input[at..]);
        input.extend_from_slice(c);
    }
    input
}

/// Copies a downloaded tensor's `f32` values into `out` (kept between calls, so nothing is
/// allocated here; the download itself is burn's).
pub(crate) fn download_into(data: &TensorData, out: &mut Vec<f32>) {
    out.clear();
    out.extend_from_slice(data.as_slice::<f32>().expect("f32 values"));
}

/// A checkpoint's policy, acting deterministically (the mean action) for any number of
/// characters; ASE policies keep a latent per character that changes on the training schedule
/// unless held. A high-level controller's policy carries the frozen ASE policy it drives
/// ([`with_low_level`](Self::with_low_level)) and acts through it.
#[derive(Clone)]
pub struct Policy {
    state: AgentState,
    device: Device,
    model: ActorCritic,
    encoder: Option<Encoder>,
    disc: Option<Discriminator>,
    latents: Option<LatentSlots>,
    low_level: Option<Box<LowLevel>>,
    actions: Vec<f32>,
}

impl Policy {
    /// A policy from a checkpoint's state, its actor and critic, and ASE's skill encoder if it
    /// has one (loaded on `device`). A policy conditioned on latents keeps one per character.
    pub fn new(
        state: AgentState,
        model: ActorCritic,
        encoder: Option<Encoder>,
        device: Device,
    ) -> Self {
        let c = &state.config;
        let cd = condition_dim(c);
        let latents = (cd > 0).then(|| {
            LatentSlots::new(
                cd,
                LatentSchedule::from_times(c.latent_time_min, c.latent_time_max, state.step_dt),
            )
        });
        Self {
            state,
            device,
            model,
            encoder,
            disc: None,
            latents,
            low_level: None,
            actions: Vec::new(),
        }
    }

    /// The policy with its discriminator (AMP, ASE), for [`style_rewards`](Self::style_rewards).
    pub fn with_discriminator(mut self, disc: Discriminator) -> Self {
        self.disc = Some(disc);
        self
    }

    /// A high-level controller's policy chained to the frozen ASE policy it drives: its own
    /// actions become that policy's latents, and [`act`](Self::act) returns that policy's PD
    /// targets.
    pub fn with_low_level(mut self, low_level: LowLevel) -> Self {
        self.low_level = Some(Box::new(low_level));
        self
    }

    /// Whether the policy carries its discriminator.
    pub fn has_discriminator(&self) -> bool {
        self.disc.is_some()
    }

    /// The frozen ASE policy a high-level controller drives.
    pub fn low_level(&self) -> Option<&LowLevel> {
        self.low_level.as_deref()
    }

    /// The checkpoint's non-tensor state (config, normalisers).
    pub fn state(&self) -> &AgentState {
        &self.state
    }

    /// The networks.
    pub fn model(&self) -> &ActorCritic {
        &self.model
    }

    /// The mean actions (unnormalised, in the env's units) for raw observations
    /// `[rows × obs_dim]`, one row per character. A chained controller picks new latents every
    /// `llc_steps` calls and returns the low-level policy's actions.
    pub fn act(&mut self, obs: &[f32]) -> &[f32] {
        let Some(mut low) = self.low_level.take() else {
            return self.act_own(obs);
        };
        let width = self.state.obs_dim;
        if low.latents_due(obs.len() / width.max(1)) {
            let z = self.act_own(obs).to_vec();
            low.set_latents(&z);
        }
        self.actions.clear();
        self.actions.extend_from_slice(low.act(obs, width));
        self.low_level = Some(low);
        &self.actions
    }

    /// This network's own mean actions (for a controller: its latents, before projection).
    pub fn act_own(&mut self, obs: &[f32]) -> &[f32] {
        let od = self.state.obs_dim;
        let n = obs.len() / od.max(1);
        let (cond, cd) = match self.latents.as_mut() {
            Some(slots) => {
                if slots.len() < n {
                    slots.resize(n);
                }
                slots.advance(&mut self.state.rng);
                let ld = slots.dim();
                (&slots.all()[..n * ld], ld)
            }
            None => (&[][..], 0),
        };
        let input = normalized_input(&obs[..n * od], od, &mut self.state.obs_norm, cond, cd);
        let mode = self
            .model
            .eval_actor(upload_rows(input, od + cd, &self.device))
            .mode();
        download_into(&mode.into_data(), &mut self.actions);
        if let Some(an) = &self.state.action_norm {
            an.unnormalize_in_place(&mut self.actions);
        }
        &self.actions
    }

    /// Values per skill latent (0: the policy takes no latents).
    pub fn latent_dim(&self) -> usize {
        self.latents.as_ref().map_or(0, LatentSlots::dim)
    }

    /// The characters' latents (ASE).
    pub fn latents(&self) -> Option<&LatentSlots> {
        self.latents.as_ref()
    }

    /// The characters' latents, to set, hold or release them (ASE).
    pub fn latents_mut(&mut self) -> Option<&mut LatentSlots> {
        self.latents.as_mut()
    }

    /// Draws a random latent for character `env` now.
    pub fn randomize_latent(&mut self, env: usize) {
        if let Some(slots) = self.latents.as_mut() {
            slots.randomize(env, &mut self.state.rng);
        }
    }

    /// Tells the policy which characters were reset (their latents are redrawn unless held).
    pub fn end_episodes(&mut self, dones: &[DoneCode]) {
        if let Some(slots) = self.latents.as_mut() {
            for (env, d) in dones.iter().enumerate() {
                if *d != DoneCode::Null {
                    slots.episode_ended(env);
                }
            }
        }
    }

    /// AMP, ASE: the discriminator's style rewards `−ln(max(1 − σ(D), 1e-4)) ×
    /// disc_reward_scale` of raw discriminator observations `[rows × disc_obs_dim]`, normalised
    /// as in training; `None` without a discriminator.
    pub fn style_rewards(&mut self, raw_disc_obs: &[f32]) -> Option<Vec<f32>> {
        let (Some(norm), Some(disc)) = (self.state.disc_norm.as_mut(), self.disc.as_ref()) else {
            return None;
        };
        let mut rows = raw_disc_obs.to_vec();
        norm.normalize_in_place(&mut rows);
        let logits: Vec<f32> = disc
            .forward(upload_rows(rows, self.state.disc_obs_dim, &self.device))
            .into_data()
            .try_into_vec()
            .expect("f32 logits");
        let scale = self.state.config.disc_reward_scale as f32;
        Some(logits.into_iter().map(|l| style_reward(l, scale)).collect())
    }

    /// ASE: the encoder's unit vectors ẑ for raw discriminator observations, normalised as in
    /// training. Empty without an encoder.
    pub fn encode(&mut self, raw_disc_obs: &[f32]) -> Vec<f32> {
        let (Some(norm), Some(enc)) = (self.state.disc_norm.as_mut(), self.encoder.as_ref()) else {
            return Vec::new();
        };
        let mut rows = raw_disc_obs.to_vec();
        norm.normalize_in_place(&mut rows);
        enc.forward(upload_rows(rows, self.state.disc_obs_dim, &self.device))
            .into_data()
            .try_into_vec()
            .expect("f32 latents")
    }
}
