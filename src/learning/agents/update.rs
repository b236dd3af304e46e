//! The core's update: shaped rewards, critic values, TD(λ) returns and advantages, then
//! minibatches in which every loss term — the core's and the algorithm's — is summed and takes
//! one backward pass and one optimizer step.

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::{Tensor, TensorData};
use rand::seq::SliceRandom;

use super::agent::{critic_values, join_rows};
use super::{Agent, AgentConfig, Algorithm, LossTerms, Minibatch, MinibatchCtx, UpdateCtx};
use crate::learning::log_row::{LogRow, MeanAccumulator};
use crate::learning::models::ActorCritic;
use crate::learning::policy::upload_rows;
use crate::learning::returns::{bootstrap_values, normalize_advantages, td_lambda_returns};

/// Host rows of one minibatch, reused across minibatches.
#[derive(Default)]
struct MinibatchRows {
    obs: Vec<f32>,
    actions: Vec<f32>,
    logp: Vec<f32>,
    adv: Vec<f32>,
    ret: Vec<f32>,
    mask: Vec<f32>,
}

impl Agent {
    /// One update from the full experience buffer: the algorithm's reward shaping, TD(λ)
    /// returns and advantages, then `update_epochs` passes of minibatches of `batch_size ×
    /// num_envs` samples, each with one summed loss, one backward pass and one optimizer step;
    /// then the observation normaliser takes in this iteration's observations.
    pub fn update(&mut self) -> LogRow {
        assert!(self.buffer_full(), "update needs a full experience buffer");
        let c = self.state.config.clone();
        let n = self.buffer.len();
        let mut row = LogRow::new();

        // Shaped rewards come before the critic values (the design notes' order: disc
        // rewards → values → TD(λ)).
        let mut rewards = std::mem::take(&mut self.buffer.rewards);
        self.algo.shape_rewards(
            &mut rewards,
            &mut UpdateCtx {
                state: &mut self.state,
                device: &self.device,
                row: &mut row,
            },
        );
        self.buffer.rewards = rewards;

        // Critic values with each transition's condition, bootstrapped TD(λ) returns,
        // normalised advantages.
        let od = self.state.obs_dim;
        let cd = self.algo.condition_dim();
        let obs = std::mem::take(&mut self.buffer.obs);
        let next_obs = std::mem::take(&mut self.buffer.next_obs);
        let [values, mut next_values] = [&obs, &next_obs].map(|rows| {
            critic_values(
                &self.policy,
                &self.device,
                &mut self.state.obs_norm,
                rows,
                od,
                self.algo.buffered_condition(),
                cd,
            )
        });
        self.buffer.next_obs = next_obs;
        bootstrap_values(&mut next_values, &self.buffer.dones);
        let ret = td_lambda_returns(
            &self.buffer.rewards,
            &next_values,
            &self.buffer.dones,
            self.state.num_envs,
            c.discount as f32,
            c.td_lambda as f32,
        );
        let mut adv: Vec<f32> = ret.iter().zip(&values).map(|(r, v)| r - v).collect();
        let (adv_mean, adv_std) =
            normalize_advantages(&mut adv, &self.buffer.exp_mask, self.algo.adv_clip());
        row.set("Adv_Mean", adv_mean);
        row.set("Adv_Std", adv_std);
        row.set(
            "Exp_Prob",
            self.buffer.exp_mask.iter().filter(|m| **m).count() as f64 / n as f64,
        );

        // Normalisers learn from this iteration's observations after the update (recording only
        // fills pending sums; statistics change at `update` below), as in MimicKit.
        self.state.obs_norm.record(&obs);
        let mut norm_obs = obs;
        self.state.obs_norm.normalize_in_place(&mut norm_obs);
        let mut input = Vec::new();
        join_rows(
            &norm_obs,
            od,
            self.algo.buffered_condition(),
            cd,
            &mut input,
        );

        // Minibatches walk a fresh random permutation each epoch.
        let width = od + cd;
        let al = self.buffer.action_len();
        let mb_size = c.batch_size * self.state.num_envs;
        let ad = self.device.clone().autodiff();
        let mut order: Vec<usize> = (0..n).collect();
        let mut means = MeanAccumulator::default();
        let mut skipped = 0u32;
        let mut rows = MinibatchRows::default();
        for epoch in 0..c.update_epochs {
            order.shuffle(&mut self.state.rng);
            for idx in order.chunks(mb_size) {
                rows.obs.clear();
                rows.actions.clear();
                rows.logp.clear();
                rows.adv.clear();
                rows.ret.clear();
                rows.mask.clear();
                for &i in idx {
                    rows.obs
                        .extend_from_slice(&input[i * width..(i + 1) * width]);
                    rows.actions
                        .extend_from_slice(&self.buffer.actions[i * al..(i + 1) * al]);
                    rows.logp.push(self.buffer.logp[i]);
                    rows.adv.push(adv[i]);
                    rows.ret.push(ret[i]);
                    rows.mask
                        .push(if self.buffer.exp_mask[i] { 1.0f32 } else { 0.0 });
                }
                let b = idx.len();
                let mut ctx = MinibatchCtx {
                    state: &mut self.state,
                    device: &ad,
                    epoch,
                    idx,
                    norm_obs: &norm_obs,
                    obs_dim: od,
                };
                self.algo.prepare_minibatch(&mut ctx);
                let up1 =
                    |v: &Vec<f32>| Tensor::<1>::from_data(TensorData::new(v.clone(), [b]), &ad);
                let mb = Minibatch {
                    obs: upload_rows(rows.obs.clone(), width, &ad),
                    actions: upload_rows(rows.actions.clone(), al, &ad),
                    logp_old: up1(&rows.logp),
                    adv: up1(&rows.adv),
                    ret: up1(&rows.ret),
                    mask_count: rows.mask.iter().sum::<f32>().max(1.0),
                    mask: up1(&rows.mask),
                };
                let (mut loss, mut terms) = minibatch_loss(&self.model, &*self.algo, &mb, &c);
                if let Some(extra) = self.algo.minibatch_terms(&mut ctx, &mut terms) {
                    loss = loss + extra;
                }
                let names: Vec<&'static str> = terms.iter().map(|(k, _)| *k).collect();
                let values: Vec<f32> = Tensor::cat(terms.into_iter().map(|(_, t)| t).collect(), 0)
                    .into_data()
                    .try_into_vec()
                    .expect("f32 terms");
                if values.iter().any(|v| !v.is_finite()) {
                    // A non-finite loss would poison every weight: skip the step, report it.
                    skipped += 1;
                    continue;
                }
                for (k, v) in names.into_iter().zip(values) {
                    means.add(k, f64::from(v));
                }
                // One backward pass; the core steps actor and critic with their gradients, the
                // algorithm its own networks with theirs, through the one optimizer.
                let mut grads = loss.backward();
                let core = GradientsParams::from_module(&mut grads, &self.model);
                // The optimizer takes the model by value; the inference copy holds its place.
                let model = std::mem::replace(&mut self.model, self.policy.clone());
                self.model = self.optim.step(model, core);
                self.algo.step_networks(&mut grads, &mut self.optim);
            }
        }
        means.write_means(&mut row);
        row.set("Nonfinite_Loss_Skipped", f64::from(skipped));
        self.algo.finish_update(&mut UpdateCtx {
            state: &mut self.state,
            device: &self.device,
            row: &mut row,
        });

        self.state.obs_norm.update();
        self.buffer.obs = norm_obs;
        self.policy = self.model.valid();
        self.state.iteration += 1;
        self.state.sample_count += n as u64;
        self.step_in_iter = 0;
        row
    }
}

