#!/usr/bin/env bash
# Delivery the clinic can prove (docs/design.md, "Delivery states",
# "Receipts"): an unlucky site and an attacker, against the real nginx drop
# box. Each case lost records silently before bundle names carried the outbox
# generation and a digest, seals were bound to their record, and a clinic
# receipt (not the drop box's 201) was what confirmed delivery.
#   1. outbox reset, over nginx and to a folder: every later record arrives
#   2. a wrong or mismatched kiosk key is refused at start-up; a clinic
#      rejection shows in outpostctl status and, through the heartbeat, in fleet
#   3. a junk object planted under the next bundle name does not swallow it
#   4. http:// is refused (unless the test-only switch is set)
#   5. payloads re-signed under new record ids or another kiosk are rejected
#   6. a kiosk clock in 2100, 2999 or 1960 neither stops shipping nor
#      freezes fleet; times are carried as given and flagged
# Usage: sync_delivery_test.sh BIN_DIR
set -euo pipefail
BIN=$1
here=$(dirname "$0")
source "$here/dropbox.sh"
source "$here/expect.sh"
source "$here/kiosk_env.sh"
trap dropbox_stop EXIT

dropbox_start kiosk-a kiosk-b
clinic_setup
kiosk_setup kiosk-a
kiosk_setup kiosk-b
conf_a=$(kiosk_conf kiosk-a)
conf_b=$(kiosk_conf kiosk-b)
data_a=$DROPBOX_DIR/kiosk-a/data

ingest() {  # [from] -> the summary line
  "$BIN/outpost-clinic" ingest --clinic "$CLINIC_DIR" --from "${1:-$DROPBOX_DATA}" --db "$CLINIC_DB" | tail -1
}
counts() { grep -o 'new [0-9]*, duplicate [0-9]*, rejected [0-9]*' <<< "$1"; }
syncd() {  # config [args...] -> stdout of one pass; never fails the script
  local conf=$1
  shift
  "$BIN/outpost-syncd" --once --config "$conf" "$@" 2> "$DROPBOX_DIR/syncd.err" || true
}
status() {  # config field
  "$BIN/outpostctl" --config "$1" status --json | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"
}
all_ids() { cat "$DROPBOX_DIR"/ids-*.tsv; }
check_clinic_has_all() {  # what
  all_ids > "$DROPBOX_DIR/all.tsv"
  "$BIN/outpost-clinic" export --db "$CLINIC_DB" --format csv --out "$DROPBOX_DIR/export.csv"
  check "$1: every check-in at the clinic exactly once with its score" \
    python3 "$here/checkins.py" check "$DROPBOX_DIR/all.tsv" "$DROPBOX_DIR/export.csv"
}

# --- 1. Outbox reset over nginx ---------------------------------------------
submit_checkins kiosk-a 3 "$DROPBOX_DIR/ids-a1.tsv"
syncd "$conf_a" > /dev/null
expect "before the reset" "new 3, duplicate 0, rejected 0" "$(counts "$(ingest)")"
gen_before=$(status "$conf_a" generation)
rm -rf "$data_a"
mkdir -p "$data_a"  # disk swapped, data folder wiped: same config and key
submit_checkins kiosk-a 2 "$DROPBOX_DIR/ids-a2.tsv"
check "a new outbox generation" test "$(status "$conf_a" generation)" != "$gen_before"
out=$(syncd "$conf_a")
expect "after the reset the bundle is created, not 'already there'" \
  "1 bundles sent, 0 already there, 2 records" "$(grep -o '[0-9]* bundles sent, [0-9]* already there, [0-9]* records' <<< "$out")"
expect "after the reset the clinic gets both" "new 2, duplicate 0, rejected 0" "$(counts "$(ingest)")"
check_clinic_has_all "outbox reset over nginx"
expect "accepted but not yet confirmed" 2 "$(status "$conf_a" accepted)"
syncd "$conf_a" > /dev/null
expect "confirmed by the receipt" 2 "$(status "$conf_a" confirmed)"

