#!/usr/bin/python3
"""Revocation that everyone hears about, checked with the stock openssl
command line as the relying party: OCSP (POST and GET) good -> revoked with
the reason, the CRL refuses the certificate and its number grows; unknown,
unauthorized and malformed requests; who may revoke; the audit log with
signed checkpoints, altered, deleted and truncated."""
import base64
import os
import re
import subprocess
import tempfile
import time
import urllib.parse

import harness
from harness import wait_until
from test_ca import CaCase, make_csr, openssl

DAY = 86400


class PkiCase(CaCase):
    operators = CaCase.operators + (("ray", "revoker"),)

    def setUp(self):
        super().setUp()
        self.rev = self.operator("ray", "revoker")
        self.d = tempfile.mkdtemp(dir=self.tmp)

    def issued(self):
        app = self.shipped()
        key, csr = make_csr(self.d, "k%d" % len(os.listdir(self.d)))
        st, _, js = self.retrieve(app, csr)
        self.assertEqual(st, 201, js)
        app["_cert"] = js
        app["_key"] = key
        self.leaf = self.write("leaf-%s.pem" % js["serial"],
                               js["certificate"])
        self.issuing = self.write("issuing.pem", js["chain"][0])
        self.root = self.write("root.pem", js["chain"][1])
        self.chain = self.write("chain.pem", js["chain"][0] + js["chain"][1])
        return app

    def ocsp_cli(self, cert=None, serial=None, issuer=None, extra=()):
        """`openssl ocsp` against the responder: (status word, stdout)."""
        args = ["ocsp", "-issuer", issuer or self.issuing,
                "-url", self.srv.base + "/ocsp", "-CAfile", self.chain,
                "-resp_text"] + list(extra)
        args += ["-cert", cert] if cert else ["-serial", serial]
        rc, out, err = openssl(*args)
        text = (out + err).decode()
        m = re.search(r"^\S+: (good|revoked|unknown)\s*$", text, re.M)
        return (m.group(1) if m else text), text

    def signed(self):
        """OCSP responses the server has signed since it started."""
        st, _, body = self.srv.http("GET", "/metrics")
        self.assertEqual(st, 200)
        text = body.decode() if isinstance(body, bytes) else body
        m = re.search(r"^rxca_ocsp_responses_signed_total (\d+)$", text,
                      re.M)
        self.assertIsNotNone(m, text)
        return int(m.group(1))

    def wait_ocsp(self, want, cert=None, timeout=10):
        def ok():
            st, text = self.ocsp_cli(cert or self.leaf)
            return text if st == want else None
        return wait_until(ok, timeout, 0.1, "OCSP to say %s" % want)

    def revoke(self, app, reason="keyCompromise", who=None, comment=None):
        body = {"reason": reason}
        if comment is not None:
            body["comment"] = comment
        return self.ops("POST", "/v1/ops/certificates/%s/revocation"
                        % app["_cert"]["serial"], body, who=who or self.rev)

    def crl(self):
        st, h, der = self.srv.http("GET", "/pki/issuing.crl")
        if st != 200:
            return None
        path = os.path.join(self.d, "crl.der")
        with open(path, "wb") as f:
            f.write(der)
        pem = os.path.join(self.d, "crl.pem")
        rc, _, err = openssl("crl", "-inform", "DER", "-in", path, "-out",
                             pem)
        self.assertEqual(rc, 0, err)
        rc, out, _ = openssl("crl", "-in", pem, "-noout", "-crlnumber")
        number = int(out.decode().strip().split("=")[1], 16)
        return pem, number, h


