#!/usr/bin/env bash
# Security (issue 5): outpost-syncd refuses a server certificate from another
# CA and says so; kiosk A cannot write into kiosk B's inbox; ingest rejects a
# bundle from an unknown kiosk key, a tampered bundle and a replayed bundle,
# each with a reason, importing nothing from them.
# Usage: sync_security_test.sh BIN_DIR
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
submit_checkins kiosk-a 5 "$DROPBOX_DIR/ids-a.tsv"
submit_checkins kiosk-b 3 "$DROPBOX_DIR/ids-b.tsv"

# 1. A server certificate from another CA: refused, reported, nothing sent.
rogue=$DROPBOX_DIR/rogue
bash "$DROPBOX_SRC/config/clinic/make-test-ca.sh" "$rogue"
conf_a=$(kiosk_conf kiosk-a)
cp "$conf_a" "$DROPBOX_DIR/kiosk-a/rogue.toml"
sed -i "s|^ca_file = .*|ca_file = \"$rogue/ca.crt\"|" "$DROPBOX_DIR/kiosk-a/rogue.toml"
rc=0
"$BIN/outpost-syncd" --once --config "$DROPBOX_DIR/kiosk-a/rogue.toml" > /dev/null 2> "$DROPBOX_DIR/err" || rc=$?
expect "syncd exit, wrong server certificate" 75 "$rc"
contains "wrong server certificate reported" "untrusted: .*server certificate not trusted" "$DROPBOX_DIR/err"
expect "nothing uploaded to an untrusted server" 0 "$(find "$DROPBOX_DATA" -name '*.opb' | wc -l)"

# 2. Kiosk B's id with kiosk A's certificate: the drop box refuses.
conf_b=$(kiosk_conf kiosk-b)
cp "$conf_b" "$DROPBOX_DIR/kiosk-b/as-a.toml"
sed -i -e "s|certs/kiosk-b.crt|certs/kiosk-a.crt|" -e "s|certs/kiosk-b.key|certs/kiosk-a.key|" "$DROPBOX_DIR/kiosk-b/as-a.toml"
rc=0
"$BIN/outpost-syncd" --once --config "$DROPBOX_DIR/kiosk-b/as-a.toml" > /dev/null 2> "$DROPBOX_DIR/err" || rc=$?
expect "syncd exit, kiosk A writing B's inbox" 75 "$rc"
contains "403 reported" "unauthorized: .*inbox/kiosk-b/.*HTTP 403" "$DROPBOX_DIR/err"
expect "nothing in kiosk B's inbox" 0 "$(find "$DROPBOX_DATA" -path '*kiosk-b*' -name '*.opb' | wc -l)"

# Both kiosks deliver properly now.
"$BIN/outpost-syncd" --once --config "$conf_a" > /dev/null
"$BIN/outpost-syncd" --once --config "$conf_b" > /dev/null
a1=$(find "$DROPBOX_DATA/inbox/kiosk-a" -name 'kiosk-a-*-0000000001-*.opb')
expect "kiosk A's bundle" 1 "$(printf '%s\n' "$a1" | grep -c .)"
a1_name=$(basename "$a1")

# 3. Ingest rejections, from a folder laid out like the drop box.
bad=$DROPBOX_DIR/bad
mkdir -p "$bad/inbox/kiosk-a" "$bad/inbox/kiosk-b" "$bad/inbox/kiosk-x"
# Unknown key: a kiosk enrolled with another clinic.
other=$DROPBOX_DIR/other-clinic
"$BIN/outpost-clinic" keygen --out "$other" > /dev/null
"$BIN/outpost-clinic" enroll --clinic "$other" --kiosk-id kiosk-x --server "file://$DROPBOX_DIR/x-out" \
  --out "$DROPBOX_DIR/kiosk-x" > /dev/null
mkdir -p "$DROPBOX_DIR/kiosk-x/data" "$DROPBOX_DIR/x-out"
sed -i "s|^\[kiosk\]|[kiosk]\ndata_dir = \"$DROPBOX_DIR/kiosk-x/data\"|" "$DROPBOX_DIR/kiosk-x/outpost.toml"
"$BIN/outpostctl" --config "$DROPBOX_DIR/kiosk-x/outpost.toml" assess submit \
  --questionnaire "$DROPBOX_SRC/config/questionnaires/phq-9.json" --answers "$DROPBOX_DIR/responses/r-0.json" > /dev/null
"$BIN/outpost-syncd" --once --config "$DROPBOX_DIR/kiosk-x/outpost.toml" > /dev/null
cp "$DROPBOX_DIR"/x-out/inbox/kiosk-x/kiosk-x-*-0000000001-*.opb "$bad/inbox/kiosk-x/"
# Tampered: one byte of kiosk A's bundle flipped in the middle.
python3 - "$a1" "$bad/inbox/kiosk-a/$a1_name" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2] ^= 0x01
open(sys.argv[2], "wb").write(bytes(b))
PY
# Replayed: kiosk A's bundle re-presented under another sequence number and
# in kiosk B's folder.
cp "$a1" "$bad/inbox/kiosk-a/kiosk-a-0000000099.opb"
cp "$a1" "$bad/inbox/kiosk-b/$a1_name"

rc=0
"$BIN/outpost-clinic" ingest --clinic "$CLINIC_DIR" --from "$bad" --db "$CLINIC_DB" > "$DROPBOX_DIR/ingest.out" || rc=$?
expect "ingest exit with rejections" 2 "$rc"
expect "counts" "new 0, duplicate 0, rejected 4" "$(tail -1 "$DROPBOX_DIR/ingest.out" | cut -d, -f1-3)"
contains "unknown key" "kiosk-x-[0-9a-f]*-0000000001-[0-9a-f]*.opb: unknown kiosk 'kiosk-x'" "$DROPBOX_DIR/ingest.out"
contains "tampered" "inbox/kiosk-a/$a1_name: .*\(tampered\|corrupt\)" "$DROPBOX_DIR/ingest.out"
contains "replayed under another name" "kiosk-a-0000000099.opb: replayed" "$DROPBOX_DIR/ingest.out"
contains "replayed into another folder" "inbox/kiosk-b/$a1_name: replayed" "$DROPBOX_DIR/ingest.out"
"$BIN/outpost-clinic" export --db "$CLINIC_DB" --format csv --out "$DROPBOX_DIR/after-bad.csv"
expect "nothing imported from rejected bundles" 1 "$(wc -l < "$DROPBOX_DIR/after-bad.csv")"

# The genuine bundles still import afterwards, and a replay after that is
# recognised as the same bundle (no import, no error).
expect "genuine ingest" "new 8, duplicate 0, rejected 0" \
  "$("$BIN/outpost-clinic" ingest --clinic "$CLINIC_DIR" --from "$DROPBOX_DATA" --db "$CLINIC_DB" | tail -1 | cut -d, -f1-3)"
rc=0
"$BIN/outpost-clinic" ingest --clinic "$CLINIC_DIR" --from "$bad" --db "$CLINIC_DB" > "$DROPBOX_DIR/ingest.out" || rc=$?
expect "replays still rejected after import" "new 0, duplicate 0, rejected 4" "$(tail -1 "$DROPBOX_DIR/ingest.out" | cut -d, -f1-3)"

cat "$DROPBOX_DIR/ingest.out" >&2
finish sync_security
