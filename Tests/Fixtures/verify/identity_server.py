"""A stand-in for OCI's identity endpoint, on 127.0.0.1 only, for keyleak's
`scan --verify` tests. It checks each request's HTTP signature as OCI would
(draft-cavage, rsa-sha256, signed headers `date (request-target) host`,
keyId tenancy/user/fingerprint) against the public keys it was given, then
answers by the user's OCID: a user ending in `live` gets 200, `rotated` 401,
`error` 500, `slow` an answer only after `--slow` seconds. A signature that
does not verify gets 401 whatever the user. Every request is logged (method,
path, headers, verdict) as one JSON line.

    python identity_server.py --cert C --key K --keys keys.json --port-file F --log L
keys.json: {"<fingerprint>": "<public key PEM>", ...}
"""
import argparse
import base64
import email.utils
import http.server
import json
import re
import ssl
import sys
import threading
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

parser = argparse.ArgumentParser()
parser.add_argument("--cert", required=True)
parser.add_argument("--key", required=True)
parser.add_argument("--keys", required=True)
parser.add_argument("--port-file", required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--slow", type=float, default=8.0)
parser.add_argument("--lifetime", type=float, default=120.0)
args = parser.parse_args()

with open(args.keys) as f:
    public_keys = {fp: serialization.load_pem_public_key(pem.encode()) for fp, pem in json.load(f).items()}
log_lock = threading.Lock()


def log(entry):
    with log_lock, open(args.log, "a") as f:
        f.write(json.dumps(entry) + "\n")


def check_signature(handler):
    """None when the request is signed as OCI requires, else why not."""
    auth = handler.headers.get("authorization", "")
    if not auth.startswith("Signature "):
        return "no Signature authorization"
    params = dict(re.findall(r'(\w+)="([^"]*)"', auth[len("Signature "):]))
    if params.get("version") != "1" or params.get("algorithm") != "rsa-sha256":
        return "version or algorithm"
    if params.get("headers") != "date (request-target) host":
        return "signed headers"
    parts = params.get("keyId", "").split("/")
    if len(parts) != 3:
        return "keyId"
    tenancy, user, fingerprint = parts
    if handler.path != "/20160918/users/" + user:
        return "path does not read the keyId's user"
    date = handler.headers.get("date", "")
    parsed = email.utils.parsedate_to_datetime(date) if date else None
    if parsed is None or abs(parsed.timestamp() - time.time()) > 300:
        return "date missing or skewed"
    host = handler.headers.get("host", "")
    if host != "127.0.0.1:%d" % handler.server.server_address[1]:
        return "host header"
    key = public_keys.get(fingerprint)
    if key is None:
        return "unknown fingerprint"
    signing_string = "date: %s\n(request-target): %s %s\nhost: %s" % (date, handler.command.lower(), handler.path, host)
    try:
        key.verify(base64.b64decode(params.get("signature", "")), signing_string.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return "signature does not verify"
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        problem = check_signature(self)
        user = self.path.rsplit("/", 1)[-1]
        slow = problem is None and user.endswith("slow")
        if problem is not None:
            status = 401
        elif slow:
            status = 200
        elif user.endswith("live"):
            status = 200
        elif user.endswith("rotated"):
            status = 401
        else:
            status = 500
        log({"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
             "problem": problem, "status": status,
             "body_length": int(self.headers.get("content-length", "0") or 0)})
        if slow:
            time.sleep(args.slow)
        body = json.dumps({"id": user} if status == 200 else {"code": "NotAuthenticated"}).encode()
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (the slow case)

    def log_message(self, *a):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(args.cert, args.key)
server.socket = context.wrap_socket(server.socket, server_side=True)
# NOTE: the test's process may die without stopping us: never outlive it by much.
threading.Timer(args.lifetime, lambda: server.shutdown()).start()
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(args.port_file + ".tmp", args.port_file)
server.serve_forever()
