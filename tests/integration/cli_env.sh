# Sourced by the command-line tests that need no server: a clinic and one
# enrolled kiosk whose drop box is a folder, all under one temp dir.
# Needs BIN (the folder with outpostctl, outpost-syncd, outpost-clinic).
#
#   cli_setup     WORK (chmod 755), CLINIC, KIOSK (its folder), CONF, DATA,
#                 DROP (the drop box folder), PHQ9, RESPONSE (a PHQ-9 answer)
#   cli_cleanup   removes WORK (installed as the EXIT trap by cli_setup)
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PHQ9=$SRC/config/questionnaires/phq-9.json
RESPONSE=$SRC/tests/data/responses/phq9-en-moderate.json

cli_cleanup() {
  [[ -n ${WORK:-} ]] && rm -rf "$WORK"
}

cli_setup() {
  WORK=$(mktemp -d /tmp/outpost-cli.XXXXXX)
  chmod 755 "$WORK"
  trap cli_cleanup EXIT
  CLINIC=$WORK/clinic
  KIOSK=$WORK/kiosk
  CONF=$KIOSK/outpost.toml
  DATA=$KIOSK/data
  DROP=$WORK/dropbox
  mkdir -p "$DROP"
  "$BIN/outpost-clinic" keygen --out "$CLINIC" > /dev/null
  "$BIN/outpost-clinic" enroll --clinic "$CLINIC" --kiosk-id kiosk-a --server "file://$DROP" --out "$KIOSK" > /dev/null
  mkdir -p "$DATA"
  sed -i "s|^\[kiosk\]|[kiosk]\ndata_dir = \"$DATA\"|" "$CONF"
}
