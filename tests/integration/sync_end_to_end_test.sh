#!/usr/bin/env bash
# End to end (issue 5): 500 check-ins submitted while the drop box is down;
# outpost-syncd --once reports the failure and keeps everything; the server
# starts; outpost-syncd --once drains; ingest gives 500 new, 0 duplicate,
# every score right; ingest again adds nothing.
# Usage: sync_end_to_end_test.sh BIN_DIR [N]
set -euo pipefail
BIN=$1
N=${2:-500}
here=$(dirname "$0")
source "$here/dropbox.sh"
source "$here/expect.sh"
source "$here/kiosk_env.sh"
trap dropbox_stop EXIT

dropbox_prepare kiosk-a
clinic_setup
kiosk_setup kiosk-a
conf=$(kiosk_conf kiosk-a)
submit_checkins kiosk-a "$N" "$DROPBOX_DIR/ids.tsv"
expect "check-ins submitted" "$N" "$(wc -l < "$DROPBOX_DIR/ids.tsv")"

# Server down: a pass fails, says why, and keeps everything queued.
rc=0
"$BIN/outpost-syncd" --once --config "$conf" > "$DROPBOX_DIR/syncd.out" 2> "$DROPBOX_DIR/syncd.err" || rc=$?
expect "syncd exit with the server down" 75 "$rc"
contains "connection failure reported" "network: .*Couldn't connect" "$DROPBOX_DIR/syncd.err"

dropbox_run
rc=0
"$BIN/outpost-syncd" --once --config "$conf" > "$DROPBOX_DIR/syncd.out" 2> "$DROPBOX_DIR/syncd.err" || rc=$?
expect "syncd exit with the server up" 0 "$rc"
expect "syncd summary" "$N records; nothing left" "$(grep -o '[0-9]* records; .*' "$DROPBOX_DIR/syncd.out")"
expect "heartbeat stored" 1 "$(ls "$DROPBOX_DATA/status" | grep -c '^kiosk-a.json$')"

ingest() {
  "$BIN/outpost-clinic" ingest --clinic "$CLINIC_DIR" --from "$DROPBOX_DATA" --db "$CLINIC_DB" | tail -1
}
expect "first ingest" "new $N, duplicate 0, rejected 0" "$(ingest | cut -d, -f1-3)"
"$BIN/outpost-clinic" export --db "$CLINIC_DB" --format csv --out "$DROPBOX_DIR/export.csv"
check "every check-in once with its score" python3 "$here/checkins.py" check "$DROPBOX_DIR/ids.tsv" "$DROPBOX_DIR/export.csv"
expect "FHIR lines" "$N" "$("$BIN/outpost-clinic" export --db "$CLINIC_DB" --format fhir-ndjson | grep -c '"resourceType":"QuestionnaireResponse"')"
expect "second ingest" "new 0, duplicate 0, rejected 0" "$(ingest | cut -d, -f1-3)"

# A second pass has nothing to send.
rc=0
"$BIN/outpost-syncd" --once --config "$conf" > "$DROPBOX_DIR/syncd.out" 2>&1 || rc=$?
expect "syncd again" 0 "$rc"
expect "nothing sent again" "0 bundles sent" "$(grep -o '^outpost-syncd: 0 bundles sent' "$DROPBOX_DIR/syncd.out" | cut -d' ' -f2-)"
expect "fleet lists the kiosk with an empty queue" "kiosk-a 0" \
  "$("$BIN/outpost-clinic" fleet --db "$CLINIC_DB" | awk -F'\t' '$1=="kiosk-a"{print $1, $3}')"

finish sync_end_to_end
