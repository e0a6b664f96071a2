#!/usr/bin/python3
"""Operators over mutual TLS: the review queue and decisions, and who may
call the operator routes (no certificate, a foreign one, an expired one,
an unknown or disabled operator, the wrong role, an applicant session).
Refusals of a known operator are audited; the others are counted in
/metrics only."""
import json
import os
import re

import harness
from harness import wait_until
from provider import start_provider
import tlsutil
from test_proofing import ALAN, ADA, FAST, person

DAY = 86400


class OperatorCase(harness.TestCase):
    # The operators each test starts with, (name, roles): its database
    # is a copy of one they were added to once (harness.STAFF).
    operators = harness.STAFF
    # True: the class's tests share one server, provider and database
    # (harness.ClassFixtures); else each test has its own.
    shared = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.shared:
            cls.start(cls, harness.ClassFixtures(cls))

    def setUp(self):
        super().setUp()
        if not self.shared:
            self.start(self, self)

    @staticmethod
    def start(to, fx):
        """Starts a provider and a server with HTTPS by fx (a test or a
        harness.ClassFixtures), setting to's fx, tls, prov, certs and
        srv."""
        to.fx = fx
        to.prov = start_provider(fx)
        env = dict(FAST)
        env.update(to.prov.env())
        to.srv, to.tls, to.certs = tlsutil.operator_server(
            fx, env, to.operators)

    def operator(self, name, roles):
        """Operator name with roles and a client certificate: (cert,
        key); one of the class's operators, else added now."""
        return self.fx.take_operator(self.srv.db, name, roles, self.certs,
                                     self.tls["env"])

    def ops(self, method, path, body=None, who=None, headers=None):
        cert, key = who if who else (None, None)
        return tlsutil.https(self.tls["port"], method, path, body,
                             headers=headers, cert=cert, key=key,
                             cafile=self.tls["ca"])

    def in_review(self):
        """An application of ALAN (the provider says review), in review."""
        app = self.apply(self.srv, person(*ALAN))
        code = self.code_for(self.srv, app["_email"])
        st, _, js = self.verify(self.srv, app["id"], code)
        self.assertEqual(st, 200, js)

        def status():
            s = self.srv.db.scalar("SELECT status FROM applications WHERE "
                                   "id = '%s'" % app["id"])
            return s if s != "proofing" else None
        self.assertEqual(wait_until(status, 30, 0.1, "the check"), "review")
        return app

    def refusals(self, reason):
        return self.srv.db.count(
            "audit_log", "action = 'operator.refused' AND details::jsonb "
            "->> 'reason' = '%s'" % reason)

    def anonymous(self, reason):
        """Refusals without a valid operator certificate, as /metrics
        counts them (they are not audited)."""
        st, _, body = self.srv.http("GET", "/metrics")
        self.assertEqual(st, 200)
        m = re.search(r'(?m)^rxca_operator_refusals_total\{reason="%s"\} '
                      r'(\d+)$' % re.escape(reason), body.decode())
        return int(m.group(1)) if m else None


