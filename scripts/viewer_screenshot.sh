#!/usr/bin/env bash
# Starts the viewer under a virtual X display (software rendering: Mesa's llvmpipe through
# Vulkan), lets it train live until a number of iterations have finished, saves a screenshot
# and quits; the viewer prints its frame rate and training throughput on exit.
#
#   scripts/viewer_screenshot.sh [screenshot.png] [iterations] [num_envs] [extra viewer flags...]
#
# Needs the Debian packages xvfb and xauth (and mesa-vulkan-drivers).
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-docs/viewer.png}"
iters="${2:-3}"
envs="${3:-16}"
shift $(( $# < 3 ? $# : 3 ))

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/bevy_mimic/target}"
cargo build --release --quiet
run_dir="$(mktemp -d)"
trap 'rm -rf "$run_dir"' EXIT
# Mesa's software renderer (llvmpipe) is the only adapter without a GPU.
xvfb-run -a -s "-screen 0 1280x720x24" \
  "$CARGO_TARGET_DIR/release/bevy_mimic" view \
  --num_envs "$envs" --out_dir "$run_dir" --ghost \
  --screenshot "$out" --screenshot_after_iters "$iters" "$@"
echo "screenshot: $out"
