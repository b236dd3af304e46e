//! TensorBoard event files, written directly: TFRecord framing around `Event` protobufs holding
//! scalar summaries. The subset is small and stable, so a protobuf dependency is not needed.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Appends scalar events to one `events.out.tfevents.*` file.
pub struct EventWriter {
    out: BufWriter<File>,
}

/// TFRecord's masked CRC-32C (Castagnoli) of a length or payload.
pub fn masked_crc(data: &[u8]) -> u32 {
    let crc = crc32c::crc32c(data);
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn field_bytes(field: u32, data: &[u8], out: &mut Vec<u8>) {
    varint(u64::from(field << 3 | 2), out);
    varint(data.len() as u64, out);
    out.extend_from_slice(data);
}

/// An `Event` message: wall_time (1, double), step (2, int64), then `file_version` (3) or a
/// `summary` (5).
fn event(wall_time: f64, step: i64, body_field: u32, body: &[u8]) -> Vec<u8> {
    let mut e = Vec::with_capacity(body.len() + 24);
    e.push(1 << 3 | 1);
    e.extend_from_slice(&wall_time.to_le_bytes());
    e.push(2 << 3);
    varint(step as u64, &mut e);
    field_bytes(body_field, body, &mut e);
    e
}

impl EventWriter {
    /// Creates `dir/events.out.tfevents.<seconds>.bevy_mimic` and writes the version record.
    pub fn create(dir: &Path) -> std::io::Result<Self> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let path = dir.join(format!("events.out.tfevents.{}.bevy_mimic", now.as_secs()));
        let mut w = Self {
            out: BufWriter::new(File::create(path)?),
        };
        w.record(&event(now.as_secs_f64(), 0, 3, b"brain.Event:2"))?;
        Ok(w)
    }

    fn record(&mut self, data: &[u8]) -> std::io::Result<()> {
        let len = (data.len() as u64).to_le_bytes();
        self.out.write_all(&len)?;
        self.out.write_all(&masked_crc(&len).to_le_bytes())?;
        self.out.write_all(data)?;
        self.out.write_all(&masked_crc(data).to_le_bytes())
    }

    /// Writes one scalar per `(tag, value)` at `step`, and flushes.
    pub fn scalars<'a>(
        &mut self,
        step: i64,
        values: impl IntoIterator<Item = (&'a str, f64)>,
    ) -> std::io::Result<()> {
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        let mut summary = Vec::new();
        for (tag, v) in values {
            // Summary.Value { tag = 1 (string), simple_value = 2 (float) }.
            let mut value = Vec::with_capacity(tag.len() + 8);
            field_bytes(1, tag.as_bytes(), &mut value);
            value.push(2 << 3 | 5);
            value.extend_from_slice(&(v as f32).to_le_bytes());
            field_bytes(1, &value, &mut summary);
        }
        self.record(&event(wall, step, 5, &summary))?;
        self.out.flush()
    }
}
