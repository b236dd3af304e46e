#!/usr/bin/env bash
# Builds the web demo into web/dist/ from a clean checkout:
#   1. the wasm32 build of `web_demo` (play mode only: `--no-default-features --features web`)
#      with the size-optimised `web` profile (LTO, opt-level s, abort on panic);
#   2. wasm-bindgen, of the same version as the `wasm-bindgen` crate in Cargo.lock (installed
#      into ~/.cache/bevy_mimic/tools on first use; `cargo install --locked` fails here);
#   3. wasm-opt at $BEVY_MIMIC_WASM_OPT (default -O1: 78 s for 1.8 MB on 2 cores, where -Os
#      takes 495 s for 0.5 MB more), stripping debug sections: npm's binaryen (web/package.json, in
#      web/node_modules after `npm ci` in web/), else one on PATH if new enough (Debian 12's
#      binaryen 108 breaks wasm-bindgen's reference table; it is skipped);
#   4. index.html beside them. Prints the bundle's size, uncompressed and gzip -9.
# The policy, the character and its clips are compiled into the wasm (see src/bin/web_demo.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/bevy_mimic/target}"
tools="${BEVY_MIMIC_TOOLS:-$HOME/.cache/bevy_mimic/tools}"
out=web/dist

version=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! "$tools/bin/wasm-bindgen" --version 2>/dev/null | grep -qx "wasm-bindgen $version"; then
  echo "web: installing wasm-bindgen-cli $version into $tools"
  cargo install wasm-bindgen-cli --version "$version" --root "$tools"
fi
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

start=$(date +%s)
cargo build --profile web --target wasm32-unknown-unknown \
  --no-default-features --features web --bin web_demo
echo "web: cargo build took $(( $(date +%s) - start )) s"

rm -rf "$out"
mkdir -p "$out"
"$tools/bin/wasm-bindgen" --target web --no-typescript --remove-name-section \
  --remove-producers-section --out-dir "$out" \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/web/web_demo.wasm"
wasm="$out/web_demo_bg.wasm"
# Debian 12's binaryen (108) rewrites the table wasm-bindgen fills with JS references so that
# the page fails at start ("WebAssembly.Table.set(): Argument 1 is invalid for table"); only
# newer releases are used.
wasm_opt=wasm-opt
if [ -x web/node_modules/.bin/wasm-opt ]; then
  wasm_opt=web/node_modules/.bin/wasm-opt
fi
opt_version=$( ("$wasm_opt" --version 2>/dev/null || true) | grep -o 'version [0-9]*' | grep -o '[0-9]*' || true)
if [ -n "$opt_version" ] && [ "$opt_version" -ge 118 ]; then
  opt_start=$(date +%s)
  # The features rustc 1.95 emits for wasm32 by default.
  "$wasm_opt" "${BEVY_MIMIC_WASM_OPT:--O1}" --strip-debug --strip-producers --enable-bulk-memory \
    --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types --enable-multivalue "$wasm" -o "$wasm.opt"
  mv "$wasm.opt" "$wasm"
  echo "web: wasm-opt $opt_version took $(( $(date +%s) - opt_start )) s"
else
  echo "web: skipping wasm-opt (${opt_version:-not installed}; version 118 or newer is needed)"
fi
cp web/index.html "$out/"

total=$(cat "$out"/* | wc -c)
gz=$(cat "$out"/* | gzip -9 | wc -c)
wasm_size=$(wc -c < "$wasm")
wasm_gz=$(gzip -9 -c "$wasm" | wc -c)
echo "web: bundle $total bytes ($gz gzip -9); wasm $wasm_size bytes ($wasm_gz gzip -9)"
