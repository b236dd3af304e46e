#!/bin/bash
# ase_loc2 (ASE on the locomotion clips, warm-started): a new run from the shipped ase_skills
# (`train --model_file assets/policies/ase_skills`: actor, critic, discriminator and encoder)
# on the locomotion clips alone (ase_humanoid_locomotion.yaml), for the high-level controller's
# low level. ase_loc1 learnt the same from scratch and plateaued at ~5.7 s training episodes.
# `command.sh` starts it in ~/runs/ase_loc2/out; `command.sh --resume` goes on from there, or, on a
# fresh machine, from the resumable checkpoint kept beside this script (training/keep.sh ase_loc2).
# Runs at nice 19 so builds and tests come first.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
BIN=${BEVY_MIMIC_BIN:-$HOME/runs/bin/bevy_mimic}
OUT=$HOME/runs/ase_loc2/out
if [ "$1" = --resume ]; then
  if [ ! -d "$OUT/model" ]; then
    mkdir -p "$OUT"
    cp -r "$here/model" "$here/log.csv" "$OUT/"
  fi
  exec nice -n 19 $BIN train --resume --out_dir "$OUT" --num_envs 64 --max_samples 1000000000 --rand_seed 35 --quiet
else
  exec nice -n 19 $BIN train --model_file assets/policies/ase_skills --agent_config assets/configs/agents/ase_humanoid_cpu.yaml --env_config assets/configs/envs/ase_humanoid_locomotion.yaml --num_envs 64 --max_samples 1000000000 --out_dir "$OUT" --rand_seed 35 --quiet
fi
