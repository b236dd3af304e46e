#!/bin/bash
# dm_getup2: dm_getup1's tracker of the two get-up clips, a new run from its checkpoint at
# 9.0 M samples (training/dm_getup1/model, `train --model_file`) on
# deepmimic_humanoid_getup_hold.yaml: each episode goes on 2 s past its clip's end tracking the
# last frame (clip_end_hold_time), so that the tracker stands still once up and the get-up
# controller (src/getup) can hand the character back settled. `command.sh` starts it in
# ~/runs/dm_getup2/out; `command.sh --resume` goes on from there, or, on a fresh machine, from
# the resumable checkpoint kept beside this script (training/keep.sh dm_getup2).
# Runs at nice 19 so builds and tests come first.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
BIN=${BEVY_MIMIC_BIN:-$HOME/runs/bin/bevy_mimic}
OUT=$HOME/runs/dm_getup2/out
if [ "$1" = --resume ]; then
  if [ ! -d "$OUT/model" ]; then
    mkdir -p "$OUT"
    cp -r "$here/model" "$here/log.csv" "$OUT/"
  fi
  exec nice -n 19 $BIN train --resume --out_dir "$OUT" --num_envs 64 --max_samples 1000000000 --rand_seed 41 --quiet
else
  exec nice -n 19 $BIN train --model_file training/dm_getup1/model --agent_config assets/configs/agents/deepmimic_humanoid_ppo_cpu.yaml --env_config assets/configs/envs/deepmimic_humanoid_getup_hold.yaml --num_envs 64 --max_samples 1000000000 --out_dir "$OUT" --rand_seed 41 --quiet
fi
