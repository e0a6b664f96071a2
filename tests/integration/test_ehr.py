#!/usr/bin/python3
"""The EHR's side of EPCS (issue 16 items 1 to 3), end to end: credential
eligibility with its reasons (hardware EPCS valid, software product,
revoked, expired, missing DEA, key evidence below the product's
requirement); an idempotent verify; an NPI shared by two prescribers;
practices, credential links and two-person approval (first link
approved, the next pending, approved by an approved colleague; refused
for self-approval, an approver of another practice, a revoked approver,
a stale and a replayed signature, an expired approver; the approval record checked again here
with `cryptography`); renewal re-linking (links follow, approved per the
practice's setting, credential.renewed, superseded_by)."""
import base64
import json
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

import harness
from test_ca import make_csr
from test_partners import PartnerCase
from test_renewal import at_days_left
import test_token
from test_token import NEW_PASSCODE, TokenCase


class EhrCase(PartnerCase):
    extra_env = dict(PartnerCase.extra_env,
                     RXCA_PARTNER_CHALLENGE_WINDOW="300")

    def issue(self, program="acme", body=None, evidence=True):
        """An issued certificate of Ada or, after the first, of one of her
        twins (another person: an NPI and a DEA number of their own)."""
        app = self.shipped(body=body or self.person(program=program))
        key, csr = make_csr(self.d, "e%d" % time.monotonic_ns())
        st, _, js = self.retrieve(app, csr, evidence=evidence)
        self.assertEqual(st, 201, js)
        app["_cert"] = js
        app["_key"] = key
        return app

    def serial(self, app):
        return app["_cert"]["serial"]

    def view(self, app, who=None):
        st, _, js = self.p(who or self.a, "GET", "/v1/partner/certificates/%s"
                           % self.serial(app))
        self.assertEqual(st, 200, js)
        return js

    def practice(self, pid, renewal=None, who=None):
        body = {"name": "Practice %s" % pid}
        if renewal:
            body["renewal"] = renewal
        st, _, js = self.p(who or self.a, "PUT",
                           "/v1/partner/practices/%s" % pid, body)
        self.assertIn(st, (200, 201), js)
        return js

    def challenge_for(self, pid, **body):
        return self.p(self.a, "POST",
                      "/v1/partner/practices/%s/challenges" % pid, body)

    def link(self, pid, app, user):
        st, _, ch = self.challenge_for(pid, purpose="link", user=user,
                                       serial=self.serial(app))
        self.assertEqual(st, 201, ch)
        self.assertIn("practice=%s" % pid, ch["challenge"])
        self.assertIn("serial=%s" % self.serial(app), ch["challenge"])
        self.assertIn("user=%s" % user, ch["challenge"])
        r = self.p(self.a, "POST", "/v1/partner/practices/%s/links" % pid,
                   {"challenge": ch["challenge"],
                    "signature": self.sign(app["_key"], ch["challenge"])})
        return r

    def approval_challenge(self, pid, approver, approved):
        st, _, ch = self.challenge_for(pid, purpose="approve",
                                       serial=self.serial(approved),
                                       approver_serial=self.serial(approver))
        self.assertEqual(st, 201, ch)
        return ch["challenge"]

    def approve(self, pid, link, approver, approved, challenge=None,
                key=None):
        chal = challenge or self.approval_challenge(pid, approver, approved)
        return self.p(self.a, "POST",
                      "/v1/partner/practices/%s/links/%s/approval"
                      % (pid, link["id"]),
                      {"challenge": chal,
                       "signature": self.sign(key or approver["_key"],
                                              chal)})

    def events(self, kind):
        st, _, js = self.p(self.a, "GET", "/v1/partner/events?limit=200")
        self.assertEqual(st, 200, js)
        return [e["event"] for e in js["items"] if e["type"] == kind]


def check_signature(pem, statement, signature):
    """Raises unless signature (base64) is the key of certificate pem's
    ECDSA-SHA256 signature over statement."""
    cert = x509.load_pem_x509_certificate(pem.encode())
    cert.public_key().verify(base64.b64decode(signature), statement.encode(),
                             ec.ECDSA(hashes.SHA256()))


