#!/usr/bin/env bash
# Renders nginx.conf.in (beside this script) for one drop box.
# Usage: render-nginx-conf.sh LISTEN PREFIX DATA_DIR CERT_DIR > nginx.conf
# The worker user is "nobody nogroup" when run as root.
set -euo pipefail
if (($# != 4)); then
  echo "usage: $0 LISTEN PREFIX DATA_DIR CERT_DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
user="nobody nogroup"
[[ $(id -u) -ne 0 ]] && user=$(id -un)
for v in "$@"; do
  if [[ $v == *[\|\;\ ]* ]]; then
    echo "render-nginx-conf.sh: '$v' must not contain '|', ';' or spaces" >&2
    exit 2
  fi
done
sed -e "s|@LISTEN@|$1|g" -e "s|@PREFIX@|$2|g" -e "s|@DATA_DIR@|$3|g" \
    -e "s|@CERT_DIR@|$4|g" -e "s|@USER@|$user|g" "$here/nginx.conf.in"
