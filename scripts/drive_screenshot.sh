#!/usr/bin/env bash
# Plays examples/drive_character.rs under a virtual X display (Mesa's llvmpipe), drives the
# character with the keyboard as a player would (xdotool: W to walk ahead, then Shift+W to run,
# then A to turn left), and saves a screenshot of the window.
#
#   scripts/drive_screenshot.sh [screenshot.png] [policy dir]
#
# Needs the Debian packages xvfb, xdotool, x11-apps (xwd), netpbm (xwdtopnm, pnmtopng) and
# mesa-vulkan-drivers.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-docs/drive_character.png}"
policy="${2:-assets/policies/steering}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/bevy_mimic/target}"
cargo build --release --quiet --example drive_character

display=:97
Xvfb "$display" -screen 0 1280x720x24 -nolisten tcp &
xvfb=$!
trap 'kill "$game" "$xvfb" 2> /dev/null || true' EXIT
sleep 2
export DISPLAY="$display"
"$CARGO_TARGET_DIR/release/examples/drive_character" "$policy" &
game=$!
# Wait for the window, then give the game time to build its world on a software renderer.
for _ in $(seq 60); do
  xdotool search --name . > /dev/null 2>&1 && break
  sleep 1
done
sleep 15
window=$(xdotool search --name . | tail -1)
xdotool windowactivate --sync "$window" 2> /dev/null || xdotool windowfocus "$window"
hold() { # keys seconds
  xdotool keydown $1
  sleep "$2"
  xdotool keyup $1
}
hold "w" 6
hold "shift+w" 6
hold "a" 4
xwd -root -silent -display "$display" | xwdtopnm 2> /dev/null | pnmtopng > "$out"
echo "screenshot: $out"
