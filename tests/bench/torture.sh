#!/usr/bin/env bash
# Torture benchmark (docs/design.md, "Delivery states", "Sync protocol",
# "Receipts"): "nothing lost, nothing doubled" through at least KILLS
# SIGKILLs, against the real nginx drop box (tests/integration/dropbox.sh)
# behind tests/integration/fault_proxy.py, with one kiosk and one clinic.
#
# Not run by ctest (about 5 minutes for the default 1,000 kills on the
# 2-core build machine);
# someone runs it and quotes the summary line. Listed in tests/bench/CMakeLists.txt.
#
# Usage: torture.sh BIN_DIR [KILLS=1000]
#   BIN_DIR holds outpostctl, outpost-syncd and outpost-clinic
#   (build/kiosk/cmd). Needs nginx, sqlite3, coreutils timeout; as root,
#   as the other drop box tests.
# Environment (all optional):
#   SEED=1            the plan: which process, when it is killed, proxy modes,
#                     resets. The same SEED gives the same plan (timing, and
#                     so which runs a kill catches, still varies).
#   MODE_EVERY=50     a proxy mode change every ~MODE_EVERY steps
#   RESET_EVERY=100   an outbox reset every ~RESET_EVERY steps
#   TOPUP_EVERY=8     a few unkilled submits every ~TOPUP_EVERY steps, half of
#                     them during a syncd run (so submit and syncd share the outbox)
#   TIME_LIMIT=3600   seconds for the kill loop; exceeding it is a failure
#   OUTPOST_KEEP_TEST_DIR=1  keep the work folder (it is kept on failure anyway)
#
# A step starts one process, chosen at random, and SIGKILLs it after a
# random delay (coreutils timeout -s KILL; it counts as a kill only when the
# process died of it):
#   - `outpostctl assess submit`: every record id it printed is acknowledged
#     to the patient, killed or not; one that printed nothing promised nothing;
#   - `outpost-syncd --once`: mostly through a throttled proxy, so kills land
#     mid-request;
#   - `outpost-clinic ingest`: killed mid-run (it writes clinic.db and receipts).
# Between steps, at random: a proxy mode change (pass, throttle R, cut N,
# stall N with sync.stall_timeout_s = 2, status 500/503), and an outbox
# reset: the kiosk's data folder is wiped (config and key kept), as after a
# disk swap. Just before the wipe the outbox is read with sqlite3: records in
# state 0/1 (queued, in_bundle) are lost with the disk (they may still
# arrive, at most once); records in state 2/3 (accepted, confirmed) must
# still reach the clinic.
# At the end: proxy to pass, syncd and ingest until the kiosk has nothing
# unconfirmed, then torture_check.py checks every acknowledged, not-lost
# record is at the clinic exactly once with its score, nothing unknown is
# there, no final ingest rejected or quarantined anything, and both databases pass
# PRAGMA integrity_check. Prints one summary line; exits 1 on any violation.
set -euo pipefail
BIN=$(cd "$1" && pwd)
KILLS=${2:-1000}
SEED=${SEED:-1}
MODE_EVERY=${MODE_EVERY:-50}
RESET_EVERY=${RESET_EVERY:-100}
TOPUP_EVERY=${TOPUP_EVERY:-8}
TIME_LIMIT=${TIME_LIMIT:-3600}
bench=$(cd "$(dirname "$0")" && pwd)
here=$bench/../integration
source "$here/dropbox.sh"
source "$here/kiosk_env.sh"
for tool in nginx sqlite3 timeout; do
  command -v "$tool" > /dev/null || { echo "torture: needs $tool" >&2; exit 2; }
done
trap dropbox_stop EXIT

dropbox_start kiosk-a > /dev/null
proxy_start
clinic_setup
kiosk_setup kiosk-a "$PROXY_URL"
conf=$(kiosk_conf kiosk-a)
data=$DROPBOX_DIR/kiosk-a/data
# Small bundles keep many requests per pass without crossing the drop box's
# per-kiosk rate limit; a short stall timeout makes `stall` cost seconds.
printf '\n[sync]\nbundle_max_bytes = 2048\nstall_timeout_s = 2\n' >> "$conf"
W=$DROPBOX_DIR/torture
mkdir -p "$W"
responses=$DROPBOX_DIR/responses
python3 "$here/checkins.py" make "$responses" 50
declare -a score_of
while IFS=$'\t' read -r i s; do score_of[i]=$s; done < "$responses/expected.tsv"
questionnaire=$DROPBOX_SRC/config/questionnaires/phq-9.json
: > "$W/acked.tsv"    # "<id>\t<score>" per id a submit printed
: > "$W/outbox.tsv"   # "<snapshot>\t<hex id>\t<state>"
: > "$W/violations"   # one line per violation found during the loop

