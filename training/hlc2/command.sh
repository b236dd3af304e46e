#!/bin/bash
# hlc2 (ASE's high-level controller on task_steering over run ase_loc2's low level,
# training/hlc2/agent.yaml and hlc_steering_locomotion_humanoid.yaml): does a low level with
# steadier skills (ase_loc2: z·ẑ 0.65, 0.37 falls/min over 16 latents) steer better than hlc1
# over ase_skills? `command.sh` starts the run in ~/runs/hlc2/out; `command.sh --resume` goes on
# from there, or, on a fresh machine, from the resumable checkpoint kept beside this script
# (training/keep.sh hlc2 writes it). Runs at nice 19 so builds and tests come first.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
BIN=${BEVY_MIMIC_BIN:-$HOME/runs/bin/bevy_mimic}
OUT=$HOME/runs/hlc2/out
if [ "$1" = --resume ]; then
  if [ ! -d "$OUT/model" ]; then
    mkdir -p "$OUT"
    cp -r "$here/model" "$here/log.csv" "$OUT/"
  fi
  exec nice -n 19 $BIN train --resume --out_dir "$OUT" --num_envs 64 --max_samples 1000000000 --rand_seed 38 --quiet
else
  exec nice -n 19 $BIN train --agent_config training/hlc2/agent.yaml --env_config assets/configs/envs/hlc_steering_locomotion_humanoid.yaml --num_envs 64 --max_samples 1000000000 --out_dir "$OUT" --rand_seed 38 --quiet
fi
