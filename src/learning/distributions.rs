//! Action distributions and the heads that produce them.
//!
//! `GaussianDiag` acts in normalised action space with a standard deviation that is fixed,
//! a trainable constant, or a linear function of the features (MimicKit's FIXED / CONSTANT /
//! VARIABLE); `Categorical` is for discrete actions. Sampling takes its noise as an argument so
//! the agent can draw it from its own seeded generator: a run is then reproducible and resumable.

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor};
use serde::{Deserialize, Serialize};

use super::nets::output_linear;
use crate::SeededRng;

const LN_2PI: f64 = 1.837_877_066_409_345_3;

/// How a Gaussian head sets its standard deviation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StdType {
    /// `ln(action_std)` for every dimension, never trained.
    Fixed,
    /// One trainable log-std per dimension, shared by all states.
    Constant,
    /// A linear head on the features gives the log-std per state.
    Variable,
}

/// The log-std part of a Gaussian head.
#[derive(Module, Debug)]
pub enum LogStd {
    /// A parameter that takes no gradient.
    Fixed(Param<Tensor<1>>),
    /// A trainable vector.
    Constant(Param<Tensor<1>>),
    /// A linear head on the features.
    Variable(Linear),
}

/// Maps features to a diagonal Gaussian over normalised actions.
#[derive(Module, Debug)]
pub struct GaussianDiagHead {
    mean: Linear,
    log_std: LogStd,
}

impl GaussianDiagHead {
    /// The layer giving the means (the deterministic action).
    pub fn mean_layer(&self) -> &Linear {
        &self.mean
    }

    /// A head reading `features` values and producing `action_dim` means.
    ///
    /// The mean layer's weights are uniform in ±`init_output_scale` with a zero bias; the log-std
    /// starts at `ln(action_std)`.
    pub fn new(
        features: usize,
        action_dim: usize,
        std_type: StdType,
        action_std: f64,
        init_output_scale: f64,
        rng: &mut SeededRng,
        device: &Device,
    ) -> Self {
        let log_std0 = action_std.ln();
        let vector = || Tensor::<1>::full([action_dim], log_std0, device);
        let log_std = match std_type {
            StdType::Fixed => LogStd::Fixed(Param::from_tensor(vector()).set_require_grad(false)),
            StdType::Constant => LogStd::Constant(Param::from_tensor(vector())),
            StdType::Variable => {
                let mut linear =
                    output_linear(features, action_dim, init_output_scale, rng, device);
                linear.bias = Some(Param::from_tensor(vector()));
                LogStd::Variable(linear)
            }
        };
        Self {
            mean: output_linear(features, action_dim, init_output_scale, rng, device),
            log_std,
        }
    }

    /// The distribution for a batch of features `[batch, features]`.
    pub fn forward(&self, h: Tensor<2>) -> GaussianDiag {
        let mean = self.mean.forward(h.clone());
        let log_std = match &self.log_std {
            LogStd::Fixed(p) | LogStd::Constant(p) => {
                p.val().unsqueeze_dim::<2>(0).expand(mean.dims())
            }
            LogStd::Variable(linear) => linear.forward(h),
        };
        GaussianDiag { mean, log_std }
    }
}

/// A diagonal Gaussian over a batch: `mean` and `log_std` are both `[batch, action_dim]`.
#[derive(Clone, Debug)]
pub struct GaussianDiag {
    /// Means.
    pub mean: Tensor<2>,
    /// Natural log of the standard deviations.
    pub log_std: Tensor<2>,
}

impl GaussianDiag {
    /// `mean + std · noise`, with `noise` drawn from N(0, I) by the caller.
    pub fn sample(&self, noise: Tensor<2>) -> Tensor<2> {
        self.mean.clone() + self.log_std.clone().exp() * noise
    }

    /// The most likely action: the mean.
    pub fn mode(&self) -> Tensor<2> {
        self.mean.clone()
    }

    /// Log density of each row of `action` → `[batch]`.
    pub fn log_prob(&self, action: Tensor<2>) -> Tensor<1> {
        let dim = action.dims()[1] as f64;
        let z = (action - self.mean.clone()) / self.log_std.clone().exp();
        let quad = z.square().sum_dim(1).mul_scalar(-0.5);
        let norm = self.log_std.clone().sum_dim(1);
        (quad - norm).sub_scalar(0.5 * dim * LN_2PI).squeeze_dim(1)
    }

    /// Differential entropy of each row → `[batch]`.
    pub fn entropy(&self) -> Tensor<1> {
        let dim = self.mean.dims()[1] as f64;
        self.log_std
            .clone()
            .sum_dim(1)
            .add_scalar(0.5 * dim * (1.0 + LN_2PI))
            .squeeze_dim(1)
    }
}

/// Maps features to a categorical distribution over `n` actions.
#[derive(Module, Debug)]
pub struct CategoricalHead {
    logits: Linear,
}

