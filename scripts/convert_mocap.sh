#!/usr/bin/env bash
# Reproduces assets/motions/: downloads the two packages whose licences allow shipping their
# humanoid clips, extracts the clips and converts them onto assets/characters/humanoid.xml.
#   - Isaac Lab 3.0.0 (PyPI `isaaclab`, BSD-3-Clause): humanoid_{walk,run,dance}.npz (CMU-derived)
#   - pybullet 3.2.7 (PyPI, zlib; the clips are DeepMimic's, MIT): humanoid3d_*.txt
# Needs: python3 with pip, unzip, and a built bevy_mimic (cargo build --release).
set -euo pipefail
cd "$(dirname "$0")/.."
work="${MOCAP_WORK:-$HOME/.cache/bevy_mimic/mocap}"
bin="${CARGO_TARGET_DIR:-target}/release/bevy_mimic"
mkdir -p "$work/wheels" "$work/isaaclab" "$work/deepmimic"

python3 -m pip download --no-deps --python-version 3.12 --only-binary=:all: isaaclab==3.0.0 -d "$work/wheels"
python3 -m pip download --no-deps --only-binary=:all: pybullet==3.2.7 -d "$work/wheels"
unzip -o -j "$work"/wheels/isaaclab-3.0.0-*.whl '*humanoid_amp/motions/*.npz' -d "$work/isaaclab"
unzip -o -j "$work"/wheels/pybullet-3.2.7-*.whl 'pybullet_data/data/motions/humanoid3d_*.txt' -d "$work/deepmimic"

for clip in walk run dance; do
  "$bin" convert --input "$work/isaaclab/humanoid_$clip.npz" --output "assets/motions/isaaclab_$clip.bmotion"
done
for clip in walk run jump kick punch spin spinkick backflip cartwheel roll crawl dance_a dance_b getup_faceup getup_facedown; do
  "$bin" convert --input "$work/deepmimic/humanoid3d_$clip.txt" --output "assets/motions/deepmimic_$clip.bmotion"
done
