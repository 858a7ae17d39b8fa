#!/usr/bin/env python3
"""keyleak next to gitleaks and Kingfisher on real trees nobody here wrote.

A benchmark, not a test (it downloads, and its numbers are for reading):

    scripts/compare.py [--keyleak BIN] [--only NAME ...] [--refresh]

Trees, fetched into .build/compare/ on first use (pinned, so runs compare):
the sources of Python packages that ship test keys (paramiko, python-jose,
pyOpenSSL, pycryptodome: sdists from PyPI; cryptography-vectors: its wheel)
and Go's golang.org/x/crypto from Debian (golang-golang-x-crypto-dev, unpacked
with dpkg -x, not installed). Peers come from /work/shared/tools/install-peers.sh
(or $PEERS_INSTALLER) into .build/compare/peers.

Truth is decided without keyleak, by Python `cryptography` (OpenSSL): a true
key is a region of a file that loads as a private key, read by these simple,
independent decoders:

- a PEM block of any armour (`-----BEGIN <label>-----` to its END line), its
  body taken line by line with string quoting, `\\n` escapes, indentation and
  comment or diff prefixes stripped; Go's `TESTING KEY` armour read as PRIVATE;
  OpenSSH blocks with the OpenSSH loader; an encrypted key (the loader asks for
  a password) counts as a key;
- a whole file that is a DER private key (PKCS#1, PKCS#8, SEC1, encrypted
  PKCS#8), or a PKCS#12 that opens with the empty password (each key in it);
- a one-line run of base64 that decodes to a DER private key, or to a PEM
  file whose blocks are keys (`LS0tLS1CRUdJTi…`);
- a run of hex bytes (plain, spaced, colon-separated, `0x30, 0x82, …` or
  `\\x30\\x82…`, over lines) holding a DER private key.

Each tool finds a true key when it reports a finding in the same file on one
of the key's lines; keyleak names it when its finding states the OCI
fingerprint (MD5 of the DER SubjectPublicKeyInfo) the truth computes. NOTE:
`cryptography` re-encodes some public keys (EC with explicit curve
parameters as a named curve, RSA-PSS as plain RSA), where keyleak gives the
fingerprint `openssl pkey -pubout` does: those differ by design. Printed per tree: true keys, found and missed by each
tool, keyleak's misses by path, the keys a peer finds and keyleak does not,
and keyleak's findings on no true key (split into keys keyleak names by
fingerprint that the truth's decoders cannot read, and the rest).
"""
import argparse
import base64
import binascii
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import warnings

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, ".build", "compare")
PYPI = {"paramiko": "5.1.0", "python-jose": "3.5.0", "pyOpenSSL": "26.4.0", "pycryptodome": "4.4.0"}
VECTORS = ("cryptography-vectors", "50.0.2")
DEBIAN = "golang-golang-x-crypto-dev"
MAX_FILE = 20 << 20

warnings.filterwarnings("ignore")


def run(args, **kw):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


# --- trees ------------------------------------------------------------------------

def fetch(refresh):
    trees = os.path.join(WORK, "trees")
    dl = os.path.join(WORK, "dl")
    if refresh:
        shutil.rmtree(trees, ignore_errors=True)
        shutil.rmtree(dl, ignore_errors=True)
    os.makedirs(dl, exist_ok=True)
    os.makedirs(trees, exist_ok=True)
    for name, version in PYPI.items():
        target = os.path.join(trees, name)
        if os.path.isdir(target):
            continue
        out = os.path.join(dl, name)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", "-d", out,
                        f"{name}=={version}"], check=True)
        archive = os.path.join(out, os.listdir(out)[0])
        os.makedirs(target)
        subprocess.run(["tar", "-xzf", archive, "-C", target, "--strip-components=1"], check=True)
    target = os.path.join(trees, VECTORS[0])
    if not os.path.isdir(target):
        out = os.path.join(dl, VECTORS[0])
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", out, f"{VECTORS[0]}=={VECTORS[1]}"],
                       check=True)
        wheel = os.path.join(out, os.listdir(out)[0])
        subprocess.run([sys.executable, "-m", "zipfile", "-e", wheel, target], check=True)
    target = os.path.join(trees, "golang-x-crypto")
    if not os.path.isdir(target):
        out = os.path.join(dl, "deb")
        os.makedirs(out, exist_ok=True)
        subprocess.run(["apt-get", "download", DEBIAN], cwd=out, check=True, stdout=subprocess.DEVNULL)
        deb = [f for f in os.listdir(out) if f.endswith(".deb")][0]
        subprocess.run(["dpkg", "-x", os.path.join(out, deb), target], check=True)
    return {name: os.path.join(trees, name) for name in sorted(os.listdir(trees))}


