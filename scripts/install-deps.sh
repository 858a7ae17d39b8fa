#!/bin/sh
# Installs what keyleak needs on a Debian/Ubuntu machine, skipping what is there:
#   build: libpcre2-dev, libssl-dev, libarchive-dev, libvectorscan-dev (or Hyperscan's
#          libhyperscan-dev: the same library), pkg-config
#   tests: openssh-client, putty-tools, gnupg, python3 (key generation at test time),
#          xxd and bsdextrautils' hexdump (the hex dumps keys are pasted as),
#          python3's jsonschema (SARIF validation), libarchive-tools (bsdtar writes
#          the 7z, ar, cpio, zstd, lz4, lzip, lzma and .Z test archives), a Java
#          runtime's keytool (default-jre-headless: JKS and JCEKS test keystores)
#   --venv: python3-venv, for scripts/oci-sdk.sh
#   --package: the static archives of libarchive's compressors that libarchive-dev does
#          not pull in (libzstd-dev, liblz4-dev, libacl1-dev), for scripts/package
# Usage: scripts/install-deps.sh [--tests | --venv | --package]
set -eu
packages="libpcre2-dev libssl-dev libarchive-dev pkg-config"
# Hyperscan and its fork Vectorscan provide the same libhs; either will do.
dpkg-query -W -f='${Status}' libhyperscan-dev 2>/dev/null | grep -q "install ok installed" \
    || packages="$packages libvectorscan-dev"
if [ "${1:-}" = "--tests" ]; then
    packages="$packages openssh-client putty-tools gnupg python3 util-linux libarchive-tools xxd bsdextrautils"
    # Any Java runtime's keytool will do; Debian and Ubuntu both name one default-jre-headless.
    command -v keytool >/dev/null 2>&1 || packages="$packages default-jre-headless"
fi
if [ "${1:-}" = "--package" ]; then
    # scripts/package links these statically (libzstd.a, liblz4.a, libacl.a).
    packages="$packages libzstd-dev liblz4-dev libacl1-dev"
fi
if [ "${1:-}" = "--venv" ]; then
    # scripts/oci-sdk.sh: Debian ships python3's venv module separately.
    packages="python3-venv"
fi
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ "${1:-}" = "--tests" ] && ! python3 -c "import jsonschema" 2>/dev/null; then
    # The SARIF test validates reports against the official schema with it.
    python3 -m pip install -q jsonschema >&2
fi
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "keyleak: please install:$missing (no apt-get on this machine)" >&2
    exit 2
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "keyleak: run as root or install sudo to install:$missing" >&2; exit 2; }
    sudo=sudo
fi
echo "keyleak: installing$missing" >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >&2
