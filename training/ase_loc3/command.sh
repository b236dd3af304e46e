#!/bin/bash
# ase_loc3 (ASE on the locomotion clips, runs weighted 3:1): a new run from ase_loc2's checkpoint
# (`train --model_file training/ase_loc2/model`, kept at the time it started) on
# ase_humanoid_locomotion_runs.yaml: ase_loc2's skills stayed at walking speeds (0.9-1.75 m/s),
# and the high-level controller needs running skills too.
# `command.sh` starts it in ~/runs/ase_loc3/out; `command.sh --resume` goes on from there, or, on a
# fresh machine, from the resumable checkpoint kept beside this script (training/keep.sh ase_loc3).
# Runs at nice 19 so builds and tests come first.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
BIN=${BEVY_MIMIC_BIN:-$HOME/runs/bin/bevy_mimic}
OUT=$HOME/runs/ase_loc3/out
if [ "$1" = --resume ]; then
  if [ ! -d "$OUT/model" ]; then
    mkdir -p "$OUT"
    cp -r "$here/model" "$here/log.csv" "$OUT/"
  fi
  exec nice -n 19 $BIN train --resume --out_dir "$OUT" --num_envs 64 --max_samples 1000000000 --rand_seed 37 --quiet
else
  exec nice -n 19 $BIN train --model_file training/ase_loc2/model --agent_config assets/configs/agents/ase_humanoid_cpu.yaml --env_config assets/configs/envs/ase_humanoid_locomotion_runs.yaml --num_envs 64 --max_samples 1000000000 --out_dir "$OUT" --rand_seed 37 --quiet
fi
