//! Getting up after a fall: a DeepMimic tracker of get-up clips (`assets/policies/getup`) takes
//! over a character whose own policy has fallen, and hands it back once it stands.
//!
//! Four steering policies trained to rise by themselves never did (`training/README.md`, steer3
//! and steer6–8), where a tracker of DeepMimic's two get-up clips rises from their first frames
//! every time. So a fallen character is driven by the tracker instead: the clip whose first
//! frame's root lies most like the character's is chosen, turned about the vertical to the
//! character's heading and moved under it, and played from its start. The tracker was trained
//! with world-frame observations (`global_obs`) on clips at one heading; the character is
//! observed in the clip's frame (its pose turned and moved by the inverse of that alignment),
//! which on flat ground under vertical gravity is the same physics, so any heading works.

mod controller;

pub use controller::{GetUpController, GetUpError, GetUpProgress};

/// A character counts as standing once its pelvis is this high (m; about 0.9 when upright) ...
pub const STANDING_HEIGHT: f32 = 0.7;
/// ... for this long (s).
pub const STANDING_HOLD_S: f32 = 0.5;
/// The tracker hands a character back once its clip has played out and it is settled: pelvis
/// above this (m) ...
pub const SETTLED_HEIGHT: f32 = 0.8;
/// ... and the root slower than this, horizontally and downwards (m/s). A tracker that lags its
/// clip (a fall rarely lies like the clip's first frame) is still rising at the clip's end.
pub const SETTLED_SPEED: f32 = 0.5;
/// An attempt that has not stood this long after its clip ended starts over from the clip's
/// first frame, aligned to the pose the character is in then (s).
pub const RETRY_AFTER_S: f32 = 2.0;
/// Attempts before the controller gives up (and play mode resets the character).
pub const MAX_ATTEMPTS: u32 = 3;
/// The shipped get-up tracker.
pub const GETUP_POLICY_DIR: &str = "assets/policies/getup";
