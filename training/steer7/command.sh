#!/bin/bash
# steer7 (AMP+task_steering that must get up, practised): a new run started from steer6's
# checkpoint at 4.0 M samples (training/steer6/model, `train --model_file`) with a quarter of the
# resets lying on the ground (task_steering_getup_ground_humanoid.yaml: ground_reset_prob 0.25).
# `command.sh` starts it in ~/runs/steer7/out; `command.sh --resume` goes on from there, or, on a
# fresh machine, from the resumable checkpoint kept beside this script (training/keep.sh steer7).
# Runs at nice 19 so builds and tests come first.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
BIN=${BEVY_MIMIC_BIN:-$HOME/runs/bin/bevy_mimic}
OUT=$HOME/runs/steer7/out
if [ "$1" = --resume ]; then
  if [ ! -d "$OUT/model" ]; then
    mkdir -p "$OUT"
    cp -r "$here/model" "$here/log.csv" "$OUT/"
  fi
  exec nice -n 19 $BIN train --resume --out_dir "$OUT" --num_envs 64 --max_samples 1000000000 --rand_seed 30 --quiet
else
  exec nice -n 19 $BIN train --model_file training/steer6/model --agent_config assets/configs/agents/amp_task_humanoid_cpu.yaml --env_config assets/configs/envs/task_steering_getup_ground_humanoid.yaml --num_envs 64 --max_samples 1000000000 --out_dir "$OUT" --rand_seed 30 --quiet
fi
