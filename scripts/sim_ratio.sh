#!/usr/bin/env bash
# One sitting of the simulator ratio (issue 15): MuJoCo's anchor, then our `sim-bench` on the
# same humanoid and workload, then the anchor again, so the ratio is taken side by side.
#
#   scripts/sim_ratio.sh [bevy_mimic binary] [seconds] [num_envs] [num_threads] [engine.yaml]
#
# ENGINES=rapier,mujoco measures our MuJoCo engine in the same process too (a binary built with
# `--features mujoco`): the in-process ratio.
# Needs python3 with the PyPI package `mujoco` (MUJOCO_PYTHON picks the interpreter, e.g. a
# venv's) and a built bevy_mimic. Keep the machine quiet while it runs.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${1:-${CARGO_TARGET_DIR:-target}/release/bevy_mimic}"
seconds="${2:-5}"
envs="${3:-16,64}"
threads="${4:-1,2}"
engine="${5:-}"
py="${MUJOCO_PYTHON:-python3}"
char=assets/characters/humanoid.xml

echo "# $(date -u +%F' '%H:%M) UTC, $(git rev-parse --short HEAD), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
"$py" ../shared/bench/mujoco_humanoid.py "$char" "$seconds"
engines="${ENGINES:-rapier}"
if [ -n "$engine" ]; then
  "$bin" sim-bench --char_file "$char" --num_envs "$envs" --num_threads "$threads" --seconds "$seconds" --engine_config "$engine" --engine "$engines"
else
  "$bin" sim-bench --char_file "$char" --num_envs "$envs" --num_threads "$threads" --seconds "$seconds" --engine "$engines"
fi
"$py" ../shared/bench/mujoco_humanoid.py "$char" "$seconds"