class EligibilityTest(EhrCase):

    def test_eligibility_and_idempotent_verify(self):
        ada = self.issue()
        resp, chal = self.cred_verify(self.a, ada)
        st, _, first = resp
        self.assertEqual(st, 200, first)
        self.assertEqual((first["product"], first["assurance"],
                          first["epcs_eligible"], first["reasons"],
                          first["retried"], first["npi_shared"],
                          first["superseded_by"]),
                         ("epcs-hardware", "hardware", True, [], False,
                          False, None))
        # The same challenge and signature again: the same answer.
        body = {"certificate": ada["_cert"]["certificate"]}
        chal3 = self.challenge()
        sig = self.sign(ada["_key"], chal3)
        req = dict(body, challenge=chal3, signature=sig)
        st, _, one = self.p(self.a, "POST", "/v1/partner/credentials/verify",
                            req)
        self.assertEqual((st, one["retried"]), (200, False), one)
        st, _, two = self.p(self.a, "POST", "/v1/partner/credentials/verify",
                            req)
        self.assertEqual((st, two["retried"]), (200, True), two)
        one.pop("retried")
        two.pop("retried")
        self.assertEqual(one, two)
        # Only another signature on a used challenge is a replay.
        st, _, js = self.p(self.a, "POST", "/v1/partner/credentials/verify",
                           dict(req, signature=self.sign(ada["_key"],
                                                         chal3)))
        self.assertEqual(st, 409, js)
        # A retry past the window is stale, not an answer.
        self.srv.set_clock(400)
        resp = self.p(self.a, "POST", "/v1/partner/credentials/verify", req)
        self.assertProblem(resp, 422, "challenge")
        self.srv.set_clock(0)

        # The certificate view carries the same eligibility.
        v = self.view(ada)
        self.assertEqual((v["epcs_eligible"], v["reasons"]), (True, []))
        # Missing DEA.
        self.db.scalar("UPDATE applications SET dea_number = NULL WHERE "
                       "id = '%s'" % ada["id"])
        v = self.view(ada)
        self.assertEqual((v["epcs_eligible"], v["reasons"]),
                         (False, ["dea-missing"]))
        resp, _ = self.cred_verify(self.a, ada)
        self.assertEqual(resp[0], 200, resp[2])
        self.assertEqual((resp[2]["valid"], resp[2]["epcs_eligible"],
                          resp[2]["reasons"]), (True, False, ["dea-missing"]))
        self.db.scalar("UPDATE applications SET dea_number = 'AL1234563' "
                       "WHERE id = '%s'" % ada["id"])
        # Key evidence below the product's requirement (strict mode).
        self.db.scalar("UPDATE products SET key_evidence = 'attested' "
                       "WHERE code = 'epcs-hardware'")
        v = self.view(ada)
        self.assertEqual((v["epcs_eligible"], v["reasons"],
                          v["key_evidence"]["kind"],
                          v["key_evidence_required"]),
                         (False, ["key-evidence-insufficient"],
                          "client-asserted", "attested"))
        self.db.scalar("UPDATE products SET key_evidence = "
                       "'client-asserted' WHERE code = 'epcs-hardware'")
        self.assertTrue(self.view(ada)["epcs_eligible"])

        # The software product passes as valid but is not EPCS-eligible.
        body = self.person(program="acme", product="identity-software",
                           storage="software")
        body["applicant"]["dea_number"] = None
        sw = self.issue(body=body, evidence=None)
        resp, _ = self.cred_verify(self.a, sw)
        st, _, js = resp
        self.assertEqual(st, 200, js)
        self.assertEqual((js["valid"], js["product"], js["assurance"],
                          js["epcs_eligible"], js["reasons"]),
                         (True, "identity-software", "software", False,
                          ["software-product", "dea-missing"]))

        # An NPI shared by two prescribers (a twin: another date of
        # birth): warned, flagged.
        alan = self.issue()
        self.db.scalar("UPDATE applications SET npi = (SELECT npi FROM "
                       "applications WHERE id = '%s') WHERE id = '%s'"
                       % (ada["id"], alan["id"]))
        resp, _ = self.cred_verify(self.a, alan)
        self.assertEqual(resp[0], 200, resp[2])
        self.assertEqual((resp[2]["npi_shared"], resp[2]["warnings"]),
                         (True, ["npi_shared"]))
        self.assertEqual(self.db.count(
            "applications", "npi_shared_at IS NOT NULL AND id IN "
            "('%s', '%s')" % (ada["id"], alan["id"])), 2)
        self.assertEqual(self.db.count(
            "audit_log", "action = 'credential.npi_shared'"), 1)
        # Ada herself, again: the other prescriber is still there.
        resp, _ = self.cred_verify(self.a, ada)
        self.assertTrue(resp[2]["npi_shared"])
        self.assertEqual(self.db.count(
            "applications", "npi_shared_at IS NOT NULL AND id = '%s'"
            % sw["id"]), 0)

        # Revoked: the problem carries the reasons, as does the view.
        st, _, js = self.revoke(ada)
        self.assertEqual(st, 200, js)
        resp, _ = self.cred_verify(self.a, ada)
        body = self.assertProblem(resp, 422)
        self.assertTrue(body["type"].endswith("certificate-revoked"))
        self.assertEqual((body["epcs_eligible"], body["reasons"]),
                         (False, ["revoked"]))
        self.assertEqual(self.view(ada)["reasons"], ["revoked"])
        # Another partner sees none of it.
        st, _, _ = self.p(self.b, "GET", "/v1/partner/certificates/%s"
                          % self.serial(alan))
        self.assertEqual(st, 404)
        # Expired: the clock past notAfter.
        self.srv.set_clock(3 * 365 * 86400)
        v = self.view(alan)
        self.assertEqual((v["epcs_eligible"], v["reasons"]),
                         (False, ["expired"]))


