#!/usr/bin/python3
"""A partner's own keys, transport and limits, and invitations it can
track (issue 16, items 5 and 6).

Keys: POST /v1/partner/keys makes a new key (shown once, stored hashed)
and keeps the key that asked usable for the grace the partner chose, then
refuses it (the clock moved, never a sleep); DELETE revokes at once but
never the last usable key; each change is audited.  Transport: partner
routes over plain HTTP are 403 https-required unless
RXCA_PARTNER_ALLOW_HTTP=1.  Limits: RateLimit and RateLimit-Policy on
every partner answer, 429 with Retry-After past the limit, counted in
PostgreSQL so that two servers share it.  Invitations: Idempotency-Key
(the same answer for the same body, 409 for another), statuses through
opened and applied with the application's id, a link that expires
(RXCA_PARTNER_INVITE_DAYS, the clock moved) and a closed program that
refuses an application naming it without one of its invitations."""
import math
import re
import statistics
import time

import harness
import tlsutil
from harness import wait_until
from test_proofing import ADA, person
from test_webhooks import PartnerCase

DAY = 86400
TOKEN_RE = re.compile(r"invitation=([A-Za-z0-9_-]{43})")


class OwnCase(PartnerCase):
    """Partners whose programs stay as made: closed."""

    def partner(self, name, program):
        return dict(self.take_partner(self.db, name, program, self.env))

    def key_id(self, key):
        return key[4:28]

    def audits(self, action, subject):
        return int(self.db.scalar(
            "SELECT count(*) FROM audit_log WHERE action = '%s' AND "
            "subject = '%s'" % (action, subject)))


