//! Where characters, clips, configs and policies are read from: the file system, or bytes an
//! app embedded at build time. The web demo has no file system, so it embeds its policy,
//! character and clips under the same relative paths the configs name.

use std::collections::HashMap;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::{OnceLock, RwLock};

fn embedded() -> &'static RwLock<HashMap<PathBuf, &'static [u8]>> {
    static FILES: OnceLock<RwLock<HashMap<PathBuf, &'static [u8]>>> = OnceLock::new();
    FILES.get_or_init(Default::default)
}

/// `path` without `.` components (`./a/b` and `a/b` name the same embedded file).
fn key(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// Makes `bytes` readable as `path` (relative paths as the configs write them); embedded
/// files are found before the file system.
pub fn embed(path: impl AsRef<Path>, bytes: &'static [u8]) {
    embedded()
        .write()
        .expect("not poisoned")
        .insert(key(path.as_ref()), bytes);
}

/// The bytes of `path`: embedded, else from the file system.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    if let Some(bytes) = embedded().read().expect("not poisoned").get(&key(path)) {
        return Ok(bytes.to_vec());
    }
    std::fs::read(path)
}

/// The text of `path` (UTF-8): embedded, else from the file system.
pub fn read_to_string(path: &Path) -> io::Result<String> {
    let bytes = read(path)?;
    String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Whether `path` is an embedded file or exists on the file system.
pub fn exists(path: &Path) -> bool {
    embedded()
        .read()
        .expect("not poisoned")
        .contains_key(&key(path))
        || path.exists()
}

/// Where a path a config names (`char_file`, `motion_file`) is: as given (embedded, absolute,
/// or from the working directory), else from the config file's folder or the nearest folder
/// above it that has it, so a project's configs and policies load from any working directory.
/// `Err` lists where it looked.
pub fn resolve_from(config_file: &Path, path: &Path) -> Result<PathBuf, String> {
    if exists(path) || path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    let start = config_file.parent().unwrap_or(Path::new(""));
    let mut looked = vec![format!("{} (from the working directory)", path.display())];
    for dir in start.ancestors().filter(|d| !d.as_os_str().is_empty()) {
        let candidate = dir.join(path);
        if exists(&candidate) {
            return Ok(candidate);
        }
        looked.push(candidate.display().to_string());
    }
    Err(format!(
        "`{}` not found; looked at {}",
        path.display(),
        looked.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_files_are_found_before_the_disk_under_either_spelling() {
        embed("./virtual/dir/a.yaml", b"x: 1");
        assert_eq!(read(Path::new("virtual/dir/a.yaml")).unwrap(), b"x: 1");
        assert_eq!(
            read_to_string(Path::new("./virtual/dir/a.yaml")).unwrap(),
            "x: 1"
        );
        assert!(exists(Path::new("virtual/dir/a.yaml")));
        assert!(!exists(Path::new("virtual/dir/b.yaml")));
        assert!(read(Path::new("virtual/dir/b.yaml")).is_err());
    }
}
