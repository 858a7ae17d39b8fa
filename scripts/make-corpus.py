#!/usr/bin/env python3
"""Writes a corpus of private keys in every form keyleak knows, embedded in the
ways keys get pasted, plus look-alikes that must not be reported, into DIR.

Every key is generated here and now with openssl, ssh-keygen, puttygen and gpg
(each optional tool is skipped when missing). DIR/expected.json lists what a
correct scan reports: [{path, line, fingerprint, severity, encrypted,
truncated, format}], and DIR/lookalikes.json the files that must stay silent.

Usage: make-corpus.py DIR
"""
import base64, json, os, shutil, subprocess, sys, textwrap

out = sys.argv[1]
keys_dir = os.path.join(out, ".keygen")
os.makedirs(keys_dir, exist_ok=True)
expected, lookalikes = [], []


def run(*args, input=None):
    return subprocess.run(args, check=True, capture_output=True, input=input).stdout


def have(tool):
    return shutil.which(tool) is not None


def oci_fingerprint_of_pem(path):
    der = run("openssl", "pkey", "-in", path, "-pubout", "-outform", "DER")
    return md5_colon(der)


def md5_colon(der):
    digest = run("openssl", "md5", "-c", input=der).decode()
    return digest.strip().split("= ")[-1]


def ssh_pub_fingerprint(pub_line):
    """OCI fingerprint of an OpenSSH public key line, through ssh-keygen's PKCS8 export."""
    kind, blob = pub_line.split()[:2]
    if kind == "ssh-ed25519":
        # ssh-keygen cannot export Ed25519 as PKCS8: build the SubjectPublicKeyInfo.
        raw = base64.b64decode(blob)[-32:]
        der = run("openssl", "pkey", "-pubin", "-inform", "DER", "-outform", "DER",
                  input=bytes.fromhex("302a300506032b6570032100") + raw)
        return md5_colon(der)
    p = os.path.join(keys_dir, "tmp.pub")
    with open(p, "w") as f:
        f.write(pub_line)
    pem = run("ssh-keygen", "-e", "-m", "PKCS8", "-f", p)
    der = run("openssl", "pkey", "-pubin", "-outform", "DER", input=pem)
    return md5_colon(der)