class OcspCrlTest(PkiCase):

    def test_good_then_revoked_everywhere(self):
        app = self.issued()
        text = self.wait_ocsp("good")
        self.assertIn("Response verify OK", text)
        self.assertIn("Next Update:", text)
        pem, n1, h = wait_until(self.crl, 20, 0.2, "a first CRL")
        self.assertEqual(h["content-type"], "application/pkix-crl")
        self.assertIn("etag", h)
        self.assertRegex(h["cache-control"], r"max-age=\d+")
        # The CRL verifies under the issuing CA.
        rc, out, err = openssl("crl", "-in", pem, "-noout", "-CAfile",
                               self.chain)
        self.assertEqual(rc, 0, out + err)
        rc, out, err = openssl("verify", "-crl_check", "-CAfile", self.root,
                               "-untrusted", self.issuing, "-CRLfile", pem,
                               self.leaf)
        self.assertEqual(rc, 0, out + err)
        # An unchanged CRL answers 304 to its ETag.
        st, _, _ = self.srv.http("GET", "/pki/issuing.crl",
                                 headers={"If-None-Match": h["etag"]})
        self.assertEqual(st, 304)

        st, _, js = self.revoke(app, comment="token reported lost")
        # Timed from the reply: the revocation itself is bounded by the
        # request timeout, and took up to 0.59 s on a loaded machine.
        t0 = time.monotonic()
        self.assertEqual(st, 200, js)
        self.assertEqual(js["status"], "revoked")
        text = self.wait_ocsp("revoked", timeout=5)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertIn("Reason: keyCompromise", text)
        self.assertIn("Revocation Time:", text)
        # Within a minute (here: the next job run) the CRL lists it.
        def newer():
            got = self.crl()
            return got if got and got[1] > n1 else None
        pem2, n2, _ = wait_until(newer, 60, 0.2, "a newer CRL")
        rc, out, err = openssl("verify", "-crl_check", "-CAfile", self.root,
                               "-untrusted", self.issuing, "-CRLfile", pem2,
                               self.leaf)
        self.assertNotEqual(rc, 0)
        self.assertIn("certificate revoked", (out + err).decode())
        rc, out, _ = openssl("crl", "-in", pem2, "-noout", "-text")
        self.assertIn(app["_cert"]["serial"].upper(), out.decode())
        self.assertIn("Key Compromise", out.decode())
        # The certificate shows it; the subject's challenge is refused.
        st, _, c = self.srv.http(
            "GET", "/v1/certificates/" + app["_cert"]["serial"],
            headers=self.bearer(app["session"]["token"]))
        self.assertEqual(c["status"], "revoked")

    def test_get_requests_and_caching_headers(self):
        self.issued()
        self.wait_ocsp("good")
        req = os.path.join(self.d, "req.der")
        rc, _, err = openssl("ocsp", "-issuer", self.issuing, "-cert",
                             self.leaf, "-no_nonce", "-reqout", req)
        self.assertEqual(rc, 0, err)
        with open(req, "rb") as f:
            b64 = base64.b64encode(f.read()).decode()
        for path in (b64, urllib.parse.quote(b64, safe="")):
            with self.subTest(path=path[:20]):
                st, h, der = self.srv.http("GET", "/ocsp/" + path)
                self.assertEqual(st, 200)
                self.assertEqual(h["content-type"],
                                 "application/ocsp-response")
                self.assertRegex(h["cache-control"],
                                 r"max-age=\d+, public, no-transform, "
                                 r"must-revalidate")
                self.assertIn("last-modified", h)
                self.assertIn("expires", h)
                resp = os.path.join(self.d, "resp.der")
                with open(resp, "wb") as f:
                    f.write(der)
                rc, out, err = openssl("ocsp", "-respin", resp, "-issuer",
                                       self.issuing, "-cert", self.leaf,
                                       "-CAfile", self.chain)
                self.assertEqual(rc, 0, err)
                self.assertIn(b": good", out)

    def test_unknown_unauthorized_malformed(self):
        self.issued()
        self.wait_ocsp("good")
        st, text = self.ocsp_cli(serial="0x7f112233445566778899aabbccddeeff")
        self.assertEqual(st, "unknown", text)
        # A certificate of another issuer: the root's own child.
        st, text = self.ocsp_cli(cert=self.issuing, issuer=self.root)
        self.assertIn("unauthorized", text)
        for body in (b"", b"\x30\x03\x02\x01", b"garbage" * 10,
                     b"\x30" + b"\x84\xff\xff\xff\xff"):
            with self.subTest(body=body[:8]):
                st, h, der = self.srv.http(
                    "POST", "/ocsp", raw=body,
                    headers={"Content-Type": "application/ocsp-request"})
                self.assertEqual(st, 200)
                resp = os.path.join(self.d, "bad.der")
                with open(resp, "wb") as f:
                    f.write(der)
                rc, out, err = openssl("ocsp", "-respin", resp,
                                       "-resp_text", "-noverify")
                self.assertIn("malformedrequest", (out + err).decode())
        st, h, der = self.srv.http("GET", "/ocsp/%%%")
        self.assertEqual(st, 200)
        # The server is unharmed.
        self.assertEqual(self.ocsp_cli(self.leaf)[0], "good")


