#!/usr/bin/env bash
# The wgpu backend on a CUDA machine, with PyTorch on the same card as its anchor. Run from the
# repository root on the GPU machine, with binaries built here (that machine reaches no registry):
#
#   cargo build --release --no-default-features --features train,gpu --bin bevy_mimic
#   cargo bench --no-run --no-default-features --features train,gpu --bench learning
#   mkdir -p .devbin && cp <bevy_mimic> .devbin/ && cp <learning-*> .devbin/learning && strip .devbin/*
#
# (the learning bench is optional: it is skipped when .devbin/learning is absent).
#
# Prints: the card; burn-wgpu's learning bench (batch 4096, 1024-512 and 256-128); PyTorch's
# CUDA anchor for the same shapes and for MimicKit's default PPO iteration; DeepMimic trained
# end to end with MimicKit's default agent (1024-512, 4096 envs x 32 steps) on wgpu, rapier on
# every core. Logs go to $OUT (or /tmp/gpu_bench).
set -uo pipefail
out="${OUT:-/tmp/gpu_bench}"
mkdir -p "$out"
bin=.devbin
log="$out/gpu_bench.txt"
exec > >(tee "$log") 2>&1

nvidia-smi -L || true
nproc
lscpu | grep -m1 'Model name' || true

if [ -x "$bin"/learning ]; then
  echo "== burn wgpu: learning bench"
  timeout 150 "$bin"/learning --device wgpu --seconds 2
fi

echo "== PyTorch CUDA anchor"
PYTHONUNBUFFERED=1 timeout 90 python3 scripts/torch_gpu_update.py

echo "== DeepMimic end to end: MimicKit's default agent on wgpu, 4096 envs, rapier on $(nproc) threads"
threads=$(nproc)
sed "s/num_threads: 2 /num_threads: $threads /" assets/configs/envs/deepmimic_humanoid_walk.yaml \
  > /tmp/deepmimic_walk_all_threads.yaml
grep num_threads /tmp/deepmimic_walk_all_threads.yaml
timeout 200 "$bin"/bevy_mimic train \
  --agent_config assets/configs/agents/deepmimic_humanoid_ppo.yaml \
  --env_config /tmp/deepmimic_walk_all_threads.yaml \
  --num_envs 4096 --max_samples 1048576 --device wgpu --out_dir /tmp/gpu_train
cp /tmp/gpu_train/log.csv "$out/deepmimic_wgpu_log.csv" 2>/dev/null || true
