//! The `.bmotion` format: magic, version, loop mode, fps, frame count and size, little-endian
//! f32 frames, and a CRC-32C of all that.

use std::path::Path;

use super::{LoopMode, MotionClip, MotionError, err};

const BMOTION_MAGIC: &[u8; 8] = b"BMMOTION";
const BMOTION_VERSION: u32 = 1;

impl MotionClip {
    /// The clip in the `.bmotion` format: magic, version, loop mode, fps, frame count and size,
    /// little-endian f32 frames, and a CRC-32C of all that.
    pub fn to_bmotion(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 + self.frames.len() * 4);
        out.extend_from_slice(BMOTION_MAGIC);
        out.extend_from_slice(&BMOTION_VERSION.to_le_bytes());
        out.push(match self.loop_mode {
            LoopMode::Clamp => 0,
            LoopMode::Wrap => 1,
        });
        out.extend_from_slice(&[0; 3]);
        out.extend_from_slice(&self.fps.to_le_bytes());
        out.extend_from_slice(&(self.num_frames() as u32).to_le_bytes());
        out.extend_from_slice(&(self.frame_dim as u32).to_le_bytes());
        for v in &self.frames {
            out.extend_from_slice(&v.to_le_bytes());
        }
        let crc = crc32c::crc32c(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Reads a `.bmotion` file's bytes (`file` names it in errors).
    pub fn from_bmotion(bytes: &[u8], file: &Path) -> Result<Self, MotionError> {
        let header = 8 + 4 + 4 + 4 + 4 + 4;
        if bytes.len() < header + 4 || &bytes[..8] != BMOTION_MAGIC {
            return Err(err(file, None, "not a .bmotion file"));
        }
        let (body, crc) = bytes.split_at(bytes.len() - 4);
        if crc32c::crc32c(body) != u32::from_le_bytes(crc.try_into().unwrap()) {
            return Err(err(file, None, "corrupt or truncated: checksum mismatch"));
        }
        let u32_at = |i: usize| u32::from_le_bytes(body[i..i + 4].try_into().unwrap());
        if u32_at(8) != BMOTION_VERSION {
            return Err(err(
                file,
                Some("version"),
                format!("{} is not the supported {BMOTION_VERSION}", u32_at(8)),
            ));
        }
        let loop_mode = match body[12] {
            0 => LoopMode::Clamp,
            1 => LoopMode::Wrap,
            v => return Err(err(file, Some("loop_mode"), format!("{v} is not 0 or 1"))),
        };
        let fps = f32::from_le_bytes(body[16..20].try_into().unwrap());
        let (n, dim) = (u32_at(20) as usize, u32_at(24) as usize);
        let data = &body[header..];
        if dim < 6 || data.len() != n * dim * 4 {
            return Err(err(
                file,
                Some("frames"),
                format!("{} bytes for {n} frames of {dim} values", data.len()),
            ));
        }
        let clip = Self {
            fps,
            loop_mode,
            frame_dim: dim,
            frames: data
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                .collect(),
        };
        clip.validate(file)?;
        Ok(clip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bmotion_round_trips_and_refuses_damage() {
        let clip = MotionClip {
            fps: 30.0,
            loop_mode: LoopMode::Wrap,
            frame_dim: 7,
            frames: (0..21).map(|v| v as f32 * 0.5).collect(),
        };
        let bytes = clip.to_bmotion();
        let path = Path::new("walk.bmotion");
        assert_eq!(MotionClip::from_bmotion(&bytes, path).unwrap(), clip);
        assert_eq!(clip.num_frames(), 3);
        assert!((clip.length() - 2.0 / 30.0).abs() < 1e-7);
        let e = MotionClip::from_bmotion(&bytes[..bytes.len() - 9], path).unwrap_err();
        assert!(
            e.to_string().contains("walk.bmotion") && e.to_string().contains("checksum"),
            "{e}"
        );
        assert!(MotionClip::from_bmotion(b"hello", path).is_err());
    }
}
