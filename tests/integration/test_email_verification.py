#!/usr/bin/python3
"""E-mail verification: wrong codes, attempt limits, resend, the 30-day
window (at verify time and by the sweep)."""
import harness

DAY = 86400
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def wrong_code(code):
    """A well-formed code that is not code."""
    c = list(code.replace("-", ""))
    c[0] = ALPHABET[(ALPHABET.index(c[0]) + 1) % len(ALPHABET)]
    c = "".join(c)
    return c[:5] + "-" + c[5:]


class VerifyCase(harness.TestCase):

    def applied(self):
        app = self.apply(self.srv)
        return app, self.code_for(self.srv, app["_email"])

    def resend(self, app, token=None):
        t = token if token is not None else app["session"]["token"]
        return self.srv.http(
            "POST", "/v1/applications/%s/email-verification/resend"
            % app["id"], headers=self.bearer(t) if t else None)

    def status_of(self, app):
        return self.srv.db.scalar("SELECT status FROM applications "
                                  "WHERE id = '%s'" % app["id"])


class VerifyTest(VerifyCase):
    """One server for the class (harness.ClassFixtures): each test looks
    at its own application and mail only, and none moves the clock."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv = harness.ClassFixtures(cls).start_server()

    def test_wrong_code_counts_down_then_429(self):
        app, code = self.applied()
        bad = wrong_code(code)
        for left in (4, 3, 2, 1):
            body = self.assertProblem(self.verify(self.srv, app["id"], bad),
                                      422)
            self.assertEqual(body.get("attempts_left"), left, body)
        st, h, body = self.verify(self.srv, app["id"], bad)
        if st == 422:  # the fifth wrong try may still say "0 left"
            self.assertEqual(body.get("attempts_left"), 0, body)
        else:
            self.assertProblem((st, h, body), 429)
        # The code is dead now, even when right.
        resp = self.verify(self.srv, app["id"], code)
        self.assertProblem(resp, 429)
        self.assertRetryAfter(resp[1])
        self.assertEqual(self.status_of(app), "email_pending")
        # A resend gives a new code that works.
        st, _, js = self.resend(app)
        self.assertEqual((st, js), (202, {"status": "sent"}))
        new = self.code_for(self.srv, app["_email"])
        self.assertNotEqual(new, code)
        st, _, js = self.verify(self.srv, app["id"], new)
        self.assertEqual(st, 200, js)
        self.assertEqual(js["status"], "proofing")

    def test_malformed_code_is_refused(self):
        app, code = self.applied()
        for bad in ("", "12345", code + "X"):
            with self.subTest(code=bad):
                st = self.verify(self.srv, app["id"], bad)[0]
                self.assertIn(st, (400, 422))
        self.assertProblem(self.srv.http(
            "POST", "/v1/applications/%s/email-verification" % app["id"],
            {"code": code, "extra": 1}), 422, "extra")
        self.assertProblem(self.verify(self.srv, "app_doesnotexist", code),
                           404)
        # The right code still works.
        st, _, js = self.verify(self.srv, app["id"], code)
        self.assertEqual(st, 200, js)

    def test_resend_kills_old_code(self):
        app, old = self.applied()
        st, _, js = self.resend(app)
        self.assertEqual((st, js), (202, {"status": "sent"}))
        msg = self.srv.sink.wait_for(app["_email"])
        self.assertIn("verification code", msg["Subject"].lower())
        new = harness.mail_code(msg)
        self.assertNotEqual(new, old)
        self.assertProblem(self.verify(self.srv, app["id"], old), 422)
        st, _, js = self.verify(self.srv, app["id"], new)
        self.assertEqual(st, 200, js)

    def test_resend_needs_the_session(self):
        app, _ = self.applied()
        self.assertProblem(self.resend(app, token=""), 401)
        self.assertProblem(self.resend(app, token="not-a-token"), 401)
        other = self.apply(self.srv)
        st = self.resend(app, token=other["session"]["token"])[0]
        self.assertIn(st, (403, 404))


class WindowTest(VerifyCase):
    """A server per test: each moves its clock."""

    def setUp(self):
        super().setUp()
        self.srv = self.start_server()

    def test_application_attempt_limit(self):
        app, code = self.applied()
        wrong = 0
        for round_ in range(4):
            for _ in range(5):
                st = self.verify(self.srv, app["id"], wrong_code(code))[0]
                self.assertIn(st, (422, 429))
                wrong += 1
            st, _, js = self.resend(app)
            if round_ < 3:
                self.assertEqual(st, 202, js)
                code = self.code_for(self.srv, app["_email"])
        self.assertEqual(wrong, 20)
        if st == 202:
            code = self.code_for(self.srv, app["_email"])
        # 20 wrong tries: locked for good, even with the right code.
        resp = self.verify(self.srv, app["id"], code)
        self.assertProblem(resp, 429)
        self.srv.set_clock(DAY)
        self.assertProblem(self.verify(self.srv, app["id"], code), 429)
        self.assertNotEqual(self.status_of(app), "proofing")

    def test_window_is_enforced_at_verify(self):
        app, code = self.applied()
        self.srv.set_clock(30 * DAY + 1)
        resp = self.verify(self.srv, app["id"], code)
        self.assertProblem(resp, 410)
        self.assertEqual(self.status_of(app), "lapsed")
        self.assertEqual(self.srv.db.count(
            "application_events", "application_id = '%s' AND status = "
            "'lapsed'" % app["id"]), 1)

    def test_code_works_until_the_window_ends(self):
        app, code = self.applied()
        self.srv.set_clock(30 * DAY - 120)
        st, _, js = self.verify(self.srv, app["id"], code)
        self.assertEqual(st, 200, js)

    def test_sweep_lapses_without_a_request(self):
        app, _ = self.applied()
        fresh = None
        self.srv.set_clock(30 * DAY + 1)
        fresh = self.apply(self.srv)  # applied "later": still pending
        harness.wait_until(lambda: self.status_of(app) == "lapsed", 15,
                           0.2, "the sweep to lapse %s" % app["id"])
        self.assertEqual(self.status_of(fresh), "email_pending")


class ResendLimitTest(harness.TestCase):

    def resend(self, srv, app):
        return srv.http("POST", "/v1/applications/%s/email-verification/"
                        "resend" % app["id"],
                        headers=self.bearer(app["session"]["token"]))

    def test_resend_interval(self):
        srv = self.start_server(env={"RXCA_EMAIL_RESEND_INTERVAL": "60"})
        app = self.apply(srv)
        srv.sink.wait_for(app["_email"])
        first = self.resend(srv, app)[0]
        self.assertIn(first, (202, 429))
        if first == 202:
            # Its mail comes first: code_for below reads the next one,
            # which must be the last resend's (this one's code dies then).
            srv.sink.wait_for(app["_email"])
        resp = self.resend(srv, app)
        self.assertProblem(resp, 429)
        self.assertRetryAfter(resp[1])
        self.assertLessEqual(int(resp[1]["retry-after"]), 60)
        srv.set_clock(61)
        st, _, js = self.resend(srv, app)
        self.assertEqual(st, 202, js)
        code = self.code_for(srv, app["_email"])
        self.assertEqual(self.verify(srv, app["id"], code)[0], 200)

    def test_resend_max(self):
        srv = self.start_server(env={"RXCA_EMAIL_RESEND_MAX": "2"})
        app = self.apply(srv)
        for _ in range(2):
            st, _, js = self.resend(srv, app)
            self.assertEqual(st, 202, js)
        self.assertProblem(self.resend(srv, app), 429)


class NistPolicyTest(harness.TestCase):

    def test_code_lives_a_day_under_nist(self):
        srv = self.start_server(env={"RXCA_POLICY": "nist-800-63"})
        app = self.apply(srv)
        code = self.code_for(srv, app["_email"])
        srv.set_clock(DAY + 60)
        st = self.verify(srv, app["id"], code)[0]
        self.assertIn(st, (410, 422), "a day-old code must not work")
        self.assertNotEqual(st, 200)
        st, _, js = srv.http(
            "POST", "/v1/applications/%s/email-verification/resend"
            % app["id"], headers=self.bearer(app["session"]["token"]))
        if st == 401:  # the session went idle meanwhile: log in again
            st, _, s = self.login(srv, app["_password"], app_id=app["id"])
            self.assertEqual(st, 201, s)
            st, _, js = srv.http(
                "POST", "/v1/applications/%s/email-verification/resend"
                % app["id"], headers=self.bearer(s["token"]))
        self.assertEqual(st, 202, js)
        code = self.code_for(srv, app["_email"])
        st, _, js = self.verify(srv, app["id"], code)
        self.assertEqual(st, 200, js)


if __name__ == "__main__":
    harness.main()
