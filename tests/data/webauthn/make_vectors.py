#!/usr/bin/python3
"""Writes vectors.json beside this file: a registration (packed, self
attestation) and assertions of one credential, made by the independent
software authenticator of tests/integration/webauthn_client.py (P-256,
python3-cryptography; CBOR, python3-cbor2).  tests/unit/proofing/
test_webauthn.c checks proofing/webauthn.c against them.  Run again to
make new ones (the keys are random; the test needs none of them)."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "integration"))
from webauthn_client import Authenticator  # noqa: E402

ORIGIN, RP_ID = "https://portal.rxca.test", "portal.rxca.test"
CREATE, GET = "Y3JlYXRlLWNoYWxsZW5nZS0wMDAwMDAwMDAwMDAwMDA", \
    "Z2V0LWNoYWxsZW5nZS0wMDAwMDAwMDAwMDAwMDAwMDA"

a = Authenticator(ORIGIN, RP_ID)
out = {"origin": ORIGIN, "rp_id": RP_ID, "create_challenge": CREATE,
       "get_challenge": GET,
       "register": a.create({"challenge": CREATE}, fmt="self"),
       "register_no_uv": a.create({"challenge": CREATE}, fmt="self",
                                  uv=False),
       "assert": a.get(GET), "assert_no_uv": a.get(GET, uv=False)}
with open(os.path.join(HERE, "vectors.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
