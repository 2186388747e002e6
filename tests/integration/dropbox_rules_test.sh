#!/usr/bin/env bash
# The reference drop box enforces its rules (docs/design.md, "Clinic server
# layout"): a kiosk may create files only under its own inbox and status
# path, never overwrite a bundle, never read or list; it may read only its
# own receipt; only a certificate from the kiosk CA whose subject is exactly
# CN=<kiosk id> and which is not revoked counts; bodies and request rates
# are capped per kiosk.
set -euo pipefail
source "$(dirname "$0")/dropbox.sh"
source "$(dirname "$0")/expect.sh"
trap dropbox_stop EXIT
dropbox_start kiosk-a kiosk-b kiosk-c

c=$DROPBOX_CERTS
cred() {  # a kiosk id in $c, or a path without .crt/.key
  if [[ $1 == */* ]]; then echo "$1"; else echo "$c/$1"; fi
}
put() {  # who, path, body -> prints the HTTP status (000 when refused in TLS); chunked
  local k
  k=$(cred "$1")
  printf '%s' "$3" | curl -s -o /dev/null -w '%{http_code}' --cacert "$c/ca.crt" \
    --cert "$k.crt" --key "$k.key" -T - "$DROPBOX_URL$2" || true
}
put_file() {  # who, path, file -> status; with Content-Length
  local k
  k=$(cred "$1")
  curl -s -o /dev/null -w '%{http_code}' --cacert "$c/ca.crt" \
    --cert "$k.crt" --key "$k.key" -T "$3" "$DROPBOX_URL$2" || true
}
get() {  # who, method, path, [curl options...] -> status
  local k
  k=$(cred "$1")
  curl -s -o /dev/null -w '%{http_code}' -X "$2" --cacert "$c/ca.crt" \
    --cert "$k.crt" --key "$k.key" "${@:4}" "$DROPBOX_URL$3" || true
}
# Polls for a log line: nginx may write the access log after the client has
# its answer.
log_has() {  # regex, file
  local i
  for ((i = 0; i < 100; i++)); do
    grep -q -- "$1" "$2" && return 0
    sleep 0.05
  done
  return 1
}

# --- Inbox and status -------------------------------------------------------
expect "own inbox, new bundle" 201 "$(put kiosk-a /inbox/kiosk-a/b-0001.opb one)"
expect "bundle landed" one "$(cat "$DROPBOX_DATA/inbox/kiosk-a/b-0001.opb")"
expect "same name again" 409 "$(put kiosk-a /inbox/kiosk-a/b-0001.opb other)"
expect "not overwritten" one "$(cat "$DROPBOX_DATA/inbox/kiosk-a/b-0001.opb")"
expect "other kiosk's inbox" 403 "$(put kiosk-a /inbox/kiosk-b/b-0002.opb x)"
[[ -e $DROPBOX_DATA/inbox/kiosk-b/b-0002.opb ]] && expect "nothing written for kiosk-b" absent present
expect "own status" 201 "$(put kiosk-a /status/kiosk-a.json '{"v":1}')"
expect "own status replaced" 204 "$(put kiosk-a /status/kiosk-a.json '{"v":2}')"
expect "other kiosk's status" 403 "$(put kiosk-b /status/kiosk-a.json '{"v":3}')"
expect "status content" '{"v":2}' "$(cat "$DROPBOX_DATA/status/kiosk-a.json")"
expect "path outside inbox" 403 "$(put kiosk-a /kiosk-a/x y)"
expect "dot-dot escape" 403 "$(put kiosk-a /inbox/kiosk-a/..%2fkiosk-b%2fz y)"

expect "GET own bundle" 403 "$(get kiosk-a GET /inbox/kiosk-a/b-0001.opb)"
expect "list own inbox" 403 "$(get kiosk-a GET /inbox/kiosk-a/)"
expect "PROPFIND" 403 "$(get kiosk-a PROPFIND /inbox/kiosk-a/)"
expect "DELETE own bundle" 403 "$(get kiosk-a DELETE /inbox/kiosk-a/b-0001.opb)"
expect "MOVE own bundle" 403 "$(get kiosk-a MOVE /inbox/kiosk-a/b-0001.opb \
  -H "Destination: $DROPBOX_URL/inbox/kiosk-a/b-0009.opb")"
expect "GET status" 403 "$(get kiosk-a GET /status/kiosk-a.json)"
expect "bundle still there" one "$(cat "$DROPBOX_DATA/inbox/kiosk-a/b-0001.opb")"

# --- Bundle names (docs/design.md, "Clinic server layout") -------------------
# New: <kiosk-id>-<generation:16 hex>-<seq:010>-<digest:32 hex>.opb; old:
# <kiosk-id>-<seq:010>.opb. Both are created once; a leading '.' (a temp
# name) and anything outside A-Z a-z 0-9 . _ - are refused.
new=kiosk-a-0123456789abcdef-0000000001-00112233445566778899aabbccddeeff.opb
expect "new-style bundle name" 201 "$(put kiosk-a "/inbox/kiosk-a/$new" new)"
expect "new-style name again" 409 "$(put kiosk-a "/inbox/kiosk-a/$new" other)"
expect "new-style not overwritten" new "$(cat "$DROPBOX_DATA/inbox/kiosk-a/$new")"
expect "old-style bundle name" 201 "$(put kiosk-a /inbox/kiosk-a/kiosk-a-0000000002.opb old)"
expect "old-style name again" 409 "$(put kiosk-a /inbox/kiosk-a/kiosk-a-0000000002.opb x)"
long=$(printf 'a%.0s' {1..255})
expect "255-character name" 201 "$(put kiosk-a "/inbox/kiosk-a/$long" x)"
for name in .hidden.opb %2ehidden.opb ".tmp-$new" a%20b.opb 'a~b.opb' 'a+b.opb' \
  'a:b.opb' 'a%25b.opb' 'a%C3%A9.opb' 'a%5Cb.opb' "a$long"; do
  expect "odd bundle name '${name:0:40}'" 403 "$(put kiosk-a "/inbox/kiosk-a/$name" x)"
done

# --- Exact certificate subject --------------------------------------------------
# Certificates from the kiosk CA whose subject merely contains CN=kiosk-b
# (nginx's RFC 2253 rendering in the comments) must not act as kiosk-b.
spoof=$DROPBOX_DIR/spoof
mkdir -p "$spoof"
cat > "$spoof/client.ext" <<'X'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
X
issue() {  # name, subject, [openssl req options...]: spoof/NAME.{crt,key} from the kiosk CA
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$spoof/$1.key" -out "$spoof/$1.csr" -subj "$2" "${@:3}" 2>/dev/null
  openssl x509 -req -in "$spoof/$1.csr" -CA "$c/ca.crt" -CAkey "$c/ca.key" \
    -CAserial "$spoof/ca.srl" -CAcreateserial -days 1 -extfile "$spoof/client.ext" \
    -out "$spoof/$1.crt" 2>/dev/null
}
issue genuine "/CN=kiosk-b"                        # CN=kiosk-b (the control)
issue trail "/CN=kiosk-a/O=x,CN=kiosk-b"           # O=x\,CN=kiosk-b,CN=kiosk-a
issue lead "/O=x,CN=kiosk-b/CN=kiosk-a"            # CN=kiosk-a,O=x\,CN=kiosk-b
issue comma "/CN=kiosk-a\,CN=kiosk-b"              # CN=kiosk-a\,CN=kiosk-b
issue plus "/CN=kiosk-b+O=x" -multivalue-rdn       # CN=kiosk-b+O=x
issue plus2 "/CN=kiosk-a+CN=kiosk-b" -multivalue-rdn  # CN=kiosk-b+CN=kiosk-a
issue twice "/CN=kiosk-b/CN=kiosk-b"               # CN=kiosk-b,CN=kiosk-b
issue org "/O=Outpost test/CN=kiosk-b"             # CN=kiosk-b,O=Outpost test
issue org2 "/CN=kiosk-b/O=Outpost test"            # O=Outpost test,CN=kiosk-b
issue newline $'/CN=kiosk-b\n'                     # CN=kiosk-b\0A
issue serial "/serialNumber=CN=kiosk-b"            # serialNumber=CN=kiosk-b
for s in trail lead comma plus plus2 twice org org2 newline serial; do
  expect "spoofed subject '$s': kiosk-b's inbox" 403 \
    "$(put "$spoof/$s" "/inbox/kiosk-b/kiosk-b-$s.opb" x)"
  expect "spoofed subject '$s': kiosk-b's status" 403 "$(put "$spoof/$s" /status/kiosk-b.json x)"
done
expect "spoofed subjects wrote nothing" "" "$(ls "$DROPBOX_DATA/inbox/kiosk-b" 2>/dev/null)"
expect "genuine CN=kiosk-b from the test's issuer" 201 \
  "$(put "$spoof/genuine" /inbox/kiosk-b/kiosk-b-0000000001.opb b1)"
expect "real kiosk-b certificate, inbox" 201 "$(put kiosk-b /inbox/kiosk-b/kiosk-b-0000000002.opb b2)"
expect "real kiosk-b certificate, status" 201 "$(put kiosk-b /status/kiosk-b.json '{"v":1}')"

# --- Body size --------------------------------------------------------------------
# Status bodies are capped at 16 KiB, bundles at 16 MiB; 413 above, nothing
# changed. Chunked (put) and with Content-Length (put_file).
big=$DROPBOX_DIR/big
head -c 16384 /dev/zero | tr '\0' ' ' > "$big"
expect "status of 16 KiB" 204 "$(put_file kiosk-a /status/kiosk-a.json "$big")"
printf '{"v":3}' > "$big.small"
expect "status back to small" 204 "$(put_file kiosk-a /status/kiosk-a.json "$big.small")"
head -c 16385 /dev/zero | tr '\0' ' ' > "$big"
expect "status of 16 KiB + 1 (Content-Length)" 413 "$(put_file kiosk-a /status/kiosk-a.json "$big")"
expect "status of 16 KiB + 1 (chunked)" 413 "$(put kiosk-a /status/kiosk-a.json "$(cat "$big")")"
expect "status kept after 413" '{"v":3}' "$(cat "$DROPBOX_DATA/status/kiosk-a.json")"
truncate -s 16M "$big"
expect "bundle of 16 MiB" 201 "$(put_file kiosk-a /inbox/kiosk-a/big-1.opb "$big")"
truncate -s $((16 * 1024 * 1024 + 1)) "$big"
expect "bundle of 16 MiB + 1" 413 "$(put_file kiosk-a /inbox/kiosk-a/big-2.opb "$big")"
check "no bundle left by 413" test ! -e "$DROPBOX_DATA/inbox/kiosk-a/big-2.opb"
rm -f "$big" "$big.small" "$DROPBOX_DATA/inbox/kiosk-a/big-1.opb"

# --- Request rate per kiosk --------------------------------------------------------
# One request at a time is delayed, never refused: 130 back to back on one
# connection (80 past the 50 that go unslowed, more than the burst) all land.
printf x > "$DROPBOX_DIR/x"
args=()
for ((i = 1; i <= 130; i++)); do
  args+=(-o /dev/null -T "$DROPBOX_DIR/x" "$DROPBOX_URL/inbox/kiosk-a/seq-$i.opb")
done
codes=$(curl -s -w '%{http_code}\n' --cacert "$c/ca.crt" \
  --cert "$c/kiosk-a.crt" --key "$c/kiosk-a.key" "${args[@]}" | sort | uniq -c | tr -s ' ')
expect "130 back-to-back PUTs on one connection" " 130 201" "$codes"
# 200 requests in flight at once (more than the burst of 100) from kiosk-c:
# the first 101 are served (some after a delay), most others get 429; kiosk-a,
# asking once kiosk-c has had a 429, is not affected.
python3 "$DROPBOX_SRC/tests/integration/burst.py" --url "$DROPBOX_URL" --ca "$c/ca.crt" \
  --cert "$c/kiosk-c.crt" --key "$c/kiosk-c.key" --count 200 \
  --path '/inbox/kiosk-c/kiosk-c-{i:010d}.opb' \
  --bystander "$c/kiosk-a.crt" "$c/kiosk-a.key" /status/kiosk-a.json > "$DROPBOX_DIR/burst"
created=$(grep -c '^burst 201$' "$DROPBOX_DIR/burst" || true)
limited=$(grep -c '^burst 429$' "$DROPBOX_DIR/burst" || true)
expect "burst: every answer is 201 or 429" 200 "$((created + limited))"
check "burst: at least burst + 1 = 101 served (got $created)" test "$created" -ge 101
check "burst: some answered 429 (got $limited)" test "$limited" -ge 1
expect "burst: bundles on disk = 201s" "$created" "$(ls "$DROPBOX_DATA/inbox/kiosk-c" | wc -l)"
expect "burst: another kiosk at the same moment" "bystander 204" "$(tail -1 "$DROPBOX_DIR/burst")"
contains "burst: refusals logged" 'limiting requests, excess: .* by zone "kiosk_rate"' \
  "$DROPBOX_DIR/run/error.log"

# --- Receipts ----------------------------------------------------------------------
# The clinic writes receipts/<id>.json through a temp name starting with '.'
# and a rename; a kiosk may GET or HEAD its own, nothing else.
receipts=$DROPBOX_DATA/receipts
mkdir -p "$receipts"
printf '{"receipt":1}' > "$receipts/.kiosk-a.json.tmp"
cp "$receipts/.kiosk-a.json.tmp" "$receipts/.kiosk-a.json"
mv "$receipts/.kiosk-a.json.tmp" "$receipts/kiosk-a.json"
printf '{"receipt":"b"}' > "$receipts/.kiosk-b.json"
body=$DROPBOX_DIR/receipt.body
hdrs=$DROPBOX_DIR/receipt.headers
code=$(curl -s -o "$body" -D "$hdrs" -w '%{http_code}' --cacert "$c/ca.crt" \
  --cert "$c/kiosk-a.crt" --key "$c/kiosk-a.key" "$DROPBOX_URL/receipts/kiosk-a.json" || true)
expect "GET own receipt" 200 "$code"
expect "own receipt content" '{"receipt":1}' "$(cat "$body")"
contains "receipt is JSON" '^Content-Type: application/json' "$hdrs"
etag=$(sed -n 's/^ETag: *\("[^"]*"\).*/\1/Ip' "$hdrs")
check "receipt has an ETag ($etag)" test -n "$etag"
expect "HEAD own receipt" 200 "$(get kiosk-a HEAD /receipts/kiosk-a.json -I)"
expect "GET own receipt, If-None-Match same ETag" 304 \
  "$(get kiosk-a GET /receipts/kiosk-a.json -H "If-None-Match: $etag")"
expect "HEAD own receipt, If-None-Match same ETag" 304 \
  "$(get kiosk-a HEAD /receipts/kiosk-a.json -I -H "If-None-Match: $etag")"
expect "GET own receipt, If-None-Match other ETag" 200 \
  "$(get kiosk-a GET /receipts/kiosk-a.json -H 'If-None-Match: "0-0"')"
# A new receipt (another size, so another ETag: nginx's is mtime-size).
printf '{"receipt":22}' > "$receipts/.kiosk-a.json.tmp"
mv "$receipts/.kiosk-a.json.tmp" "$receipts/kiosk-a.json"
expect "new receipt, old ETag" 200 "$(get kiosk-a GET /receipts/kiosk-a.json -H "If-None-Match: $etag")"
expect "no receipt yet" 404 "$(get kiosk-b GET /receipts/kiosk-b.json)"
expect "HEAD, no receipt yet" 404 "$(get kiosk-b HEAD /receipts/kiosk-b.json -I)"
expect "another kiosk's receipt" 403 "$(get kiosk-b GET /receipts/kiosk-a.json)"
expect "HEAD another kiosk's receipt" 403 "$(get kiosk-b HEAD /receipts/kiosk-a.json -I)"
expect "spoofed subject's receipt" 403 "$(get "$spoof/org" GET /receipts/kiosk-b.json)"
expect "PUT own receipt" 403 "$(put kiosk-a /receipts/kiosk-a.json forged)"
expect "PUT new receipt" 403 "$(put kiosk-c /receipts/kiosk-c.json forged)"
check "no receipt made by PUT" test ! -e "$receipts/kiosk-c.json"
for m in DELETE POST PROPFIND OPTIONS MKCOL; do
  expect "$m own receipt" 403 "$(get kiosk-a "$m" /receipts/kiosk-a.json)"
done
expect "receipt unchanged" '{"receipt":22}' "$(cat "$receipts/kiosk-a.json")"
expect "list receipts" 403 "$(get kiosk-a GET /receipts/)"
expect "PROPFIND receipts" 403 "$(get kiosk-a PROPFIND /receipts/)"
expect "receipts without slash" 403 "$(get kiosk-a GET /receipts)"
expect "temp receipt .kiosk-a.json" 403 "$(get kiosk-a GET /receipts/.kiosk-a.json)"
expect "temp receipt %2ekiosk-a.json" 403 "$(get kiosk-a GET /receipts/%2ekiosk-a.json)"
expect "temp receipt .kiosk-b.json, as kiosk-b" 403 "$(get kiosk-b GET /receipts/.kiosk-b.json)"

# --- Certificates from elsewhere -----------------------------------------------------
# No client certificate: nginx answers 400 and writes nothing.
code=$(printf x | curl -s -o /dev/null -w '%{http_code}' --cacert "$c/ca.crt" -T - \
  "$DROPBOX_URL/inbox/kiosk-a/b-0003.opb" || true)
expect "no client certificate" 400 "$code"

# A client certificate from another CA with the same CN.
rogue=$DROPBOX_DIR/rogue
bash "$DROPBOX_SRC/config/clinic/make-test-ca.sh" "$rogue" kiosk-a
code=$(printf x | curl -s -o /dev/null -w '%{http_code}' --cacert "$c/ca.crt" \
  --cert "$rogue/kiosk-a.crt" --key "$rogue/kiosk-a.key" -T - \
  "$DROPBOX_URL/inbox/kiosk-a/b-0004.opb" || true)
expect "client certificate from another CA" 400 "$code"

# The client refuses a server whose certificate is not from its CA.
rc=0
printf x | curl -s -o /dev/null --cacert "$rogue/ca.crt" --cert "$c/kiosk-a.crt" \
  --key "$c/kiosk-a.key" -T - "$DROPBOX_URL/inbox/kiosk-a/b-0005.opb" || rc=$?
expect "wrong server CA refused by client (curl: peer verification failed)" 60 "$rc"

# --- Revocation ----------------------------------------------------------------------
# Revoke kiosk-b, reload: its certificate is refused (400, reason in the
# access log), everything it could reach is closed, kiosk-a still works.
bash "$DROPBOX_SRC/config/clinic/make-test-ca.sh" --revoke "$c" kiosk-b
check "nginx reloaded with the new CRL" dropbox_reload
expect "revoked kiosk-b, inbox" 400 "$(put kiosk-b /inbox/kiosk-b/kiosk-b-0000000003.opb b3)"
expect "revoked kiosk-b, status" 400 "$(put kiosk-b /status/kiosk-b.json '{"v":2}')"
expect "revoked kiosk-b, receipt" 400 "$(get kiosk-b GET /receipts/kiosk-b.json)"
check "access log says certificate revoked" \
  log_has 'kiosk="kiosk-b" verify="FAILED:certificate revoked"' "$DROPBOX_DIR/run/access.log"
expect "revoked kiosk-b wrote nothing" "kiosk-b-0000000001.opb kiosk-b-0000000002.opb" \
  "$(ls "$DROPBOX_DATA/inbox/kiosk-b" | tr '\n' ' ' | sed 's/ $//')"
expect "kiosk-b status unchanged" '{"v":1}' "$(cat "$DROPBOX_DATA/status/kiosk-b.json")"
expect "kiosk-a after the reload, inbox" 201 "$(put kiosk-a /inbox/kiosk-a/b-0006.opb six)"
expect "kiosk-a after the reload, status" 204 "$(put kiosk-a /status/kiosk-a.json '{"v":4}')"

want=$( (printf '%s\n' "$long" b-0001.opb b-0006.opb kiosk-a-0000000002.opb "$new"
  printf 'seq-%s.opb\n' $(seq 1 130)) | sort | md5sum)
expect "kiosk-a's inbox holds exactly what was created" "$want" \
  "$(ls "$DROPBOX_DATA/inbox/kiosk-a" | sort | md5sum)"

finish dropbox_rules
