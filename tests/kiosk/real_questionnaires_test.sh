#!/usr/bin/env bash
# Questionnaires from real clinics and form tools (../shared/fhir-questionnaires,
# read from there, never copied): each file either validates and scores to its
# instrument's published key, or is rejected with every genuine authoring error
# named; totals the engine computes from a file's own FHIRPath agree with the
# reference engine (npm `fhirpath`, the LHC implementation).
# Usage: real_questionnaires_test.sh BIN_DIR NPM_DIR
set -euo pipefail
BIN=$1
NPM=$2
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../integration/expect.sh"
shared=$(cd "$here/../.." && pwd)/../shared/fhir-questionnaires
if [[ ! -d $shared ]]; then
  echo "real_questionnaires: $shared is missing (the shared folder beside the checkout)" >&2
  exit 1
fi
if ! bash "$here/../../scripts/install-fhir-validator.sh" "$NPM" > /dev/null; then
  echo "real_questionnaires: cannot install the reference FHIRPath engine from npm" >&2
  exit 77
fi
work=$(mktemp -d /tmp/outpost-realq.XXXXXX)
trap 'rm -rf "$work"' EXIT

validate() {  # file -> exit code; writes $work/v.json
  local rc=0
  "$BIN/outpostctl" assess validate --json "$shared/$1" > "$work/v.json" 2> /dev/null || rc=$?
  echo "$rc"
}
field() { python3 -c "import json,sys; d=json.load(open('$work/v.json')); print(eval(sys.argv[1]))" "$1"; }
score() {  # file mode -> score (or "null")
  python3 "$here/make_response.py" "$shared/$1" "$work/r.json" "$2" > "$work/w.tsv"
  "$BIN/outpostctl" assess score --questionnaire "$shared/$1" --answers "$work/r.json" |
    python3 -c "import json,sys; print(json.load(sys.stdin)['score'])"
}

# --- Rejected files: every genuine error named ------------------------------
# que-12: more than one enableWhen needs enableBehavior. Found here
# independently of the engine, so a missed item fails the test.
expect "US-AUDIT is rejected" 2 "$(validate asbi-usaudit.json)"
for id in $(python3 - "$shared/asbi-usaudit.json" <<'PY'
import json, sys
def walk(items):
    for it in items:
        if len(it.get("enableWhen", [])) > 1 and "enableBehavior" not in it:
            print(it["linkId"])
        walk(it.get("item", []))
walk(json.load(open(sys.argv[1]))["item"])
PY
); do
  check "US-AUDIT: $id lacks enableBehavior, named" \
    grep -q "item '$id': enableBehavior is required with more than one enableWhen" "$work/v.json"
done
check "US-AUDIT: the CQL-only enablement of a question is named" \
  grep -q "item 'pregnancy-question': enableWhenExpression is not supported" "$work/v.json"

# que-6: a display item cannot be required.
expect "Argonaut PHQ-9 is rejected" 2 "$(validate lforms-argonaut-phq9.json)"
for id in $(python3 - "$shared/lforms-argonaut-phq9.json" <<'PY'
import json, sys
def walk(items):
    for it in items:
        if it.get("type") == "display" and it.get("required"):
            print(it["linkId"])
        walk(it.get("item", []))
walk(json.load(open(sys.argv[1]))["item"])
PY
); do
  check "Argonaut: required display item $id named" grep -q "item '$id': a display item cannot be required" "$work/v.json"
done
expect "Argonaut: nothing else is called an error" "$(grep -c 'cannot be required' "$work/v.json")" \
  "$(field "len(d['errors'])")"

# --- Valid files: identity, scoring method, the published key ---------------
expect "CIRG PHQ-9: valid and deployable (version derived)" 0 "$(validate cirg-phq9.json)"
expect "CIRG PHQ-9: derived version" True "$(field "d['questionnaire']['version_derived']")"
expect "CIRG PHQ-9: its CQL total is replaced by the published key" instrument \
  "$(field "d['questionnaire']['scoring']['method']")"
expect "CIRG PHQ-9: all at the top is 27 (the weighted difficulty item is not counted)" 27 "$(score cirg-phq9.json max)"
expect "CIRG PHQ-9: the difficulty item was answered with a weight" 1 \
  "$(awk -F'\t' '$2=="69722-7" && $3>0' "$work/w.tsv" | wc -l)"
expect "CIRG PHQ-9: all at the bottom is 0" 0 "$(score cirg-phq9.json min)"

