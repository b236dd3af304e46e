#!/bin/bash
# mjdm2 (DeepMimic's walk on MuJoCo at 480 Hz): the shipped deepmimic_walk (trained on rapier
# with 16 solver iterations) fine-tuned on the MuJoCo engine at 480 Hz, where MuJoCo's explicit PD
# simulates the humanoid's gains accurately (`train --model_file ... --engine mujoco --sim_freq 480`),
# to replay on rapier: the MuJoCo-to-rapier direction of sim-to-sim (issue 18, docs/SIM2SIM.md).
# mjdm1 did the same at MuJoCo's 120 Hz and never learned to walk there. Needs `--features mujoco`.
# `command.sh` starts it in ~/runs/mjdm2/out; `command.sh --resume` goes on from there, or, on a
# fresh machine, from the resumable checkpoint kept beside this script (training/keep.sh mjdm2).
# Runs at nice 19 so builds and tests come first.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
BIN=${BEVY_MIMIC_BIN:-$HOME/runs/bin/bevy_mimic}
OUT=$HOME/runs/mjdm2/out
if [ "$1" = --resume ]; then
  if [ ! -d "$OUT/model" ]; then
    mkdir -p "$OUT"
    cp -r "$here/model" "$here/log.csv" "$OUT/"
  fi
  exec nice -n 19 $BIN train --resume --out_dir "$OUT" --num_envs 64 --max_samples 1000000000 --rand_seed 34 --quiet
else
  exec nice -n 19 $BIN train --model_file assets/policies/deepmimic_walk --agent_config assets/configs/agents/deepmimic_humanoid_ppo_cpu.yaml --env_config assets/configs/envs/deepmimic_humanoid_walk.yaml --engine mujoco --sim_freq 480 --num_envs 64 --max_samples 1000000000 --out_dir "$OUT" --rand_seed 34 --quiet
fi
