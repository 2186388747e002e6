#!/usr/bin/env bash
# Installs every Debian 12 package Outpost needs to build, run and test.
# Idempotent; safe to run as root on a fresh machine.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake pkg-config clang libclang-rt-14-dev git
  # libraries
  libsdl2-dev libimgui-dev libcurl4-openssl-dev libsqlite3-dev libzstd-dev
  libsodium-dev nlohmann-json3-dev libtomlplusplus-dev libcli11-dev
  doctest-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  # media runtime: playback (VP8/VP9/Opus WebM), decode checks, demo narration
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-nice gstreamer1.0-libav
  espeak-ng
  # kiosk runtime: fonts, headless display for tests and the demo
  fonts-noto-core xvfb xauth xdotool imagemagick
  # integration test servers and tools
  nginx-light janus openssl sqlite3 iproute2 iptables python3 zstd curl
  # an independent bundle decoder (PyNaCl), a wrong kiosk clock
  python3-nacl faketime
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# npm, for the FHIR R4 schema validator of the export test
# (scripts/install-fhir-validator.sh): Debian's, unless an npm is already on
# PATH (a Node.js build that bundles npm conflicts with Debian's package).
command -v npm > /dev/null || missing+=(nodejs npm)

if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
