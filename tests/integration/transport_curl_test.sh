#!/usr/bin/env bash
# CurlTransport against the reference drop box: runs the doctest binary given
# as $1 with a fresh nginx on loopback.
set -euo pipefail
source "$(dirname "$0")/dropbox.sh"
trap dropbox_stop EXIT
dropbox_start kiosk-a kiosk-b
proxy_start
export DROPBOX_URL DROPBOX_CERTS DROPBOX_DATA PROXY_URL PROXY_MODES PROXY_STATS
export ROGUE_CERTS=$DROPBOX_DIR/rogue
bash "$DROPBOX_SRC/config/clinic/make-test-ca.sh" "$ROGUE_CERTS" kiosk-a
"$1"
