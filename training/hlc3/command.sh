#!/bin/bash
# hlc3: ASE's high-level controller on task_steering over assets/policies/ase_locomotion
# (ase_loc3 at 7.17 M samples: skills of 0.9-2.4 m/s), a new run from hlc2's checkpoint at
# 4.66 M controller samples (its low level was ase_loc2; the controller's observation and latent
# sizes are the same). `command.sh` starts it in ~/runs/hlc3/out; `command.sh --resume` goes on
# from there, or, on a fresh machine, from the resumable checkpoint kept beside this script
# (training/keep.sh hlc3). Runs at nice 19 so builds and tests come first.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
BIN=${BEVY_MIMIC_BIN:-$HOME/runs/bin/bevy_mimic}
OUT=$HOME/runs/hlc3/out
if [ "$1" = --resume ]; then
  if [ ! -d "$OUT/model" ]; then
    mkdir -p "$OUT"
    cp -r "$here/model" "$here/log.csv" "$OUT/"
  fi
  exec nice -n 19 $BIN train --resume --out_dir "$OUT" --num_envs 64 --max_samples 1000000000 --rand_seed 40 --quiet
else
  exec nice -n 19 $BIN train --model_file training/hlc2/model --agent_config training/hlc3/agent.yaml --env_config assets/configs/envs/hlc_steering_locomotion_humanoid.yaml --num_envs 64 --max_samples 1000000000 --out_dir "$OUT" --rand_seed 40 --quiet
fi
