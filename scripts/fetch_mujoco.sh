#!/usr/bin/env bash
# Puts the MuJoCo library that the `mujoco` feature links against into third_party/mujoco:
# lib/libmujoco.so.4.0.1 and include/mujoco/*.h from PyPI's `mujoco-core==4.0.1` wheel (the
# native half of `mujoco` 4.0.1, the version the Python benchmark anchors run), plus the
# unversioned libmujoco.so link the linker looks for. build.rs compiles against the headers and
# adds the library to the binaries' run path. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
version=4.0.1
dir=third_party/mujoco
if [ -f "$dir/lib/libmujoco.so.$version" ] && [ -L "$dir/lib/libmujoco.so" ] && [ -f "$dir/include/mujoco/mujoco.h" ]; then
  exit 0
fi
dl=$(mktemp -d)
trap 'rm -rf "$dl"' EXIT
# The tags pin one manylinux wheel whatever this machine's Python is; no dependencies needed.
python3 -m pip download -q --disable-pip-version-check "mujoco-core==$version" --no-deps \
  --only-binary=:all: --python-version 3.11 --implementation cp \
  --platform manylinux_2_28_x86_64 -d "$dl"
rm -rf "$dir"
mkdir -p "$dir/lib" "$dir/include/mujoco"
python3 - "$dl" "$dir" "$version" <<'PY'
import glob, os, shutil, sys, zipfile
dl, out, version = sys.argv[1:]
wheel = zipfile.ZipFile(glob.glob(os.path.join(dl, f"mujoco_core-{version}-*.whl"))[0])
for name in wheel.namelist():
    if name == f"mujoco/libmujoco.so.{version}":
        target = os.path.join(out, "lib", os.path.basename(name))
    elif name.startswith("mujoco/include/mujoco/") and name.endswith(".h"):
        target = os.path.join(out, "include", "mujoco", os.path.basename(name))
    else:
        continue
    with wheel.open(name) as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
ln -sf "libmujoco.so.$version" "$dir/lib/libmujoco.so"
echo "fetched MuJoCo $version into $dir"