def peers():
    bin_dir = os.path.join(WORK, "peers")
    if not all(os.path.exists(os.path.join(bin_dir, t)) for t in ("gitleaks", "kingfisher")):
        installer = os.environ.get("PEERS_INSTALLER", "/work/shared/tools/install-peers.sh")
        subprocess.run(["sh", installer, bin_dir], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(bin_dir, "gitleaks"), os.path.join(bin_dir, "kingfisher")


# --- truth ------------------------------------------------------------------------

def openssl_parses(data, inform):
    """OpenSSL's own reading, for keys `cryptography` refuses on stricter grounds
    (an EC private key one byte longer than its curve, a non-canonical encoding)."""
    out = subprocess.run(["openssl", "pkey", "-inform", inform, "-noout", "-passin", "pass:"], input=data,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out.returncode == 0


PBE_OIDS = (bytes.fromhex("06092a864886f70d0105"), bytes.fromhex("060a2a864886f70d010c01"))


def fingerprint(key):
    """The OCI fingerprint keyleak reports: MD5 of the DER SubjectPublicKeyInfo, colon hex."""
    try:
        spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    except Exception:
        return None
    return ":".join(f"{b:02x}" for b in hashlib.md5(spki).digest())


def load_der(der):
    """(kind, fingerprint): kind 'key', 'encrypted' or None for DER bytes. A key
    parses when its structure does: RSA consistency is not checked (a broken
    key in a test is still one). Encrypted: the loader asks for a password, and
    the structure names a password-based scheme (PKCS#5 or PKCS#12) at its start."""
    try:
        key = serialization.load_der_private_key(der, None, unsafe_skip_rsa_key_validation=True)
        return "key", fingerprint(key)
    except TypeError:
        return ("encrypted" if any(oid in der[:32] for oid in PBE_OIDS) else None), None
    except Exception:
        pass
    return ("key" if len(der) >= 32 and openssl_parses(der, "DER") else None), None


def load_pem(label, headers, body):
    """(kind, fingerprint) of a PEM block rebuilt from its parts."""
    pem = f"-----BEGIN {label}-----\n"
    if headers:
        pem += "".join(f"{h}\n" for h in headers) + "\n"
    pem += "\n".join(body[i:i + 64] for i in range(0, len(body), 64)) + f"\n-----END {label}-----\n"
    data = pem.encode()
    try:
        if label == "OPENSSH PRIVATE KEY":
            key = serialization.load_ssh_private_key(data, None)
        else:
            key = serialization.load_pem_private_key(data, None, unsafe_skip_rsa_key_validation=True)
        return "key", fingerprint(key)
    except TypeError:
        # The loader wants a password: an encrypted key.
        return "encrypted", None
    except Exception:
        pass
    if headers:
        return None, None
    try:
        der = base64.b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return None, None
    return load_der(der)


BEGIN = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,60}?)-----")