class ReviewTest(OperatorCase):
    # One server for the class: each test decides its own applications,
    # and the queue is looked at for them.
    shared = True

    def test_queue_and_approve(self):
        rev = self.operator("rita", "reviewer")
        app = self.in_review()
        st, _, js = self.ops("GET", "/v1/ops/applications?status=review",
                             who=rev)
        self.assertEqual(st, 200, js)
        ids = [i["id"] for i in js["items"]]
        self.assertIn(app["id"], ids)
        item = js["items"][ids.index(app["id"])]
        self.assertEqual(item["status"], "review")
        self.assertEqual(item["applicant"]["family_name"], "Turing")
        # The operator sees what the providers said.
        idv = [c for c in item["identity_checks"] if c["provider"] == "idv"]
        self.assertEqual(idv[0]["outcome"], "review")
        self.assertEqual(idv[0]["score"], 62)
        self.assertIn("address_history_short", idv[0]["reasons"])
        # No secrets or identity numbers in the operators' queue.
        text = json.dumps(js)
        for s in ("4321", "correct horse", "tok_avs", "argon2"):
            self.assertNotIn(s, text)

        # Dual control: rena asks, rita confirms, and the decision is
        # rita's (the operator whose confirmation made it).
        rena = self.operator("rena", "reviewer")
        st, _, js = self.dual(self.ops, rena, rev, "POST",
                              "/v1/ops/applications/%s/decision"
                              % app["id"], {"decision": "approve",
                                            "reason": "documents checked"})
        self.assertEqual(st, 200, js)
        self.assertEqual(js["status"], "approved")
        opr = self.srv.db.scalar("SELECT id FROM operators WHERE "
                                 "name = 'rita'")
        self.assertEqual(js["decided_by"], opr)
        # The decision is recorded with the operator, audited, mailed.
        row = self.srv.db.query("SELECT decision, decided_by, reason FROM "
                                "decisions WHERE application_id = '%s'"
                                % app["id"])
        self.assertEqual([tuple(r) for r in row],
                         [("approve", "operator:" + opr,
                           "documents checked")])
        audit = self.srv.db.audits(
            "actor, details", "action = 'application.approved' AND "
            "subject = '%s'" % app["id"])
        self.assertEqual(audit[0][0], "operator:" + opr)
        details = json.loads(audit[0][1])
        self.assertEqual(details["operator_name"], "rita")
        self.assertEqual(details["cert_sha256"], tlsutil.sha256_fingerprint(
            rev[0]))
        msg = self.srv.sink.wait_for(app["_email"])
        self.assertIn("approved", msg["Subject"])
        # The applicant sees the decision, not the operator.
        st, _, mine = self.srv.http(
            "GET", "/v1/applications/" + app["id"],
            headers=self.bearer(app["session"]["token"]))
        self.assertEqual(mine["status"], "approved")
        self.assertNotIn("actor", json.dumps(mine["timeline"]))
        # An operator sees the actors.
        st, _, theirs = self.ops("GET", "/v1/applications/" + app["id"],
                                 who=rev)
        self.assertEqual(st, 200, theirs)
        self.assertEqual(theirs["timeline"][-1]["actor"], "operator:" + opr)
        # Decided once: a second decision, by anyone, is 409.
        self.assertProblem(self.ops(
            "POST", "/v1/ops/applications/%s/decision" % app["id"],
            {"decision": "reject", "reason": "again"}, who=rev), 409)
        self.assertEqual(self.srv.db.admin("audit", "verify").returncode, 0)

    def test_reject_with_reason_reaches_the_applicant(self):
        rev = self.operator("rita", "reviewer")
        app = self.in_review()
        st, _, js = self.ops("POST", "/v1/ops/applications/%s/decision"
                             % app["id"], {"decision": "reject",
                                           "reason": "address not proven"},
                             who=rev)
        self.assertEqual(st, 200, js)
        self.assertEqual(js["status"], "rejected")
        msg = self.srv.sink.wait_for(app["_email"])
        self.assertIn("address not proven", harness.mail_text(msg))
        st, _, mine = self.srv.http(
            "GET", "/v1/applications/" + app["id"],
            headers=self.bearer(app["session"]["token"]))
        self.assertEqual(mine["timeline"][-1]["note"], "address not proven")

    def test_two_reviewers_race_one_wins(self):
        a = self.operator("rita", "reviewer")
        b = self.operator("rena", "reviewer")
        c = self.operator("ron", "reviewer")  # confirms a's approval
        app = self.in_review()
        import threading
        out = []

        def decide(who, d):
            out.append(self.dual(self.ops, who, c, "POST",
                                 "/v1/ops/applications/%s/decision"
                                 % app["id"], {"decision": d,
                                               "reason": "race"})[0])
        ts = [threading.Thread(target=decide, args=(a, "approve")),
              threading.Thread(target=decide, args=(b, "reject"))]
        [t.start() for t in ts]
        [t.join() for t in ts]
        self.assertEqual(sorted(out), [200, 409])
        self.assertEqual(self.srv.db.count(
            "decisions", "application_id = '%s'" % app["id"]), 1)

    def test_bad_decisions(self):
        rev = self.operator("rita", "reviewer")
        app = self.in_review()
        path = "/v1/ops/applications/%s/decision" % app["id"]
        for body, field in (
                ({"decision": "maybe", "reason": "x"}, "decision"),
                ({"decision": "approve"}, "reason"),
                ({"decision": "approve", "reason": "   "}, "reason"),
                ({"decision": "approve", "reason": "a\nb"}, "reason"),
                ({"decision": "approve", "reason": "x" * 501}, "reason"),
                ({"decision": 1, "reason": "x"}, "decision"),
                ({"decision": "approve", "reason": "x", "extra": 1},
                 "extra")):
            with self.subTest(body=body):
                self.assertProblem(self.ops("POST", path, body, who=rev),
                                   422, field)
        self.assertProblem(self.ops("POST", "/v1/ops/applications/"
                                    "app_nonexistent/decision",
                                    {"decision": "approve", "reason": "x"},
                                    who=rev), 404)
        # Not in review: an approved application cannot be decided.
        other = self.apply(self.srv, person(*ADA))
        self.assertProblem(self.ops(
            "POST", "/v1/ops/applications/%s/decision" % other["id"],
            {"decision": "approve", "reason": "x"}, who=rev), 409)
        self.assertEqual(self.srv.db.scalar(
            "SELECT status FROM applications WHERE id = '%s'" % app["id"]),
            "review")

    def test_queue_paging_and_bad_parameters(self):
        rev = self.operator("rita", "reviewer")
        apps = [self.in_review() for _ in range(3)]
        seen = []
        after = None
        while True:
            q = "/v1/ops/applications?status=review&limit=2"
            if after:
                q += "&after=" + after
            st, _, js = self.ops("GET", q, who=rev)
            self.assertEqual(st, 200, js)
            seen += [i["id"] for i in js["items"]]
            after = js["next_after"]
            if after is None:
                break
        # Each once, this test's among them (the queue holds the other
        # tests' applications too).
        self.assertEqual(len(seen), len(set(seen)), seen)
        mine = [a["id"] for a in apps]
        self.assertEqual(sorted(i for i in seen if i in mine), sorted(mine))
        for q, field in (("status=nonsense", "status"),
                         ("limit=0", "limit"), ("limit=201", "limit"),
                         ("limit=x", "limit"), ("bogus=1", "bogus"),
                         ("status=review&status=review", "status")):
            with self.subTest(q=q):
                self.assertProblem(self.ops(
                    "GET", "/v1/ops/applications?" + q, who=rev), 422, field)