violation() {
  echo "torture: VIOLATION: $*" | tee -a "$W/violations" >&2
}

# --- The plan: one line per step, from SEED alone --------------------------
max_steps=$((4 * KILLS + 200))
python3 - "$SEED" "$max_steps" "$MODE_EVERY" "$RESET_EVERY" "$TOPUP_EVERY" > "$W/plan.tsv" <<'PY'
import random, sys
seed, steps, mode_every, reset_every, topup_every = (int(a) for a in sys.argv[1:])
r = random.Random(seed)
# Kill delays in ms, uniform; on the 2-core build machine a submit takes
# 10-45 ms (more when the machine is busy), a syncd pass 0.5-1 s (throttle 5000 or 10000, little to send)
# to several seconds, an ingest 20-70 ms (a few new bundles) to 150 ms (18).
delays = {"submit": (1, 50), "syncd": (20, 1500), "ingest": (1, 60)}
# Mode changes deal from a shuffled deck (throttle twice as often), so a
# run with a dozen changes or more sees every mode. stall N: 600 bytes stall
# the TLS handshake, 2500 the first request.
deck_modes = (["throttle %d" % v for v in (2000, 5000, 10000, 20000)] * 2 + ["pass"] +
              ["cut %d" % v for v in (200, 1500, 4000, 9000)] + ["stall %d" % v for v in (0, 600, 2500)] +
              ["status 500", "status 503"])
deck = []
def next_mode():
    if not deck:
        deck.extend(deck_modes)
        r.shuffle(deck)
    return deck.pop()
for _ in range(steps):
    u = [r.random() for _ in range(8)]  # a fixed draw per step keeps later steps stable
    kind = "submit" if u[0] < 1 / 3 else "syncd" if u[0] < 2 / 3 else "ingest"
    lo, hi = delays[kind]
    delay = lo + int(u[1] * (hi - lo + 1))
    mode = next_mode() if u[2] < 1 / mode_every else "-"
    reset = 1 if u[4] < 1 / reset_every else 0
    topup = 1 + int(u[6] * 4) if u[5] < 1 / topup_every else 0
    concurrent = 1 if topup and kind == "syncd" and u[6] * 4 % 1 < 0.5 else 0
    resp = int(u[7] * 50)
    print("%s\t%d\t%s\t%d\t%d\t%d\t%d" % (kind, delay, mode, reset, topup, concurrent, resp))
PY
# Initial mode: kills of syncd should land mid-request.
echo "throttle 5000" > "$PROXY_MODES"