/// The core's summed loss of one minibatch: actor objective + shared actor terms (action
/// bound, regulariser, the algorithm's actor terms, entropy) + `critic_loss_weight` × critic
/// loss. Returns the loss and the terms to log.
fn minibatch_loss(
    model: &ActorCritic,
    algo: &dyn Algorithm,
    mb: &Minibatch,
    c: &AgentConfig,
) -> (Tensor<1>, LossTerms) {
    let mut terms = LossTerms::new();
    let dist = model.eval_actor(mb.obs.clone());
    let mut actor_loss = algo.actor_loss(&dist, mb, &mut terms);

    if let Some(mean) = dist.gaussian_mean() {
        // Keep the mean inside the normalised action box: squared violation outside [−1, 1].
        let below = mean.clone().add_scalar(1.0).clamp_max(0.0);
        let above = mean.clone().sub_scalar(1.0).clamp_min(0.0);
        let bound = (below.square() + above.square()).sum_dim(1).mean();
        terms.push(("Action_Bound_Loss", bound.clone().detach()));
        actor_loss = actor_loss + bound.mul_scalar(c.action_bound_weight);
        if c.action_reg_weight > 0.0 {
            let reg = mean.square().sum_dim(1).mean();
            terms.push(("Action_Reg_Loss", reg.clone().detach()));
            actor_loss = actor_loss + reg.mul_scalar(c.action_reg_weight);
        }
    }
    if let Some(extra) = algo.actor_terms(model, &dist, c, &mut terms) {
        actor_loss = actor_loss + extra;
    }
    if c.action_entropy_weight > 0.0 {
        let entropy = mb.masked_mean(dist.entropy());
        terms.push(("Action_Entropy", entropy.clone().detach()));
        actor_loss = actor_loss - entropy.mul_scalar(c.action_entropy_weight);
    }

    let pred = model.eval_critic(mb.obs.clone());
    let critic_loss = (mb.ret.clone() - pred).square().mean();
    let loss = actor_loss.clone() + critic_loss.clone().mul_scalar(c.critic_loss_weight);
    terms.push(("Actor_Loss", actor_loss.detach()));
    terms.push(("Critic_Loss", critic_loss.detach()));
    terms.push(("Loss", loss.clone().detach()));
    (loss, terms)
}
