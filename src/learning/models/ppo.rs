//! `PPOModel` / `AWRModel`: an actor (backbone + action distribution head) and a critic
//! (backbone + one linear value output with a zero bias).

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};

use burn::store::RecordError;

use super::{ModelConfig, NetworkRecords};
use crate::SeededRng;
use crate::learning::distributions::{ActionDist, ActionHead, CategoricalHead, GaussianDiagHead};
use crate::learning::nets::{Backbone, NetError, NetInput, build_net, hidden_linear};
use crate::spaces::ActionSpace;

/// The policy network.
#[derive(Module, Debug)]
pub struct Actor {
    backbone: Backbone,
    head: ActionHead,
}

impl Actor {
    /// Builds the actor for `action_space` reading observations shaped as `input`.
    pub fn new(
        config: &ModelConfig,
        input: NetInput,
        action_space: &ActionSpace,
        rng: &mut SeededRng,
        device: &Device,
    ) -> Result<Self, NetError> {
        let backbone = build_net(&config.actor_net, input, rng, device)?;
        let features = backbone.output_dim();
        let head = match action_space {
            ActionSpace::Box { low, .. } => ActionHead::Gaussian(GaussianDiagHead::new(
                features,
                low.len(),
                config.actor_std_type,
                config.action_std,
                config.actor_init_output_scale,
                rng,
                device,
            )),
            ActionSpace::Discrete(n) => ActionHead::Categorical(CategoricalHead::new(
                features,
                *n,
                config.actor_init_output_scale,
                rng,
                device,
            )),
        };
        Ok(Self { backbone, head })
    }

    /// The feature network.
    pub fn backbone(&self) -> &Backbone {
        &self.backbone
    }

    /// The action distribution's head.
    pub fn head(&self) -> &ActionHead {
        &self.head
    }

    /// The action distribution for a batch of normalised observations.
    pub fn forward(&self, obs: Tensor<2>) -> ActionDist {
        self.head.forward(self.backbone.forward(obs))
    }
}

/// The value network.
#[derive(Module, Debug)]
pub struct Critic {
    backbone: Backbone,
    out: Linear,
}

impl Critic {
    /// Builds the critic reading observations shaped as `input`.
    pub fn new(
        config: &ModelConfig,
        input: NetInput,
        rng: &mut SeededRng,
        device: &Device,
    ) -> Result<Self, NetError> {
        let backbone = build_net(&config.critic_net, input, rng, device)?;
        let out = hidden_linear(backbone.output_dim(), 1, rng, device);
        Ok(Self { backbone, out })
    }

    /// Values of a batch of normalised observations → `[batch]`.
    pub fn forward(&self, obs: Tensor<2>) -> Tensor<1> {
        self.out.forward(self.backbone.forward(obs)).squeeze_dim(1)
    }
}

/// Actor and critic: the networks every algorithm trains. What an algorithm adds (AMP's
/// discriminator, ASE's encoder) it owns itself; all of them are stored in one model file by
/// name ([`NetworkRecords`]).
#[derive(Module, Debug)]
pub struct ActorCritic {
    /// The policy.
    pub actor: Actor,
    /// The value function.
    pub critic: Critic,
}

/// MimicKit's `PPOModel`.
pub type PpoModel = ActorCritic;
/// MimicKit's `AWRModel`: the same networks as PPO's, trained by another objective.
pub type AwrModel = ActorCritic;

/// The names of the core's networks in a model file.
const ACTOR: &str = "actor";
const CRITIC: &str = "critic";

impl ActorCritic {
    /// Builds both networks, drawing their weights from `rng`.
    pub fn new(
        config: &ModelConfig,
        input: NetInput,
        action_space: &ActionSpace,
        rng: &mut SeededRng,
        device: &Device,
    ) -> Result<Self, NetError> {
        Ok(Self {
            actor: Actor::new(config, input, action_space, rng, device)?,
            critic: Critic::new(config, input, rng, device)?,
        })
    }

    /// Adds both networks to a model file's records.
    pub fn save_into(&self, records: &mut NetworkRecords) -> Result<(), RecordError> {
        records.insert(ACTOR, self.actor.clone())?;
        records.insert(CRITIC, self.critic.clone())
    }

    /// Loads both networks from a model file's records (taking them out of the set).
    pub fn load_from(self, records: &mut NetworkRecords) -> Result<Self, RecordError> {
        Ok(Self {
            actor: records.take(ACTOR, self.actor)?,
            critic: records.take(CRITIC, self.critic)?,
        })
    }

    /// Loads the actor from `records`, and the critic when the file holds one (a play-only
    /// shipment has none: acting never reads it, so it keeps this model's weights).
    pub fn load_for_play(self, records: &mut NetworkRecords) -> Result<Self, RecordError> {
        let actor = records.take(ACTOR, self.actor)?;
        let critic = if records.contains(CRITIC) {
            records.take(CRITIC, self.critic)?
        } else {
            self.critic
        };
        Ok(Self { actor, critic })
    }

    /// The name the critic is stored under in a model file.
    pub const CRITIC_RECORD_NAME: &'static str = CRITIC;

    /// MimicKit's `eval_actor`.
    pub fn eval_actor(&self, norm_obs: Tensor<2>) -> ActionDist {
        self.actor.forward(norm_obs)
    }

    /// MimicKit's `eval_critic`.
    pub fn eval_critic(&self, norm_obs: Tensor<2>) -> Tensor<1> {
        self.critic.forward(norm_obs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learning::distributions::StdType;
    use rand::SeedableRng;

    #[test]
    fn shapes_and_head_inits_follow_mimickit() {
        let dev = Device::flex();
        let rng = &mut SeededRng::seed_from_u64(1);
        let config = ModelConfig {
            actor_net: "fc_2layers_256units".into(),
            critic_net: "fc_2layers_128units".into(),
            actor_std_type: StdType::Fixed,
            ..ModelConfig::default()
        };
        let space = ActionSpace::Box {
            low: vec![-1.0; 28],
            high: vec![1.0; 28],
        };
        let model = ActorCritic::new(&config, NetInput::Flat(140), &space, rng, &dev).unwrap();
        let obs = crate::learning::nets::uniform([5, 140], 1.0, rng, &dev);
        let dist = model.eval_actor(obs.clone());
        let mean = dist.mode();
        assert_eq!(mean.dims(), [5, 28]);
        // Mean head weights ±0.01 on ReLU features of size 128 keep the initial means small.
        let m: Vec<f32> = mean.into_data().try_into_vec().unwrap();
        assert!(m.iter().all(|v| v.abs() < 0.5));
        assert_eq!(model.eval_critic(obs).dims(), [5]);
        let b: Vec<f32> = model
            .critic
            .out
            .bias
            .as_ref()
            .unwrap()
            .val()
            .into_data()
            .try_into_vec()
            .unwrap();
        assert_eq!(b, vec![0.0]);
        assert_eq!(model.critic.out.weight.dims(), [64, 1]);

        let discrete = ActorCritic::new(
            &config,
            NetInput::Flat(4),
            &ActionSpace::Discrete(2),
            rng,
            &dev,
        )
        .unwrap();
        let logits = match discrete.eval_actor(Tensor::zeros([3, 4], &dev)) {
            ActionDist::Categorical(c) => c.logits,
            ActionDist::Gaussian(_) => panic!("expected categorical"),
        };
        assert_eq!(logits.dims(), [3, 2]);
    }
}
