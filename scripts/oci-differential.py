#!/usr/bin/env python3
"""Differential test: keyleak's reading of OCI config files against the OCI
Python SDK itself (pinned by scripts/oci-sdk.sh), the oracle.

Over a corpus generated here (configs and key files, keys made at run time),
for every profile it compares what the SDK says, `oci.config.from_file` +
`validate_config` + `oci.signer.Signer` (and signing a request), or for a
session profile what `oci --auth security_token` does (the CLI's
get_session_token_signer: the token file, the key, the token's expiry), with
`keyleak doctor --format json`; the key loader's verdict and the fingerprint
of every key the SDK loads; the endpoint the SDK resolves for the region; and
the `oci` fields of the scan's findings (`keyleak scan --format json`).

    python3 scripts/oci-differential.py [--keyleak .build/debug/keyleak] [--keep DIR] [-v]

Exit 0 when every comparison agrees, 1 when any disagrees (each printed), 2
when it cannot run. Disagreements that are known and explained are listed in
KNOWN below (and in the README), each with its reason.
"""
import base64
import configparser
import copy
import datetime
import hashlib
import importlib
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (case name, what) pairs whose disagreement is known and explained in the README.
KNOWN = {
    ("key-nbsp-in-body", "[DEFAULT] scan finds the key"):
        "the scan's PEM normaliser does not take U+00A0 (a no-break space) out of a key body; "
        "the SDK's PEM reader drops all Unicode whitespace, so it loads the key and the scan misses it",
}


def main_outer():
    """Runs under any python3: sets up the SDK's virtualenv and re-runs there."""
    if os.environ.get("KEYLEAK_OCI_ORACLE") == "1":
        return main()
    try:
        python = subprocess.check_output([os.path.join(ROOT, "scripts", "oci-sdk.sh")], text=True).strip()
    except subprocess.CalledProcessError:
        print("oci-differential: cannot set up the OCI SDK (scripts/oci-sdk.sh)", file=sys.stderr)
        return 2
    check = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "oci-regions.py"), "--check"])
    if check.returncode != 0:
        return 1
    env = dict(os.environ, KEYLEAK_OCI_ORACLE="1")
    return subprocess.run([python, os.path.abspath(__file__)] + sys.argv[1:], env=env).returncode


# ---------------------------------------------------------------- keys

def make_keys():
    from cryptography.hazmat.primitives import serialization as s
    from cryptography.hazmat.primitives.asymmetric import rsa, ec, ed25519, dsa
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    from cryptography.hazmat.primitives import hashes
    k = {}
    rsa1 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa2 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    eck = ec.generate_private_key(ec.SECP256R1())
    edk = ed25519.Ed25519PrivateKey.generate()
    dsak = dsa.generate_private_key(key_size=2048)
    PEM, DER = s.Encoding.PEM, s.Encoding.DER
    TRAD, P8, SSH = s.PrivateFormat.TraditionalOpenSSL, s.PrivateFormat.PKCS8, s.PrivateFormat.OpenSSH
    NO = s.NoEncryption()
    k["pkcs1"] = rsa1.private_bytes(PEM, TRAD, NO)
    k["pkcs8"] = rsa1.private_bytes(PEM, P8, NO)
    k["pkcs8-enc"] = rsa1.private_bytes(PEM, P8, s.BestAvailableEncryption(b"s3cret"))
    k["pkcs8-enc-dollar"] = rsa1.private_bytes(PEM, P8, s.BestAvailableEncryption(b"$ecret(1)"))
    k["pkcs8-enc-quoted"] = rsa1.private_bytes(PEM, P8, s.BestAvailableEncryption(b'"pw"'))
    k["legacy-enc"] = rsa1.private_bytes(PEM, TRAD, s.BestAvailableEncryption(b"s3cret"))
    k["other"] = rsa2.private_bytes(PEM, TRAD, NO)
    k["small"] = small.private_bytes(PEM, TRAD, NO)
    k["ec-sec1"] = eck.private_bytes(PEM, TRAD, NO)
    k["ec-pkcs8"] = eck.private_bytes(PEM, P8, NO)
    k["ed25519"] = edk.private_bytes(PEM, P8, NO)
    k["dsa"] = dsak.private_bytes(PEM, TRAD, NO)
    k["openssh-rsa"] = rsa1.private_bytes(PEM, SSH, NO)
    k["openssh-ed25519"] = edk.private_bytes(PEM, SSH, NO)
    k["der-pkcs1"] = rsa1.private_bytes(DER, TRAD, NO)
    k["der-pkcs8"] = rsa1.private_bytes(DER, P8, NO)
    k["public-pem"] = rsa1.public_key().public_bytes(PEM, s.PublicFormat.SubjectPublicKeyInfo)
    k["public-pkcs1"] = rsa1.public_key().public_bytes(PEM, s.PublicFormat.PKCS1)
    k["public-ssh"] = rsa1.public_key().public_bytes(s.Encoding.OpenSSH, s.PublicFormat.OpenSSH) + b" user@host\n"
    k["public-der"] = rsa1.public_key().public_bytes(DER, s.PublicFormat.SubjectPublicKeyInfo)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(rsa2.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1)).sign(rsa2, hashes.SHA256()))
    k["cert"] = cert.public_bytes(PEM)
    # openssl's legacy 3DES encryption (what older `openssl genrsa -des3` wrote)
    with tempfile.TemporaryDirectory() as d:
        open(os.path.join(d, "k.pem"), "wb").write(k["pkcs1"])
        subprocess.check_call(["openssl", "rsa", "-in", os.path.join(d, "k.pem"), "-traditional", "-des3", "-passout", "pass:s3cret",
                               "-out", os.path.join(d, "des.pem")], stderr=subprocess.DEVNULL)
        k["legacy-des3"] = open(os.path.join(d, "des.pem"), "rb").read()
    fps = {"rsa1": fingerprint(rsa1), "rsa2": fingerprint(rsa2), "small": fingerprint(small), "ec": fingerprint(eck),
           "ed": fingerprint(edk), "dsa": fingerprint(dsak)}
    jwk = {"kty": "RSA", "n": b64url(rsa1.public_key().public_numbers().n.to_bytes(256, "big")),
           "e": b64url((65537).to_bytes(3, "big")), "kid": "x"}
    jwk_other = {"kty": "RSA", "n": b64url(rsa2.public_key().public_numbers().n.to_bytes(256, "big")),
                 "e": b64url((65537).to_bytes(3, "big")), "kid": "y"}
    return k, fps, jwk, jwk_other