# --- 1b. Outbox reset with a folder as the destination --------------------
folder=$DROPBOX_DIR/share
mkdir -p "$folder"
submit_checkins kiosk-a 2 "$DROPBOX_DIR/ids-a3.tsv"
syncd "$conf_a" --server "file://$folder" > /dev/null
rm -rf "$data_a"
mkdir -p "$data_a"
submit_checkins kiosk-a 2 "$DROPBOX_DIR/ids-a4.tsv"
rc=0
"$BIN/outpost-syncd" --once --config "$conf_a" --server "file://$folder" > /dev/null 2>&1 || rc=$?
expect "folder: syncd after the reset" 0 "$rc"
expect "folder: both generations' bundles there" 2 "$(find "$folder/inbox" -name '*.opb' | wc -l)"
expect "folder: the clinic gets all four" "new 4, duplicate 0, rejected 0" "$(counts "$(ingest "$folder")")"
check_clinic_has_all "outbox reset to a folder"
syncd "$conf_a" --server "file://$folder" > /dev/null
expect "folder: the receipt written into the folder confirms" 2 "$(status "$conf_a" confirmed)"

# --- 2. Wrong or mismatched kiosk key ---------------------------------------
key_a=$DROPBOX_DIR/kiosk-a/kiosk.sk
cp "$key_a" "$DROPBOX_DIR/kiosk-a.sk.good"
"$BIN/outpost-clinic" keygen --out "$DROPBOX_DIR/other-clinic" > /dev/null
"$BIN/outpost-clinic" enroll --clinic "$DROPBOX_DIR/other-clinic" --kiosk-id kiosk-a --server "file:///nowhere" \
  --out "$DROPBOX_DIR/other-kiosk" > /dev/null
cp "$DROPBOX_DIR/other-kiosk/kiosk.sk" "$key_a"  # a valid key, not the enrolled one
submit_checkins kiosk-a 1 "$DROPBOX_DIR/ids-a5.tsv"
rc=0
"$BIN/outpost-syncd" --once --config "$conf_a" > /dev/null 2> "$DROPBOX_DIR/syncd.err" || rc=$?
expect "wrong key: syncd refuses" 1 "$rc"
contains "wrong key: says so" "not the one enrolled" "$DROPBOX_DIR/syncd.err"
rc=0
"$BIN/outpostctl" --config "$conf_a" status > "$DROPBOX_DIR/status.out" || rc=$?
expect "wrong key: status exit" 3 "$rc"
contains "wrong key: staff see it" "KIOSK KEY PROBLEM" "$DROPBOX_DIR/status.out"
# Seed of the enrolled key, public half of another: damaged.
/usr/bin/python3 - "$DROPBOX_DIR/kiosk-a.sk.good" "$DROPBOX_DIR/other-kiosk/kiosk.sk" "$key_a" <<'PY'
import base64, sys
good = base64.b64decode(open(sys.argv[1]).read())
other = base64.b64decode(open(sys.argv[2]).read())
open(sys.argv[3], "w").write(base64.b64encode(good[:32] + other[32:]).decode() + "\n")
PY
rc=0
"$BIN/outpost-syncd" --once --config "$conf_a" > /dev/null 2> "$DROPBOX_DIR/syncd.err" || rc=$?
expect "mismatched halves: syncd refuses" 1 "$rc"
contains "mismatched halves: says so" "do not belong together" "$DROPBOX_DIR/syncd.err"
expect "nothing uploaded with a bad key" 0 "$(status "$conf_a" accepted)"

