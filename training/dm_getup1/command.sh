#!/bin/bash
# dm_getup1 (DeepMimic tracking the two get-up clips, deepmimic_humanoid_getup.yaml): can the
# rapier humanoid rise at all with its gains and torque limits? The steering runs that were to
# learn getting up by AMP (steer3, steer6, steer7) never rose.
# `command.sh` starts it in ~/runs/dm_getup1/out; `command.sh --resume` goes on from there, or, on a
# fresh machine, from the resumable checkpoint kept beside this script (training/keep.sh dm_getup1).
# Runs at nice 19 so builds and tests come first.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
BIN=${BEVY_MIMIC_BIN:-$HOME/runs/bin/bevy_mimic}
OUT=$HOME/runs/dm_getup1/out
if [ "$1" = --resume ]; then
  if [ ! -d "$OUT/model" ]; then
    mkdir -p "$OUT"
    cp -r "$here/model" "$here/log.csv" "$OUT/"
  fi
  exec nice -n 19 $BIN train --resume --out_dir "$OUT" --num_envs 64 --max_samples 1000000000 --rand_seed 36 --quiet
else
  exec nice -n 19 $BIN train --agent_config assets/configs/agents/deepmimic_humanoid_ppo_cpu.yaml --env_config assets/configs/envs/deepmimic_humanoid_getup.yaml --num_envs 64 --max_samples 1000000000 --out_dir "$OUT" --rand_seed 36 --quiet
fi
