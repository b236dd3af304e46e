//! With the `mujoco` feature: compiles the engine's C accessors (csrc/mujoco_shim.c) against
//! the MuJoCo that scripts/fetch_mujoco.sh put in third_party/mujoco (or `$MUJOCO_DIR`), links
//! libmujoco, and gives the binaries, tests and examples a run path to it. The library is
//! copied into the build's own directory and linked from there: a target directory shared by
//! several checkouts (CI's cache) then never links against another checkout's path.

fn main() {
    println!("cargo::rerun-if-env-changed=MUJOCO_DIR");
    println!("cargo::rerun-if-changed=csrc/mujoco_shim.c");
    #[cfg(feature = "mujoco")]
    mujoco();
}

#[cfg(feature = "mujoco")]
fn mujoco() {
    use std::path::PathBuf;
    // The manifest directory as cargo gives it when the script runs, not as it was when the
    // script was compiled: a target directory shared by checkouts at other paths reuses the
    // compiled script.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = std::env::var_os("MUJOCO_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(manifest).join("third_party/mujoco"));
    let (include, lib) = (dir.join("include"), dir.join("lib"));
    if !include.join("mujoco/mujoco.h").exists() || !lib.join("libmujoco.so").exists() {
        panic!(
            "the mujoco feature needs MuJoCo in {} (include/mujoco/mujoco.h, lib/libmujoco.so): run scripts/fetch_mujoco.sh",
            dir.display()
        );
    }
    cc::Build::new()
        .file("csrc/mujoco_shim.c")
        .include(&include)
        .warnings(true)
        .compile("mujoco_shim");
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("mujoco_lib");
    copy_libs(&lib, &out);
    println!(
        "cargo::rerun-if-changed={}",
        lib.join("libmujoco.so").display()
    );
    println!("cargo::rustc-link-search=native={}", out.display());
    println!("cargo::rustc-link-lib=dylib=mujoco");
    println!("cargo::rustc-link-arg=-Wl,-rpath,{}", out.display());
}

/// Copies the files of `from` into `to`, symbolic links as links (libmujoco.so → its SONAME).
#[cfg(feature = "mujoco")]
fn copy_libs(from: &std::path::Path, to: &std::path::Path) {
    let result = (|| -> std::io::Result<()> {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            let (src, dst) = (entry.path(), to.join(entry.file_name()));
            let _ = std::fs::remove_file(&dst);
            match std::fs::read_link(&src) {
                Ok(target) => std::os::unix::fs::symlink(&target, &dst)?,
                Err(_) => {
                    std::fs::copy(&src, &dst)?;
                }
            }
        }
        Ok(())
    })();
    if let Err(e) = result {
        panic!(
            "copying MuJoCo's library from {} to {}: {e}",
            from.display(),
            to.display()
        );
    }
}
