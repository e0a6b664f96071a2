#!/usr/bin/python3
"""Abuse (issue 13, items 2 to 4): log-in and password-reset throttles per
(account, client address) and per account, the e-mailed unlock, unknown
accounts answered like known ones, X-Forwarded-For only from a trusted
proxy, log-in by verified e-mail only, daily limits of applications and
mails.  Several clients are several 127.0.0.x source addresses."""
import concurrent.futures
import http.client
import json
import statistics
import time

import harness


def http_from(srv, src, method, path, body=None, headers=None):
    """srv.http from source address src: (status, headers, JSON)."""
    h = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30,
                                      source_address=(src, 0))
    try:
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        payload = resp.read()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        status = resp.status
    finally:
        conn.close()
    if "json" in hdrs.get("content-type", "") and payload:
        payload = json.loads(payload)
    return status, hdrs, payload


def login_from(srv, src, password, email_addr=None, app_id=None,
               headers=None):
    body = {"password": password}
    if email_addr is not None:
        body["email"] = email_addr
    if app_id is not None:
        body["application_id"] = app_id
    return http_from(srv, src, "POST", "/v1/sessions", body, headers)


class AbuseCase(harness.TestCase):

    env = {}

    def setUp(self):
        super().setUp()
        self.srv = self.start_server(env=self.env)

    def verified(self, body=None):
        app = self.apply(self.srv, body)
        code = self.code_for(self.srv, app["_email"])
        st, _, js = self.verify(self.srv, app["id"], code)
        self.assertEqual(st, 200, js)
        return app

    def mail_with(self, addr, words, timeout=20):
        """The next mail to addr whose subject has words."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self.srv.sink.wait_for(
                addr, max(0.1, deadline - time.monotonic()))
            if words in msg["Subject"]:
                return msg


class LoginThrottleTest(AbuseCase):

    def test_stranger_cannot_lock_out_owner(self):
        app = self.apply(self.srv)
        for i in range(5):
            self.assertProblem(login_from(self.srv, "127.0.0.2", "wrong!!",
                                          app_id=app["id"]), 401)
        resp = login_from(self.srv, "127.0.0.2", "wrong!!", app_id=app["id"])
        self.assertProblem(resp, 429)
        self.assertRetryAfter(resp[1])
        # The owner, from another address, is not held back at all.
        st, _, js = login_from(self.srv, "127.0.0.1", app["_password"],
                               app_id=app["id"])
        self.assertEqual(st, 201, js)
        # And the stranger's wait did not end with the owner's success.
        self.assertProblem(login_from(self.srv, "127.0.0.2", "wrong!!",
                                      app_id=app["id"]), 429)

    def test_unknown_and_wrong_answer_alike(self):
        app = self.verified()
        pairs = (({"email_addr": app["_email"]},
                  {"email_addr": harness.unique_email("nobody")}),
                 ({"app_id": app["id"]}, {"app_id": "app_doesnotexist00"}))
        for known, unknown in pairs:
            for i in range(7):
                src = "127.0.1.%d" % (10 + i)
                a = login_from(self.srv, src, "wrong password", **known)
                b = login_from(self.srv, src, "wrong password", **unknown)
                self.assertEqual(a[0], b[0], (i, a, b))
                self.assertEqual(a[2], b[2], (i, a, b))
                self.assertEqual(a[1].get("retry-after"),
                                 b[1].get("retry-after"))
            # Six tries from one address: 401 five times, then 429.
            statuses = [login_from(self.srv, "127.0.0.9", "wrong pw",
                                   **kw)[0] for kw in (known, unknown)
                        for _ in range(6)]
            self.assertEqual(statuses, [401] * 5 + [429] + [401] * 5 + [429])

    def test_parallel_guesses_from_one_client(self):
        app = self.apply(self.srv)

        def guess(_):
            return login_from(self.srv, "127.0.0.3", "wrong password",
                              app_id=app["id"])[0]
        with concurrent.futures.ThreadPoolExecutor(20) as ex:
            got = list(ex.map(guess, range(20)))
        self.assertEqual(got.count(401), 5, got)
        self.assertEqual(got.count(429), 15, got)
        self.assertEqual(self.srv.db.scalar(
            "SELECT failures FROM throttles WHERE scope = 'login' "
            "AND client = '127.0.0.3'"), "5")

    def test_xff_only_from_trusted_proxy(self):
        srv = self.start_server(env={"RXCA_TRUSTED_PROXIES": "127.0.0.1"})
        app = self.apply(srv)

        def via(src, xff, password):
            return login_from(srv, src, password, app_id=app["id"],
                              headers={"X-Forwarded-For": xff})
        for i in range(5):
            self.assertProblem(via("127.0.0.1", "198.51.100.7", "wrong!!"),
                               401)
        self.assertProblem(via("127.0.0.1", "198.51.100.7", "wrong!!"), 429)
        # Another client behind the same proxy is not held back.
        self.assertEqual(via("127.0.0.1", "10.9.9.9, 198.51.100.8",
                             app["_password"])[0], 201)
        # A client that is not a trusted proxy cannot choose its address:
        # its X-Forwarded-For is ignored.
        for i in range(5):
            self.assertProblem(via("127.0.0.2", "203.0.113.%d" % i,
                                   "wrong!!"), 401)
        self.assertProblem(via("127.0.0.2", "203.0.113.99", "wrong!!"), 429)
        self.assertEqual(srv.db.scalar(
            "SELECT string_agg(client, ',' ORDER BY client) FROM throttles "
            "WHERE scope = 'login'"), "127.0.0.2,198.51.100.7")


class AccountLockTest(AbuseCase):

    def test_hundred_failures_lock_until_unlock_mail(self):
        app = self.verified()
        # 100 failures from 20 addresses (5 each, no delays).
        for n in range(100):
            src = "127.0.2.%d" % (1 + n // 5)
            st = login_from(self.srv, src, "wrong password",
                            app_id=app["id"])[0]
            self.assertEqual(st, 401 if n < 99 else 403, n)
        # Locked: the right password from a fresh address is refused too,
        # and so is a log-in by e-mail.
        resp = login_from(self.srv, "127.0.0.1", app["_password"],
                          app_id=app["id"])
        body = self.assertProblem(resp, 403)
        self.assertEqual(body["type"], "https://rxca.dev/errors/"
                         "account-locked")
        msg = self.mail_with(app["_email"], "locked")
        code = harness.mail_code(msg)
        self.assertIn(app["id"], harness.mail_text(msg))
        # A wrong code, an unknown id: 401 alike; bad shapes 422.
        wrong = ("0" if code[0] != "0" else "1") + code[1:]
        a = self.srv.http("POST", "/v1/sessions/unlock",
                          {"application_id": app["id"], "code": wrong})
        b = self.srv.http("POST", "/v1/sessions/unlock",
                          {"application_id": "app_nosuch", "code": code})
        self.assertProblem(a, 401)
        self.assertEqual(a[2], b[2])
        self.assertProblem(self.srv.http(
            "POST", "/v1/sessions/unlock",
            {"application_id": app["id"], "code": "x"}), 422, "code")
        self.assertProblem(self.srv.http(
            "POST", "/v1/sessions/unlock", {"code": code}), 422)
        st, _, js = self.srv.http("POST", "/v1/sessions/unlock",
                                  {"application_id": app["id"],
                                   "code": code})
        self.assertEqual(st, 200, js)
        st, _, js = login_from(self.srv, "127.0.0.1", app["_password"],
                               app_id=app["id"])
        self.assertEqual(st, 201, js)
        # Single use.
        self.assertProblem(self.srv.http(
            "POST", "/v1/sessions/unlock",
            {"application_id": app["id"], "code": code}), 401)
        actions = [a for (a,) in self.srv.db.audits(
            "action", "subject = '%s'" % app["id"])]
        for action in ("account.locked", "account.unlocked",
                       "email.unlock_sent"):
            self.assertIn(action, actions)

    def test_parallel_guesses_cannot_pass_the_ceiling(self):
        srv = self.start_server(env={"RXCA_LOGIN_ACCOUNT_LIMIT": "10"})
        app = self.apply(srv)

        def guess(i):
            return login_from(srv, "127.0.3.%d" % (1 + i), "wrong password",
                              app_id=app["id"])[0]
        with concurrent.futures.ThreadPoolExecutor(20) as ex:
            got = list(ex.map(guess, range(20)))
        self.assertEqual(got.count(401), 9, got)
        self.assertEqual(got.count(403), 11, got)
        self.assertEqual(srv.db.scalar(
            "SELECT failures FROM throttles WHERE scope = 'account' "
            "AND subject = '%s'" % app["id"]), "10")


class TimingTest(AbuseCase):

    # Costly enough that a skipped hash would show.
    env = {"RXCA_ARGON2_MEMORY_KIB": "16384", "RXCA_ARGON2_ITERATIONS": "2"}

    def test_unknown_costs_like_wrong(self):
        app = self.verified()
        kinds = {"known email": {"email_addr": app["_email"]},
                 "unknown email": {"email_addr": "nobody@example.org"},
                 "known id": {"app_id": app["id"]},
                 "unknown id": {"app_id": "app_doesnotexist00"}}
        times = {k: [] for k in kinds}
        for i in range(10):
            for k, kw in kinds.items():
                t0 = time.monotonic()
                st = login_from(self.srv, "127.0.4.%d" % (1 + i),
                                "wrong password", **kw)[0]
                times[k].append(time.monotonic() - t0)
                self.assertEqual(st, 401)
        med = {k: statistics.median(v) for k, v in times.items()}
        for a, b in (("known email", "unknown email"),
                     ("known id", "unknown id")):
            ratio = med[a] / med[b]
            self.assertTrue(0.5 < ratio < 2.0, (med, ratio))


class ResetTest(AbuseCase):

    def reset_code(self, app):
        st, _, js = self.srv.http("POST", "/v1/password-resets/codes",
                                  {"application_id": app["id"]})
        self.assertEqual(st, 202, js)
        return harness.mail_code(self.mail_with(app["_email"], "reset"))

    def test_stranger_cannot_block_owner_reset(self):
        app = self.verified()
        code = self.reset_code(app)
        answers = ["Rex", "London", "Babbage"]
        for i in range(5):
            body = self.assertProblem(http_from(
                self.srv, "127.0.0.2", "POST", "/v1/password-resets",
                {"application_id": app["id"], "reset_code": "AAAAA-AAAAA",
                 "answers": answers, "new_password": "stolen passphrase"}),
                401)
            self.assertNotIn("attempts_left", body)
        self.assertProblem(http_from(
            self.srv, "127.0.0.2", "POST", "/v1/password-resets",
            {"application_id": app["id"], "reset_code": code,
             "answers": answers, "new_password": "stolen passphrase"}), 429)
        # The owner, from their own address, with the mailed code.
        st, _, js = http_from(
            self.srv, "127.0.0.1", "POST", "/v1/password-resets",
            {"application_id": app["id"], "reset_code": code,
             "answers": [" rex", "LONDON", "Babbage"],
             "new_password": "a brand new passphrase"})
        self.assertEqual(st, 200, js)
        self.assertEqual(self.login(self.srv, "a brand new passphrase",
                                    app_id=app["id"])[0], 201)
        # The code worked once.
        self.assertProblem(self.srv.http("POST", "/v1/password-resets", {
            "application_id": app["id"], "reset_code": code,
            "answers": answers, "new_password": "third passphrase"}), 401)

    def test_unknown_id_like_wrong_answers(self):
        app = self.verified()
        code = self.reset_code(app)
        for i in range(6):
            a = http_from(self.srv, "127.0.5.1", "POST",
                          "/v1/password-resets",
                          {"application_id": app["id"], "reset_code": code,
                           "answers": ["Rex", "Paris", "Babbage"],
                           "new_password": "a brand new passphrase"})
            b = http_from(self.srv, "127.0.5.1", "POST",
                          "/v1/password-resets",
                          {"application_id": "app_nosuchapp00",
                           "reset_code": code,
                           "answers": ["Rex", "Paris", "Babbage"],
                           "new_password": "a brand new passphrase"})
            self.assertEqual((a[0], a[2]), (b[0], b[2]), i)
            self.assertEqual(a[0], 401 if i < 5 else 429)
        # Asking for a code: the same answer for any id or address.
        answers = [self.srv.http("POST", "/v1/password-resets/codes", body)
                   for body in ({"application_id": app["id"]},
                                {"application_id": "app_nosuchapp00"},
                                {"email": app["_email"]},
                                {"email": "nobody@example.org"})]
        self.assertEqual({(st, json.dumps(js)) for st, _, js in answers},
                         {(answers[0][0], json.dumps(answers[0][2]))})
        self.assertProblem(self.srv.http("POST", "/v1/password-resets/codes",
                                         {"email": "x"}), 422, "email")


class EmailLoginTest(AbuseCase):

    def test_unverified_application_does_not_shadow(self):
        victim = self.verified()
        attacker = harness.application(victim["_email"])
        attacker["account"]["password"] = "the attacker's password"
        st, _, js = self.srv.http("POST", "/v1/applications", attacker)
        self.assertEqual(st, 201, js)
        st, _, js = self.login(self.srv, victim["_password"],
                               email_addr=victim["_email"])
        self.assertEqual(st, 201, js)
        self.assertEqual(js["application_id"], victim["id"])
        self.assertProblem(self.login(self.srv, "the attacker's password",
                                      email_addr=victim["_email"]), 401)

    def test_several_verified_ask_which(self):
        first = self.verified()
        second = self.verified(harness.application(first["_email"]))
        resp = self.login(self.srv, second["_password"],
                          email_addr=first["_email"])
        body = self.assertProblem(resp, 409)
        self.assertNotIn("token", body)
        self.assertEqual(sorted(body["application_ids"]),
                         sorted([first["id"], second["id"]]))
        st, _, js = self.login(self.srv, first["_password"],
                               app_id=first["id"])
        self.assertEqual(st, 201, js)


class DailyLimitTest(AbuseCase):

    env = {"RXCA_APPLY_PER_EMAIL_DAY": "2", "RXCA_APPLY_PER_CLIENT_DAY": "3",
           "RXCA_CODE_MAILS_PER_EMAIL_DAY": "3"}

    def test_apply_and_mail_limits(self):
        addr = harness.unique_email()
        a1 = self.apply(self.srv, harness.application(addr))
        self.apply(self.srv, harness.application(addr))
        n = self.srv.db.count("applications")
        resp = self.srv.http("POST", "/v1/applications",
                             harness.application(addr))
        self.assertProblem(resp, 429)
        self.assertRetryAfter(resp[1])
        self.assertGreater(int(resp[1]["retry-after"]), 86000)
        self.assertEqual(self.srv.db.count("applications"), n)
        # A third mail to the address (a resend), then no more today.
        tok = self.bearer(a1["session"]["token"])
        path = "/v1/applications/%s/email-verification/resend" % a1["id"]
        st, _, js = self.srv.http("POST", path, headers=tok)
        self.assertEqual(st, 202, js)
        self.assertProblem(self.srv.http("POST", path, headers=tok), 429)
        # Per client address: 3 a day from 127.0.0.5, whatever the e-mail.
        for i in range(3):
            st, _, js = http_from(self.srv, "127.0.0.5", "POST",
                                  "/v1/applications", harness.application())
            self.assertEqual(st, 201, js)
        self.assertProblem(http_from(self.srv, "127.0.0.5", "POST",
                                     "/v1/applications",
                                     harness.application()), 429)
        # A day later, again.
        self.srv.set_clock(86400 + 60)
        st, _, js = http_from(self.srv, "127.0.0.5", "POST",
                              "/v1/applications", harness.application())
        self.assertEqual(st, 201, js)


if __name__ == "__main__":
    harness.main()
