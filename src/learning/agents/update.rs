//! The core's update: shaped rewards, critic values, TD(λ) returns and advantages, then the
//! minibatches of the config's [`UpdateMode`]: by default every loss term of a minibatch — the
//! core's and the algorithm's — summed into one backward pass and one optimizer step; or
//! MimicKit's per-network schedule, each network with its own minibatches and loss.

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};
use rand::seq::SliceRandom;

use super::values::{Rows, critic_values, eval_chunk, join_rows};
use super::{
    Agent, AgentConfig, Algorithm, LossTerms, Minibatch, MinibatchCtx, UpdateCtx, UpdateMode,
};
use crate::learning::buffers::ExperienceBuffer;
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
    /// returns and advantages, then the minibatches of the config's update mode; then the
    /// observation normaliser takes in this iteration's observations.
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
                Rows {
                    data: rows,
                    width: od,
                },
                Rows {
                    data: self.algo.buffered_condition(),
                    width: cd,
                },
                eval_chunk(c.critic_eval_batch_size),
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

        let data = UpdateData {
            input,
            norm_obs,
            adv,
            ret,
            width: od + cd,
            obs_dim: od,
        };
        let mut log = StepLog::default();
        match c.update_mode() {
            UpdateMode::Summed => self.update_summed(&data, &mut log),
            UpdateMode::PerNetwork => self.update_per_network(&data, &mut log),
        }
        let UpdateData { norm_obs, .. } = data;
        let StepLog { means, skipped } = log;
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

/// The iteration's data the minibatches draw their rows from.
struct UpdateData {
    /// Normalised observations, each followed by its condition (`[samples × width]`).
    input: Vec<f32>,
    /// Normalised observations without conditions (`[samples × obs_dim]`).
    norm_obs: Vec<f32>,
    adv: Vec<f32>,
    ret: Vec<f32>,
    width: usize,
    obs_dim: usize,
}

/// What the steps of one update log.
#[derive(Default)]
struct StepLog {
    means: MeanAccumulator,
    skipped: u32,
}

impl MinibatchRows {
    /// Gathers the rows `idx` of the iteration's data.
    fn gather(&mut self, idx: &[usize], data: &UpdateData, buffer: &ExperienceBuffer) {
        let (width, al) = (data.width, buffer.action_len());
        self.obs.clear();
        self.actions.clear();
        self.logp.clear();
        self.adv.clear();
        self.ret.clear();
        self.mask.clear();
        for &i in idx {
            self.obs
                .extend_from_slice(&data.input[i * width..(i + 1) * width]);
            self.actions
                .extend_from_slice(&buffer.actions[i * al..(i + 1) * al]);
            self.logp.push(buffer.logp[i]);
            self.adv.push(data.adv[i]);
            self.ret.push(data.ret[i]);
            self.mask
                .push(if buffer.exp_mask[i] { 1.0f32 } else { 0.0 });
        }
    }

    /// The gathered rows as tensors on `device`.
    fn upload(&self, width: usize, action_len: usize, device: &Device) -> Minibatch {
        let b = self.logp.len();
        let up1 = |v: &Vec<f32>| Tensor::<1>::from_data(TensorData::new(v.clone(), [b]), device);
        Minibatch {
            obs: upload_rows(self.obs.clone(), width, device),
            actions: upload_rows(self.actions.clone(), action_len, device),
            logp_old: up1(&self.logp),
            adv: up1(&self.adv),
            ret: up1(&self.ret),
            mask_count: self.mask.iter().sum::<f32>().max(1.0),
            mask: up1(&self.mask),
        }
    }
}

/// MimicKit's sampler: minibatches of any size drawn in turn from a random permutation of the
/// samples, reshuffled whenever it runs out (a minibatch may span two permutations). One
/// stream serves every network of an update.
struct SampleStream {
    order: Vec<usize>,
    head: usize,
    batch: Vec<usize>,
}

impl SampleStream {
    fn new(samples: usize) -> Self {
        Self {
            order: (0..samples).collect(),
            head: samples,
            batch: Vec::new(),
        }
    }

    fn next(&mut self, size: usize, rng: &mut crate::SeededRng) -> &[usize] {
        self.batch.clear();
        while self.batch.len() < size {
            if self.head == self.order.len() {
                self.order.shuffle(rng);
                self.head = 0;
            }
            let take = (size - self.batch.len()).min(self.order.len() - self.head);
            self.batch
                .extend_from_slice(&self.order[self.head..self.head + take]);
            self.head += take;
        }
        &self.batch
    }
}

impl Agent {
    /// The summed mode: `update_epochs` passes over a fresh permutation in minibatches of
    /// `batch_size × num_envs`, each summing every network's weighted loss.
    fn update_summed(&mut self, data: &UpdateData, log: &mut StepLog) {
        let c = self.state.config.clone();
        let n = self.buffer.len();
        let al = self.buffer.action_len();
        let mb_size = c.batch_size * self.state.num_envs;
        let ad = self.device.clone().autodiff();
        let mut order: Vec<usize> = (0..n).collect();
        let mut rows = MinibatchRows::default();
        for epoch in 0..c.update_epochs {
            order.shuffle(&mut self.state.rng);
            for idx in order.chunks(mb_size) {
                rows.gather(idx, data, &self.buffer);
                let mut ctx = MinibatchCtx {
                    state: &mut self.state,
                    device: &ad,
                    epoch,
                    idx,
                    norm_obs: &data.norm_obs,
                    obs_dim: data.obs_dim,
                };
                self.algo.prepare_minibatch(&mut ctx);
                let mb = rows.upload(data.width, al, &ad);
                let mut terms = LossTerms::new();
                let actor = actor_loss(&self.model, &*self.algo, &mb, &c, &mut terms);
                let critic = critic_loss(&self.model, &mb);
                let mut loss = actor.clone() + critic.clone().mul_scalar(c.critic_loss_weight);
                terms.push(("Actor_Loss", actor.detach()));
                terms.push(("Critic_Loss", critic.detach()));
                terms.push(("Loss", loss.clone().detach()));
                if let Some(extra) = self.algo.minibatch_terms(&mut ctx, &mut terms) {
                    loss = loss + extra;
                }
                self.take_step(loss, terms, log);
            }
        }
    }