class KeyRotationTest(OwnCase):

    def test_rotation_grace_then_refused(self):
        a = self.a
        # A figure: a partner request (key read, rate counted in
        # PostgreSQL, the setting read) beside an anonymous one.
        times = {"GET /v1/products": [], "GET /v1/partner/program": []}
        for _ in range(100):
            for path, headers in (("/v1/products", None),
                                  ("/v1/partner/program",
                                   self.bearer(a["key"]))):
                t0 = time.monotonic()
                st, _, _ = self.srv.http("GET", path, headers=headers)
                times["GET " + path].append(time.monotonic() - t0)
                self.assertEqual(st, 200)
        for what, ts in times.items():
            print("%s: median %.2f ms, p90 %.2f ms over %d" % (
                what, statistics.median(ts) * 1000,
                sorted(ts)[int(len(ts) * 0.9)] * 1000, len(ts)))
        st, _, js = self.p(a, "GET", "/v1/partner/keys")
        self.assertEqual(st, 200, js)
        self.assertEqual([(k["id"], k["state"], k["current"])
                          for k in js["items"]],
                         [(self.key_id(a["key"]), "active", True)])
        # An hour of grace for the old key.
        t0 = time.time()
        st, _, new = self.p(a, "POST", "/v1/partner/keys",
                            {"grace_seconds": 3600})
        self.assertEqual(st, 201, new)
        self.assertTrue(new["api_key"].startswith(
            "rxp_" + new["key_id"] + "_"))
        self.assertEqual(new["previous_key"]["id"], self.key_id(a["key"]))
        ends = harness.rfc3339(new["previous_key"]["expires_at"])
        self.assertAlmostEqual(ends, t0 + 3600, delta=5)
        # Stored as the SHA-256 of its secret.
        self.assertEqual(self.db.scalar(
            "SELECT count(*) FROM partner_keys WHERE id = '%s' AND "
            "secret_hash = sha256('%s'::bytea)"
            % (new["key_id"], new["api_key"][29:])), "1")
        b = dict(a, key=new["api_key"])
        for who in (a, b):
            st, _, js = self.p(who, "GET", "/v1/partner/keys")
            self.assertEqual(st, 200, js)
        states = {k["id"]: (k["state"], k["replaced_by"], k["current"])
                  for k in js["items"]}
        self.assertEqual(states, {
            self.key_id(a["key"]): ("expiring", new["key_id"], False),
            new["key_id"]: ("active", None, True)})
        self.assertEqual(self.audits("partner.key_rotated", a["id"]), 1)
        # Just before the end: still in; past it: refused, audited.
        self.srv.set_clock(3600 - 60)
        self.assertEqual(self.p(a, "GET", "/v1/partner/keys")[0], 200)
        self.srv.set_clock(3600 + 5)
        self.assertProblem(self.p(a, "GET", "/v1/partner/keys"), 401)
        self.assertEqual(self.p(b, "GET", "/v1/partner/keys")[0], 200)
        self.assertEqual(self.db.scalar(
            "SELECT count(*) FROM audit_log WHERE action = "
            "'partner.refused' AND details::jsonb->>'reason' = "
            "'key-expired'"), "1")
        st, _, js = self.p(b, "GET", "/v1/partner/keys")
        self.assertEqual([k["state"] for k in js["items"]],
                         ["expired", "active"])

    def test_zero_grace_bounds_and_revocation(self):
        a = self.a
        for body, field in (({"grace_seconds": -1}, "grace_seconds"),
                            ({"grace_seconds": "60"}, "grace_seconds"),
                            ({"grace_seconds": 604801}, "grace_seconds"),
                            ({"grace_seconds": 1.5}, "grace_seconds"),
                            ({"grace": 60}, "grace")):
            self.assertProblem(self.p(a, "POST", "/v1/partner/keys", body),
                               422, field)
        self.assertEqual(self.db.scalar(
            "SELECT count(*) FROM partner_keys WHERE partner_id = '%s'"
            % a["id"]), "1")
        # No body: the default grace (a day).
        st, _, k2 = self.p(a, "POST", "/v1/partner/keys")
        self.assertEqual(st, 201, k2)
        self.assertAlmostEqual(
            harness.rfc3339(k2["previous_key"]["expires_at"]),
            time.time() + DAY, delta=5)
        a2 = dict(a, key=k2["api_key"])
        # Grace 0: the key that asked is refused at once.
        st, _, k3 = self.p(a2, "POST", "/v1/partner/keys",
                           {"grace_seconds": 0})
        self.assertEqual(st, 201, k3)
        self.assertProblem(self.p(a2, "GET", "/v1/partner/keys"), 401)
        a3 = dict(a, key=k3["api_key"])
        # Revocation: another partner's key or an unknown one is 404; the
        # first key (in its grace) is revoked at once; the last key that
        # stays is not.
        self.assertProblem(self.p(self.b, "DELETE", "/v1/partner/keys/%s"
                                  % self.key_id(a["key"])), 404)
        self.assertEqual(self.p(a, "GET", "/v1/partner/keys")[0], 200)
        # The old key, in its grace, cannot revoke the one key that stays.
        resp = self.p(a, "DELETE", "/v1/partner/keys/%s" % k3["key_id"])
        self.assertProblem(resp, 409)
        self.assertTrue(resp[2]["type"].endswith("/last-key"))
        self.assertProblem(self.p(a3, "DELETE", "/v1/partner/keys/%s"
                                  % ("z" * 24)), 404)
        st, _, js = self.p(a3, "DELETE", "/v1/partner/keys/%s"
                           % self.key_id(a["key"]))
        self.assertEqual(st, 200, js)
        self.assertProblem(self.p(a, "GET", "/v1/partner/keys"), 401)
        self.assertProblem(self.p(a3, "DELETE", "/v1/partner/keys/%s"
                                  % k3["key_id"]), 409)
        self.assertEqual(self.p(a3, "GET", "/v1/partner/keys")[0], 200)
        self.assertEqual(self.audits("partner.key_revoked", a["id"]), 1)
        # Without a key, or with B's: nothing of A's.
        self.assertProblem(self.srv.http("GET", "/v1/partner/keys"), 401)
        st, _, js = self.p(self.b, "GET", "/v1/partner/keys")
        self.assertEqual([k["id"] for k in js["items"]],
                         [self.key_id(self.b["key"])])


class TransportTest(OwnCase):
    extra_env = dict(PartnerCase.extra_env, RXCA_PARTNER_ALLOW_HTTP="0")

    def setUp(self):
        self.tmp = harness.make_tempdir(self)
        self.tls = tlsutil.tls_init(self.tmp)
        self.extra_env = dict(self.extra_env, **self.tls["env"])
        super().setUp()
        self.tls["port"] = self.srv.tls_port

    def p(self, who, method, path, body=None):
        return tlsutil.https(self.tls["port"], method, path, body,
                             headers=self.bearer(who["key"]),
                             cafile=self.tls["ca"])

    def test_plain_http_refused(self):
        # Over HTTPS: served (the partners were made there).
        st, _, js = self.p(self.a, "GET", "/v1/partner/program")
        self.assertEqual((st, js["open"]), (200, False), js)
        # Over plain HTTP: refused before the key is looked at, whatever
        # a client says of its own scheme.
        for headers in (self.bearer(self.a["key"]), None,
                        dict(self.bearer(self.a["key"]),
                             **{"X-Forwarded-Proto": "https"})):
            resp = self.srv.http("GET", "/v1/partner/applications",
                                 headers=headers)
            self.assertProblem(resp, 403)
            self.assertTrue(resp[2]["type"].endswith("/https-required"))
        self.assertProblem(self.srv.http(
            "POST", "/v1/partner/invitations", {"email": "a@example.org"},
            headers=self.bearer(self.a["key"])), 403)
        self.assertEqual(self.db.scalar(
            "SELECT count(*) FROM partner_invitations"), "0")
        # Other routes are not partner routes.
        self.assertEqual(self.srv.http("GET", "/v1/products")[0], 200)