class AuthorizationTest(OperatorCase):
    # One server for the class: each test counts the refusals its own
    # requests add (to /metrics and the audit log, which the others'
    # requests add to too); none of its refusals is audited.
    shared = True

    def test_no_certificate_is_401_and_counted(self):
        before = self.anonymous("no-certificate") or 0
        self.assertProblem(self.ops("GET", "/v1/ops/applications"), 401)
        self.assertEqual(self.refusals("no-certificate"), 0)
        self.assertEqual(self.anonymous("no-certificate"), before + 1)

    def test_plain_http_is_401(self):
        before = self.anonymous("not-https") or 0
        self.assertProblem(self.srv.http("GET", "/v1/ops/applications"), 401)
        self.assertEqual(self.refusals("not-https"), 0)
        self.assertEqual(self.anonymous("not-https"), before + 1)

    def test_applicant_session_is_refused(self):
        app = self.apply(self.srv, person(*ADA))
        hdr = self.bearer(app["session"]["token"])
        self.assertProblem(self.srv.http("GET", "/v1/ops/applications",
                                         headers=hdr), 401)
        self.assertProblem(self.ops("GET", "/v1/ops/applications",
                                    headers=hdr), 401)
        self.assertProblem(self.ops(
            "POST", "/v1/ops/applications/%s/decision" % app["id"],
            {"decision": "approve", "reason": "x"}, headers=hdr), 401)

    def test_wrong_role_is_403(self):
        ful = self.operator("fay", "fulfiller")
        app = self.in_review()
        before = self.refusals("missing-role")
        self.assertProblem(self.ops("GET", "/v1/ops/applications",
                                    who=ful), 403)
        self.assertProblem(self.ops(
            "POST", "/v1/ops/applications/%s/decision" % app["id"],
            {"decision": "approve", "reason": "x"}, who=ful), 403)
        self.assertEqual(self.refusals("missing-role"), before + 2)
        # An auditor may read the queue but not decide.
        aud = self.operator("alice", "auditor")
        self.assertEqual(self.ops("GET", "/v1/ops/applications",
                                  who=aud)[0], 200)
        self.assertProblem(self.ops(
            "POST", "/v1/ops/applications/%s/decision" % app["id"],
            {"decision": "approve", "reason": "x"}, who=aud), 403)
        # An admin may do everything (with a second one, under dual
        # control).
        adm = self.operator("root", "admin")
        adm2 = self.operator("ann", "admin")
        self.assertEqual(self.dual(
            self.ops, adm, adm2, "POST",
            "/v1/ops/applications/%s/decision" % app["id"],
            {"decision": "approve", "reason": "ok"})[0], 200)

    def test_foreign_certificate_is_refused(self):
        d = os.path.join(self.tmp, "foreign")
        os.mkdir(d)
        tlsutil.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                        os.path.join(d, "k.pem"), "-out",
                        os.path.join(d, "c.pem"), "-days", "30", "-subj",
                        "/CN=mallory")
        who = (os.path.join(d, "c.pem"), os.path.join(d, "k.pem"))
        before = self.anonymous("certificate-not-accepted") or 0
        try:
            st = self.ops("GET", "/v1/ops/applications", who=who)[0]
        except OSError:
            st = "refused at TLS"
        self.assertIn(st, (401, "refused at TLS"))
        self.assertEqual(self.refusals("certificate-not-accepted"), 0)
        self.assertEqual(self.anonymous("certificate-not-accepted"),
                         before + (1 if st == 401 else 0))


