#!/usr/bin/env bash
# USB round trip (issue 5): outpostctl export --to a folder; the clinic
# ingests from it; the same bundles arriving later over the network add
# nothing, while records queued after the export still arrive.
# Usage: sync_usb_test.sh BIN_DIR
set -euo pipefail
BIN=$1
here=$(dirname "$0")
source "$here/dropbox.sh"
source "$here/expect.sh"
source "$here/kiosk_env.sh"
trap dropbox_stop EXIT

ingest() {  # from -> "new N, duplicate D, rejected R (bundles already ingested: K"
  "$BIN/outpost-clinic" ingest --clinic "$CLINIC_DIR" --from "$1" --db "$CLINIC_DB" | tail -1 | cut -d, -f1-3
}

dropbox_prepare kiosk-a
clinic_setup
kiosk_setup kiosk-a
conf=$(kiosk_conf kiosk-a)
printf '\n[sync]\nbundle_max_bytes = 2048\n' >> "$conf"  # several bundles
submit_checkins kiosk-a 40 "$DROPBOX_DIR/ids.tsv"

usb=$DROPBOX_DIR/usb-stick
mkdir -p "$usb"
"$BIN/outpostctl" --config "$conf" export --to "$usb" > "$DROPBOX_DIR/export.out"
expect "export says" "40 records" "$(grep -o '40 records' "$DROPBOX_DIR/export.out")"
bundles=$(find "$usb" -name '*.opb' | wc -l)
check "several bundles on the stick ($bundles)" test "$bundles" -gt 1
expect "nothing but bundles on the stick" 0 "$(find "$usb" -type f ! -name '*.opb' | wc -l)"
expect "ingest from the stick" "new 40, duplicate 0, rejected 0 (bundles already ingested: 0" "$(ingest "$usb")"

# Exporting again writes the same files (idempotent) and nothing new.
"$BIN/outpostctl" --config "$conf" export --to "$usb" > /dev/null
expect "same bundles on a second export" "$bundles" "$(find "$usb" -name '*.opb' | wc -l)"

# More check-ins, then the link comes back.
submit_checkins kiosk-a 7 "$DROPBOX_DIR/ids-later.tsv"
dropbox_run
"$BIN/outpost-syncd" --once --config "$conf" > /dev/null
expect "network delivery after the stick" \
  "new 7, duplicate 0, rejected 0 (bundles already ingested: $bundles" "$(ingest "$DROPBOX_DATA")"
cat "$DROPBOX_DIR/ids.tsv" "$DROPBOX_DIR/ids-later.tsv" > "$DROPBOX_DIR/all.tsv"
"$BIN/outpost-clinic" export --db "$CLINIC_DB" --format csv --out "$DROPBOX_DIR/export.csv"
check "every check-in once with its score" python3 "$here/checkins.py" check "$DROPBOX_DIR/all.tsv" "$DROPBOX_DIR/export.csv"
expect "stick again after the network" "new 0, duplicate 0, rejected 0 (bundles already ingested: $bundles" \
  "$(ingest "$usb")"

finish sync_usb
