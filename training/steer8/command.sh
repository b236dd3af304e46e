#!/bin/bash
# steer8 (AMP+task_steering that must get up, guided): a new run from steer7's checkpoint at
# 8.5 M samples (training/steer7/model, `train --model_file`) on
# task_steering_getup_guided_humanoid.yaml: steer7's env (a quarter of the resets lying on the
# ground) with getup_tracking_reward, the tracking reward against the get-up clip until risen.
# `command.sh` starts it in ~/runs/steer8/out; `command.sh --resume` goes on from there, or, on a
# fresh machine, from the resumable checkpoint kept beside this script (training/keep.sh steer8).
# Runs at nice 19 so builds and tests come first.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
BIN=${BEVY_MIMIC_BIN:-$HOME/runs/bin/bevy_mimic}
OUT=$HOME/runs/steer8/out
if [ "$1" = --resume ]; then
  if [ ! -d "$OUT/model" ]; then
    mkdir -p "$OUT"
    cp -r "$here/model" "$here/log.csv" "$OUT/"
  fi
  exec nice -n 19 $BIN train --resume --out_dir "$OUT" --num_envs 64 --max_samples 1000000000 --rand_seed 39 --quiet
else
  exec nice -n 19 $BIN train --model_file training/steer7/model --agent_config assets/configs/agents/amp_task_humanoid_cpu.yaml --env_config assets/configs/envs/task_steering_getup_guided_humanoid.yaml --num_envs 64 --max_samples 1000000000 --out_dir "$OUT" --rand_seed 39 --quiet
fi
