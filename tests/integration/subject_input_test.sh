#!/usr/bin/env bash
# outpostctl assess submit takes the patient code off the command line
# (anyone can read another process's argv in /proc): --subject-file FILE and
# --subject - (standard input) deliver the code, line ending dropped, to the
# clinic; --subject CODE still works and --help warns about it; a missing,
# empty or odd source is an error before anything is queued.
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

printf '572400001\n' > "$WORK/code"
expect "--subject-file" 0 "$(submit --subject-file "$WORK/code")"
printf '572400002\r\n' > "$WORK/code-crlf"
expect "--subject-file with CRLF" 0 "$(submit --subject-file "$WORK/code-crlf")"
expect "--subject - (stdin)" 0 "$(printf '572400003\n' | submit --subject -)"
expect "--subject - without a newline" 0 "$(printf '572400004' | submit --subject -)"
expect "--subject CODE still works" 0 "$(submit --subject 572400005)"
expect "five queued" 5 "$(queued)"

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
expect "still five queued" 5 "$(queued)"

"$BIN/outpostctl" assess submit --help > "$WORK/help" 2>&1 || true
contains "--help warns that --subject is visible" "visible to" "$WORK/help"
contains "--help offers --subject-file" "--subject-file" "$WORK/help"

# The clinic gets each code exactly as typed, without the line ending.
"$BIN/outpost-syncd" --once --config "$CONF" > /dev/null
"$BIN/outpost-clinic" ingest --clinic "$CLINIC" --from "$DROP" --db "$WORK/clinic.db" > /dev/null
"$BIN/outpost-clinic" export --db "$WORK/clinic.db" --format csv --out "$WORK/export.csv"
expect "subjects at the clinic" "572400001 572400002 572400003 572400004 572400005" \
  "$(tail -n +2 "$WORK/export.csv" | cut -d, -f6 | sort | tr '\n' ' ' | sed 's/ $//')"

finish subject_input
