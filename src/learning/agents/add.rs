//! ADD (MimicKit's `add_agent.py`) over AMP: the discriminator judges the difference between
//! the reference frame and the character's at the same motion time (the env's `add` kind writes
//! it as the discriminator observation). What it changes in AMP:
//! - the one positive is the zero difference (no demo windows are drawn);
//! - the discriminator's inputs are divided by their running mean |Δ| instead of being
//!   standardised.

use super::amp::{Amp, Positives};
use crate::SeededRng;
use crate::learning::normalizer::{DiscNormalizer, MeanAbsNormalizer};

/// ADD's positive: the zero difference, one row per minibatch.
pub struct ZeroDifference;

impl Positives for ZeroDifference {
    const ALGORITHM: &'static str = "ADD";
    const WANTS_DEMO: bool = false;

    fn draw(
        _demo: &[f32],
        dim: usize,
        _b: usize,
        _rng: &mut SeededRng,
        out: &mut Vec<f32>,
    ) -> bool {
        out.resize(out.len() + dim, 0.0);
        true
    }
}

/// ADD: AMP with the zero difference as its positive.
pub type Add = Amp<ZeroDifference>;

/// ADD's discriminator normaliser: the running mean |Δ| of `dim` values.
pub fn add_disc_normalizer(dim: usize, max_samples: f64) -> DiscNormalizer {
    DiscNormalizer::MeanAbs(MeanAbsNormalizer::new(dim, max_samples))
}
