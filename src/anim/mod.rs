//! Animation math and formats: rotations, characters, motions.
//!
//! Imports neither bevy nor burn; vectors and quaternions are glam's (the types Bevy and rapier
//! use), quaternions in MimicKit's xyzw order.

pub mod character;
pub mod fingerprint;
pub mod mjcf;
pub mod motion;
pub mod motion_lib;
pub mod npz;
pub mod pickle;
pub mod retarget;
pub mod rotation;
