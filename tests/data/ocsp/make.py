#!/usr/bin/env python3
"""Writes the hostile OCSP requests of this folder (see README.md).

Each is built from DER made here, byte by byte, so that the defect is
exactly the one the name says; the CertID hashes name no real CA.  Run it
from anywhere: python3 tests/data/ocsp/make.py
"""
import hashlib
import os

HERE = os.path.dirname(os.path.abspath(__file__))

OID_SHA1 = bytes.fromhex("06052b0e03021a")
OID_SHA256 = bytes.fromhex("0609608648016503040201")
OID_MD5 = bytes.fromhex("06082a864886f70d0205")
OID_PRIVATE = bytes.fromhex("060a2b0601040182b71f0101")  # 1.3.6.1.4.1.56223.1.1
OID_NONCE = bytes.fromhex("06092b0601050507300102")
OID_ECDSA_SHA256 = bytes.fromhex("06082a8648ce3d040302")
OID_CRL_REASON = bytes.fromhex("0603551d15")  # any other extension
NULL = bytes.fromhex("0500")


def length(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
    return bytes([tag]) + length(len(content)) + content


def seq(*parts):
    return tlv(0x30, b"".join(parts))


def octets(b):
    return tlv(0x04, b)


def integer(b):
    return tlv(0x02, b)


def explicit(n, content):
    return tlv(0xA0 | n, content)


def algid(oid, params=NULL):
    return seq(oid, params)


SERIAL = bytes.fromhex("3a1f6c2d9e8b7a6554433221100f0e0d")
NAME_HASH = hashlib.sha1(b"not a real issuer name").digest()
KEY_HASH = hashlib.sha1(b"not a real issuer key").digest()


def certid(oid=OID_SHA1, nh=NAME_HASH, kh=KEY_HASH, serial=SERIAL,
           params=NULL):
    return seq(algid(oid, params), octets(nh), octets(kh), integer(serial))


def ext(oid, value, critical=False):
    return seq(oid, tlv(0x01, b"\xff") if critical else b"", octets(value))


def nonce(v=bytes(range(16))):
    return ext(OID_NONCE, octets(v))


def request(cids, exts=None, version=None, requestor=None, signature=None):
    tbs = b""
    if version is not None:
        tbs += explicit(0, integer(version))
    if requestor is not None:
        tbs += explicit(1, requestor)
    tbs += seq(*[seq(c) for c in cids])
    if exts is not None:
        tbs += explicit(2, seq(*exts))
    if signature is not None:
        return seq(seq(tbs), explicit(0, signature))
    return seq(seq(tbs))


def main():
    good = request([certid()], [nonce()])
    files = {}
    files["valid_sha1_nonce.der"] = good
    files["valid_sha256.der"] = request([certid(
        OID_SHA256, hashlib.sha256(b"n").digest(),
        hashlib.sha256(b"k").digest())])
    files["valid_sha1_params_absent.der"] = request(
        [certid(params=b"")])
    files["empty.der"] = b""
    files["truncated.der"] = good[:len(good) // 2]
    files["trailing_garbage.der"] = good + b"\x00\x00garbage"
    files["wrong_outer_tag.der"] = b"\x31" + good[1:]
    # a SEQUENCE claiming 2^31 - 1 bytes, with the real content after it
    files["huge_length.der"] = b"\x30\x84\x7f\xff\xff\xff" + good[2:]
    # DER wants the short form for a length below 128
    files["long_form_length.der"] = b"\x30\x81" + good[1:]
    files["no_certids.der"] = request([])
    files["two_certids.der"] = request([certid(), certid(serial=b"\x01")])
    files["many_certids.der"] = request(
        [certid(serial=bytes([i + 1])) for i in range(100)])
    files["unknown_hash_oid.der"] = request([certid(OID_PRIVATE)])
    files["md5_hash.der"] = request(
        [certid(OID_MD5, NAME_HASH[:16], KEY_HASH[:16])])
    files["hash_params.der"] = request(
        [certid(params=octets(b"\x01"))])
    files["short_hash.der"] = request([certid(nh=NAME_HASH[:19])])
    files["sha256_with_sha1_hash.der"] = request([certid(OID_SHA256)])
    files["zero_serial.der"] = request([certid(serial=b"\x00")])
    files["negative_serial.der"] = request([certid(serial=b"\xff\x01")])
    files["long_serial.der"] = request([certid(serial=b"\x01" * 21)])
    files["version_v2.der"] = request([certid()], version=b"\x01")
    files["explicit_v1.der"] = request([certid()], version=b"\x00")
    files["critical_extension.der"] = request(
        [certid()], [ext(OID_CRL_REASON, b"\x0a\x01\x01", critical=True)])
    files["two_nonces.der"] = request([certid()], [nonce(), nonce(b"x" * 16)])
    # requestorName [4] directoryName (empty), then a signature that is
    # well-formed DER but garbage: ignored, as RFC 5019 allows
    files["signed_garbage_signature.der"] = request(
        [certid()], requestor=tlv(0xA4, seq()),
        signature=seq(algid(OID_ECDSA_SHA256, b""),
                      tlv(0x03, b"\x00" + b"\xde\xad\xbe\xef" * 16)))
    # a signature that is not a Signature at all
    files["signed_not_a_signature.der"] = request(
        [certid()], signature=octets(b"garbage"))
    # valid in every other way, one byte over BOUND_OCSP_REQUEST (8192)
    big = b""
    for pad in range(8000, 8193):
        big = request([certid()], [nonce(b"p" * pad)])
        if len(big) == 8193:
            break
    assert len(big) == 8193
    files["oversize.der"] = big
    files["pem_text.der"] = (
        b"-----BEGIN OCSP REQUEST-----\nMAA=\n-----END OCSP REQUEST-----\n")
    files["deep_nesting.der"] = (b"\x30\x80" * 64) + (b"\x00\x00" * 64)
    for name, data in files.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
