//! With the `mujoco` feature: compiles the engine's C accessors (csrc/mujoco_shim.c) against
//! the MuJoCo that scripts/fetch_mujoco.sh put in third_party/mujoco (or `$MUJOCO_DIR`), links
//! libmujoco, and gives the binaries, tests and examples a run path to it.

fn main() {
    println!("cargo::rerun-if-env-changed=MUJOCO_DIR");
    println!("cargo::rerun-if-changed=csrc/mujoco_shim.c");
    #[cfg(feature = "mujoco")]
    mujoco();
}

#[cfg(feature = "mujoco")]
fn mujoco() {
    use std::path::PathBuf;
    let dir = std::env::var_os("MUJOCO_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("third_party/mujoco"));
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
    println!("cargo::rustc-link-search=native={}", lib.display());
    println!("cargo::rustc-link-lib=dylib=mujoco");
    println!("cargo::rustc-link-arg=-Wl,-rpath,{}", lib.display());
}