class LostAccessTest(OperatorCase):
    """A server per test: each takes an operator's access away (its row,
    its account, the clock past its certificate)."""

    def test_unknown_operator_is_401(self):
        # A certificate from the operators' CA, but no operator row: make
        # one and remove the row.
        who = self.operator("rita", "reviewer")
        self.srv.db.query("DELETE FROM operators WHERE name = 'rita'")
        self.assertProblem(self.ops("GET", "/v1/ops/applications",
                                    who=who), 401)
        self.assertEqual(self.refusals("unknown-operator"), 0)
        self.assertEqual(self.anonymous("unknown-operator"), 1)

    def test_disabled_operator_is_401(self):
        who = self.operator("rita", "reviewer")
        self.assertEqual(self.ops("GET", "/v1/ops/applications",
                                  who=who)[0], 200)
        r = self.srv.db.admin("operator", "disable", "rita")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertProblem(self.ops("GET", "/v1/ops/applications",
                                    who=who), 401)
        self.assertEqual(self.refusals("operator-disabled"), 1)

    def test_expired_certificate_is_401(self):
        who = self.operator("rita", "reviewer")
        self.assertEqual(self.ops("GET", "/v1/ops/applications",
                                  who=who)[0], 200)
        # Two years later the one-year certificate has expired.
        self.srv.set_clock(2 * 365 * DAY)
        self.assertProblem(self.ops("GET", "/v1/ops/applications",
                                    who=who), 401)
        # Not a valid certificate any more: counted, not audited.
        self.assertEqual(self.refusals("certificate-not-accepted") +
                         self.refusals("certificate-expired"), 0)
        self.assertGreaterEqual(
            self.anonymous("certificate-not-accepted") +
            self.anonymous("certificate-expired"), 1)
        self.assertEqual(self.srv.db.admin("audit", "verify").returncode, 0)


if __name__ == "__main__":
    harness.main()
