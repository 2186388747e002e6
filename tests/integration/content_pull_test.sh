#!/usr/bin/env bash
# Content channels end to end (docs/design.md, "Content channels"): the
# clinic publishes a channel into the reference drop box (nginx, mTLS), the
# kiosk's outpost-syncd pulls it through a fault proxy that cuts every
# connection, and resumes without fetching much twice; a tampered blob, a
# tampered manifest, another clinic's signature and an older manifest are
# each refused with the installed library unchanged; too little disk gives a
# clear status; 50 SIGKILLs mid-download leave only verified files.
# Usage: content_pull_test.sh BIN_DIR
set -euo pipefail
BIN=$1
here=$(dirname "$0")
source "$here/dropbox.sh"
source "$here/expect.sh"
source "$here/kiosk_env.sh"
mounted=""
cleanup() {
  [[ -n $mounted ]] && umount "$mounted" 2>/dev/null || true
  dropbox_stop
}
trap cleanup EXIT

dropbox_start kiosk-a
proxy_start
echo pass > "$PROXY_MODES"
clinic_setup
kiosk_setup kiosk-a "$PROXY_URL"
conf=$(kiosk_conf kiosk-a)
data=$DROPBOX_DIR/kiosk-a/data
printf '\n[content]\nchannel = "skills"\nchunk_kb = 64\nreserve_mb = 0\n' >> "$conf"
channel=$DROPBOX_DATA/channels/skills
src=$DROPBOX_DIR/content

