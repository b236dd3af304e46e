//! Agents: an algorithm, its buffers and its optimizer, as MimicKit's `*_agent.py`.
//!
//! [`Agent`] holds what every on-policy algorithm shares (model, normalisers, experience buffer,
//! returns and advantages, the minibatch loop with one summed loss); each algorithm adds only its
//! actor objective, in a file of its own. The agent and its objectives are training code
//! (feature `train`); the config, the state a checkpoint stores and ASE's latents are not.

#[cfg(feature = "train")]
mod amp;
mod ase;
#[cfg(feature = "train")]
mod awr;
#[cfg(feature = "train")]
mod base;
mod config;
#[cfg(feature = "train")]
mod ppo;
mod state;

#[cfg(feature = "train")]
pub use amp::DiscObjective;
pub use ase::{LatentSchedule, LatentSlots};
#[cfg(feature = "train")]
pub use awr::AwrObjective;
#[cfg(feature = "train")]
pub use base::{Agent, AgentError, Minibatch, MinibatchLatents};
pub use config::{AgentConfig, AgentName};
#[cfg(feature = "train")]
pub use ppo::PpoObjective;
pub use state::{ActMode, AgentState};

#[cfg(feature = "train")]
use burn::tensor::Tensor;

#[cfg(feature = "train")]
use super::distributions::ActionDist;

/// Scalars to log from one minibatch's loss, detached from the graph.
#[cfg(feature = "train")]
pub type LossTerms = Vec<(&'static str, Tensor<1>)>;

/// What an algorithm optimises for the actor.
#[cfg(feature = "train")]
pub trait ActorObjective: Send + Sync {
    /// The algorithm's name, as in `agent_name`.
    fn name(&self) -> &'static str;

    /// Normalised advantages are clipped to ±this (infinity for none).
    fn adv_clip(&self) -> f32;

    /// The actor loss of one minibatch (a one-element tensor), adding anything worth logging to
    /// `terms`. Terms shared by all algorithms (action bound, entropy, regulariser) are added by
    /// the agent.
    fn actor_loss(&self, dist: &ActionDist, mb: &Minibatch, terms: &mut LossTerms) -> Tensor<1>;
}
