"""A software WebAuthn authenticator and client for the tests: real P-256
keys and ECDSA signatures (python3-cryptography) and real CBOR
(python3-cbor2), made independently of rxca's C code.  It answers the
options rxca sends as navigator.credentials.create/get would, and can be
told to misbehave (no user verification, another origin or RP id, a bad
signature, a counter that goes backwards)."""
import base64
import datetime
import hashlib
import json
import os

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

FLAG_UP, FLAG_UV, FLAG_AT = 0x01, 0x04, 0x40


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def sha256(b):
    return hashlib.sha256(b).digest()


class AttestationCA:
    """A root for authenticator attestation certificates (as the FIDO
    metadata an operator trusts would give), and leaves under it."""

    def __init__(self, name="Test Authenticator Root"):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.cert = (x509.CertificateBuilder()
                     .subject_name(self.name).issuer_name(self.name)
                     .public_key(self.key.public_key())
                     .serial_number(x509.random_serial_number())
                     .not_valid_before(now - datetime.timedelta(days=1))
                     .not_valid_after(now + datetime.timedelta(days=3650))
                     .add_extension(x509.BasicConstraints(True, None), True)
                     .sign(self.key, hashes.SHA256()))

    def pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def leaf(self):
        """A batch attestation key and its certificate (DER)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        subject = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Maker"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME,
                               "Authenticator Attestation"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Test Batch 1")])
        cert = (x509.CertificateBuilder()
                .subject_name(subject).issuer_name(self.name)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=365))
                .add_extension(x509.BasicConstraints(False, None), True)
                .sign(self.key, hashes.SHA256()))
        return key, cert.public_bytes(serialization.Encoding.DER)


class Authenticator:
    """One credential on a software authenticator."""

    AAGUID = bytes.fromhex("6d44ba9bf6ec4e6b8d7a3b1c2e0f9a51")

    def __init__(self, origin, rp_id, attestation=None):
        self.origin = origin
        self.rp_id = rp_id
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cred_id = os.urandom(32)
        self.counter = 0
        self.attestation = attestation  # (key, cert DER) or None

    def cose_key(self):
        n = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1,
                            -2: n.x.to_bytes(32, "big"),
                            -3: n.y.to_bytes(32, "big")})

    def auth_data(self, flags, counter, attested, rp_id=None):
        head = sha256((rp_id or self.rp_id).encode()) + bytes([flags]) + \
            counter.to_bytes(4, "big")
        if not attested:
            return head
        return head + self.AAGUID + len(self.cred_id).to_bytes(2, "big") + \
            self.cred_id + self.cose_key()

    def client_data(self, kind, challenge, origin=None):
        return json.dumps({"type": kind, "challenge": challenge,
                           "origin": origin or self.origin,
                           "crossOrigin": False}).encode()

    def create(self, options, fmt="none", uv=True, origin=None, rp_id=None,
               kind="webauthn.create", bad_sig=False):
        """The body rxca takes for a registration, answering options."""
        cd = self.client_data(kind, options["challenge"], origin)
        flags = FLAG_UP | FLAG_AT | (FLAG_UV if uv else 0)
        ad = self.auth_data(flags, self.counter, True, rp_id)
        signed = ad + sha256(cd)
        if fmt == "none":
            stmt = {}
        elif fmt == "self":
            sig = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
            stmt = {"alg": -7, "sig": sig}
        else:  # "x5c": packed with the attestation certificate
            akey, cert = self.attestation
            sig = akey.sign(signed, ec.ECDSA(hashes.SHA256()))
            stmt = {"alg": -7, "sig": sig, "x5c": [cert]}
            fmt = "packed"
        if bad_sig and "sig" in stmt:
            stmt["sig"] = stmt["sig"][:-1] + bytes([stmt["sig"][-1] ^ 1])
        if fmt == "self":
            fmt = "packed"
        att = cbor2.dumps({"fmt": fmt, "attStmt": stmt, "authData": ad})
        return {"client_data_json": b64url(cd),
                "attestation_object": b64url(att)}

    def get(self, challenge, uv=True, origin=None, rp_id=None,
            counter=None, kind="webauthn.get"):
        """An assertion over challenge: the body parts rxca takes."""
        if counter is None:
            self.counter += 1
            counter = self.counter
        cd = self.client_data(kind, challenge, origin)
        ad = self.auth_data(FLAG_UP | (FLAG_UV if uv else 0), counter,
                            False, rp_id)
        sig = self.key.sign(ad + sha256(cd), ec.ECDSA(hashes.SHA256()))
        return {"credential_id": b64url(self.cred_id),
                "client_data_json": b64url(cd),
                "authenticator_data": b64url(ad),
                "signature": b64url(sig)}
