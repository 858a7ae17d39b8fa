#!/bin/sh
# Builds the libFuzzer targets (Fuzz/) and runs each for SECONDS (default 60)
# on a seed corpus generated here: keys in every form and embedding
# (scripts/make-corpus.py), OCI settings, and archives of them.
# Crashes are saved in .build-fuzz/crashes/TARGET/ and copied into
# Tests/Fixtures/fuzz-regressions/TARGET/, which the tests replay: fix the bug, keep the input.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET ...]   (targets: FuzzScan FuzzSettings FuzzArchive)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-FuzzScan FuzzSettings FuzzArchive}
work="$root/.build-fuzz"
"$root/scripts/install-deps.sh" --tests
swift build --package-path "$root/Fuzz" --scratch-path "$work" >&2

seeds="$work/seeds"
if [ ! -d "$seeds/FuzzScan" ]; then
    mkdir -p "$seeds/FuzzScan" "$seeds/FuzzSettings" "$seeds/FuzzArchive"
    tmp=$(mktemp -d)
    python3 "$root/scripts/make-corpus.py" "$tmp/corpus" >/dev/null
    find "$tmp/corpus" -type f ! -name expected.json | while read -r f; do
        cp "$f" "$seeds/FuzzScan/$(echo "$f" | sha1sum | cut -c1-16)"
    done
    python3 - "$seeds" "$tmp/corpus" <<'PY'
import io, os, sys, tarfile, zipfile, gzip
seeds, corpus = sys.argv[1], sys.argv[2]
settings = [
    "[DEFAULT]\nuser=ocid1.user.oc1..aaaa\ntenancy=ocid1.tenancy.oc1..bbbb\nfingerprint=12:34:56:78:90:ab:cd:ef:12:34:56:78:90:ab:cd:ef\nkey_file=~/.oci/k.pem\nregion=us-ashburn-1\n\n[p]\npass_phrase=x\n",
    'provider "oci" {\n  tenancy_ocid = "ocid1.tenancy.oc1..a"\n  user_ocid = "ocid1.user.oc1..b"\n  private_key_path = "~/.oci/k.pem"\n}\n',
    "export OCI_CLI_USER=ocid1.user.oc1..a\nexport OCI_CLI_KEY_FILE=/k.pem\n",
    "env:\n  OCI_CLI_TENANCY: ocid1.tenancy.oc1..a\n  OCI_CLI_FINGERPRINT: \"12:34\"\n",
]
for i, s in enumerate(settings):
    open(os.path.join(seeds, "FuzzSettings", f"seed{i}"), "w").write(s)
files = [os.path.join(d, f) for d, _, fs in os.walk(corpus) for f in fs][:12]
z = io.BytesIO()
with zipfile.ZipFile(z, "w") as a:
    for f in files: a.write(f, os.path.relpath(f, corpus))
open(os.path.join(seeds, "FuzzArchive", "seed.zip"), "wb").write(z.getvalue())
t = io.BytesIO()
with tarfile.open(fileobj=t, mode="w:gz") as a:
    for f in files: a.add(f, os.path.relpath(f, corpus))
open(os.path.join(seeds, "FuzzArchive", "seed.tgz"), "wb").write(t.getvalue())
open(os.path.join(seeds, "FuzzArchive", "seed.gz"), "wb").write(gzip.compress(open(files[0], "rb").read()))
PY
    rm -rf "$tmp"
fi

for target in $targets; do
    mkdir -p "$work/crashes/$target" "$work/corpus/$target"
    echo "== $target: $seconds s" >&2
    "$work/debug/$target" "$work/corpus/$target" "$seeds/$target" -max_total_time="$seconds" \
        -timeout=10 -rss_limit_mb=2048 -max_len=262144 -artifact_prefix="$work/crashes/$target/" -print_final_stats=1 2>&1 \
        | grep -E "^(#|stat::|==|SUMMARY|Done)" | tail -6
done

# Every crash or timeout input becomes a regression input the tests replay.
found=0
for target in $targets; do
    for crash in "$work/crashes/$target"/*; do
        [ -f "$crash" ] || continue
        mkdir -p "$root/Tests/Fixtures/fuzz-regressions/$target"
        cp "$crash" "$root/Tests/Fixtures/fuzz-regressions/$target/$(basename "$crash")"
        echo "keyleak: $target: $(basename "$crash") kept in Tests/Fixtures/fuzz-regressions/$target" >&2
        found=1
    done
done
[ "$found" = 0 ] && echo "keyleak: no crash, timeout or leak in $seconds s per target" >&2
exit "$found"
