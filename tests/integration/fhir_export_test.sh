#!/usr/bin/env bash
# FHIR out (issue 9), end to end with the real programs: a clinic and an
# enrolled kiosk whose drop box is a file:// folder; PHQ-9 and GAD-7
# check-ins (patients and anonymous walk-ins, English and Spanish) by
# `outpostctl assess submit`, two with PHQ-9 item 9 "Nearly every day" whose
# crisis alerts assess submit queues first, as the kiosk window does on that
# page; outpost-syncd
# --once; outpost-clinic ingest; export in every format, twice. The exports
# must be byte-identical, and tests/integration/fhir/check_export.js checks
# them with a FHIR R4 JSON-schema validator from npm (installed into the
# build tree by scripts/install-fhir-validator.sh) and for ids, identifiers,
# subjects, Device, Observation and Flag codes, links and conditional creates.
# Exit 77 (ctest: skipped) only when npm cannot install the validator.
# Usage: fhir_export_test.sh BIN_DIR VALIDATOR_DIR
set -euo pipefail
BIN=$1
VALIDATOR=$2
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
source "$here/expect.sh"

work=$(mktemp -d /tmp/outpost-fhir.XXXXXX)
trap 'rm -rf "$work"' EXIT

if ! bash "$src/scripts/install-fhir-validator.sh" "$VALIDATOR" > "$work/npm.log" 2>&1; then
  echo "SKIPPED: the FHIR validator could not be installed from npm into $VALIDATOR:" >&2
  cat "$work/npm.log" >&2
  exit 77
fi

SYSTEM=https://clinic.example/fhir/patient-code
KIOSK=kiosk-fhir
PHQ9=$src/config/questionnaires/phq-9.json
GAD7=$src/config/questionnaires/gad-7.json
responses=$src/tests/data/responses
"$BIN/outpost-clinic" keygen --out "$work/clinic" > /dev/null
"$BIN/outpost-clinic" enroll --clinic "$work/clinic" --kiosk-id "$KIOSK" --server "file://$work/dropbox" \
  --out "$work/kiosk" > /dev/null
mkdir -p "$work/dropbox"
kiosk=(--config "$work/kiosk/outpost.toml" --data-dir "$work/data")

# PHQ-9 with item 9 (44260-8) "Nearly every day" (LA6571-9).
python3 - "$responses/phq9-es-critical.json" "$work/phq9-critical.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for item in r["item"][0]["item"]:
    if item["linkId"] == "44260-8":
        item["answer"] = [{"valueCoding": {"system": "http://loinc.org", "code": "LA6571-9"}}]
json.dump(r, open(sys.argv[2], "w"))
PY

: > "$work/submitted.tsv"  # kind, id, instrument, subject, lang, score, band
submit() {  # questionnaire answers instrument lang subject
  local out id alert score
  out=$("$BIN/outpostctl" "${kiosk[@]}" assess submit --questionnaire "$1" --answers "$2" --lang "$4" \
    ${5:+--subject "$5"})
  id=$(head -n 1 <<< "$out")
  alert=$(sed -n 's/^crisis-alert //p' <<< "$out")
  score=$("$BIN/outpostctl" assess score --questionnaire "$1" --answers "$2")
  # A critical result's alert was queued before its check-in.
  [[ -z $alert ]] || printf 'alert\t%s\t\t%s\t%s\t\n' "$alert" "$5" "$4" >> "$work/submitted.tsv"
  printf 'checkin\t%s\t%s\t%s\t%s\t%s\n' "$id" "$3" "$5" "$4" "$score" >> "$work/submitted.tsv"
}
submit "$PHQ9" "$responses/phq9-en-moderate.json" phq-9 en 123456786
submit "$GAD7" "$responses/gad7-es-mild.json" gad-7 es 123456786
submit "$GAD7" "$responses/gad7-en-severe.json" gad-7 en ""
submit "$PHQ9" "$work/phq9-critical.json" phq-9 es 876543217
submit "$PHQ9" "$work/phq9-critical.json" phq-9 en ""
expect "critical answers score as critical" '{"band":"moderate","critical_items":["44260-8"],"flags":["critical"],"score":10}' \
  "$("$BIN/outpostctl" assess score --questionnaire "$PHQ9" --answers "$work/phq9-critical.json")"

"$BIN/outpost-syncd" --once "${kiosk[@]}" > "$work/syncd.out"
contains "syncd delivered everything" "7 records; nothing left" "$work/syncd.out"
expect "ingest" "new 7, duplicate 0, rejected 0" \
  "$("$BIN/outpost-clinic" ingest --clinic "$work/clinic" --from "$work/dropbox" --db "$work/clinic.db" | tail -1 |
    cut -d, -f1-3)"

export_as() {  # format out [options]
  "$BIN/outpost-clinic" export --db "$work/clinic.db" --format "$1" --out "$2" "${@:3}" 2> "$work/export.err"
  expect "export $1 says nothing on stderr" "" "$(cat "$work/export.err")"
}
export_as fhir-ndjson "$work/export.ndjson" --subject-system "$SYSTEM"
export_as fhir-ndjson "$work/export-2.ndjson" --subject-system "$SYSTEM"
export_as fhir-bundle "$work/bundle.json" --subject-system "$SYSTEM"
export_as fhir-bundle "$work/bundle-2.json" --subject-system "$SYSTEM"
export_as csv "$work/export.csv"
check "NDJSON exported twice: identical bytes" cmp "$work/export.ndjson" "$work/export-2.ndjson"
check "Bundle exported twice: identical bytes" cmp "$work/bundle.json" "$work/bundle-2.json"
expect "CSV columns unchanged" \
  "record_id,kiosk,kind,created,questionnaire,subject,authored,score,severity,flags,created_corrected,clock" \
  "$(head -1 "$work/export.csv")"
expect "CSV rows" 7 "$(($(wc -l < "$work/export.csv") - 1))"
expect "default subject system" "urn:outpost:patient-code" \
  "$("$BIN/outpost-clinic" export --db "$work/clinic.db" | python3 -c '
import json, sys
print(sorted({json.loads(l)["subject"].get("identifier", {}).get("system", "") for l in sys.stdin if "subject" in json.loads(l)} - {""})[0])')"
rc=0
"$BIN/outpost-clinic" export --db "$work/clinic.db" --subject-system "patient code" > /dev/null 2> "$work/bad.err" || rc=$?
expect "a subject system that is not a URI is refused" 1 "$rc"
contains "and the message names it" "--subject-system 'patient code': not an absolute URI" "$work/bad.err"

# What the checker expects, from what was submitted: each alert belongs to
# the check-in submitted right after it.
python3 - "$work/submitted.tsv" "$SYSTEM" "$KIOSK" > "$work/expect.json" <<'PY'
import json, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
checkins, alerts = [], []
for n, (kind, rid, instrument, subject, lang, score) in enumerate(rows):
    if kind == "checkin":
        s = json.loads(score)
        checkins.append({"id": rid, "instrument": instrument, "subject": subject, "lang": lang,
                         "score": s["score"], "band": s["band"]})
    else:
        alerts.append({"id": rid, "subject": subject, "checkin": rows[n + 1][1]})
print(json.dumps({"subject_system": sys.argv[2], "kiosk": sys.argv[3], "checkins": checkins, "alerts": alerts}))
PY
check "FHIR R4 schema and export semantics (check_export.js)" node "$here/fhir/check_export.js" \
  --validator "$VALIDATOR" --ndjson "$work/export.ndjson" --bundle "$work/bundle.json" --expect "$work/expect.json"

finish fhir_export
