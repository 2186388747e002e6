# Sourced by sync integration tests after dropbox.sh: a clinic (keygen) and
# enrolled kiosks whose configs point at the drop box with their test
# certificates. Needs BIN (the folder with outpostctl, outpost-syncd,
# outpost-clinic).
#
#   clinic_setup                 CLINIC_DIR, CLINIC_DB
#   kiosk_setup KIOSK_ID [URL]   KIOSK_CONF_<id>, data dir under $DROPBOX_DIR/<id>/data
#   submit_checkins ID N FILE    submits N PHQ-9 check-ins; FILE gets "<record id>\t<score>"

clinic_setup() {
  CLINIC_DIR=$DROPBOX_DIR/clinic
  CLINIC_DB=$DROPBOX_DIR/clinic.db
  "$BIN/outpost-clinic" keygen --out "$CLINIC_DIR" > /dev/null
}

kiosk_setup() {  # id [server url]
  local id=$1 url=${2:-$DROPBOX_URL} dir=$DROPBOX_DIR/$1
  "$BIN/outpost-clinic" enroll --clinic "$CLINIC_DIR" --kiosk-id "$id" --server "$url" --out "$dir" > /dev/null
  mkdir -p "$dir/data"
  # [clinic] is the last table enroll writes: append its TLS settings.
  cat >> "$dir/outpost.toml" <<TOML
ca_file = "$DROPBOX_CERTS/ca.crt"
client_cert = "$DROPBOX_CERTS/$id.crt"
client_key = "$DROPBOX_CERTS/$id.key"
TOML
  sed -i "s|^\[kiosk\]|[kiosk]\ndata_dir = \"$dir/data\"|" "$dir/outpost.toml"
}

kiosk_conf() { echo "$DROPBOX_DIR/$1/outpost.toml"; }

submit_checkins() {  # id n ids-file
  local id=$1 n=$2 out=$3 responses=$DROPBOX_DIR/responses
  python3 "$DROPBOX_SRC/tests/integration/checkins.py" make "$responses" "$n"
  : > "$out"
  local i score rid
  while IFS=$'\t' read -r i score; do
    rid=$("$BIN/outpostctl" --config "$(kiosk_conf "$id")" assess submit \
      --questionnaire "$DROPBOX_SRC/config/questionnaires/phq-9.json" --answers "$responses/r-$i.json") || return 1
    printf '%s\t%s\n' "$rid" "$score" >> "$out"
  done < "$responses/expected.tsv"
}