class ApprovalTest(EhrCase):

    def test_two_person_approval(self):
        ada = self.issue()
        twin = self.issue()
        grace = self.issue()
        alan = self.issue()
        self.assertEqual(self.practice("p1")["renewal"], "reapprove")
        self.practice("p2")
        # Bad input names the field; other partners see nothing.
        self.assertProblem(self.p(self.a, "PUT", "/v1/partner/practices/p3",
                                  {"name": "x", "renewal": "sometimes"}),
                           422, "renewal")
        self.assertProblem(self.p(self.a, "PUT",
                                  "/v1/partner/practices/a%20b",
                                  {"name": "x"}), 422, "practice")
        self.assertProblem(self.challenge_for("p1", purpose="link",
                                              serial="zz", user="u"),
                           422, "serial")
        self.assertProblem(self.challenge_for("p1", purpose="link",
                                              serial=self.serial(ada)),
                           422, "user")
        self.assertEqual(self.p(self.b, "GET",
                                "/v1/partner/practices/p1")[0], 404)
        self.assertEqual(self.p(self.b, "GET",
                                "/v1/partner/practices/p1/links")[0], 404)
        st, _, _ = self.p(self.b, "POST",
                          "/v1/partner/practices/p1/challenges",
                          {"purpose": "link", "user": "u",
                           "serial": self.serial(ada)})
        self.assertEqual(st, 404)
        self.assertEqual(self.srv.http("GET",
                                       "/v1/partner/practices/p1")[0], 401)

        # First link of the practice: approved.
        st, _, la = self.link("p1", ada, "dr.ada")
        self.assertEqual(st, 201, la)
        self.assertEqual((la["enabled"], la["trusted"], la["approved"],
                          la["approved_how"],
                          la["credential"]["epcs_eligible"]),
                         (True, True, True, "first", True))
        # A link signed by another key is refused; the challenge is
        # bound to its serial.
        st, _, ch = self.challenge_for("p1", purpose="link", user="dr.twin",
                                       serial=self.serial(twin))
        resp = self.p(self.a, "POST", "/v1/partner/practices/p1/links",
                      {"challenge": ch["challenge"],
                       "signature": self.sign(ada["_key"], ch["challenge"])})
        self.assertProblem(resp, 422, "signature")
        # The next: pending.
        st, _, lt = self.link("p1", twin, "dr.twin")
        self.assertEqual(st, 201, lt)
        self.assertEqual((lt["approved"], lt["approval"]), (False, None))
        st, _, ld = self.link("p1", alan, "dr.alan")
        self.assertEqual((st, ld["approved"]), (201, False), ld)
        st, _, lg = self.link("p2", grace, "dr.grace")
        self.assertEqual((st, lg["approved"]), (201, True), lg)
        self.assertProblem(self.link("p1", ada, "dr.ada2"), 409)

        # Approved by an approved colleague: Ada approves Alan.
        st, _, js = self.approve("p1", ld, ada, alan)
        self.assertEqual(st, 200, js)
        self.assertEqual((js["approved"], js["approved_how"]),
                         (True, "colleague"))

        # Refusals, each leaving the twin's link pending.
        # Self-approval.
        resp = self.approve("p1", lt, twin, twin)
        self.assertTrue(self.assertProblem(resp, 403)["type"]
                        .endswith("self-approval"))
        # An approver approved at another practice only.
        resp = self.approve("p1", lt, grace, twin)
        self.assertTrue(self.assertProblem(resp, 403)["type"]
                        .endswith("approver-not-approved"))
        # A challenge naming another credential.
        chal = self.approval_challenge("p1", ada, alan)
        self.assertProblem(self.approve("p1", lt, ada, twin, challenge=chal),
                           422, "challenge")
        # Signed by a key other than the approver's.
        self.assertProblem(self.approve("p1", lt, ada, twin,
                                        key=twin["_key"]), 422, "signature")
        # Stale: the challenge older than the window.
        chal = self.approval_challenge("p1", ada, twin)
        self.srv.set_clock(301)
        resp = self.approve("p1", lt, ada, twin, challenge=chal)
        self.assertTrue(self.assertProblem(resp, 422, "challenge")["type"]
                        .endswith("challenge-stale"))
        self.srv.set_clock(0)
        # A revoked approver (Alan, approved above).
        st, _, js = self.revoke(alan)
        self.assertEqual(st, 200, js)
        resp = self.approve("p1", lt, alan, twin)
        body = self.assertProblem(resp, 403)
        self.assertTrue(body["type"].endswith("approver-not-eligible"))
        self.assertEqual(body["approver_reasons"], ["revoked"])
        st, _, js = self.p(self.a, "GET",
                           "/v1/partner/practices/p1/links/%s" % lt["id"])
        self.assertEqual((st, js["approved"]), (200, False), js)

        # Approved by Ada; the record verifies from what the API returns.
        chal = self.approval_challenge("p1", ada, twin)
        st, _, js = self.approve("p1", lt, ada, twin, challenge=chal)
        self.assertEqual(st, 200, js)
        self.assertEqual((js["approved"], js["approved_how"]),
                         (True, "colleague"))
        rec = js["approval"]
        approved, approver = rec["approved"], rec["approver"]
        self.assertEqual((approved["serial"], approver["serial"],
                          approver["link"], approver["statement"]),
                         (self.serial(twin), self.serial(ada), la["id"],
                          chal))
        for part in ("practice=p1", "approver=" + self.serial(ada),
                     "approved=" + self.serial(twin)):
            self.assertIn(part, approver["statement"])
        self.assertIn("user=dr.twin", approved["statement"])
        check_signature(approver["certificate"], approver["statement"],
                        approver["signature"])
        check_signature(approved["certificate"], approved["statement"],
                        approved["signature"])
        with self.assertRaises(Exception):
            check_signature(twin["_cert"]["certificate"],
                            approver["statement"], approver["signature"])
        self.assertEqual(
            x509.load_pem_x509_certificate(
                approver["certificate"].encode()).serial_number,
            int(self.serial(ada), 16))
        # The same approval again: a replay.
        resp = self.approve("p1", lt, ada, twin, challenge=chal)
        self.assertTrue(self.assertProblem(resp, 409)["type"]
                        .endswith("challenge-replayed"))
        # The same record from GET.
        st, _, again = self.p(self.a, "GET",
                              "/v1/partner/practices/p1/links/%s" % lt["id"])
        self.assertEqual(again["approval"], rec)
        # Audited; credential.approved events with the approver.
        self.assertEqual(self.db.count(
            "audit_log", "action = 'credential.approved'"), 4)
        ev = [e for e in self.events("credential.approved")
              if e["data"]["link"] == lt["id"]]
        self.assertEqual(len(ev), 1, ev)
        self.assertEqual((ev[0]["data"]["approver_serial"],
                          ev[0]["data"]["serial"],
                          ev[0]["data"]["epcs_eligible"]),
                         (self.serial(ada), self.serial(twin), True))

        # Disabling is recorded and shown; the list has every link.
        st, _, js = self.p(self.a, "POST",
                           "/v1/partner/practices/p1/links/%s/disable"
                           % lt["id"], {"reason": "left the practice"})
        self.assertEqual(st, 200, js)
        self.assertEqual((js["enabled"], js["disabled_reason"]),
                         (False, "left the practice"))
        self.assertEqual(self.db.count(
            "audit_log", "action = 'credential.disabled'"), 1)
        st, _, js = self.p(self.a, "GET",
                           "/v1/partner/practices/p1/links?limit=2")
        self.assertEqual((st, len(js["items"])), (200, 2), js)
        st, _, js2 = self.p(self.a, "GET",
                            "/v1/partner/practices/p1/links?after=%s"
                            % js["next_after"])
        # By (created_at, id): the three, each once.
        ids = [l["id"] for l in js["items"] + js2["items"]]
        self.assertEqual(sorted(ids), sorted([la["id"], lt["id"], ld["id"]]))
        # A revoked credential cannot be linked.
        resp = self.link("p2", alan, "dr.alan")
        self.assertTrue(self.assertProblem(resp, 422)["type"]
                        .endswith("certificate-revoked"))
        # An expired approver: the twin linked again, Ada's certificate
        # past its notAfter.
        st, _, lt2 = self.link("p1", twin, "dr.twin")
        self.assertEqual((st, lt2["approved"]), (201, False), lt2)
        self.srv.set_clock(3 * 365 * 86400)
        resp = self.approve("p1", lt2, ada, twin)
        body = self.assertProblem(resp, 403)
        self.assertTrue(body["type"].endswith("approver-not-eligible"))
        self.assertEqual(body["approver_reasons"], ["expired"])