# A config without the enrolled public key (enrolled before 0.2) cannot
# catch a wrong key at start-up: the clinic rejects the bundle, the receipt
# says so, staff see it, and the records go again once the key is fixed.
cp "$DROPBOX_DIR/other-kiosk/kiosk.sk" "$key_a"
cp "$conf_a" "$DROPBOX_DIR/kiosk-a/old.toml"
sed -i '/^kiosk_public_key/d' "$DROPBOX_DIR/kiosk-a/old.toml"
old_conf=$DROPBOX_DIR/kiosk-a/old.toml
syncd "$old_conf" > /dev/null
expect "the clinic rejects the wrongly signed bundle" "rejected 1" "$(ingest | grep -o 'rejected [0-9]*' | head -1)"
syncd "$old_conf" > /dev/null
expect "the rejection reaches the kiosk" 1 "$(status "$old_conf" rejected_bundles)"
"$BIN/outpostctl" --config "$old_conf" status > "$DROPBOX_DIR/status.out" || true
contains "staff see the clinic's reason" "rejected by the clinic: .*tampered" "$DROPBOX_DIR/status.out"
# The key is put right: the copy re-sent with the wrong key is rejected in
# turn, and its records go once more, now signed properly.
cp "$DROPBOX_DIR/kiosk-a.sk.good" "$key_a"
syncd "$conf_a" > /dev/null
# (The first rejected file is still there and counted again.)
expect "the second wrongly signed copy is rejected" "rejected 2" "$(ingest | grep -o 'rejected [0-9]*' | head -1)"
syncd "$conf_a" > /dev/null
expect "re-sent with the right key" "new 1, duplicate 0" "$(ingest | cut -d, -f1-2)"
check_clinic_has_all "after a wrong key"
expect "fleet shows the rejections the heartbeat reports" 2 \
  "$("$BIN/outpost-clinic" fleet --db "$CLINIC_DB" | awk -F'\t' '$1=="kiosk-a"{print $13}')"
mv "$DROPBOX_DATA/inbox/kiosk-a" "$DROPBOX_DIR/rejected-inbox"  # keep later counts clean

# --- 3. Junk planted under the next bundle name -----------------------------
submit_checkins kiosk-b 2 "$DROPBOX_DIR/ids-b1.tsv"
peek=$DROPBOX_DIR/peek
mkdir -p "$peek"
"$BIN/outpostctl" --config "$conf_b" export --to "$peek" > /dev/null  # makes the bundle; shows its name
next=$(basename "$(find "$peek" -name '*.opb')")
mkdir -p "$DROPBOX_DATA/inbox/kiosk-b"
printf 'junk' > "$DROPBOX_DATA/inbox/kiosk-b/$next"
[[ $(id -u) -eq 0 ]] && chown -R nobody:nogroup "$DROPBOX_DATA/inbox/kiosk-b"
out=$(syncd "$conf_b")
expect "the planted name answers 'exists'" "0 bundles sent, 1 already there" \
  "$(grep -o '[0-9]* bundles sent, [0-9]* already there' <<< "$out")"
expect "ingest rejects the junk" "new 0, duplicate 0, rejected 1" "$(counts "$(ingest)")"
out=$(syncd "$conf_b")
expect "the receipt sends the records again under a new name" "1 bundles sent" \
  "$(grep -o '^outpost-syncd: [0-9]* bundles sent' <<< "$out" | cut -d' ' -f2-)"
expect "and the clinic gets them" "new 2, duplicate 0" "$(ingest | cut -d, -f1-2)"
check_clinic_has_all "junk under the next name"
rm -f "$DROPBOX_DATA/inbox/kiosk-b/$next"

# --- 4. Plain HTTP ----------------------------------------------------------
sed "s|^server = .*|server = \"http://127.0.0.1:$DROPBOX_PORT\"|" "$conf_b" > "$DROPBOX_DIR/kiosk-b/http.toml"
rc=0
"$BIN/outpost-syncd" --once --config "$DROPBOX_DIR/kiosk-b/http.toml" > /dev/null 2> "$DROPBOX_DIR/syncd.err" || rc=$?
expect "http:// refused" 1 "$rc"
contains "http:// refused with a reason" "plain HTTP" "$DROPBOX_DIR/syncd.err"
rc=0
OUTPOST_TEST_ALLOW_PLAIN_HTTP=1 "$BIN/outpost-syncd" --once --config "$DROPBOX_DIR/kiosk-b/http.toml" \
  > /dev/null 2> "$DROPBOX_DIR/syncd.err" || rc=$?
check "the test-only switch lets it try (exit $rc)" test "$rc" -ne 1

