#!/usr/bin/env bash
# The README's run command: installs what is needed, builds `outpost` and
# opens the kiosk with the demo questionnaires (PHQ-9, GAD-7; English and
# Spanish; submissions kept in memory since the demo config names no clinic).
#
# With a display ($DISPLAY set) it opens the kiosk full screen
# (OUTPOST_WINDOWED=1280x720 for a window). Patients cannot close it: stop it
# with Ctrl+C here. Without a display it runs a scripted tour under Xvfb and
# saves a picture of each screen to a folder it prints
# (OUTPOST_TOUR_DIR, default build/demo/tour).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOUTPOST_BUILD_UI=ON >/dev/null
cmake --build build/demo --target outpost -j "$(nproc)"
bin=build/demo/kiosk/cmd/outpost

if [[ -n "${DISPLAY:-}" ]]; then
  data=$(mktemp -d)
  trap 'rm -rf "$data"' EXIT
  args=(--data-dir "$data")
  if [[ -n "${OUTPOST_WINDOWED:-}" ]]; then args+=(--windowed "$OUTPOST_WINDOWED"); fi
  echo "outpost: keys 1-9 choose, Enter confirms, Escape goes back; Ctrl+C here ends the demo"
  "$bin" "${args[@]}"
else
  echo "no \$DISPLAY: running a scripted tour under Xvfb"
  python3 tests/ui/tour.py --outpost "$bin" --out "${OUTPOST_TOUR_DIR:-build/demo/tour}"
fi
