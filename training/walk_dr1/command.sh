#!/bin/bash
# walk_dr1 (AMP's walk with domain randomisation): a new run from the shipped amp_walk
# (`train --model_file`) on amp_humanoid_walk_dr.yaml, to replay in MuJoCo against the walk
# trained without it (issue 18, item 4).
# `command.sh` starts it in ~/runs/walk_dr1/out; `command.sh --resume` goes on from there, or, on a
# fresh machine, from the resumable checkpoint kept beside this script (training/keep.sh walk_dr1).
# Runs at nice 19 so builds and tests come first.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
BIN=${BEVY_MIMIC_BIN:-$HOME/runs/bin/bevy_mimic}
OUT=$HOME/runs/walk_dr1/out
if [ "$1" = --resume ]; then
  if [ ! -d "$OUT/model" ]; then
    mkdir -p "$OUT"
    cp -r "$here/model" "$here/log.csv" "$OUT/"
  fi
  exec nice -n 19 $BIN train --resume --out_dir "$OUT" --num_envs 64 --max_samples 1000000000 --rand_seed 29 --quiet
else
  exec nice -n 19 $BIN train --model_file assets/policies/amp_walk --agent_config assets/configs/agents/amp_humanoid_cpu.yaml --env_config assets/configs/envs/amp_humanoid_walk_dr.yaml --num_envs 64 --max_samples 1000000000 --out_dir "$OUT" --rand_seed 29 --quiet
fi
