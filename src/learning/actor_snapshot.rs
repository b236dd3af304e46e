//! A policy's deterministic actor as plain numbers — the observation normaliser, the layers and
//! the action mapping — for exporters that write it in another format (ONNX).

use burn::nn::Linear;

use super::distributions::ActionHead;
use super::nets::Backbone;
use super::policy::Policy;

/// A fully connected layer: `y = x · weight + bias`.
#[derive(Clone, Debug, PartialEq)]
pub struct DenseLayer {
    /// Inputs.
    pub inputs: usize,
    /// Outputs.
    pub outputs: usize,
    /// `[inputs × outputs]`, row-major (burn's layout).
    pub weight: Vec<f32>,
    /// `[outputs]`.
    pub bias: Vec<f32>,
}

impl DenseLayer {
    fn of(layer: &Linear) -> Self {
        let [inputs, outputs] = layer.weight.dims();
        let weight = layer
            .weight
            .val()
            .into_data()
            .try_to_vec::<f32>()
            .expect("f32 weights");
        let bias = layer.bias.as_ref().map_or_else(
            || vec![0.0; outputs],
            |b| b.val().into_data().try_to_vec::<f32>().expect("f32 biases"),
        );
        Self {
            inputs,
            outputs,
            weight,
            bias,
        }
    }
}

/// What the head's output becomes.
#[derive(Clone, Debug, PartialEq)]
pub enum ActionMapping {
    /// A box: `clamp(mean · scale + offset, low, high)` per dimension.
    Box {
        /// Half the box's width.
        scale: Vec<f32>,
        /// The box's centre.
        offset: Vec<f32>,
        /// Lower bounds.
        low: Vec<f32>,
        /// Upper bounds.
        high: Vec<f32>,
    },
    /// Discrete actions: the index of the largest logit.
    Discrete,
}

/// The deterministic actor: `actions = map(head(relu(… relu(layer₀(input)))))`, where `input`
/// is `clip((obs − obs_mean) · obs_inv_std, ±obs_clip)`, followed by ASE's latent z when
/// `latent_dim > 0`.
#[derive(Clone, Debug, PartialEq)]
pub struct ActorSnapshot {
    /// Observation means.
    pub obs_mean: Vec<f32>,
    /// Reciprocal observation standard deviations.
    pub obs_inv_std: Vec<f32>,
    /// Normalised observations are clipped to ±this.
    pub obs_clip: f32,
    /// ASE's latent size (0 for policies without one).
    pub latent_dim: usize,
    /// The backbone's layers, each followed by a ReLU.
    pub hidden: Vec<DenseLayer>,
    /// The head: the Gaussian's mean, or the logits.
    pub head: DenseLayer,
    /// From the head's output to actions.
    pub actions: ActionMapping,
}

/// Why a policy has no snapshot.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SnapshotError {
    /// A convolutional backbone.
    #[error("the actor has a convolutional backbone; only fully connected actors are exported")]
    Convolutional,
    /// A continuous policy whose agent state has no action box.
    #[error("the policy has continuous actions but no action bounds in its agent.yaml")]
    NoActionBounds,
    /// A high-level controller, whose actions drive another policy.
    #[error("a high-level controller without llc_checkpoint: there is no low level to chain")]
    Controller,
}

impl ActorSnapshot {
    /// The deterministic actor of `policy`.
    pub fn of(policy: &Policy) -> Result<Self, SnapshotError> {
        if policy.low_level().is_some() {
            return Err(SnapshotError::Controller);
        }
        let actor = &policy.model().actor;
        let hidden: Vec<DenseLayer> = match actor.backbone() {
            Backbone::Mlp(_) => actor
                .backbone()
                .linear_layers()
                .iter()
                .map(DenseLayer::of)
                .collect(),
            Backbone::Cnn(_) => return Err(SnapshotError::Convolutional),
        };
        let state = policy.state();
        let (obs_mean, obs_inv_std, obs_clip) = state.obs_norm.affine_f32();
        let (head, actions) = match actor.head() {
            ActionHead::Gaussian(g) => {
                let (scale, offset, low, high) = match &state.action_norm {
                    Some(n) => {
                        let (s, o, l, h) = n.parts();
                        (s.to_vec(), o.to_vec(), l.to_vec(), h.to_vec())
                    }
                    None => return Err(SnapshotError::NoActionBounds),
                };
                (
                    DenseLayer::of(g.mean_layer()),
                    ActionMapping::Box {
                        scale,
                        offset,
                        low,
                        high,
                    },
                )
            }
            ActionHead::Categorical(c) => {
                (DenseLayer::of(c.logits_layer()), ActionMapping::Discrete)
            }
        };
        Ok(Self {
            obs_mean,
            obs_inv_std,
            obs_clip,
            latent_dim: policy.latent_dim(),
            hidden,
            head,
            actions,
        })
    }

    /// Observations the actor reads (without the latent).
    pub fn obs_dim(&self) -> usize {
        self.obs_mean.len()
    }

    /// Values an action has (1 for a discrete action).
    pub fn action_dim(&self) -> usize {
        match &self.actions {
            ActionMapping::Box { scale, .. } => scale.len(),
            ActionMapping::Discrete => 1,
        }
    }
}