# --- Steps -------------------------------------------------------------------
declare -A kills=([submit]=0 [syncd]=0 [ingest]=0) finished=([submit]=0 [syncd]=0 [ingest]=0)
resets=0 mode_changes=0 topups=0 partial_prints=0 ingest_dups=0 steps=0
kills_pending=0 kills_new=0  # syncd kills with records to upload, ingest kills with bundles to import
ms_to_s() { printf -v secs '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

# Appends the ids a submit printed (file, response index) to acked.tsv.
record_acks() {
  local line
  while IFS= read -r line; do
    if [[ $line =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]]; then
      printf '%s\t%s\n' "$line" "${score_of[$2]}" >> "$W/acked.tsv"
    elif [[ -n $line ]]; then
      partial_prints=$((partial_prints + 1))
      echo "torture: step $steps: submit printed '$line'" >> "$W/notes"
    fi
  done < "$1"
}

submit_argv() {  # response index -> submit=(the command)
  submit=("$BIN/outpostctl" --config "$conf" assess submit --questionnaire "$questionnaire" --answers "$responses/r-$1.json")
}

# Unkilled submits (count, first response index); bounded at 60 s each.
topup() {
  local j idx rc
  for ((j = 0; j < $1; j++)); do
    idx=$((($2 + j) % 50))
    rc=0
    submit_argv "$idx"
    timeout -s KILL 60 "${submit[@]}" < /dev/null > "$W/topup.out" 2> "$W/topup.err" || rc=$?
    record_acks "$W/topup.out" "$idx"
    topups=$((topups + 1))
    ((rc == 0)) || violation "step $steps: unkilled submit exited $rc: $(head -c 500 "$W/topup.err")"
  done
}

# sqlite3 on a database no process has open: read-only, so the check
# leaves the files as the killed process did (the product's next open
# recovers them). A killed first open can leave a hot rollback journal
# (outbox.db-journal), which only a writer may roll back: then it opens
# read-write, as the product's next open would, and notes it.
sql() {  # db sql... -> stdout; the exit status of sqlite3
  local out rc=0
  out=$(sqlite3 -readonly -separator $'\t' "$@" 2>&1) || rc=$?
  if ((rc != 0)) && [[ $out == *"attempt to write a readonly database"* ]]; then
    echo "torture: step $steps: $1 needed a writer (hot journal): $(ls "$(dirname "$1")" | tr '\n' ' ')" >> "$W/notes"
    rc=0
    out=$(sqlite3 -separator $'\t' "$@" 2>&1) || rc=$?
  fi
  printf '%s\n' "$out"
  return "$rc"
}

# Reads the outbox (integrity, then every id and state) and wipes the data
# folder; config and key stay.
outbox_reset() {
  resets=$((resets + 1))
  local db=$data/outbox.db has ic
  has=$( [[ -e $db ]] && sql "$db" "SELECT count(*) FROM sqlite_master WHERE name='records'") || true
  if [[ $has == 1 ]]; then
    ic=$(sql "$db" 'PRAGMA integrity_check') || true
    [[ $ic == ok ]] || violation "reset $resets: outbox integrity_check: $ic"
    sql "$db" "SELECT 'reset-$resets', lower(hex(id)), state FROM records" \
      >> "$W/outbox.tsv" || violation "reset $resets: cannot read the outbox"
  elif [[ -z $has || $has == 0 ]]; then
    echo "torture: step $steps: reset $resets: no outbox yet (${has:-no file})" >> "$W/notes"
  else
    violation "reset $resets: cannot read the outbox: $has"
  fi
  rm -rf "$data"
  mkdir -p "$data"
}

clinic_integrity() {  # when
  local ic
  [[ -s $CLINIC_DB ]] || return 0
  ic=$(sql "$CLINIC_DB" 'PRAGMA integrity_check') || true
  [[ $ic == ok ]] || violation "$1: clinic.db integrity_check: $ic"
}

start=$SECONDS
total_kills=0
exec 3< "$W/plan.tsv"
while ((total_kills < KILLS)) && IFS=$'\t' read -r -u 3 kind delay mode reset ntop concurrent resp; do
  steps=$((steps + 1))
  if ((SECONDS - start > TIME_LIMIT)); then
    violation "time limit: ${TIME_LIMIT}s for the kill loop, $total_kills kills after $steps steps"
    break
  fi
  if [[ $mode != - ]]; then
    echo "$mode" > "$PROXY_MODES"
    mode_changes=$((mode_changes + 1))
  fi
  ((reset == 0)) || outbox_reset
  ((ntop == 0 || concurrent == 1)) || topup "$ntop" "$resp"
  ms_to_s "$delay"
  rc=0
  case $kind in
    submit)
      submit_argv "$resp"
      timeout --foreground --preserve-status -s KILL "$secs" "${submit[@]}" \
        < /dev/null > "$W/out" 2> "$W/err" || rc=$?
      record_acks "$W/out" "$resp"
      ;;
    syncd)
      pending=0
      pending=$( [[ -e $data/outbox.db ]] && sql "$data/outbox.db" 'SELECT count(*) FROM records WHERE state IN (0, 1)') || true
      timeout --foreground --preserve-status -s KILL "$secs" "$BIN/outpost-syncd" --once --config "$conf" \
        < /dev/null > "$W/out" 2> "$W/err" &
      pid=$!
      ((ntop == 0 || concurrent == 0)) || topup "$ntop" "$resp"
      wait "$pid" || rc=$?
      ;;
    ingest)
      pending=$(find "$DROPBOX_DATA/inbox" -name '*.opb' 2> /dev/null | wc -l) || true
      done_n=$( [[ -s $CLINIC_DB ]] && sql "$CLINIC_DB" 'SELECT count(*) FROM bundles') || true
      [[ $done_n =~ ^[0-9]+$ ]] && pending=$((pending - done_n))
      timeout --foreground --preserve-status -s KILL "$secs" "$BIN/outpost-clinic" ingest \
        --clinic "$CLINIC_DIR" --from "$DROPBOX_DATA" --db "$CLINIC_DB" < /dev/null > "$W/out" 2> "$W/err" || rc=$?
      ;;
  esac
  printf '%d\t%s\t%s\t%d\t%s\n' "$steps" "$kind" "$secs" "$rc" "$(head -1 "$PROXY_MODES")" >> "$W/steps.log"
  if ((rc == 137)); then
    kills[$kind]=$((kills[$kind] + 1))
    total_kills=$((total_kills + 1))
    [[ $kind == syncd && $pending =~ ^[1-9] ]] && kills_pending=$((kills_pending + 1))
    [[ $kind == ingest && $pending =~ ^[1-9] ]] && kills_new=$((kills_new + 1))
    # Every 10th killed ingest: clinic.db must be whole after a kill.
    [[ $kind == ingest && $((kills[ingest] % 10)) == 0 ]] && clinic_integrity "after ingest kill ${kills[ingest]}"
  else
    finished[$kind]=$((finished[$kind] + 1))
    case $kind:$rc in
      submit:0 | syncd:0 | syncd:75) ;;
      ingest:0)
        d=$(grep -o 'duplicate [0-9]*' "$W/out" | tail -1 | cut -d' ' -f2) || true
        ingest_dups=$((ingest_dups + ${d:-0}))
        ;;
      *) violation "step $steps: $kind exited $rc: $(head -c 800 "$W/err")" ;;
    esac
  fi
  if ((steps % 100 == 0)); then
    echo "torture: step $steps, $total_kills kills, $resets resets, $((SECONDS - start))s" >&2
  fi
