#!/bin/sh
# Sets up the OCI Python SDK, the oracle for keyleak's OCI semantics (config
# reading, validation, fingerprints, request signing), in a virtualenv under
# .build/, and prints the path of its python. Pinned: a new SDK release is a
# deliberate change, not a surprise in CI.
#   scripts/oci-sdk.sh            -> prints .../.build/oci-sdk/bin/python
# Reaches the Python package index only when the virtualenv is missing or
# holds another version.
set -eu
version=2.189.0
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.build/oci-sdk"
python="$venv/bin/python"
if [ -x "$python" ] && "$python" -c "import oci, sys; sys.exit(oci.__version__ != '$version')" 2>/dev/null; then
    echo "$python"
    exit 0
fi
rm -rf "$venv"
mkdir -p "$root/.build"
if ! python3 -m venv "$venv" >&2 2>/dev/null; then
    # Debian splits venv out of python3.
    "$root/scripts/install-deps.sh" --venv >&2
    python3 -m venv "$venv" >&2
fi
"$python" -m pip install -q --disable-pip-version-check "oci==$version" >&2
echo "$python"