class RateLimitTest(OwnCase):
    extra_env = dict(PartnerCase.extra_env, RXCA_PARTNER_RATE_LIMIT="5",
                     RXCA_PARTNER_RATE_WINDOW="60")

    def test_limit_shared_by_two_servers(self):
        # The clock (whole seconds) at a window's third second: 57 s
        # before it turns.
        start = math.ceil(time.time() / 60) * 60 + 60
        self.srv.set_clock(start + 2 - int(time.time()))
        for i in range(5):
            st, h, js = self.p(self.a, "GET", "/v1/partner/program")
            self.assertEqual(st, 200, js)
            self.assertEqual(h["ratelimit-policy"], '"partner";q=5;w=60')
            m = re.fullmatch(r'"partner";r=(\d+);t=(\d+)', h["ratelimit"])
            self.assertIsNotNone(m, h["ratelimit"])
            self.assertEqual(int(m.group(1)), 4 - i)
            self.assertTrue(45 <= int(m.group(2)) <= 58, h["ratelimit"])
        resp = self.p(self.a, "GET", "/v1/partner/program")
        self.assertProblem(resp, 429)
        st, h, js = resp
        self.assertTrue(js["type"].endswith("/rate-limited"))
        self.assertTrue(45 <= int(h["retry-after"]) <= 58, h)
        self.assertTrue(h["ratelimit"].startswith('"partner";r=0;t='), h)
        # B counts on its own.
        self.assertEqual(self.p(self.b, "GET", "/v1/partner/program")[0],
                         200)
        # A second server on the same database: the same count.
        srv2 = self.start_server(db=self.db, env=self.env)
        srv2.set_clock(start + 3 - int(time.time()))
        self.assertProblem(srv2.http("GET", "/v1/partner/program",
                                     headers=self.bearer(self.a["key"])),
                           429)
        # The next window: served again, and the old window's row is
        # gone (one row per partner at most).
        self.srv.set_clock(start + 62 - int(time.time()))
        st, h, js = self.p(self.a, "GET", "/v1/partner/program")
        self.assertEqual(st, 200, js)
        self.assertTrue(h["ratelimit"].startswith('"partner";r=4;'), h)
        self.assertEqual(self.db.scalar(
            "SELECT count(*) FROM partner_rate WHERE partner_id = '%s'"
            % self.a["id"]), "1")


class ProgramCodeTest(OwnCase):

    def test_longest_program_code_intact(self):
        # 64 characters, the most a program code may have
        # (PARTNER_PROGRAM_MAX): every answer gives it back whole.
        code = "long-" + "x" * 58 + "z"
        self.assertEqual(len(code), 64)
        who = self.partner("Long EHR", code)
        st, _, js = self.p(who, "PUT", "/v1/partner/program",
                           {"open": True})
        self.assertEqual((st, js["program"]), (200, code), js)
        app = self.apply(self.srv, person(*ADA, program=code))
        st, _, js = self.p(who, "GET",
                           "/v1/partner/applications/%s" % app["id"])
        self.assertEqual((st, js["program"]), (200, code), js)
        st, _, js = self.p(who, "GET", "/v1/partner/applications")
        self.assertEqual([(a["id"], a["program"]) for a in js["items"]],
                         [(app["id"], code)])
        # One more character is refused.
        r = self.db.admin("partner", "add", "Longer EHR", code + "y",
                          env=self.env)
        self.assertNotEqual(r.returncode, 0)


