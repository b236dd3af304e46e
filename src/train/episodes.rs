//! Per-environment episode returns and lengths.

use crate::spaces::DoneCode;

/// Accumulates each environment's return and length, and the statistics of finished episodes.
#[derive(Clone, Debug)]
pub struct EpisodeTracker {
    returns: Vec<f64>,
    lengths: Vec<u32>,
    finished: u64,
    return_sum: f64,
    length_sum: f64,
    failed: u64,
    new_window: bool,
}

impl EpisodeTracker {
    /// A tracker for `num_envs` environments.
    pub fn new(num_envs: usize) -> Self {
        Self {
            returns: vec![0.0; num_envs],
            lengths: vec![0; num_envs],
            finished: 0,
            return_sum: 0.0,
            length_sum: 0.0,
            failed: 0,
            new_window: false,
        }
    }

    /// Number of environments tracked.
    pub fn num_envs(&self) -> usize {
        self.returns.len()
    }

    /// Env `env`'s return and length so far in its current episode.
    pub fn running(&self, env: usize) -> (f64, u32) {
        (self.returns[env], self.lengths[env])
    }

    /// Adds one step's rewards; episodes that ended are counted and their envs start over.
    pub fn step(&mut self, rewards: &[f32], dones: &[DoneCode]) {
        for (i, (&r, &d)) in rewards.iter().zip(dones).enumerate() {
            self.returns[i] += f64::from(r);
            self.lengths[i] += 1;
            if d.is_done() {
                if std::mem::take(&mut self.new_window) {
                    self.clear_stats();
                }
                self.finished += 1;
                self.return_sum += self.returns[i];
                self.length_sum += f64::from(self.lengths[i]);
                self.failed += u64::from(d == DoneCode::Fail);
                self.returns[i] = 0.0;
                self.lengths[i] = 0;
            }
        }
    }

    /// Forgets running episodes (after the environments were all reset).
    pub fn restart_all(&mut self) {
        self.returns.iter_mut().for_each(|r| *r = 0.0);
        self.lengths.iter_mut().for_each(|l| *l = 0);
    }

    /// Starts a new statistics window: the current statistics stay readable until the next
    /// episode finishes, so a log row never reports an empty window as a return of 0.
    pub fn start_new_window(&mut self) {
        self.new_window = true;
    }

    fn clear_stats(&mut self) {
        self.finished = 0;
        self.return_sum = 0.0;
        self.length_sum = 0.0;
        self.failed = 0;
    }

    /// Episodes finished in the current window.
    pub fn episodes(&self) -> u64 {
        self.finished
    }

    /// Mean return of the finished episodes (0 if none).
    pub fn mean_return(&self) -> f64 {
        self.return_sum / self.finished.max(1) as f64
    }

    /// Mean length in steps of the finished episodes (0 if none).
    pub fn mean_length(&self) -> f64 {
        self.length_sum / self.finished.max(1) as f64
    }

    /// Fraction of finished episodes that ended in failure.
    pub fn fail_fraction(&self) -> f64 {
        self.failed as f64 / self.finished.max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DoneCode::*;

    #[test]
    fn counts_finished_episodes_only() {
        let mut t = EpisodeTracker::new(2);
        t.step(&[1.0, 2.0], &[Null, Null]);
        t.step(&[1.0, 2.0], &[Fail, Null]);
        t.step(&[5.0, 2.0], &[Null, Time]);
        assert_eq!(t.episodes(), 2);
        assert_eq!(t.mean_return(), (2.0 + 6.0) / 2.0);
        assert_eq!(t.mean_length(), (2.0 + 3.0) / 2.0);
        assert_eq!(t.fail_fraction(), 0.5);
        t.start_new_window();
        t.step(&[1.0, 1.0], &[Null, Null]);
        assert_eq!(
            t.episodes(),
            2,
            "the old window stays until an episode ends"
        );
        t.step(&[1.0, 1.0], &[Succ, Null]);
        assert_eq!(t.episodes(), 1);
        assert_eq!(
            t.mean_return(),
            7.0,
            "env 0 ran 5 + 1 + 1 since its last reset"
        );
    }
}
