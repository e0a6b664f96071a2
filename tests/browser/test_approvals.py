#!/usr/bin/python3
"""The portal's /approve page in a browser (docs/approvals.md): the real
server with the reference OpenID provider (tests/integration/
test_oidc.py), an application of the partner's program proofed through
it, then `node approvals.test.mjs`, which registers passkeys with
Chromium's virtual authenticator and approves, as the prescriber, what it
asks as the EHR.  The portal is opened at http://localhost:PORT (the RP
id), and at http://127.0.0.1:PORT as another origin.  Then every record
the EHR got is verified by the independent script
(tests/integration/jws_verify.py: Python's cryptography only) with the
published JWKS, and the database holds what the page did."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
import jws_verify  # noqa: E402
from test_oidc import OidcCase, ada  # noqa: E402
from walk import Walked, require_browser, walk  # noqa: E402

ROUNDS = 15


class ApprovalBrowserTest(Walked, OidcCase):

    walk_script = "approvals.test.mjs"

    def test_approvals(self):
        require_browser(self)
        srv = self.start_server(env=self.op.env(
            RXCA_APPROVAL_KEY=os.path.join(self.tmp, "approval.key"),
            RXCA_APPROVAL_PENDING_MAX="50", RXCA_APPROVAL_HOURLY_MAX="1000",
            RXCA_WEBHOOK_ALLOW_PRIVATE="1", RXCA_WEBHOOK_BACKOFF_MAX="1"),
            start=False)
        origin = srv.base.replace("127.0.0.1", "localhost")
        srv.env["RXCA_PASSKEY_ORIGIN"] = origin
        srv.start()
        r = srv.db.admin("partner", "add", "Acme EHR", "acme")
        self.assertEqual(r.returncode, 0, r.stderr)
        pid = r.stdout.strip()
        r = srv.db.admin("partner", "key", pid)
        self.assertEqual(r.returncode, 0, r.stderr)
        key = r.stdout.strip()
        st, _, js = srv.http("PUT", "/v1/partner/program", {"open": True},
                             headers=self.bearer(key))
        self.assertEqual(st, 200, js)
        body = ada(41)
        body["program"] = "acme"
        app = self.verified(srv, body)
        st, _, js = self.proof(srv, app)
        self.assertEqual((st, js["status"]), (200, "approved"), js)
        records = os.path.join(self.tmp, "records.json")
        walk(self, "approvals.test.mjs", 300, BASE_URL=origin,
             OTHER_URL=srv.base, APP_ID=app["id"], PASSWORD=app["_password"],
             PARTNER_KEY=key, CLOCK_FILE=srv.clock_file, RECORDS=records,
             ROUNDS=str(ROUNDS), APPROVAL_SECONDS="300")
        # every record the EHR got, checked without rxca
        st, _, jwks = srv.http("GET", "/.well-known/jwks.json")
        self.assertEqual(st, 200, jwks)
        with open(records) as f:
            recs = json.load(f)
        self.assertEqual(len(recs), ROUNDS)
        counts = []
        for rec in recs:
            _, claims = jws_verify.verify(rec, jwks)
            self.assertEqual(claims["decision"], "approved")
            self.assertEqual(claims["prescriber"]["application"], app["id"])
            self.assertEqual(claims["prescriber"]["npi"],
                             body["applicant"]["npi"])
            self.assertTrue(claims["user_verified"])
            counts.append(claims["authenticator"]["sign_count"])
        self.assertEqual(counts, sorted(set(counts)))
        # the database: what the page did
        rows = dict(srv.db.query(
            "SELECT name, status || ' ' || coalesce(disabled_reason, '') "
            "FROM passkeys WHERE application_id = '%s'" % app["id"]))
        self.assertEqual(rows, {"Phone A": "disabled sign_count_regressed",
                                "Phone B": "revoked "})
        states = dict(srv.db.query(
            "SELECT state, count(*) FROM passkey_approvals WHERE "
            "application_id = '%s' GROUP BY state" % app["id"]))
        self.assertEqual(states.get("approved"), str(ROUNDS))
        # the late one by its refused decision; another pending at the
        # clock's jump may have been swept too
        self.assertIn(states.get("expired"), ("1", "2"))
        self.assertEqual(srv.db.count(
            "audit_log", "subject = '%s' AND action = 'approval.approved'"
            % app["id"]), ROUNDS)


if __name__ == "__main__":
    harness.main()
