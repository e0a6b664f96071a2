#!/usr/bin/python3
"""CAdES-BES signatures made by rxca-token (`sign` and the agent), with
and without an RFC 3161 time-stamp from a real TSA (`openssl ts -reply`
behind a loopback HTTP server, tests/integration/tsa.py), and `rxca-token
verify` against rxca's root with OCSP: the signing-certificate-v2
attribute bound to the signer's certificate, stock `openssl cms -verify
-cades` accepting the signatures, a time-stamped signature still valid
after the certificate is revoked later, and signatures made after the
revocation (time-stamped, or only claiming a time) reported as such.
CadesMeasure prints the median time to sign and to verify, with and
without a time-stamp, of RXCA_CADES_RUNS runs each: ops/bench-cades.sh
runs 20; the suite runs 1, which checks the measurement still works (a
figure is measured in ops/, not in the test run)."""
import base64
import hashlib
import os
import statistics
import subprocess
import time

import harness
from test_ca import openssl
import test_token
from test_token import NEW_PASSCODE, TokenCase
from tsa import Tsa

RUNS = int(os.environ.get("RXCA_CADES_RUNS", "1"))


class CadesCase(TokenCase):
    operators = TokenCase.operators + (("ray", "revoker"),)

    def setUp(self):
        super().setUp()
        self.tsa = Tsa(os.path.join(self.tmp, "tsa"))
        self.addCleanup(self.tsa.stop)
        self.rev = self.operator("ray", "revoker")

    def sign(self, rx, out, *extra):
        return self.token("sign", rx, "--out", out, "--passcode-fd", "FD",
                          *extra, secrets=(NEW_PASSCODE,))

    def sign_ts(self, rx, out):
        return self.sign(rx, out, "--tsa", self.tsa.url, "--tsa-ca",
                         self.tsa.ca)

    def tverify(self, rx, sig, *extra):
        root, _ = self.ca_files()
        return self.token("verify", rx, sig, "--root", root, "--tsa-ca",
                          self.tsa.ca, *extra)

    def stock_verify(self, sig, content):
        """openssl cms -verify with -cades: the ESS signing certificate
        is checked too."""
        root, issuing = self.ca_files()
        return openssl("cms", "-verify", "-cades", "-binary", "-inform",
                       "DER", "-in", sig, "-content", content, "-CAfile",
                       root, "-certfile", issuing, "-out", "/dev/null")

    def stock_others(self, sig, content):
        """GnuTLS certtool --p7-verify and NSS cmsutil -D on sig over
        content, the root trusted: {tool: (status, output)}."""
        root, _ = self.ca_files()
        nss = os.path.join(self.tmp, "nssdb")
        if not os.path.isdir(nss):
            os.mkdir(nss)
            for argv in (["certutil", "-N", "-d", "sql:" + nss,
                          "--empty-password"],
                         ["certutil", "-A", "-d", "sql:" + nss, "-n",
                          "rxca-root", "-t", "C,C,C", "-a", "-i", root]):
                r = subprocess.run(argv, capture_output=True, text=True,
                                   timeout=60)
                self.assertEqual(r.returncode, 0, r.stderr)
        out = {}
        for tool, argv in (
                ("certtool", ["certtool", "--p7-verify", "--inder",
                              "--infile", sig, "--load-data", content,
                              "--load-ca-certificate", root]),
                ("cmsutil", ["cmsutil", "-D", "-i", sig, "-c", content,
                             "-d", "sql:" + nss, "-u", "4", "-v"])):
            r = subprocess.run(argv, capture_output=True, text=True,
                               timeout=60)
            out[tool] = (r.returncode, r.stdout + r.stderr)
        return out

    def serial(self):
        return self.db.scalar("SELECT encode(serial, 'hex') FROM "
                              "certificates")

    def revoke(self):
        st, _, js = self.ops("POST", "/v1/ops/certificates/%s/revocation"
                             % self.serial(), {"reason": "keyCompromise"},
                             who=self.rev)
        self.assertEqual(st, 200, js)


