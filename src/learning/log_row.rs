//! An ordered set of named scalars: one row of the training log.

/// Named values in insertion order; setting a name again replaces its value in place.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LogRow {
    entries: Vec<(String, f64)>,
}

impl LogRow {
    /// An empty row.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value`, keeping the key's first position.
    pub fn set(&mut self, key: &str, value: f64) {
        match self.entries.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => self.entries.push((key.to_string(), value)),
        }
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// Appends every entry of `other` (replacing keys already present).
    pub fn extend(&mut self, other: &LogRow) {
        for (k, v) in &other.entries {
            self.set(k, *v);
        }
    }

    /// Entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the row is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Running means of named values over the minibatches of one update.
#[derive(Clone, Debug, Default)]
pub struct MeanAccumulator {
    sums: Vec<(&'static str, f64, u32)>,
}

impl MeanAccumulator {
    /// Adds one observation of `key`.
    pub fn add(&mut self, key: &'static str, value: f64) {
        match self.sums.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, s, n)) => {
                *s += value;
                *n += 1;
            }
            None => self.sums.push((key, value, 1)),
        }
    }

    /// Writes each key's mean into `row`.
    pub fn write_means(&self, row: &mut LogRow) {
        for (k, s, n) in &self.sums {
            row.set(k, s / f64::from(*n));
        }
    }
}
