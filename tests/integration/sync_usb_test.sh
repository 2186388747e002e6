#!/usr/bin/env bash
# USB round trip: outpostctl export --to a folder; the clinic ingests from
# it and writes its receipt onto the stick; the same bundles arriving later
# over the network add nothing, while records queued after the export still
# arrive; a receipt (over the network or carried back on the stick) is what
# confirms records on the kiosk.
# Usage: sync_usb_test.sh BIN_DIR
set -euo pipefail
BIN=$1
here=$(dirname "$0")
source "$here/dropbox.sh"
source "$here/expect.sh"
source "$here/kiosk_env.sh"
trap dropbox_stop EXIT

ingest() {  # from -> "new N, duplicate D, rejected R, quarantined Q (bundles already ingested: K"
  "$BIN/outpost-clinic" ingest --clinic "$CLINIC_DIR" --from "$1" --db "$CLINIC_DB" | tail -1 | cut -d, -f1-4
}

dropbox_prepare kiosk-a
clinic_setup
kiosk_setup kiosk-a
conf=$(kiosk_conf kiosk-a)
printf '\n[sync]\nbundle_max_bytes = 2048\n' >> "$conf"  # several bundles
submit_checkins kiosk-a 40 "$DROPBOX_DIR/ids.tsv"

usb=$DROPBOX_DIR/usb-stick
mkdir -p "$usb"
# While syncd.lock is held (as outpost-syncd holds it) export refuses at
# once, says why, and writes nothing to the stick.
data=$DROPBOX_DIR/kiosk-a/data
rc=0
flock --exclusive "$data/syncd.lock" \
  "$BIN/outpostctl" --config "$conf" export --to "$usb" > /dev/null 2> "$DROPBOX_DIR/export-locked.err" || rc=$?
expect "export while syncd.lock is held: exit 1" 1 "$rc"
contains "export while syncd.lock is held: says syncd runs" "syncd.lock: outpost-syncd is running for this data dir" \
  "$DROPBOX_DIR/export-locked.err"
expect "export while syncd.lock is held: nothing on the stick" 0 "$(find "$usb" -type f | wc -l)"
"$BIN/outpostctl" --config "$conf" export --to "$usb" > "$DROPBOX_DIR/export.out"
expect "export says" "40 records" "$(grep -o '40 records' "$DROPBOX_DIR/export.out")"
bundles=$(find "$usb" -name '*.opb' | wc -l)
check "several bundles on the stick ($bundles)" test "$bundles" -gt 1
expect "nothing but bundles on the stick" 0 "$(find "$usb" -type f ! -name '*.opb' | wc -l)"
expect "ingest from the stick" "new 40, duplicate 0, rejected 0, quarantined 0 (bundles already ingested: 0" "$(ingest "$usb")"
check "the clinic's receipt is on the stick" test -s "$usb/receipts/kiosk-a.json"
status() { "$BIN/outpostctl" --config "$conf" status --json | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
expect "nothing confirmed on the kiosk before the stick comes back" 0 "$(status confirmed)"

# More check-ins, then the link comes back before the stick does: the
# kiosk sends everything the clinic has not confirmed.
submit_checkins kiosk-a 7 "$DROPBOX_DIR/ids-later.tsv"
dropbox_run
"$BIN/outpost-syncd" --once --config "$conf" > /dev/null
expect "network delivery after the stick" \
  "new 7, duplicate 0, rejected 0, quarantined 0 (bundles already ingested: $bundles" "$(ingest "$DROPBOX_DATA")"
expect "accepted, not yet confirmed" 47 "$(status accepted)"
# The next pass fetches the receipt the ingest wrote: now confirmed.
"$BIN/outpost-syncd" --once --config "$conf" > /dev/null
expect "confirmed by the network receipt" 47 "$(status confirmed)"
expect "nothing awaits the clinic" 0 "$(status accepted)"

# The stick comes back with its (older) receipt: it confirms nothing new,
# and nothing is left to write.
"$BIN/outpostctl" --config "$conf" export --to "$usb" > "$DROPBOX_DIR/export2.out"
contains "second export writes nothing" "exported 0 bundles" "$DROPBOX_DIR/export2.out"

# A data run with the link down: the stick's receipt alone confirms.
submit_checkins kiosk-a 3 "$DROPBOX_DIR/ids-last.tsv"
usb2=$DROPBOX_DIR/usb-stick-2
mkdir -p "$usb2"
"$BIN/outpostctl" --config "$conf" export --to "$usb2" > /dev/null
expect "ingest from the second stick" "new 3, duplicate 0, rejected 0, quarantined 0 (bundles already ingested: 0" "$(ingest "$usb2")"
"$BIN/outpostctl" --config "$conf" export --to "$usb2" > "$DROPBOX_DIR/export3.out"
contains "the stick's receipt confirms" "receipt on the stick: 3 records confirmed" "$DROPBOX_DIR/export3.out"
expect "confirmed after the USB round trip" 50 "$(status confirmed)"
cat "$DROPBOX_DIR/ids-last.tsv" >> "$DROPBOX_DIR/ids-later.tsv"
cat "$DROPBOX_DIR/ids.tsv" "$DROPBOX_DIR/ids-later.tsv" > "$DROPBOX_DIR/all.tsv"
"$BIN/outpost-clinic" export --db "$CLINIC_DB" --format csv --out "$DROPBOX_DIR/export.csv"
check "every check-in once with its score" python3 "$here/checkins.py" check "$DROPBOX_DIR/all.tsv" "$DROPBOX_DIR/export.csv"
expect "stick again after the network" "new 0, duplicate 0, rejected 0, quarantined 0 (bundles already ingested: $bundles" \
  "$(ingest "$usb")"
check "no patient code or answers in the receipts" bash -c "! grep -l 'valueCoding\|subject' '$usb/receipts/kiosk-a.json' '$DROPBOX_DATA/receipts/kiosk-a.json'"

finish sync_usb
