#!/usr/bin/env bash
# Ingest per record (docs/design.md, "Clinic server layout"): one check-in of
# a questionnaire the clinic's library lacks, in a bundle with two good
# PHQ-9 check-ins, is quarantined sealed; the good ones are imported, the
# bundle is not rejected and its receipt confirms it on the kiosk; ingesting
# it again adds nothing; once the questionnaire is in the library,
# `quarantine retry` imports the record, once. The quarantine rows hold no
# plaintext (the patient code used as a marker is not in them).
# The kiosk ships to a folder (file://), so no drop box server is started.
# Usage: sync_quarantine_test.sh BIN_DIR
set -euo pipefail
BIN=$1
here=$(dirname "$0")
source "$here/dropbox.sh"
source "$here/expect.sh"
source "$here/kiosk_env.sh"
trap dropbox_stop EXIT

dropbox_prepare kiosk-a  # the temp dir and the kiosk's test certificate; nginx is not run
clinic_setup
kiosk_setup kiosk-a
conf=$(kiosk_conf kiosk-a)
folder=$DROPBOX_DIR/share
mkdir -p "$folder"
marker=271828189  # a patient code: only the quarantined check-in carries it
key='urn:outpost:test:gad-7-local|9.0.0'

# The clinic's library: the shipped questionnaires. The kiosk also has a
# local GAD-7 under its own url and version, which the clinic lacks.
library=$DROPBOX_DIR/library
mkdir -p "$library"
cp "$DROPBOX_SRC"/config/questionnaires/*.json "$library/"
local_q=$DROPBOX_DIR/local/gad-7-local.json
mkdir -p "$(dirname "$local_q")"
python3 - "$DROPBOX_SRC" "$local_q" "$DROPBOX_DIR/local/answers.json" <<'PY'
import json, sys
src, q_out, a_out = sys.argv[1:]
q = json.load(open(src + "/config/questionnaires/gad-7.json"))
q["url"], q["version"] = "urn:outpost:test:gad-7-local", "9.0.0"
json.dump(q, open(q_out, "w"))
a = json.load(open(src + "/tests/data/responses/gad7-en-severe.json"))
a["questionnaire"] = q["url"]
json.dump(a, open(a_out, "w"))
PY

submit_checkins kiosk-a 2 "$DROPBOX_DIR/ids.tsv"
local_id=$("$BIN/outpostctl" --config "$conf" assess submit --questionnaire "$local_q" \
  --answers "$DROPBOX_DIR/local/answers.json" --subject "$marker")
local_score=$("$BIN/outpostctl" assess score --questionnaire "$local_q" --answers "$DROPBOX_DIR/local/answers.json" |
  python3 -c 'import json,sys; print(float(json.load(sys.stdin)["score"]))')
"$BIN/outpost-syncd" --once --config "$conf" --server "file://$folder" > /dev/null
expect "one bundle with the three check-ins" 1 "$(find "$folder/inbox" -name '*.opb' | wc -l)"

ingest() {  # -> output; sets rc
  rc=0
  "$BIN/outpost-clinic" ingest --clinic "$CLINIC_DIR" --from "$folder" --db "$CLINIC_DB" \
    --questionnaires "$library" > "$DROPBOX_DIR/ingest.out" || rc=$?
}
summary() { tail -1 "$DROPBOX_DIR/ingest.out" | sed 's/ (bundles already ingested: \([0-9]*\).*/ (known \1)/'; }
status() { "$BIN/outpostctl" --config "$conf" status --json | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
qlist() {  # [--json] -> output; sets rc
  rc=0
  "$BIN/outpost-clinic" quarantine list --db "$CLINIC_DB" "$@" > "$DROPBOX_DIR/list.out" || rc=$?
}
retry() {  # library -> output; sets rc
  rc=0
  "$BIN/outpost-clinic" quarantine retry --clinic "$CLINIC_DIR" --db "$CLINIC_DB" --questionnaires "$1" \
    > "$DROPBOX_DIR/retry.out" || rc=$?
}

# --- The bundle is ingested, one record quarantined -------------------------
ingest
expect "ingest exits 2 when a record is quarantined" 2 "$rc"
expect "ingest summary" "new 2, duplicate 0, rejected 0, quarantined 1 (known 0)" "$(summary)"
contains "the quarantined record and why" \
  "^quarantined: inbox/kiosk-a/kiosk-a-[0-9a-f-]*.opb: record $local_id: questionnaire '$key' is not in the library" \
  "$DROPBOX_DIR/ingest.out"
check "no rejection" bash -c "! grep -q '^rejected:' '$DROPBOX_DIR/ingest.out'"
"$BIN/outpost-clinic" export --db "$CLINIC_DB" --format csv --out "$DROPBOX_DIR/export.csv"
check "the two good check-ins are imported with their scores" \
  python3 "$here/checkins.py" check "$DROPBOX_DIR/ids.tsv" "$DROPBOX_DIR/export.csv"

# Delivery happened: the receipt ingest wrote confirms all three records.
check "the receipt is in the folder" test -s "$folder/receipts/kiosk-a.json"
"$BIN/outpost-syncd" --once --config "$conf" --server "file://$folder" > /dev/null
expect "the receipt confirms the bundle on the kiosk" 3 "$(status confirmed)"
expect "no bundle rejected on the kiosk" 0 "$(status rejected_bundles)"
expect "nothing left on the kiosk" "0 0" "$(status queued) $(status accepted)"

qlist
expect "quarantine list exits 0" 0 "$rc"
expect "quarantine list row" "$local_id kiosk-a questionnaire-response $key" \
  "$(awk -F'\t' 'NR==2 {print $1, $2, $3, $4}' "$DROPBOX_DIR/list.out")"
expect "quarantine list count" "quarantined 1" "$(tail -1 "$DROPBOX_DIR/list.out")"
qlist --json
expect "quarantine list --json" "1 $local_id $key" "$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(j["quarantined"], j["records"][0]["record_id"], j["records"][0]["questionnaire"])' "$DROPBOX_DIR/list.out")"

# No plaintext in the quarantine: no column of any row holds the patient
# code; nothing in the database does yet (the PHQ-9 check-ins have none).
plain_in_quarantine() {
  python3 - "$CLINIC_DB" "$marker" <<'PY'
import sqlite3, sys
db, marker = sys.argv[1], sys.argv[2]
rows = sqlite3.connect(db).execute("SELECT * FROM quarantine").fetchall()
hits = [v for row in rows for v in row if marker.encode() in (v if isinstance(v, bytes) else str(v).encode())]
print(len(rows), len(hits))
PY
}
expect "quarantine rows without the patient code" "1 0" "$(plain_in_quarantine)"
check "the patient code is nowhere in the database files" bash -c "! grep -q '$marker' '$CLINIC_DB'* "

# --- The same bundle again: nothing new --------------------------------------
ingest
expect "ingest again exits 0" 0 "$rc"
expect "ingest again adds nothing" "new 0, duplicate 0, rejected 0, quarantined 0 (known 1)" "$(summary)"
contains "ingest says the quarantine is not empty" "^quarantine holds 1 record" "$DROPBOX_DIR/ingest.out"
qlist
expect "still one quarantined" "quarantined 1" "$(tail -1 "$DROPBOX_DIR/list.out")"

# --- Retry: without the questionnaire it stays, with it it is imported --------
retry "$library"
expect "retry without the questionnaire exits 2" 2 "$rc"
expect "retry without the questionnaire" "imported 0, duplicate 0, still quarantined 1" "$(tail -1 "$DROPBOX_DIR/retry.out")"
contains "retry says why" "^quarantined: record $local_id: questionnaire '$key' is not in the library" \
  "$DROPBOX_DIR/retry.out"
cp "$local_q" "$library/"
retry "$library"
expect "retry with the questionnaire exits 0" 0 "$rc"
expect "retry imports it" "imported 1, duplicate 0, still quarantined 0" "$(tail -1 "$DROPBOX_DIR/retry.out")"
qlist
expect "the quarantine is empty" "quarantined 0" "$(tail -1 "$DROPBOX_DIR/list.out")"
"$BIN/outpost-clinic" export --db "$CLINIC_DB" --format csv --out "$DROPBOX_DIR/export.csv"
expect "imported once, with its questionnaire, patient code and score" "1 $key $marker $local_score" "$(python3 -c '
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["record_id"] == sys.argv[2]]
print(len(rows), rows[0]["questionnaire"], rows[0]["subject"], float(rows[0]["score"]))' "$DROPBOX_DIR/export.csv" "$local_id")"
expect "three records in all, and the header" 4 "$(wc -l < "$DROPBOX_DIR/export.csv")"
retry "$library"
expect "retry again exits 0" 0 "$rc"
expect "retry again does nothing" "imported 0, duplicate 0, still quarantined 0" "$(tail -1 "$DROPBOX_DIR/retry.out")"
ingest
expect "ingest after the retry" "new 0, duplicate 0, rejected 0, quarantined 0 (known 1)" "$(summary)"
check "no quarantine note once it is empty" bash -c "! grep -q '^quarantine holds' '$DROPBOX_DIR/ingest.out'"

finish sync_quarantine
