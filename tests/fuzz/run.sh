#!/usr/bin/env bash
# Runs every fuzz_* binary in BUILD_DIR for SECONDS each, seeded from
# tests/fuzz/corpus/<name-without-fuzz_>/ when present. Fails on any crash.
set -euo pipefail
build=${1:?build dir}; seconds=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
found=0
for bin in "$build"/tests/fuzz/fuzz_*; do
  [[ -x $bin ]] || continue
  found=1
  name=$(basename "$bin"); name=${name#fuzz_}
  work=$(mktemp -d)
  seeds=()
  [[ -d $here/corpus/$name ]] && seeds+=("$here/corpus/$name")
  echo "fuzzing $name for ${seconds}s"
  "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/" "$work" "${seeds[@]}" 2>"$work/log" || { tail -50 "$work/log"; exit 1; }
  grep -E "stat::number_of_executed_units" "$work/log" || true
  rm -rf "$work"
done
((found)) || { echo "no fuzz targets found in $build"; exit 1; }
