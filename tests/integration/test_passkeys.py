#!/usr/bin/python3
"""Passkey registration (docs/passkeys.md) against the real server:
an application proofed through the reference OpenID provider registers a
passkey made by a software authenticator (tests/integration/
webauthn_client.py: real P-256 keys and CBOR); every bad answer is
refused with the field named and records nothing; challenges are single
use and expire; a product in strict mode takes only attested
authenticators that chain to the operator's roots; who may call each
route."""
import os

import harness
import tlsutil

from test_oidc import OidcCase, ada
from webauthn_client import AttestationCA, Authenticator, unb64url

ORIGIN = "https://portal.rxca.test"
RP_ID = "portal.rxca.test"


class PasskeyCase(OidcCase):

    @classmethod
    def setUpClass(cls):
        cls.root = AttestationCA()
        cls.other_root = AttestationCA("Another Root")

    def setUp(self):
        super().setUp()
        roots = os.path.join(self.tmp, "authenticator-roots.pem")
        with open(roots, "wb") as f:
            f.write(self.root.pem())
        self.srv = self.server(RXCA_PASSKEY_ORIGIN=ORIGIN,
                               RXCA_PASSKEY_RP_ID=RP_ID,
                               RXCA_PASSKEY_ROOTS=roots)

    def proofed(self, n):
        app = self.verified(self.srv, ada(n))
        st, _, js = self.proof(self.srv, app)
        self.assertEqual((st, js["status"]), (200, "approved"), js)
        return app

    def call(self, app, method, path, body=None, token=None):
        return self.srv.http(method, "/v1/applications/%s/passkeys%s"
                             % (app["id"], path), body,
                             headers=self.bearer(
                                 token or app["session"]["token"]))

    def options(self, app):
        st, _, js = self.call(app, "POST", "/options")
        self.assertEqual(st, 201, js)
        return js

    def count(self, app):
        return self.srv.db.count("passkeys",
                                 "application_id = '%s'" % app["id"])