class RenewalLinkTest(EhrCase):

    def renew(self, app):
        st, _, js = self.login(self.srv, app["_password"], app_id=app["id"])
        self.assertEqual(st, 201, js)
        token = js["token"]
        key, csr = make_csr(self.d, "r%d" % time.monotonic_ns())
        der = self.write("r.csr", csr)
        from test_ca import openssl
        rc, raw, err = openssl("req", "-in", der, "-outform", "DER")
        self.assertEqual(rc, 0, err)
        rc, sig, err = openssl("dgst", "-sha256", "-sign", app["_key"],
                               data=raw)
        self.assertEqual(rc, 0, err)
        st, _, js = self.srv.http(
            "POST", "/v1/certificates/%s/renewal" % self.serial(app),
            {"csr": csr, "signature": base64.b64encode(sig).decode(),
             "key_evidence": harness.client_asserted()},
            headers=self.bearer(token))
        self.assertEqual(st, 201, js)
        return {"_cert": js, "_key": key}

    def test_links_follow_a_renewal(self):
        ada = self.issue()
        twin = self.issue()
        self.practice("p1")
        self.practice("p2", renewal="carry")
        self.assertEqual(self.link("p1", ada, "dr.ada")[0], 201)
        st, _, lt = self.link("p1", twin, "dr.twin")
        self.assertEqual(self.approve("p1", lt, ada, twin)[0], 200)
        st, _, l2 = self.link("p2", ada, "ada")
        self.assertEqual((st, l2["approved"]), (201, True), l2)

        at_days_left(self, ada, 30)
        new = self.renew(ada)
        old_serial, new_serial = self.serial(ada), self.serial(new)

        def links(pid):
            st, _, js = self.p(self.a, "GET",
                               "/v1/partner/practices/%s/links" % pid)
            self.assertEqual(st, 200, js)
            return {(l["serial"], l["enabled"]): l for l in js["items"]}

        p1 = links("p1")
        old, nl = p1[(old_serial, False)], p1[(new_serial, True)]
        self.assertEqual((old["disabled_reason"], old["superseded_by"]),
                         ("renewed", nl["id"]))
        # reapprove: the twin is still approved, so Ada's new link waits.
        self.assertEqual((nl["user"], nl["approved"], nl["trusted"],
                          nl["renewed_from"]),
                         ("dr.ada", False, True, old["id"]))
        p2 = links("p2")
        nl2 = p2[(new_serial, True)]
        self.assertEqual((nl2["approved"], nl2["approved_how"]),
                         (True, "carried"))
        self.assertFalse(p2[(old_serial, False)]["enabled"])
        # The twin approves Ada's new credential.
        st, _, js = self.approve("p1", nl, twin, new)
        self.assertEqual((st, js.get("approved")), (200, True), js)
        # credential.renewed names both serials, one per practice.
        ev = self.events("credential.renewed")
        self.assertEqual(sorted(e["data"]["practice"] for e in ev),
                         ["p1", "p2"])
        for e in ev:
            self.assertEqual((e["data"]["old_serial"],
                              e["data"]["new_serial"],
                              e["data"]["epcs_eligible"]),
                             (old_serial, new_serial, True))
        # Verify of the old certificate says what superseded it.
        chal = "%d.%s" % (int(time.time()) + self.srv_offset(),
                          "n" * 20)
        st, _, js = self.p(self.a, "POST", "/v1/partner/credentials/verify",
                           {"certificate": ada["_cert"]["certificate"],
                            "challenge": chal,
                            "signature": self.sign(ada["_key"], chal)})
        self.assertEqual(st, 200, js)
        self.assertEqual(js["superseded_by"], new_serial)
        self.assertIsNone(self.view(new)["superseded_by"])

    def srv_offset(self):
        with open(self.srv.clock_file) as f:
            return int(f.read().strip())