def fingerprint(key):
    from cryptography.hazmat.primitives import serialization as s
    der = key.public_key().public_bytes(s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo)
    return ":".join("%02x" % b for b in hashlib.md5(der).digest())


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jwt(payload):
    head = b64url(json.dumps({"alg": "RS256", "kid": "asw"}).encode())
    body = b64url(json.dumps(payload).encode())
    return head + "." + body + "." + b64url(os.urandom(64))


# ---------------------------------------------------------------- corpus

# keyleak:allow (made-up identities for the generated corpus)
USER = "ocid1.user.oc1..aaaaaaaadifferentialuser"
TENANCY = "ocid1.tenancy.oc1..aaaaaaaadifferentialtenancy"


def corpus(keys, fps, jwk, jwk_other):
    """Yields (name, files {relative path: bytes or None for a folder}, profiles to probe or None, env)."""
    fp = fps["rsa1"]
    key = keys["pkcs1"]

    def profile(name="DEFAULT", user=USER, tenancy=TENANCY, fingerprint=fp, region="us-ashburn-1",
                key_file="~/.oci/key.pem", extra=""):
        lines = ["[%s]" % name]
        for k, v in (("user", user), ("fingerprint", fingerprint), ("tenancy", tenancy), ("region", region), ("key_file", key_file)):
            if v is not None:
                lines.append("%s=%s" % (k, v))
        return "\n".join(lines) + "\n" + extra

    def case(name, config, key_bytes=key, extra_files=None, env=None, profiles=None, raw=False):
        files = {".oci/config": config if raw else config.encode()}
        if key_bytes is not None:
            files[".oci/key.pem"] = key_bytes
        files.update(extra_files or {})
        return (name, files, profiles, env or {})

    yield case("baseline", profile())
    # 2. quotes and trailing punctuation stay in configparser values
    yield case("quoted-user", profile(user='"%s"' % USER))
    yield case("single-quoted-fingerprint", profile(fingerprint="'%s'" % fp))
    yield case("region-trailing-comma", profile(region="us-ashburn-1,"))
    yield case("key-file-trailing-semicolon", profile(key_file="~/.oci/key.pem;"))
    yield case("key-file-quoted", profile(key_file='"~/.oci/key.pem"'))
    yield case("tenancy-trailing-comma", profile(tenancy=TENANCY + ","))
    # 1. clear pass phrases with $ and ( are pass phrases
    yield case("pass-phrase-dollar-paren", profile(extra="pass_phrase=$ecret(1)\n"), keys["pkcs8-enc-dollar"])
    yield case("pass-phrase-paren-wrong", profile(extra="pass_phrase=getpass()\n"), keys["pkcs8-enc"])
    yield case("pass-phrase-quoted-not-stripped", profile(extra='pass_phrase="s3cret"\n'), keys["pkcs8-enc"])
    yield case("pass-phrase-with-quotes", profile(extra='pass_phrase="pw"\n'), keys["pkcs8-enc-quoted"])
    yield case("pass-phrase-ok", profile(extra="pass_phrase=s3cret\n"), keys["pkcs8-enc"])
    yield case("pass-phrase-legacy-ok", profile(extra="pass_phrase = s3cret\n"), keys["legacy-enc"])
    yield case("pass-phrase-des3-ok", profile(extra="pass_phrase: s3cret\n"), keys["legacy-des3"])
    # 10. non-ASCII and empty pass phrases
    yield case("pass-phrase-non-ascii-encrypted", profile(extra="pass_phrase=sécret\n"), keys["pkcs8-enc"])
    yield case("pass-phrase-non-ascii-plain", profile(extra="pass_phrase=sécret\n"))
    yield case("pass-phrase-empty-encrypted", profile(extra="pass_phrase=\n"), keys["pkcs8-enc"])
    yield case("pass-phrase-empty-legacy", profile(extra="pass_phrase=\n"), keys["legacy-enc"])
    yield case("pass-phrase-empty-plain", profile(extra="pass_phrase=\n"))
    yield case("pass-phrase-missing-encrypted", profile(), keys["pkcs8-enc"])
    yield case("pass-phrase-missing-legacy", profile(), keys["legacy-enc"])
    yield case("pass-phrase-wrong", profile(extra="pass_phrase=wrong-phrase-7\n"), keys["pkcs8-enc"])
    yield case("pass-phrase-wrong-legacy", profile(extra="pass_phrase=wrong-phrase-7\n"), keys["legacy-enc"])
    yield case("pass-phrase-on-plain-key", profile(extra="pass_phrase=whatever\n"))
    yield case("pass-phrase-inherited-plain", profile(extra="pass_phrase=s3cret\n") + profile("PLAIN", key_file="~/.oci/plain.pem"),
               keys["pkcs8-enc"], {".oci/plain.pem": keys["pkcs1"]})
    # 4. what configparser refuses
    yield case("duplicate-section", profile() + profile("PROD") + profile("PROD"))
    yield case("duplicate-option-case", profile(extra="USER=%s\n" % USER))
    yield case("duplicate-option-in-two-defaults", profile() + "[DEFAULT]\nregion=us-phoenix-1\n")
    yield case("two-defaults-merge", "[DEFAULT]\nuser=%s\ntenancy=%s\n[DEFAULT]\nfingerprint=%s\nregion=us-ashburn-1\nkey_file=~/.oci/key.pem\n"
               % (USER, TENANCY, fp))
    yield case("line-without-delimiter", profile(extra="just some words\n"))
    yield case("empty-option-name", profile(extra="=value\n"))
    yield case("no-section-header", "user=%s\n" % USER + profile(), profiles=["DEFAULT"])
    yield case("byte-order-mark", ("\ufeff" + profile()).encode(), raw=True, profiles=["DEFAULT"])
    yield case("not-utf8", profile().encode() + b"# caf\xe9\n", raw=True, profiles=["DEFAULT"])
    yield case("empty-name-and-duplicate", profile(extra="=a\n=b\n"))
    # 5. continuation lines
    yield case("indented-fingerprint-continues-user", "[DEFAULT]\nuser=%s\n  fingerprint=%s\ntenancy=%s\nregion=us-ashburn-1\nkey_file=~/.oci/key.pem\n"
               % (USER, fp, TENANCY))
    yield case("continuation-after-blank", "[DEFAULT]\nuser=%s\n\n    more\nfingerprint=%s\ntenancy=%s\nregion=us-ashburn-1\nkey_file=~/.oci/key.pem\n"
               % (USER, fp, TENANCY))
    yield case("continuation-after-comment", "[DEFAULT]\nregion=us-ashburn-1\n# note\n\tmore\nuser=%s\nfingerprint=%s\ntenancy=%s\nkey_file=~/.oci/key.pem\n"
               % (USER, fp, TENANCY))
    yield case("indented-header-continues", profile() + "  [PROD]\n")
    yield case("indented-options-after-header", "[DEFAULT]\n  user=%s\n  fingerprint=%s\n  tenancy=%s\n  region=us-ashburn-1\n  key_file=~/.oci/key.pem\n"
               % (USER, fp, TENANCY))
    yield case("trailing-blank-lines-in-value", "[DEFAULT]\nuser=%s\nfingerprint=%s\ntenancy=%s\nregion=us-ashburn-1\n\n\nkey_file=~/.oci/key.pem\n\n"
               % (USER, fp, TENANCY))
    # 6, 7. section names
    yield case("lowercase-default-not-inherited", profile("default") + "[PROD]\nregion=us-phoenix-1\n")
    yield case("header-with-comment", profile() + "[PROD] # production\nregion=us-phoenix-1\n")
    yield case("header-with-spaces", profile() + "[ prod ]\nregion=us-phoenix-1\n")
    yield case("header-last-bracket", profile() + "[a]b]\nregion=us-phoenix-1\n")
    yield case("profiles-inherit", profile() + "[A]\nregion=eu-frankfurt-1\n[B]\nuser=%s\n[C]\nkey_file=~/.oci/nope.pem\n" % USER.replace("user", "tenancy"))
    # syntax details
    yield case("inline-comment-kept", profile(region="us-ashburn-1 # home"))
    yield case("semicolon-comment-lines", "; top\n" + profile(extra="; c\n  ; indented comment\n"))
    yield case("colon-separator", "[DEFAULT]\nuser : %s\nfingerprint: %s\ntenancy :%s\nregion:us-ashburn-1\nkey_file : ~/.oci/key.pem\n"
               % (USER, fp, TENANCY))
    yield case("option-name-with-spaces", profile(extra="key file = x\n"))
    yield case("value-with-hash", profile(extra="pass_phrase=a#b;c\n"))
    yield case("crlf", profile().replace("\n", "\r\n"))
    yield case("lone-cr", profile().replace("\n", "\r"))
    yield case("unicode-spaces", "[DEFAULT]\nuser=\u00a0%s\u00a0\nfingerprint=%s\u2003\ntenancy=%s\x1c\nregion=us-ashburn-1\nkey_file=~/.oci/key.pem\x85\n"
               % (USER, fp, TENANCY))
    yield case("extra-settings", profile(extra="connection_timeout=10\nadditional_user_agent=x\n"))
    yield case("log-requests-true", profile(extra="log_requests=True\n"))
    yield case("log-requests-invalid", profile(extra="log_requests=maybe\n"))
    yield case("key-content-in-file", profile(extra="key_content=abc\n"))
    # 9. fingerprints
    yield case("fingerprint-uppercase", profile(fingerprint=fp.upper()))
    yield case("fingerprint-mismatch", profile(fingerprint=fps["rsa2"]))
    yield case("fingerprint-short", profile(fingerprint=fp[:-3]))
    yield case("fingerprint-missing", profile(fingerprint=None))
    # 8. regions
    yield case("region-gov", profile(region="us-langley-1"))
    yield case("region-dcc", profile(region="eu-dcc-milan-1"))
    yield case("region-uppercase", profile(region="US-ASHBURN-1"))
    yield case("region-short", profile(region="IAD"))
    yield case("region-unknown", profile(region="xx-nowhere-1"))
    yield case("region-dotted", profile(region="us-ashburn-1.example.com"))
    yield case("region-empty", profile(region=""))
    yield case("region-missing", profile(region=None))
    yield case("region-from-env", profile(region=None), env={"OCI_REGION": "eu-frankfurt-1"})
    yield case("region-metadata-env", profile(region="xx-custom-1"),
               env={"OCI_REGION_METADATA": json.dumps({"realmKey": "OC99", "realmDomainComponent": "example.com",
                                                       "regionKey": "XXC", "regionIdentifier": "xx-custom-1"})})
    yield case("region-config-file", profile(region="yyz2"), extra_files={".oci/regions-config.json": json.dumps([
        {"realmKey": "oc77", "realmDomainComponent": "example.org", "regionKey": "yyz2", "regionIdentifier": "ca-custom-2"}]).encode()})
    # 16. OCIDs
    yield case("legacy-ocid", profile(tenancy="ocidv1:tenancy:oc1:phx:1460406592660:aaaaaaaab4faofrfkxecohhjuivjq262pu"))
    yield case("user-missing", profile(user=None))
    yield case("user-placeholder", profile(user="ocid1.user.oc1..<unique_id>"))
    yield case("user-four-parts", profile(user="ocid1.user.oc1.aaaa"))
    yield case("user-uppercase", profile(user=USER.upper()))
    yield case("tenancy-empty", profile(tenancy=""))
    # 12. paths
    home_user = pwd.getpwuid(os.getuid())
    yield ("key-file-tilde-user", None, None, {"tilde-user": home_user.pw_name})  # filled in by run()
    yield case("key-file-tilde-unknown-user", profile(key_file="~nosuchuser12345/key.pem"), extra_files={"~nosuchuser12345/key.pem": key})
    yield case("key-file-relative", profile(key_file="keys/k.pem"), None, {"keys/k.pem": key})
    yield case("key-file-dot-relative", profile(key_file="./.oci/key.pem"))
    yield case("key-file-directory", profile(key_file="~/.oci"))
    yield case("key-file-missing", profile(key_file="~/.oci/nope.pem"))
    yield case("key-file-empty-value", profile(key_file=""))
    yield case("key-file-absent", profile(key_file=None))
    yield case("key-file-tilde-only-dir", profile(key_file="~"))
    # 13. sessions
    now = int(time.time())
    good = {"sub": USER, "tenant": TENANCY, "iss": "authService.oracle.com", "exp": now + 3600, "iat": now, "jwk": json.dumps(jwk)}
    session = lambda extra="": ("[DEFAULT]\nfingerprint=%s\nkey_file=~/.oci/sessions/DEFAULT/oci_api_key.pem\ntenancy=%s\nregion=us-ashburn-1\n"
                                "security_token_file=~/.oci/sessions/DEFAULT/token\n" % (fp, TENANCY)) + extra
    skey = ".oci/sessions/DEFAULT/oci_api_key.pem"
    tok = ".oci/sessions/DEFAULT/token"
    yield case("session-good", session(), None, {skey: key, tok: jwt(good).encode()})
    yield case("session-token-newline", session(), None, {skey: key, tok: jwt(good).encode() + b"\n"})
    yield case("session-expired", session(), None, {skey: key, tok: jwt(dict(good, exp=now - 60)).encode()})
    yield case("session-token-missing", session(), None, {skey: key})
    yield case("session-token-garbage", session(), None, {skey: key, tok: b"not a token"})
    yield case("session-key-encrypted", session(), None, {skey: keys["pkcs8-enc"], tok: jwt(good).encode()})
    yield case("session-key-encrypted-pass", session("pass_phrase=s3cret\n"), None, {skey: keys["pkcs8-enc"], tok: jwt(good).encode()})
    yield case("session-other-key", session(), None, {skey: keys["other"], tok: jwt(good).encode()})
    yield case("session-token-other-jwk", session(), None, {skey: key, tok: jwt(dict(good, jwk=json.dumps(jwk_other))).encode()})
    yield case("session-key-missing", session(), None, {tok: jwt(good).encode()})
    yield case("session-with-user", session("user=%s\n" % USER), None, {skey: key, tok: jwt(good).encode()})
    yield case("session-ec-key", session(), None, {skey: keys["ec-pkcs8"], tok: jwt(good).encode()})
    # Cloud Shell
    yield case("instance-principal-ok", "[DEFAULT]\nauthentication_type=instance_principal\ndelegation_token_file=~/.oci/delegation\nregion=us-ashburn-1\n",
               None, {".oci/delegation": b"token"})
    yield case("instance-principal-no-file", "[DEFAULT]\nauthentication_type=instance_principal\ndelegation_token_file=~/.oci/none\n", None)
    yield case("auth-type-unknown", "[DEFAULT]\nauthentication_type=other\n", None)
    # 3. key files: forms the SDK reads and does not
    for name, data in [
        ("pkcs8", keys["pkcs8"]), ("ec-sec1", keys["ec-sec1"]), ("ec-pkcs8", keys["ec-pkcs8"]), ("ed25519", keys["ed25519"]),
        ("dsa", keys["dsa"]), ("small-rsa", keys["small"]), ("openssh-rsa", keys["openssh-rsa"]),
        ("openssh-ed25519", keys["openssh-ed25519"]), ("der-pkcs1", keys["der-pkcs1"]), ("der-pkcs8", keys["der-pkcs8"]),
        ("public-pem", keys["public-pem"]), ("public-pkcs1", keys["public-pkcs1"]), ("public-ssh", keys["public-ssh"]),
        ("public-der", keys["public-der"]), ("certificate", keys["cert"]), ("empty-file", b""), ("garbage", b"hello world\n"),
        ("putty", putty_like(keys["pkcs1"])), ("base64-wrapped", base64.encodebytes(key)),
        ("json-escaped", json.dumps(key.decode()).encode()), ("json-escaped-unquoted", key.replace(b"\n", b"\\n")),
        ("crlf", key.replace(b"\n", b"\r\n")), ("one-line-body", one_line(key)), ("all-one-line", key.replace(b"\n", b"")),
        ("leading-text", b"my key:\n" + key), ("oci-marker", key + b"OCI_API_KEY\n"), ("surrounding-space", b"\n\n  " + key + b"  \n\n"),
        ("bom", b"\xef\xbb\xbf" + key), ("non-utf8-before", b"\xff\xfe junk\n" + key), ("non-utf8-after", key + b"\xff\n"),
        ("blank-line-in-body", insert_line(key, 3, b"")), ("blank-line-before-end", insert_line(key, -1, b"")),
        ("blank-line-after-begin", insert_line(key, 1, b"")), ("blank-crlf-in-body", insert_line(key.replace(b"\n", b"\r\n"), 3, b"", b"\r\n")),
        ("spaces-line-in-body", insert_line(key, 3, b"   ")), ("header-without-blank", insert_line(key, 1, b"Comment: x")),
        ("header-with-blank", insert_line(insert_line(key, 1, b"Comment: x"), 2, b"")),
        ("indented", b"\n".join(b"    " + l for l in key.split(b"\n"))), ("tabs-in-body", in_body(key, lambda l: l[:8] + b"\t" + l[8:])),
        ("nbsp-in-body", in_body(key, lambda l: l[:8] + "\u00a0".encode() + l[8:])),
        ("six-dashes", key.replace(b"-----BEGIN", b"------BEGIN")), ("dash-before-end", key.replace(b"-----END", b"------END")),
        ("seven-dashes-after-end", key.rstrip(b"\n") + b"--\n"), ("no-end", key[:key.index(b"-----END")]),
        ("label-mismatch", key.replace(b"END RSA PRIVATE", b"END PRIVATE")), ("lowercase-label", key.replace(b"RSA PRIVATE KEY", b"rsa private key")),
        ("pkcs8-labelled-rsa", keys["pkcs8"].replace(b"PRIVATE KEY", b"RSA PRIVATE KEY")),
        ("pkcs1-labelled-pkcs8", key.replace(b"RSA PRIVATE KEY", b"PRIVATE KEY")), ("any-private-key", keys["pkcs8"].replace(b"PRIVATE KEY", b"ANY PRIVATE KEY")),
        ("begin-label-space", key.replace(b"KEY-----", b"KEY -----")), ("empty-label-block-first", b"-----BEGIN -----\nAAAA\n-----END -----\n" + key),
        ("bad-block-after", key + b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"),
        ("unterminated-block-after", key + b"-----BEGIN CERTIFICATE-----\nAAAA\n"),
        ("public-before-private", keys["public-pem"] + key), ("cert-before-private", keys["cert"] + key),
        ("ec-before-rsa", keys["ec-sec1"] + key), ("openssh-before-rsa", keys["openssh-rsa"] + key),
        ("bad-char-in-body", in_body(key, lambda l: l[:5] + b"*" + l[6:], only=2)),
        ("padding-removed", one_line(key).replace(b"=", b"")), ("extra-padding", one_line(key).replace(b"\n-----END", b"==\n-----END")),
        ("urlsafe-body", in_body(key, lambda l: l.replace(b"+", b"-").replace(b"/", b"_"))),
        ("trailing-der-bytes", rewrap(key, lambda der: der + b"\x00\x00")), ("truncated-body", rewrap(key, lambda der: der[:-40])),
        ("corrupt-private-exponent", rewrap(key, flip_in_middle)),
        ("proc-type-without-dek", insert_line(insert_line(key, 1, b"Proc-Type: 4,ENCRYPTED"), 2, b"")),
        ("legacy-enc-crlf", keys["legacy-enc"].replace(b"\n", b"\r\n")),
    ]:
        yield case("key-" + name, profile(), data)
        if name in ("pkcs8", "ec-sec1", "openssh-rsa", "public-pem", "crlf", "der-pkcs1", "base64-wrapped", "dsa", "ed25519", "bom"):
            yield case("key-" + name + "-with-pass-phrase", profile(extra="pass_phrase=s3cret\n"), data)
    for name, data in [("pkcs8-enc", keys["pkcs8-enc"]), ("legacy-enc", keys["legacy-enc"]), ("legacy-des3", keys["legacy-des3"])]:
        for label, phrase in (("right", "s3cret"), ("wrong", "wrong-phrase-9"), ("empty", ""), ("none", None)):
            extra = "" if phrase is None else "pass_phrase=%s\n" % phrase
            yield case("key-%s-pass-%s" % (name, label), profile(extra=extra), data)


def putty_like(pem):
    body = b"".join(pem.split(b"\n")[1:-2])
    return (b"PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: test\nPublic-Lines: 1\n" + body[:64]
            + b"\nPrivate-Lines: 1\n" + body[64:128] + b"\nPrivate-MAC: " + b"0" * 40 + b"\n")


def one_line(pem):
    lines = pem.strip().split(b"\n")
    return lines[0] + b"\n" + b"".join(lines[1:-1]) + b"\n" + lines[-1] + b"\n"


def insert_line(pem, at, line, sep=b"\n"):
    lines = pem.rstrip(sep).split(sep)
    lines.insert(at if at >= 0 else len(lines) + at, line)
    return sep.join(lines) + sep


def in_body(pem, change, only=None):
    lines = pem.rstrip(b"\n").split(b"\n")
    for i in range(1, len(lines) - 1):
        if only is None or i == only:
            lines[i] = change(lines[i])
    return b"\n".join(lines) + b"\n"


def rewrap(pem, change):
    lines = pem.strip().split(b"\n")
    der = change(base64.b64decode(b"".join(lines[1:-1])))
    body = base64.b64encode(der)
    return lines[0] + b"\n" + b"\n".join(body[i:i + 64] for i in range(0, len(body), 64)) + b"\n" + lines[-1] + b"\n"


def flip_in_middle(der):
    """One bit of the CRT coefficient (the key's last byte) flipped: well-formed DER, an inconsistent key."""
    der = bytearray(der)
    der[-1] ^= 0x01
    return bytes(der)


# ---------------------------------------------------------------- the oracle

def oracle(case_home, config_path, profiles, env):
    """What the SDK says of each profile of the config at config_path."""
    import oci
    from oci.signer import load_private_key_from_file
    results = {}
    try:
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(config_path)
        names = (["DEFAULT"] if has_default_header(config_path) else []) + parser.sections()
        parse_error = None
    except Exception as e:  # noqa: BLE001 - the exception's class is the verdict
        names = []
        parse_error = type(e).__name__
    if profiles is not None:
        names = profiles
    for name in names:
        r = {"stage": None, "error": None, "fields": {}, "key_error": None, "key_fingerprint": None, "endpoint": None,
             "auth": "api_key", "session": None, "values": None}
        results[name] = r

        def stop(stage, error):
            if r["stage"] is None:
                r["stage"], r["error"] = stage, error
        try:
            cfg = oci.config.from_file(config_path, name)
        except Exception as e:  # noqa: BLE001
            stop("read", type(e).__name__)
            cfg = None
        if parse_error is None:
            try:
                r["values"] = dict(parser[name]) if name in parser else None
            except Exception:  # noqa: BLE001
                r["values"] = None
        if cfg is None:
            continue
        if "authentication_type" in cfg:
            r["auth"] = "instance_principal"
            try:
                oci.config.validate_config(cfg)
            except Exception as e:  # noqa: BLE001
                stop("validate", type(e).__name__)
            continue
        if cfg.get("region"):
            try:
                r["endpoint"] = oci.regions.endpoint_for("identity", region=cfg["region"])
            except Exception:  # noqa: BLE001
                r["endpoint"] = None
        elif os.environ.get("OCI_REGION") and "region" not in cfg:
            r["endpoint"] = oci.regions.endpoint_for("identity", region=os.environ["OCI_REGION"])
        key = None
        if "key_file" in cfg:
            try:
                key = load_private_key_from_file(cfg["key_file"], cfg.get("pass_phrase"))
                r["key_fingerprint"] = fingerprint(key)
                r["key_path"] = os.path.join(case_home, os.path.expanduser(cfg["key_file"]))
            except Exception as e:  # noqa: BLE001
                r["key_error"] = key_category(e)
        if cfg.get("security_token_file"):
            r["auth"] = "security_token"
            session_path(cfg, r, stop, key)
            continue
        try:
            oci.config.validate_config(cfg)
        except oci.exceptions.InvalidConfig as e:
            r["fields"] = dict(e.args[0]) if e.args and isinstance(e.args[0], dict) else {}
            stop("validate", "InvalidConfig")
            continue
        try:
            signer = oci.signer.Signer.from_config(cfg)
        except Exception as e:  # noqa: BLE001
            stop("key", key_category(e))
            continue
        try:
            sign(signer)
        except Exception:  # noqa: BLE001
            stop("sign", "not-rsa")
    return parse_error, results


def session_path(cfg, r, stop, key):
    """oci --auth security_token (oci_cli.cli_util.get_session_token_signer), without prompting."""
    import oci
    path = os.path.expanduser(cfg["security_token_file"])
    if not os.path.exists(path):
        stop("token", "token-file-not-found")
        return
    try:
        token = open(path, "r").read()
    except Exception:  # noqa: BLE001
        stop("token", "unreadable")
        return
    if key is None:
        stop("key", r["key_error"])
        return
    try:
        container = oci.auth.security_token_container.SecurityTokenContainer(None, token)
    except Exception:  # noqa: BLE001
        stop("token", "not-a-jwt")
        return
    claims = container.get_jwt()
    r["session"] = {"subject": claims.get("sub"), "expires_at": claims.get("exp")}
    if not container.valid():
        stop("token", "expired")
        return
    signer = oci.auth.signers.SecurityTokenSigner(token, key)
    try:
        sign(signer)
    except Exception:  # noqa: BLE001
        stop("sign", "not-rsa")


def sign(signer):
    from oci._vendor import requests
    request = requests.Request("GET", "https://identity.us-ashburn-1.oraclecloud.com/20160918/users/x").prepare()
    signer(request)


def key_category(e):
    import oci
    if isinstance(e, oci.exceptions.MissingPrivateKeyPassphrase):
        return "missing-pass-phrase"
    if isinstance(e, UnicodeEncodeError):
        return "non-ascii-pass-phrase"
    if isinstance(e, TypeError):
        return "empty-pass-phrase"
    if isinstance(e, oci.exceptions.InvalidPrivateKey):
        return "public-key" if "public key" in str(e) else "invalid-key"
    if isinstance(e, OSError):
        return "unreadable"
    if isinstance(e, ValueError):
        return "invalid-key"
    return type(e).__name__


def has_default_header(path):
    """configparser has no record of an empty [DEFAULT]: find its header the way it does."""
    parser = configparser.ConfigParser(interpolation=None)
    found = []
    original = parser._read

    def spy(fp, fpname):
        lines = list(fp)
        for line in lines:
            m = parser.SECTCRE.match(line.strip())
            if m and m.group("header") == "DEFAULT":
                found.append(True)
        return original(iter(lines), fpname)
    parser._read = spy
    try:
        parser.read(path)
    except Exception:  # noqa: BLE001
        return False
    return bool(found) or bool(parser.defaults())


REGION_STATE = None


def reset_sdk_state():
    """oci.regions caches what it read from the environment and files: start each case afresh."""
    import oci
    global REGION_STATE
    r = oci.regions
    if REGION_STATE is None:
        REGION_STATE = (copy.deepcopy(r._has_been_read_external_sources), dict(r.REGIONS_SHORT_NAMES), dict(r.REGION_REALMS),
                        dict(r.REALMS), list(r.REGIONS))
    read, short, realms_of, realms, regions = REGION_STATE
    r._has_been_read_external_sources.clear()
    r._has_been_read_external_sources.update(copy.deepcopy(read))
    r.REGIONS_SHORT_NAMES.clear(); r.REGIONS_SHORT_NAMES.update(short)
    r.REGION_REALMS.clear(); r.REGION_REALMS.update(realms_of)
    r.REALMS.clear(); r.REALMS.update(realms)
    r.REGIONS[:] = regions
    r.second_level_domain_fallback = ""


# ---------------------------------------------------------------- expectations for the scan

SDK_OCID = re.compile(r"^([0-9a-zA-Z-_]+[.:])([0-9a-zA-Z-_]*[.:]){3,}([0-9a-zA-Z-_]+)$")
SDK_FINGERPRINT = re.compile(r"^([0-9a-f]{2}:){15}[0-9a-f]{2}$")


def scan_expectation(values):
    """The scan's `oci` fields for a profile: the SDK's values, the ones its checks accept, that a report may print."""
    def path(v):
        if v is None or v == "" or "\n" in v or "\r" in v or len(v.encode()) > 1024 or "-----BEGIN" in v or "PRIVATE KEY" in v.upper():
            return None
        return v
    user, tenancy, fp, region = (values.get(k) for k in ("user", "tenancy", "fingerprint", "region"))
    return {
        "user": user if user is not None and SDK_OCID.match(user) and len(user) <= 255 else None,
        "tenancy": tenancy if tenancy is not None and SDK_OCID.match(tenancy) and len(tenancy) <= 255 else None,
        "fingerprint": fp if fp is not None and SDK_FINGERPRINT.match(fp) else None,
        "region": region if region is not None and re.fullmatch(r"[A-Za-z0-9._-]{1,64}", region) else None,
        "key_file": path(values.get("key_file")),
        "pass_phrase": bool(values.get("pass_phrase")),
        "security_token_file": path(values.get("security_token_file")),
    }


# ---------------------------------------------------------------- run

def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--keyleak", default=os.path.join(ROOT, ".build", "debug", "keyleak"))
    ap.add_argument("--keep", help="write the corpus here and keep it")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    keyleak = os.path.abspath(args.keyleak)
    if not os.access(keyleak, os.X_OK):
        print("oci-differential: no keyleak binary at %s (swift build first)" % keyleak, file=sys.stderr)
        return 2
    import oci  # noqa: F401 - the oracle; imported once
    keys, fps, jwk, jwk_other = make_keys()
    base = args.keep or tempfile.mkdtemp(prefix="keyleak-oci-diff-")
    os.makedirs(base, exist_ok=True)
    cases = []
    for name, files, profiles, env in corpus(keys, fps, jwk, jwk_other):
        home = os.path.join(base, name)
        if files is None:  # ~user/: a path through the current user's home in the password database
            user = env.pop("tilde-user")
            rel = os.path.relpath(os.path.join(home, "k.pem"), pwd.getpwnam(user).pw_dir)
            config = ("[DEFAULT]\nuser=%s\nfingerprint=%s\ntenancy=%s\nregion=us-ashburn-1\nkey_file=~%s/%s\n"
                      % (USER, fps["rsa1"], TENANCY, user, rel))
            files = {".oci/config": config.encode(), "k.pem": keys["pkcs1"]}
        # A comment naming the case keeps every config unique (the scan reports identical files once).
        files[".oci/config"] = files[".oci/config"] + ("\n# differential case %s\n" % name).encode()
        for rel, data in files.items():
            full = os.path.join(home, rel)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(data)
            os.chmod(full, 0o600)
        cases.append((name, home, profiles, env))
    disagreements = []
    known_seen = set()
    compared = {"profiles": 0, "fingerprints": 0, "scan_profiles": 0, "scan_keys": 0}

    def disagree(case, what, sdk, keyleak_says):
        if (case, what) in KNOWN:
            known_seen.add((case, what))
            return
        disagreements.append((case, what, sdk, keyleak_says))

    # The scan, once over the whole corpus.
    scan = subprocess.run([keyleak, "scan", "--format", "json", "--no-archives", base], capture_output=True, text=True)
    if scan.returncode not in (0, 1):
        print("oci-differential: keyleak scan failed: %s" % scan.stderr, file=sys.stderr)
        return 2
    scan_findings = json.loads(scan.stdout)["findings"]
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    for name, home, profiles, env in cases:
        config = os.path.join(home, ".oci", "config")
        clean = {k: v for k, v in saved_env.items() if not k.startswith("OCI_")}
        clean.update(env)
        clean["HOME"] = home
        os.environ.clear()
        os.environ.update(clean)
        os.chdir(home)
        reset_sdk_state()
        try:
            parse_error, sdk = oracle(home, config, profiles, env)
        finally:
            os.chdir(saved_cwd)
        run = subprocess.run([keyleak, "doctor", "--format", "json", config], capture_output=True, text=True, cwd=home, env=clean)
        if run.returncode == 2:
            if sdk and not parse_error:
                disagree(name, "doctor exit 2", sorted(sdk), run.stderr.strip())
            elif parse_error and parse_error not in run.stderr:
                disagree(name, "parse error", parse_error, run.stderr.strip())
            continue
        try:
            doctor = json.loads(run.stdout)
        except ValueError:
            disagree(name, "doctor output", "a JSON report", "exit %d: %s" % (run.returncode, run.stderr.strip()[-300:]))
            continue
        if parse_error or (doctor["parse_error"] is not None):
            got = doctor["parse_error"]["kind"] if doctor["parse_error"] else None
            if got != parse_error:
                disagree(name, "parse error", parse_error, got)
        listed = {p["profile"]: p for p in doctor["profiles"]}
        for profile, want in sdk.items():
            compared["profiles"] += 1
            if args.verbose:
                print("%s [%s]: %s %s key %s" % (name, profile, want["stage"], want["error"], want["key_fingerprint"] or want["key_error"]))
            got = listed.get(profile)
            if got is None:
                if not parse_error:
                    disagree(name, "[%s] listed" % profile, "a profile", sorted(listed))
                continue
            g = got["sdk"]
            if (want["stage"], want["error"]) != (g["stage"], g["error"]):
                disagree(name, "[%s] verdict" % profile, (want["stage"], want["error"]), (g["stage"], g["error"]))
            if want["stage"] == "validate" and want["fields"] != g["fields"]:
                disagree(name, "[%s] validate_config" % profile, want["fields"], g["fields"])
            if want["stage"] not in ("read",) and want["auth"] != g["auth"]:
                disagree(name, "[%s] auth" % profile, want["auth"], g["auth"])
            if want.get("key_path"):
                # The scan finds every key the SDK loads, with the same fingerprint.
                rel = os.path.relpath(os.path.realpath(want["key_path"]), os.path.realpath(base))
                prints = {f.get("fingerprint") for f in scan_findings if f["path"] == rel and f.get("key_format")}
                compared["scan_keys"] += 1
                if want["key_fingerprint"] not in prints:
                    disagree(name, "[%s] scan finds the key" % profile, want["key_fingerprint"], sorted(p or "-" for p in prints))
            if want["stage"] != "read":
                if want["key_error"] != g["key_error"] and not (want["key_error"] is None and want["key_fingerprint"] is None):
                    disagree(name, "[%s] key" % profile, want["key_error"], g["key_error"])
                if want["key_fingerprint"] is not None:
                    compared["fingerprints"] += 1
                    if want["key_fingerprint"] != g["key_fingerprint"]:
                        disagree(name, "[%s] key fingerprint" % profile, want["key_fingerprint"], g["key_fingerprint"])
                if want["endpoint"] != g["endpoint"] and want["auth"] != "instance_principal":
                    disagree(name, "[%s] endpoint" % profile, want["endpoint"], g["endpoint"])
                if want["session"] is not None:
                    s = got["session"] or {}
                    if (want["session"]["subject"], want["session"]["expires_at"]) != (s.get("subject"), s.get("expires_at")):
                        disagree(name, "[%s] session" % profile, want["session"], s)
        # The scan's oci fields, for files configparser reads.
        if parse_error:
            continue
        text = open(config, "rb").read()
        found = {f["oci"]["profile"]: f["oci"] for f in scan_findings
                 if f["rule"] == "oci-config" and f["oci"] and f["oci"]["source"] == "config"
                 and os.path.join(base, f["path"]) == config}
        for profile, want in sdk.items():
            if want["values"] is None:
                continue
            expect = scan_expectation(want["values"])
            got = found.get(profile)
            if got is None:
                # A profile the SDK fully accepts is a credential: the scan must report it (its rule triggers on OCIDs).
                if want["stage"] is None and want["auth"] == "api_key" and (b"ocid1." in text or b"ocidv1:" in text):
                    disagree(name, "[%s] scan reports it" % profile, "a finding", "none")
                continue
            compared["scan_profiles"] += 1
            fields = {k: got.get(k) for k in expect}
            if fields != expect:
                diff = {k: (expect[k], fields[k]) for k in expect if expect[k] != fields[k]}
                disagree(name, "[%s] scan oci fields" % profile, {k: v[0] for k, v in diff.items()}, {k: v[1] for k, v in diff.items()})
    os.environ.clear()
    os.environ.update(saved_env)
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    for case, what, want, got in disagreements:
        print("DISAGREE %s %s: SDK %r, keyleak %r" % (case, what, want, got))
    for case, what in sorted(known_seen):
        print("known: %s %s: %s" % (case, what, KNOWN[(case, what)]))
    for case, what in sorted(set(KNOWN) - known_seen):
        # A known disagreement that went away: take it off the list (and the README).
        disagreements.append((case, what, "a known disagreement", "none any more"))
        print("FIXED %s %s: remove it from KNOWN and the README" % (case, what))
    print("oci-differential: %d cases, %d profiles, %d key fingerprints, %d scanned profiles, %d scanned keys compared; %d disagreement%s%s"
          % (len(cases), compared["profiles"], compared["fingerprints"], compared["scan_profiles"], compared["scan_keys"], len(disagreements),
             "" if len(disagreements) == 1 else "s", (" (and %d known, listed above)" % len(known_seen)) if known_seen else ""))
    return 1 if disagreements else 0


if __name__ == "__main__":
    if os.environ.get("KEYLEAK_OCI_ORACLE") == "1" and "--keep" not in sys.argv:
        # The corpus holds generated private keys: never leave it behind, even on a crash.
        _made = []
        _mkdtemp = tempfile.mkdtemp
        tempfile.mkdtemp = lambda *a, **k: _made.append(_mkdtemp(*a, **k)) or _made[-1]
        try:
            sys.exit(main_outer())
        finally:
            for d in _made:
                shutil.rmtree(d, ignore_errors=True)
    sys.exit(main_outer())
