#!/usr/bin/python3
"""An independent check of an rxca approval record: a compact JWS (ES256)
verified with the key of its kid from a JWKS, with Python's cryptography
only (Debian's python3-cryptography); no rxca code and no JOSE library.

    jws_verify.py RECORD_FILE JWKS_FILE   prints the claims, exit 0 if valid
"""
import base64
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import \
    encode_dss_signature


def unb64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def verify(record, jwks):
    """The claims of record if its ES256 signature verifies with the key of
    its kid in jwks (a dict {"keys": [...]}); raises ValueError if not."""
    parts = record.split(".")
    if len(parts) != 3:
        raise ValueError("not a compact JWS")
    header = json.loads(unb64url(parts[0]))
    if header.get("alg") != "ES256":
        raise ValueError("alg %r, expected ES256" % header.get("alg"))
    keys = [k for k in jwks["keys"] if k.get("kid") == header.get("kid")]
    if len(keys) != 1:
        raise ValueError("no key %r in the JWKS" % header.get("kid"))
    k = keys[0]
    if (k.get("kty"), k.get("crv")) != ("EC", "P-256"):
        raise ValueError("not a P-256 key")
    pub = ec.EllipticCurvePublicNumbers(
        int.from_bytes(unb64url(k["x"]), "big"),
        int.from_bytes(unb64url(k["y"]), "big"),
        ec.SECP256R1()).public_key()
    sig = unb64url(parts[2])
    if len(sig) != 64:
        raise ValueError("ES256 signature of %d bytes" % len(sig))
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"),
                               int.from_bytes(sig[32:], "big"))
    try:
        pub.verify(der, (parts[0] + "." + parts[1]).encode(),
                   ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise ValueError("signature does not verify") from None
    return header, json.loads(unb64url(parts[1]))


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        rec = f.read().strip()
    with open(sys.argv[2]) as f:
        ks = json.load(f)
    try:
        _, claims = verify(rec, ks)
    except ValueError as e:
        print("INVALID: %s" % e)
        sys.exit(1)
    print(json.dumps(claims, indent=1, sort_keys=True))
