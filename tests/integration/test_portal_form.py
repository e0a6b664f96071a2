#!/usr/bin/python3
"""What the portal's application form stands on (docs/portal.md): the
subscriber agreement versioned on the server (migration 0021, GET
/v1/application-form) and taken by POST /v1/applications only in a
published version; RXCA_PAYMENT_FORM_URL named in the pages'
Content-Security-Policy; the card frame and tokenization of the reference
payment service (proofing/reference/payprovider.py), over real HTTP; and
the certificates with their renewal window in GET /v1/applications/{id}."""
import datetime
import http.client
import json
import subprocess

import harness
from test_ca import CaCase, make_csr
from test_payments import PayProvider

FORM_URL = "https://pay.example.net:8443/elements/card.html"


class FormTest(harness.TestCase):

    def test_form_and_agreement(self):
        srv = self.start_server(env={"RXCA_PAYMENT_FORM_URL": FORM_URL})
        # Anyone may read it: no session, no key.
        st, h, js = srv.http("GET", "/v1/application-form")
        self.assertEqual(st, 200, js)
        a = js["agreement"]
        self.assertEqual(a["version"], "2026-01")
        self.assertEqual(a["published_at"], "2026-01-01T00:00:00Z")
        paras = [p for p in a["text"].split("\n\n") if p.strip()]
        self.assertEqual(len(paras), 7)
        self.assertIn("cannot be completed by a proxy", a["text"])
        self.assertEqual(js["payment_form_url"], FORM_URL)
        self.assertEqual(js["policy"], "igc")
        self.assertProblem(srv.http("POST", "/v1/application-form", {}), 405)
        # The card frame's origin is the only other one the pages allow.
        st, h, _ = srv.http("GET", "/apply")
        self.assertEqual(st, 200)
        self.assertTrue(h["content-security-policy"].endswith(
            "; frame-src https://pay.example.net:8443"),
            h["content-security-policy"])
        self.assertIn("default-src 'self'", h["content-security-policy"])

        # The application carries the version it accepted; an unknown one
        # is refused at its field and nothing is stored.
        before = srv.db.scalar("SELECT count(*) FROM applications")
        body = harness.application()
        body["subscriber_agreement"]["version"] = "1999-01"
        b = self.assertProblem(srv.http("POST", "/v1/applications", body),
                               422, "subscriber_agreement.version")
        self.assertIn("not a published version",
                      json.dumps(b["errors"]))
        self.assertEqual(srv.db.scalar("SELECT count(*) FROM applications"),
                         before)
        app = self.apply(srv)
        st, _, js = srv.http("GET", "/v1/applications/%s" % app["id"],
                             headers=self.bearer(app["session"]["token"]))
        self.assertEqual(st, 200, js)
        self.assertEqual(js["subscriber_agreement_version"], "2026-01")
        self.assertEqual(js["certificates"], [])
        # A newer text is the one in force; the older stays acceptable.
        srv.db.query("INSERT INTO agreement_versions VALUES ('2027-01', "
                     "'2027-01-01T00:00:00Z', 'First.\n\nSecond.') "
                     "RETURNING version")
        st, _, js = srv.http("GET", "/v1/application-form")
        self.assertEqual((js["agreement"]["version"],
                          js["agreement"]["text"]),
                         ("2027-01", "First.\n\nSecond."))
        self.apply(srv)

    def test_without_card_frame(self):
        srv = self.start_server()
        st, _, js = srv.http("GET", "/v1/application-form")
        self.assertEqual(st, 200, js)
        self.assertIsNone(js["payment_form_url"])
        st, h, _ = srv.http("GET", "/")
        self.assertNotIn("frame-src", h["content-security-policy"])

    def test_bad_form_url_stops_start_up(self):
        for value in ("ftp://pay.example.net/card.html",
                      "https://pay.example.net/a b",
                      "https://pay.example.net/;script-src *",
                      "https://pay.example.net/'unsafe-inline'"):
            with self.subTest(value=value):
                e = dict(harness.TEST_SETTINGS)
                e["RXCA_LISTEN"] = "127.0.0.1:%d" % harness.free_port()
                e["RXCA_DATABASE_URL"] = "host=/nonexistent dbname=none"
                e["RXCA_PAYMENT_FORM_URL"] = value
                r = subprocess.run([harness.binary("rxca-server")],
                                   env=harness.clean_env(e), cwd=self.tmp,
                                   stdin=subprocess.DEVNULL,
                                   capture_output=True, text=True,
                                   timeout=30)
                self.assertNotEqual(r.returncode, 0, r.stderr)
                self.assertIn("RXCA_PAYMENT_FORM_URL:", r.stderr)


