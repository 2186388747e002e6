#!/usr/bin/env bash
# The README's run command: installs what is needed, builds, and runs the
# kiosk with the demo questionnaires (PHQ-9, GAD-7; English and Spanish)
# and the demo videos (channel "demo") against a local clinic folder:
#
#   build/demo/site/clinic    the clinic's keys (outpost-clinic keygen)
#   build/demo/site/kiosk     the enrolled kiosk: outpost.toml, keys, data/
#   build/demo/site/dropbox   the clinic drop box (a file:// destination)
#   build/demo/site/clinic.db what the clinic imported
#
# With a display ($DISPLAY set) it opens the kiosk full screen
# (OUTPOST_WINDOWED=1280x720 for a window); patients cannot close it, so stop
# it with Ctrl+C here. Without a display it runs a scripted tour under Xvfb
# and saves a picture of each screen (OUTPOST_TOUR_DIR, default
# build/demo/tour). Either way it then ships what was submitted to the drop
# box (outpost-syncd --once), imports it at the clinic (ingest, alerts), and
# lets the kiosk read the clinic's receipt, which confirms delivery.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOUTPOST_BUILD_UI=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build build/demo --target outpost outpostctl outpost-syncd outpost-clinic demo_content -j "$(nproc)"
bin=$PWD/build/demo/kiosk/cmd
site=$PWD/build/demo/site

# A fresh clinic and one enrolled kiosk whose drop box is a local folder.
rm -rf "$site"
mkdir -p "$site/dropbox"
"$bin/outpost-clinic" keygen --out "$site/clinic" >/dev/null
"$bin/outpost-clinic" enroll --clinic "$site/clinic" --kiosk-id demo-kiosk \
  --server "file://$site/dropbox" --out "$site/kiosk" >/dev/null
conf=$site/kiosk/outpost.toml
data=$site/kiosk/data
echo "clinic folder: $site"

# The clinic publishes the demo videos (build/demo/demo-content) as channel
# "demo" into the drop box; the kiosk pulls it there, as from a real clinic.
"$bin/outpost-clinic" publish --clinic "$site/clinic" --from build/demo/demo-content --channel demo \
  --out "$site/dropbox/channels/demo" >/dev/null
printf '\n[content]\nchannel = "demo"\n' >> "$conf"
mkdir -p "$data"
echo "== the kiosk pulls the demo channel"
"$bin/outpost-syncd" --once --config "$conf" --data-dir "$data"
"$bin/outpostctl" --config "$conf" --data-dir "$data" content status

if [[ -n "${DISPLAY:-}" ]]; then
  args=(--config "$conf" --data-dir "$data")
  if [[ -n "${OUTPOST_WINDOWED:-}" ]]; then args+=(--windowed "$OUTPOST_WINDOWED"); fi
  echo "outpost: keys 1-9 choose, Enter confirms, Escape goes back; Ctrl+C here ends the kiosk"
  "$bin/outpost" "${args[@]}" || true
else
  echo "no \$DISPLAY: running a scripted tour under Xvfb"
  python3 tests/ui/tour.py --outpost "$bin/outpost" --out "${OUTPOST_TOUR_DIR:-build/demo/tour}" \
    --config "$conf" --data-dir "$data"
fi

echo "== kiosk outbox"
"$bin/outpostctl" --config "$conf" --data-dir "$data" status
echo "== ship to the clinic drop box"
"$bin/outpost-syncd" --once --config "$conf" --data-dir "$data"
echo "== clinic import"
"$bin/outpost-clinic" ingest --clinic "$site/clinic" --from "$site/dropbox" --db "$site/clinic.db"
"$bin/outpost-clinic" alerts --db "$site/clinic.db"
echo "== the kiosk reads the clinic's receipt: delivery confirmed"
"$bin/outpost-syncd" --once --config "$conf" --data-dir "$data"
"$bin/outpostctl" --config "$conf" --data-dir "$data" status
