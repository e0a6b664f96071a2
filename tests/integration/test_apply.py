#!/usr/bin/python3
"""Applying: the whole path (apply, mail, verify, log in, status), prices,
Idempotency-Key, validation and bad input that must write nothing."""
import datetime
import json
import re
import socket
import time

import harness

DAY = 86400


class ApplyFlowTest(harness.TestCase):

    def test_apply_verify_login_status(self):
        srv = self.start_server(env={"RXCA_LOG_LEVEL": "debug"})
        body = harness.application(applicant={"ssn_last4": "7391"})
        addr = body["applicant"]["email"]
        t0 = time.time()
        app = self.apply(srv, body)
        self.assertRegex(app["id"], r"^app_[A-Za-z0-9_-]+$")
        self.assertEqual(app["status"], "email_pending")
        verify_by = harness.rfc3339(app["email_verify_by"])
        self.assertAlmostEqual(verify_by, t0 + 30 * DAY, delta=120)
        self.assertEqual(app["price"]["total"],
                         {"amount_cents": 17700, "currency": "USD"})
        self.assertEqual(app["price"]["tax"]["amount_cents"], 0)
        self.assertEqual(app["price"]["subtotal"]["amount_cents"], 17700)
        items = app["price"]["items"]
        self.assertGreaterEqual(len(items), 2, items)
        self.assertTrue(app["session"]["token"])
        self.assertGreater(harness.rfc3339(app["session"]["expires_at"]), t0)
        tokens = [app["session"]["token"]]

        msg = srv.sink.wait_for(addr)
        self.assertIn(harness.MAIL_FROM, msg["From"])
        self.assertEqual(msg.envelope["mail_from"], harness.MAIL_FROM)
        self.assertIn(addr, msg["To"])
        self.assertIn("verification code", msg["Subject"].lower())
        code = harness.mail_code(msg)

        st, _, js = self.verify(srv, app["id"], code)
        self.assertEqual(st, 200, js)
        self.assertEqual(js["id"], app["id"])
        self.assertEqual(js["status"], "proofing")
        self.assertGreaterEqual(harness.rfc3339(js["email_verified_at"]),
                                t0 - 5)
        # A second verification is a state conflict.
        self.assertProblem(self.verify(srv, app["id"], code), 409)

        st, _, s1 = self.login(srv, app["_password"], email_addr=addr)
        self.assertEqual(st, 201, s1)
        self.assertEqual(s1["application_id"], app["id"])
        self.assertTrue(s1["token"] and s1["expires_at"])
        st, _, s2 = self.login(srv, app["_password"], app_id=app["id"])
        self.assertEqual(st, 201, s2)
        self.assertNotEqual(s1["token"], s2["token"])
        tokens += [s1["token"], s2["token"]]
        # The e-mail address is not case-sensitive.
        st, _, s3 = self.login(srv, app["_password"],
                               email_addr=addr.upper())
        self.assertEqual(st, 201, s3)
        tokens.append(s3["token"])
        self.assertProblem(self.login(srv, "wrong password!",
                                      email_addr=addr), 401)

        st, _, got = srv.http("GET", "/v1/applications/" + app["id"],
                              headers=self.bearer(s1["token"]))
        self.assertEqual(st, 200, got)
        self.assertEqual(got["id"], app["id"])
        # The identity check starts at once; without providers configured
        # (as here) it sends the application to review.
        self.assertIn(got["status"], ("proofing", "review"))
        self.assertEqual(got["product"], "epcs-hardware")
        self.assertEqual(got["storage"], "new-token")
        self.assertEqual(got["shipping"], "usps")
        self.assertEqual(got["applicant"]["given_name"], "Ada")
        self.assertEqual(got["applicant"]["family_name"], "Lovelace")
        self.assertEqual(got["applicant"]["email"], addr)
        self.assertEqual(got["price"]["total"]["amount_cents"], 17700)
        self.assertEqual(got["email_verify_by"], app["email_verify_by"])
        self.assertEqual(got["email_verified_at"], js["email_verified_at"])
        self.assertEqual([e["status"] for e in got["timeline"]][:2],
                         ["email_pending", "proofing"])
        for e in got["timeline"]:
            harness.rfc3339(e["at"])
        # Secrets never come back.
        text = json.dumps(got)
        for secret in (app["_password"], "Babbage", "7391"):
            self.assertNotIn(secret, text)

        # Nothing secret in the logs.
        srv.stop()
        log = srv.stderr()
        self.assertIn("request", log)
        for secret in [app["_password"], code, code.replace("-", "")] + \
                tokens + ["Babbage", "London"]:
            self.assertNotIn(secret, log)
        self.assertIsNone(re.search(r"(?<![0-9A-Za-z._:-])7391"
                                    r"(?![0-9A-Za-z._:-])", log),
                          "the SSN last 4 are in the log")
        for row in srv.db.query("SELECT password_hash FROM applications"):
            self.assertTrue(row[0].startswith("$argon2id$"), row)
        self.assertEqual(srv.db.count("secret_answers",
                                      "answer_hash LIKE '$argon2id$%'"), 3)