class CardFrameTest(harness.TestCase):
    """payprovider.py's card frame and POST /v1/tokens."""

    PARENT = "http://127.0.0.1:9"

    def setUp(self):
        super().setUp()
        self.pay = PayProvider(self.tmp)
        self.pay.args += ["--allow-origin", self.PARENT]
        self.pay.start()
        self.addCleanup(self.pay.stop)

    def req(self, method, path, body=None, origin=None):
        c = http.client.HTTPConnection("127.0.0.1", self.pay.port,
                                       timeout=10)
        h = {"Content-Type": "application/json"}
        if origin:
            h["Origin"] = origin
        try:
            c.request(method, path, json.dumps(body) if body is not None
                      else None, h)
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def test_frame_served_to_allowed_origins_only(self):
        st, h, data = self.req("GET", "/elements/card.html?origin=%s&id=pay"
                               % self.PARENT)
        self.assertEqual(st, 200)
        self.assertIn(b'autocomplete="cc-number"', data)
        self.assertIn("frame-ancestors %s" % self.PARENT,
                      h["content-security-policy"])
        self.assertIn("default-src 'none'", h["content-security-policy"])
        for bad in ("http://evil.example", "", "http://127.0.0.1:9/x",
                    "javascript:alert(1)"):
            st, _, _ = self.req("GET", "/elements/card.html?origin=" + bad)
            self.assertEqual(st, 403, bad)
        for name in ("card.js", "card.css"):
            st, h, _ = self.req("GET", "/elements/" + name)
            self.assertEqual(st, 200, name)
            self.assertEqual(h["x-content-type-options"], "nosniff")
        for bad in ("/elements/../payprovider.py", "/elements/",
                    "/elements/nope.js", "/elements/%2e%2e/payprovider.py"):
            st, _, _ = self.req("GET", bad)
            self.assertEqual(st, 404, bad)

    def test_tokens(self):
        me = self.pay.url
        card = {"number": "4242 4242 4242 4242", "exp_month": "12",
                "exp_year": "2030", "cvc": "123"}
        st, _, data = self.req("POST", "/v1/tokens", card, origin=me)
        self.assertEqual(st, 201, data)
        tok = json.loads(data)
        self.assertRegex(tok["id"], r"^tok_card_[0-9a-f]{24}$")
        self.assertEqual((tok["last4"], tok["brand"]), ("4242", "visa"))
        # Only the frame's own origin may tokenize (and not without one).
        for origin in (None, self.PARENT, "http://evil.example"):
            st, _, _ = self.req("POST", "/v1/tokens", card, origin=origin)
            self.assertEqual(st, 403, origin)
        # Each wrong field named.
        for over, field in ((("number", "4242 4242 4242 4241"), "number"),
                            (("number", "42"), "number"),
                            (("number", None), "number"),
                            (("exp_month", "13"), "exp_month"),
                            (("exp_year", "2001"), "exp_year"),
                            (("exp_year", "20x1"), "exp_year"),
                            (("cvc", "12"), "cvc"),
                            (("cvc", "12345"), "cvc")):
            body = dict(card)
            body[over[0]] = over[1]
            st, _, data = self.req("POST", "/v1/tokens", body, origin=me)
            self.assertEqual(st, 422, (over, data))
            self.assertEqual(json.loads(data)["field"], field, over)
        st, _, data = self.req("POST", "/v1/tokens", [1], origin=me)
        self.assertEqual(st, 400)
        # The declined test card: a token that is declined when charged.
        st, _, data = self.req("POST", "/v1/tokens",
                               dict(card, number="4000000000000002"),
                               origin=me)
        self.assertEqual(st, 201, data)
        self.assertTrue(json.loads(data)["id"].startswith("tok_decline_"))
        self.assertEqual(self.pay.stats()["tokens"], 2)
        # No card number in its log.
        self.assertNotIn("4242", self.pay.stderr())
        self.assertNotIn("4000000000000002", self.pay.stderr())

    def avs(self, token, line1="1 Main St", postal="46204", key="pay-key",
            idem=None, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.pay.port,
                                       timeout=10)
        rid = "avs_app_x_1"
        if body is None:
            body = {"request_id": rid, "card_token": token, "address": {
                "line1": line1, "line2": None, "city": "Indianapolis",
                "state": "IN", "postal_code": postal, "country": "US"}}
        h = {"Content-Type": "application/json",
             "Authorization": "Bearer " + key,
             "Idempotency-Key": idem or rid}
        try:
            c.request("POST", "/v1/address-verifications", json.dumps(body),
                      h)
            r = c.getresponse()
            return r.status, json.loads(r.read())
        finally:
            c.close()

    def test_address_check_sees_the_card_behind_the_token(self):
        """The processor's AVS: a frame's token is checked against the
        billing address of the card behind it, as a real processor's."""
        def token(number):
            st, _, data = self.req("POST", "/v1/tokens", {
                "number": number, "exp_month": "12", "exp_year": "2030",
                "cvc": "1234" if number.startswith("37") else "123"},
                origin=self.pay.url)
            self.assertEqual(st, 201, data)
            return json.loads(data)["id"]
        visa, mc, amex = (token("4242424242424242"),
                          token("5555 5555 5555 4444"),
                          token("378282246310005"))
        for tok, line1, postal, want in (
                (visa, "1  main st", "46204-1234", "match"),
                (visa, "2 Main St", "46204", "partial"),
                (visa, "1 Main St", "90210", "no_match"),
                (mc, "10 Downing St", "20001", "match"),
                (mc, "1 Main St", "46204", "no_match"),
                (amex, "1 Main St", "46204", "unavailable"),
                ("tok_card_" + "0" * 24, "1 Main St", "46204", "no_match"),
                # a token of the identity provider's data file
                ("tok_avs_1", "1 Main St", "46204", "match"),
                ("tok_avs_unavailable", "1 Main St", "46204",
                 "unavailable")):
            st, js = self.avs(tok, line1, postal)
            self.assertEqual(st, 200, js)
            self.assertEqual(js, {"request_id": "avs_app_x_1",
                                  "result": want}, (tok, line1, postal))
        # The contract's refusals: a wrong key, a bad body, a mismatched
        # Idempotency-Key.
        st, _ = self.avs(visa, key="wrong")
        self.assertEqual(st, 401)
        st, js = self.avs(visa, body={"request_id": "r1", "card_token": visa})
        self.assertEqual((st, js["field"]), (400, "address"))
        st, js = self.avs(visa, body={"request_id": "r1", "card_token": visa,
                                      "address": {}, "extra": 1})
        self.assertEqual((st, js["field"]), (400, "extra"))
        st, js = self.avs(visa, idem="another")
        self.assertEqual((st, js["field"]), (400, "Idempotency-Key"))
        self.assertEqual(self.pay.stats()["avs"], 9)
        self.assertNotIn(visa, self.pay.stderr())


