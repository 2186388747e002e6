# Sourced by integration tests: starts the reference drop box
# (config/clinic/nginx.conf.in) on a free loopback port with a fresh test CA,
# all under one temp dir, and stops it again.
#
#   dropbox_start KIOSK_ID...   sets DROPBOX_DIR, DROPBOX_URL, DROPBOX_PORT,
#                               DROPBOX_CERTS, DROPBOX_DATA (= prepare + run)
#   dropbox_prepare KIOSK_ID... everything but starting nginx
#   dropbox_run                 starts nginx and waits until it listens
#   dropbox_reload              nginx -s reload (e.g. after a new crl.pem) and
#                               waits until only new workers serve
#   proxy_start                 starts fault_proxy.py in front of it; sets
#                               PROXY_URL, PROXY_MODES (the modes file), PROXY_STATS
#   dropbox_stop                stops both and removes DROPBOX_DIR
# Callers install `trap dropbox_stop EXIT` right after sourcing.

DROPBOX_EXEC=${DROPBOX_EXEC:-}
DROPBOX_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

dropbox_start() {
  dropbox_prepare "$@" && dropbox_run
}

# The CA, certificates and nginx.conf, without starting nginx (to queue
# records while the server is down).
dropbox_prepare() {
  DROPBOX_DIR=$(mktemp -d /tmp/outpost-dropbox.XXXXXX)
  chmod 755 "$DROPBOX_DIR"
  DROPBOX_CERTS=$DROPBOX_DIR/certs
  DROPBOX_DATA=$DROPBOX_DIR/data
  mkdir -p "$DROPBOX_DIR/run" "$DROPBOX_DATA"
  bash "$DROPBOX_SRC/config/clinic/make-test-ca.sh" "$DROPBOX_CERTS" "$@"
  [[ $(id -u) -eq 0 ]] && chown nobody:nogroup "$DROPBOX_DATA"
  DROPBOX_PORT=$(free_port)
  DROPBOX_URL=https://127.0.0.1:$DROPBOX_PORT
  bash "$DROPBOX_SRC/config/clinic/render-nginx-conf.sh" "127.0.0.1:$DROPBOX_PORT" \
    "$DROPBOX_DIR/run" "$DROPBOX_DATA" "$DROPBOX_CERTS" > "$DROPBOX_DIR/run/nginx.conf"
}

dropbox_run() {  # with DROPBOX_EXEC="ip netns exec NS" nginx runs in that namespace
  $DROPBOX_EXEC nginx -p "$DROPBOX_DIR/run" -c "$DROPBOX_DIR/run/nginx.conf" -e "$DROPBOX_DIR/run/error.log" &
  DROPBOX_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do
    if ! kill -0 "$DROPBOX_PID" 2>/dev/null; then
      echo "dropbox: nginx exited at start:" >&2
      cat "$DROPBOX_DIR/run/error.log" >&2
      return 1
    fi
    if $DROPBOX_EXEC python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$DROPBOX_PORT),0.2)" 2>/dev/null; then
      return 0
    fi
    sleep 0.05
  done
  echo "dropbox: nginx did not listen on $DROPBOX_PORT" >&2
  return 1
}

# Workers are children of the master (its pid is in run/nginx.pid). A
# reload starts new workers and lets the old ones finish their connections
# and exit; once none of the old ones is left, every new connection gets
# the new configuration. If the new configuration is bad nginx keeps the
# old workers, and this fails with the error log.
dropbox_reload() {
  local master old now pid stale i
  master=$(cat "$DROPBOX_DIR/run/nginx.pid")
  old=" $(pgrep -P "$master" | tr '\n' ' ')"
  $DROPBOX_EXEC nginx -p "$DROPBOX_DIR/run" -c "$DROPBOX_DIR/run/nginx.conf" \
    -e "$DROPBOX_DIR/run/error.log" -s reload || return 1
  for ((i = 0; i < 200; i++)); do
    now=$(pgrep -P "$master" | tr '\n' ' ')
    stale=0
    for pid in $now; do [[ $old == *" $pid "* ]] && stale=1; done
    [[ -n $now ]] && ((stale == 0)) && return 0
    sleep 0.05
  done
  echo "dropbox: nginx did not reload:" >&2
  cat "$DROPBOX_DIR/run/error.log" >&2
  return 1
}

proxy_start() {
  PROXY_MODES=$DROPBOX_DIR/proxy.modes
  PROXY_STATS=$DROPBOX_DIR/proxy.stats
  echo pass > "$PROXY_MODES"
  python3 "$DROPBOX_SRC/tests/integration/fault_proxy.py" --upstream "127.0.0.1:$DROPBOX_PORT" \
    --modes "$PROXY_MODES" --stats "$PROXY_STATS" \
    --cert "$DROPBOX_CERTS/server.crt" --key "$DROPBOX_CERTS/server.key" \
    --serve-root "$DROPBOX_DATA/channels" > "$DROPBOX_DIR/proxy.port" &
  PROXY_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do
    if [[ -s $DROPBOX_DIR/proxy.port ]]; then
      PROXY_URL=https://127.0.0.1:$(head -1 "$DROPBOX_DIR/proxy.port")
      return 0
    fi
    kill -0 "$PROXY_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "dropbox: fault proxy did not start" >&2
  return 1
}

dropbox_stop() {
  if [[ -n ${PROXY_PID:-} ]]; then
    kill "$PROXY_PID" 2>/dev/null || true
    wait "$PROXY_PID" 2>/dev/null || true
    PROXY_PID=
  fi
  if [[ -n ${DROPBOX_PID:-} ]]; then
    kill "$DROPBOX_PID" 2>/dev/null || true
    wait "$DROPBOX_PID" 2>/dev/null || true
    DROPBOX_PID=
  fi
  if [[ -n ${DROPBOX_DIR:-} && -d $DROPBOX_DIR && -n ${OUTPOST_KEEP_TEST_DIR:-} ]]; then
    echo "dropbox: kept $DROPBOX_DIR" >&2
  elif [[ -n ${DROPBOX_DIR:-} && -d $DROPBOX_DIR ]]; then
    rm -rf "$DROPBOX_DIR"
  fi
}
