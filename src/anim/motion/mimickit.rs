//! The MimicKit `.pkl` converter: a pickled clip already in this frame layout.

use std::path::Path;

use super::{LoopMode, MotionClip, MotionError, err};
use crate::anim::pickle::{Value, unpickle};

/// Reads a MimicKit motion pickle (`loop_mode` 0/1, `fps`, `frames` as lists of `6 + DoF`
/// numbers, as lists of 1-D numpy arrays or as one 2-D numpy array); its frames are already in
/// this layout.
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
    let (frame_dim, frames) = match v.get("frames") {
        Some(Value::Array { shape, data }) => {
            if shape.len() != 2 || shape[0] == 0 {
                return Err(err(
                    file,
                    Some("frames"),
                    format!("is an array of shape {shape:?}, not [frames, 6 + DoFs]"),
                ));
            }
            (shape[1], data.iter().map(|x| *x as f32).collect())
        }
        Some(Value::List(rows)) => frames_of_rows(rows, file)?,
        _ => {
            return Err(err(
                file,
                Some("frames"),
                "is missing or not a list of frames or a 2-D array",
            ));
        }
    };
    let clip = MotionClip {
        fps,
        loop_mode,
        frame_dim,
        frames,
    };
    clip.validate(file)?;
    Ok(clip)
}

/// Frames given row by row: lists of numbers or 1-D arrays, all of one length.
fn frames_of_rows(rows: &[Value], file: &Path) -> Result<(usize, Vec<f32>), MotionError> {
    let row_values = |row: &Value| -> Option<Vec<f64>> {
        match row {
            Value::List(values) => values.iter().map(Value::as_f64).collect(),
            Value::Array { shape, data } if shape.len() == 1 => Some(data.clone()),
            _ => None,
        }
    };
    let mut frame_dim = None;
    let mut frames = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let field = || format!("frames[{i}]");
        let values = row_values(row).ok_or_else(|| {
            err(
                file,
                Some(&field()),
                "is not a list of numbers or a 1-D array",
            )
        })?;
        let dim = *frame_dim.get_or_insert(values.len());
        if values.len() != dim {
            return Err(err(
                file,
                Some(&field()),
                format!("has {} values, frame 0 has {dim}", values.len()),
            ));
        }
        frames.extend(values.into_iter().map(|x| x as f32));
    }
    match frame_dim {
        Some(dim) => Ok((dim, frames)),
        None => Err(err(file, Some("frames"), "is empty")),
    }
}
