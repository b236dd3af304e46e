//! The MimicKit `.pkl` converter: a pickled clip already in this frame layout.

use std::path::Path;

use super::{LoopMode, MotionClip, MotionError, err};
use crate::anim::pickle::{Value, unpickle};

/// Reads a MimicKit motion pickle (`loop_mode` 0/1, `fps`, `frames` as lists of
/// `6 + DoF` numbers); its frames are already in this layout.
pub fn from_mimickit_pkl(bytes: &[u8], file: &Path) -> Result<MotionClip, MotionError> {
    let v = unpickle(bytes).map_err(|e| err(file, None, e))?;
    let loop_mode = match v.get("loop_mode").and_then(Value::as_f64) {
        Some(0.0) => LoopMode::Clamp,
        Some(1.0) => LoopMode::Wrap,
        _ => {
            return Err(err(
                file,
                Some("loop_mode"),
                "must be 0 (CLAMP) or 1 (WRAP)",
            ));
        }
    };
    let fps = v
        .get("fps")
        .and_then(Value::as_f64)
        .ok_or_else(|| err(file, Some("fps"), "is missing or not a number"))? as f32;
    let Some(Value::List(rows)) = v.get("frames") else {
        return Err(err(
            file,
            Some("frames"),
            "is missing or not a list of frames",
        ));
    };
    let frame_dim = match rows.first() {
        Some(Value::List(r)) => r.len(),
        _ => return Err(err(file, Some("frames"), "is empty or not a list of lists")),
    };
    let mut frames = Vec::with_capacity(rows.len() * frame_dim);
    for (i, row) in rows.iter().enumerate() {
        let field = || format!("frames[{i}]");
        let Value::List(values) = row else {
            return Err(err(file, Some(&field()), "is not a list"));
        };
        if values.len() != frame_dim {
            return Err(err(
                file,
                Some(&field()),
                format!("has {} values, frame 0 has {frame_dim}", values.len()),
            ));
        }
        for x in values {
            frames.push(
                x.as_f64().ok_or_else(|| {
                    err(file, Some(&field()), "holds a value that is not a number")
                })? as f32,
            );
        }
    }
    let clip = MotionClip {
        fps,
        loop_mode,
        frame_dim,
        frames,
    };
    clip.validate(file)?;
    Ok(clip)
}
