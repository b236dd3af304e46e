//! The training log: a MimicKit-style table per iteration, a CSV file, and TensorBoard events.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::tensorboard::EventWriter;
use crate::learning::log_row::LogRow;

/// Writes each iteration's [`LogRow`] to `log.csv` and TensorBoard in the output directory.
pub struct TrainLogger {
    csv_path: PathBuf,
    csv: BufWriter<File>,
    columns: Vec<String>,
    tb: EventWriter,
}

impl TrainLogger {
    /// Opens the logs in `out_dir`; with `append` an existing `log.csv` is continued (its columns
    /// are kept), otherwise it is started afresh.
    pub fn open(out_dir: &Path, append: bool) -> std::io::Result<Self> {
        std::fs::create_dir_all(out_dir)?;
        let csv_path = out_dir.join("log.csv");
        let mut columns = Vec::new();
        if append
            && let Ok(text) = std::fs::read_to_string(&csv_path)
            && let Some(header) = text.lines().next()
        {
            columns = header.split(',').map(str::to_string).collect();
        }
        let file = if append {
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(&csv_path)?
        } else {
            File::create(&csv_path)?
        };
        Ok(Self {
            csv_path,
            csv: BufWriter::new(file),
            columns,
            tb: EventWriter::create(out_dir)?,
        })
    }

    /// Path of the CSV log.
    pub fn csv_path(&self) -> &Path {
        &self.csv_path
    }

    /// Appends one row. The first row fixes the CSV columns; later keys not among them still go
    /// to TensorBoard.
    pub fn write(&mut self, row: &LogRow) -> std::io::Result<()> {
        if self.columns.is_empty() {
            self.columns = row.iter().map(|(k, _)| k.to_string()).collect();
            writeln!(self.csv, "{}", self.columns.join(","))?;
        }
        let line: Vec<String> = self
            .columns
            .iter()
            .map(|k| row.get(k).map(|v| format!("{v}")).unwrap_or_default())
            .collect();
        writeln!(self.csv, "{}", line.join(","))?;
        self.csv.flush()?;
        let step = row.get("Samples").unwrap_or(0.0) as i64;
        self.tb.scalars(step, row.iter())
    }
}

/// The row as MimicKit prints it: a two-column table.
pub fn format_table(row: &LogRow) -> String {
    let rule = format!("{}\n", "-".repeat(53));
    let mut out = rule.clone();
    for (k, v) in row.iter() {
        let value = if v.fract() == 0.0 && v.abs() < 1e15 {
            format!("{v:.0}")
        } else if v.abs() >= 1e-3 && v.abs() < 1e6 {
            format!("{v:.5}")
        } else {
            format!("{v:.4e}")
        };
        out.push_str(&format!("| {k:>25} | {value:<21} |\n"));
    }
    out.push_str(&rule);
    out
}