def pem_blocks(text):
    """(start, end, kind, fingerprint) of every PEM block in `text` (bytes) that loads as a private key."""
    found = []
    for m in BEGIN.finditer(text):
        label = m.group(1).decode()
        # The first END line whatever its label (a test's broken key may close with another).
        close = re.compile(rb"-----END [A-Z0-9 ]{1,60}-----").search(text, m.end())
        if not close or close.start() - m.end() > 200_000:
            continue
        end = close.start()
        inner = text[m.end():end].decode("latin-1")
        # Escapes, twice (a JSON string inside a JSON string), and XML line references.
        for _ in range(2):
            inner = inner.replace("\\r", "").replace("\\n", "\n")
        inner = inner.replace("&#13;", "").replace("&#10;", "\n").replace("&#xD;", "").replace("&#xA;", "\n")
        lines = [l.strip() for l in inner.split("\n")]
        lines = [re.sub(r"^(?:#|//|\*|;|>|\"|'|`|\(|\[)+\s*", "", l) for l in lines if l]
        lines = [re.sub(r"\s+\+$", "", l).strip(" \t\r\"'`,;()[]{}") for l in lines]
        lines = [l for l in lines if l]
        # Every line with a diff's prefix: a side of a diff.
        if len(lines) > 1 and all(l[0] in "+-" for l in lines):
            lines = [l[1:].strip() for l in lines]
        headers, body = [], ""
        for line in lines:
            if ":" in line and not body:
                headers.append(line)
                continue
            body += "".join(c for c in line if c.isalnum() or c in "+/=")
        real = label.replace("TESTING", "PRIVATE")
        if "PRIVATE" not in real:
            continue
        kind, fp = load_pem(real, headers, body)
        if kind:
            found.append((m.start(), close.end(), kind, fp))
    return found


B64_RUN = re.compile(rb"(?<![A-Za-z0-9+/])(?:MI|LS0t)[A-Za-z0-9+/]{60,}+(?:\r?\n[ \t]*+[A-Za-z0-9+/]{4,}+)*+={0,2}")
HEX_RUN = re.compile(rb"(?:(?:0x|\\x)?[0-9A-Fa-f]{2,}+[\s,:\"'+\\]{0,16}+)++")


def der_length(data, i):
    if i + 2 > len(data) or data[i] != 0x30:
        return None
    n = data[i + 1]
    if n < 0x80:
        return 2 + n
    k = n & 0x7F
    if not 1 <= k <= 3 or i + 2 + k > len(data):
        return None
    return 2 + k + int.from_bytes(data[i + 2:i + 2 + k], "big")