impl CategoricalHead {
    /// The layer giving the logits (the deterministic action is their argmax).
    pub fn logits_layer(&self) -> &Linear {
        &self.logits
    }

    /// A head with logit weights uniform in ±`init_output_scale` and zero biases.
    pub fn new(
        features: usize,
        n: usize,
        init_output_scale: f64,
        rng: &mut SeededRng,
        device: &Device,
    ) -> Self {
        Self {
            logits: output_linear(features, n, init_output_scale, rng, device),
        }
    }

    /// The distribution for a batch of features.
    pub fn forward(&self, h: Tensor<2>) -> Categorical {
        Categorical {
            logits: self.logits.forward(h),
        }
    }
}

/// A categorical distribution per row of `logits` (`[batch, n]`); actions are indices stored as
/// floats in a `[batch, 1]` tensor, the layout of the experience buffer.
#[derive(Clone, Debug)]
pub struct Categorical {
    /// Unnormalised log-probabilities.
    pub logits: Tensor<2>,
}

impl Categorical {
    /// Gumbel-max sampling: `argmax(logits + g)` with Gumbel(0, 1) noise `g` from the caller.
    pub fn sample(&self, gumbel: Tensor<2>) -> Tensor<2> {
        (self.logits.clone() + gumbel).argmax(1).float()
    }

    /// The most likely action.
    pub fn mode(&self) -> Tensor<2> {
        self.logits.clone().argmax(1).float()
    }

    /// Log-probability of each row's action → `[batch]`.
    pub fn log_prob(&self, action: Tensor<2>) -> Tensor<1> {
        let index: Tensor<2, Int> = action.int();
        log_softmax(self.logits.clone(), 1)
            .gather(1, index)
            .squeeze_dim(1)
    }

    /// Entropy of each row → `[batch]`.
    pub fn entropy(&self) -> Tensor<1> {
        let logp = log_softmax(self.logits.clone(), 1);
        (logp.clone().exp() * logp).sum_dim(1).neg().squeeze_dim(1)
    }
}

/// The head of an actor: Gaussian for boxes, categorical for discrete actions.
#[derive(Module, Debug)]
pub enum ActionHead {
    /// Continuous actions.
    Gaussian(GaussianDiagHead),
    /// Discrete actions.
    Categorical(CategoricalHead),
}

impl ActionHead {
    /// The distribution for a batch of features.
    pub fn forward(&self, h: Tensor<2>) -> ActionDist {
        match self {
            ActionHead::Gaussian(head) => ActionDist::Gaussian(head.forward(h)),
            ActionHead::Categorical(head) => ActionDist::Categorical(head.forward(h)),
        }
    }
}

/// A batch of action distributions of either kind.
// Short-lived values on the update path; boxing the larger variant would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum ActionDist {
    /// Continuous actions.
    Gaussian(GaussianDiag),
    /// Discrete actions.
    Categorical(Categorical),
}

impl ActionDist {
    /// A sample using caller-drawn noise: N(0, I) for Gaussians, Gumbel(0, 1) for categoricals.
    pub fn sample(&self, noise: Tensor<2>) -> Tensor<2> {
        match self {
            ActionDist::Gaussian(d) => d.sample(noise),
            ActionDist::Categorical(d) => d.sample(noise),
        }
    }

    /// The deterministic action.
    pub fn mode(&self) -> Tensor<2> {
        match self {
            ActionDist::Gaussian(d) => d.mode(),
            ActionDist::Categorical(d) => d.mode(),
        }
    }

    /// Log-probability (density) of each row's action.
    pub fn log_prob(&self, action: Tensor<2>) -> Tensor<1> {
        match self {
            ActionDist::Gaussian(d) => d.log_prob(action),
            ActionDist::Categorical(d) => d.log_prob(action),
        }
    }

    /// Entropy of each row.
    pub fn entropy(&self) -> Tensor<1> {
        match self {
            ActionDist::Gaussian(d) => d.entropy(),
            ActionDist::Categorical(d) => d.entropy(),
        }
    }

