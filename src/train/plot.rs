//! `bevy_mimic plot`: learning curves from `log.csv` as a PNG, one panel per logged value.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::register_font;

/// Why a plot could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// Reading the log or writing the image failed.
    #[error("{0}")]
    Io(String),
    /// The log is not what `train` writes.
    #[error("{file}: {message}")]
    BadLog {
        /// The log file.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// The columns of a CSV log: header names and their values (NaN where empty).
pub struct LogTable {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows of values.
    pub rows: Vec<Vec<f64>>,
}

impl LogTable {
    /// Reads a `log.csv` written by `train`.
    pub fn read(file: &Path) -> Result<Self, PlotError> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| PlotError::Io(format!("{}: {e}", file.display())))?;
        let bad = |message: String| PlotError::BadLog {
            file: file.display().to_string(),
            message,
        };
        let mut lines = text.lines();
        let columns: Vec<String> = lines
            .next()
            .ok_or_else(|| bad("empty log".into()))?
            .split(',')
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for (i, line) in lines.enumerate() {
            let values: Vec<f64> = line
                .split(',')
                .map(|v| {
                    if v.is_empty() {
                        Ok(f64::NAN)
                    } else {
                        v.parse::<f64>()
                    }
                })
                .collect::<Result<_, _>>()
                .map_err(|e| bad(format!("line {}: {e}", i + 2)))?;
            if values.len() != columns.len() {
                return Err(bad(format!(
                    "line {} has {} values for {} columns",
                    i + 2,
                    values.len(),
                    columns.len()
                )));
            }
            rows.push(values);
        }
        Ok(Self { columns, rows })
    }

    /// The values of column `name`.
    pub fn column(&self, name: &str) -> Option<Vec<f64>> {
        let i = self.columns.iter().position(|c| c == name)?;
        Some(self.rows.iter().map(|r| r[i]).collect())
    }
}

fn ensure_font() {
    // plotters draws text with ab_glyph from a registered font; egui's default font is a
    // well-kept, permissively licensed one already in the dependency tree of the viewer.
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = register_font(
            "sans-serif",
            FontStyle::Normal,
            epaint_default_fonts::UBUNTU_LIGHT,
        );
    });
}

/// Plots `keys` (every numeric column but the counters when empty) against `Samples` into `png`.
pub fn plot_log(log: &Path, png: &Path, keys: &[String]) -> Result<(), PlotError> {
    ensure_font();
    let table = LogTable::read(log)?;
    let x = table.column("Samples").ok_or_else(|| PlotError::BadLog {
        file: log.display().to_string(),
        message: "no Samples column".into(),
    })?;
    let keys: Vec<String> = if keys.is_empty() {
        let skip = ["Iteration", "Samples", "Wall_Time"];
        table
            .columns
            .iter()
            .filter(|c| !skip.contains(&c.as_str()))
            .cloned()
            .collect()
    } else {
        for k in keys {
            if table.column(k).is_none() {
                return Err(PlotError::BadLog {
                    file: log.display().to_string(),
                    message: format!("no column `{k}`; columns are {}", table.columns.join(", ")),
                });
            }
        }
        keys.to_vec()
    };
    let cols = 3.min(keys.len()).max(1);
    let rows = keys.len().div_ceil(cols).max(1);
    let (w, h) = (420 * cols as u32, 300 * rows as u32);
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
        let err = |e: DrawingAreaErrorKind<_>| PlotError::Io(format!("drawing: {e:?}"));
        root.fill(&WHITE).map_err(err)?;
        let panels = root.split_evenly((rows, cols));
        for (key, panel) in keys.iter().zip(panels.iter()) {
            let y = table.column(key).expect("checked above");
            let points: Vec<(f64, f64)> = x
                .iter()
                .zip(&y)
                .filter(|(a, b)| a.is_finite() && b.is_finite())
                .map(|(a, b)| (*a, *b))
                .collect();
            let (x0, x1) = bounds(points.iter().map(|p| p.0));
            let (y0, y1) = bounds(points.iter().map(|p| p.1));
            let mut chart = ChartBuilder::on(panel)
                .caption(key, ("sans-serif", 18))
                .margin(8)
                .x_label_area_size(28)
                .y_label_area_size(56)
                .build_cartesian_2d(x0..x1, y0..y1)
                .map_err(err)?;
            chart
                .configure_mesh()
                .x_labels(4)
                .y_labels(5)
                .x_label_formatter(&|v| format!("{v:.2e}"))
                .label_style(("sans-serif", 12))
                .draw()
                .map_err(err)?;
            chart
                .draw_series(LineSeries::new(points, &BLUE))
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    write_png(png, w, h, &pixels)
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(1e-6 * lo.abs().max(1.0));
    (lo - pad, hi + pad)
}

fn write_png(path: &Path, w: u32, h: u32, rgb: &[u8]) -> Result<(), PlotError> {
    let io = |e: &dyn std::fmt::Display| PlotError::Io(format!("{}: {e}", path.display()));
    let file = std::fs::File::create(path).map_err(|e| io(&e))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(|e| io(&e))?;
    writer.write_image_data(rgb).map_err(|e| io(&e))?;
    writer.finish().map_err(|e| io(&e))
}