expect "CIRG GAD-7: valid but not deployable (no url)" 4 "$(validate cirg-gad7.json)"
check "CIRG GAD-7: says the url is missing" grep -q "url: is missing" "$work/v.json"
expect "CIRG GAD-7: all at the top is 21" 21 "$(score cirg-gad7.json max)"
expect "CIRG GAD-7: all at the bottom is 0" 0 "$(score cirg-gad7.json min)"

expect "RK PHQ-9 (contained ValueSet): valid and deployable" 0 "$(validate rkfhir-phq9.json)"
expect "RK PHQ-9: version as given" 3.0.0 "$(field "d['questionnaire']['version']")"
expect "RK PHQ-9: all at the top is 27" 27 "$(score rkfhir-phq9.json max)"

expect "SDC PHQ-9 (quantity total, FHIRPath): valid and deployable" 0 "$(validate sdc-ig-phq9.json)"
expect "SDC PHQ-9: scored by its own expression" expression "$(field "d['questionnaire']['scoring']['method']")"
expect "SDC PHQ-9: the total item" H1/TS "$(field "d['questionnaire']['total_item']")"
expect "SDC PHQ-9: all at the top is 27" 27 "$(score sdc-ig-phq9.json max)"
check "SDC and RK PHQ-9 share a url but not a key" \
  test "$(validate sdc-ig-phq9.json; field "d['questionnaire']['version']")" != "$(validate rkfhir-phq9.json; field "d['questionnaire']['version']")"

expect "LHC PHQ-9 (FHIRPath with variables): valid but not deployable (no url)" 4 "$(validate lforms-fhir-app-phq9.json)"
expect "LHC PHQ-9: scored by its own expression" expression "$(field "d['questionnaire']['scoring']['method']")"
expect "LHC PHQ-9: all at the top is 27" 27 "$(score lforms-fhir-app-phq9.json max)"

# --- Crisis: PHQ-9 item 9 critical with the shipped rules, not without ------
# (config/crisis-rules.toml: LOINC 44260-8, and url + linkId for the SDC
# example, whose items carry no codes.)
printf '# no rules\n' > "$work/no-rules.toml"
flags() {  # file [outpostctl options] -> the flags of the all-at-the-top response
  local file=$1
  shift
  python3 "$here/make_response.py" "$shared/$file" "$work/r.json" max > /dev/null
  "$BIN/outpostctl" assess score --questionnaire "$shared/$file" --answers "$work/r.json" "$@" |
    python3 -c "import json,sys; print(','.join(json.load(sys.stdin)['flags']))"
}
for file in cirg-phq9.json lforms-fhir-app-phq9.json rkfhir-phq9.json sdc-ig-phq9.json; do
  expect "$file: item 9 at the top is critical (shipped crisis rules)" critical "$(flags "$file")"
  expect "$file: and not with an empty rules file" "" "$(flags "$file" --crisis-rules "$work/no-rules.toml")"
done
"$BIN/outpostctl" assess validate --crisis-rules "$work/no-rules.toml" "$shared/cirg-phq9.json" > "$work/v.txt" 2>&1 || true
check "validate warns when no rule covers PHQ-9 item 9" grep -q "no crisis rule or extension marks it critical" "$work/v.txt"

# A typed total next to the computed one is refused.
python3 "$here/make_response.py" "$shared/sdc-ig-phq9.json" "$work/r.json" max > /dev/null
python3 - "$work/r.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["item"][0]["item"].append({"linkId": "H1/TS", "answer": [{"valueQuantity": {"value": 99}}]})
json.dump(r, open(sys.argv[1], "w"))
PY
rc=0
"$BIN/outpostctl" assess score --questionnaire "$shared/sdc-ig-phq9.json" --answers "$work/r.json" > /dev/null 2> "$work/err" || rc=$?
check "a typed total (99) is refused, exit $rc" test "$rc" -ne 0
check "and the reason says it is calculated" grep -q "H1/TS" "$work/err"