class InvitationTrackTest(OwnCase):

    def invite(self, who, addr, key=None, name=None):
        body = {"email": addr}
        if name:
            body["given_name"] = name
        h = self.bearer(who["key"])
        if key is not None:
            h["Idempotency-Key"] = key
        return self.srv.http("POST", "/v1/partner/invitations", body,
                             headers=h)

    def status(self, inv_id, want, who=None):
        def reached():
            st, _, js = self.p(who or self.a, "GET",
                               "/v1/partner/invitations/%s" % inv_id)
            self.assertEqual(st, 200, js)
            return js if js["status"] == want else None
        return wait_until(reached, 30, 0.1, "invitation %s" % want)

    def token_of(self, addr):
        msg = self.srv.sink.wait_for(addr, 20)
        m = TOKEN_RE.search(harness.mail_text(msg))
        self.assertIsNotNone(m, harness.mail_text(msg))
        return m.group(1)

    def test_idempotent_replay(self):
        addr = harness.unique_email("inv")
        st, h, first = self.invite(self.a, addr, key="k-1")
        self.assertEqual(st, 202, first)
        self.assertNotIn("idempotent-replayed", h)
        st, h, again = self.invite(self.a, addr, key="k-1")
        self.assertEqual(st, 202, again)
        self.assertEqual(again, first)
        self.assertEqual(h.get("idempotent-replayed"), "true")
        # Another body under the key: 409, nothing made.
        self.assertProblem(self.invite(self.a, addr, key="k-1",
                                       name="Ada"), 409)
        self.assertProblem(self.invite(
            self.a, harness.unique_email("inv"), key="k-1"), 409)
        # The same key of another partner is that partner's own.
        st, _, other = self.invite(self.b, addr, key="k-1")
        self.assertEqual(st, 202, other)
        self.assertNotEqual(other["id"], first["id"])
        for bad in ("a b", "x" * 129):
            self.assertProblem(self.srv.http(
                "POST", "/v1/partner/invitations", {"email": addr},
                headers=dict(self.bearer(self.a["key"]),
                             **{"Idempotency-Key": bad})), 422,
                "Idempotency-Key")
        self.assertEqual(self.db.scalar(
            "SELECT count(*) FROM partner_invitations WHERE partner_id = "
            "'%s'" % self.a["id"]), "1")
        # One mail for the one invitation.
        self.status(first["id"], "sent")
        self.status(other["id"], "sent", who=self.b)
        self.assertEqual(len(self.srv.sink.for_address(addr)), 2)

    def test_status_to_applied_and_closed_program(self):
        addr = harness.unique_email("inv")
        st, _, inv = self.invite(self.a, addr, name="Ada")
        self.assertEqual(st, 202, inv)
        token = self.token_of(addr)
        self.assertEqual(self.db.scalar(
            "SELECT count(*) FROM partner_invitations WHERE token_hash = "
            "sha256('%s'::bytea)" % token), "1")
        self.assertEqual(self.db.scalar(
            "SELECT count(*) FROM jobs WHERE payload::text LIKE '%%%s%%'"
            % token), "0")
        self.status(inv["id"], "sent")
        # A's program is closed: an application naming it without the
        # invitation is refused, and nothing is made.
        apps = int(self.db.scalar("SELECT count(*) FROM applications"))
        resp = self.srv.http("POST", "/v1/applications",
                             person(*ADA, program="acme"))
        self.assertProblem(resp, 403, "invitation")
        self.assertTrue(resp[2]["type"].endswith("/invitation-required"))
        for body, field in (
                (person(*ADA, program="acme", invitation="x" * 43),
                 "invitation"),
                (person(*ADA, program="bolt", invitation=token), "program"),
                (person(*ADA, invitation="short"), "invitation")):
            self.assertProblem(self.srv.http("POST", "/v1/applications",
                                             body), 422, field)
        self.assertEqual(int(self.db.scalar(
            "SELECT count(*) FROM applications")), apps)
        # The link followed: opened.
        for body, status in (({"token": "nope"}, 422), ({}, 422),
                             ({"token": "A" * 43}, 404)):
            self.assertProblem(self.srv.http(
                "POST", "/v1/invitations/open", body), status)
        st, _, js = self.srv.http("POST", "/v1/invitations/open",
                                  {"token": token})
        self.assertEqual((st, js), (200, {"program": "acme",
                                          "email": addr.lower()}))
        js = self.status(inv["id"], "opened")
        self.assertIsNotNone(js["opened_at"])
        self.assertIsNone(js["application_id"])
        # An application through the link: tied to it and to the program.
        app = self.apply(self.srv, person(*ADA, invitation=token))
        js = self.status(inv["id"], "applied")
        self.assertEqual(js["application_id"], app["id"])
        self.assertIsNotNone(js["applied_at"])
        st, _, js = self.p(self.a, "GET", "/v1/partner/applications/%s"
                           % app["id"])
        self.assertEqual((st, js["program"]), (200, "acme"), js)
        self.assertEqual(self.audits("partner.invitation_applied",
                                     inv["id"]), 1)
        self.assertEqual(self.audits("partner.invitation_opened",
                                     inv["id"]), 1)
        # Once only.
        self.assertProblem(self.srv.http(
            "POST", "/v1/applications",
            person(*ADA, program="acme", invitation=token)), 422,
            "invitation")
        # Listed by status.
        self.invite(self.a, harness.unique_email("inv"))
        st, _, js = self.p(self.a, "GET",
                           "/v1/partner/invitations?status=applied")
        self.assertEqual([i["id"] for i in js["items"]], [inv["id"]])
        st, _, js = self.p(self.b, "GET",
                           "/v1/partner/invitations?status=applied")
        self.assertEqual(js["items"], [])
        self.assertProblem(self.p(self.a, "GET",
                                  "/v1/partner/invitations?status=x"),
                           422, "status")
        # The partner opens its program: uninvited applications pass; a
        # program no partner holds is free text, as before.
        for body, field in (({"open": "yes"}, "open"), ({}, "open"),
                            ({"open": True, "x": 1}, "x")):
            self.assertProblem(self.p(self.a, "PUT", "/v1/partner/program",
                                      body), 422, field)
        st, _, js = self.p(self.a, "PUT", "/v1/partner/program",
                           {"open": True})
        self.assertEqual((st, js["program"], js["open"]),
                         (200, "acme", True), js)
        self.assertEqual(self.audits("partner.program_set", self.a["id"]),
                         1)
        self.apply(self.srv, person(*ADA, program="acme"))
        self.apply(self.srv, person(*ADA, program="nobodys"))
        st, _, js = self.p(self.b, "GET", "/v1/partner/program")
        self.assertEqual((st, js["open"]), (200, False))

    def test_link_expires(self):
        addr = harness.unique_email("inv")
        st, _, inv = self.invite(self.a, addr)
        self.assertEqual(st, 202, inv)
        self.assertEqual(
            harness.rfc3339(inv["expires_at"]) -
            harness.rfc3339(inv["created_at"]), 30 * DAY)
        # The mail tells the doctor until when the link works, in the
        # words of the other mails' dates ("2026-12-06 04:49 UTC").
        text = harness.mail_text(self.srv.sink.wait_for(addr, 20))
        token = TOKEN_RE.search(text).group(1)
        until = "%s %s UTC" % (inv["expires_at"][:10],
                               inv["expires_at"][11:16])
        self.assertIn("This link works until %s." % until, text)
        js = self.status(inv["id"], "sent")
        self.assertEqual(js["expires_at"], inv["expires_at"])
        # A minute before the expiry the link still opens.
        self.srv.set_clock(30 * DAY - 60)
        st, _, js = self.srv.http("POST", "/v1/invitations/open",
                                  {"token": token})
        self.assertEqual(st, 200, js)
        self.status(inv["id"], "opened")
        # Past it: expired, listed as such; the link neither opens nor
        # admits an application, and nothing changes.
        self.srv.set_clock(30 * DAY + 5)
        js = self.status(inv["id"], "expired")
        st, _, page = self.p(self.a, "GET",
                             "/v1/partner/invitations?status=expired")
        self.assertEqual([i["id"] for i in page["items"]], [inv["id"]])
        st, _, page = self.p(self.a, "GET",
                             "/v1/partner/invitations?status=opened")
        self.assertEqual(page["items"], [])
        audits = int(self.db.scalar("SELECT count(*) FROM audit_log"))
        apps = int(self.db.scalar("SELECT count(*) FROM applications"))
        resp = self.srv.http("POST", "/v1/invitations/open",
                             {"token": token})
        self.assertProblem(resp, 410, "token")
        self.assertTrue(resp[2]["type"].endswith("/invitation-expired"))
        self.assertIn(inv["expires_at"], resp[2]["detail"])
        resp = self.srv.http("POST", "/v1/applications",
                             person(*ADA, invitation=token))
        self.assertProblem(resp, 410, "invitation")
        self.assertTrue(resp[2]["type"].endswith("/invitation-expired"))
        self.assertEqual(int(self.db.scalar(
            "SELECT count(*) FROM audit_log")), audits)
        self.assertEqual(int(self.db.scalar(
            "SELECT count(*) FROM applications")), apps)
        self.assertEqual(self.db.scalar(
            "SELECT application_id IS NULL FROM partner_invitations "
            "WHERE id = '%s'" % inv["id"]), "t")


if __name__ == "__main__":
    harness.main()
