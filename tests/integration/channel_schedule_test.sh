#!/usr/bin/env bash
# The video sessions a channel carries (docs/design.md, "Content channels",
# schedule): schedule.toml in the publish folder, through outpost-clinic
# publish and channel show. Times with offsets come out in UTC; a private
# session's patient codes are never in the manifest, only their argon2id
# digests, checked here with PyNaCl (an independent binding); a bad schedule
# is refused naming the file, line and key, before anything is written.
# Usage: channel_schedule_test.sh BIN_DIR
set -euo pipefail
BIN=$1
here=$(dirname "$0")
source "$here/expect.sh"
work=$(mktemp -d /tmp/outpost-schedule.XXXXXX)
trap 'rm -rf "$work"' EXIT

src=$work/content
mkdir -p "$src/one"
gst-launch-1.0 -q videotestsrc num-buffers=15 ! video/x-raw,width=320,height=180,framerate=15/1 \
  ! vp8enc deadline=1 ! queue ! webmmux name=m ! filesink location="$src/one/video.webm" \
  audiotestsrc num-buffers=50 samplesperbuffer=960 ! audio/x-raw,rate=48000 ! opusenc ! queue ! m.
gst-launch-1.0 -q videotestsrc num-buffers=1 ! video/x-raw,width=160,height=90 ! pngenc ! filesink location="$src/one/thumbnail.png"
cat > "$src/one/item.toml" <<'TOML'
topic = "coping"
video = "video.webm"
thumbnail = "thumbnail.png"
[title]
en = "One"
TOML
CODE=123456786  # a valid code: 12345678 and its Damm check digit
write_schedule() {  # end-of-the-group-session
  cat > "$src/schedule.toml" <<TOML
[[session]]
id = "tuesday-group"
kind = "group"
start = 2026-12-08T11:00:00-06:00
end = $1
server = "https://clinic.example/janus"
room = 1234
pin = "4711"
[session.title]
en = "Tuesday skills group"
es = "Grupo de habilidades del martes"

[[session]]
id = "family-12"
kind = "private"
start = 2026-12-09T15:00:00Z
end = 2026-12-09T16:00:00Z
server = "http://10.0.0.5:8088/janus"
room = 5012
patients = ["1234 5678 6"]
[session.title]
en = "Family session"
TOML
}
"$BIN/outpost-clinic" keygen --out "$work/clinic" > /dev/null
publish() { "$BIN/outpost-clinic" publish --clinic "$work/clinic" --from "$src" --channel skills --out "$1"; }

write_schedule 2026-12-08T12:30:00-06:00
check "publish with a schedule" publish "$work/channel" > /dev/null
"$BIN/outpost-clinic" channel show "$work/channel" --clinic "$work/clinic" > "$work/show.txt"
contains "show: two sessions" "^2 video sessions" "$work/show.txt"
contains "show: the group in UTC" "tuesday-group  \[group\]  2026-12-08T17:00:00Z - 2026-12-08T18:30:00Z  Tuesday skills group" "$work/show.txt"
contains "show: the private session's limit" "room 5012, no PIN, limited to 1 patients" "$work/show.txt"
check "the code is not in the manifest" bash -c "! grep -q '$CODE' '$work/channel/manifest.json'"
/usr/bin/python3 - "$work/channel/manifest.json" "$CODE" > "$work/digest.txt" <<'PY'
import json, sys, nacl.pwhash
body = json.loads(json.load(open(sys.argv[1]))["body"])
p = [s for s in body["schedule"]["sessions"] if s["id"] == "family-12"][0]["patients"]
kdf = nacl.pwhash.argon2id.kdf(32, sys.argv[2].encode(), bytes.fromhex(p["salt"]),
                               opslimit=nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE,
                               memlimit=nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE)
print("match" if p["digests"] == [kdf.hex()] else "differ", len(p["salt"]))
PY
expect "the digest is argon2id(code, salt) as PyNaCl computes it" "match 32" "$(cat "$work/digest.txt")"

# Refused, naming where, and nothing written.
refused() {  # what, message regex
  local rc=0
  publish "$work/refused" > /dev/null 2> "$work/err" || rc=$?
  expect "$1: exit status" 1 "$rc"
  contains "$1: the message" "$2" "$work/err"
  check "$1: nothing written" test ! -e "$work/refused"
}
write_schedule 2026-12-08T10:59:00-06:00
refused "an end before the start" "schedule.toml: schedule.sessions\[0\].end: not after start"
write_schedule 2026-12-08T12:30:00
refused "a time without offset" "schedule.toml:5: session\[0\].end: must be a date and time with its offset"
write_schedule 2026-12-08T12:30:00-06:00
sed -i 's/1234 5678 6/1234 5678 0/' "$src/schedule.toml"
refused "a mistyped patient code" "schedule.toml:.*session\[1\].patients: an entry is not a patient code"
check "the mistyped code is not in the message" bash -c "! grep -q '1234 5678 0\|123456780' '$work/err'"
write_schedule 2026-12-08T12:30:00-06:00
sed -i 's/^room = 1234/room = 1234\nvideo = true/' "$src/schedule.toml"
refused "an unknown key" "session\[0\].video: unknown key"
write_schedule 2026-12-08T12:30:00-06:00
sed -i 's/^room = 1234/room = -4/' "$src/schedule.toml"
refused "a negative room" "session\[0\].room: must be 1 or more"
finish channel_schedule
