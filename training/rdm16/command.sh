#!/bin/bash
# rdm16 (the shipped deepmimic_walk on converged rapier): deepmimic_walk fine-tuned (`train --model_file`) on
# rapier with 16 solver iterations (assets/configs/engines/rapier_converged.yaml), the rapier
# model brought closer to MuJoCo's, to replay in MuJoCo (issue 18, docs/SIM2SIM.md).
# `command.sh` starts it in ~/runs/rdm16/out; `command.sh --resume` goes on from there, or, on a
# fresh machine, from the resumable checkpoint kept beside this script (training/keep.sh rdm16).
# Runs at nice 19 so builds and tests come first.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
BIN=${BEVY_MIMIC_BIN:-$HOME/runs/bin/bevy_mimic}
OUT=$HOME/runs/rdm16/out
if [ "$1" = --resume ]; then
  if [ ! -d "$OUT/model" ]; then
    mkdir -p "$OUT"
    cp -r "$here/model" "$here/log.csv" "$OUT/"
  fi
  exec nice -n 19 $BIN train --resume --out_dir "$OUT" --num_envs 64 --max_samples 1000000000 --rand_seed 32 --quiet
else
  exec nice -n 19 $BIN train --model_file assets/policies/deepmimic_walk --agent_config assets/configs/agents/deepmimic_humanoid_ppo_cpu.yaml --env_config assets/configs/envs/deepmimic_humanoid_walk.yaml --engine_config assets/configs/engines/rapier_converged.yaml --num_envs 64 --max_samples 1000000000 --out_dir "$OUT" --rand_seed 32 --quiet
fi