class CertificateListTest(CaCase):
    """GET /v1/applications/{id} lists the certificates with the renewal
    window POST /v1/certificates/{serial}/renewal applies."""

    extra_env = {"RXCA_RENEWAL_WINDOW_DAYS": "120"}

    def test_certificates_listed(self):
        app = self.shipped()
        _, csr = make_csr(self.tmp)
        st, _, cert = self.retrieve(app, csr)
        self.assertIn(st, (200, 201), cert)
        st, _, js = self.login(self.srv, app["_password"],
                               app_id=app["id"])
        self.assertEqual(st, 201, js)
        st, _, js = self.srv.http("GET", "/v1/applications/%s" % app["id"],
                                  headers=self.bearer(js["token"]))
        self.assertEqual(st, 200, js)
        [c] = js["certificates"]
        self.assertEqual((c["serial"], c["status"], c["state"],
                          c["not_after"], c["renewed"]),
                         (cert["serial"], "issued", "valid",
                          cert["not_after"], False))
        self.assertEqual(c["renewal_window"]["closes"], c["not_after"])
        def t(s):
            return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
        self.assertEqual(t(c["not_after"]) - t(c["renewal_window"]["opens"]),
                         datetime.timedelta(days=120))
        # By the server's clock: inside the window, then expired.
        left = (t(c["not_after"]) - datetime.datetime.utcnow()
                ).total_seconds()
        for offset, state in ((left - 100 * 86400, "renewable"),
                              (left - 121 * 86400, "valid"),
                              (left + 60, "expired")):
            self.srv.set_clock(int(offset))
            st, _, js = self.login(self.srv, app["_password"],
                                   app_id=app["id"])
            self.assertEqual(st, 201, js)
            st, _, js = self.srv.http(
                "GET", "/v1/applications/%s" % app["id"],
                headers=self.bearer(js["token"]))
            self.assertEqual(st, 200, js)
            self.assertEqual(js["certificates"][0]["state"], state, offset)


if __name__ == "__main__":
    harness.main()
