#!/usr/bin/env bash
# What outpost-clinic prints and writes:
#  1. strings from outside (file names in the drop box, heartbeat fields, a
#     kiosk's patient code) reach the operator's terminal with escape
#     sequences shown as \xNN, never as raw ESC bytes (kiosk/terminal_text.h);
#     the kiosk refuses such a code, so a forged bundle (opb.py) carries it,
#     and the clinic keeps it as sent, flagged subject-unchecked;
#  2. everything it creates holding patient data or keys is 0600 whatever the
#     caller's umask: clinic.db and its -wal/-shm, CSV and NDJSON exports, key
#     files, the enrolled kiosk's folder.
# Usage: clinic_output_test.sh BIN_DIR
set -euo pipefail
BIN=$1
here=$(dirname "$0")
source "$here/expect.sh"
source "$here/cli_env.sh"
umask 022  # the programs must not depend on the caller's umask
cli_setup

mode() { stat -c %a "$1"; }
no_escape_bytes() { ! grep -q $'\e' "$1"; }
not_contains() { ! grep -q -- "$1" "$2"; }
ingest() {  # -> exit status; output in $WORK/out
  local rc=0
  "$BIN/outpost-clinic" ingest --clinic "$CLINIC" --from "$DROP" --db "$WORK/clinic.db" > "$WORK/out" 2>&1 || rc=$?
  echo "$rc"
}

# --- 1. untrusted strings to the terminal ---
esc=$'\e'
hostile=$'\e]0;owned\a572400001'  # a patient code with an OSC sequence (retitles the window)
printf '%s\n' "$hostile" > "$WORK/code"
# The kiosk refuses it at its entry point (docs/design.md, "Patient codes"):
# exit 1 naming the problem, never echoing the code, nothing queued.
rc=0
"$BIN/outpostctl" --config "$CONF" assess submit --questionnaire "$PHQ9" \
  --answers "$SRC/tests/data/responses/phq9-es-critical.json" --subject-file "$WORK/code" \
  > "$WORK/submit.out" 2> "$WORK/submit.err" || rc=$?
expect "submit: the escape-laden code is refused" 1 "$rc"
contains "submit: says what is wrong" 'patient code' "$WORK/submit.err"
check "submit: stderr holds no ESC byte" no_escape_bytes "$WORK/submit.err"
check "submit: stderr does not echo the code" not_contains '572400001\|owned' "$WORK/submit.err"
check "submit: stdout does not echo the code" not_contains '572400001\|owned' "$WORK/submit.out"
"$BIN/outpostctl" --config "$CONF" status --json > "$WORK/status.json"
expect "submit: nothing queued" "0 0 0" "$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))
print(j["queued"], j["queued_by_priority"]["crisis"], j["crisis_unsaved"])' "$WORK/status.json")"

# A lying (or pre-0.3) kiosk sends it anyway: a crisis alert forged with
# kiosk-a's key (tests/integration/opb.py, written from design.md).
qref=$(python3 -c 'import json,sys; q=json.load(open(sys.argv[1])); print(q["url"] + "|" + q["version"])' "$PHQ9")
forge() {  # SUBJECT -> the bundle's path
  /usr/bin/python3 "$here/opb.py" forge-crisis "$KIOSK/kiosk.sk" "$CLINIC/sealing.pk" "$DROP" \
    --kiosk kiosk-a --subject "$1" --questionnaire "$qref"
}
mkdir -p "$DROP/status"
forge "$hostile" > /dev/null
# And a valid code typed with spaces: stored as its 9 digits, unflagged. The
# check digit from an independent Damm implementation (standard table).
damm() {
  python3 - "$1" <<'PY'
import sys
T = ["0317598642", "7092154863", "4206871359", "1750983426", "6123045978",
     "3674209581", "5869720134", "8945362017", "9438617205", "2581436790"]
interim = 0
for d in sys.argv[1]:
    interim = int(T[interim][int(d)])
print(interim)
PY
}
expect "Damm: design.md's example (572 -> 4)" 4 "$(damm 572)"
spaced_check=$(damm 57240000)
expect "Damm: the full code checks" 0 "$(damm "57240000$spaced_check")"
forge "5724 0000 $spaced_check" > /dev/null
# A junk bundle whose file name clears the screen.
printf 'junk' > "$DROP/inbox/kiosk-a/${esc}[2Jkiosk-a.opb"
# A heartbeat whose kiosk id holds an escape (not enrolled: rejected, and the
# reason quotes it).
body='{"v":1,"kiosk":"\u001b[31mkiosk-z","version":"0.1.0","clock_ms":1,"queue_depth":0,"oldest_queued_ms":null,"disk_free_bytes":0,"last_error":""}'
python3 -c 'import json,sys; print(json.dumps({"body": sys.argv[1], "sig": "A" * 86 + "=="}))' "$body" \
  > "$DROP/status/kiosk-z.json"
expect "ingest: exit 2 (two rejected)" 2 "$(ingest)"
contains "ingest: both forged alerts stored" '^new 2, duplicate 0, rejected 1, quarantined 0' "$WORK/out"
contains "the file name, escaped" 'rejected: inbox/kiosk-a/\\x1b\[2Jkiosk-a.opb: corrupt' "$WORK/out"
contains "the heartbeat's kiosk id, escaped" "kiosk id '\\\\x1b\[31mkiosk-z'" "$WORK/out"
check "ingest printed no ESC byte" no_escape_bytes "$WORK/out"

