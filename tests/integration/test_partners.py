#!/usr/bin/python3
"""Partners (EHR vendors) end to end: partners and API keys (created,
rotated, revoked at once) through the API and rxca-admin; every partner
route scoped to the partner's program; credential verification (valid,
revoked, expired, signature by another key, another CA, replayed and stale
challenges); signed webhooks to a real HTTP receiver, in order, retried
while it is down, a revocation arriving within seconds; invitations and
vouchers."""
import base64
import hashlib
import json
import os
import secrets
import threading
import time

import harness
from harness import wait_until
from test_ca import make_csr, openssl
from test_proofing import ADA, person
from test_revocation import PkiCase
from test_search import audit_hmac
from webhook_receiver import Receiver, verify_signature

DAY = 86400


class PartnerCase(PkiCase):
    open_programs = True  # partner() opens the program it makes
    operators = PkiCase.operators + (("ann", "admin"),)
    # The receivers of these tests listen on loopback.
    extra_env = {"RXCA_WEBHOOK_BACKOFF_MAX": "1",
                 "RXCA_SWEEP_INTERVAL": "2",
                 "RXCA_PARTNER_INVITE_LIMIT": "3",
                 "RXCA_WEBHOOK_ALLOW_PRIVATE": "1"}

    def setUp(self):
        super().setUp()
        self.adm = self.operator("ann", "admin")
        self.a = self.partner("Acme EHR", "acme")
        self.b = self.partner("Bolt EHR", "bolt")

    def partner(self, name, program):
        st, _, js = self.ops("POST", "/v1/ops/partners",
                             {"name": name, "program": program},
                             who=self.adm)
        self.assertEqual(st, 201, js)
        st, _, k = self.ops("POST", "/v1/ops/partners/%s/keys" % js["id"],
                            who=self.adm)
        self.assertEqual(st, 201, k)
        self.assertTrue(k["api_key"].startswith("rxp_" + k["key_id"] + "_"))
        js["key"] = k["api_key"]
        js["key_id"] = k["key_id"]
        if self.open_programs:
            # A new program is closed (invitations only): these tests
            # apply naming it without one.
            st, _, pr = self.p(js, "PUT", "/v1/partner/program",
                               {"open": True})
            self.assertEqual((st, pr.get("open")), (200, True), pr)
        return js

    def p(self, who, method, path, body=None, key=None):
        return self.srv.http(method, path, body,
                             headers=self.bearer(key or who["key"]))

    def issued_for(self, program, who=ADA):
        app = self.shipped(who, self.person(who, program=program))
        key, csr = make_csr(self.d, "k%d" % len(os.listdir(self.d)))
        st, _, js = self.retrieve(app, csr)
        self.assertEqual(st, 201, js)
        app["_cert"] = js
        app["_key"] = key
        app["_pem"] = self.write("leaf-%s.pem" % js["serial"],
                                 js["certificate"])
        return app

    def sign(self, keyfile, message):
        rc, out, err = openssl("dgst", "-sha256", "-sign", keyfile,
                               data=message.encode())
        self.assertEqual(rc, 0, err)
        return base64.b64encode(out).decode()

    def challenge(self, offset=0):
        return "%d.%s" % (int(time.time()) + offset, secrets.token_hex(12))

    def cred_verify(self, who, app, challenge=None, keyfile=None, cert=None):
        chal = challenge or self.challenge()
        return self.p(who, "POST", "/v1/partner/credentials/verify", {
            "certificate": cert or app["_cert"]["certificate"],
            "challenge": chal,
            "signature": self.sign(keyfile or app["_key"], chal)}), chal