def write(rel, data, mode="w"):
    path = os.path.join(out, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data_bytes = data.encode()
    else:
        data_bytes = data
    with open(path, "wb") as f:
        f.write(data_bytes)
    return data


def line_of(data, needle):
    if isinstance(data, str):
        data = data.encode()
    i = data.find(needle.encode() if isinstance(needle, str) else needle)
    assert i >= 0, needle
    return data[:i].count(b"\n") + 1


def expect(rel, data, needle, fp, severity="high", encrypted=False, truncated=False, fmt=None):
    expected.append(dict(path=rel, line=line_of(data, needle), fingerprint=fp, severity=severity,
                         encrypted=encrypted, truncated=truncated, format=fmt))


def genkey(name, *args):
    path = os.path.join(keys_dir, name)
    run(*args, "-out", path)
    return path, open(path).read()


# --- keys -------------------------------------------------------------------
rsa_path, rsa_pem = genkey("rsa.pem", "openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
rsa1 = run("openssl", "pkey", "-in", rsa_path, "-traditional").decode()
rsa_fp = oci_fingerprint_of_pem(rsa_path)
forms = [
    ("pem/rsa-pkcs1.pem", rsa1, rsa_fp, "pkcs1"),
    ("pem/rsa-pkcs8.pem", rsa_pem, rsa_fp, "pkcs8"),
]
p, pem = genkey("rsa4096.pem", "openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096")
forms.append(("pem/rsa-4096.pem", pem, oci_fingerprint_of_pem(p), "pkcs8"))
p = os.path.join(keys_dir, "ec.pem")
ec_with_params = run("openssl", "ecparam", "-name", "prime256v1", "-genkey").decode()
open(p, "w").write(ec_with_params)
forms.append(("pem/ec-with-params.pem", ec_with_params, oci_fingerprint_of_pem(p), "sec1"))
ec_sec1 = run("openssl", "ec", "-in", p).decode()
forms.append(("pem/ec-sec1.pem", ec_sec1, oci_fingerprint_of_pem(p), "sec1"))
p, pem = genkey("ec384.pem", "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp384r1")
forms.append(("pem/ec-p384-pkcs8.pem", pem, oci_fingerprint_of_pem(p), "pkcs8"))
for algo in ("ed25519", "x25519", "ed448"):
    p, pem = genkey(algo + ".pem", "openssl", "genpkey", "-algorithm", algo)
    forms.append((f"pem/{algo}.pem", pem, oci_fingerprint_of_pem(p), "pkcs8"))
params = os.path.join(keys_dir, "dsaparams.pem")
run("openssl", "genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:2048", "-out", params)
p, pem = genkey("dsa.pem", "openssl", "genpkey", "-paramfile", params)
forms.append(("pem/dsa-pkcs8.pem", pem, oci_fingerprint_of_pem(p), "pkcs8"))
dsa_trad = run("openssl", "pkey", "-in", p, "-traditional").decode()
forms.append(("pem/dsa-traditional.pem", dsa_trad, oci_fingerprint_of_pem(p), "dsa"))
for rel, pem, fp, fmt in forms:
    write(rel, pem)
    # The finding stands at the key's own BEGIN line (after any EC PARAMETERS block).
    expect(rel, pem, "-----BEGIN " + pem.split("-----BEGIN ")[-1].split("-----")[0], fp, fmt=fmt)

enc8 = run("openssl", "pkcs8", "-topk8", "-in", rsa_path, "-v2", "aes256", "-passout", "pass:secret").decode()
write("pem/rsa-encrypted-pkcs8.pem", enc8)
expect("pem/rsa-encrypted-pkcs8.pem", enc8, "-----BEGIN", None, "medium", encrypted=True, fmt="pkcs8")
legacy = run("openssl", "rsa", "-in", rsa_path, "-aes256", "-passout", "pass:secret", "-traditional").decode()
write("pem/rsa-legacy-encrypted.pem", legacy)
expect("pem/rsa-legacy-encrypted.pem", legacy, "-----BEGIN", None, "medium", encrypted=True, fmt="pkcs1")

oci = rsa1 + "OCI_API_KEY\n"
write("oci/oci_api_key.pem", oci)
expect("oci/oci_api_key.pem", oci, "-----BEGIN", rsa_fp, "critical", fmt="pkcs1")

if have("ssh-keygen"):
    for name, args in [("id_ed25519", ["-t", "ed25519", "-N", ""]), ("id_rsa_enc", ["-t", "rsa", "-b", "2048", "-N", "pw"]),
                       ("id_ecdsa", ["-t", "ecdsa", "-b", "256", "-N", ""])]:
        p = os.path.join(keys_dir, name)
        run("ssh-keygen", "-q", "-C", "corpus", *args, "-f", p)
        data = open(p).read()
        write("ssh/" + name, data)
        enc = name.endswith("_enc")
        expect("ssh/" + name, data, "-----BEGIN", ssh_pub_fingerprint(open(p + ".pub").read()),
               "medium" if enc else "high", encrypted=enc, fmt="openssh")
        pub = open(p + ".pub").read()
        write("ssh/" + name + ".pub", pub)
        lookalikes.append("ssh/" + name + ".pub")

if have("puttygen") and have("ssh-keygen"):
    empty = os.path.join(keys_dir, "empty")
    open(empty, "w").close()
    pw = os.path.join(keys_dir, "pw")
    open(pw, "w").write("secret\n")
    for name, args, phrase in [("rsa-v2.ppk", ["-t", "rsa", "-b", "2048", "--ppk-param", "version=2"], empty),
                               ("ed25519-v3.ppk", ["-t", "ed25519"], empty),
                               ("ecdsa-v3-encrypted.ppk", ["-t", "ecdsa", "-b", "256"], pw)]:
        p = os.path.join(keys_dir, name)
        run("puttygen", *args, "-o", p, "-q", "--new-passphrase", phrase)
        pub = run("puttygen", p, "-O", "public-openssh", "--old-passphrase", phrase).decode()
        data = open(p).read()
        write("putty/" + name, data)
        enc = phrase == pw
        expect("putty/" + name, data, "PuTTY-User-Key-File", ssh_pub_fingerprint(pub), "medium" if enc else "high",
               encrypted=enc, fmt="ppk2" if "v2" in name else "ppk3")
    p = os.path.join(keys_dir, "rsa-v2.ppk")
    q = os.path.join(keys_dir, "sshcom.key")
    run("puttygen", p, "-O", "private-sshcom", "-o", q, "--new-passphrase", empty)
    data = open(q).read()
    write("ssh2/rsa.key", data)
    pub = run("puttygen", p, "-O", "public-openssh").decode()
    expect("ssh2/rsa.key", data, "---- BEGIN", ssh_pub_fingerprint(pub), fmt="ssh2")

if have("gpg"):
    home = os.path.join(keys_dir, "gnupg")
    os.makedirs(home, mode=0o700, exist_ok=True)
    try:
        run("gpg", "--batch", "--homedir", home, "--pinentry-mode", "loopback", "--passphrase", "",
            "--quick-gen-key", "Corpus <corpus@example.invalid>", "rsa2048", "sign", "never")
        armored = run("gpg", "--batch", "--homedir", home, "--pinentry-mode", "loopback", "--passphrase", "",
                      "--armor", "--export-secret-keys").decode()
        write("pgp/secret.asc", armored)
        expect("pgp/secret.asc", armored, "-----BEGIN", None, fmt="pgp")
        expected[-1]["fingerprint"] = "*"  # computed from the RSA modulus; checked for presence only
        public = run("gpg", "--batch", "--homedir", home, "--armor", "--export").decode()
        write("pgp/public.asc", public)
        lookalikes.append("pgp/public.asc")
    except subprocess.CalledProcessError:
        pass
    finally:
        # The agent gpg started removes its own sockets when it exits: stop it
        # before the folder is deleted, or the two race over the same files.
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], capture_output=True)