class NodesTest(PkiCase):

    def test_a_new_node_answers_from_the_database(self):
        app = self.issued()
        self.wait_ocsp("good")
        st, _, js = self.revoke(app, "superseded")
        self.assertEqual(st, 200, js)
        self.wait_ocsp("revoked")
        # A node that just started has nothing in memory yet: its first
        # answers come from the database, never "unknown".
        env = dict(self.env)
        env["RXCA_TLS_LISTEN"] = "127.0.0.1:%d" % harness.free_port()
        other = self.start_server(db=self.db, env=env)
        rc, out, err = openssl(
            "ocsp", "-issuer", self.issuing, "-cert", self.leaf, "-url",
            other.base + "/ocsp", "-CAfile", self.chain, "-resp_text")
        text = (out + err).decode()
        self.assertRegex(text, r": revoked\s")
        self.assertIn("Reason: superseded", text)
        # The root's CRL, signed by the offline root key at ca init.
        st, h, der = other.http("GET", "/pki/root.crl")
        self.assertEqual(st, 200)
        path = os.path.join(self.d, "root.crl")
        with open(path, "wb") as f:
            f.write(der)
        rc, out, err = openssl("crl", "-inform", "DER", "-in", path,
                               "-noout", "-CAfile", self.root)
        self.assertIn(b"verify OK", out + err)
        # rxca-admin re-signs it with the next number.
        r = self.db.admin("ca", "root-crl", env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("number 2", r.stdout)


class WhoMayRevokeTest(PkiCase):

    def test_subject_revokes_own(self):
        app = self.issued()
        other = self.issued()
        hdr = self.bearer(app["session"]["token"])
        path = "/v1/certificates/%s/revocation"
        # Someone else's: 404 as if unknown, and nothing is signed for
        # it (OCSP answers used to be signed before the owner was known).
        harness.wait_until(lambda: self.db.scalar(
            "SELECT count(*) FROM jobs WHERE state NOT IN ('done', "
            "'dead') AND run_at <= now() AND kind LIKE 'ocsp.%'") == "0",
            10, 0.1, "OCSP jobs due to finish")
        signed = self.signed()
        for _ in range(3):
            self.assertProblem(self.srv.http(
                "POST", path % other["_cert"]["serial"],
                {"reason": "keyCompromise"}, headers=hdr), 404)
        self.assertEqual(self.signed(), signed)
        self.assertProblem(self.srv.http(
            "POST", path % app["_cert"]["serial"],
            {"reason": "affiliationChanged"}, headers=hdr), 422, "reason")
        self.assertProblem(self.srv.http(
            "POST", path % app["_cert"]["serial"],
            {"reason": "keyCompromise"}), 401)
        st, _, js = self.srv.http("POST", path % app["_cert"]["serial"],
                                  {"reason": "cessationOfOperation"},
                                  headers=hdr)
        self.assertEqual(st, 200, js)
        self.assertFalse(js["already_revoked"])
        self.wait_ocsp("revoked", cert=self.write(
            "a.pem", app["_cert"]["certificate"]))
        # Twice is harmless and the first reason stands...
        st, _, js = self.srv.http("POST", path % app["_cert"]["serial"],
                                  {"reason": "keyCompromise"}, headers=hdr)
        self.assertEqual(st, 200, js)
        self.assertTrue(js["already_revoked"])
        self.assertEqual(js["reason"], "cessationOfOperation")
        reason = self.db.scalar(
            "SELECT revocation_reason FROM certificates WHERE "
            "encode(serial, 'hex') = '%s'" % app["_cert"]["serial"])
        self.assertEqual(reason, "cessationOfOperation")
        # ...unless an operator raises it to keyCompromise.
        st, _, js = self.revoke(app, "keyCompromise")
        self.assertEqual(st, 200, js)
        reason = self.db.scalar(
            "SELECT revocation_reason FROM certificates WHERE "
            "encode(serial, 'hex') = '%s'" % app["_cert"]["serial"])
        self.assertEqual(reason, "keyCompromise")

    def test_roles(self):
        app = self.issued()
        rev = self.operator("rita", "reviewer")
        self.assertProblem(self.revoke(app, who=rev), 403)
        self.assertProblem(self.revoke(app, "certificateHold"), 422,
                           "reason")
        self.assertProblem(self.revoke(app, "nonsense"), 422, "reason")
        st, _, _ = self.ops("POST", "/v1/ops/certificates/%s/revocation"
                            % ("00" * 16), {"reason": "superseded"},
                            who=self.rev)
        self.assertEqual(st, 404)
        self.assertEqual(self.db.count("certificates",
                                       "state = 'revoked'"), 0)


class SignerRenewalTest(PkiCase):

    def test_ocsp_signer_is_renewed_before_it_expires(self):
        self.issued()
        self.wait_ocsp("good")
        old = self.db.scalar("SELECT encode(serial, 'hex') FROM "
                             "ca_certificates WHERE name = 'ocsp'")
        # 65 days on, the 90-day OCSP signer has less than 30 days left.
        offset = 65 * DAY
        self.srv.set_clock(offset)

        def renewed():
            s = self.db.scalar("SELECT encode(serial, 'hex') FROM "
                               "ca_certificates WHERE name = 'ocsp'")
            return s if s != old else None
        wait_until(renewed, 30, 0.2, "a new OCSP signer")
        self.assertEqual(self.db.count(
            "audit_log", "action = 'ca.ocsp_renewed'"), 1)
        key_ref = self.db.scalar("SELECT key_ref FROM ca_certificates "
                                 "WHERE name = 'ocsp'")
        self.assertRegex(key_ref, r"^file:ocsp-\d+\.key$")
        # The responses, due by then, are re-signed by the new signer and
        # verify at that time.
        at = str(int(time.time()) + offset)

        last = []

        def fresh():
            # openssl checks the response's times against the real clock
            # (a warning here), the signatures at -attime.
            _, text = self.ocsp_cli(self.leaf, extra=("-attime", at))
            last[:] = [text]
            return text if re.search(r"(^|: )good\s*$", text, re.M) and \
                "Response verify OK" in text and \
                "Status times invalid" in text else None
        try:
            text = wait_until(fresh, 30, 0.3, "a response by the new "
                              "signer")
        except AssertionError:
            raise AssertionError("last answer:\n%s" % last[0])
        self.assertIn("Response verify OK", text)


class AuditTest(PkiCase):

    def setUp(self):
        self.extra_env = {"RXCA_AUDIT_CHECKPOINT_INTERVAL": "1",
                          "RXCA_SWEEP_INTERVAL": "1"}
        super().setUp()

    def checkpointed_head(self):
        # Records commit unsequenced (id NULL) and the sequencer gives
        # them their place after the reply (a refusal's, say): the head
        # is the last record once none is waiting.
        wait_until(lambda: self.db.count("audit_log", "id IS NULL") == 0,
                   20, 0.1, "every audit record sequenced")
        head = int(self.db.scalar("SELECT max(id) FROM audit_log"))

        def cp():
            v = self.db.scalar("SELECT max(audit_id) FROM "
                               "audit_checkpoints")
            return v if v and int(v) >= head else None
        return int(wait_until(cp, 20, 0.2, "a checkpoint of the head"))

    def test_audit_routes_and_tampering(self):
        self.issued()
        aud = self.operator("alice", "auditor")
        st, _, js = self.ops("GET", "/v1/ops/audit?limit=5", who=aud)
        self.assertEqual(st, 200, js)
        self.assertEqual(len(js["items"]), 5)
        st, _, js2 = self.ops("GET", "/v1/ops/audit?after=%d"
                              % js["next_after"], who=aud)
        self.assertEqual(js2["items"][0]["id"], js["next_after"] + 1)
        self.assertProblem(self.ops("GET", "/v1/ops/audit", who=self.ful),
                           403)
        head = self.checkpointed_head()
        st, _, v = self.ops("GET", "/v1/ops/audit/verify", who=aud)
        self.assertEqual(st, 200, v)
        self.assertTrue(v["intact"], v)
        self.assertGreaterEqual(v["checkpoints"], 1)
        r = self.db.admin("audit", "verify")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("checkpoints intact", r.stdout)
        self.srv.stop()
        # Truncating the tail: the chain left is intact, the checkpoint of
        # the old head is not.
        self.db.query("DELETE FROM audit_log WHERE id = %d" % head)
        r = self.db.admin("audit", "verify")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("checkpoint", r.stdout)
        # Altering a row in the middle: named.
        self.db.query("UPDATE audit_log SET actor = 'mallory' WHERE id = 3")
        r = self.db.admin("audit", "verify")
        self.assertEqual(r.returncode, 1)
        self.assertIn("broken at record 3", r.stdout)
        # Deleting one: named (the row after the gap).
        self.db.query("DELETE FROM audit_log WHERE id = 2")
        r = self.db.admin("audit", "verify")
        self.assertEqual(r.returncode, 1)
        self.assertIn("broken at record", r.stdout)


if __name__ == "__main__":
    harness.main()
