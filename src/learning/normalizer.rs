//! Observation and action normalisers.
//!
//! They live on the host: observations arrive from the environments as flat `f32` buffers, are
//! normalised in place before the one upload per step, and the statistics are small plain data
//! that checkpoints store as they are.

use serde::{Deserialize, Serialize};

/// Running mean and standard deviation per dimension, as MimicKit's `Normalizer`.
///
/// Samples are [`record`](Self::record)ed during an iteration and merged by
/// [`update`](Self::update) after the model update (count-weighted, so each iteration's data is
/// normalised with the previous statistics). The standard deviation has a floor of `1e-4`,
/// normalised values are clipped to ±`clip`, and recording stops once `max_samples` have been
/// merged: the statistics are then frozen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunningNormalizer {
    mean: Vec<f64>,
    var: Vec<f64>,
    count: f64,
    clip: f64,
    max_samples: f64,
    pending_count: f64,
    pending_sum: Vec<f64>,
    pending_sum_sq: Vec<f64>,
    /// `mean` and `1/std` in `f32`, refreshed on update, for the per-step hot path.
    #[serde(skip)]
    cache: Option<(Vec<f32>, Vec<f32>)>,
}

/// Smallest standard deviation a normaliser divides by.
pub const STD_FLOOR: f64 = 1e-4;

impl RunningNormalizer {
    /// A normaliser of `dim` values, starting at mean 0 and std 1.
    pub fn new(dim: usize, clip: f64, max_samples: f64) -> Self {
        Self {
            mean: vec![0.0; dim],
            var: vec![1.0; dim],
            count: 0.0,
            clip,
            max_samples,
            pending_count: 0.0,
            pending_sum: vec![0.0; dim],
            pending_sum_sq: vec![0.0; dim],
            cache: None,
        }
    }

    /// Number of values per sample.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// Number of samples merged into the statistics so far.
    pub fn count(&self) -> f64 {
        self.count
    }

    /// Whether the statistics no longer change.
    pub fn is_frozen(&self) -> bool {
        self.count >= self.max_samples
    }

    /// Current means.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// Current standard deviations (with the floor applied).
    pub fn std(&self) -> Vec<f64> {
        self.var.iter().map(|v| v.sqrt().max(STD_FLOOR)).collect()
    }

    /// Adds a batch of samples (`rows × dim`, row-major) to the pending statistics, unless frozen.
    pub fn record(&mut self, rows: &[f32]) {
        if self.is_frozen() {
            return;
        }
        let dim = self.dim();
        debug_assert_eq!(rows.len() % dim, 0);
        for row in rows.chunks_exact(dim) {
            for ((s, s2), &x) in self
                .pending_sum
                .iter_mut()
                .zip(self.pending_sum_sq.iter_mut())
                .zip(row)
            {
                let x = f64::from(x);
                *s += x;
                *s2 += x * x;
            }
        }
        self.pending_count += (rows.len() / dim) as f64;
    }

    /// Merges the pending samples into the statistics, weighting old and new by their counts.
    pub fn update(&mut self) {
        if self.pending_count > 0.0 && !self.is_frozen() {
            let n_new = self.pending_count;
            let total = self.count + n_new;
            for i in 0..self.dim() {
                let new_mean = self.pending_sum[i] / n_new;
                let new_var = (self.pending_sum_sq[i] / n_new - new_mean * new_mean).max(0.0);
                let mean = (self.count * self.mean[i] + n_new * new_mean) / total;
                let second = (self.count * (self.var[i] + self.mean[i] * self.mean[i])
                    + n_new * (new_var + new_mean * new_mean))
                    / total;
                self.mean[i] = mean;
                self.var[i] = (second - mean * mean).max(0.0);
            }
            self.count = total;
        }
        self.pending_count = 0.0;
        self.pending_sum.iter_mut().for_each(|v| *v = 0.0);
        self.pending_sum_sq.iter_mut().for_each(|v| *v = 0.0);
        self.cache = None;
    }

    /// What [`normalize_in_place`](Self::normalize_in_place) applies, in the `f32` it computes
    /// in: the means, the reciprocal standard deviations and the clip.
    pub fn affine_f32(&self) -> (Vec<f32>, Vec<f32>, f32) {
        let (mean, inv_std) = self.mean_inv_std_f32();
        (mean, inv_std, self.clip as f32)
    }

    fn mean_inv_std_f32(&self) -> (Vec<f32>, Vec<f32>) {
        let mean = self.mean.iter().map(|&m| m as f32).collect();
        let inv = self
            .var
            .iter()
            .map(|v| (1.0 / v.sqrt().max(STD_FLOOR)) as f32)
            .collect();
        (mean, inv)
    }