class RegistrationTest(PasskeyCase):

    def test_register_list_single_use_and_revoke(self):
        app = self.proofed(11)
        opt = self.options(app)
        self.assertEqual(opt["rp"]["id"], RP_ID)
        self.assertEqual(opt["authenticatorSelection"]["userVerification"],
                         "required")
        self.assertEqual(unb64url(opt["user"]["id"]).decode(), app["id"])
        self.assertEqual(len(unb64url(opt["challenge"])), 32)
        self.assertEqual(opt["excludeCredentials"], [])
        auth = Authenticator(ORIGIN, RP_ID)
        answer = auth.create(opt, fmt="self")
        answer["name"] = "My phone"
        st, _, pk = self.call(app, "POST", "", answer)
        self.assertEqual(st, 201, pk)
        self.assertEqual(pk["attestation"]["trust"], "self")
        self.assertEqual(pk["attestation"]["format"], "packed")
        self.assertEqual(pk["algorithm"], -7)
        self.assertEqual(pk["aaguid"], Authenticator.AAGUID.hex())
        self.assertEqual(unb64url(pk["credential_id"]), auth.cred_id)
        self.assertTrue(pk["user_verified"])
        # recorded with its COSE key and audited in the same unit of work
        cose, audit = self.srv.db.query(
            "SELECT encode(cose_key, 'hex'), (SELECT count(*) FROM "
            "audit_log WHERE subject = '%s' AND action = "
            "'passkey.registered') FROM passkeys WHERE id = '%s'"
            % (app["id"], pk["id"]))[0]
        self.assertEqual(bytes.fromhex(cose), auth.cose_key())
        self.assertEqual(int(audit), 1)
        # the same answer again: the challenge was used
        self.assertProblem(self.call(app, "POST", "", answer), 400)
        self.assertEqual(self.count(app), 1)
        # listed, and excluded from the next registration
        st, _, js = self.call(app, "GET", "")
        self.assertEqual(st, 200, js)
        self.assertEqual([p["id"] for p in js["passkeys"]], [pk["id"]])
        self.assertEqual(self.options(app)["excludeCredentials"],
                         [{"type": "public-key",
                           "id": pk["credential_id"]}])
        # a second authenticator without attestation: accepted ("any")
        st, _, js = self.call(app, "POST", "", Authenticator(
            ORIGIN, RP_ID).create(self.options(app)))
        self.assertEqual((st, js["attestation"]["trust"]), (201, "none"),
                         js)
        # revoked by its owner, once
        st, _, js = self.call(app, "POST", "/%s/revocation" % pk["id"])
        self.assertEqual((st, js["status"]), (200, "revoked"), js)
        self.assertProblem(self.call(
            app, "POST", "/%s/revocation" % pk["id"]), 404)
        self.assertEqual(self.srv.db.scalar(
            "SELECT status FROM passkeys WHERE id = '%s'" % pk["id"]),
            "revoked")
        self.assertEqual(self.srv.db.count(
            "audit_log", "subject = '%s' AND action = 'passkey.revoked'"
            % app["id"]), 1)

    def test_bad_answers_refused_nothing_recorded(self):
        app = self.proofed(12)
        auth = Authenticator(ORIGIN, RP_ID)
        cases = [
            ("uv off", dict(uv=False), "attestation_object"),
            ("wrong origin", dict(origin="https://evil.example"),
             "client_data_json"),
            ("wrong rp id", dict(rp_id="evil.example"),
             "attestation_object"),
            ("wrong type", dict(kind="webauthn.get"), "client_data_json"),
            ("bad self signature", dict(fmt="self", bad_sig=True),
             "attestation_object"),
        ]
        for what, kw, field in cases:
            with self.subTest(what):
                opt = self.options(app)
                self.assertProblem(self.call(
                    app, "POST", "", auth.create(opt, **kw)), 422, field)
        opt = self.options(app)
        good = auth.create(opt)
        hostile = [
            ({"client_data_json": "!!", "attestation_object":
              good["attestation_object"]}, "client_data_json"),
            ({"client_data_json": good["client_data_json"],
              "attestation_object": "AAAA"}, "attestation_object"),
            ({"client_data_json": good["client_data_json"],
              "attestation_object": "A" * 30000}, "attestation_object"),
            (dict(good, extra=1), "extra"),
            ({"client_data_json": good["client_data_json"]}, "body"),
            (dict(good, name="x" * 65), "name"),
        ]
        for body, field in hostile:
            with self.subTest(field=field):
                self.assertProblem(self.call(app, "POST", "", body), 422,
                                   field)
        self.assertEqual(self.count(app), 0)
        # the refusals burnt nothing: the good answer still registers
        st, _, js = self.call(app, "POST", "", good)
        self.assertEqual(st, 201, js)

    def test_expired_challenge(self):
        app = self.proofed(13)
        opt = self.options(app)
        self.srv.set_clock(301)
        self.assertProblem(self.call(
            app, "POST", "", Authenticator(ORIGIN, RP_ID).create(opt)), 400)
        self.assertEqual(self.count(app), 0)
        # The sweep deletes the challenge and the (used) OpenID sign-in an
        # hour after they expire, by the server's clock.
        where = "application_id = '%s'" % app["id"]
        self.assertEqual(self.srv.db.count("passkey_challenges", where), 1)
        self.assertEqual(self.srv.db.count("oidc_flows", where), 1)
        self.srv.set_clock(301 + 3600 + 900)
        harness.wait_until(
            lambda: self.srv.db.count("passkey_challenges", where) +
            self.srv.db.count("oidc_flows", where) == 0, 30, 0.2,
            "the sweep of expired challenges and sign-ins")

    def test_open_challenges_capped(self):
        app = self.proofed(14)
        where = "application_id = '%s'" % app["id"]
        opts = [self.options(app) for _ in range(10)]
        # Passkey records only: the application's mails, still being
        # sent, are audited meanwhile.
        passkey_audits = "action LIKE 'passkey.%'"
        audits = self.srv.db.count("audit_log", passkey_audits)
        st, h, js = self.call(app, "POST", "/options")
        self.assertProblem((st, h, js), 429)
        self.assertTrue(js["type"].endswith("/too-many-challenges"), js)
        self.assertTrue(0 < int(h["retry-after"]) <= 300, h)
        self.assertEqual(self.srv.db.count("passkey_challenges", where), 10)
        self.assertEqual(
            self.srv.db.count("audit_log", passkey_audits), audits)
        # A registration that ends frees its place.
        st, _, js = self.call(app, "POST", "", Authenticator(
            ORIGIN, RP_ID).create(opts[0]))
        self.assertEqual(st, 201, js)
        self.options(app)
        self.assertProblem(self.call(app, "POST", "/options"), 429)
        # Expired ones no longer count.
        self.srv.set_clock(301)
        self.options(app)

    def test_strict_product_takes_attested_only(self):
        app = self.proofed(14)
        self.srv.db.query("UPDATE products SET passkeys = 'attested' WHERE "
                          "code = 'epcs-hardware'")
        for what, auth, fmt in [
                ("none", Authenticator(ORIGIN, RP_ID), "none"),
                ("self", Authenticator(ORIGIN, RP_ID), "self"),
                ("another root", Authenticator(
                    ORIGIN, RP_ID, self.other_root.leaf()), "x5c")]:
            with self.subTest(what):
                body = self.assertProblem(self.call(
                    app, "POST", "", auth.create(self.options(app),
                                                 fmt=fmt)), 422)
                self.assertTrue(body["type"].endswith(
                    "/passkey-not-accepted"), body)
        auth = Authenticator(ORIGIN, RP_ID, self.root.leaf())
        st, _, js = self.call(app, "POST", "",
                              auth.create(self.options(app), fmt="x5c"))
        self.assertEqual(st, 201, js)
        self.assertEqual(js["attestation"]["trust"], "trusted")
        self.assertIn("Test Authenticator Root", js["attestation"]["issuer"])
        # a bad signature under a trusted certificate is still refused
        bad = Authenticator(ORIGIN, RP_ID, self.root.leaf())
        self.assertProblem(self.call(app, "POST", "", bad.create(
            self.options(app), fmt="x5c", bad_sig=True)), 422,
            "attestation_object")
        self.assertEqual(self.count(app), 1)

    def test_who_may_call(self):
        app = self.proofed(15)
        # another applicant (proofing still open: the second proofed Ada
        # would be a duplicate, sent to review)
        other = self.verified(self.srv, ada(16))
        # no session
        for method, path in [("POST", "/options"), ("POST", ""),
                             ("GET", ""), ("POST", "/pk_x/revocation")]:
            st, _, js = self.srv.http(
                method, "/v1/applications/%s/passkeys%s" % (app["id"], path),
                {} if method == "POST" else None)
            self.assertEqual(st, 401, (method, path, js))
        # another application's session: nothing of this one
        token = other["session"]["token"]
        self.assertProblem(self.call(app, "POST", "/options", token=token),
                           404)
        self.assertProblem(self.call(app, "GET", "", token=token), 404)
        opt = self.options(app)
        answer = Authenticator(ORIGIN, RP_ID).create(opt)
        self.assertProblem(self.call(app, "POST", "", answer, token=token),
                           404)
        st, _, pk = self.call(app, "POST", "", answer)
        self.assertEqual(st, 201, pk)
        self.assertProblem(self.call(
            app, "POST", "/%s/revocation" % pk["id"], token=token), 404)
        # before proofing: not yet, not even with another's challenge
        self.assertProblem(self.call(other, "POST", "/options"), 409)
        self.assertProblem(self.call(other, "POST", "", Authenticator(
            ORIGIN, RP_ID).create(self.options(app))), 409)
        # a product without passkeys
        self.srv.db.query("UPDATE products SET passkeys = 'none'")
        body = self.assertProblem(self.call(app, "POST", "/options"), 409)
        self.assertTrue(body["type"].endswith("/passkey-not-offered"))


