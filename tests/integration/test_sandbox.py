#!/usr/bin/python3
"""The sandbox (issue 16, item 7), first stage: a partner's sandbox is a
partner of its own (partners.sandbox_of) with its own program code and
"rxp_test_..." keys, made by an administrator through the ops API or
rxca-admin; a sandbox key sees only the sandbox's applications, events and
invitations, a live key never sees them (404 both ways, as an unknown id);
a key is refused when its prefix does not say its world; an application
of the sandbox program is marked in the database (applications.sandbox),
is proofed by the reference providers of RXCA_SANDBOX_IDV_URL and
RXCA_SANDBOX_AVS_URL whatever production uses, is never charged, and the
production CA never certifies it (503 sandbox-ca-unavailable, nothing
recorded).  Second stage: the sandbox's test CA (`rxca-admin ca init
--sandbox`) certifies sandbox applications through the same issuance,
its certificates chain to a root no production relying party trusts,
carry no production policy, answer on their own OCSP responder and CRL,
and are never EPCS-eligible (reason "sandbox")."""
import os
import re

import harness
from harness import wait_until
from test_ca import make_csr, openssl
from test_partners import PartnerCase
from test_payments import PaymentCase
from test_proofing import ADA, person
from test_renewal import RenewalCase


class SandboxCase(PartnerCase):
    """Production and the sandbox both proofed by the test's reference
    provider."""

    @property
    def extra_env(self):
        env = dict(PartnerCase.extra_env)
        env.update({"RXCA_SANDBOX_IDV_URL": self.prov.url,
                    "RXCA_SANDBOX_AVS_URL": self.prov.url,
                    "RXCA_SANDBOX_IDV_API_KEY": self.prov.api_key or "",
                    "RXCA_SANDBOX_AVS_API_KEY": self.prov.api_key or ""})
        return env

    def sandbox(self, live, body=None, status=201):
        st, _, sb = self.ops("POST", "/v1/ops/partners/%s/sandbox"
                             % live["id"], body, who=self.adm)
        self.assertEqual(st, status, sb)
        st, _, k = self.ops("POST", "/v1/ops/partners/%s/keys" % sb["id"],
                            who=self.adm)
        self.assertEqual(st, 201, k)
        self.assertTrue(k["api_key"].startswith(
            "rxp_test_" + k["key_id"] + "_"), k)
        self.assertEqual(len(k["api_key"]), 77)
        sb["key"] = k["api_key"]
        sb["key_id"] = k["key_id"]
        # Closed like any new program; these tests apply naming it.
        st, _, pr = self.p(sb, "PUT", "/v1/partner/program", {"open": True})
        self.assertEqual((st, pr.get("open")), (200, True), pr)
        return sb

    def refusals(self, reason):
        return int(self.db.scalar(
            "SELECT count(*) FROM audit_log WHERE action = "
            "'partner.refused' AND details::jsonb->>'reason' = '%s'"
            % reason))


