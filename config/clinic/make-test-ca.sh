#!/usr/bin/env bash
# Makes a throw-away CA for the reference drop box (docs/design.md, "Clinic
# server layout"): a CA, a server certificate for 127.0.0.1/localhost and
# one client certificate per kiosk id. For tests and demos only; a real
# clinic issues these from its own CA.
#
# Usage: make-test-ca.sh OUT_DIR KIOSK_ID...
# Writes: ca.crt ca.key server.crt server.key server.pub.der
#         KIOSK_ID.crt KIOSK_ID.key for every kiosk id.
#
# A kiosk certificate's subject is exactly "CN=<kiosk id>", nothing else:
# nginx.conf.in accepts only that (see its map on $ssl_client_s_dn).
set -euo pipefail

if (($# < 1)); then
  echo "usage: $0 OUT_DIR [KIOSK_ID...]" >&2
  exit 2
fi
out=$1; shift
for kiosk in "$@"; do  # the kiosk id grammar of docs/design.md, "Bundles"
  if [[ ! $kiosk =~ ^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$ ]]; then
    echo "make-test-ca.sh: kiosk id '$kiosk' must be 1-64 of A-Z a-z 0-9 . _ - and not start with '.'" >&2
    exit 2
  fi
done
mkdir -p "$out"
cd "$out"

days=30
subj_ca="/O=Outpost test/CN=Outpost test CA"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout ca.key -out ca.crt -days "$days" -subj "$subj_ca" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

issue() {  # name, subject, extensions file
  local name=$1 subj=$2 ext=$3
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$name.key" -out "$name.csr" -subj "$subj" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
    -out "$name.crt" -days "$days" -extfile "$ext" 2>/dev/null
  rm -f "$name.csr"
  chmod 600 "$name.key"
}

cat > server.ext <<'X'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
X
issue server "/O=Outpost test/CN=localhost" server.ext
# The server's public key, for clients that pin it (CURLOPT_PINNEDPUBLICKEY).
openssl x509 -in server.crt -noout -pubkey | openssl pkey -pubin -outform DER -out server.pub.der

cat > client.ext <<'X'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
X
for kiosk in "$@"; do
  issue "$kiosk" "/CN=$kiosk" client.ext
done
rm -f server.ext client.ext ca.srl
chmod 600 ca.key