class PriceAndKeyTest(harness.TestCase):
    """One server for the class (harness.ClassFixtures): each test looks
    at its own applications only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv = harness.ClassFixtures(cls).start_server()

    def test_taxed_state(self):
        srv = self.srv
        body = harness.application(applicant={"home_address": {
            "line1": "1 Market St", "city": "San Francisco", "state": "CA",
            "postal_code": "94105"}})
        st, _, app = srv.http("POST", "/v1/applications", raw=json.dumps(
            body).encode(), headers={
                "Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(st, 201, app)
        self.assertEqual(app["price"]["subtotal"]["amount_cents"], 17700)
        self.assertEqual(app["price"]["tax"]["amount_cents"], 1283)
        self.assertEqual(app["price"]["total"],
                         {"amount_cents": 18983, "currency": "USD"})

    def test_idempotency_key(self):
        srv = self.srv
        body = harness.application()
        key = {"Idempotency-Key": "it-" + harness.unique_email("k")}
        st, h, a = srv.http("POST", "/v1/applications", body, headers=key)
        self.assertEqual(st, 201, a)
        self.assertNotIn("idempotent-replayed", h)
        # The replay says it is one, as the partners' routes do.
        st, h, b = srv.http("POST", "/v1/applications", body, headers=key)
        self.assertEqual(st, 201, b)
        self.assertEqual(h.get("idempotent-replayed"), "true")
        self.assertEqual(a["id"], b["id"])
        self.assertEqual(b["status"], "email_pending")
        other = harness.application()
        self.assertProblem(srv.http("POST", "/v1/applications", other,
                                    headers=key), 409)
        # One application of the two bodies (the database's others are
        # the other tests').
        self.assertEqual(srv.db.count("applications", "email IN ('%s', '%s')"
                                      % (body["applicant"]["email"].lower(),
                                         other["applicant"]["email"].lower())),
                         1)

    def test_password_limits(self):
        # NIST SP 800-63B: 8 characters are enough, 64 are allowed.
        srv = self.srv
        for ok in ("kq8#vLz2", "tOq9" * 16, "pass word with spaces and \u00e9"):
            with self.subTest(length=len(ok)):
                self.apply(srv, harness.application(
                    account={"password": ok}))


def years_ago(n, plus_days=0):
    today = datetime.date.today()
    try:
        d = today.replace(year=today.year - n)
    except ValueError:  # 29 February
        d = today.replace(year=today.year - n, day=28)
    return (d + datetime.timedelta(days=plus_days)).isoformat()


class RejectTest(harness.TestCase):
    """Every bad application is refused and writes nothing.  One server
    for the class (harness.ClassFixtures): none of its tests writes, so
    its database stays empty after each of them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv = harness.ClassFixtures(cls).start_server()

    def setUp(self):
        super().setUp()
        self.addCleanup(self.nothing_written)

    def nothing_written(self):
        for table in ("applications", "audit_log", "jobs", "email_codes",
                      "sessions", "idempotency_keys"):
            self.assertEqual(self.srv.db.count(table), 0, table)

    def post(self, body=None, raw=None, headers=None):
        return self.srv.http("POST", "/v1/applications", body, raw=raw,
                             headers=headers)

    def test_invalid_fields(self):
        a = harness.application
        three = a()["account"]["secret_questions"]
        cases = [
            ("applicant.npi", a(applicant={"npi": "1234567890"})),
            ("applicant.npi", a(applicant={"npi": "12345"})),
            ("applicant.dea_number", a(applicant={"dea_number":
                                                  "AL1234567"})),
            ("applicant.dea_number", a(applicant={"dea_number":
                                                  "AB1234563"})),
            ("applicant.date_of_birth",
             a(applicant={"date_of_birth": years_ago(18, plus_days=1)})),
            ("applicant.date_of_birth",
             a(applicant={"date_of_birth": "1975-02-30"})),
            ("applicant.email", a(applicant={"email": "not-an-email"})),
            ("applicant.phone", a(applicant={"phone": "317-555-0100"})),
            ("applicant.given_name", a(applicant={"given_name": ""})),
            ("applicant.given_name", a(applicant={"given_name": 42})),
            ("applicant.home_address.state",
             a(applicant={"home_address": {"state": "XX"}})),
            ("applicant.home_address.postal_code",
             a(applicant={"home_address": {"postal_code": "4620"}})),
            ("account.password", a(account={"password": "1234567"})),
            ("account.secret_questions",
             a(account={"secret_questions": three[:2]})),
            ("account.secret_questions",
             a(account={"secret_questions": [three[0], three[0],
                                              three[1]]})),
            ("subscriber_agreement.accepted",
             a(subscriber_agreement={"accepted": False})),
            ("applicant.nickname", a(applicant={"nickname": "Ada"})),
            ("product", a(product="no-such-product")),
            ("shipping", a(shipping="carrier-pigeon")),
        ]
        for field, body in cases:
            with self.subTest(field=field, body=body.get("applicant")):
                self.assertProblem(self.post(body), 422, field)

    def test_malformed_json_is_400(self):
        for raw in (b"{", b"", b"null", b"[]", b'{"product": }',
                    b"\xff\xfe{}"):
            with self.subTest(raw=raw):
                st = self.post(raw=raw)[0]
                self.assertIn(st, (400, 422), raw)
        self.assertProblem(self.post(raw=b'{"product": '), 400)

    def test_duplicate_keys_is_400(self):
        text = json.dumps(harness.application())
        raw = (text[:-1] + ', "product": "epcs-hardware"}').encode()
        self.assertProblem(self.post(raw=raw), 400)
        raw = text.replace('"npi":', '"npi": "1234567893", "npi":').encode()
        self.assertProblem(self.post(raw=raw), 400)

    def test_oversize_body_is_413(self):
        body = harness.application(applicant={"given_name": "A" * 70000})
        self.assertProblem(self.post(body), 413)

    def test_wrong_content_type_is_415(self):
        raw = json.dumps(harness.application()).encode()
        for ctype in ("text/plain", "application/x-www-form-urlencoded"):
            with self.subTest(ctype=ctype):
                self.assertProblem(self.post(
                    raw=raw, headers={"Content-Type": ctype}), 415)

    def test_oversize_headers(self):
        raw = json.dumps(harness.application()).encode()
        req = (b"POST /v1/applications HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Content-Type: application/json\r\n")
        req += b"".join(b"X-Pad-%d: %s\r\n" % (i, b"p" * 1000)
                        for i in range(17))
        req += b"Content-Length: %d\r\n\r\n" % len(raw) + raw
        status, resp = self.srv.raw(req)
        self.assertIn(status, (431, None), resp[:300])
        self.assertEqual(self.srv.http("GET", "/healthz")[0], 200)


if __name__ == "__main__":
    harness.main()