# One item: SECONDS of test video (PATTERN, BITRATE bit/s), Opus tone,
# English and Spanish captions, a PNG thumbnail.
make_item() {  # id seconds pattern bitrate topic
  local d=$src/$1 frames=$(($2 * 15))
  mkdir -p "$d"
  gst-launch-1.0 -q videotestsrc pattern="$3" num-buffers="$frames" ! video/x-raw,width=640,height=360,framerate=15/1 \
    ! vp8enc target-bitrate="$4" deadline=1 cpu-used=8 ! queue ! webmmux name=m ! filesink location="$d/video.webm" \
    audiotestsrc num-buffers=$(($2 * 50)) samplesperbuffer=960 ! audio/x-raw,rate=48000 ! opusenc ! queue ! m.
  gst-launch-1.0 -q videotestsrc num-buffers=1 ! video/x-raw,width=320,height=180 ! pngenc ! filesink location="$d/thumbnail.png"
  printf 'WEBVTT\n\n00:00.000 --> 00:01.500\nHello %s\n' "$1" > "$d/captions.en.vtt"
  printf 'WEBVTT\n\n00:00.000 --> 00:01.500\nHola %s\n' "$1" > "$d/captions.es.vtt"
  cat > "$d/item.toml" <<TOML
topic = "$5"
video = "video.webm"
thumbnail = "thumbnail.png"
[title]
en = "Video $1"
es = "Vídeo $1"
[captions]
en = "captions.en.vtt"
es = "captions.es.vtt"
TOML
}
publish() {
  "$BIN/outpost-clinic" publish --clinic "$CLINIC_DIR" --from "$src" --channel skills --out "$channel"
}
pull() { "$BIN/outpost-syncd" --once --config "$conf" > "$DROPBOX_DIR/syncd.out" 2> "$DROPBOX_DIR/syncd.err" || true; }
status_field() {  # field
  "$BIN/outpostctl" --config "$conf" content status --json | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"
}
installed_manifest() { sha256sum < "$data/content/manifest.json" | cut -d' ' -f1; }
# Every file in blobs/ is named by its own sha256.
blobs_verified() {
  local f
  for f in "$data"/content/blobs/*; do
    [[ -e $f ]] || continue
    [[ $(sha256sum < "$f" | cut -d' ' -f1) == "$(basename "$f")" ]] || return 1
  done
}

make_item big 12 snow 3000000 anxiety
make_item small 2 smpte 200000 sleep
contains "publish: version 1" "version 1: 2 items" <(publish)
contains "channel show verifies" "signature verified" <("$BIN/outpost-clinic" channel show "$channel" --clinic "$CLINIC_DIR")
big_size=$(stat -c %s "$src/big/video.webm")
total=$(du -cb "$channel"/blobs/* | tail -1 | cut -f1)
check "the big video is over 2 MiB ($big_size)" test "$big_size" -gt 2097152

# 1. Every connection is cut after 600 kB: each pass resumes from disk.
echo "cutdown 600000" > "$PROXY_MODES"
for ((i = 0; i < 40; i++)); do
  pull
  [[ -f $data/content/manifest.json ]] && break
done
echo pass > "$PROXY_MODES"
[[ -f $data/content/manifest.json ]] || cat "$DROPBOX_DIR/syncd.out" "$DROPBOX_DIR/syncd.err" >&2
check "installed after cut transfers ($i passes)" test -f "$data/content/manifest.json"
expect "installed version" "1" "$(status_field installed_version)"
check "content verify" "$BIN/outpostctl" --config "$conf" content verify --decode
read -r _ conns _ up _ down < "$PROXY_STATS"
refetched=$((down - total))
check "at most 1 MiB fetched twice after cuts ($refetched bytes over $total, $conns connections)" \
  test "$refetched" -le 1048576
echo "content_pull: bytes fetched twice after cuts: $refetched of $total ($conns connections)"
v1=$(installed_manifest)
cp "$channel/manifest.json" "$DROPBOX_DIR/manifest.v1"

# 2. A tampered blob: refused, fetched again, reported; later it installs.
make_item extra 2 ball 200000 mood
contains "publish: version 2" "version 2: 3 items" <(publish)
extra_blob=$channel/blobs/$(sha256sum < "$src/extra/video.webm" | cut -d' ' -f1)
cp "$extra_blob" "$DROPBOX_DIR/extra.good"
python3 - "$extra_blob" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[len(b) // 2] ^= 0xFF
open(p, 'wb').write(bytes(b))
PY
pull
expect "library unchanged by a tampered blob" "$v1" "$(installed_manifest)"
contains "tampered blob reported" "sha256 differs" <(status_field reason)
contains "fetched again" "fetched twice" <(status_field reason)
cp "$DROPBOX_DIR/extra.good" "$extra_blob"
pull
expect "version 2 installs once the blob is right" "2" "$(status_field installed_version)"
v2=$(installed_manifest)
cp "$channel/manifest.json" "$DROPBOX_DIR/manifest.v2"

refused() {  # what words
  pull
  expect "$1: library unchanged" "$v2" "$(installed_manifest)"
  contains "$1: reason" "$2" <(status_field reason)
  check "$1: still verifies" "$BIN/outpostctl" --config "$conf" content verify
}
# 3. A manifest changed on the server.
sed -i 's/Video small/Video SMALL/' "$channel/manifest.json"
refused "tampered manifest" "signature does not verify"
# 4. Another clinic's key.
"$BIN/outpost-clinic" keygen --out "$DROPBOX_DIR/evil" > /dev/null
"$BIN/outpost-clinic" publish --clinic "$DROPBOX_DIR/evil" --from "$src" --channel skills --out "$DROPBOX_DIR/evil-channel" > /dev/null
cp "$DROPBOX_DIR/evil-channel/manifest.json" "$channel/manifest.json"
refused "another clinic's signature" "signature does not verify"
# 5. The older version again (rollback).
cp "$DROPBOX_DIR/manifest.v1" "$channel/manifest.json"
refused "older manifest" "rollback refused: version 1 is older than the installed version 2"
contains "heartbeat carries the reason" "rollback refused" <(python3 - "$DROPBOX_DATA/status/kiosk-a.json" <<'PY'
import json, sys
print(json.loads(json.load(open(sys.argv[1]))["body"]).get("content_problem", ""))
PY
)
cp "$DROPBOX_DIR/manifest.v2" "$channel/manifest.json"

# 6. Too little disk: the data dir on a small tmpfs.
make_item bigger 12 snow 3000000 coping
publish > /dev/null
small=$DROPBOX_DIR/small
mkdir -p "$small"
mount -t tmpfs -o size=6m tmpfs "$small"
mounted=$small
cp -a "$data/." "$small/"
sed -i "s|^data_dir = .*|data_dir = \"$small\"|" "$conf"
data=$small
pull
expect "full disk: library unchanged" "$v2" "$(installed_manifest)"
expect "full disk: state" "blocked" "$(status_field state)"
contains "full disk: reason" "not enough disk space" <(status_field reason)
check "full disk: still verifies" "$BIN/outpostctl" --config "$conf" content verify
umount "$small"
mounted=""
data=$DROPBOX_DIR/kiosk-a/data
sed -i "s|^data_dir = .*|data_dir = \"$data\"|" "$conf"

# 7. 50 SIGKILLs of syncd during the download of version 3.
echo "throttle 400000" > "$PROXY_MODES"
RANDOM=4711
killed=0
for ((i = 0; killed < 50 && i < 150; i++)); do
  "$BIN/outpost-syncd" --once --config "$conf" > /dev/null 2>&1 &
  pid=$!
  sleep "0.$(printf '%03d' $((100 + RANDOM % 400)))"
  kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
  wait "$pid" 2>/dev/null || true
  if ! blobs_verified; then echo "FAIL: an unverified file in blobs/ after kill $killed" >&2; fails=$((fails + 1)); break; fi
  if [[ $(installed_manifest) != "$v2" ]]; then break; fi  # v3 went live
done
check "50 kills of a downloading syncd ($killed)" test "$killed" -ge 50
echo pass > "$PROXY_MODES"
for ((i = 0; i < 5; i++)); do
  pull
  [[ $(status_field installed_version) == 3 ]] && break
done
expect "version 3 after the kills" "3" "$(status_field installed_version)"
check "every file verified after the kills" "$BIN/outpostctl" --config "$conf" content verify
check "no partial file left" test -z "$(ls -A "$data/content/partial")"

# 8. A stick: the channel folder copied; a changed file is refused, then the good copy installs.
stick=$DROPBOX_DIR/stick
cp -a "$channel" "$stick"
usb=$DROPBOX_DIR/usb-kiosk
mkdir -p "$usb"
bad=$stick/blobs/$(sha256sum < "$src/small/video.webm" | cut -d' ' -f1)
cp "$bad" "$DROPBOX_DIR/small.good"
printf 'X' | dd of="$bad" bs=1 seek=100 conv=notrunc 2> /dev/null
rc=0
"$BIN/outpostctl" --config "$conf" --data-dir "$usb" content import --from "$stick" > /dev/null 2> "$DROPBOX_DIR/import.err" || rc=$?
expect "import of a changed file fails" 1 "$rc"
contains "import names the hash" "sha256 differs" "$DROPBOX_DIR/import.err"
check "nothing installed from the bad stick" test ! -e "$usb/content/manifest.json"
cp "$DROPBOX_DIR/small.good" "$bad"
contains "import installs version 3" "installed version 3" <("$BIN/outpostctl" --config "$conf" --data-dir "$usb" content import --from "$stick")
expect "import: the same library as the network" "$(installed_manifest)" "$(sha256sum < "$usb/content/manifest.json" | cut -d' ' -f1)"
expect "content list --json" "4" "$("$BIN/outpostctl" --config "$conf" --data-dir "$usb" content list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"

finish content_pull "$killed kills; refetched after cuts: $refetched bytes"
