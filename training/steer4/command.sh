#!/bin/bash
# steer4 (AMP+task_steering, sharper speed reward): a new run started from steer2's checkpoint at
# 15.4 M samples (training/steer2/model, `train --model_file`) with reward_steering_vel_scale 2.0.
# `command.sh` starts it in ~/runs/steer4/out; `command.sh --resume` goes on from there, or, on a
# fresh machine, from the resumable checkpoint kept beside this script (training/keep.sh steer4).
# Runs at nice 19 so builds and tests come first.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
BIN=${BEVY_MIMIC_BIN:-$HOME/runs/bin/bevy_mimic}
OUT=$HOME/runs/steer4/out
if [ "$1" = --resume ]; then
  if [ ! -d "$OUT/model" ]; then
    mkdir -p "$OUT"
    cp -r "$here/model" "$here/log.csv" "$OUT/"
  fi
  exec nice -n 19 $BIN train --resume --out_dir "$OUT" --num_envs 64 --max_samples 1000000000 --rand_seed 25 --quiet
else
  exec nice -n 19 $BIN train --model_file training/steer2/model --agent_config assets/configs/agents/amp_task_humanoid_cpu.yaml --env_config assets/configs/envs/task_steering_speed_humanoid.yaml --num_envs 64 --max_samples 1000000000 --out_dir "$OUT" --rand_seed 25 --quiet
fi