class KeysAndScopeTest(PartnerCase):

    def test_keys_scope_and_every_route(self):
        a_app = self.issued_for("acme", ADA)
        b_app = self.issued_for("bolt", ADA)
        plain = self.apply(self.srv)  # no program: nobody's
        # Lists: only the program's own.
        st, _, js = self.p(self.a, "GET", "/v1/partner/applications")
        self.assertEqual(st, 200, js)
        self.assertEqual([i["id"] for i in js["items"]], [a_app["id"]])
        self.assertEqual(js["items"][0]["applicant"]["npi"], "1234567893")
        st, _, js = self.p(self.b, "GET", "/v1/partner/applications")
        self.assertEqual([i["id"] for i in js["items"]], [b_app["id"]])
        # One application, and its certificate: another's is 404.
        st, _, js = self.p(self.a, "GET", "/v1/partner/applications/%s"
                           % a_app["id"])
        self.assertEqual(st, 200, js)
        self.assertEqual(js["status"], "issued")
        self.assertEqual(js["certificates"][0]["serial"],
                         a_app["_cert"]["serial"])
        for other in (b_app["id"], plain["id"], "app_nosuch"):
            self.assertProblem(self.p(self.a, "GET",
                                      "/v1/partner/applications/%s"
                                      % other), 404)
        st, _, js = self.p(self.a, "GET", "/v1/partner/certificates/%s"
                           % a_app["_cert"]["serial"])
        self.assertEqual(st, 200, js)
        self.assertEqual((js["status"], js["dea_number"]),
                         ("issued", "AL1234563"))
        self.assertProblem(self.p(self.a, "GET",
                                  "/v1/partner/certificates/%s"
                                  % b_app["_cert"]["serial"]), 404)
        # Verification against another program's certificate: 404.
        resp, _ = self.cred_verify(self.a, b_app)
        self.assertProblem(resp, 404)
        resp, _ = self.cred_verify(self.b, b_app)
        self.assertEqual(resp[0], 200, resp[2])
        # Vouchers, deliveries, webhook: the partner's own only.
        st, _, v = self.ops("POST", "/v1/ops/partners/%s/vouchers"
                            % self.b["id"], {"amount_cents": 5000,
                                             "count": 2}, who=self.adm)
        self.assertEqual(st, 201, v)
        st, _, js = self.p(self.a, "GET", "/v1/partner/vouchers")
        self.assertEqual(js["items"], [])
        st, _, js = self.p(self.b, "GET", "/v1/partner/vouchers")
        self.assertEqual(sorted(i["code"] for i in js["items"]),
                         sorted(v["codes"]))
        # A partner's voucher: its program's applications only, once.
        code = v["codes"][0]
        self.assertProblem(self.srv.http("POST", "/v1/applications",
                                         person(*ADA, program="acme",
                                                voucher=code)), 422,
                           "voucher")
        full = self.apply(self.srv, person(*ADA, program="bolt"))
        cheap = self.apply(self.srv, person(*ADA, program="bolt",
                                            voucher=code))
        self.assertLess(cheap["price"]["total"]["amount_cents"],
                        full["price"]["total"]["amount_cents"])
        # The audit keeps the code as a keyed hash only.
        [[details]] = self.srv.db.audits(
            "details", "subject = '%s' AND action = "
            "'application.email_pending'" % cheap["id"])
        self.assertEqual(json.loads(details)["voucher_hmac"],
                         audit_hmac(self.srv.db, code))
        self.assertNotIn(code, details)
        self.assertNotIn(hashlib.sha256(code.encode()).hexdigest(), details)
        self.assertProblem(self.srv.http("POST", "/v1/applications",
                                         person(*ADA, program="bolt",
                                                voucher=code)), 422,
                           "voucher")
        st, _, js = self.p(self.b, "GET", "/v1/partner/vouchers")
        self.assertEqual([i["redeemed_by"] for i in js["items"]
                          if i["code"] == code], [cheap["id"]])
        self.assertProblem(self.p(self.a, "GET", "/v1/partner/webhook"), 404)
        st, _, js = self.p(self.a, "GET", "/v1/partner/webhook/deliveries")
        self.assertEqual((st, js["items"]), (200, []))

    def test_keys_rotate_and_revoke_at_once(self):
        st, _, k2 = self.ops("POST", "/v1/ops/partners/%s/keys"
                             % self.a["id"], who=self.adm)
        self.assertEqual(st, 201, k2)
        for key in (self.a["key"], k2["api_key"]):
            st, _, js = self.p(self.a, "GET", "/v1/partner/applications",
                               key=key)
            self.assertEqual(st, 200, js)
        # Stored hashed: the secret is nowhere in the database.
        secret = self.a["key"].split("_", 2)[2]
        self.assertEqual(self.db.count(
            "partner_keys", "encode(secret_hash, 'escape') LIKE '%%%s%%'"
            % secret), 0)
        st, _, js = self.ops("DELETE", "/v1/ops/partners/%s/keys/%s"
                             % (self.a["id"], self.a["key_id"]),
                             who=self.adm)
        self.assertEqual(st, 200, js)
        self.assertProblem(self.p(self.a, "GET",
                                  "/v1/partner/applications"), 401)
        st, _, js = self.p(self.a, "GET", "/v1/partner/applications",
                           key=k2["api_key"])
        self.assertEqual(st, 200, js)
        # Wrong secret, malformed, none, another partner's key id.
        bad = k2["api_key"][:-4] + "AAAA"
        for key in (bad, "rxp_short", "nonsense"):
            self.assertProblem(self.p(self.a, "GET",
                                      "/v1/partner/applications",
                                      key=key), 401)
        self.assertProblem(self.srv.http("GET", "/v1/partner/applications"),
                           401)
        self.assertProblem(self.ops("DELETE", "/v1/ops/partners/%s/keys/%s"
                                    % (self.b["id"], k2["key_id"]),
                                    who=self.adm), 404)
        # Only an admin manages partners.
        self.assertProblem(self.ops("POST", "/v1/ops/partners",
                                    {"name": "X", "program": "x"},
                                    who=self.rev), 403)
        self.assertProblem(self.ops("POST", "/v1/ops/partners",
                                    {"name": "X", "program": "acme"},
                                    who=self.adm), 409)
        self.assertProblem(self.ops("POST", "/v1/ops/partners",
                                    {"name": "X", "program": "Bad Code!"},
                                    who=self.adm), 422, "program")

    def test_operators_see_partners_keys_and_vouchers(self):
        st, _, v = self.ops("POST", "/v1/ops/partners/%s/vouchers"
                            % self.b["id"], {"amount_cents": 5000,
                                             "count": 3}, who=self.adm)
        self.assertEqual(st, 201, v)
        self.apply(self.srv, person(*ADA, program="bolt",
                                    voucher=v["codes"][0]))
        # a rotation: the asking key in its grace, a new key live
        st, _, r = self.p(self.a, "POST", "/v1/partner/keys",
                          {"grace_seconds": 60})
        self.assertEqual(st, 201, r)
        aud = self.operator("audrey", "auditor")
        st, _, js = self.ops("GET", "/v1/ops/partners", who=aud)
        self.assertEqual(st, 200, js)
        got = {i["program"]: i for i in js["items"]}
        self.assertEqual([i["name"] for i in js["items"]],
                         ["Acme EHR", "Bolt EHR"])
        self.assertEqual((got["bolt"]["vouchers"],
                          got["bolt"]["vouchers_left"],
                          got["bolt"]["keys_live"]), (3, 2, 1))
        self.assertEqual((got["acme"]["vouchers"], got["acme"]["keys_live"]),
                         (0, 2))
        self.assertIs(got["acme"]["program_open"], True)
        self.assertIsNone(got["acme"]["webhook_url"])
        st, _, d = self.ops("GET", "/v1/ops/partners/%s" % self.b["id"],
                            who=aud)
        self.assertEqual(st, 200, d)
        self.assertEqual([k["id"] for k in d["keys"]], [self.b["key_id"]])
        # the codes masked to their last four characters, never whole
        self.assertEqual(sorted(x["code"] for x in d["voucher_list"]),
                         sorted("\u2026" + c[-4:] for c in v["codes"]))
        self.assertNotIn(v["codes"][1], json.dumps(d))
        self.assertEqual(sum(1 for x in d["voucher_list"]
                             if x["redeemed_by"]), 1)
        st, _, d = self.ops("GET", "/v1/ops/partners/%s" % self.a["id"],
                            who=self.adm)
        self.assertEqual(sorted(k["state"] for k in d["keys"]),
                         ["active", "expiring"])
        self.assertNotIn(self.a["key"].split("_", 2)[2], json.dumps(d))
        # Who may not: another role, a partner's key, no certificate.
        self.assertProblem(self.ops("GET", "/v1/ops/partners",
                                    who=self.rev), 403)
        self.assertProblem(self.ops("GET", "/v1/ops/partners/%s"
                                    % self.a["id"], who=self.rev), 403)
        self.assertProblem(self.p(self.a, "GET", "/v1/ops/partners"), 401)
        self.assertProblem(self.ops("GET", "/v1/ops/partners/prt_"
                                    + "a" * 24, who=aud), 404)

    def test_admin_cli(self):
        r = self.db.admin("partner", "add", "Cli EHR", "cli-ehr",
                          env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        pid = r.stdout.strip()
        r = self.db.admin("partner", "key", pid, env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        key = r.stdout.strip()
        st, _, js = self.srv.http("GET", "/v1/partner/applications",
                                  headers=self.bearer(key))
        self.assertEqual(st, 200, js)
        kid = key.split("_")[1]
        r = self.db.admin("partner", "key", "revoke", pid, kid,
                          env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertProblem(self.srv.http("GET", "/v1/partner/applications",
                                         headers=self.bearer(key)), 401)

    def test_list_filters_and_paging(self):
        apps = [self.apply(self.srv, person(*ADA, program="acme"))
                for _ in range(5)]
        st, _, js = self.p(self.a, "GET",
                           "/v1/partner/applications?status=email_pending"
                           "&limit=2")
        self.assertEqual(st, 200, js)
        seen = [i["id"] for i in js["items"]]
        while js["next_after"]:
            st, _, js = self.p(self.a, "GET",
                               "/v1/partner/applications?status="
                               "email_pending&limit=2&after=%s"
                               % js["next_after"])
            self.assertEqual(st, 200, js)
            seen += [i["id"] for i in js["items"]]
        self.assertEqual(sorted(seen), sorted(a["id"] for a in apps))
        st, _, js = self.p(self.a, "GET", "/v1/partner/applications?"
                           "updated_since=2999-01-01T00:00:00Z")
        self.assertEqual(js["items"], [])
        for q, field in (("status=nope", "status"),
                         ("updated_since=yesterday", "updated_since"),
                         ("limit=0", "limit"), ("after=x", "after"),
                         ("colour=red", "colour")):
            st, _, body = self.p(self.a, "GET",
                                 "/v1/partner/applications?" + q)
            self.assertIn(st, (400, 422), body)
            self.assertIn(field, [e["field"] for e in body["errors"]])


class VerifyTest(PartnerCase):

    def test_verification_checks(self):
        app = self.issued_for("acme")
        resp, chal = self.cred_verify(self.a, app)
        st, _, js = resp
        self.assertEqual(st, 200, js)
        self.assertEqual((js["valid"], js["status"], js["serial"],
                          js["npi"], js["dea_number"], js["email"]),
                         (True, "good", app["_cert"]["serial"],
                          "1234567893", "AL1234563", app["_email"]))
        self.assertIn("Lovelace", js["subject"])
        # Replayed challenge.
        st, _, js = self.p(self.a, "POST", "/v1/partner/credentials/verify",
                           {"certificate": app["_cert"]["certificate"],
                            "challenge": chal,
                            "signature": self.sign(app["_key"], chal)})
        self.assertProblem((st, _, js), 409)
        self.assertTrue(js["type"].endswith("challenge-replayed"), js)
        # Stale challenge.
        resp, _ = self.cred_verify(self.a, app, self.challenge(-3600))
        self.assertTrue(self.assertProblem(resp, 422, "challenge")["type"]
                        .endswith("challenge-stale"))
        # Signature by another key.
        other, _ = make_csr(self.d, "other")
        resp, _ = self.cred_verify(self.a, app, keyfile=other)
        self.assertTrue(self.assertProblem(resp, 422)["type"]
                        .endswith("signature-invalid"))
        # A certificate from another CA (same key, self-signed).
        crt = os.path.join(self.d, "self.crt")
        rc, _, err = openssl("req", "-new", "-x509", "-key", app["_key"],
                             "-subj", "/CN=Ada Lovelace", "-days", "30",
                             "-out", crt)
        self.assertEqual(rc, 0, err)
        with open(crt) as f:
            resp, _ = self.cred_verify(self.a, app, cert=f.read())
        self.assertTrue(self.assertProblem(resp, 422)["type"]
                        .endswith("untrusted-certificate"))
        # Bad input names the field.
        self.assertProblem(self.p(self.a, "POST",
                                  "/v1/partner/credentials/verify",
                                  {"certificate": "x", "challenge": "short",
                                   "signature": "!!"}), 422, "challenge")
        self.assertProblem(self.p(self.a, "POST",
                                  "/v1/partner/credentials/verify",
                                  {"certificate": "x",
                                   "challenge": self.challenge(),
                                   "signature": "AAAA"}), 422,
                           "certificate")
        # Revoked.
        st, _, js = self.revoke(app)
        self.assertEqual(st, 200, js)
        resp, _ = self.cred_verify(self.a, app)
        body = self.assertProblem(resp, 422)
        self.assertTrue(body["type"].endswith("certificate-revoked"), body)
        self.assertEqual(body["revocation_reason"], "keyCompromise")

    def test_expired_when_the_clock_moves(self):
        app = self.issued_for("acme")
        shift = 3 * 365 * DAY
        self.srv.set_clock(shift)
        resp, _ = self.cred_verify(self.a, app, self.challenge(shift))
        body = self.assertProblem(resp, 422)
        self.assertTrue(body["type"].endswith("certificate-expired"), body)


class WebhookTest(PartnerCase):

    def setUp(self):
        super().setUp()
        self.rx = Receiver().start()
        self.addCleanup(self.rx.stop)
        self.rxb = Receiver().start()
        self.addCleanup(self.rxb.stop)
        self.secret = self.hook(self.a, self.rx)
        self.hook(self.b, self.rxb)

    def hook(self, who, rx):
        st, _, js = self.p(who, "PUT", "/v1/partner/webhook", {"url": rx.url})
        self.assertEqual(st, 200, js)
        self.assertGreaterEqual(len(js["secret"]), 40)
        return js["secret"]

    def expected(self, partner):
        return self.db.query("SELECT id FROM webhook_events WHERE "
                             "partner_id = '%s' ORDER BY seq" % partner)

    def assertLaneOrder(self, partner, ids):
        """Once each, and in sequence order within each ordering key (an
        application's events, a certificate's): lanes do not wait for
        each other, so the partner-wide order is not kept."""
        self.assertEqual(len(ids), len(set(ids)))
        lanes = {}
        for evt, key in self.db.query(
                "SELECT id, order_key FROM webhook_events WHERE "
                "partner_id = '%s' ORDER BY sequence" % partner):
            lanes.setdefault(key, []).append(evt)
        for key, want in lanes.items():
            self.assertEqual([i for i in ids if i in want], want, key)

    def wait_all(self, rx, partner, timeout=60):
        def done():
            want = [r[0] for r in self.expected(partner)]
            got = [b["id"] for b in rx.bodies()]
            return want if want and set(want) <= set(got) else None
        return wait_until(done, timeout, 0.2, "every event at the receiver")

    def test_signed_in_order_and_scoped(self):
        app = self.issued_for("acme")
        want = self.wait_all(self.rx, self.a["id"])
        got = self.rx.received()
        ids = [json.loads(b)["id"] for _, b, _ in got]
        self.assertEqual(sorted(ids), sorted(want))
        self.assertLaneOrder(self.a["id"], ids)
        types = [json.loads(b)["type"] for _, b, _ in got]
        self.assertIn("certificate.issued", types)
        self.assertIn("application.status_changed", types)
        for h, b, _ in got:
            ok, t = verify_signature(self.secret, h["rxca-signature"], b)
            self.assertTrue(ok, h)
            self.assertLess(abs(t - time.time()), 60)
            self.assertEqual(h["rxca-event-id"], json.loads(b)["id"])
            self.assertFalse(verify_signature("wrong", h["rxca-signature"],
                                              b)[0])
            self.assertFalse(verify_signature(self.secret,
                                              h["rxca-signature"],
                                              b + b" ")[0])
        ev = [json.loads(b) for _, b, _ in got
              if json.loads(b)["type"] == "certificate.issued"][0]
        self.assertEqual(ev["data"]["serial"], app["_cert"]["serial"])
        # Partner B heard nothing of A's application.
        self.assertEqual([b for b in self.rxb.bodies()
                          if b["data"].get("application_id") == app["id"]],
                         [])
        st, _, js = self.p(self.a, "GET", "/v1/partner/webhook/deliveries")
        self.assertEqual(st, 200, js)
        self.assertEqual({d["outcome"] for d in js["items"]}, {"delivered"})
        st, _, js = self.p(self.b, "GET", "/v1/partner/webhook/deliveries")
        self.assertEqual(js["items"], [])
        self.assertProblem(self.p(self.a, "PUT", "/v1/partner/webhook",
                                  {"url": "http://0.0.0.0/hook"}), 422,
                           "url")
        self.assertProblem(self.p(self.a, "PUT", "/v1/partner/webhook",
                                  {"url": "ftp://127.0.0.1/x"}), 422, "url")

    def test_no_lock_held_across_the_post(self):
        """While the receiver holds its answer, another connection locks
        the partner's webhook row with NOWAIT (before the delivery paused
        its transaction, the row stayed locked across the POST), and a
        PUT of the webhook is not kept waiting."""
        import http.server
        arrived, released = threading.Event(), threading.Event()

        class Held(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length",
                                                     "0")))
                arrived.set()
                released.wait(30)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass
        held = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Held)
        held.daemon_threads = True
        threading.Thread(target=held.serve_forever, daemon=True).start()

        def stop():
            released.set()
            held.shutdown()
            held.server_close()
        self.addCleanup(stop)
        url = "http://127.0.0.1:%d/hook" % held.server_address[1]
        st, _, js = self.p(self.a, "PUT", "/v1/partner/webhook",
                           {"url": url})
        self.assertEqual(st, 200, js)
        self.apply(self.srv, person(*ADA, program="acme"))
        self.assertTrue(arrived.wait(30), "no delivery arrived")
        try:
            self.db.query(
                "BEGIN; SET LOCAL lock_timeout = '1s'; SELECT 1 FROM "
                "partner_webhooks WHERE partner_id = '%s' FOR UPDATE "
                "NOWAIT; ROLLBACK" % self.a["id"])
            t0 = time.time()
            st, _, js = self.p(self.a, "PUT", "/v1/partner/webhook",
                               {"url": self.rx.url})
            self.assertEqual(st, 200, js)
            self.assertLess(time.time() - t0, 5)
        finally:
            released.set()
        wait_until(lambda: self.db.count(
            "webhook_events", "partner_id = '%s' AND state <> 'delivered'"
            % self.a["id"]) == 0 or None, 60, 0.2, "every event delivered")

    def test_receiver_down_then_back_and_revocation_latency(self):
        app = self.issued_for("acme")
        self.wait_all(self.rx, self.a["id"])
        # Down: changes go on, nothing is lost.
        self.rx.stop()
        others = [self.apply(self.srv, person(*ADA, program="acme"))
                  for _ in range(3)]
        st, _, js = self.revoke(app)
        self.assertEqual(st, 200, js)

        def failed():
            return int(self.db.scalar("SELECT count(*) FROM webhook_deliveries "
                                  "WHERE outcome = 'failed'")) >= 3 or None
        wait_until(failed, 30, 0.2, "failed tries while down")
        self.rx.start()
        want = self.wait_all(self.rx, self.a["id"])
        ids = [b["id"] for b in self.rx.bodies()]
        self.assertEqual(sorted(ids), sorted(want))
        self.assertLaneOrder(self.a["id"], ids)
        st, _, js = self.p(self.a, "GET", "/v1/partner/webhook/deliveries"
                           "?limit=200")
        outcomes = {d["outcome"] for d in js["items"]}
        self.assertEqual(outcomes, {"delivered", "failed"})
        self.assertTrue(others)
        # Up: a revocation is at the receiver within 5 seconds.
        app2 = self.issued_for("acme", ADA)
        self.wait_all(self.rx, self.a["id"])
        st, _, js = self.revoke(app2)
        t0 = time.time()  # from the reply, not the revocation's start
        self.assertEqual(st, 200, js)

        def arrived():
            for h, b, t in self.rx.received():
                j = json.loads(b)
                if j["type"] == "certificate.revoked" and \
                        j["data"]["serial"] == app2["_cert"]["serial"]:
                    return t
            return None
        t1 = wait_until(arrived, 5, 0.02, "the revocation webhook")
        self.assertLess(t1 - t0, 5)


class InvitationTest(PartnerCase):

    def test_invitation_mail_and_rate_limit(self):
        addr = harness.unique_email("inv")
        st, _, js = self.p(self.a, "POST", "/v1/partner/invitations",
                           {"email": addr, "given_name": "Ada"})
        self.assertEqual(st, 202, js)
        msg = self.srv.sink.wait_for(addr, 20)
        self.assertIn("program=acme", harness.mail_text(msg))
        for _ in range(2):
            st, _, js = self.p(self.a, "POST", "/v1/partner/invitations",
                               {"email": harness.unique_email("inv")})
            self.assertEqual(st, 202, js)
        self.assertProblem(self.p(self.a, "POST", "/v1/partner/invitations",
                                  {"email": harness.unique_email("inv")}),
                           429)
        # B's limit is its own.
        st, _, js = self.p(self.b, "POST", "/v1/partner/invitations",
                           {"email": harness.unique_email("inv")})
        self.assertEqual(st, 202, js)
        self.assertProblem(self.p(self.b, "POST", "/v1/partner/invitations",
                                  {"email": "not an address"}), 422, "email")



if __name__ == "__main__":
    harness.main()
