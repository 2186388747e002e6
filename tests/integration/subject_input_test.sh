#!/usr/bin/env bash
# outpostctl assess submit takes the patient code off the command line
# (anyone can read another process's argv in /proc): --subject-file FILE and
# --subject - (standard input) deliver the code, line ending dropped, to the
# clinic as the 9 checked digits; --subject CODE still works and --help warns
# about it; a missing, empty or odd source, or a code that fails its check
# digit, is an error before anything is queued.
# Usage: subject_input_test.sh BIN_DIR
set -euo pipefail
BIN=$1
here=$(dirname "$0")
source "$here/expect.sh"
source "$here/cli_env.sh"
cli_setup

submit() {  # extra args...; stdout+stderr to $WORK/out, prints the exit status
  local rc=0
  "$BIN/outpostctl" --config "$CONF" assess submit --questionnaire "$PHQ9" --answers "$RESPONSE" "$@" \
    > "$WORK/out" 2>&1 || rc=$?
  echo "$rc"
}
queued() { "$BIN/outpostctl" --config "$CONF" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["queued"])'; }

# Valid codes: 8 data digits and their Damm check digit, computed here.
code() {
  /usr/bin/python3 -c '
import sys
T = ["0317598642", "7092154863", "4206871359", "1750983426", "6123045978",
     "3674209581", "5869720134", "8945362017", "9438617205", "2581436790"]
i = 0
for d in sys.argv[1]:
    i = int(T[i][int(d)])
print(sys.argv[1] + str(i))' "$1"
}
C1=$(code 57240001); C2=$(code 57240002); C3=$(code 57240003); C4=$(code 57240004); C5=$(code 57240005)
C6=$(code 57240006)
printf '%s\n' "$C1" > "$WORK/code"
expect "--subject-file" 0 "$(submit --subject-file "$WORK/code")"
printf '%s\r\n' "$C2" > "$WORK/code-crlf"
expect "--subject-file with CRLF" 0 "$(submit --subject-file "$WORK/code-crlf")"
expect "--subject - (stdin)" 0 "$(printf '%s\n' "$C3" | submit --subject -)"
expect "--subject - without a newline" 0 "$(printf '%s' "$C4" | submit --subject -)"
expect "--subject CODE still works" 0 "$(submit --subject "$C5")"
# Grouped as printed on the card: stored as the 9 digits.
expect "--subject '5724 0000 6 x' (spaces)" 0 "$(submit --subject "${C6:0:4} ${C6:4:4} ${C6:8}")"
expect "six queued" 6 "$(queued)"

# Errors: nothing is queued.
expect "--subject - with nothing on stdin" 1 "$(submit --subject - < /dev/null)"
contains "says so" "no patient code on standard input" "$WORK/out"
expect "--subject - with an empty line" 1 "$(printf '\n' | submit --subject -)"
check "missing file fails" test "$(submit --subject-file "$WORK/nope")" -ne 0
contains "missing file named" "$WORK/nope: the patient code file does not exist" "$WORK/out"
check "a folder fails" test "$(submit --subject-file "$WORK")" -ne 0
contains "folder named" "$WORK: the patient code file is a folder, not a file" "$WORK/out"
: > "$WORK/empty"
check "an empty file fails" test "$(submit --subject-file "$WORK/empty")" -ne 0
contains "empty file named" "$WORK/empty: the patient code file is empty" "$WORK/out"
check "both --subject and --subject-file fail" test "$(submit --subject 1 --subject-file "$WORK/code")" -ne 0
# A wrong check digit (every single-digit change is caught), a short code, letters.
bad=${C1:0:8}$(( (${C1:8} + 1) % 10 ))
expect "a wrong check digit fails" 1 "$(submit --subject "$bad")"
contains "says why" "check digit" "$WORK/out"
check "without echoing the code" bash -c "! grep -q '$bad' '$WORK/out'"
expect "a short code fails" 1 "$(submit --subject 5724)"
expect "letters fail" 1 "$(submit --subject 57240001x)"
expect "still six queued" 6 "$(queued)"

"$BIN/outpostctl" assess submit --help > "$WORK/help" 2>&1 || true
contains "--help warns that --subject is visible" "visible to" "$WORK/help"
contains "--help offers --subject-file" "--subject-file" "$WORK/help"

# The clinic gets each code as 9 digits, without the line ending or spaces.
"$BIN/outpost-syncd" --once --config "$CONF" > /dev/null
"$BIN/outpost-clinic" ingest --clinic "$CLINIC" --from "$DROP" --db "$WORK/clinic.db" > /dev/null
"$BIN/outpost-clinic" export --db "$WORK/clinic.db" --format csv --out "$WORK/export.csv"
expect "subjects at the clinic" "$C1 $C2 $C3 $C4 $C5 $C6" \
  "$(tail -n +2 "$WORK/export.csv" | cut -d, -f6 | sort | tr '\n' ' ' | sed 's/ $//')"

finish subject_input
