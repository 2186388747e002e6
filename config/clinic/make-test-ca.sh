#!/usr/bin/env bash
# Makes a throw-away CA for the reference drop box (docs/design.md, "Clinic
# server layout"): a CA with an empty CRL, a server certificate for
# 127.0.0.1/localhost and one client certificate per kiosk id, and revokes
# kiosk certificates. For tests and demos only; a real clinic issues these
# from its own CA.
#
# Usage: make-test-ca.sh OUT_DIR [KIOSK_ID...]
#          a new CA in OUT_DIR (replacing any there). Writes:
#          ca.crt ca.key crl.pem server.crt server.key server.pub.der,
#          KIOSK_ID.crt KIOSK_ID.key for every kiosk id, and what
#          `openssl ca` needs to revoke later: ca.cnf index.txt* crlnumber*.
#        make-test-ca.sh --revoke OUT_DIR KIOSK_ID...
#          revokes OUT_DIR/KIOSK_ID.crt (already revoked is fine) and
#          rewrites crl.pem; nginx reads it on reload (nginx -s reload).
#
# A kiosk certificate's subject is exactly "CN=<kiosk id>", nothing else:
# nginx.conf.in accepts only that (see its map on $ssl_client_s_dn).
# The CRL is valid as long as the certificates (30 days); a CRL past its
# nextUpdate makes nginx refuse every kiosk, so a real CA must reissue it
# before then.
set -euo pipefail

days=30
usage() {
  echo "usage: $0 OUT_DIR [KIOSK_ID...]" >&2
  echo "       $0 --revoke OUT_DIR KIOSK_ID..." >&2
  exit 2
}

# Runs openssl quietly; on failure shows what it said.
quiet() {
  local log rc=0
  log=$("$@" 2>&1) || rc=$?
  ((rc == 0)) || printf 'make-test-ca.sh: %s failed:\n%s\n' "$*" "$log" >&2
  return "$rc"
}

# crl.pem from index.txt, written beside it and renamed so a reload never
# reads half a file.
gencrl() {
  quiet openssl ca -config ca.cnf -gencrl -out crl.pem.new
  mv crl.pem.new crl.pem
}

if [[ ${1:-} == --revoke ]]; then
  (($# >= 3)) || usage
  cd "$2"
  shift 2
  for kiosk in "$@"; do
    if [[ ! -f $kiosk.crt ]]; then
      echo "make-test-ca.sh: no certificate $kiosk.crt in $PWD" >&2
      exit 2
    fi
    log=$(openssl ca -config ca.cnf -revoke "$kiosk.crt" 2>&1) || {
      if [[ $log != *"Already revoked"* ]]; then
        printf 'make-test-ca.sh: revoking %s failed:\n%s\n' "$kiosk" "$log" >&2
        exit 1
      fi
    }
  done
  gencrl
  exit 0
fi

(($# >= 1)) || usage
out=$1; shift
for kiosk in "$@"; do  # the kiosk id grammar of docs/design.md, "Bundles"
  if [[ ! $kiosk =~ ^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$ ]]; then
    echo "make-test-ca.sh: kiosk id '$kiosk' must be 1-64 of A-Z a-z 0-9 . _ - and not start with '.'" >&2
    exit 2
  fi
done
mkdir -p "$out"
cd "$out"

subj_ca="/O=Outpost test/CN=Outpost test CA"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout ca.key -out ca.crt -days "$days" -subj "$subj_ca" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# Certificates are issued with `openssl x509 -req`; `openssl ca` is used
# only to revoke (it adds a certificate it has not seen to index.txt) and
# to write the CRL.
cat > ca.cnf <<X
[ca]
default_ca = kiosk_ca

[kiosk_ca]
database = index.txt
crlnumber = crlnumber
certificate = ca.crt
private_key = ca.key
default_md = sha256
default_crl_days = $days
X
: > index.txt
echo "unique_subject = no" > index.txt.attr  # a kiosk may be re-issued and revoked again
echo 01 > crlnumber
rm -f index.txt.old index.txt.attr.old crlnumber.old
gencrl

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
