//! Agents: an algorithm, its buffers and its optimizer, as MimicKit's `*_agent.py`.
//!
//! [`Agent`] holds what every on-policy algorithm shares (model, normalisers, experience buffer,
//! returns and advantages, the minibatch loop with one summed loss); each algorithm adds only its
//! actor objective, in a file of its own.

mod amp;
mod ase;
mod awr;
mod base;
mod config;
mod ppo;

pub use amp::DiscObjective;
pub use ase::{LatentSchedule, LatentSlots};
pub use awr::AwrObjective;
pub use base::{ActMode, Agent, AgentError, AgentState, Minibatch, MinibatchLatents};
pub use config::{AgentConfig, AgentName};
pub use ppo::PpoObjective;

use burn::tensor::Tensor;

use super::distributions::ActionDist;

/// Scalars to log from one minibatch's loss, detached from the graph.
pub type LossTerms = Vec<(&'static str, Tensor<1>)>;

/// What an algorithm optimises for the actor.
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