class OperatorTest(PasskeyCase):
    """Operators: any role lists an application's passkeys; only the
    revoker and admin roles revoke one."""

    def server(self, **over):
        self.tls = tlsutil.tls_init(self.tmp)
        over.update(self.tls["env"])
        db = self.start_db(operators=harness.STAFF, env=self.tls["env"],
                           out=self.tmp)
        return self.start_server(db=db, env=self.op.env(**over))

    def operator(self, name, roles):
        return self.take_operator(self.srv.db, name, roles, self.tmp,
                                  self.tls["env"])

    def ops(self, who, method, path):
        cert, key = who
        return tlsutil.https(self.srv.tls_port, method, path,
                             {} if method == "POST" else None, cert=cert,
                             key=key, cafile=self.tls["ca"])

    def test_operator_roles(self):
        app = self.proofed(18)
        st, _, pk = self.call(app, "POST", "", Authenticator(
            ORIGIN, RP_ID).create(self.options(app)))
        self.assertEqual(st, 201, pk)
        reviewer = self.operator("rita", "reviewer")
        revoker = self.operator("ray", "revoker")
        base = "/v1/applications/%s/passkeys" % app["id"]
        st, _, js = self.ops(reviewer, "GET", base)
        self.assertEqual((st, [p["id"] for p in js["passkeys"]]),
                         (200, [pk["id"]]), js)
        self.assertProblem(self.ops(reviewer, "POST", "%s/%s/revocation"
                                    % (base, pk["id"])), 403)
        self.assertEqual(self.srv.db.scalar(
            "SELECT status FROM passkeys WHERE id = '%s'" % pk["id"]),
            "active")
        st, _, js = self.ops(revoker, "POST", "%s/%s/revocation"
                             % (base, pk["id"]))
        self.assertEqual((st, js["status"]), (200, "revoked"), js)
        [[actor]] = self.srv.db.audits(
            "actor", "subject = '%s' AND action = 'passkey.revoked'"
            % app["id"])
        self.assertTrue(actor.startswith("operator:"), actor)


if __name__ == "__main__":
    harness.main()
