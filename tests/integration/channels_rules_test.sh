#!/usr/bin/env bash
# The reference drop box serves content channels read-only to enrolled
# kiosks (config/clinic/nginx.conf.in, channels under DATA_DIR/channels):
# GET/HEAD with ETag and Range, no writes, no listing, no escape, only a
# verified, unrevoked kiosk certificate. The kiosk's other rules are in
# dropbox_rules_test.sh.
set -euo pipefail
source "$(dirname "$0")/dropbox.sh"
source "$(dirname "$0")/expect.sh"
trap dropbox_stop EXIT
dropbox_start kiosk-a kiosk-b

c=$DROPBOX_CERTS
get() {  # who, method, path, [curl options...] -> status
  curl -s -o /dev/null -w '%{http_code}' -X "$2" --cacert "$c/ca.crt" \
    --cert "$c/$1.crt" --key "$c/$1.key" "${@:4}" "$DROPBOX_URL$3" || true
}

ch=$DROPBOX_DATA/channels/videos
mkdir -p "$ch/blobs"
head -c 300000 /dev/urandom > "$DROPBOX_DIR/blob"
sha=$(sha256sum "$DROPBOX_DIR/blob" | cut -d' ' -f1)
cp "$DROPBOX_DIR/blob" "$ch/blobs/$sha"
printf '{"channel":"videos"}' > "$ch/manifest.json"
[[ $(id -u) -eq 0 ]] && chown -R nobody:nogroup "$DROPBOX_DATA/channels"

body=$DROPBOX_DIR/body
hdrs=$DROPBOX_DIR/headers
code=$(curl -s -o "$body" -D "$hdrs" -w '%{http_code}' --cacert "$c/ca.crt" \
  --cert "$c/kiosk-a.crt" --key "$c/kiosk-a.key" "$DROPBOX_URL/channels/videos/manifest.json" || true)
expect "GET manifest" 200 "$code"
expect "manifest content" '{"channel":"videos"}' "$(cat "$body")"
etag=$(grep -i '^ETag:' "$hdrs" | cut -d' ' -f2- | tr -d '\r')
check "manifest has an ETag ($etag)" test -n "$etag"
expect "manifest, If-None-Match same ETag" 304 \
  "$(get kiosk-a GET /channels/videos/manifest.json -H "If-None-Match: $etag")"
expect "manifest as kiosk-b" 200 "$(get kiosk-b GET /channels/videos/manifest.json)"
expect "HEAD manifest" 200 "$(get kiosk-a HEAD /channels/videos/manifest.json -I)"
expect "HEAD blob" 200 "$(get kiosk-a HEAD "/channels/videos/blobs/$sha" -I)"

code=$(curl -s -o "$body" -D "$hdrs" -w '%{http_code}' --cacert "$c/ca.crt" -r 10-19 \
  --cert "$c/kiosk-a.crt" --key "$c/kiosk-a.key" "$DROPBOX_URL/channels/videos/blobs/$sha" || true)
expect "Range bytes=10-19" 206 "$code"
contains "Content-Range" '^Content-Range: bytes 10-19/300000' "$hdrs"
expect "exactly 10 bytes" 10 "$(stat -c %s "$body")"
check "the right 10 bytes" cmp -s "$body" <(tail -c +11 "$DROPBOX_DIR/blob" | head -c 10)
check "blob not gzipped" bash -c "! grep -qi '^Content-Encoding' '$hdrs'"
code=$(curl -s -o "$body" -w '%{http_code}' --cacert "$c/ca.crt" --compressed \
  --cert "$c/kiosk-a.crt" --key "$c/kiosk-a.key" "$DROPBOX_URL/channels/videos/blobs/$sha" || true)
expect "whole blob" 200 "$code"
check "whole blob bytes" cmp -s "$body" "$DROPBOX_DIR/blob"
expect "missing blob" 404 "$(get kiosk-a GET "/channels/videos/blobs/$(printf '0%.0s' {1..64})")"

for m in PUT DELETE MKCOL MOVE POST PROPFIND; do
  expect "$m manifest refused" 403 "$(get kiosk-a "$m" /channels/videos/manifest.json -d x)"
  expect "$m new blob refused" 403 "$(get kiosk-a "$m" "/channels/videos/blobs/$(printf 'a%.0s' {1..64})" -d x)"
done
expect "manifest unchanged" '{"channel":"videos"}' "$(cat "$ch/manifest.json")"
expect "nothing written" "$sha" "$(ls "$ch/blobs")"
expect "list channels/" 403 "$(get kiosk-a GET /channels/)"
expect "list channel" 403 "$(get kiosk-a GET /channels/videos/)"
expect "list blobs/" 403 "$(get kiosk-a GET /channels/videos/blobs/)"
expect "list blobs" 403 "$(get kiosk-a GET /channels/videos/blobs)"
printf secret > "$DROPBOX_DATA/secret.json"
for p in "/channels/videos/../../secret.json" "/channels/videos/%2e%2e/%2e%2e/secret.json" \
  "/channels/..%2f..%2fsecret.json/manifest.json" "/channels/videos/blobs/..%2f..%2f..%2fsecret.json"; do
  code=$(curl -s --path-as-is -o "$body" -w '%{http_code}' --cacert "$c/ca.crt" \
    --cert "$c/kiosk-a.crt" --key "$c/kiosk-a.key" "$DROPBOX_URL$p" || true)
  check "escape $p refused ($code)" test "$code" != 200
  check "escape $p gave nothing" bash -c "! grep -q secret '$body'"
done
expect "temp name refused" 403 "$(get kiosk-a GET /channels/videos/.manifest.json)"

code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$c/ca.crt" \
  "$DROPBOX_URL/channels/videos/manifest.json" || true)
expect "no client certificate" 400 "$code"
bash "$DROPBOX_SRC/config/clinic/make-test-ca.sh" --revoke "$c" kiosk-b
check "nginx reloaded with the new CRL" dropbox_reload
expect "revoked kiosk-b, manifest" 400 "$(get kiosk-b GET /channels/videos/manifest.json)"
expect "revoked kiosk-b, blob range" 400 "$(get kiosk-b GET "/channels/videos/blobs/$sha" -r 0-9)"
expect "kiosk-a after the reload" 200 "$(get kiosk-a GET /channels/videos/manifest.json)"

finish channels_rules
