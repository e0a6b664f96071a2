#!/usr/bin/python3
"""Hardware-key evidence end to end (issue 15 item 5): a PIV key
attestation, built here as YubiKey PIV makes it (a test "manufacturer" root
in RXCA_ATTEST_ROOTS, a device attestation certificate under it, an
attestation certificate of the CSR's key signed by the device, with
Yubico's serial extension), makes the certificate `attested` with the
device's serial, in its view, the audit log and the partner's views; a
wrong manufacturer root, an attestation of another key and an expired
attestation certificate are 422 naming the field; a CSR without evidence
under each product requirement (none / client-asserted / attested); and
rxca-token on SoftHSM sends client-asserted evidence recorded with the
token's model and serial; a renewal takes and records evidence for its new
key.  Prints the retrieval latency without evidence, with client-asserted
and with attested evidence."""
import datetime
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import harness
from test_ca import SOFTHSM, CaCase, make_csr
from test_partners import PartnerCase
from test_proofing import ADA, person
from test_renewal import RenewalCase
from test_token import TokenCase

DAY = datetime.timedelta(days=1)
YUBICO_SERIAL = x509.ObjectIdentifier("1.3.6.1.4.1.41482.3.7")
YUBICO_FIRMWARE = x509.ObjectIdentifier("1.3.6.1.4.1.41482.3.3")
DEVICE_SERIAL = 12345678


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def cert(cn, pub, issuer_cert, issuer_key, ca, nb, na, yubico=False):
    """A certificate for pub named cn, issued by issuer_cert (None:
    itself) with issuer_key, valid [nb, na]."""
    b = (x509.CertificateBuilder()
         .subject_name(name(cn))
         .issuer_name(issuer_cert.subject if issuer_cert else name(cn))
         .public_key(pub)
         .serial_number(x509.random_serial_number())
         .not_valid_before(nb).not_valid_after(na)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None),
                        critical=ca))
    if ca:
        b = b.add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False,
            key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
    if yubico:
        # DER INTEGER of the serial; firmware as three octets.
        der = DEVICE_SERIAL.to_bytes(4, "big")
        b = b.add_extension(x509.UnrecognizedExtension(
            YUBICO_SERIAL, bytes([0x02, len(der)]) + der), critical=False)
        b = b.add_extension(x509.UnrecognizedExtension(
            YUBICO_FIRMWARE, bytes([5, 4, 3])), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def pem(c):
    return c.public_bytes(serialization.Encoding.PEM).decode()


class Maker:
    """A test "manufacturer": its attestation root and one device."""

    def __init__(self, cn="Maker PIV Root CA"):
        now = datetime.datetime.now(datetime.timezone.utc)
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = cert(cn, self.root_key.public_key(), None,
                         self.root_key, True, now - 3650 * DAY,
                         now + 3650 * DAY)
        self.device_key = ec.generate_private_key(ec.SECP256R1())
        self.device = cert("Maker PIV Attestation",
                           self.device_key.public_key(), self.root,
                           self.root_key, True, now - DAY, now + 3650 * DAY)

    def attest(self, keyfile, nb=None, na=None):
        """key_evidence attesting the key of keyfile (PEM private key)."""
        now = datetime.datetime.now(datetime.timezone.utc)
        with open(keyfile, "rb") as f:
            key = serialization.load_pem_private_key(f.read(), None)
        slot = cert("Maker PIV Attestation 9c", key.public_key(),
                    self.device, self.device_key, False,
                    nb or now - DAY, na or now + 3650 * DAY, yubico=True)
        return {"kind": "attested", "attestation": pem(slot),
                "device": pem(self.device)}


class EvidenceSetup:
    """The manufacturer and its root bundle, made once for the class,
    before the server starts with RXCA_ATTEST_ROOTS naming it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mdir = tempfile.mkdtemp(prefix="rxca-maker-")
        cls.maker = Maker()
        cls.other = Maker()  # another manufacturer, not configured
        cls.roots = os.path.join(cls.mdir, "attest-roots.pem")
        with open(cls.roots, "w") as f:
            f.write(pem(cls.maker.root))
        cls.extra_env = dict(getattr(cls, "extra_env", {}),
                             RXCA_ATTEST_ROOTS=cls.roots)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.mdir, True)
        super().tearDownClass()


class KeyEvidenceTest(EvidenceSetup, CaCase):

    def setUp(self):
        super().setUp()
        self.d = tempfile.mkdtemp(dir=self.tmp)

    def key(self, tag):
        return make_csr(self.d, tag + str(len(os.listdir(self.d))))

    def view(self, app, serial):
        st, _, tok = self.login(self.srv, app["_password"], app_id=app["id"])
        self.assertEqual(st, 201, tok)
        st, _, js = self.srv.http("GET", "/v1/certificates/%s" % serial,
                                  headers=self.bearer(tok["token"]))
        self.assertEqual(st, 200, js)
        return js

    def audit(self, action, serial):
        return [json.loads(d[0]) for d in self.db.audits(
            "details", "action = '%s' AND subject = '%s'" % (action, serial))]

    def require(self, product, kind):
        self.db.query("UPDATE products SET key_evidence = '%s' WHERE "
                      "code = '%s'" % (kind, product))

    def test_attested_good_chain(self):
        app = self.shipped()
        key, csr = self.key("good")
        st, _, js = self.retrieve(app, csr,
                                  evidence=self.maker.attest(key))
        self.assertEqual(st, 201, js)
        ev = self.view(app, js["serial"])["key_evidence"]
        self.assertEqual(ev["kind"], "attested")
        self.assertEqual(ev["device_serial"], str(DEVICE_SERIAL))
        self.assertEqual(ev["firmware"], "5.4.3")
        self.assertIn("Maker PIV Attestation", ev["device"])
        self.assertEqual(self.db.scalar(
            "SELECT key_evidence || ' ' || key_serial FROM certificates "
            "WHERE encode(serial, 'hex') = '%s'" % js["serial"]),
            "attested %d" % DEVICE_SERIAL)
        for action in ("certificate.recorded", "certificate.issued"):
            (d,) = self.audit(action, js["serial"])
            self.assertEqual(d["key_evidence"]["kind"], "attested", action)
            self.assertEqual(d["key_evidence"]["device_serial"],
                             str(DEVICE_SERIAL))
        # Stricter requirement: attested evidence still passes.
        self.require("epcs-hardware", "attested")
        app2 = self.shipped()
        key, csr = self.key("strict")
        st, _, js = self.retrieve(app2, csr,
                                  evidence=self.maker.attest(key))
        self.assertEqual(st, 201, js)

    def test_wrong_manufacturer_root(self):
        app = self.shipped()
        key, csr = self.key("wrong")
        resp = self.retrieve(app, csr, evidence=self.other.attest(key))
        self.assertProblem(resp, 422, "key_evidence.attestation")
        self.assertIn("manufacturer root", json.dumps(resp[2]))
        self.assertEqual(self.db.count("certificates"), 0)

    def test_attestation_of_another_key(self):
        app = self.shipped()
        key, csr = self.key("mine")
        other, _ = self.key("other")
        resp = self.retrieve(app, csr, evidence=self.maker.attest(other))
        self.assertProblem(resp, 422, "key_evidence.attestation")
        self.assertIn("another key", json.dumps(resp[2]))
        self.assertEqual(self.db.count("certificates"), 0)

    def test_expired_attestation_certificate(self):
        app = self.shipped()
        key, csr = self.key("old")
        now = datetime.datetime.now(datetime.timezone.utc)
        ev = self.maker.attest(key, nb=now - 400 * DAY, na=now - DAY)
        resp = self.retrieve(app, csr, evidence=ev)
        self.assertProblem(resp, 422, "key_evidence.attestation")
        self.assertIn("expired", json.dumps(resp[2]))
        # Junk in the device certificate names that field.
        ev = self.maker.attest(key)
        ev["device"] = "not a certificate"
        self.assertProblem(self.retrieve(app, csr, evidence=ev), 422,
                           "key_evidence.device")

    def test_malformed_evidence(self):
        app = self.shipped()
        _, csr = self.key("bad")
        for ev, field in (
                ("attested", "key_evidence"),
                ({"kind": "hardware"}, "key_evidence.kind"),
                ({"kind": "client-asserted"}, "key_evidence.token"),
                ({"kind": "client-asserted", "token": {"model": "x"}},
                 "key_evidence.token"),
                ({"kind": "client-asserted",
                  "token": {"model": "x", "serial": "1", "pin": "1"}},
                 "key_evidence.token"),
                ({"kind": "client-asserted",
                  "token": {"model": "x" * 65, "serial": "1"}},
                 "key_evidence.token"),
                ({"kind": "attested", "attestation": "x"}, "key_evidence"),
                ({"kind": "none", "token": {}}, "key_evidence")):
            self.assertProblem(self.retrieve(app, csr, evidence=ev), 422,
                               field)
        self.assertEqual(self.db.count("certificates"), 0)

    def test_no_evidence_under_each_requirement(self):
        # The software product requires none.
        body = self.person(product="identity-software", storage="software")
        body["applicant"]["dea_number"] = None
        sw = self.shipped(body=body)
        _, csr = self.key("sw")
        st, _, js = self.retrieve(sw, csr, evidence=None)
        self.assertEqual(st, 201, js)
        self.assertEqual(self.view(sw, js["serial"])["key_evidence"],
                         {"kind": "none"})
        # epcs-hardware by default: at least client-asserted.
        app = self.shipped()
        key, csr = self.key("hw")
        resp = self.retrieve(app, csr, evidence=None)
        self.assertProblem(resp, 422, "key_evidence")
        self.assertIn("client-asserted", json.dumps(resp[2]))
        self.assertProblem(self.retrieve(app, csr,
                                         evidence={"kind": "none"}),
                           422, "key_evidence")
        self.assertEqual(self.db.count("certificates", "application_id = "
                                       "'%s'" % app["id"]), 0)
        # Strict: attested; client-asserted is no longer enough.
        self.require("epcs-hardware", "attested")
        resp = self.retrieve(app, csr, evidence=None)
        self.assertProblem(resp, 422, "key_evidence")
        self.assertIn("attested", json.dumps(resp[2]))
        self.assertProblem(self.retrieve(app, csr), 422, "key_evidence")
        # Relaxed to none: the same CSR without evidence is issued.
        self.require("epcs-hardware", "none")
        st, _, js = self.retrieve(app, csr, evidence=None)
        self.assertEqual(st, 201, js)
        self.assertEqual(self.view(app, js["serial"])["key_evidence"],
                         {"kind": "none"})

    def test_client_asserted_is_recorded(self):
        app = self.shipped()
        _, csr = self.key("ca")
        st, _, js = self.retrieve(app, csr)
        self.assertEqual(st, 201, js)
        self.assertEqual(self.view(app, js["serial"])["key_evidence"],
                         harness.client_asserted())

    def test_measure_retrieval_latency(self):
        """Median retrieval (201) without evidence, with client-asserted
        and with attested evidence, over a few kits each (the product
        requirement relaxed to none for the first)."""
        self.require("epcs-hardware", "none")
        times = {"none": [], "client-asserted": [], "attested": []}
        for i in range(3):
            for kind in times:
                app = self.shipped()
                key, csr = self.key("m")
                ev = {"none": None, "attested": self.maker.attest(key),
                      "client-asserted": harness.client_asserted()}[kind]
                t0 = time.monotonic()
                st, _, js = self.retrieve(app, csr, evidence=ev)
                times[kind].append(time.monotonic() - t0)
                self.assertEqual(st, 201, js)
        for kind, ts in times.items():
            print("retrieval with %s evidence: median %.1f ms over %d"
                  % (kind, statistics.median(ts) * 1000, len(ts)))


class PartnerEvidenceTest(EvidenceSetup, PartnerCase):

    def test_partner_views_show_the_evidence(self):
        app = self.shipped(ADA, person(*ADA, program="acme"))
        key, csr = make_csr(self.d, "pk")
        st, _, js = self.retrieve(app, csr, evidence=self.maker.attest(key))
        self.assertEqual(st, 201, js)
        app["_cert"] = js
        app["_key"] = key
        st, _, v = self.p(self.a, "GET", "/v1/partner/certificates/%s"
                          % js["serial"])
        self.assertEqual(st, 200, v)
        self.assertEqual(v["key_evidence"]["kind"], "attested")
        self.assertEqual(v["key_evidence"]["device_serial"],
                         str(DEVICE_SERIAL))
        (st, _, v), _ = self.cred_verify(self.a, app)
        self.assertEqual(st, 200, v)
        self.assertEqual(v["key_evidence"]["kind"], "attested")


class RenewalEvidenceTest(EvidenceSetup, RenewalCase):

    def test_renewal_takes_and_records_evidence(self):
        app = self.issue()
        self.at_days_left(app, 45)
        tok = self.token(app)
        key, csr = self.new_csr("renewed")
        # Without evidence, the product's default requirement refuses it.
        resp = self.renew(app, csr, token=tok, evidence=None)
        self.assertProblem(resp, 422, "key_evidence")
        self.assertIn("client-asserted", json.dumps(resp[2]))
        # An attestation of the old key, not the new one.
        self.assertProblem(self.renew(
            app, csr, token=tok, evidence=self.maker.attest(app["_key"])),
            422, "key_evidence.attestation")
        self.assertEqual(self.db.count("certificates"), 1)
        st, _, js = self.renew(app, csr, token=tok,
                               evidence=self.maker.attest(key))
        self.assertEqual(st, 201, js)
        st, _, v = self.srv.http("GET", "/v1/certificates/%s" % js["serial"],
                                 headers=self.bearer(tok))
        self.assertEqual(st, 200, v)
        self.assertEqual(v["key_evidence"]["kind"], "attested")
        self.assertEqual(v["key_evidence"]["device_serial"],
                         str(DEVICE_SERIAL))
        # The renewed certificate keeps its own (client-asserted).
        st, _, v = self.srv.http(
            "GET", "/v1/certificates/%s" % app["_cert"]["serial"],
            headers=self.bearer(tok))
        self.assertEqual(v["key_evidence"], harness.client_asserted())


class TokenEvidenceTest(TokenCase):

    def test_rxca_token_sends_client_asserted(self):
        app = self.ready()
        serial = self.db.scalar(
            "SELECT encode(serial, 'hex') FROM certificates WHERE "
            "application_id = '%s'" % app["id"])
        row = self.db.query(
            "SELECT key_evidence, key_model, key_serial, key_manufacturer "
            "FROM certificates WHERE encode(serial, 'hex') = '%s'"
            % serial)[0]
        # What SoftHSM says of the token, read by pkcs11-tool.
        r = subprocess.run(["pkcs11-tool", "--module", SOFTHSM, "-L"],
                           env=self.tenv, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        info = {}
        for line in r.stdout.splitlines():
            k, _, v = line.strip().partition(":")
            info.setdefault(k.strip(), v.strip())
        self.assertEqual(row[0], "client-asserted")
        self.assertEqual(row[1], info["token model"])
        self.assertEqual(row[2], info["serial num"])
        self.assertEqual(row[3], info["token manufacturer"])
        self.assertTrue(row[1] and row[2])
        [[d]] = self.db.audits("details", "action = 'certificate.issued' "
                               "AND subject = '%s'" % serial)
        d = json.loads(d)
        self.assertEqual(d["key_evidence"]["token"]["serial"], row[2])


if __name__ == "__main__":
    harness.main()