done
exec 3<&-
loop_s=$((SECONDS - start))
((total_kills >= KILLS)) || violation "only $total_kills kills of a running process in $steps steps (want $KILLS)"

# --- Drain: pass mode, syncd and ingest until nothing is unconfirmed ---------
echo pass > "$PROXY_MODES"
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$W/status.json" "$1" 2> /dev/null || echo '?'; }
ingest_final() {  # -> "new N, duplicate D, rejected R[, quarantined Q]" of one unkilled run
  local rc=0
  timeout -s KILL 120 "$BIN/outpost-clinic" ingest --clinic "$CLINIC_DIR" --from "$DROPBOX_DATA" --db "$CLINIC_DB" \
    < /dev/null > "$W/ingest.out" 2> "$W/ingest.err" || rc=$?
  ((rc == 0)) || violation "final ingest exited $rc: $(head -c 800 "$W/ingest.out" "$W/ingest.err")"
  grep -o 'new [0-9]*, duplicate [0-9]*, rejected [0-9]*\(, quarantined [0-9]*\)\?' "$W/ingest.out" | tail -1 || true
}
syncd_final() {
  local rc=0
  timeout -s KILL 120 "$BIN/outpost-syncd" --once --config "$conf" < /dev/null >> "$W/drain.log" 2>&1 || rc=$?
  ((rc == 0 || rc == 75)) || violation "final syncd exited $rc (see $W/drain.log)"
}
drained=0
final_rejected=0
final_quarantined=0
for ((round = 1; round <= 20; round++)); do
  syncd_final
  line=$(ingest_final)
  echo "drain round $round: $line" >> "$W/drain.log"
  r=$(grep -o 'rejected [0-9]*' <<< "$line" | cut -d' ' -f2) || true
  final_rejected=$((final_rejected + ${r:-0}))
  q=$(grep -o 'quarantined [0-9]*' <<< "$line" | cut -d' ' -f2) || true
  final_quarantined=$((final_quarantined + ${q:-0}))
  syncd_final  # fetches the receipt that ingest just wrote
  timeout -s KILL 60 "$BIN/outpostctl" --config "$conf" status --json < /dev/null > "$W/status.json" 2>> "$W/drain.log" || true
  if [[ $(field accepted)/$(field in_bundle)/$(field queued) == 0/0/0 ]]; then
    drained=1
    break
  fi