    /// Normalises `rows` in place: `clip((x − mean) / std, ±clip)`.
    pub fn normalize_in_place(&mut self, rows: &mut [f32]) {
        if self.cache.is_none() {
            self.cache = Some(self.mean_inv_std_f32());
        }
        let (mean, inv_std) = self.cache.as_ref().expect("just filled");
        let clip = self.clip as f32;
        for row in rows.chunks_exact_mut(mean.len()) {
            for ((x, m), s) in row.iter_mut().zip(mean.iter()).zip(inv_std.iter()) {
                *x = ((*x - m) * s).clamp(-clip, clip);
            }
        }
    }

    /// A normalised copy of `rows`.
    pub fn normalize(&mut self, rows: &[f32]) -> Vec<f32> {
        let mut out = rows.to_vec();
        self.normalize_in_place(&mut out);
        out
    }
}

/// ADD's `DiffNormalizer`: divides each dimension by the running mean of its absolute value
/// (floor `1e-4`); no centring and no clip. Recorded and merged like [`RunningNormalizer`] and
/// frozen after `max_samples`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeanAbsNormalizer {
    mean_abs: Vec<f64>,
    count: f64,
    max_samples: f64,
    pending_count: f64,
    pending_sum: Vec<f64>,
}

impl MeanAbsNormalizer {
    /// A normaliser of `dim` values, starting at mean |x| = 1.
    pub fn new(dim: usize, max_samples: f64) -> Self {
        Self {
            mean_abs: vec![1.0; dim],
            count: 0.0,
            max_samples,
            pending_count: 0.0,
            pending_sum: vec![0.0; dim],
        }
    }

    /// Current means of |x|.
    pub fn mean_abs(&self) -> &[f64] {
        &self.mean_abs
    }

    /// Adds samples (`rows × dim`) to the pending statistics, unless frozen.
    pub fn record(&mut self, rows: &[f32]) {
        if self.count >= self.max_samples {
            return;
        }
        let dim = self.mean_abs.len();
        for row in rows.chunks_exact(dim) {
            for (s, &x) in self.pending_sum.iter_mut().zip(row) {
                *s += f64::from(x.abs());
            }
        }
        self.pending_count += (rows.len() / dim) as f64;
    }

    /// Merges the pending samples, weighting old and new by their counts.
    pub fn update(&mut self) {
        if self.pending_count > 0.0 && self.count < self.max_samples {
            let total = self.count + self.pending_count;
            for (m, s) in self.mean_abs.iter_mut().zip(&self.pending_sum) {
                *m = (self.count * *m + s) / total;
            }
            self.count = total;
        }
        self.pending_count = 0.0;
        self.pending_sum.iter_mut().for_each(|v| *v = 0.0);
    }

    /// Divides `rows` in place by the mean |x| of each dimension.
    pub fn normalize_in_place(&self, rows: &mut [f32]) {
        let dim = self.mean_abs.len();
        for row in rows.chunks_exact_mut(dim) {
            for (x, m) in row.iter_mut().zip(&self.mean_abs) {
                *x /= m.max(STD_FLOOR) as f32;
            }
        }
    }
}

/// The discriminator's input normaliser: AMP's mean/std, or ADD's mean |Δ|.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DiscNormalizer {
    /// Running mean and std, clipped (AMP, ASE).
    MeanStd(RunningNormalizer),
    /// Running mean of |x| (ADD).
    MeanAbs(MeanAbsNormalizer),
}

impl DiscNormalizer {
    /// Adds samples to the pending statistics.
    pub fn record(&mut self, rows: &[f32]) {
        match self {
            Self::MeanStd(n) => n.record(rows),
            Self::MeanAbs(n) => n.record(rows),
        }
    }

    /// Merges the pending samples.
    pub fn update(&mut self) {
        match self {
            Self::MeanStd(n) => n.update(),
            Self::MeanAbs(n) => n.update(),
        }
    }

    /// Normalises `rows` in place.
    pub fn normalize_in_place(&mut self, rows: &mut [f32]) {
        match self {
            Self::MeanStd(n) => n.normalize_in_place(rows),
            Self::MeanAbs(n) => n.normalize_in_place(rows),
        }
    }
}

/// The fixed action normaliser: `mean = (high + low)/2`, `std = (high − low)/2`, so the box maps
/// to [−1, 1]. Discrete action spaces pass through unchanged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionNormalizer {
    mean: Vec<f32>,
    std: Vec<f32>,
    low: Vec<f32>,
    high: Vec<f32>,
}

/// Why an action normaliser could not be built.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("action bound {index} is empty or not finite: low {low}, high {high}")]
pub struct BadActionBound {
    /// The action dimension.
    pub index: usize,
    /// Its lower bound.
    pub low: f32,
    /// Its upper bound.
    pub high: f32,
}