# --- embeddings of one RSA key ------------------------------------------------
body_lines = rsa1.strip().splitlines()
json_value = "\\n".join(body_lines) + "\\n"
embeddings = {
    "embed/service-account.json": '{\n  "type": "service_account",\n  "private_key": "' + json_value + '",\n  "id": 1\n}\n',
    "embed/double-escaped.json": '{"config": "{\\"key\\": \\"' + "\\\\n".join(body_lines) + '\\"}"}\n',
    "embed/values.yaml": "app:\n  tls:\n    key: |\n" + "".join("      " + l + "\n" for l in body_lines) + "  other: 1\n",
    "embed/folded.yaml": "key: >-\n" + "".join("  " + l + "\n" for l in body_lines),
    "embed/main.tf": 'resource "x" "y" {\n  private_key = <<EOF\n' + rsa1 + "EOF\n}\n",
    "embed/Keys.java": "class Keys {\n  static final String KEY =\n" + " +\n".join('      "' + l + '\\n"' for l in body_lines) + ";\n}\n",
    "embed/keys.py": "KEY = (\n" + "".join('    "' + l + '\\n"\n' for l in body_lines) + ")\n",
    "embed/keys.go": "package keys\n\nconst key = `" + rsa1 + "`\n",
    "embed/quoted.env": 'PRIVATE_KEY="' + json_value + '"\nOTHER=1\n',
    "embed/unquoted.env": "PRIVATE_KEY=" + json_value + "\n",
    "embed/README.md": "# Setup\n\nUse this key:\n\n```\n" + rsa1 + "```\n",
    "embed/crlf.pem": rsa1.replace("\n", "\r\n"),
    "embed/wrapped76.pem": body_lines[0] + "\n" + "\n".join(textwrap.wrap("".join(body_lines[1:-1]), 76)) + "\n" + body_lines[-1] + "\n",
    "embed/one-line-spaces.txt": "key: " + " ".join(body_lines) + "\n",
    "embed/one-line.txt": "note\nkey=" + body_lines[0] + "".join(body_lines[1:-1]) + body_lines[-1] + "\n",
    "embed/commented.sh": "#!/bin/sh\n" + "".join("# " + l + "\n" for l in body_lines),
    "embed/concat.js": "const key = '" + body_lines[0] + "\\n' +\n" + "".join("  '" + l + "\\n' +\n" for l in body_lines[1:-1]) + "  '" + body_lines[-1] + "';\n",
}
for rel, data in embeddings.items():
    write(rel, data)
    expect(rel, data, "-----BEGIN", rsa_fp, fmt="pkcs1")

