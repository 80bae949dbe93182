#!/usr/bin/env bash
# deps.sh — install the Debian packages TIMS builds, tests and benchmarks with.
#
# Idempotent: asks dpkg which packages are missing and installs only those.
# Called by make when pkg-config cannot find a library, and by hand on a new
# machine. Needs root (or sudo) and Debian 12's archive.
set -eu

pkgs=(
  build-essential pkg-config git ca-certificates
  libsqlite3-dev sqlite3 libsodium-dev libmicrohttpd-dev libgnutls28-dev gnutls-bin
  libcurl4-gnutls-dev curl libjansson-dev libicu-dev libpq-dev
  postgresql postgresql-contrib
  clang libclang-rt-14-dev
  oathtool wrk hyperfine
  softhsm2 libp11-kit-dev faketime nftables
  chromium poppler-utils fonts-dejavu-core libjs-chart.js
  python3 groff-base man-db gettext
  libsystemd-dev debhelper lintian dpkg-dev fakeroot systemd
  prometheus
  libseccomp-dev
  libssl-dev
  libpcsclite-dev pcscd vsmartcard-vpcd python3-cryptography
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# Node.js (for the browser tests and the peer MRZ parser in the benchmark) may
# come from another source that already bundles npm; Debian's npm would then
# conflict, so it is only asked for when no npm is on the PATH.
if ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

# vsmartcard-vpcd gives the system's pcscd a virtual reader that listens on
# TCP 35963 on every interface: anyone who reaches it could present a card.
# The tests run their own pcscd with their own reader.conf.d in a network
# namespace of their own (tests/e2e/chip.sh), so the system's entry goes
# (dpkg keeps a removed conffile removed on upgrades). Never on a booth.
no_system_vpcd() {
  [ -f /etc/reader.conf.d/vpcd ] || return 0
  echo "deps: removing /etc/reader.conf.d/vpcd (the system pcscd must not listen for virtual cards)" >&2
  if [ "$(id -u)" -ne 0 ]; then sudo rm -f /etc/reader.conf.d/vpcd; else rm -f /etc/reader.conf.d/vpcd; fi
}

if [ ${#missing[@]} -eq 0 ]; then
  no_system_vpcd
  exit 0
fi

echo "deps: installing ${missing[*]}" >&2
SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2

no_system_vpcd
