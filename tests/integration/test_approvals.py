#!/usr/bin/python3
"""Prescription approval with a passkey (docs/approvals.md) against the
real server: a partner asks, the prescriber's software authenticator
(tests/integration/webauthn_client.py: real P-256, real CBOR) approves or
denies over the challenge the request's page gives, and the partner gets a
signed record by polling and by a real webhook receiver, verified by an
independent script (jws_verify.py: Python's cryptography only).  Who may
call each route; bad fields named; single use; expiry with the injected
clock; the limits per prescriber; UV off, another origin, another
request's challenge, a counter going back (the passkey disabled) and a
revoked passkey refused, each leaving the request pending."""
import hashlib
import json
import os
import subprocess
import sys

import harness
from test_oidc import ada
from test_passkeys import ORIGIN, RP_ID, PasskeyCase
from webauthn_client import Authenticator, b64url, unb64url
from webhook_receiver import Receiver
import jws_verify

HERE = os.path.dirname(os.path.abspath(__file__))


def digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


class ApprovalTest(PasskeyCase):

    def setUp(self):
        # PasskeyCase.setUp starts the provider and a server; this one
        # needs the approval settings too, so it starts its own.
        super(PasskeyCase, self).setUp()
        self.key_path = os.path.join(self.tmp, "approval.key")
        self.srv = self.server(
            db=self.start_db(partners=harness.PARTNERS),
            RXCA_PASSKEY_ORIGIN=ORIGIN, RXCA_PASSKEY_RP_ID=RP_ID,
            RXCA_APPROVAL_KEY=self.key_path, RXCA_APPROVAL_SECONDS="300",
            RXCA_APPROVAL_PENDING_MAX="2", RXCA_APPROVAL_HOURLY_MAX="4",
            RXCA_WEBHOOK_ALLOW_PRIVATE="1", RXCA_WEBHOOK_BACKOFF_MAX="1",
            RXCA_SWEEP_INTERVAL="2")
        self.acme = self.partner("Acme EHR", "acme")
        self.bolt = self.partner("Bolt EHR", "bolt")

    def partner(self, name, program):
        who = dict(self.take_partner(self.srv.db, name, program),
                   program=program)
        st, _, js = self.p(who, "PUT", "/v1/partner/program", {"open": True})
        self.assertEqual(st, 200, js)
        return who

    def p(self, who, method, path, body=None, headers=None):
        h = dict(headers or {})
        if who is not None:
            h.update(self.bearer(who["key"]))
        return self.srv.http(method, path, body, headers=h)

    def prescriber(self, n, program="acme"):
        """A proofed application of program with a passkey: (app, auth)."""
        body = ada(n)
        body["program"] = program
        app = self.verified(self.srv, body)
        st, _, js = self.proof(self.srv, app)
        self.assertEqual((st, js["status"]), (200, "approved"), js)
        auth = Authenticator(ORIGIN, RP_ID)
        st, _, pk = self.call(app, "POST", "",
                              auth.create(self.options(app), fmt="self"))
        self.assertEqual(st, 201, pk)
        app["_passkey"] = pk
        app["_npi"] = body["applicant"]["npi"]
        app["_dea"] = body["applicant"]["dea_number"]
        return app, auth

    def ask(self, auth, who=None, summary="Oxycodone 5 mg, 20 tablets, "
            "for J. Doe", digests=None, key=None):
        h = {"Idempotency-Key": key} if key else None
        return self.p(who or self.acme, "POST", "/v1/partner/approvals", {
            "credential_id": b64url(auth.cred_id), "summary": summary,
            "digests": digests or [digest(summary)]}, headers=h)

    def asked(self, auth, **kw):
        st, _, js = self.ask(auth, **kw)
        self.assertEqual(st, 201, js)
        return js

    def page(self, rid):
        st, _, js = self.srv.http("GET", "/v1/approvals/%s" % rid)
        self.assertEqual(st, 200, js)
        return js

    def decide(self, rid, answer, decision="approve"):
        return self.srv.http("POST", "/v1/approvals/%s/decision" % rid,
                             dict(answer, decision=decision))

    def state(self, rid):
        return self.srv.db.scalar("SELECT state FROM passkey_approvals "
                                  "WHERE id = '%s'" % rid)

    def audits(self, app, action):
        return self.srv.db.count("audit_log", "subject = '%s' AND action "
                                 "= '%s'" % (app["id"], action))

    def jwks(self):
        st, _, js = self.srv.http("GET", "/.well-known/jwks.json")
        self.assertEqual(st, 200, js)
        return js

    def test_approve_signed_record_single_use(self):
        rx = Receiver().start()
        self.addCleanup(rx.stop)
        st, _, js = self.p(self.acme, "PUT", "/v1/partner/webhook",
                           {"url": rx.url})
        self.assertEqual(st, 200, js)
        app, auth = self.prescriber(31)
        d = [digest("rx-1"), digest("rx-2")]
        req = self.asked(auth, digests=d, key="k-1")
        self.assertEqual(req["state"], "pending")
        self.assertTrue(req["id"].startswith("apv_"))
        self.assertEqual(req["approval_url"],
                         "%s/approve?request=%s" % (ORIGIN, req["id"]))
        self.assertIsNone(req["record"])
        self.assertEqual(harness.rfc3339(req["expires_at"]) -
                         harness.rfc3339(req["created_at"]), 300)
        # the same key and body: the same request; another body: 409
        st, _, again = self.ask(auth, digests=d, key="k-1")
        self.assertEqual((st, again["id"]), (201, req["id"]), again)
        self.assertProblem(self.ask(auth, digests=[d[0]], key="k-1"), 409)
        # the prescriber's mail carries the link, not the summary
        harness.wait_until(lambda: any(
            req["approval_url"] in harness.mail_text(m)
            for m in self.srv.sink.for_address(app["_email"])), 30, 0.1,
            "the prescriber's mail")
        text = [harness.mail_text(m) for m in
                self.srv.sink.for_address(app["_email"])
                if req["approval_url"] in harness.mail_text(m)][0]
        self.assertNotIn("Oxycodone", text)
        # the page: summary, digests, options bound to this request
        view = self.page(req["id"])
        self.assertEqual(view["digests"], d)
        opt = view["options"]
        self.assertEqual(opt["rpId"], RP_ID)
        self.assertEqual(opt["userVerification"], "required")
        self.assertEqual(opt["allowCredentials"],
                         [{"type": "public-key", "id": b64url(auth.cred_id)}])
        canon = "rxca-approval:v1\n%s\n%s\n" % (req["id"], ",".join(d))
        self.assertEqual(len(unb64url(opt["challenge"])), 32)
        answer = auth.get(opt["challenge"])
        st, _, out = self.decide(req["id"], answer)
        self.assertEqual((st, out["state"]), (200, "approved"), out)
        # single use: the same assertion, or a new one, is refused
        self.assertProblem(self.decide(req["id"], answer), 409)
        self.assertProblem(self.decide(req["id"], auth.get(opt["challenge"])),
                           409)
        # the record, by polling, verified independently with the JWKS
        st, _, got = self.p(self.acme, "GET",
                            "/v1/partner/approvals/%s" % req["id"])
        self.assertEqual((st, got["state"]), (200, "approved"), got)
        jwks = self.jwks()
        self.assertEqual(len(jwks["keys"]), 1)
        self.assertNotIn("d", jwks["keys"][0])
        header, claims = jws_verify.verify(got["record"], jwks)
        self.assertEqual(header["typ"], "rxca-approval+jwt")
        self.assertEqual(claims["request_id"], req["id"])
        self.assertEqual(claims["decision"], "approved")
        self.assertEqual(claims["digests"], d)
        self.assertEqual(claims["prescriber"]["application"], app["id"])
        self.assertEqual(claims["prescriber"]["npi"], app["_npi"])
        self.assertEqual(claims["prescriber"]["dea"], app["_dea"])
        self.assertEqual(claims["authenticator"]["aaguid"],
                         Authenticator.AAGUID.hex())
        self.assertEqual(claims["authenticator"]["credential_id"],
                         b64url(auth.cred_id))
        self.assertTrue(claims["user_verified"])
        self.assertEqual(claims["assurance"], {"source": "oidc",
                                               "acr": claims["assurance"]
                                               .get("acr")})
        self.assertTrue(claims["assurance"]["acr"])
        # the challenge is the SHA-256 of the canonical binding
        self.assertEqual(unb64url(claims["challenge"]["value"]),
                         hashlib.sha256((canon + claims["challenge"]
                                         ["nonce"]).encode()).digest())
        # the same check as a separate program, from files
        rec = os.path.join(self.tmp, "record.jws")
        ks = os.path.join(self.tmp, "jwks.json")
        with open(rec, "w") as f:
            f.write(got["record"])
        with open(ks, "w") as f:
            json.dump(jwks, f)
        r = subprocess.run([sys.executable,
                            os.path.join(HERE, "jws_verify.py"), rec, ks],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # a changed claim does not verify
        h64, c64, s64 = got["record"].split(".")
        forged = dict(claims, digests=[digest("other")])
        c2 = b64url(json.dumps(forged).encode())
        with self.assertRaises(ValueError):
            jws_verify.verify("%s.%s.%s" % (h64, c2, s64), jwks)
        # the webhook carries the same record
        harness.wait_until(lambda: any(
            b["type"] == "approval.approved" for b in rx.bodies()), 30,
            0.1, "the approval.approved webhook")
        ev = [b for b in rx.bodies() if b["type"] == "approval.approved"][0]
        self.assertEqual(ev["data"]["record"], got["record"])
        # audited in the unit of work; the passkey's counter recorded
        self.assertEqual(self.audits(app, "approval.requested"), 1)
        self.assertEqual(self.audits(app, "approval.approved"), 1)
        self.assertEqual(self.audits(app, "passkey.asserted"), 1)
        self.assertEqual(int(self.srv.db.scalar(
            "SELECT sign_count FROM passkeys WHERE id = '%s'"
            % app["_passkey"]["id"])), auth.counter - 1)
        # a denial is recorded, signed and sent too
        req2 = self.asked(auth)
        st, _, out = self.decide(req2["id"], auth.get(
            self.page(req2["id"])["options"]["challenge"]), "deny")
        self.assertEqual((st, out["state"]), (200, "denied"), out)
        st, _, got = self.p(self.acme, "GET",
                            "/v1/partner/approvals/%s" % req2["id"])
        self.assertEqual(jws_verify.verify(got["record"], jwks)[1]
                         ["decision"], "denied")
        self.assertEqual(self.audits(app, "approval.denied"), 1)
        harness.wait_until(lambda: any(
            b["type"] == "approval.denied" for b in rx.bodies()), 30,
            0.1, "the approval.denied webhook")

    def approved_record(self, auth):
        """A request decided "approve" by auth's passkey: its record."""
        req = self.asked(auth)
        answer = auth.get(self.page(req["id"])["options"]["challenge"])
        st, _, out = self.decide(req["id"], answer)
        self.assertEqual((st, out["state"]), (200, "approved"), out)
        st, _, got = self.p(self.acme, "GET",
                            "/v1/partner/approvals/%s" % req["id"])
        self.assertEqual(st, 200, got)
        return got["record"]

    def test_rotation_keeps_retired_keys_published(self):
        app, auth = self.prescriber(41)
        before = self.approved_record(auth)
        old = self.jwks()["keys"][0]
        # The rotation: a new key file made at start, the old one kept
        # as a retired key (published, never signing).
        self.srv.stop()
        retired = os.path.join(self.tmp, "approval-2026.key")
        os.rename(self.key_path, retired)
        self.srv.env["RXCA_APPROVAL_KEYS_RETIRED"] = retired
        self.srv.start()
        jwks = self.jwks()
        self.assertEqual(len(jwks["keys"]), 2, jwks)
        self.assertEqual(jwks["keys"][1], old)
        self.assertNotEqual(jwks["keys"][0]["kid"], old["kid"])
        for k in jwks["keys"]:
            self.assertNotIn("d", k)
        # A record signed before still verifies, and only thanks to the
        # retired key; a new one is the new key's.
        self.assertEqual(jws_verify.verify(before, jwks)[0]["kid"],
                         old["kid"])
        with self.assertRaises(ValueError):
            jws_verify.verify(before, {"keys": jwks["keys"][:1]})
        after = self.approved_record(auth)
        self.assertEqual(jws_verify.verify(after, jwks)[0]["kid"],
                         jwks["keys"][0]["kid"])
        # Named by its own kid too (FILE#KID).
        self.srv.stop()
        self.srv.env["RXCA_APPROVAL_KEYS_RETIRED"] = retired + "#2026-a"
        self.srv.start()
        self.assertEqual(self.jwks()["keys"][1],
                         dict(old, kid="2026-a"))
        # A bad list: the server does not start, and says why.
        self.srv.stop()
        server = harness.binary("rxca-server")
        loose = os.path.join(self.tmp, "loose.key")
        with open(retired, "rb") as f, open(loose, "wb") as g:
            g.write(f.read())
        os.chmod(loose, 0o644)
        many = ",".join(["%s#k%d" % (retired, i) for i in range(9)])
        for value, says in (
                (os.path.join(self.tmp, "none.key"), "cannot be opened"),
                (self.key_path, "is the current approval key"),
                (retired + "," + retired + "#again", "listed twice"),
                ("," + retired, "at most 8"),
                (many, "at most 8"),
                (loose, "chmod 600")):
            with self.subTest(value=value):
                r = subprocess.run([server], env=harness.clean_env(dict(
                    self.srv.env, RXCA_APPROVAL_KEYS_RETIRED=value)),
                    cwd=self.tmp, capture_output=True, text=True,
                    timeout=60)
                self.assertNotEqual(r.returncode, 0, r.stderr)
                self.assertIn("RXCA_APPROVAL_KEYS_RETIRED: ", r.stderr)
                self.assertIn(says, r.stderr)
        self.srv.env["RXCA_APPROVAL_KEYS_RETIRED"] = retired
        self.srv.start()
        self.assertEqual(len(self.jwks()["keys"]), 2)

    def test_who_may_call_and_bad_fields(self):
        app, auth = self.prescriber(32)
        # no key, a bad key
        self.assertProblem(self.srv.http("POST", "/v1/partner/approvals", {
            "credential_id": b64url(auth.cred_id), "summary": "x",
            "digests": [digest("x")]}), 401)
        self.assertProblem(self.ask(auth, who={"key": "rxp_x_y"}), 401)
        # a prescriber of another partner's program is unknown to it
        self.assertProblem(self.ask(auth, who=self.bolt), 422,
                           "credential_id")
        req = self.asked(auth)
        self.assertProblem(self.p(self.bolt, "GET",
                                  "/v1/partner/approvals/%s" % req["id"]),
                           404)
        self.assertProblem(self.srv.http(
            "GET", "/v1/partner/approvals/%s" % req["id"]), 401)
        self.assertProblem(self.srv.http("GET", "/v1/approvals/apv_nope"),
                           404)
        bad = [
            ({"summary": ""}, "summary"),
            ({"summary": "a\u0007b"}, "summary"),
            ({"summary": "x" * 501}, "summary"),
            ({"digests": []}, "digests"),
            ({"digests": ["AB" * 32]}, "digests"),
            ({"digests": ["ab" * 31]}, "digests"),
            ({"digests": [digest("a"), digest("a")]}, "digests"),
            ({"digests": [digest(str(i)) for i in range(21)]}, "digests"),
            ({"digests": "ab" * 32}, "digests"),
            ({"credential_id": "!!"}, "credential_id"),
            ({"credential_id": b64url(b"unknown")}, "credential_id"),
            ({"extra": 1}, "extra"),
        ]
        good = {"credential_id": b64url(auth.cred_id), "summary": "s",
                "digests": [digest("s")]}
        for change, field in bad:
            with self.subTest(field=field, change=str(change)[:40]):
                self.assertProblem(self.p(self.acme, "POST",
                                          "/v1/partner/approvals",
                                          dict(good, **change)), 422, field)
        self.assertEqual(self.srv.db.count(
            "passkey_approvals", "application_id = '%s'" % app["id"]), 1)
        # the decision's body
        opt = self.page(req["id"])["options"]
        answer = auth.get(opt["challenge"])
        for body, field in [(dict(answer, decision="maybe"), "decision"),
                            (dict(answer, decision="approve", x=1), "x"),
                            ({"decision": "approve"}, "body"),
                            (dict(answer, decision="approve",
                                  signature="!!"), "signature")]:
            with self.subTest(field=field):
                self.assertProblem(self.srv.http(
                    "POST", "/v1/approvals/%s/decision" % req["id"], body),
                    422, field)
        self.assertEqual(self.state(req["id"]), "pending")

    def test_refused_assertions_leave_it_pending(self):
        app, auth = self.prescriber(34)
        req = self.asked(auth)
        other = self.asked(auth, summary="another")
        ch = self.page(req["id"])["options"]["challenge"]
        och = self.page(other["id"])["options"]["challenge"]
        self.assertNotEqual(ch, och)
        for what, answer, field in [
                ("uv off", auth.get(ch, uv=False), "authenticator_data"),
                ("another origin", auth.get(ch, origin="https://evil.test"),
                 "client_data_json"),
                ("another rp id", auth.get(ch, rp_id="evil.test"),
                 "authenticator_data"),
                ("a create", auth.get(ch, kind="webauthn.create"),
                 "client_data_json"),
                ("another request's challenge", auth.get(och),
                 "client_data_json"),
                ("another passkey", Authenticator(ORIGIN, RP_ID).get(ch),
                 "credential_id")]:
            with self.subTest(what):
                self.assertProblem(self.decide(req["id"], answer), 422,
                                   field)
        self.assertEqual(self.state(req["id"]), "pending")
        self.assertEqual(self.audits(app, "approval.approved"), 0)
        # a counter going back: refused, the passkey disabled and flagged
        good = auth.get(ch)
        st, _, js = self.decide(req["id"], good)
        self.assertEqual(st, 200, js)
        back = auth.get(och, counter=auth.counter - 1)
        self.assertProblem(self.decide(other["id"], back), 422,
                           "authenticator_data")
        self.assertEqual(self.state(other["id"]), "pending")
        self.assertEqual(self.srv.db.scalar(
            "SELECT status || ' ' || disabled_reason FROM passkeys WHERE "
            "id = '%s'" % app["_passkey"]["id"]),
            "disabled sign_count_regressed")
        self.assertEqual(self.audits(app, "passkey.disabled"), 1)
        # a disabled passkey approves nothing, and is asked for no more
        body = self.assertProblem(self.decide(other["id"], auth.get(och)),
                                  409)
        self.assertTrue(body["type"].endswith("/passkey-not-active"), body)
        self.assertProblem(self.ask(auth), 409)

    def test_revoked_passkey_refused(self):
        app, auth = self.prescriber(35)
        req = self.asked(auth)
        ch = self.page(req["id"])["options"]["challenge"]
        st, _, js = self.call(app, "POST", "/%s/revocation"
                              % app["_passkey"]["id"])
        self.assertEqual(st, 200, js)
        self.assertProblem(self.decide(req["id"], auth.get(ch)), 409)
        self.assertEqual(self.state(req["id"]), "pending")
        self.assertProblem(self.ask(auth), 409)

    def test_expiry_and_limits(self):
        app, auth = self.prescriber(36)
        a = self.asked(auth, summary="one")
        self.asked(auth, summary="two")
        # two pending at most
        st, hdr, js = self.ask(auth, summary="three")
        self.assertEqual(st, 429, js)
        self.assertRetryAfter(hdr)
        ch = self.page(a["id"])["options"]["challenge"]
        # past the expiry (the injected clock): refused, recorded expired
        self.srv.set_clock(301)
        self.assertProblem(self.decide(a["id"], auth.get(ch)), 410)
        self.assertEqual(self.state(a["id"]), "expired")
        self.assertGreaterEqual(self.audits(app, "approval.expired"), 1)
        self.assertIsNone(self.page(a["id"])["options"])
        # the other is recorded expired by the sweep
        harness.wait_until(lambda: self.audits(
            app, "approval.expired") == 2, 30, 0.2, "the expiry sweep")
        st, _, got = self.p(self.acme, "GET",
                            "/v1/partner/approvals/%s" % a["id"])
        self.assertEqual((got["state"], got["record"]), ("expired", None))
        # once recorded expired it answers as before: 410, not "decided"
        self.assertProblem(self.decide(a["id"], auth.get(ch)), 410)
        # four an hour: two more, then 429 until the first is an hour old
        self.asked(auth, summary="three")
        self.asked(auth, summary="four")
        self.srv.set_clock(301 + 301)
        st, hdr, js = self.ask(auth, summary="five")
        self.assertEqual(st, 429, js)
        self.assertRetryAfter(hdr)
        self.assertGreater(int(hdr["retry-after"]), 2000)
        self.srv.set_clock(3601)
        self.asked(auth, summary="five")


if __name__ == "__main__":
    harness.main()
