#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test:
#   1. Release build + all ctest suites (unit, UI under Xvfb, integration)
#   2. ASan + UBSan build + the same suites
#   3. libFuzzer targets (clang), a short run each
# Builds 1 and 2 treat warnings as errors (OUTPOST_WERROR=ON).
# Usage: scripts/test.sh [--quick]   (--quick: step 1 only)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc)

bash scripts/install-deps.sh

run_suite() {  # build-dir, cmake args...
  local dir=$1; shift
  cmake -S "$root" -B "$dir" -DOUTPOST_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 600)
}

echo "== release build and tests"
run_suite build/release -DCMAKE_BUILD_TYPE=Release

if [[ ${1:-} == --quick ]]; then exit 0; fi

echo "== ASan + UBSan build and tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  LSAN_OPTIONS=suppressions=$root/tests/sanitizer/lsan.supp:print_suppressions=0 \
  run_suite build/sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOUTPOST_SANITIZE=ON

echo "== fuzzers (short runs)"
CC=clang CXX=clang++ cmake -S "$root" -B build/fuzz -DOUTPOST_FUZZ=ON -DOUTPOST_BUILD_UI=OFF \
  -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/fuzz -j "$jobs" --target fuzzers
bash tests/fuzz/run.sh build/fuzz "${FUZZ_SECONDS:-30}"
echo "all test stages passed"