k8s = "apiVersion: v1\nkind: Secret\ndata:\n  tls.key: " + base64.b64encode(rsa1.encode()).decode() + "\n"
write("embed/secret.yaml", k8s)
expect("embed/secret.yaml", k8s, "LS0tLS1CRUdJTi", rsa_fp, fmt="pkcs1")
der = run("openssl", "pkey", "-in", rsa_path, "-outform", "DER")
der_b64 = base64.b64encode(der).decode()
bare = '{\n  "name": "x",\n  "key": "' + der_b64 + '"\n}\n'
write("embed/bare-der.json", bare)
expect("embed/bare-der.json", bare, der_b64[:20], rsa_fp)
p = os.path.join(keys_dir, "ed25519.pem")
ed_der_b64 = base64.b64encode(run("openssl", "pkey", "-in", p, "-outform", "DER")).decode()
bare_env = "SIGNING_KEY=" + ed_der_b64 + "\n"
write("embed/bare-ed25519.env", bare_env)
expect("embed/bare-ed25519.env", bare_env, ed_der_b64[:20], oci_fingerprint_of_pem(p), fmt="pkcs8")
oci_json = '{"key": "' + json_value + 'OCI_API_KEY\\n"}\n'
write("embed/oci-marker.json", oci_json)
expect("embed/oci-marker.json", oci_json, "-----BEGIN", rsa_fp, "critical", fmt="pkcs1")