    /// The per-network mode (MimicKit's since February 2026): the critic, the actor, then the
    /// algorithm's networks, each for its own schedule's steps with its own loss.
    fn update_per_network(&mut self, data: &UpdateData, log: &mut StepLog) {
        let c = self.state.config.clone();
        let (n, envs) = (self.buffer.len(), self.state.num_envs);
        let al = self.buffer.action_len();
        let ad = self.device.clone().autodiff();
        let mut stream = SampleStream::new(n);
        let mut rows = MinibatchRows::default();

        let critic = c.critic_schedule();
        for _ in 0..critic.steps(n, envs) {
            let idx = stream.next(critic.minibatch(envs), &mut self.state.rng);
            rows.gather(idx, data, &self.buffer);
            let mb = rows.upload(data.width, al, &ad);
            let loss = critic_loss(&self.model, &mb);
            let terms = vec![("Critic_Loss", loss.clone().detach())];
            self.take_step(loss, terms, log);
        }

        let actor = c.actor_schedule();
        let batches = n.div_ceil(actor.minibatch(envs));
        for step in 0..actor.steps(n, envs) {
            let idx = stream.next(actor.minibatch(envs), &mut self.state.rng);
            rows.gather(idx, data, &self.buffer);
            self.algo.prepare_minibatch(&mut MinibatchCtx {
                state: &mut self.state,
                device: &ad,
                epoch: step / batches,
                idx,
                norm_obs: &data.norm_obs,
                obs_dim: data.obs_dim,
            });
            let mb = rows.upload(data.width, al, &ad);
            let mut terms = LossTerms::new();
            let loss = actor_loss(&self.model, &*self.algo, &mb, &c, &mut terms);
            terms.push(("Actor_Loss", loss.clone().detach()));
            self.take_step(loss, terms, log);
        }

        for (network, schedule) in self.algo.network_schedules(&c).into_iter().enumerate() {
            let batches = n.div_ceil(schedule.minibatch(envs));
            for step in 0..schedule.steps(n, envs) {
                let idx = stream.next(schedule.minibatch(envs), &mut self.state.rng);
                // The algorithm's losses read what they need of the rows themselves: no
                // `prepare_minibatch` (that is the actor's, for ASE's fresh latents).
                let mut ctx = MinibatchCtx {
                    state: &mut self.state,
                    device: &ad,
                    epoch: step / batches,
                    idx,
                    norm_obs: &data.norm_obs,
                    obs_dim: data.obs_dim,
                };
                let mut terms = LossTerms::new();
                if let Some(loss) = self.algo.network_loss(network, &mut ctx, &mut terms) {
                    self.take_step(loss, terms, log);
                }
            }
        }
    }

    /// One optimizer step of `loss`, unless a term is not finite (a non-finite loss would poison
    /// every weight: the step is skipped and counted). One backward pass; the core steps actor
    /// and critic with their gradients, the algorithm its own networks with theirs, through the
    /// one optimizer.
    fn take_step(&mut self, loss: Tensor<1>, terms: LossTerms, log: &mut StepLog) {
        let names: Vec<&'static str> = terms.iter().map(|(k, _)| *k).collect();
        let values: Vec<f32> = Tensor::cat(terms.into_iter().map(|(_, t)| t).collect(), 0)
            .into_data()
            .try_into_vec()
            .expect("f32 terms");
        if values.iter().any(|v| !v.is_finite()) {
            log.skipped += 1;
            return;
        }
        for (k, v) in names.into_iter().zip(values) {
            log.means.add(k, f64::from(v));
        }
        let mut grads = loss.backward();
        let core = GradientsParams::from_module(&mut grads, &self.model);
        // The optimizer takes the model by value; the inference copy holds its place.
        let model = std::mem::replace(&mut self.model, self.policy.clone());
        self.model = self.optim.step(model, core);
        self.algo.step_networks(&mut grads, &mut self.optim);
    }
}

/// The actor's loss of one minibatch: the algorithm's objective + shared actor terms (action
/// bound, regulariser, the algorithm's actor terms, entropy), adding what to log to `terms`.
fn actor_loss(
    model: &ActorCritic,
    algo: &dyn Algorithm,
    mb: &Minibatch,
    c: &AgentConfig,
    terms: &mut LossTerms,
) -> Tensor<1> {
    let dist = model.eval_actor(mb.obs.clone());
    let mut actor_loss = algo.actor_loss(&dist, mb, terms);

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
    if let Some(extra) = algo.actor_terms(model, &dist, c, terms) {
        actor_loss = actor_loss + extra;
    }
    if c.action_entropy_weight > 0.0 {
        let entropy = mb.masked_mean(dist.entropy());
        terms.push(("Action_Entropy", entropy.clone().detach()));
        actor_loss = actor_loss - entropy.mul_scalar(c.action_entropy_weight);
    }
    actor_loss
}

/// The critic's loss of one minibatch: the mean squared error to the TD(λ) returns.
fn critic_loss(model: &ActorCritic, mb: &Minibatch) -> Tensor<1> {
    let pred = model.eval_critic(mb.obs.clone());
    (mb.ret.clone() - pred).square().mean()
}
