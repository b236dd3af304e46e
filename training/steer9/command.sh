#!/bin/bash
# steer9: steer5's checkpoint at 3.28 M samples (what assets/policies/steering held until steer9
# replaced it in commit 0710916; a fresh start takes it from git) fine-tuned
# (`train --model_file`) on task_steering_speed_rest_humanoid.yaml: a quarter of the resets
# standing still in the default pose, and pushes of up to 1.5 m/s every 2-5 s, so that it walks
# off from a stand and keeps its feet when shoved (what a get-up controller's hand-back and a
# game's idle characters need). Same agent preset as steer5.
# `command.sh` starts it in ~/runs/steer9/out; `command.sh --resume` goes on from there, or, on a
# fresh machine, from the resumable checkpoint kept beside this script (training/keep.sh steer9).
# Runs at nice 19 so builds and tests come first.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
BIN=${BEVY_MIMIC_BIN:-$HOME/runs/bin/bevy_mimic}
OUT=$HOME/runs/steer9/out
if [ "$1" = --resume ]; then
  if [ ! -d "$OUT/model" ]; then
    mkdir -p "$OUT"
    cp -r "$here/model" "$here/log.csv" "$OUT/"
  fi
  exec nice -n 19 $BIN train --resume --out_dir "$OUT" --num_envs 64 --max_samples 1000000000 --rand_seed 29 --quiet
else
  from=$(mktemp -d)
  git -C "$here/../.." archive 0710916^ assets/policies/steering | tar -x -C "$from"
  exec nice -n 19 $BIN train --model_file "$from/assets/policies/steering" --agent_config assets/configs/agents/amp_task_speed_humanoid_cpu.yaml --env_config assets/configs/envs/task_steering_speed_rest_humanoid.yaml --num_envs 64 --max_samples 1000000000 --out_dir "$OUT" --rand_seed 29 --quiet
fi