# Truncated: the first half of the body.
cut = "\n".join(body_lines[: len(body_lines) // 2]) + "\n"
write("lookalike/truncated.pem", cut)
expect("lookalike/truncated.pem", cut, "-----BEGIN", None, "medium", truncated=True, fmt="pkcs1")
cut_closed = "\n".join(body_lines[: len(body_lines) // 2]) + "\n" + body_lines[-1] + "\n"
write("lookalike/truncated-closed.pem", cut_closed)
expect("lookalike/truncated-closed.pem", cut_closed, "-----BEGIN", None, "medium", truncated=True, fmt="pkcs1")

# --- the pasted forms of issue 15 ----------------------------------------------
rsa1_der = run("openssl", "pkey", "-in", rsa_path, "-traditional", "-outform", "DER")
lines1 = rsa1.strip().splitlines()


def wrap(text, width):
    return "\n".join(textwrap.wrap(text, width)) + "\n"


def url_encode(text, plus):
    safe = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
    return "".join(chr(b) if b in safe else "+" if plus and b == 32 else "%%%02X" % b for b in text.encode())


pasted = {
    # 1. A diff adding the key, and one removing it.
    "forms/add-key.patch": "From 1111 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] deploy key\n\n---\n"
        "diff --git a/deploy/key.pem b/deploy/key.pem\nnew file mode 100600\n--- /dev/null\n+++ b/deploy/key.pem\n"
        f"@@ -0,0 +1,{len(lines1)} @@\n" + "".join("+" + l + "\n" for l in lines1) + "-- \n2.39.2\n",
    "forms/remove-key.diff": f"--- a/key.pem\n+++ /dev/null\n@@ -1,{len(lines1)} +0,0 @@\n" + "".join("-" + l + "\n" for l in lines1),
    # 2. `base64 id_rsa` (76 columns) and a MIME attachment (CRLF).
    "forms/id_rsa.b64": wrap(base64.b64encode(rsa1.encode()).decode(), 76),
    "forms/mail.eml": ("From: a@example.invalid\nSubject: the key\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n"
                       "--b\nContent-Type: text/plain\n\nattached\n--b\nContent-Type: application/octet-stream; name=\"id_rsa\"\n"
                       "Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"id_rsa\"\n\n"
                       + wrap(base64.b64encode(rsa1.encode()).decode(), 76) + "--b--\n").replace("\n", "\r\n"),
    # 4. XML and HTML character references.
    "forms/web.config": "<?xml version=\"1.0\"?>\n<configuration>\n  <appSettings>\n    <add key=\"SigningKey\" value=\""
        + "&#xD;&#xA;".join(lines1) + "&#xD;&#xA;\" />\n  </appSettings>\n</configuration>\n",
    "forms/page.html": "<html><body>\n<pre>" + "&#10;".join(lines1) + "</pre>\n</body></html>\n",
    # 5. URL-encoded: a log line (encodeURIComponent) and a form body (quote_plus).
    "forms/access.log": "10.0.0.1 - - [01/Jan/2025] \"GET / HTTP/1.1\" 200\n10.0.0.7 - - [01/Jan/2025] \"GET /upload?key="
        + url_encode(rsa1, False) + "&x=1 HTTP/1.1\" 200\n",
    "forms/form.txt": "POST /keys\n\nname=ci&key=" + url_encode(rsa1, True) + "&submit=1\n",
    # 11. The body alone, armour removed, still wrapped.
    "forms/body-only.txt": "Key (without the BEGIN/END lines):\n" + "\n".join(lines1[1:-1]) + "\n",
    # 12. Hex DER in a Go test.
    "forms/vectors_test.go": "package vectors\n\nvar rsaKey = fromHex(\"" + rsa1_der.hex() + "\")\n",
}
for rel, data in pasted.items():
    write(rel, data)
needles = {"forms/add-key.patch": "+-----BEGIN", "forms/remove-key.diff": "------BEGIN", "forms/id_rsa.b64": "LS0t",
           "forms/mail.eml": "LS0t", "forms/web.config": "-----BEGIN", "forms/page.html": "-----BEGIN",
           "forms/access.log": "-----BEGIN", "forms/form.txt": "-----BEGIN", "forms/body-only.txt": lines1[1][:20],
           "forms/vectors_test.go": "3082"}
for rel, needle in needles.items():
    expect(rel, pasted[rel], needle, rsa_fp, fmt="pkcs1")

# 3. UTF-16, as PowerShell 5 writes it (CRLF): LE with and without BOM, BE with BOM.
ps_text = "PS C:\\> Get-Content key.pem\r\n" + rsa1.replace("\n", "\r\n")
for rel, data in [("forms/key-utf16le-bom.txt", b"\xff\xfe" + ps_text.encode("utf-16-le")),
                  ("forms/key-utf16le.txt", ps_text.encode("utf-16-le")),
                  ("forms/key-utf16be-bom.txt", b"\xfe\xff" + ps_text.encode("utf-16-be"))]:
    write(rel, data)
    expect(rel, data, "BEGIN".encode(rel.endswith("be-bom.txt") and "utf-16-be" or "utf-16-le"), rsa_fp, fmt="pkcs1")

# 10. Go's test armour (TESTING KEY): a test key, low, for every algorithm alike.
ec_p = os.path.join(keys_dir, "ec.pem")
ed_p = os.path.join(keys_dir, "ed25519.pem")
testing = "package tls\n\n"
testing_keys = []
for name, path, pem in [("rsaKeyPEM", rsa_path, rsa1), ("ecKeyPEM", ec_p, run("openssl", "ec", "-in", ec_p).decode()),
                        ("ed25519KeyPEM", ed_p, open(ed_p).read())]:
    testing += "var " + name + " = testingKey(`" + pem.replace("PRIVATE KEY", "TESTING KEY") + "`)\n\n"
    testing_keys.append((name, oci_fingerprint_of_pem(path), "pkcs1" if name == "rsaKeyPEM" else "sec1" if name == "ecKeyPEM" else "pkcs8"))
testing += "func testingKey(s string) string { return strings.ReplaceAll(s, \"TESTING KEY\", \"PRIVATE KEY\") }\n"
write("forms/tls_test.go", testing)
for name, fp, fmt in testing_keys:
    expect("forms/tls_test.go", testing, "var " + name, fp, "low", fmt=fmt)
# 6. Old python-jose's PKCS#8: the RSAPrivateKey not wrapped in its OCTET STRING, a wrong outer length.
jose_header = bytes.fromhex("308204bd020100300d06092a864886f70d0101010500")
jose = ("-----BEGIN PRIVATE KEY-----\n" + wrap(base64.b64encode(jose_header + rsa1_der).decode(), 64)
        + "-----END PRIVATE KEY-----\n")
write("forms/python-jose.pem", jose)
expect("forms/python-jose.pem", jose, "-----BEGIN", rsa_fp, fmt="pkcs8")


# 7. A PrivateKeyInfo of an algorithm OpenSSL 3.0 cannot read (ML-DSA-65): high, no fingerprint.
def der_tlv(tag, value):
    n = len(value)
    length = bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag]) + length + value


ml_dsa = der_tlv(0x30, der_tlv(0x02, b"\x00") + der_tlv(0x30, der_tlv(0x06, bytes.fromhex("608648016503040312")))
                 + der_tlv(0x04, os.urandom(4032)))
ml_pem = "-----BEGIN PRIVATE KEY-----\n" + wrap(base64.b64encode(ml_dsa).decode(), 64) + "-----END PRIVATE KEY-----\n"
write("forms/ml-dsa-65.pem", ml_pem)
expect("forms/ml-dsa-65.pem", ml_pem, "-----BEGIN", None, fmt="pkcs8")
write("forms/ml-dsa-65.der", ml_dsa)
expect("forms/ml-dsa-65.der", ml_dsa, ml_dsa[:1], None, fmt="pkcs8")

# 12. Hex DER whose bytes stand apart: spaced, colon-separated, a C array, `\x` string escapes.
def hex_lines(der, per_line, fmt, sep):
    return [sep.join(fmt % b for b in der[i:i + per_line]) for i in range(0, len(der), per_line)]


hex_forms = {
    "forms/key-bytes.txt": ("hexdump of the key:\n" + "\n".join(hex_lines(rsa1_der, 16, "%02x", " ")) + "\n", "30 82"),
    "forms/key-colon.txt": ("priv:\n" + ":\n".join("    " + l for l in hex_lines(rsa1_der, 15, "%02x", ":")) + "\n", "30:82"),
    "forms/key_data.h": ("static const unsigned char kRSAKey[] = {\n"
                         + "".join("    " + l + ",\n" for l in hex_lines(rsa1_der, 12, "0x%02x", ", ")) + "};\n", "0x30"),
    "forms/key_vectors.py": ("KEY = (\n" + "".join('    b"' + l + '"\n' for l in hex_lines(rsa1_der, 16, "\\x%02x", "")) + ")\n",
                             "\\x30"),
}
for rel, (data, needle) in hex_forms.items():
    write(rel, data)
    expect(rel, data, needle, rsa_fp, fmt="pkcs1")

# Stacked forms: a key pasted in two or three forms at once.
diff_body = f"@@ -0,0 +1,{len(lines1)} @@\n" + "".join("+" + l + "\n" for l in lines1)
yaml_diff = "--- a/values.yaml\n+++ b/values.yaml\n@@ -1,2 +1,30 @@\n tls:\n+  key: |\n" + "".join("+    " + l + "\n" for l in lines1)
env_file = "DB_HOST=db\nPRIVATE_KEY=\"" + rsa1.replace("\n", "\\n") + "\"\nDEBUG=0\n"
stacked = {
    # GitHub's API: a pull request's patch in a JSON string.
    "stacked/pulls-files.json": (json.dumps([{"filename": "deploy/key.pem", "status": "added", "patch": diff_body}], indent=2) + "\n",
                                 "+-----BEGIN"),
    "stacked/values.diff": (yaml_diff, "+    -----BEGIN"),
    # A Kubernetes secret holding a whole .env file.
    "stacked/secret.yaml": ("apiVersion: v1\nkind: Secret\ndata:\n  app.env: " + base64.b64encode(env_file.encode()).decode() + "\n",
                            "app.env"),
    # A diff quoted in an email reply.
    "stacked/reply.eml": ("On Mon, Dev wrote:\n" + "".join("> " + l + "\n" for l in diff_body.splitlines()) + "\nThanks\n",
                          "> +-----BEGIN"),
}
for rel, (data, needle) in stacked.items():
    write(rel, data)
    expect(rel, data, needle, rsa_fp, fmt="pkcs1")
# base64 of a UTF-16 file, wrapped at 76 (a PowerShell transcript attached to a mail).
utf16_b64 = wrap(base64.b64encode(b"\xff\xfe" + ("PS> type key.pem\r\n" + rsa1.replace("\n", "\r\n")).encode("utf-16-le")).decode(), 76)
write("stacked/transcript.b64", utf16_b64)
expected.append(dict(path="stacked/transcript.b64", line=1, fingerprint=rsa_fp, severity="high", encrypted=False, truncated=False,
                     format="pkcs1"))

# 8, 9. Key containers with no or a well-known password: each key named; a locked one is medium.
cert_path = os.path.join(keys_dir, "cert.pem")
run("openssl", "req", "-x509", "-key", rsa_path, "-subj", "/CN=corpus", "-days", "1", "-out", cert_path)
for rel, password, extra in [("containers/legacy-empty.p12", "", ["-legacy"]), ("containers/legacy.pfx", "changeit", ["-legacy"]),
                             ("containers/service-account.p12", "notasecret", []), ("containers/locked.p12", "Zq9-corpus", [])]:
    out_path = os.path.join(out, rel)
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    run("openssl", "pkcs12", "-export", "-inkey", rsa_path, "-in", cert_path, "-passout", "pass:" + password, "-out", out_path, *extra)
    locked = password.startswith("Zq9")
    expected.append(dict(path=rel, line=1, fingerprint=None if locked else rsa_fp, severity="medium" if locked else "high",
                         encrypted=False, truncated=False, format=None if locked else "pkcs8"))
if have("keytool"):
    store = os.path.join(out, "containers/keystore.jks")
    run("keytool", "-importkeystore", "-noprompt", "-srckeystore", os.path.join(out, "containers/legacy.pfx"),
        "-srcstoretype", "PKCS12", "-srcstorepass", "changeit", "-destkeystore", store, "-deststoretype", "JKS",
        "-deststorepass", "changeit")
    expected.append(dict(path="containers/keystore.jks", line=1, fingerprint=rsa_fp, severity="high",
                         encrypted=False, truncated=False, format="pkcs8"))

# --- look-alikes that must not be reported --------------------------------------
pub = run("openssl", "pkey", "-in", rsa_path, "-pubout").decode()
cert = run("openssl", "req", "-x509", "-key", rsa_path, "-subj", "/CN=corpus", "-days", "1").decode()
csr = run("openssl", "req", "-new", "-key", rsa_path, "-subj", "/CN=corpus").decode()
rsapub = run("openssl", "rsa", "-in", rsa_path, "-RSAPublicKey_out").decode()
random_body = "\n".join(textwrap.wrap(base64.b64encode(os.urandom(1190)).decode(), 64))
look = {
    "lookalike/public.pem": pub,
    "lookalike/rsa-public.pem": rsapub,
    "lookalike/cert.pem": cert,
    "lookalike/cert-der.json": '{"cert": "' + "".join(cert.strip().splitlines()[1:-1]) + '"}\n',
    "lookalike/request.csr": csr,
    "lookalike/placeholder.md": "```\n-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n```\n",
    "lookalike/placeholder2.txt": "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA...\n-----END RSA PRIVATE KEY-----\n",
    "lookalike/placeholder3.yaml": "key: \"-----BEGIN PRIVATE KEY-----\\n<your key here>\\n-----END PRIVATE KEY-----\"\n",
    "lookalike/random.pem": "-----BEGIN RSA PRIVATE KEY-----\n" + random_body + "\n-----END RSA PRIVATE KEY-----\n",
    "lookalike/prose.md": "Append the line OCI_API_KEY to your key file, after -----END RSA PRIVATE KEY-----.\n",
    "lookalike/code.py": 'if line.startswith("-----BEGIN RSA PRIVATE KEY-----"):\n    pass\n',
}
for rel, data in look.items():
    write(rel, data)
    lookalikes.append(rel)

pub_der = run("openssl", "pkey", "-in", rsa_path, "-pubout", "-outform", "DER")
cert_der = run("openssl", "x509", "-outform", "DER", input=cert.encode())
form_look = {
    "lookalike/forms/public.patch": "".join("+" + l + "\n" for l in pub.strip().splitlines()),
    "lookalike/forms/cert.b64": wrap(base64.b64encode(cert.encode()).decode(), 76),
    "lookalike/forms/cert-utf16.txt": b"\xff\xfe" + cert.replace("\n", "\r\n").encode("utf-16-le"),
    "lookalike/forms/cert.html": "<pre>" + "&#10;".join(cert.strip().splitlines()) + "</pre>\n",
    "lookalike/forms/cert.log": "GET /?cert=" + url_encode(cert, True) + " 200\n",
    "lookalike/forms/cert-body.txt": "\n".join(cert.strip().splitlines()[1:-1]) + "\n",
    "lookalike/forms/public_test.go": "var pub = fromHex(\"" + pub_der.hex() + "\")\nvar cert = fromHex(\"" + cert_der.hex() + "\")\n",
    "lookalike/forms/random_test.go": "var x = \"308204a4020100" + os.urandom(1100).hex() + "\"\n",
    "lookalike/forms/half_test.go": "var x = \"" + rsa1_der[:600].hex() + "\"\n",
    "lookalike/forms/cert_data.h": "static const unsigned char kCert[] = {\n"
        + "".join("    " + l + ",\n" for l in hex_lines(cert_der, 12, "0x%02x", ", ")) + "};\n",
    "lookalike/forms/half-bytes.txt": "\n".join(hex_lines(rsa1_der[:600], 16, "%02x", " ")) + "\n",
}
for rel, data in form_look.items():
    write(rel, data)
    lookalikes.append(rel)

# NOTE: a file vanishing while the tree is deleted (a gpg socket) is no
# failure; a second pass removes whatever the first left.
shutil.rmtree(keys_dir, ignore_errors=True)
if os.path.exists(keys_dir):
    shutil.rmtree(keys_dir)
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump({"findings": expected, "lookalikes": lookalikes}, f, indent=1)
print(f"{len(expected)} keys, {len(lookalikes)} look-alikes in {out}")
