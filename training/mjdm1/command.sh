#!/bin/bash
# mjdm1 (DeepMimic's walk on MuJoCo): the shipped deepmimic_walk (trained on rapier) fine-tuned
# on the MuJoCo engine (`train --model_file ... --engine mujoco`), to replay on rapier: the
# MuJoCo-to-rapier direction of sim-to-sim (issue 18, docs/SIM2SIM.md). Needs a build with
# `--features mujoco`.
# `command.sh` starts it in ~/runs/mjdm1/out; `command.sh --resume` goes on from there, or, on a
# fresh machine, from the resumable checkpoint kept beside this script (training/keep.sh mjdm1).
# Runs at nice 19 so builds and tests come first.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
BIN=${BEVY_MIMIC_BIN:-$HOME/runs/bin/bevy_mimic}
OUT=$HOME/runs/mjdm1/out
if [ "$1" = --resume ]; then
  if [ ! -d "$OUT/model" ]; then
    mkdir -p "$OUT"
    cp -r "$here/model" "$here/log.csv" "$OUT/"
  fi
  exec nice -n 19 $BIN train --resume --out_dir "$OUT" --num_envs 64 --max_samples 1000000000 --rand_seed 31 --quiet
else
  exec nice -n 19 $BIN train --model_file assets/policies/deepmimic_walk --agent_config assets/configs/agents/deepmimic_humanoid_ppo_cpu.yaml --env_config assets/configs/envs/deepmimic_humanoid_walk.yaml --engine mujoco --num_envs 64 --max_samples 1000000000 --out_dir "$OUT" --rand_seed 31 --quiet
fi
