//! The `.bmotion` format: magic, version, loop mode, fps, frame count and size, little-endian
//! f32 frames, then (version 2) the character the clip was made for as a length-prefixed JSON
//! fingerprint (length 0: none recorded), and a CRC-32C of all that. Version 1 files end after
//! the frames.

use std::path::Path;

use super::{LoopMode, MotionClip, MotionError, err};
use crate::anim::fingerprint::CharacterFingerprint;

const BMOTION_MAGIC: &[u8; 8] = b"BMMOTION";
const BMOTION_VERSION: u32 = 2;

impl MotionClip {
    /// The clip in the `.bmotion` format, recording no character.
    pub fn to_bmotion(&self) -> Vec<u8> {
        self.to_bmotion_for(None)
    }

    /// The clip in the `.bmotion` format, recording `character` as the one it was made for.
    pub fn to_bmotion_for(&self, character: Option<&CharacterFingerprint>) -> Vec<u8> {
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
        let print = character
            .map(|c| serde_json::to_vec(c).expect("a fingerprint serialises"))
            .unwrap_or_default();
        out.extend_from_slice(&(print.len() as u32).to_le_bytes());
        out.extend_from_slice(&print);
        let crc = crc32c::crc32c(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Reads a `.bmotion` file's bytes (`file` names it in errors).
    pub fn from_bmotion(bytes: &[u8], file: &Path) -> Result<Self, MotionError> {
        Ok(Self::read_bmotion(bytes, file)?.0)
    }

    /// Reads a `.bmotion` file's bytes, with the character it records (none in version 1
    /// files, or when none was recorded).
    pub fn read_bmotion(
        bytes: &[u8],
        file: &Path,
    ) -> Result<(Self, Option<CharacterFingerprint>), MotionError> {
        let header = 8 + 4 + 4 + 4 + 4 + 4;
        if bytes.len() < header + 4 || &bytes[..8] != BMOTION_MAGIC {
            return Err(err(file, None, "not a .bmotion file"));
        }
        let (body, crc) = bytes.split_at(bytes.len() - 4);
        if crc32c::crc32c(body) != u32::from_le_bytes(crc.try_into().unwrap()) {
            return Err(err(file, None, "corrupt or truncated: checksum mismatch"));
        }
        let u32_at = |i: usize| u32::from_le_bytes(body[i..i + 4].try_into().unwrap());
        let version = u32_at(8);
        if !(1..=BMOTION_VERSION).contains(&version) {
            return Err(err(
                file,
                Some("version"),
                format!("{version} is not one of the supported 1..={BMOTION_VERSION}"),
            ));
        }
        let loop_mode = match body[12] {
            0 => LoopMode::Clamp,
            1 => LoopMode::Wrap,
            v => return Err(err(file, Some("loop_mode"), format!("{v} is not 0 or 1"))),
        };
        let fps = f32::from_le_bytes(body[16..20].try_into().unwrap());
        let (n, dim) = (u32_at(20) as usize, u32_at(24) as usize);
        let mut data = &body[header..];
        let mut character = None;
        if version >= 2 && dim >= 6 && data.len() >= n * dim * 4 + 4 {
            let (frames, rest) = data.split_at(n * dim * 4);
            let len = u32::from_le_bytes(rest[..4].try_into().unwrap()) as usize;
            if rest.len() != 4 + len {
                return Err(err(file, Some("character"), "has the wrong length"));
            }
            if len > 0 {
                character = Some(
                    serde_json::from_slice(&rest[4..])
                        .map_err(|e| err(file, Some("character"), format!("unreadable: {e}")))?,
                );
            }
            data = frames;
        }
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
        Ok((clip, character))
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
