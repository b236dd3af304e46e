//! Agents: an algorithm, its buffers and its optimizer, as MimicKit's `*_agent.py`.
//!
//! [`Agent`] is the core every on-policy algorithm shares (model, normalisers, experience
//! buffer, returns and advantages, the minibatch loop with one summed loss, one backward pass
//! and one optimizer step). Each algorithm is a file stating only its delta through the
//! [`Algorithm`] hooks, including the networks it adds, as in the design notes' class diagram: [`Ppo`] and [`Awr`] beside each
//! other, [`Amp`] over PPO, [`Ase`] and [`Add`] over AMP. `builder.rs` is the one place that
//! reads `agent_name`. The agent and the algorithms are training code (feature `train`); the
//! config, the state a checkpoint stores and ASE's latent slots are not.

#[cfg(feature = "train")]
mod add;
#[cfg(feature = "train")]
mod agent;
#[cfg(feature = "train")]
mod algorithm;
#[cfg(feature = "train")]
mod amp;
#[cfg(feature = "train")]
mod ase;
#[cfg(feature = "train")]
mod awr;
mod builder;
mod config;
#[cfg(feature = "train")]
mod disc_objective;
mod latent_slots;
#[cfg(feature = "train")]
mod network;
#[cfg(feature = "train")]
mod ppo;
mod state;
#[cfg(feature = "train")]
mod update;
mod update_mode;
#[cfg(feature = "train")]
mod values;
#[cfg(feature = "train")]
mod warm_start;

#[cfg(feature = "train")]
pub use add::{Add, ZeroDifference};
#[cfg(feature = "train")]
pub use agent::{Agent, AgentError, AgentLoadError};
#[cfg(feature = "train")]
pub use algorithm::{Algorithm, LossTerms, Minibatch, MinibatchCtx, UpdateCtx};
#[cfg(feature = "train")]
pub use amp::{Amp, DemoWindows, Positives};
#[cfg(feature = "train")]
pub use ase::Ase;
#[cfg(feature = "train")]
pub use awr::Awr;
pub(crate) use builder::condition_dim;
pub use config::{AgentConfig, AgentName};
#[cfg(feature = "train")]
pub use disc_objective::DiscObjective;
pub use latent_slots::{LatentSchedule, LatentSlots};
#[cfg(feature = "train")]
pub use ppo::Ppo;
pub use state::{ActMode, AgentState};
pub use update_mode::{NetworkSchedule, UpdateMode};