impl ActionNormalizer {
    /// From the action box; every dimension needs `low < high`, both finite.
    pub fn from_bounds(low: &[f32], high: &[f32]) -> Result<Self, BadActionBound> {
        for (index, (&l, &h)) in low.iter().zip(high).enumerate() {
            if !(l.is_finite() && h.is_finite() && h > l) {
                return Err(BadActionBound {
                    index,
                    low: l,
                    high: h,
                });
            }
        }
        Ok(Self {
            mean: low.iter().zip(high).map(|(l, h)| 0.5 * (h + l)).collect(),
            std: low.iter().zip(high).map(|(l, h)| 0.5 * (h - l)).collect(),
            low: low.to_vec(),
            high: high.to_vec(),
        })
    }

    /// Environment actions → normalised actions, in place.
    pub fn normalize_in_place(&self, actions: &mut [f32]) {
        for row in actions.chunks_exact_mut(self.mean.len()) {
            for ((a, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *a = (*a - m) / s;
            }
        }
    }

    /// Per dimension: the scale and offset that map [−1, 1] onto the box, and the box's bounds
    /// the result is clamped to.
    pub fn parts(&self) -> (&[f32], &[f32], &[f32], &[f32]) {
        (&self.std, &self.mean, &self.low, &self.high)
    }

    /// Normalised actions → environment actions, clipped to the box, in place.
    pub fn unnormalize_in_place(&self, actions: &mut [f32]) {
        for row in actions.chunks_exact_mut(self.mean.len()) {
            for (i, a) in row.iter_mut().enumerate() {
                *a = (*a * self.std[i] + self.mean[i]).clamp(self.low[i], self.high[i]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_is_count_weighted_and_matches_the_pooled_statistics() {
        let mut norm = RunningNormalizer::new(2, 10.0, 1e9);
        norm.record(&[1.0, 10.0, 3.0, 10.0]);
        norm.update();
        assert_eq!(norm.mean(), &[2.0, 10.0]);
        norm.record(&[5.0, 20.0, 7.0, 20.0, 9.0, 20.0, 11.0, 20.0]);
        norm.update();
        // Pooled samples 1,3,5,7,9,11 and 10,10,20,20,20,20.
        assert!((norm.mean()[0] - 6.0).abs() < 1e-12);
        let pooled_var0 = [1.0f64, 3.0, 5.0, 7.0, 9.0, 11.0]
            .iter()
            .map(|x| (x - 6.0) * (x - 6.0))
            .sum::<f64>()
            / 6.0;
        assert!((norm.std()[0] - pooled_var0.sqrt()).abs() < 1e-12);
        let mean1 = (2.0 * 10.0 + 4.0 * 20.0) / 6.0;
        assert!((norm.mean()[1] - mean1).abs() < 1e-12);
        assert_eq!(norm.count(), 6.0);
    }

    #[test]
    fn freezes_after_max_samples_and_clips() {
        let mut norm = RunningNormalizer::new(1, 3.0, 2.0);
        norm.record(&[0.0, 2.0]);
        norm.update();
        assert!(norm.is_frozen());
        norm.record(&[100.0, 200.0]);
        norm.update();
        assert_eq!(norm.mean(), &[1.0]);
        assert_eq!(norm.count(), 2.0);
        // std 1: 100 → clipped to 3, −100 → −3, 1.5 → 0.5.
        assert_eq!(norm.normalize(&[100.0, -100.0, 1.5]), vec![3.0, -3.0, 0.5]);
    }

    #[test]
    fn std_has_a_floor() {
        let mut norm = RunningNormalizer::new(1, 1e9, 1e9);
        norm.record(&[5.0, 5.0, 5.0]);
        norm.update();
        assert_eq!(norm.std(), vec![STD_FLOOR]);
        let y = norm.normalize(&[5.001]);
        assert!((y[0] - 10.0).abs() < 1e-2, "{y:?}");
    }

    #[test]
    fn action_normalizer_maps_the_box_to_unit_range() {
        let an = ActionNormalizer::from_bounds(&[-2.0, 0.0], &[2.0, 4.0]).unwrap();
        let mut a = vec![-2.0, 4.0, 1.0, 2.0];
        an.normalize_in_place(&mut a);
        assert_eq!(a, vec![-1.0, 1.0, 0.5, 0.0]);
        let mut n = vec![0.5, 0.0, 3.0, -9.0];
        an.unnormalize_in_place(&mut n);
        assert_eq!(n, vec![1.0, 2.0, 2.0, 0.0]);
        assert!(ActionNormalizer::from_bounds(&[1.0], &[1.0]).is_err());
    }
}