def truth_of_file(path):
    try:
        if os.path.islink(path) or os.path.getsize(path) > MAX_FILE:
            return []
        data = open(path, "rb").read()
    except OSError:
        return []
    keys = []
    if data[:1] == b"\x30":
        kind, fp = load_der(data)
        if kind:
            return [(1, 1, kind, fp)]
        # A PKCS#12 that opens with no password or a documented default (keyleak's
        # list, from its README): each key in it.
        for password in (None, b"", b"password", b"changeit", b"changeme", b"secret", b"test", b"storepwd", b"keystore",
                         b"123456", b"android", b"notasecret"):
            try:
                p12 = pkcs12.load_pkcs12(data, password)
            except Exception:
                continue
            return [(1, 1, "pkcs12", fingerprint(p12.key))] if p12.key else []
    line_starts = [0] + [m.end() for m in re.finditer(rb"\n", data)]

    def line(offset):
        lo, hi = 0, len(line_starts)
        while lo + 1 < hi:
            mid = (lo + hi) // 2
            if line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid
        return lo + 1

    spans = []
    for start, end, kind, fp in pem_blocks(data):
        spans.append((start, end, kind, fp))
    for m in B64_RUN.finditer(data):
        if any(s <= m.start() < e for s, e, _, _ in spans):
            continue
        try:
            run = re.sub(rb"\s", b"", m.group(0))
            raw = base64.b64decode(run + b"=" * (-len(run) % 4))
        except (binascii.Error, ValueError):
            continue
        if raw.startswith(b"-----BEGIN"):
            for _, _, kind, fp in pem_blocks(raw):
                spans.append((m.start(), m.end(), kind, fp))
        else:
            n = der_length(raw, 0)
            if n and n <= len(raw):
                kind, fp = load_der(raw[:n])
                if kind:
                    spans.append((m.start(), m.end(), kind, fp))
    for m in HEX_RUN.finditer(data):
        if any(s <= m.start() < e for s, e, _, _ in spans):
            continue
        text = m.group(0)
        if re.search(rb"0x|\\x", text):
            # Each prefixed token is one byte.
            tokens = re.findall(rb"(?:0x|\\x)([0-9A-Fa-f]{1,2})", text)
            hexes = b"".join(t.rjust(2, b"0") for t in tokens)
        else:
            # Plain digits pair up across whatever separates them (a string split anywhere).
            hexes = b"".join(re.findall(rb"[0-9A-Fa-f]", text))
            hexes = hexes[:len(hexes) // 2 * 2]
        if len(hexes) < 96:
            continue
        try:
            raw = bytes.fromhex(hexes.decode())
        except ValueError:
            continue
        # A key starts where the run does, or where one key ends and the next begins.
        i = 0
        while i < len(raw) - 16:
            n = der_length(raw, i)
            kind, fp = load_der(raw[i:i + n]) if n and 64 <= n <= len(raw) - i else (None, None)
            if not kind:
                break
            spans.append((m.start(), m.end(), kind, fp))
            i += n
    for start, end, kind, fp in spans:
        keys.append((line(start), line(max(start, end - 1)), kind, fp))
    return keys


def truth(tree):
    result = {}
    for base, dirs, files in os.walk(tree):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(base, name)
            keys = truth_of_file(path)
            if keys:
                result[os.path.relpath(path, tree)] = keys
    return result


# --- tools ------------------------------------------------------------------------

def keyleak(binary, tree):
    start = time.time()
    out = run([binary, "scan", "--format", "json", "--no-archives", "--max-findings-per-file", "100000", tree])
    elapsed = time.time() - start
    report = json.loads(out.stdout)
    return [(f["path"], f["line"], f.get("end_line") or f["line"], f) for f in report["findings"]], elapsed


def gitleaks(binary, tree):
    report = os.path.join(WORK, "gitleaks.json")
    start = time.time()
    run([binary, "dir", tree, "--report-format", "json", "--report-path", report, "--no-banner", "--exit-code", "0",
         "--log-level", "error"])
    elapsed = time.time() - start
    found = json.load(open(report)) or []
    return [(os.path.relpath(f["File"], tree) if os.path.isabs(f["File"]) else os.path.relpath(os.path.join(os.getcwd(), f["File"]), tree),
             f["StartLine"], f["EndLine"], f) for f in found], elapsed


def kingfisher(binary, tree):
    start = time.time()
    out = run([binary, "scan", tree, "--format", "jsonl", "--no-validate", "--no-dedup", "-c", "low", "--no-update-check",
               "--no-extract-archives"])
    elapsed = time.time() - start
    found = []
    for text in out.stdout.decode(errors="replace").splitlines():
        try:
            record = json.loads(text)
        except ValueError:
            continue
        f = record.get("finding")
        if not f or "path" not in f:
            continue
        path = f["path"]
        path = os.path.relpath(path if os.path.isabs(path) else os.path.abspath(path), tree)
        found.append((path, f.get("line", 0), f.get("line", 0), record))
    return found, elapsed


# --- comparison ---------------------------------------------------------------------

def covers(finding, key):
    _, line, end, _ = finding
    first, last = key[0], key[1]
    return line <= last + 1 and end >= first - 1


def same_path(reported, path):
    """A tool's path names `path`. NOTE: keyleak's output firewall writes
    `[REDACTED]` over a run of a path that looks like base64 (a long file name
    in a folder of such names): that part matches anything."""
    if reported == path:
        return True
    if "[REDACTED]" not in reported:
        return False
    return re.fullmatch(".*".join(re.escape(part) for part in reported.split("[REDACTED]")), path) is not None


def compare(name, tree, tools, only_report):
    true = truth(tree)
    total = sum(len(v) for v in true.values())
    print(f"\n== {name}: {total} true keys in {len(true)} files")
    results = {}
    for tool, (fn, binary) in tools.items():
        findings, elapsed = fn(binary, tree)
        by_path = {}
        redacted = []
        for f in findings:
            by_path.setdefault(f[0], []).append(f)
            if "[REDACTED]" in f[0]:
                redacted.append(f)
        found, missed = [], []
        for path, keys in sorted(true.items()):
            candidates = by_path.get(path, []) + [f for f in redacted if same_path(f[0], path)]
            for key in keys:
                (found if any(covers(f, key) for f in candidates) else missed).append((path, key))
        results[tool] = (findings, found, missed, elapsed)
    # keyleak's finding at a key names it when it states the fingerprint the truth computed.
    k_findings = results["keyleak"][0]
    named = [(p, k) for p, k in results["keyleak"][1] if k[3] and any(
        same_path(f[0], p) and covers(f, k) and f[3].get("fingerprint") == k[3] for f in k_findings)]
    with_fp = [(p, k) for p, k in results["keyleak"][1] if k[3]]
    print(f"   {'':12}{'found':>8}{'missed':>8}{'seconds':>9}")
    for tool, (_, found, missed, elapsed) in results.items():
        print(f"   {tool:12}{len(found):>8}{len(missed):>8}{elapsed:>9.1f}")
    print(f"   keyleak names {len(named)} of the {len(with_fp)} keys it finds whose fingerprint the truth computed")
    for path, (first, last, kind, fp) in [x for x in with_fp if x not in named][:only_report]:
        said = [f[3].get("fingerprint") or f[3].get("message", "")[:60] for f in k_findings if same_path(f[0], path)
                and covers(f, (first, last))]
        print(f"     not named: {path}:{first}-{last} ({kind}) truth {fp}, keyleak {said}")
    k_missed = results["keyleak"][2]
    if k_missed:
        print(f"   keyleak misses ({len(k_missed)}):")
        for path, (first, last, kind, _) in k_missed:
            print(f"     {path}:{first}-{last} ({kind})")
    k_found = {(p, k) for p, k in results["keyleak"][1]}
    for tool in ("gitleaks", "kingfisher"):
        extra = [(p, k) for p, k in results[tool][1] if (p, k) not in k_found]
        if extra:
            print(f"   found by {tool}, not by keyleak ({len(extra)}):")
            for path, (first, last, kind, _) in extra:
                print(f"     {path}:{first}-{last} ({kind})")
    # keyleak's findings on no true key.
    unmatched = [f for f in results["keyleak"][0]
                 if not any(covers(f, key) for path, keys in true.items() if same_path(f[0], path) for key in keys)]
    named_only = [f for f in unmatched if f[3].get("fingerprint")]
    other = [f for f in unmatched if not f[3].get("fingerprint")]
    print(f"   keyleak findings on no true key: {len(unmatched)} "
          f"({len(named_only)} keys keyleak names by fingerprint in forms the truth cannot read, {len(other)} others)")
    for path, line, _, f in (named_only + other)[:only_report]:
        print(f"     {path}:{line} {f['severity']} {f['message'][:110]}")
    if len(unmatched) > only_report:
        print(f"     … and {len(unmatched) - only_report} more")
    return total, {tool: (len(r[1]), len(r[2])) for tool, r in results.items()}, len(named_only), len(other)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keyleak", default=os.environ.get("KEYLEAK_BIN"))
    parser.add_argument("--only", nargs="*", default=None, help="tree names to run")
    parser.add_argument("--refresh", action="store_true", help="fetch the trees again")
    parser.add_argument("--list", type=int, default=40, help="keyleak-only findings to list per tree")
    args = parser.parse_args()
    binary = args.keyleak
    if not binary:
        for candidate in (".build/release/keyleak", ".build/debug/keyleak"):
            if os.path.exists(os.path.join(ROOT, candidate)):
                binary = os.path.join(ROOT, candidate)
                break
    if not binary:
        sys.exit("compare: build keyleak first (swift build), or pass --keyleak BIN")
    trees = fetch(args.refresh)
    gl, kf = peers()
    tools = {"keyleak": (keyleak, binary), "gitleaks": (gitleaks, gl), "kingfisher": (kingfisher, kf)}
    summary = []
    for name, tree in trees.items():
        if args.only and name not in args.only:
            continue
        summary.append((name,) + compare(name, tree, tools, args.list))
    print("\n== summary (found/missed)")
    print(f"   {'tree':26}{'true':>6}{'keyleak':>12}{'gitleaks':>12}{'kingfisher':>12}{'kl-only named':>15}{'kl-only other':>15}")
    for name, total, counts, named, other in summary:
        cells = "".join(f"{f'{counts[t][0]}/{counts[t][1]}':>12}" for t in ("keyleak", "gitleaks", "kingfisher"))
        print(f"   {name:26}{total:>6}{cells}{named:>15}{other:>15}")


if __name__ == "__main__":
    main()
