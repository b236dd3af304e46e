//! The discriminator's replay buffer of agent observations (MimicKit's `disc_buffer`): a FIFO
//! ring that takes every sample until it has been filled once, then `disc_replay_samples` random
//! samples of each iteration.

use rand::RngExt;
use rand::seq::index;

use crate::SeededRng;

/// A fixed-capacity FIFO ring of `dim`-value rows.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayBuffer {
    dim: usize,
    capacity: usize,
    data: Vec<f32>,
    /// Where the next row goes.
    head: usize,
    /// Rows held.
    len: usize,
    /// Rows ever pushed.
    total: u64,
}

impl ReplayBuffer {
    /// An empty buffer of `capacity` rows of `dim` values (storage is allocated once).
    pub fn new(capacity: usize, dim: usize) -> Self {
        Self {
            dim,
            capacity,
            data: vec![0.0; capacity * dim],
            head: 0,
            len: 0,
            total: 0,
        }
    }

    /// The buffer as bytes, for training checkpoints: a header (`dim`, `capacity`, `head`,
    /// `len`, `total`, little-endian u64) and the rows held, as little-endian f32.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(40 + self.len * self.dim * 4);
        for v in [self.dim, self.capacity, self.head, self.len] {
            out.extend_from_slice(&(v as u64).to_le_bytes());
        }
        out.extend_from_slice(&self.total.to_le_bytes());
        for v in &self.data[..self.len * self.dim] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// Restores what [`to_bytes`](Self::to_bytes) wrote into a buffer of the same shape.
    pub fn restore(&mut self, bytes: &[u8]) -> Result<(), String> {
        let word = |i: usize| -> Option<u64> {
            Some(u64::from_le_bytes(
                bytes.get(i * 8..i * 8 + 8)?.try_into().ok()?,
            ))
        };
        let header: Option<Vec<u64>> = (0..5).map(word).collect();
        let Some(h) = header else {
            return Err("the replay buffer's header is truncated".into());
        };
        let (dim, capacity, head, len) =
            (h[0] as usize, h[1] as usize, h[2] as usize, h[3] as usize);
        if dim != self.dim || capacity != self.capacity {
            return Err(format!(
                "the replay buffer holds {capacity} rows of {dim} values; the agent's holds {} of {}",
                self.capacity, self.dim
            ));
        }
        let body = &bytes[40..];
        if len > capacity || head >= capacity.max(1) || body.len() != len * dim * 4 {
            return Err("the replay buffer's rows do not match its header".into());
        }
        for (dst, src) in self.data.iter_mut().zip(body.chunks_exact(4)) {
            *dst = f32::from_le_bytes(src.try_into().expect("4 bytes"));
        }
        self.head = head;
        self.len = len;
        self.total = h[4];
        Ok(())
    }

    /// Rows held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no row is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Most rows it holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Rows ever pushed.
    pub fn total_pushed(&self) -> u64 {
        self.total
    }

    /// Row `i` in storage order.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// Appends one row, overwriting the oldest when full.
    pub fn push(&mut self, row: &[f32]) {
        if self.capacity == 0 {
            return;
        }
        self.data[self.head * self.dim..(self.head + 1) * self.dim].copy_from_slice(row);
        self.head = (self.head + 1) % self.capacity;
        self.len = (self.len + 1).min(self.capacity);
        self.total += 1;
    }

    /// Stores one iteration's rows: all of them until the buffer has been filled once, then
    /// `replay_samples` of them drawn without replacement.
    pub fn store_iteration(&mut self, rows: &[f32], replay_samples: usize, rng: &mut SeededRng) {
        let n = rows.len() / self.dim;
        if self.total < self.capacity as u64 {
            for r in rows.chunks_exact(self.dim) {
                self.push(r);
            }
        } else {
            for i in index::sample(rng, n, replay_samples.min(n)) {
                self.push(&rows[i * self.dim..(i + 1) * self.dim]);
            }
        }
    }

    /// Appends `n` rows drawn uniformly (with replacement) from the buffer to `out`.
    pub fn sample_into(&self, n: usize, rng: &mut SeededRng, out: &mut Vec<f32>) {
        if self.len == 0 {
            return;
        }
        out.reserve(n * self.dim);
        for _ in 0..n {
            let i = rng.random_range(0..self.len);
            out.extend_from_slice(self.row(i));
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn rows(from: u32, n: u32) -> Vec<f32> {
        (from..from + n)
            .flat_map(|i| [i as f32, -(i as f32)])
            .collect()
    }

    #[test]
    fn the_ring_keeps_the_newest_rows_in_fifo_order() {
        let mut b = ReplayBuffer::new(4, 2);
        for r in rows(0, 6).chunks(2) {
            b.push(r);
        }
        assert_eq!(b.len(), 4);
        assert_eq!(b.total_pushed(), 6);
        let held: Vec<f32> = (0..4).map(|i| b.row(i)[0]).collect();
        // Rows 4 and 5 overwrote 0 and 1, the oldest.
        assert_eq!(held, [4.0, 5.0, 2.0, 3.0]);
    }

    #[test]
    fn iterations_are_stored_whole_until_full_then_subsampled() {
        let mut rng = SeededRng::seed_from_u64(0);
        let mut b = ReplayBuffer::new(10, 2);
        b.store_iteration(&rows(0, 6), 3, &mut rng);
        assert_eq!(b.total_pushed(), 6);
        b.store_iteration(&rows(100, 6), 3, &mut rng); // fills (and wraps) the ring
        assert_eq!(b.total_pushed(), 12);
        b.store_iteration(&rows(200, 6), 3, &mut rng);
        assert_eq!(
            b.total_pushed(),
            15,
            "after the first fill only 3 rows per iteration"
        );
        let newest: Vec<f32> = (0..b.len())
            .map(|i| b.row(i)[0])
            .filter(|x| *x >= 200.0)
            .collect();
        assert_eq!(newest.len(), 3);
        let mut unique = newest.clone();
        unique.sort_by(f32::total_cmp);
        unique.dedup();
        assert_eq!(unique.len(), 3, "drawn without replacement: {newest:?}");
    }

    #[test]
    fn sampling_draws_held_rows_uniformly() {
        let mut rng = SeededRng::seed_from_u64(1);
        let mut b = ReplayBuffer::new(4, 2);
        for r in rows(0, 4).chunks(2) {
            b.push(r);
        }
        let mut out = Vec::new();
        b.sample_into(4000, &mut rng, &mut out);
        let mut counts = [0usize; 4];
        for r in out.chunks(2) {
            assert_eq!(r[1], -r[0], "rows stay whole");
            counts[r[0] as usize] += 1;
        }
        for c in counts {
            assert!((850..1150).contains(&c), "{counts:?}");
        }
    }
}
