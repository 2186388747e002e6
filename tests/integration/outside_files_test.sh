#!/usr/bin/env bash
# Files from outside that are not small regular files (kiosk/file_read.h):
# a folder, /dev/null, a FIFO, an empty file, a 1 TiB sparse file and one the
# user may not read, as a key file, a site config (--config) and a
# questionnaire, in each program that reads them. Each must be a clean error
# naming the file: exit status not 0, no signal (a crash), no hang on the
# FIFO, and no fallback to the built-in defaults.
# Usage: outside_files_test.sh BIN_DIR
set -euo pipefail
BIN=$1
here=$(dirname "$0")
source "$here/expect.sh"
source "$here/cli_env.sh"
cli_setup

# The odd files, made on demand: make_odd KIND PATH (folder, device, fifo,
# empty, huge: 1 TiB, sparse).
make_odd() {
  case $1 in
    folder) mkdir -p "$2" ;;
    device) ln -s /dev/null "$2" ;;
    fifo) mkfifo "$2" ;;
    empty) : > "$2" ;;
    huge) truncate -s 1T "$2" ;;
  esac
}
declare -A WHAT=(
  [folder]="is a folder, not a file"
  [device]="is a device, not a file"
  [fifo]="is a FIFO (named pipe), not a file"
  [empty]="is empty"
  [huge]="is too large (1099511627776 bytes"
)
odd=$WORK/odd
mkdir -p "$odd"

# fails_cleanly WHAT MESSAGE CMD...: CMD exits 1-123 within 20 s and prints
# MESSAGE (a fixed string) on stdout or stderr.
fails_cleanly() {
  local what=$1 message=$2 rc=0
  shift 2
  timeout 20 "$@" > "$WORK/out" 2>&1 < /dev/null || rc=$?
  if ((rc == 0 || rc >= 124)); then
    echo "FAIL: $what: exit status $rc (0: accepted; 124: hung; >128: a signal): $(head -c 500 "$WORK/out")" >&2
    fails=$((fails + 1))
  elif ! grep -qF -- "$message" "$WORK/out"; then
    echo "FAIL: $what: '$message' not in: $(head -c 500 "$WORK/out")" >&2
    fails=$((fails + 1))
  else
    passes=$((passes + 1))
  fi
}

# A config like $CONF with one line changed: with_conf NAME SED-EXPR -> path
with_conf() {
  sed "$2" "$CONF" > "$KIOSK/$1.toml"
  echo "$KIOSK/$1.toml"
}

var_lib_absent=0
[[ -e /var/lib/outpost ]] || var_lib_absent=1

for kind in folder device fifo empty huge; do
  w=${WHAT[$kind]}
  f=$odd/$kind
  make_odd "$kind" "$f"
  # --- the kiosk's signing key (clinic.kiosk_key_file) ---
  conf=$(with_conf "key-$kind" "s|^kiosk_key_file = .*|kiosk_key_file = \"$f\"|")
  fails_cleanly "syncd, kiosk_key_file $kind" "clinic.kiosk_key_file: $f: the key file $w" \
    "$BIN/outpost-syncd" --once --config "$conf"
  fails_cleanly "outpostctl export, kiosk_key_file $kind" "$f: the key file $w" \
    "$BIN/outpostctl" --config "$conf" export --to "$DROP"
  # --- the site config itself ---
  fails_cleanly "outpostctl --config $kind" "$f: the config file $w" "$BIN/outpostctl" --config "$f" status
  fails_cleanly "outpost-syncd --config $kind" "$f: the config file $w" "$BIN/outpost-syncd" --once --config "$f"
  if [[ -x $BIN/outpost ]]; then
    fails_cleanly "outpost --config $kind" "$f: the config file $w" "$BIN/outpost" --config "$f"
  fi
  # --- a questionnaire, and the answers ---
  fails_cleanly "assess validate $kind" "$f: the questionnaire file $w" "$BIN/outpostctl" assess validate "$f"
  fails_cleanly "assess score --answers $kind" "$f: the answers file $w" \
    "$BIN/outpostctl" assess score --questionnaire "$PHQ9" --answers "$f"
  if [[ -x $BIN/outpost ]]; then
    conf=$(with_conf "q-$kind" "s|^\[kiosk\]|[kiosk]\ncheckin = [\"$f\"]|")
    fails_cleanly "outpost, check-in questionnaire $kind" "$f: the questionnaire file $w" \
      "$BIN/outpost" --config "$conf"
  fi
  # --- the clinic's keys ---
  for key in sealing.sk sealing.pk; do
    cp -r "$CLINIC" "$WORK/clinic-$kind"
    rm "$WORK/clinic-$kind/$key"
    make_odd "$kind" "$WORK/clinic-$kind/$key"
    fails_cleanly "ingest, $key $kind" "$WORK/clinic-$kind/$key: the key file $w" \
      "$BIN/outpost-clinic" ingest --clinic "$WORK/clinic-$kind" --from "$DROP" --db "$WORK/clinic.db"
    rm -rf "$WORK/clinic-$kind"
  done
