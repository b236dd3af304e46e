//! Models: backbones from [`nets`](super::nets) joined to their heads, as MimicKit's model
//! classes. The core's [`ActorCritic`] is `PPOModel`/`AWRModel`; MimicKit's `AMPModel` is
//! those networks and a [`Discriminator`], which the AMP algorithm owns, and `ASEModel` adds a
//! skill [`Encoder`], which ASE owns, with actor and critic reading `[obs, z]`. One model file
//! holds them all by name ([`NetworkRecords`]).

mod disc;
mod encoder;
mod ppo;
mod records;

pub use disc::{Discriminator, mlp_input_grad, mlp_logit, style_reward};
pub use encoder::{Encoder, diversity_loss, encoder_loss, encoder_reward};
pub use ppo::{Actor, ActorCritic, AwrModel, Critic, PpoModel};
pub use records::NetworkRecords;

use serde::{Deserialize, Serialize};

use super::distributions::StdType;

/// The `model:` section of an agent config, with MimicKit's key names and defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Backbone of the actor (a name from [`NET_NAMES`](super::nets::NET_NAMES)).
    #[serde(default = "default_net")]
    pub actor_net: String,
    /// Half-range of the uniform init of the action head's weights.
    #[serde(default = "default_init_output_scale")]
    pub actor_init_output_scale: f64,
    /// How the Gaussian's standard deviation is set.
    #[serde(default = "default_std_type")]
    pub actor_std_type: StdType,
    /// Initial (or fixed) standard deviation in normalised action space.
    #[serde(default = "default_action_std")]
    pub action_std: f64,
    /// Backbone of the critic.
    #[serde(default = "default_net")]
    pub critic_net: String,
    /// Backbone of the discriminator (AMP, ADD, ASE).
    #[serde(default = "default_net")]
    pub disc_net: String,
    /// Half-range of the uniform init of the discriminator's logit weights.
    #[serde(default = "default_disc_init_output_scale")]
    pub disc_init_output_scale: f64,
    /// Backbone of the skill encoder (ASE).
    #[serde(default = "default_net")]
    pub enc_net: String,
    /// Half-range of the uniform init of the encoder's output weights.
    #[serde(default = "default_enc_init_output_scale")]
    pub enc_init_output_scale: f64,
    /// Values per skill latent z (ASE).
    #[serde(default = "default_latent_dim")]
    pub latent_dim: usize,
}

fn default_enc_init_output_scale() -> f64 {
    0.1
}
fn default_latent_dim() -> usize {
    64
}

fn default_disc_init_output_scale() -> f64 {
    1.0
}

fn default_net() -> String {
    "fc_2layers_1024units".into()
}
fn default_init_output_scale() -> f64 {
    0.01
}
fn default_std_type() -> StdType {
    StdType::Fixed
}
fn default_action_std() -> f64 {
    0.05
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            actor_net: default_net(),
            actor_init_output_scale: default_init_output_scale(),
            actor_std_type: default_std_type(),
            action_std: default_action_std(),
            critic_net: default_net(),
            disc_net: default_net(),
            disc_init_output_scale: default_disc_init_output_scale(),
            enc_net: default_net(),
            enc_init_output_scale: default_enc_init_output_scale(),
            latent_dim: default_latent_dim(),
        }
    }
}