done
((drained == 1)) || violation "the kiosk still has unconfirmed records after 20 drain rounds: $(tr -d '\n ' < "$W/status.json")"
line=$(ingest_final)  # one more: nothing new, nothing rejected, nothing quarantined
[[ ${line%, quarantined 0} == "new 0, duplicate 0, rejected 0" ]] ||
  violation "last ingest: '$line' (want new 0, duplicate 0, rejected 0, quarantined 0)"
((final_rejected == 0)) || violation "final ingest runs rejected $final_rejected files: $(grep '^rejected' "$W/ingest.out" | head -5)"
((final_quarantined == 0)) || violation "final ingest runs quarantined $final_quarantined records: $(grep '^quarantined' "$W/ingest.out" | head -5)"
if [[ $(sql "$CLINIC_DB" "SELECT count(*) FROM sqlite_master WHERE name='quarantine'") == 1 ]]; then
  held_q=$(sql "$CLINIC_DB" 'SELECT count(*) FROM quarantine') || true
  [[ $held_q == 0 ]] || violation "clinic.db quarantine holds $held_q records: $(sql "$CLINIC_DB" 'SELECT record_id FROM quarantine LIMIT 5' | tr '\n' ' ')"
fi
rejections=$(sql "$CLINIC_DB" 'SELECT count(*) FROM rejections') || true
[[ $rejections == 0 ]] || violation "clinic.db holds $rejections rejections: $(sql "$CLINIC_DB" 'SELECT * FROM rejections LIMIT 5' | tr '\n' ';')"

ic=$(sql "$data/outbox.db" 'PRAGMA integrity_check') || true
[[ $ic == ok ]] || violation "final outbox integrity_check: $ic"
clinic_integrity "at the end"
sql "$data/outbox.db" "SELECT 'final', lower(hex(id)), state FROM records" >> "$W/outbox.tsv" ||
  violation "cannot read the final outbox"
"$BIN/outpost-clinic" export --db "$CLINIC_DB" --format csv --out "$W/export.csv"
check_rc=0
counts=$(python3 "$bench/torture_check.py" "$W/acked.tsv" "$W/outbox.tsv" "$W/export.csv" 2> "$W/check.err") || check_rc=$?
cat "$W/check.err" >&2
((check_rc == 0)) || violation "torture_check: $(grep VIOLATION "$W/check.err" | sed 's/.*VIOLATION: //' | tr '\n' ';')"
get() { grep -o " $1=[0-9]*" <<< " $counts" | cut -d= -f2; }

n_viol=$(wc -l < "$W/violations")
bundles=$(find "$DROPBOX_DATA/inbox" -name '*.opb' | wc -l)
echo "torture: SEED=$SEED kills $total_kills (submit ${kills[submit]}, syncd ${kills[syncd]}" \
  "($kills_pending with records to upload), ingest ${kills[ingest]} ($kills_new with bundles to import));" \
  "finished before the kill: submit ${finished[submit]}, syncd ${finished[syncd]}, ingest ${finished[ingest]};" \
  "steps $steps, mode changes $mode_changes, resets $resets;" \
  "acknowledged $(get acknowledged) (+$(get committed_unacknowledged) committed, not printed);" \
  "lost with the disk $(get lost) ($(get lost_acknowledged) acknowledged, $(get lost_arrived) arrived anyway);" \
  "expected $(get expected), at the clinic $(get at_clinic), duplicates $(get duplicates), missing $(get missing)," \
  "unknown $(get unknown), wrong score $(get wrong_score); bundles $bundles, ingest duplicates $ingest_dups;" \
  "violations $n_viol; wall time $((SECONDS))s (kill loop ${loop_s}s)"
if ((n_viol > 0)); then
  export OUTPOST_KEEP_TEST_DIR=1  # dropbox_stop keeps the folder for the post-mortem
  echo "torture: FAILED; plan, logs and databases in $DROPBOX_DIR (torture/ has the plan and violations)" >&2
  exit 1
fi
