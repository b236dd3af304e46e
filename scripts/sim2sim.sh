#!/bin/bash
# Sim-to-sim table (docs/SIM2SIM.md): every policy given as POLICY_DIR replayed on rapier (its
# own engine settings) and on MuJoCo at 120, 480 and 960 Hz, 16 characters, 32 deterministic
# episodes each, seed 0. Needs a build with `--features mujoco`.
#   scripts/sim2sim.sh assets/policies/deepmimic_walk assets/policies/amp_walk ...
# ENGINES="rapier mujoco@480" narrows the replays; BIN picks the binary.
set -e
BIN=${BIN:-target/release/bevy_mimic}
ENGINES=${ENGINES:-"rapier mujoco@120 mujoco@480 mujoco@960"}
EPISODES=${EPISODES:-32}
printf '| policy | replayed on | falls/min | root speed (m/s) | return | body pos err (m) |\n|---|---|---|---|---|---|\n'
for policy in "$@"; do
  name=$(basename "$policy")
  # A run's checkpoint (~/runs/RUN/out/model or training/RUN/model) is named by its run.
  if [ "$name" = model ]; then
    parent=$(dirname "$policy")
    [ "$(basename "$parent")" = out ] && parent=$(dirname "$parent")
    name=$(basename "$parent")
  fi
  for engine in $ENGINES; do
    args=()
    case $engine in
      rapier) args=(--engine rapier) ;;
      *@*) args=(--engine "${engine%@*}" --sim_freq "${engine#*@}") ;;
      *) args=(--engine "$engine") ;;
    esac
    out=$("$BIN" test --model_file "$policy" --num_envs 16 --test_episodes "$EPISODES" "${args[@]}" 2>&1) || { echo "| $policy | $engine | error: $out |"; continue; }
    get() { echo "$out" | awk -v k="$1:" '$1 == k {print $2}'; }
    printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$engine" "$(get Test_Falls_Per_Minute)" "$(get Test_Root_Speed)" "$(get Test_Return)" "$(get Test_Tracking_Body_Pos_Err)"
  done
done
