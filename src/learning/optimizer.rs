//! Optimizer configs (`actor_optimizer`, `critic_optimizer`, …) and the one burn optimizer that
//! steps all networks at once.
//!
//! MimicKit gives each network its own optimizer type and learning rate. With one summed loss and
//! one step per minibatch, that becomes one [`ModuleOptimizer`] with a parameter group per network
//! and a per-group learning rate; each group's gradient comes only from its own loss term, so the
//! result equals stepping each network with its own optimizer.

#[cfg(feature = "train")]
use burn::grad_clipping::GradientClippingConfig;
#[cfg(feature = "train")]
use burn::module::{Module, ParamGroup};
#[cfg(feature = "train")]
use burn::optim::decay::WeightDecayConfig;
#[cfg(feature = "train")]
use burn::optim::lr_scheduler::module_lr_scheduler::{ModuleLearningRate, ModuleLrScheduler};
#[cfg(feature = "train")]
use burn::optim::momentum::MomentumConfig;
#[cfg(feature = "train")]
use burn::optim::{AdamWConfig, ModuleOptimizer, SgdConfig};
use serde::{Deserialize, Serialize};

/// Which update rule a network uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OptimizerType {
    /// SGD with momentum (torch semantics: no dampening) and L2 weight decay.
    #[serde(rename = "SGD")]
    Sgd,
    /// MimicKit's `Adam`, which is AdamW with `weight_decay` (0 by default).
    Adam,
    /// AdamW, the same rule under its own name.
    AdamW,
}

/// One `*_optimizer:` section of an agent config.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimizerConfig {
    /// The update rule.
    #[serde(rename = "type")]
    pub kind: OptimizerType,
    /// Learning rate.
    pub learning_rate: f64,
    /// L2 penalty (SGD) or decoupled weight decay (Adam/AdamW).
    #[serde(default)]
    pub weight_decay: f64,
    /// SGD momentum (MimicKit uses 0.9).
    #[serde(default = "default_momentum")]
    pub momentum: f64,
    /// Clip each gradient's L2 norm to this value; none by default.
    #[serde(default)]
    pub grad_clip: Option<f64>,
}

fn default_momentum() -> f64 {
    0.9
}

impl OptimizerConfig {
    /// SGD with momentum 0.9 at `learning_rate`: MimicKit's default.
    pub fn sgd(learning_rate: f64) -> Self {
        Self {
            kind: OptimizerType::Sgd,
            learning_rate,
            weight_decay: 0.0,
            momentum: default_momentum(),
            grad_clip: None,
        }
    }

    /// Checks the values, naming the first bad one.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(format!(
                "learning_rate must be > 0, got {}",
                self.learning_rate
            ));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(format!(
                "weight_decay must be ≥ 0, got {}",
                self.weight_decay
            ));
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return Err(format!("momentum must be in [0, 1), got {}", self.momentum));
        }
        if let Some(c) = self.grad_clip
            && !(c.is_finite() && c > 0.0)
        {
            return Err(format!("grad_clip must be > 0, got {c}"));
        }
        Ok(())
    }

    #[cfg(feature = "train")]
    fn add_to(&self, optim: Option<ModuleOptimizer>, group: ParamGroup) -> ModuleOptimizer {
        let clip = self
            .grad_clip
            .map(|c| GradientClippingConfig::Norm(c as f32).init());
        match (self.kind, optim) {
            (OptimizerType::Sgd, optim) => {
                let sgd = SgdConfig::new()
                    .with_momentum(Some(
                        MomentumConfig::new()
                            .with_momentum(self.momentum)
                            .with_dampening(0.0),
                    ))
                    .with_weight_decay((self.weight_decay > 0.0).then_some(WeightDecayConfig {
                        penalty: self.weight_decay as f32,
                    }));
                match optim {
                    Some(o) => o.with_group(group, sgd.build(), clip),
                    None => with_clip(sgd.init(), clip),
                }
            }
            (OptimizerType::Adam | OptimizerType::AdamW, optim) => {
                let adam = AdamWConfig::new()
                    .with_epsilon(1e-8)
                    .with_weight_decay(self.weight_decay as f32);
                match optim {
                    Some(o) => o.with_group(group, adam.build(), clip),
                    None => with_clip(adam.init(), clip),
                }
            }
        }
    }
}

