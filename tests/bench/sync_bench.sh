#!/usr/bin/env bash
# Sync benchmark (issue 5):
#  1. wire bytes per record, HTTP and TLS included, for N_WIRE PHQ-9
#     check-ins uploaded by outpost-syncd --once (counted by the TCP proxy
#     between it and nginx, both directions, heartbeat included);
#     target <= 200 B/record.
#  2. time to drain N_DRAIN records through a 64 kbit/s link (tc tbf on the
#     loopback of a network namespace made here, nginx and syncd inside it)
#     against the link's capacity; target goodput >= 80%.
# Usage: sync_bench.sh BIN_DIR CHECKIN_FLOOD [N_WIRE=1000] [N_DRAIN=10000]
# ctest runs part 1 only (N_DRAIN=0); part 2 takes about 4 minutes.
set -euo pipefail
BIN=$1
FLOOD=$2
N_WIRE=${3:-1000}
N_DRAIN=${4:-10000}
here=$(cd "$(dirname "$0")/../integration" && pwd)
source "$here/dropbox.sh"
source "$here/kiosk_env.sh"
NS=
cleanup() {
  dropbox_stop
  [[ -n $NS ]] && ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT

flood() {  # kiosk n ids-file
  python3 "$here/checkins.py" make "$DROPBOX_DIR/responses" 50
  "$FLOOD" "$(kiosk_conf "$1")" "$DROPBOX_SRC/config/questionnaires/phq-9.json" "$DROPBOX_DIR/responses" "$2" > "$3"
}
ingest_line() {
  "$BIN/outpost-clinic" ingest --clinic "$CLINIC_DIR" --from "$DROPBOX_DATA" --db "$CLINIC_DB" | tail -1 | sed 's/ (.*//'
}
status=0

# 1. Wire bytes per record.
dropbox_start kiosk-a kiosk-b
proxy_start
clinic_setup
kiosk_setup kiosk-a "$PROXY_URL"
flood kiosk-a "$N_WIRE" "$DROPBOX_DIR/ids-a.tsv"
"$BIN/outpost-syncd" --once --config "$(kiosk_conf kiosk-a)" > /dev/null
read -r _ conns _ up _ down < "$PROXY_STATS"
bundle_bytes=$(find "$DROPBOX_DATA/inbox/kiosk-a" -name '*.opb' -printf '%s\n' | awk '{s+=$1} END {print s}')
got=$(ingest_line)
wire=$(( (up + down) / N_WIRE ))
echo "bench wire: $N_WIRE records, $((up + down)) bytes on the wire ($up up, $down down, $conns connections)"
echo "bench wire: $wire B/record end to end (TLS + HTTP + heartbeat); bundles alone $((bundle_bytes / N_WIRE)) B/record; target <= 200"
[[ $got == "new $N_WIRE, duplicate 0, rejected 0, quarantined 0" ]] || { echo "bench wire: ingest said '$got'" >&2; status=1; }
((wire <= 200)) || { echo "bench wire: above the 200 B/record target" >&2; status=1; }

# 2. Drain through 64 kbit/s.
if ((N_DRAIN == 0)); then
  echo "bench drain: skipped (N_DRAIN=0)"
  exit $status
fi
if [[ $(id -u) -ne 0 ]] || ! command -v tc > /dev/null; then
  echo "bench drain: skipped (needs root and tc for a network namespace)"
  exit $status
fi
dropbox_stop
NS=outpost-bench-$$
ip netns add "$NS"
ip netns exec "$NS" ip link set lo mtu 1500 up
ip netns exec "$NS" tc qdisc add dev lo root tbf rate 64kbit burst 1600 latency 1s
DROPBOX_EXEC="ip netns exec $NS"
dropbox_prepare kiosk-b
dropbox_run
clinic_setup
kiosk_setup kiosk-b
# The kiosk's bandwidth cap set just under the link (92.5%): curl paces the
# upload instead of overflowing the link's queue and losing packets.
printf '\n[sync]\nmax_rate = 7400\n' >> "$(kiosk_conf kiosk-b)"
flood kiosk-b "$N_DRAIN" "$DROPBOX_DIR/ids-b.tsv"
start=$(date +%s.%N)
ip netns exec "$NS" "$BIN/outpost-syncd" --once --config "$(kiosk_conf kiosk-b)" > /dev/null
end=$(date +%s.%N)
bundle_bytes=$(find "$DROPBOX_DATA/inbox/kiosk-b" -name '*.opb' -printf '%s\n' | awk '{s+=$1} END {print s}')
got=$(ingest_line)
read -r secs goodput <<< "$(python3 -c "t=$end-$start; print('%.1f %.0f' % (t, 100.0 * $bundle_bytes / t / 8000.0))")"
echo "bench drain: $N_DRAIN records ($bundle_bytes bundle bytes) through 64 kbit/s in ${secs} s; goodput ${goodput}% of the link (target >= 80%)"
[[ $got == "new $N_DRAIN, duplicate 0, rejected 0, quarantined 0" ]] || { echo "bench drain: ingest said '$got'" >&2; status=1; }
((goodput >= 80)) || { echo "bench drain: below the 80% target" >&2; status=1; }
exit $status
