#!/usr/bin/env bash
# kill -9 (issue 5): outpost-syncd is killed with SIGKILL at random moments
# during upload at least 100 times (through a throttled link, so kills land
# mid-request); more check-ins are queued as it goes so uploads keep going.
# Afterwards every record is at the clinic exactly once.
# Usage: sync_kill_test.sh BIN_DIR [KILLS]
set -euo pipefail
BIN=$1
KILLS=${2:-100}
here=$(dirname "$0")
source "$here/dropbox.sh"
source "$here/expect.sh"
source "$here/kiosk_env.sh"
trap dropbox_stop EXIT

dropbox_start kiosk-a
proxy_start
echo "throttle 20000" > "$PROXY_MODES"
clinic_setup
kiosk_setup kiosk-a "$PROXY_URL"
conf=$(kiosk_conf kiosk-a)
printf '\n[sync]\nbundle_max_bytes = 1024\n' >> "$conf"
submit_checkins kiosk-a 60 "$DROPBOX_DIR/ids.tsv"

RANDOM=4242  # reproducible kill times
killed=0
finished=0
for ((i = 0; killed < KILLS && i < 3 * KILLS; i++)); do
  "$BIN/outpost-syncd" --once --config "$conf" > /dev/null 2>&1 &
  pid=$!
  sleep "0.$(printf '%03d' $((20 + RANDOM % 230)))"
  if kill -9 "$pid" 2>/dev/null; then
    killed=$((killed + 1))
  else
    finished=$((finished + 1))
  fi
  wait "$pid" 2>/dev/null || true
  if ((i % 10 == 9)); then  # keep the queue from running dry
    submit_checkins kiosk-a 5 "$DROPBOX_DIR/more.tsv"
    cat "$DROPBOX_DIR/more.tsv" >> "$DROPBOX_DIR/ids.tsv"
  fi
done
check "at least $KILLS kills of a running syncd ($killed)" test "$killed" -ge "$KILLS"

echo pass > "$PROXY_MODES"
rc=0
"$BIN/outpost-syncd" --once --config "$conf" > /dev/null 2> "$DROPBOX_DIR/err" || rc=$?
expect "final pass drains" 0 "$rc"
total=$(wc -l < "$DROPBOX_DIR/ids.tsv")
expect "ingest: every record once" "new $total, duplicate 0, rejected 0" \
  "$("$BIN/outpost-clinic" ingest --clinic "$CLINIC_DIR" --from "$DROPBOX_DATA" --db "$CLINIC_DB" | tail -1 | cut -d, -f1-3 | cut -d' ' -f1-6)"
"$BIN/outpost-clinic" export --db "$CLINIC_DB" --format csv --out "$DROPBOX_DIR/export.csv"
check "every check-in once with its score" python3 "$here/checkins.py" check "$DROPBOX_DIR/ids.tsv" "$DROPBOX_DIR/export.csv"
bundles=$(find "$DROPBOX_DATA/inbox" -name '*.opb' | wc -l)

finish sync_kill "$killed kills, $finished runs ended before their kill, $total records, $bundles bundles"