class SandboxTest(SandboxCase):

    def test_keys_and_two_worlds(self):
        a = self.a
        sb = self.sandbox(a)
        self.assertEqual((sb["program"], sb["sandbox_of"], sb["key_prefix"]),
                         ("acme-sandbox", a["id"], "rxp_test_"))
        self.assertEqual(sb["name"], "Acme EHR (sandbox)")
        # Asked again: the same sandbox, 200.
        st, _, again = self.ops("POST", "/v1/ops/partners/%s/sandbox"
                                % a["id"], who=self.adm)
        self.assertEqual((st, again["id"]), (200, sb["id"]), again)
        st, _, seen = self.ops("GET", "/v1/ops/partners/%s/sandbox"
                               % a["id"], who=self.adm)
        self.assertEqual(st, 200, seen)
        self.assertEqual([(k["id"], k["state"]) for k in seen["keys"]],
                         [(sb["key_id"], "active")])
        self.assertEqual(self.db.scalar(
            "SELECT count(*) FROM audit_log WHERE action = "
            "'partner.sandbox_created' AND subject = '%s'" % sb["id"]), "1")
        st, _, js = self.ops("GET", "/v1/ops/partners", who=self.adm)
        self.assertEqual(st, 200, js)
        self.assertEqual({i["id"]: i["sandbox_of"] for i in js["items"]},
                         {a["id"]: None, self.b["id"]: None,
                          sb["id"]: a["id"]})
        # Only an administrator; bad input changes nothing.
        rev = self.operator("rita", "reviewer")
        for method in ("POST", "GET"):
            self.assertProblem(self.ops(method, "/v1/ops/partners/%s/sandbox"
                                        % a["id"], who=rev), 403)
        self.assertProblem(self.ops("GET", "/v1/ops/partners/%s/sandbox"
                                    % self.b["id"], who=self.adm), 404)
        bad = ((self.b["id"], {"program": "Bolt Test"}, 422, "program"),
               (self.b["id"], {"program": 7}, 422, "program"),
               (self.b["id"], {"programme": "x"}, 422, "programme"),
               (self.b["id"], {"program": "acme"}, 409, None),
               (sb["id"], None, 409, None),
               ("prt_nosuch", None, 404, None))
        for pid, body, status, field in bad:
            self.assertProblem(self.ops("POST", "/v1/ops/partners/%s/sandbox"
                                        % pid, body, who=self.adm),
                               status, field)
        # A live code near the limit (64) has no default sandbox code:
        # "<program>-sandbox" is refused naming program, never cut, and
        # nothing is made; the operator names a code instead.
        long = self.partner("Long EHR", "long-" + "x" * 55)
        path = "/v1/ops/partners/%s/sandbox" % long["id"]
        st, _, js = self.ops("POST", path, who=self.adm)
        self.assertProblem((st, _, js), 422, "program")
        self.assertIn("the default long-%s-sandbox would be 68 characters, "
                      "more than 64; give a shorter code" % ("x" * 55),
                      js["errors"][0]["message"])
        r = self.db.admin("partner", "sandbox", long["id"], env=self.env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("(program: required here", r.stderr)
        self.assertEqual(self.db.scalar(
            "SELECT count(*) FROM partners WHERE sandbox_of IS NOT NULL"),
            "1")
        self.assertEqual(self.ops("POST", path, {"program": "long-test"},
                                  who=self.adm)[0], 201)
        # A code an application names already is not a sandbox's: that
        # application would otherwise be seen through a sandbox key.
        self.apply(self.srv, person(*ADA, program="bolt-test"))
        self.assertProblem(self.ops("POST", "/v1/ops/partners/%s/sandbox"
                                    % self.b["id"], {"program": "bolt-test"},
                                    who=self.adm), 409)
        self.assertEqual(self.db.scalar(
            "SELECT count(*) FROM partners WHERE sandbox_of IS NOT NULL"),
            "2")
        # rxca-admin: b's sandbox (its default code), and a test key.
        r = self.db.admin("partner", "sandbox", self.b["id"], env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        bsb, bcode = r.stdout.split()
        self.assertEqual(bcode, "bolt-sandbox")
        r = self.db.admin("partner", "key", bsb, env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("rxp_test_"), r.stdout)
        r = self.db.admin("partner", "sandbox", bsb, env=self.env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("is a sandbox", r.stderr)
        # The prefix says the world: a key with the other one is refused.
        self.assertProblem(self.p(a, "GET", "/v1/partner/program",
                                  key="rxp_test_" + a["key"][4:]), 401)
        self.assertProblem(self.p(sb, "GET", "/v1/partner/program",
                                  key="rxp_" + sb["key"][9:]), 401)
        self.assertEqual(self.refusals("wrong-kind"), 2)
        st, _, js = self.p(sb, "GET", "/v1/partner/program")
        self.assertEqual((st, js["program"]), (200, "acme-sandbox"), js)
        # One application in each world, marked in the database.
        live = self.apply(self.srv, person(*ADA, program="acme"))
        test = self.apply(self.srv, person(*ADA, program="acme-sandbox"))
        self.assertEqual(self.db.scalar(
            "SELECT string_agg(id || '=' || sandbox::text, ',' ORDER BY "
            "sandbox) FROM applications WHERE id IN ('%s', '%s')"
            % (live["id"], test["id"])),
            "%s=false,%s=true" % (live["id"], test["id"]))
        # Each key sees its own world; the other's ids are unknown.
        for who, mine, other in ((a, live, test), (sb, test, live)):
            st, _, js = self.p(who, "GET", "/v1/partner/applications")
            self.assertEqual([i["id"] for i in js["items"]], [mine["id"]])
            st, _, js = self.p(who, "GET", "/v1/partner/applications/%s"
                               % mine["id"])
            self.assertEqual(st, 200, js)
            self.assertProblem(self.p(who, "GET",
                                      "/v1/partner/applications/%s"
                                      % other["id"]), 404)

            def events():
                st, _, js = self.p(who, "GET", "/v1/partner/events")
                self.assertEqual(st, 200, js)
                return js["items"] or None
            ids = {e["event"]["data"].get("application_id")
                   for e in harness.wait_until(events, 20, 0.1, "events")}
            self.assertEqual(ids, {mine["id"]})
        # Invitations too: the sandbox's are its own.
        st, _, inv = self.p(sb, "POST", "/v1/partner/invitations",
                            {"email": harness.unique_email("sbx")})
        self.assertEqual(st, 202, inv)
        self.assertProblem(self.p(a, "GET", "/v1/partner/invitations/%s"
                                  % inv["id"]), 404)
        st, _, js = self.p(sb, "GET", "/v1/partner/invitations/%s"
                           % inv["id"])
        self.assertEqual(st, 200, js)

    def test_production_ca_never_certifies_a_sandbox_application(self):
        self.sandbox(self.a)
        app = self.shipped(ADA, self.person(ADA, program="acme-sandbox"))
        self.assertEqual(self.db.scalar(
            "SELECT sandbox FROM applications WHERE id = '%s'" % app["id"]),
            "t")
        _, csr = make_csr(self.d, "k%d" % len(os.listdir(self.d)))
        resp = self.retrieve(app, csr)
        self.assertProblem(resp, 503)
        self.assertTrue(resp[2]["type"].endswith("/sandbox-ca-unavailable"),
                        resp[2])
        self.assertEqual(self.db.scalar(
            "SELECT count(*) FROM certificates WHERE application_id = '%s'"
            % app["id"]), "0")
        # A live application of the same partner is certified as before.
        live = self.issued_for("acme")
        self.assertEqual(live["_cert"]["serial"], self.db.scalar(
            "SELECT encode(serial, 'hex') FROM certificates WHERE "
            "application_id = '%s'" % live["id"]))


class SandboxCaTest(SandboxCase):
    """The sandbox's test CA, made by `rxca-admin ca init --sandbox`.
    Certificates of 30 days: renewable at once (window 90 days)."""

    @property
    def extra_env(self):
        env = dict(SandboxCase.extra_env.fget(self))
        env["RXCA_CERT_VALIDITY_DAYS"] = "30"
        return env

    def setUp(self):
        super().setUp()
        r = self.db.admin("ca", "init", "--sandbox", env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertIn("sandbox-issuing", r.stdout)

    def pem_of(self, path_url, name):
        st, _, der = self.srv.http("GET", path_url)
        self.assertEqual(st, 200, der)
        d = self.write(name + ".der", "")
        with open(d, "wb") as f:
            f.write(der)
        pem = os.path.join(self.tmp, name + ".pem")
        rc, _, err = openssl("x509", "-inform", "DER", "-in", d, "-out", pem)
        self.assertEqual(rc, 0, err)
        return pem

    def ocsp(self, path, leaf, issuer, ca):
        rc, out, err = openssl("ocsp", "-issuer", issuer, "-cert", leaf,
                               "-url", self.srv.base + path, "-CAfile", ca,
                               "-resp_text")
        text = (out + err).decode()
        m = re.search(r"^\S+: (good|revoked|unknown)\s*$", text, re.M)
        return m.group(1) if m else text

    def test_test_ca_certifies_sandbox_applications_only(self):
        # Made once: again is refused, and production's is untouched.
        r = self.db.admin("ca", "init", "--sandbox", env=self.env)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("already initialised", r.stderr)
        sb = self.sandbox(self.a)
        app = self.issued_for("acme-sandbox")
        js, leaf = app["_cert"], app["_pem"]
        issuing = self.write("sbx-issuing.pem", js["chain"][0])
        root = self.write("sbx-root.pem", js["chain"][1])
        chain = self.write("sbx-chain.pem", js["chain"][0] + js["chain"][1])
        # What relying parties download: the chain's own certificates.
        for url, pem in (("/sandbox/pki/root.cer", root),
                         ("/sandbox/pki/issuing.cer", issuing)):
            got = self.pem_of(url, url.replace("/", "_"))
            with open(got) as f, open(pem) as g:
                self.assertEqual(f.read().strip(), g.read().strip())
        prod_root = self.pem_of("/pki/root.cer", "prod-root")
        # Trusted with the test root only, never with production's.
        rc, out, err = openssl("verify", "-CAfile", prod_root, "-untrusted",
                               issuing, leaf)
        self.assertNotEqual(rc, 0, out + err)
        rc, out, err = openssl("verify", "-x509_strict", "-CAfile", root,
                               "-untrusted", issuing, leaf)
        self.assertEqual(rc, 0, out + err)
        # It says TEST, and asserts the test policy, none of production's.
        rc, out, err = openssl("x509", "-in", leaf, "-noout", "-text",
                               "-nameopt", "utf8,sep_comma_plus")
        text = out.decode()
        self.assertRegex(text, r"Issuer: .*O=TEST \u2014 not for prescribing,"
                         r"CN=rxca Sandbox Issuing CA")
        self.assertRegex(text, r"Subject: .*O=TEST \u2014 not for prescribing,"
                         r"CN=Ada Lovelace")
        self.assertIn("2.999.16.7", text)
        self.assertNotIn("1.3.6.1.4.1.59999.1.2", text)
        self.assertIn(self.srv.base + "/sandbox/ocsp", text)
        self.assertIn(self.srv.base + "/sandbox/pki/issuing.crl", text)
        for pem in (issuing, root):
            rc, out, _ = openssl("x509", "-in", pem, "-noout", "-text",
                                 "-nameopt", "utf8,sep_comma_plus")
            self.assertIn("O=TEST \u2014 not for prescribing", out.decode())
            self.assertNotIn("1.3.6.1.4.1.59999.1.2", out.decode())
        # Recorded by the same issuance: the row, its evidence, audited.
        serial = js["serial"]
        self.assertEqual(self.db.scalar(
            "SELECT issuer || ',' || state || ',' || key_evidence FROM "
            "certificates WHERE encode(serial, 'hex') = '%s'" % serial),
            "sandbox-issuing,issued,client-asserted")
        self.assertEqual(self.db.audits("action", "subject = '%s'" % serial),
                         [["certificate.recorded"], ["certificate.issued"]])
        # Never EPCS-eligible; the live world never sees it.
        st, _, c = self.p(sb, "GET", "/v1/partner/certificates/%s" % serial)
        self.assertEqual(st, 200, c)
        self.assertEqual((c["epcs_eligible"], c["reasons"]),
                         (False, ["sandbox"]), c)
        self.assertProblem(self.p(self.a, "GET",
                                  "/v1/partner/certificates/%s" % serial),
                           404)
        (st, _, v), _ = self.cred_verify(sb, app)
        self.assertEqual(st, 200, v)
        self.assertEqual((v["valid"], v["epcs_eligible"], v["reasons"]),
                         (True, False, ["sandbox"]), v)
        # A live key checks against production's CA: not an rxca one.
        resp = self.cred_verify(self.a, app)[0]
        self.assertProblem(resp, 422)
        self.assertTrue(resp[2]["type"].endswith("/untrusted-certificate"))
        # Its own OCSP responder: good; production's refuses its issuer.
        self.assertEqual(self.ocsp("/sandbox/ocsp", leaf, issuing, chain),
                         "good")
        self.assertNotIn(self.ocsp("/ocsp", leaf, issuing, chain),
                         ("good", "revoked"))
        # Revoked: its responder and CRL say so; production's CRL not.
        # The responder's memory follows the change feed (NOTIFY
        # rxca_ocsp, then a read), within moments, as in the live world
        # (test_revocation).
        st, _, rv = self.revoke(app)
        self.assertEqual(st, 200, rv)
        harness.wait_until(
            lambda: self.ocsp("/sandbox/ocsp", leaf, issuing, chain) ==
            "revoked", 5, 0.05, "the sandbox responder to say revoked")

        def crl_lists():
            st, _, der = self.srv.http("GET", "/sandbox/pki/issuing.crl")
            if st != 200:
                return None
            d = self.write("sbx.crl", "")
            with open(d, "wb") as f:
                f.write(der)
            rc, out, err = openssl("crl", "-inform", "DER", "-in", d,
                                   "-noout", "-text", "-CAfile", issuing)
            self.assertEqual(rc, 0, err)
            text = (out + err).decode()
            return text if serial.upper() in text else None
        self.assertIn("verify OK", wait_until(crl_lists, 20, 0.2,
                                              "the sandbox's CRL"))
        st, _, der = self.srv.http("GET", "/pki/issuing.crl")
        if st == 200:
            d = self.write("prod.crl", "")
            with open(d, "wb") as f:
                f.write(der)
            rc, out, _ = openssl("crl", "-inform", "DER", "-in", d,
                                 "-noout", "-text")
            self.assertNotIn(serial.upper(), out.decode())

    def test_renewal_is_the_test_cas(self):
        # A sandbox certificate is renewed by the test CA that signed it
        # (it was refused with 503 sandbox-ca-unavailable: the renewal
        # took production's CA, which never certifies a sandbox
        # application), and the old one is revoked by its own responder.
        self.sandbox(self.a)
        app = self.issued_for("acme-sandbox")
        js = app["_cert"]
        issuing = self.write("sbx-issuing.pem", js["chain"][0])
        root = self.write("sbx-root.pem", js["chain"][1])
        chain = self.write("sbx-chain.pem", js["chain"][0] + js["chain"][1])
        st, _, tok = self.login(self.srv, app["_password"], app_id=app["id"])
        self.assertEqual(st, 201, tok)
        _, csr = make_csr(self.d, "renewed")
        st, _, new = self.srv.http(
            "POST", "/v1/certificates/%s/renewal" % js["serial"],
            {"csr": csr, "signature": RenewalCase.sign_csr(
                self, app["_key"], csr),
             "key_evidence": harness.client_asserted(),
             "revoke_old": True},
            headers=self.bearer(tok["token"]))
        self.assertEqual(st, 201, new)
        self.assertEqual((new["renews"], new["old_revoked"]),
                         (js["serial"], True), new)
        self.assertEqual(new["chain"], js["chain"])
        leaf = self.write("renewed.pem", new["certificate"])
        rc, out, err = openssl("verify", "-x509_strict", "-CAfile", root,
                               "-untrusted", issuing, leaf)
        self.assertEqual(rc, 0, out + err)
        prod_root = self.pem_of("/pki/root.cer", "prod-root")
        rc, out, err = openssl("verify", "-CAfile", prod_root, "-untrusted",
                               issuing, leaf)
        self.assertNotEqual(rc, 0, out + err)
        # Both in the same second: by serial, not in issuance order.
        self.assertEqual(sorted(self.db.query(
            "SELECT encode(serial, 'hex'), issuer, state FROM certificates "
            "WHERE application_id = '%s'" % app["id"])),
            sorted([[js["serial"], "sandbox-issuing", "revoked"],
                    [new["serial"], "sandbox-issuing", "issued"]]))
        self.assertEqual(self.ocsp("/sandbox/ocsp", leaf, issuing, chain),
                         "good")
        self.assertEqual(self.ocsp("/sandbox/ocsp", app["_pem"], issuing,
                                   chain), "revoked")

    def test_live_application_is_not_the_test_cas(self):
        live = self.issued_for("acme")
        self.assertEqual(self.db.scalar(
            "SELECT issuer FROM certificates WHERE encode(serial, 'hex') = "
            "'%s'" % live["_cert"]["serial"]), "issuing")
        rc, out, _ = openssl("x509", "-in", live["_pem"], "-noout", "-text")
        self.assertNotIn("TEST", out.decode())


class SandboxProofingTest(SandboxCase):
    """Production has no identity providers (every application to
    review); the sandbox has the reference ones."""

    @property
    def extra_env(self):
        return dict(SandboxCase.extra_env.fget(self), RXCA_IDV_URL="",
                    RXCA_AVS_URL="")

    def test_reference_providers_whatever_production_uses(self):
        self.sandbox(self.a)
        test = self.approved(ADA, person(*ADA, program="acme-sandbox"))
        live = self.apply(self.srv, self.person(ADA, program="acme"))
        live["_code"] = self.code_for(self.srv, live["_email"])
        self.verify(self.srv, live["id"], live["_code"])

        def reviewed():
            return self.db.scalar(
                "SELECT status FROM applications WHERE id = '%s'"
                % live["id"]) == "review" or None
        harness.wait_until(reviewed, 30, 0.1, "live application in review")
        self.assertEqual(self.db.scalar(
            "SELECT string_agg(provider || ':' || outcome, ',' ORDER BY "
            "provider) FROM identity_checks WHERE application_id = '%s'"
            % test["id"]), "avs:match,idv:pass")
        self.assertEqual(self.db.scalar(
            "SELECT count(*) FROM identity_checks WHERE application_id = "
            "'%s' AND outcome <> 'error'" % live["id"]), "0")


class SandboxPaymentTest(PaymentCase):

    def test_sandbox_application_is_never_charged(self):
        srv = self.server(RXCA_SANDBOX_IDV_URL=self.idp.url,
                          RXCA_SANDBOX_AVS_URL=self.idp.url,
                          RXCA_SANDBOX_IDV_API_KEY=self.idp.api_key or "",
                          RXCA_SANDBOX_AVS_API_KEY=self.idp.api_key or "")
        admin = srv.db.admin
        r = admin("partner", "add", "Acme EHR", "acme")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = admin("partner", "sandbox", r.stdout.strip())
        self.assertEqual(r.returncode, 0, r.stderr)
        sid = r.stdout.split()[0]
        r = admin("partner", "key", sid)
        self.assertEqual(r.returncode, 0, r.stderr)
        st, _, js = srv.http("PUT", "/v1/partner/program", {"open": True},
                             headers=self.bearer(r.stdout.strip()))
        self.assertEqual(st, 200, js)
        test = self.verified(srv, person(*ADA, program="acme-sandbox"))
        wait_until(lambda: self.status_of(srv, test["id"]) == "approved",
                   30, 0.2, "the sandbox application approved")
        self.assertIsNone(self.payment(srv, test["id"]))
        self.assertEqual(self.pay.stats()["authorise"], 0)
        # Production's applications are charged as before.
        live = self.verified(srv, person(*ADA))
        self.assertIsNotNone(self.payment(srv, live["id"]))
        self.assertEqual(self.pay.stats()["authorise"], 1)


if __name__ == "__main__":
    harness.main()