# --- 5. Re-signed payloads ---------------------------------------------------
submit_checkins kiosk-a 1 "$DROPBOX_DIR/ids-a6.tsv"
syncd "$conf_a" > /dev/null
victim=$(find "$DROPBOX_DATA/inbox/kiosk-a" -name '*.opb' | head -1)
bad=$DROPBOX_DIR/resigned
/usr/bin/python3 "$here/opb.py" resign "$victim" "$key_a" "$bad" --new-ids --seq 900 > /dev/null
/usr/bin/python3 "$here/opb.py" resign "$victim" "$DROPBOX_DIR/kiosk-b/kiosk.sk" "$bad" --kiosk kiosk-b --seq 900 > /dev/null
summary=$(ingest "$bad" 2> /dev/null || true)
expect "re-signed under new ids and under another kiosk: both rejected" "new 0, duplicate 0, rejected 2" "$(counts "$summary")"
"$BIN/outpost-clinic" ingest --clinic "$CLINIC_DIR" --from "$bad" --db "$CLINIC_DB" > "$DROPBOX_DIR/ingest.out" || true
expect "the reason is the seal" 2 "$(grep -c 'cannot be opened' "$DROPBOX_DIR/ingest.out")"
expect "the genuine one still imports" "new 1, duplicate 0, rejected 0" "$(counts "$(ingest)")"
check_clinic_has_all "after re-signed payloads"

# --- 6. Wrong clocks ----------------------------------------------------------
# libfaketime sets the process's wall clock (not the monotonic one, as on a
# real kiosk whose clock is wrong); ASan must be told it may come second.
at_time() {
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" DONT_FAKE_MONOTONIC=1 faketime "$@"
}
# A folder destination: TLS certificates cannot verify in 2100 either.
clock_dir=$DROPBOX_DIR/clock-share
mkdir -p "$clock_dir"
fleet_clock() { "$BIN/outpost-clinic" fleet --db "$CLINIC_DB" | awk -F'\t' '$1=="kiosk-a"{print $9}'; }
at_time '2100-01-01 00:00:00' "$BIN/outpost-syncd" --once --config "$conf_a" --server "file://$clock_dir" > /dev/null 2>&1 || true
ingest "$clock_dir" > /dev/null || true
expect "fleet flags a clock in 2100" "WRONG +73 years" "$(fleet_clock)"
"$BIN/outpost-syncd" --once --config "$conf_a" --server "file://$clock_dir" > /dev/null 2>&1 || true
ingest "$clock_dir" > /dev/null || true
expect "the next heartbeat with a right clock replaces it" ok "$(fleet_clock)"

response=$DROPBOX_DIR/responses/r-0.json
for when in '2999-06-01 12:00:00' '1960-06-01 12:00:00'; do
  rc=0
  at_time "$when" "$BIN/outpostctl" --config "$conf_a" assess submit \
    --questionnaire "$DROPBOX_SRC/config/questionnaires/phq-9.json" --answers "$response" > /dev/null || rc=$?
  expect "submit with the clock at $when" 0 "$rc"
  rc=0
  at_time "$when" "$BIN/outpost-syncd" --once --config "$conf_a" --server "file://$clock_dir" > /dev/null 2>&1 || rc=$?
  expect "syncd ships with the clock at $when" 0 "$rc"
done
expect "both wrong-clock records arrive" "new 2, duplicate 0, rejected 0" "$(counts "$(ingest "$clock_dir")")"
"$BIN/outpost-clinic" export --db "$CLINIC_DB" --format csv --out "$DROPBOX_DIR/export.csv"
expect "authored as given in 2999 (no wrap)" 1 "$(grep -c ',2999-06-01T12:00:0' "$DROPBOX_DIR/export.csv")"
expect "authored as given in 1960" 1 "$(grep -c ',1960-06-01T12:00:0' "$DROPBOX_DIR/export.csv")"
# The clinic flags both and places them on the drop box's clock (same boot: by mono).
today=$(date -u +%Y-%m-%d)
expect "both flagged and corrected to today" 2 \
  "$(grep -E ',(2999|1960)-06-01T12:00:0' "$DROPBOX_DIR/export.csv" | grep -c ",${today}T[0-9:]*Z,kiosk clock off by")"

finish sync_delivery
