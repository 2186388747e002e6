#!/usr/bin/env bash
# The reference drop box enforces its rules (docs/design.md, "Clinic server
# layout"): a kiosk may create files only under its own inbox and status
# path, never overwrite a bundle, never read or list; clients without a
# certificate from the kiosk CA are refused.
set -euo pipefail
source "$(dirname "$0")/dropbox.sh"
source "$(dirname "$0")/expect.sh"
trap dropbox_stop EXIT
dropbox_start kiosk-a kiosk-b

c=$DROPBOX_CERTS
put() {  # kiosk, path, body -> prints the HTTP status (000 when refused in TLS)
  printf '%s' "$3" | curl -s -o /dev/null -w '%{http_code}' --cacert "$c/ca.crt" \
    --cert "$c/$1.crt" --key "$c/$1.key" -T - "$DROPBOX_URL$2" || true
}

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

get() {  # kiosk, method, path
  curl -s -o /dev/null -w '%{http_code}' -X "$2" --cacert "$c/ca.crt" \
    --cert "$c/$1.crt" --key "$c/$1.key" "$DROPBOX_URL$3" || true
}
expect "GET own bundle" 403 "$(get kiosk-a GET /inbox/kiosk-a/b-0001.opb)"
expect "list own inbox" 403 "$(get kiosk-a GET /inbox/kiosk-a/)"
expect "PROPFIND" 403 "$(get kiosk-a PROPFIND /inbox/kiosk-a/)"
expect "DELETE own bundle" 403 "$(get kiosk-a DELETE /inbox/kiosk-a/b-0001.opb)"
expect "GET status" 403 "$(get kiosk-a GET /status/kiosk-a.json)"
expect "bundle still there" one "$(cat "$DROPBOX_DATA/inbox/kiosk-a/b-0001.opb")"

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
expect "inbox holds only the first bundle" b-0001.opb "$(ls "$DROPBOX_DATA/inbox/kiosk-a")"

finish dropbox_rules
