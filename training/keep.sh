#!/bin/bash
# keep.sh RUN: copies run RUN's latest checkpoint (~/runs/RUN/out/model) beside its command as a
# resumable shipment (no optimizer state, no replay buffer: megabytes), with its log.csv, so
# that the run can go on on another machine: training/RUN/command.sh --resume.
set -e
here=$(cd "$(dirname "$0")" && pwd)
run=$1
BIN=${BEVY_MIMIC_BIN:-$HOME/runs/bin/bevy_mimic}
"$BIN" ship --resumable --model_file "$HOME/runs/$run/out/model" --out "$here/$run/model"
cp "$HOME/runs/$run/out/log.csv" "$here/$run/log.csv"