done
if ((var_lib_absent)); then
  check "no program fell back to /var/lib/outpost" test ! -e /var/lib/outpost
fi

# A config, a key and a questionnaire the user may not read (as nobody when root).
if [[ $(id -u) -eq 0 ]]; then
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
  cp "$CONF" "$WORK/private.toml"
  chmod 600 "$WORK/private.toml"
  cp "$PHQ9" "$WORK/private.json"
  chmod 600 "$WORK/private.json"
  fails_cleanly "outpostctl --config unreadable" "$WORK/private.toml: cannot read the config file: permission denied" \
    "${as_user[@]}" "$BIN/outpostctl" --config "$WORK/private.toml" status
  fails_cleanly "outpost-syncd --config unreadable" "$WORK/private.toml: cannot read the config file: permission denied" \
    "${as_user[@]}" "$BIN/outpost-syncd" --once --config "$WORK/private.toml"
  fails_cleanly "assess validate unreadable" "$WORK/private.json: cannot read the questionnaire file: permission denied" \
    "${as_user[@]}" "$BIN/outpostctl" assess validate "$WORK/private.json"
  # The kiosk key (0600, root's) behind a config nobody can read.
  chmod 755 "$KIOSK"
  chmod 644 "$CONF"
  mkdir "$WORK/nobody-data"
  chown 65534:65534 "$WORK/nobody-data"
  fails_cleanly "syncd, kiosk key unreadable" "$KIOSK/kiosk.sk: cannot read the key file: permission denied" \
    "${as_user[@]}" "$BIN/outpost-syncd" --once --config "$CONF" --data-dir "$WORK/nobody-data"
fi

# The clinic's per-kiosk key: an empty or folder kiosks/<id>.pk rejects that
# kiosk's bundles with the reason (not "no enrolled key"); the others go in.
"$BIN/outpostctl" --config "$CONF" assess submit --questionnaire "$PHQ9" --answers "$RESPONSE" > /dev/null
"$BIN/outpost-syncd" --once --config "$CONF" > /dev/null
pk=$CLINIC/kiosks/kiosk-a.pk
mv "$pk" "$WORK/kiosk-a.pk"
: > "$pk"
rc=0
"$BIN/outpost-clinic" ingest --clinic "$CLINIC" --from "$DROP" --db "$WORK/clinic.db" > "$WORK/out" 2>&1 || rc=$?
expect "ingest with an empty kiosk key: exit 2 (rejected)" 2 "$rc"
contains "says the key file is empty" "kiosk 'kiosk-a': $pk: the key file is empty" "$WORK/out"
check "does not say 'no enrolled key'" bash -c "! grep -q 'no enrolled key' '$WORK/out'"
rm "$pk"
mkdir "$pk"
rc=0
"$BIN/outpost-clinic" ingest --clinic "$CLINIC" --from "$DROP" --db "$WORK/clinic.db" > "$WORK/out" 2>&1 || rc=$?
expect "ingest with a folder as kiosk key: exit 2 (rejected)" 2 "$rc"
contains "says the key file is a folder" "$pk: the key file is a folder, not a file" "$WORK/out"
rmdir "$pk"
mv "$WORK/kiosk-a.pk" "$pk"

# Odd files in the drop box: rejected with the reason, the good bundle still imported.
mkdir -p "$DROP/inbox/kiosk-a"
: > "$DROP/inbox/kiosk-a/kiosk-a-0000000098.opb"
truncate -s 1T "$DROP/inbox/kiosk-a/kiosk-a-0000000099.opb"
mkfifo "$DROP/inbox/kiosk-a/kiosk-a-0000000097.opb"
rc=0
timeout 20 "$BIN/outpost-clinic" ingest --clinic "$CLINIC" --from "$DROP" --db "$WORK/clinic.db" > "$WORK/out" 2>&1 || rc=$?
expect "ingest with odd files: exit 2 (rejected)" 2 "$rc"
contains "empty bundle rejected" "kiosk-a-0000000098.opb: the file is empty" "$WORK/out"
contains "huge bundle rejected" "kiosk-a-0000000099.opb: the file is too large" "$WORK/out"
contains "the good bundle imported" "^new 1, duplicate 0, rejected 2" "$WORK/out"

# A dictionary that is a folder.
mkdir -p "$WORK/dicts/questionnaire-response.1.zdict"
fails_cleanly "ingest, dictionary folder" "questionnaire-response.1.zdict: the zstd dictionary is a folder, not a file" \
  "$BIN/outpost-clinic" ingest --clinic "$CLINIC" --from "$DROP" --db "$WORK/clinic.db" --dictionaries "$WORK/dicts"

finish outside_files