#[cfg(feature = "train")]
fn with_clip(
    optim: ModuleOptimizer,
    clip: Option<burn::grad_clipping::GradientClipping>,
) -> ModuleOptimizer {
    match clip {
        Some(c) => optim.with_grad_clipping(c),
        None => optim,
    }
}

#[cfg(feature = "train")]
/// The parameters of one network, as an optimizer group.
pub fn group_of<M: Module>(net: &M) -> ParamGroup {
    ParamGroup::ids_from_module(net.clone())
}

#[cfg(feature = "train")]
/// The optimizer of a model made of several networks, and the learning rate of each.
pub struct GroupOptimizer {
    /// burn's optimizer holding one group per network.
    pub optim: ModuleOptimizer,
    /// The learning rate of each group.
    pub lr: ModuleLearningRate,
}

#[cfg(feature = "train")]
impl GroupOptimizer {
    /// One group per `(network's parameters, config)` pair; build the groups with
    /// [`group_of`]. The first config also serves as the fallback group burn requires (it
    /// matches every parameter).
    pub fn new(nets: Vec<(ParamGroup, &OptimizerConfig)>) -> Self {
        assert!(!nets.is_empty(), "a model has at least one network");
        let base = nets[0].1;
        let mut optim = base.add_to(None, ParamGroup::all());
        let mut lr = ModuleLrScheduler::new(base.learning_rate);
        for (group, config) in nets {
            optim = config.add_to(Some(optim), group.clone());
            lr = lr.with_group(group, config.learning_rate);
        }
        Self {
            optim,
            lr: lr.step(),
        }
    }

    /// One optimizer step of `model` with the gradients of one backward pass.
    pub fn step<M: Module>(&mut self, model: M, grads: burn::optim::GradientsParams) -> M {
        self.optim.step(self.lr.clone(), model, grads)
    }
}

#[cfg(all(test, feature = "train"))]
mod tests {
    use super::*;
    use crate::SeededRng;
    use crate::learning::nets::hidden_linear;
    use burn::nn::Linear;
    use burn::tensor::{Device, Tensor};
    use rand::SeedableRng;

    #[derive(Module, Debug)]
    struct Two {
        a: Linear,
        b: Linear,
    }

    fn values(l: &Linear) -> Vec<f32> {
        l.weight.val().into_data().try_into_vec().unwrap()
    }

    #[test]
    fn each_group_steps_with_its_own_rule_and_rate() {
        let dev = Device::flex().autodiff();
        let rng = &mut SeededRng::seed_from_u64(0);
        let model = Two {
            a: hidden_linear(3, 2, rng, &dev),
            b: hidden_linear(3, 2, rng, &dev),
        };
        let (a0, b0) = (values(&model.a), values(&model.b));
        let sgd = OptimizerConfig {
            momentum: 0.0,
            ..OptimizerConfig::sgd(0.5)
        };
        let adam = OptimizerConfig {
            kind: OptimizerType::Adam,
            ..OptimizerConfig::sgd(0.01)
        };
        let mut optim = GroupOptimizer::new(vec![
            (group_of(&model.a), &sgd),
            (group_of(&model.b), &adam),
        ]);
        let x = Tensor::<2>::ones([1, 3], &dev);
        // Loss = sum(a(x)) + sum(b(x)): d/dW = 1 for every weight of both layers.
        let loss = model.a.forward(x.clone()).sum() + model.b.forward(x).sum();
        let grads = burn::optim::GradientsParams::from_grads(loss.backward(), &model);
        let model = optim.step(model, grads);
        // Plain SGD moves by lr × grad = 0.5; Adam's first step moves by lr = 0.01.
        for (new, old) in values(&model.a).iter().zip(&a0) {
            assert!((old - new - 0.5).abs() < 1e-5, "{old} → {new}");
        }
        for (new, old) in values(&model.b).iter().zip(&b0) {
            assert!((old - new - 0.01).abs() < 1e-4, "{old} → {new}");
        }
    }
}
