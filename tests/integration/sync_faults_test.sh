#!/usr/bin/env bash
# Faults (issue 5): a fault-injecting proxy between outpost-syncd and the
# drop box cuts connections mid-request, stalls, answers 500 and 503, and
# throttles to 10 kB/s; outpost-syncd --once is run until it reports nothing
# left; after recovery every record is at the clinic exactly once.
# Usage: sync_faults_test.sh BIN_DIR
set -euo pipefail
BIN=$1
here=$(dirname "$0")
source "$here/dropbox.sh"
source "$here/expect.sh"
source "$here/kiosk_env.sh"
trap dropbox_stop EXIT

dropbox_start kiosk-a
proxy_start
clinic_setup
kiosk_setup kiosk-a "$PROXY_URL"
conf=$(kiosk_conf kiosk-a)
printf '\n[sync]\nbundle_max_bytes = 2048\nstall_timeout_s = 2\n' >> "$conf"
submit_checkins kiosk-a 150 "$DROPBOX_DIR/ids.tsv"

# One mode per connection; each failed pass ends its connection, and the
# heartbeat after it opens another.
cat > "$PROXY_MODES" <<'MODES'
cut 3000
cut 3000
status 503
status 503
stall 3000
stall 3000
status 500
status 500
cut 700
cut 700
throttle 10000
MODES

runs=0
rc=1
declare -A seen_errors=()
while ((rc != 0 && runs < 30)); do
  runs=$((runs + 1))
  rc=0
  "$BIN/outpost-syncd" --once --config "$conf" > /dev/null 2> "$DROPBOX_DIR/err" || rc=$?
  for e in network stalled server_error; do
    grep -q "outpost-syncd: $e: " "$DROPBOX_DIR/err" && seen_errors[$e]=1
  done
  if ((rc != 0 && rc != 75)); then
    echo "FAIL: syncd exit $rc" >&2
    cat "$DROPBOX_DIR/err" >&2
    break
  fi
done
expect "drained after the faults" 0 "$rc"
expect "each fault seen and reported" "network server_error stalled" "$(printf '%s\n' "${!seen_errors[@]}" | sort | xargs)"
check "faults hit ($runs runs)" test "$runs" -ge 5

expect "ingest" "new 150, duplicate 0, rejected 0" \
  "$("$BIN/outpost-clinic" ingest --clinic "$CLINIC_DIR" --from "$DROPBOX_DATA" --db "$CLINIC_DB" | tail -1 | cut -d, -f1-3 | cut -d' ' -f1-6)"
"$BIN/outpost-clinic" export --db "$CLINIC_DB" --format csv --out "$DROPBOX_DIR/export.csv"
check "every check-in once with its score" python3 "$here/checkins.py" check "$DROPBOX_DIR/ids.tsv" "$DROPBOX_DIR/export.csv"
expect "no partial files at the drop box" 0 "$(find "$DROPBOX_DATA/inbox" -name '*.opb' -size -100c | wc -l)"

finish sync_faults "$runs syncd runs"
