"""The OCI Python SDK as the oracle for keyleak's request signing.

Reads a JSON list of cases on standard input, each
{key_file, tenancy, user, fingerprint, url, date, timestamp}, and prints a
JSON list with, for each case, the `authorization` header that
oci.signer.Signer puts on `GET url` dated `date`, what
email.utils.formatdate(timestamp, usegmt=True) writes (the SDK's own Date
header), and the user quoted as the SDK quotes path parameters.
Run with the python of scripts/oci-sdk.sh. Sends nothing anywhere.
"""
import email.utils
import json
import sys
import urllib.parse

import oci
from oci._vendor import requests

out = []
for case in json.load(sys.stdin):
    signer = oci.signer.Signer(case["tenancy"], case["user"], case["fingerprint"], case["key_file"])
    request = requests.Request("GET", case["url"], headers={"date": case["date"]}).prepare()
    signer(request)
    out.append({
        "authorization": request.headers["authorization"],
        "host": request.headers["host"],
        "http_date": email.utils.formatdate(case["timestamp"], usegmt=True),
        "quoted_user": urllib.parse.quote(case["user"], safe=""),
        "path_url": request.path_url,
    })
json.dump(out, sys.stdout)
