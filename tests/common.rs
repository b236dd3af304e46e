//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use bevy_mimic::learning::device::Backend;
use bevy_mimic::train::{TrainOptions, Trainer};

/// The repository's shipped config `assets/configs/<rel>`.
pub fn config_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/configs")
        .join(rel)
}

/// Reads a shipped config, applying `edits` as `(key, value)` line replacements.
pub fn config_text(rel: &str, edits: &[(&str, &str)]) -> String {
    let text = std::fs::read_to_string(config_path(rel)).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for (key, value) in edits {
        let prefix = format!("{key}:");
        match lines.iter_mut().find(|l| l.starts_with(&prefix)) {
            Some(line) => *line = format!("{key}: {value}"),
            None => lines.push(format!("{key}: {value}")),
        }
    }
    lines.join("\n") + "\n"
}

/// Options for a quiet, seeded run.
pub fn options(out_dir: &Path, num_envs: usize, max_samples: u64, seed: u64) -> TrainOptions {
    TrainOptions {
        num_envs,
        max_samples,
        out_dir: out_dir.to_path_buf(),
        seed,
        save_int_models: false,
        print_table: false,
        progress: false,
    }
}

/// A trainer for shipped configs (optionally edited).
pub fn trainer(
    agent: &str,
    agent_edits: &[(&str, &str)],
    env: &str,
    options: TrainOptions,
) -> Trainer {
    Trainer::new(
        &config_path(agent),
        config_text(agent, agent_edits),
        &config_path(env),
        config_text(env, &[]),
        options,
        Backend::Flex.device(),
    )
    .unwrap()
}

/// A fresh directory under the system temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty directory whose name starts with `label`.
    pub fn new(label: &str) -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "bevy_mimic-test-{label}-{}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
