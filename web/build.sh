#!/usr/bin/env bash
# Builds the web demo into web/dist/ from a clean checkout:
#   1. the wasm32 build of `web_demo` (play mode only: `--no-default-features --features web`)
#      with the size-optimised `web` profile (LTO, opt-level s, abort on panic);
#   2. wasm-bindgen, of the same version as the `wasm-bindgen` crate in Cargo.lock (installed
#      into ~/.cache/bevy_mimic/tools on first use; `cargo install --locked` fails here);
#   3. wasm-opt -Os, stripping names and debug sections, if a package provides it (Debian's
#      binaryen);
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
"$tools/bin/wasm-bindgen" --target web --no-typescript --out-dir "$out" \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/web/web_demo.wasm"
wasm="$out/web_demo_bg.wasm"
if command -v wasm-opt > /dev/null; then
  # The features rustc 1.95 emits for wasm32 by default.
  if wasm-opt -Os --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue \
      "$wasm" -o "$wasm.opt"; then
    mv "$wasm.opt" "$wasm"
  else
    echo "web: wasm-opt failed; keeping wasm-bindgen's output"
    rm -f "$wasm.opt"
  fi
else
  echo "web: no wasm-opt (Debian package binaryen); skipping it"
fi
cp web/index.html "$out/"

total=$(cat "$out"/* | wc -c)
gz=$(cat "$out"/* | gzip -9 | wc -c)
wasm_size=$(wc -c < "$wasm")
wasm_gz=$(gzip -9 -c "$wasm" | wc -c)
echo "web: bundle $total bytes ($gz gzip -9); wasm $wasm_size bytes ($wasm_gz gzip -9)"