"$BIN/outpost-clinic" alerts --db "$WORK/clinic.db" > "$WORK/alerts" 2>&1
contains "alerts: the patient code, escaped" '\\x1b]0;owned\\x07572400001' "$WORK/alerts"
contains "alerts: the code stored as sent, flagged" \
  '^CRITICAL .* crisis-alert  \\x1b]0;owned\\x07572400001  critical,subject-unchecked  ' "$WORK/alerts"
contains "alerts: the spaced code normalised, not flagged" \
  "^CRITICAL .* crisis-alert  57240000$spaced_check  critical  " "$WORK/alerts"
check "alerts printed no ESC byte" no_escape_bytes "$WORK/alerts"
"$BIN/outpost-clinic" export --db "$WORK/clinic.db" --format csv > "$WORK/alerts.csv"
python3 - "$WORK/alerts.csv" "$hostile" > "$WORK/subjects" <<'PY'
import csv, sys
for row in csv.DictReader(open(sys.argv[1], newline="")):
    who = "hostile" if row["subject"] == sys.argv[2] else row["subject"]
    print(row["kind"], who, row["flags"], row["questionnaire"])
PY
contains "CSV: the hostile code as sent, flagged subject-unchecked" \
  "^crisis-alert hostile critical;subject-unchecked $qref\$" "$WORK/subjects"
contains "CSV: the spaced code as 9 digits, no flag" \
  "^crisis-alert 57240000$spaced_check critical $qref\$" "$WORK/subjects"
expect "CSV: two records" 2 "$(wc -l < "$WORK/subjects")"
# The same export to a terminal (script(1) gives it a pty): shown, not sent.
script -qec "'$BIN/outpost-clinic' export --db '$WORK/clinic.db' --format csv" /dev/null > "$WORK/tty.csv"
contains "CSV on a terminal: the code escaped" '\\x1b]0;owned\\x07572400001' "$WORK/tty.csv"
check "CSV on a terminal: no ESC byte" no_escape_bytes "$WORK/tty.csv"

# A heartbeat signed with kiosk-a's key whose last_error holds an escape.
python3 - "$KIOSK/kiosk.sk" "$DROP/status/kiosk-a.json" "$WORK" <<'PY'
import base64, json, subprocess, sys, time
sk = base64.b64decode(open(sys.argv[1]).read().strip())
der = bytes.fromhex("302e020100300506032b657004220420") + sk[:32]  # PKCS#8 Ed25519 from the seed
open(sys.argv[3] + "/k.der", "wb").write(der)
body = json.dumps({"v": 1, "kiosk": "kiosk-a", "version": "0.1.0", "clock_ms": int(time.time() * 1000) + 60000,
                   "queue_depth": 0, "oldest_queued_ms": None, "disk_free_bytes": 1 << 30,
                   "last_error": "network: \x1b[2J\x1b[1;1Hall good"}, separators=(",", ":"))
open(sys.argv[3] + "/body", "w").write(body)
sig = subprocess.run(["openssl", "pkeyutl", "-sign", "-keyform", "DER", "-inkey", sys.argv[3] + "/k.der",
                      "-rawin", "-in", sys.argv[3] + "/body"], check=True, capture_output=True).stdout
open(sys.argv[2], "w").write(json.dumps({"body": body, "sig": base64.b64encode(sig).decode()}))
PY
rm "$DROP/status/kiosk-z.json" "$DROP/inbox/kiosk-a/${esc}[2Jkiosk-a.opb"
expect "ingest of the signed heartbeat" 0 "$(ingest)"
contains "heartbeat taken" "heartbeats: 1" "$WORK/out"
"$BIN/outpost-clinic" fleet --db "$WORK/clinic.db" > "$WORK/fleet" 2>&1
contains "fleet: last_error, escaped" 'network: \\x1b\[2J\\x1b\[1;1Hall good' "$WORK/fleet"
check "fleet printed no ESC byte" no_escape_bytes "$WORK/fleet"

# --- 2. modes ---
for f in sealing.sk signing.sk sealing.pk signing.pk kiosks/kiosk-a.pk; do
  expect "keygen/enroll: $f" 600 "$(mode "$CLINIC/$f")"
done
expect "keygen: the clinic folder" 700 "$(mode "$CLINIC")"
expect "enroll: kiosk.sk" 600 "$(mode "$KIOSK/kiosk.sk")"
expect "enroll: outpost.toml" 600 "$(mode "$CONF")"
expect "ingest: clinic.db" 600 "$(mode "$WORK/clinic.db")"
"$BIN/outpost-clinic" export --db "$WORK/clinic.db" --format csv --out "$WORK/export.csv"
"$BIN/outpost-clinic" export --db "$WORK/clinic.db" --format fhir-ndjson --out "$WORK/export.ndjson"
expect "export: CSV" 600 "$(mode "$WORK/export.csv")"
expect "export: NDJSON" 600 "$(mode "$WORK/export.ndjson")"
check "export: CSV has the records" test "$(wc -l < "$WORK/export.csv")" -eq 3

# The -wal and -shm files exist only while the database is open: look at
# them while an export to a new database waits for a reader on a FIFO.
mkfifo "$WORK/out.fifo"
"$BIN/outpost-clinic" export --db "$WORK/new.db" --format csv --out "$WORK/out.fifo" &
export_pid=$!
for ((i = 0; i < 200; i++)); do [[ -e $WORK/new.db-shm ]] && break; sleep 0.05; done
expect "open database: new.db" 600 "$(mode "$WORK/new.db")"
expect "open database: new.db-wal" 600 "$(mode "$WORK/new.db-wal")"
expect "open database: new.db-shm" 600 "$(mode "$WORK/new.db-shm")"
cat "$WORK/out.fifo" > /dev/null
wait "$export_pid"

finish clinic_output