class CadesTest(CadesCase):

    def test_ess_timestamp_and_revocation(self):
        self.ready()
        rx = self.write("rx.txt", "Rx: oxycodone 5 mg, #20, no refills\n")
        plain = os.path.join(self.tmp, "plain.p7s")
        stamped = os.path.join(self.tmp, "stamped.p7s")
        r = self.sign(rx, plain)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.sign_ts(rx, stamped)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("time-stamped", r.stdout)
        self.assertEqual(self.tsa.requests, 1)
        # The ESS signing-certificate-v2 attribute is signed and holds the
        # SHA-256 of the signer's certificate (bound to it); the time-stamp
        # is an unsigned attribute.
        bad = self.write("rx-bad.txt", "Rx: oxycodone 5 mg, #200\n")
        cert = self.token_cert()
        rc, der, _ = openssl("x509", "-in", cert, "-outform", "DER")
        certhash = hashlib.sha256(der).hexdigest()
        serial = self.serial().upper().lstrip("0")
        for sig, ts in ((plain, False), (stamped, True)):
            rc, text, err = openssl("cms", "-cmsout", "-print", "-inform",
                                    "DER", "-in", sig)
            self.assertEqual(rc, 0, err)
            text = text.decode()
            signed = text.split("signedAttrs:")[1].split("signatureAlgorithm")[0]
            self.assertIn("id-smime-aa-signingCertificateV2", signed)
            self.assertIn("signingTime", signed)
            self.assertIn("messageDigest", signed)
            self.assertIn("contentType", signed)
            ess = signed.split("id-smime-aa-signingCertificateV2")[1]
            ess = ess.split("object:")[0]
            self.assertIn("[HEX DUMP]:" + certhash.upper(), ess)
            self.assertRegex(ess, r"INTEGER +:0*%s\n" % serial)
            unsigned = text.split("unsignedAttrs:")[1]
            self.assertEqual("id-smime-aa-timeStampToken" in unsigned, ts,
                             unsigned)
            # Stock OpenSSL accepts it, and checks the ESS binding; so do
            # GnuTLS and NSS (and none accepts it for another file).
            rc, _, err = self.stock_verify(sig, rx)
            self.assertEqual(rc, 0, err)
            self.assertIn(b"Verification successful", err)
            for content, want in ((rx, 0), (bad, 1)):
                r = self.stock_others(sig, content)
                for tool, (rc, out) in r.items():
                    self.assertEqual(bool(rc), bool(want), tool + out)
        # verify: who, when (time-stamp or claimed), status then and now.
        r = self.tverify(rx, stamped)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Signed by: C = US, O = rxca, CN = Ada Lovelace",
                      r.stdout)
        self.assertIn("CAdES-BES: yes", r.stdout)
        self.assertIn("(RFC 3161 time-stamp by /C=US/O=Test Time/CN=Test "
                      "TSA)", r.stdout)
        self.assertIn("Status now: good (OCSP http://", r.stdout)
        self.assertIn("Result: VALID", r.stdout)
        r = self.tverify(rx, plain)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("(claimed by the signer: no time-stamp)", r.stdout)
        # Another file, another TSA trusted, no root: refused.
        r = self.tverify(bad, stamped)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("Signature not valid", r.stderr)
        root, _ = self.ca_files()
        r = self.token("verify", rx, stamped, "--root", root, "--tsa-ca",
                       root)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("timestamp", r.stderr)
        r = self.token("verify", rx, stamped)
        self.assertEqual(r.returncode, 2, r.stdout)
        r = self.token("verify", rx, rx, "--root", root)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("Not a detached CMS SignedData", r.stderr)
        # A TSA that is not trusted, or not there: no signature written.
        out = os.path.join(self.tmp, "nots.p7s")
        r = self.sign(rx, out, "--tsa", self.tsa.url, "--tsa-ca", root)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("Time-stamp refused", r.stderr)
        r = self.sign(rx, out, "--tsa", "http://127.0.0.1:1/tsa")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertFalse(os.path.exists(out))
        # The certificate is revoked later (the server's clock 30 s on, so
        # the revocation is after the time-stamp): the time-stamped
        # signature stays valid, the plain one cannot be placed before it.
        self.srv.set_clock(30)
        self.revoke()
        r = self.tverify(rx, stamped)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Status at signing: good (the time-stamp predates "
                      "the revocation)", r.stdout)
        self.assertIn("Status now: revoked on ", r.stdout)
        self.assertIn("reason keyCompromise", r.stdout)
        self.assertIn("Result: VALID (signed before the certificate was "
                      "revoked)", r.stdout)
        r = self.tverify(rx, plain)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("Result: NOT VALID: the certificate is revoked and "
                      "the signature has no time-stamp", r.stdout)
        # Stock openssl (no revocation check) still accepts both.
        rc, _, err = self.stock_verify(stamped, rx)
        self.assertEqual(rc, 0, err)
        # Signed after the revocation: the TSA's time (its clock 120 s on)
        # is after it; without a time-stamp the claimed time is.
        self.tsa.offset = 120
        late = os.path.join(self.tmp, "late.p7s")
        r = self.sign_ts(rx, late)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.tverify(rx, late)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("Status at signing: revoked (the signature was made "
                      "after the certificate was revoked)", r.stdout)
        self.assertIn("Result: NOT VALID: signed after the certificate was "
                      "revoked", r.stdout)
        # The signer's clock 120 s on too (faketime; ASan tolerates the
        # preloaded library): a plain signature claiming a time after the
        # revocation.
        late2 = os.path.join(self.tmp, "late2.p7s")
        env = dict(self.tenv)
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") +
                               ":verify_asan_link_order=0").lstrip(":")
        r = subprocess.run(
            ["faketime", "-f", "+120s", self.bin, "sign", rx, "--out",
             late2, "--passcode-fd", "0"], input=NEW_PASSCODE + "\n",
            env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.tverify(rx, late2)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("Status at signing: revoked (the claimed signing time "
                      "is after the revocation)", r.stdout)


class CadesAgentTest(CadesCase):
    start_agent = test_token.AgentTest.start_agent
    call = test_token.AgentTest.call

    def test_agent_timestamps(self):
        self.ready()
        self.start_agent("--tsa", self.tsa.url, "--tsa-ca", self.tsa.ca)
        data = b"Rx: amoxicillin 500 mg, #30\n"
        st, _, js = self.call("POST", "/v1/sign", {
            "data": base64.b64encode(data).decode(),
            "passcode": NEW_PASSCODE})
        self.assertEqual(st, 200, js)
        self.assertEqual(self.tsa.requests, 1)
        rx = self.write("agent.txt", data.decode())
        sig = os.path.join(self.tmp, "agent.p7s")
        with open(sig, "wb") as f:
            f.write(base64.b64decode(js["signature"]))
        rc, _, err = self.stock_verify(sig, rx)
        self.assertEqual(rc, 0, err)
        r = self.tverify(rx, sig)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("CAdES-BES: yes", r.stdout)
        self.assertIn("RFC 3161 time-stamp", r.stdout)


class CadesMeasure(CadesCase):

    def test_measure(self):
        self.ready()
        rx = self.write("rx.txt", "Rx: oxycodone 5 mg, #20, no refills\n")
        for stamped in (False, True):
            signs, verifies = [], []
            for i in range(RUNS):
                out = os.path.join(self.tmp, "m%d.p7s" % i)
                start = time.monotonic()
                r = (self.sign_ts if stamped else self.sign)(rx, out)
                signs.append(time.monotonic() - start)
                self.assertEqual(r.returncode, 0, r.stderr)
                start = time.monotonic()
                r = self.tverify(rx, out)
                verifies.append(time.monotonic() - start)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            what = "with" if stamped else "without"
            print("\nMEASURE CAdES %s time-stamp, median of %d: sign %.3f s, "
                  "verify (with OCSP) %.3f s" % (
                      what, RUNS, statistics.median(signs),
                      statistics.median(verifies)))


if __name__ == "__main__":
    harness.main()