class TokenSignTest(PartnerCase, TokenCase):
    """rxca-token sign-challenge: the EHR page's signature of a link
    statement, made on a real (SoftHSM) token."""
    # The agent's helpers, through the module: a test class imported by
    # name would run its own tests here too.
    start_agent = test_token.AgentTest.start_agent
    call = test_token.AgentTest.call

    def test_token_signs_a_link_statement(self):
        app = self.shipped(body=self.person(program="acme"))
        self.change_passcode(self.provision(app))
        r = TokenCase.retrieve(self, app)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        with open(self.token_cert()) as f:
            pem = f.read()
        serial = "%032x" % x509.load_pem_x509_certificate(
            pem.encode()).serial_number
        st, _, _ = self.p(self.a, "PUT", "/v1/partner/practices/p1",
                          {"name": "P1"})
        self.assertEqual(st, 201)
        st, _, ch = self.p(self.a, "POST",
                           "/v1/partner/practices/p1/challenges",
                           {"purpose": "link", "user": "dr.ada",
                            "serial": serial})
        self.assertEqual(st, 201, ch)
        r = self.token("sign-challenge", ch["challenge"], "--passcode-fd",
                       "FD", secrets=(NEW_PASSCODE,))
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual((out["challenge"], out["serial"]),
                         (ch["challenge"], serial))
        check_signature(pem, ch["challenge"], out["signature"])
        st, _, link = self.p(self.a, "POST",
                             "/v1/partner/practices/p1/links",
                             {"challenge": ch["challenge"],
                              "signature": out["signature"]})
        self.assertEqual((st, link.get("approved")), (201, True), link)
        # Not a challenge: refused before the token is opened.
        for bad in ("", "tab\there", "x" * 1024):
            r = self.token("sign-challenge", bad, "--passcode-fd", "FD",
                           secrets=(NEW_PASSCODE,))
            self.assertNotEqual(r.returncode, 0, bad)
            self.assertEqual(r.stdout, "")
        # A wrong passcode signs nothing.
        r = self.token("sign-challenge", ch["challenge"], "--passcode-fd",
                       "FD", secrets=("00000000",))
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(r.stdout, "")
        # The agent does the same for an allowed origin: POST /v1/sign,
        # format raw; its signature verifies a credential.
        self.start_agent()
        chal = self.challenge()
        st, _, js = self.call("POST", "/v1/sign", {
            "data": base64.b64encode(chal.encode()).decode(),
            "format": "raw", "passcode": NEW_PASSCODE})
        self.assertEqual((st, js["format"]), (200, "raw"), js)
        with open(self.token_cert()) as f:
            cert_pem = f.read()
        st, _, js = self.p(self.a, "POST", "/v1/partner/credentials/verify",
                           {"certificate": cert_pem, "challenge": chal,
                            "signature": js["signature"]})
        self.assertEqual((st, js.get("epcs_eligible")), (200, True), js)


if __name__ == "__main__":
    harness.main()
