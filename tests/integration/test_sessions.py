#!/usr/bin/python3
"""Sessions: log-in, growing delays after failures, bearer tokens on
GET /v1/applications/{id} (more on throttles in test_abuse.py)."""
import harness


class SessionTest(harness.TestCase):

    def setUp(self):
        super().setUp()
        self.srv = self.start_server()
        self.app = self.apply(self.srv)

    def get_app(self, app_id, token):
        return self.srv.http("GET", "/v1/applications/" + app_id,
                             headers=self.bearer(token) if token else None)

    def test_login_failures_then_delays(self):
        app = self.app
        for i in range(5):
            self.assertProblem(self.login(self.srv, "not the password",
                                          app_id=app["id"]), 401)
        # From this address the next try waits 2 s, even with the right
        # password; 429 with Retry-After.
        resp = self.login(self.srv, app["_password"], app_id=app["id"])
        self.assertProblem(resp, 429)
        self.assertRetryAfter(resp[1])
        self.assertLessEqual(int(resp[1]["retry-after"]), 2)
        # The wait passes; the right password logs in and starts again.
        self.srv.set_clock(3)
        st, _, js = self.login(self.srv, app["_password"], app_id=app["id"])
        self.assertEqual(st, 201, js)
        for i in range(5):
            self.assertProblem(self.login(self.srv, "not the password",
                                          app_id=app["id"]), 401)
        # Each further failure doubles the wait: 4, 8, 16 s.
        off = 3
        for wait in (4, 8, 16):
            off += wait // 2 + 1
            self.srv.set_clock(off)
            self.assertProblem(self.login(self.srv, "not the password",
                                          app_id=app["id"]), 401)
            resp = self.login(self.srv, app["_password"], app_id=app["id"])
            self.assertProblem(resp, 429)
            self.assertIn(int(resp[1]["retry-after"]), (wait - 1, wait))

    def test_unknown_account_is_401(self):
        self.assertProblem(self.login(self.srv, "whatever it is",
                                      email_addr="nobody@example.org"), 401)
        self.assertProblem(self.login(self.srv, "whatever it is",
                                      app_id="app_doesnotexist"), 401)
        resp = self.srv.http("POST", "/v1/sessions",
                             {"password": self.app["_password"]})
        self.assertIn(resp[0], (400, 422), resp)

    def test_bearer_token(self):
        app = self.app
        st, _, got = self.get_app(app["id"], app["session"]["token"])
        self.assertEqual(st, 200, got)
        self.assertEqual(got["status"], "email_pending")
        self.assertEqual([e["status"] for e in got["timeline"]],
                         ["email_pending"])
        self.assertProblem(self.get_app(app["id"], None), 401)
        self.assertProblem(self.get_app(app["id"], "bogus"), 401)
        resp = self.srv.http("GET", "/v1/applications/" + app["id"],
                             headers={"Authorization": "Basic Zm9vOmJhcg=="})
        self.assertProblem(resp, 401)
        # Another applicant's session does not see this application.
        other = self.apply(self.srv)
        self.assertProblem(self.get_app(app["id"],
                                        other["session"]["token"]), 404)
        self.assertProblem(self.get_app("app_doesnotexist",
                                        app["session"]["token"]), 404)

    def test_session_idle_expiry(self):
        app = self.app
        st, _, s = self.login(self.srv, app["_password"], app_id=app["id"])
        self.assertEqual(st, 201, s)
        self.srv.set_clock(20 * 60)
        self.assertEqual(self.get_app(app["id"], s["token"])[0], 200)
        self.srv.set_clock(20 * 60 + 31 * 60)
        self.assertProblem(self.get_app(app["id"], s["token"]), 401)


if __name__ == "__main__":
    harness.main()