# --- The file's FHIRPath agrees with the reference engine --------------------
for spec in lforms-fhir-app-phq9.json:/44261-6 sdc-ig-phq9.json:H1/TS; do
  file=${spec%%:*}
  link=${spec#*:}
  for seed in 1 2 3 4 5 6 7 8; do
    ours=$(score "$file" "seed:$seed")
    theirs=$(node "$here/fhirpath_oracle.js" "$NPM/node_modules" "$shared/$file" "$work/r.json" "$link")
    expect "$file seed $seed: same total as the reference FHIRPath engine" "$theirs" "$ours"
  done
done

# --- End to end: submit -> sync -> ingest -> export ---------------------------
# Each deployable file through the real programs; the clinic must hold each
# record under the questionnaire the kiosk used, with its score.
"$BIN/outpost-clinic" keygen --out "$work/clinic" > /dev/null
mkdir -p "$work/dropbox" "$work/lib"
"$BIN/outpost-clinic" enroll --clinic "$work/clinic" --kiosk-id real-kiosk --server "file://$work/dropbox" \
  --out "$work/kiosk" > /dev/null
sed -i "s|^\[kiosk\]|[kiosk]\ndata_dir = \"$work/kiosk/data\"|" "$work/kiosk/outpost.toml"
: > "$work/expected.tsv"
alerts=0
for file in cirg-phq9.json rkfhir-phq9.json sdc-ig-phq9.json; do
  cp "$shared/$file" "$work/lib/"  # the clinic's library (a temp copy, not in the project)
  for mode in max seed:4; do
    python3 "$here/make_response.py" "$shared/$file" "$work/r.json" "$mode" > /dev/null
    want=$("$BIN/outpostctl" assess score --questionnaire "$shared/$file" --answers "$work/r.json" |
      python3 -c "import json,sys; a=json.load(sys.stdin); print(str(a['score']) + '\t' + ';'.join(a['flags']))")
    out=$("$BIN/outpostctl" --config "$work/kiosk/outpost.toml" assess submit --questionnaire "$shared/$file" \
      --answers "$work/r.json")
    id=$(head -n 1 <<< "$out")
    alert=$(sed -n 's/^crisis-alert //p' <<< "$out")
    key=$("$BIN/outpostctl" assess validate --json "$shared/$file" |
      python3 -c "import json,sys; q=json.load(sys.stdin)['questionnaire']; print(q['url'] + '|' + q['version'])")
    printf 'questionnaire-response\t%s\t%s\t%s\t%s\n' "$id" "$key" "$want" "$alert" >> "$work/expected.tsv"
    [[ -z $alert ]] || ((++alerts))
  done
done
"$BIN/outpost-syncd" --once --config "$work/kiosk/outpost.toml" > /dev/null
"$BIN/outpost-clinic" ingest --clinic "$work/clinic" --from "$work/dropbox" --db "$work/clinic.db" \
  --questionnaires "$work/lib" > "$work/ingest.out" || true
check "end to end: every critical check-in raised its crisis alert" test "$alerts" -ge 1
expect "end to end: all imported" "new $((6 + alerts)), duplicate 0, rejected 0, quarantined 0" \
  "$(grep -o 'new [0-9]*, duplicate [0-9]*, rejected [0-9]*, quarantined [0-9]*' "$work/ingest.out")"
"$BIN/outpost-clinic" export --db "$work/clinic.db" --format csv --out "$work/export.csv"
check "end to end: each record under its questionnaire with its score and the kiosk's crisis flag" python3 - "$work/expected.tsv" "$work/export.csv" <<'PY'
import csv, sys
rows = {r["record_id"]: r for r in csv.DictReader(open(sys.argv[2]))}
ok = True
seen_critical = False
for line in open(sys.argv[1]):
    kind, rid, key, score, flags, alert = line.rstrip("\n").split("\t")
    r = rows.get(rid)
    critical = "critical" in flags.split(";")
    seen_critical = seen_critical or critical
    if (not r or r["kind"] != kind or r["questionnaire"] != key or float(r["score"]) != float(score)
            or critical != ("critical" in r["flags"])):
        print("mismatch:", rid, key, score, flags, r and (r["questionnaire"], r["score"], r["flags"]), file=sys.stderr)
        ok = False
    # A critical check-in's alert (the kiosk's same path) is there, under the same questionnaire.
    a = rows.get(alert)
    if critical != bool(alert) or (alert and (not a or a["kind"] != "crisis-alert" or a["questionnaire"] != key
                                              or "critical" not in a["flags"])):
        print("alert mismatch:", rid, key, alert, a and (a["kind"], a["questionnaire"], a["flags"]), file=sys.stderr)
        ok = False
if not seen_critical:
    print("no critical check-in among the all-at-the-top responses", file=sys.stderr)
    ok = False
sys.exit(0 if ok else 1)
PY

finish real_questionnaires