    /// The Gaussian's mean, which the action-bound loss keeps inside [-1, 1]; `None` for discrete.
    pub fn gaussian_mean(&self) -> Option<Tensor<2>> {
        match self {
            ActionDist::Gaussian(d) => Some(d.mean.clone()),
            ActionDist::Categorical(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;
    use rand::SeedableRng;

    fn dev() -> Device {
        Device::flex()
    }

    fn rng() -> SeededRng {
        SeededRng::seed_from_u64(3)
    }

    fn vec1(t: Tensor<1>) -> Vec<f32> {
        t.into_data().try_into_vec().unwrap()
    }

    fn t2(rows: &[&[f32]], d: &Device) -> Tensor<2> {
        let n = rows[0].len();
        let flat: Vec<f32> = rows.iter().flat_map(|r| r.iter().copied()).collect();
        Tensor::from_data(TensorData::new(flat, [rows.len(), n]), d)
    }

    #[test]
    fn gaussian_log_prob_and_entropy_match_hand_values() {
        let d = dev();
        let dist = GaussianDiag {
            mean: t2(&[&[0.0, 1.0]], &d),
            log_std: t2(&[&[0.0, 2f32.ln()]], &d),
        };
        // x = (1, 2): z = (1, 0.5); logp = -0.5(1 + 0.25) - ln 2 - ln(2π).
        let expected = -0.625 - 2f64.ln() - (2.0 * std::f64::consts::PI).ln();
        let lp = vec1(dist.log_prob(t2(&[&[1.0, 2.0]], &d)));
        assert!(
            (lp[0] as f64 - expected).abs() < 1e-5,
            "{lp:?} vs {expected}"
        );
        // H = Σ log σ + d/2 (1 + ln 2π).
        let h_expected = 2f64.ln() + (1.0 + (2.0 * std::f64::consts::PI).ln());
        let h = vec1(dist.entropy());
        assert!((h[0] as f64 - h_expected).abs() < 1e-5);
    }

    #[test]
    fn std_types_initialise_and_train_as_documented() {
        let d = dev().autodiff();
        for std_type in [StdType::Fixed, StdType::Constant, StdType::Variable] {
            let head = GaussianDiagHead::new(8, 3, std_type, 0.05, 0.01, &mut rng(), &d);
            let dist = head.forward(Tensor::<2>::zeros([2, 8], &d));
            let ls: Vec<f32> = dist.log_std.into_data().try_into_vec().unwrap();
            for v in ls {
                assert!((v as f64 - 0.05f64.ln()).abs() < 1e-6, "{std_type:?}: {v}");
            }
            let w: Vec<f32> = head.mean.weight.val().into_data().try_into_vec().unwrap();
            assert!(w.iter().all(|v| v.abs() <= 0.01));
            let trainable = match &head.log_std {
                LogStd::Fixed(p) => p.is_require_grad(),
                LogStd::Constant(p) => p.is_require_grad(),
                LogStd::Variable(l) => l.weight.is_require_grad(),
            };
            assert_eq!(trainable, std_type != StdType::Fixed);
        }
    }

    #[test]
    fn fixed_std_takes_no_gradient_and_constant_does() {
        let d = dev().autodiff();
        for (std_type, expect_grad) in [(StdType::Fixed, false), (StdType::Constant, true)] {
            let head = GaussianDiagHead::new(2, 2, std_type, 0.5, 0.01, &mut rng(), &d);
            let dist = head.forward(Tensor::<2>::ones([4, 2], &d));
            let loss = dist.log_prob(Tensor::<2>::ones([4, 2], &d)).sum();
            let grads = loss.backward();
            let p = match &head.log_std {
                LogStd::Fixed(p) | LogStd::Constant(p) => p,
                LogStd::Variable(_) => unreachable!(),
            };
            assert_eq!(p.val().grad(&grads).is_some(), expect_grad, "{std_type:?}");
        }
    }

    #[test]
    fn gaussian_sample_is_mean_plus_std_times_noise() {
        let d = dev();
        let dist = GaussianDiag {
            mean: t2(&[&[1.0, -1.0]], &d),
            log_std: t2(&[&[0.1f32.ln(), 2f32.ln()]], &d),
        };
        let a: Vec<f32> = dist
            .sample(t2(&[&[1.0, -0.5]], &d))
            .into_data()
            .try_into_vec()
            .unwrap();
        assert!((a[0] - 1.1).abs() < 1e-6 && (a[1] + 2.0).abs() < 1e-6);
        let m: Vec<f32> = dist.mode().into_data().try_into_vec().unwrap();
        assert_eq!(m, vec![1.0, -1.0]);
    }

    #[test]
    fn categorical_log_prob_entropy_mode_and_sample() {
        let d = dev();
        let p = [0.2f32, 0.5, 0.3];
        let logits: Vec<f32> = p.iter().map(|v| v.ln() + 4.0).collect();
        let dist = Categorical {
            logits: t2(&[&logits], &d),
        };
        let lp = vec1(dist.log_prob(t2(&[&[2.0]], &d)));
        assert!((lp[0] - 0.3f32.ln()).abs() < 1e-5);
        let h = vec1(dist.entropy());
        let h_expected: f32 = -p.iter().map(|v| v * v.ln()).sum::<f32>();
        assert!((h[0] - h_expected).abs() < 1e-5);
        let mode: Vec<f32> = dist.mode().into_data().try_into_vec().unwrap();
        assert_eq!(mode, vec![1.0]);
        // A large Gumbel draw on action 0 selects it.
        let s: Vec<f32> = dist
            .sample(t2(&[&[5.0, 0.0, 0.0]], &d))
            .into_data()
            .try_into_vec()
            .unwrap();
        assert_eq!(s, vec![0.0]);
    }
}
