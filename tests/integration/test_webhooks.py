#!/usr/bin/python3
"""Webhooks only to public addresses (issue 13, item 1), and invitations a
partner can follow (item 15).

Names are resolved through RXCA_TEST_RESOLVE_FILE, a file of "name
address" lines the test rewrites, so a name can resolve to a public
address when the webhook is set and to 127.0.0.1 when it is delivered (DNS
rebinding) without touching /etc/hosts or DNS.  With
RXCA_WEBHOOK_ALLOW_PRIVATE off, every private kind of URL is refused at
PUT (422 on url, nothing stored), and a delivery to an address that became
private is refused before any connection ("refused: private address", the
receiver sees no connection at all).  With it on, a name is delivered to
the address the file gave (the pin), and a closed port reads as one
neutral error."""
import os
import tempfile

import harness
from harness import wait_until
from test_proofing import ADA, person
from webhook_receiver import Receiver

DAY = 86400
PUBLIC = "93.184.216.34"
REFUSED = "refused: private address"
NEUTRAL = "could not connect or no answer"
WARNING = "WEBHOOKS MAY REACH PRIVATE ADDRESSES"


class PartnerCase(harness.TestCase):
    """A server without a CA (none is needed here, and it starts and stops
    at once) and two partners made with rxca-admin (PARTNERS: copied
    with the database, harness.PARTNERS)."""
    extra_env = {"RXCA_WEBHOOK_BACKOFF_MAX": "1",
                 "RXCA_PARTNER_INVITE_LIMIT": "3",
                 "RXCA_WEBHOOK_ALLOW_PRIVATE": "1"}

    def setUp(self):
        super().setUp()
        self.env = dict(self.extra_env)
        self.db = self.start_db(partners=harness.PARTNERS)
        self.srv = self.start_server(db=self.db, env=self.env)
        self.a = self.partner("Acme EHR", "acme")
        self.b = self.partner("Bolt EHR", "bolt")

    def partner(self, name, program):
        who = dict(self.take_partner(self.db, name, program, self.env))
        # A new program is closed (invitations only): these tests apply
        # naming it without one.
        st, _, pr = self.p(who, "PUT", "/v1/partner/program", {"open": True})
        self.assertEqual(st, 200, pr)
        return who

    def p(self, who, method, path, body=None):
        return self.srv.http(method, path, body,
                             headers=self.bearer(who["key"]))


class ResolverCase(PartnerCase):
    """Webhook names resolved from a file the test rewrites."""
    private = "0"

    def setUp(self):
        fd, self.hosts = tempfile.mkstemp(prefix="rxca-resolve-")
        os.close(fd)
        self.addCleanup(os.unlink, self.hosts)
        self.extra_env = dict(PartnerCase.extra_env,
                              RXCA_WEBHOOK_ALLOW_PRIVATE=self.private,
                              RXCA_TEST_RESOLVE_FILE=self.hosts)
        super().setUp()

    def resolve(self, names):
        """Rewrites the resolve file: {name: address or [addresses]}."""
        tmp = self.hosts + ".tmp"
        with open(tmp, "w") as f:
            for name, addrs in names.items():
                for a in [addrs] if isinstance(addrs, str) else addrs:
                    f.write("%s %s\n" % (name, a))
        os.rename(tmp, self.hosts)

    def put(self, url, who=None):
        return self.p(who or self.a, "PUT", "/v1/partner/webhook",
                      {"url": url})

    def receiver(self):
        rx = Receiver().start()
        self.addCleanup(rx.stop)
        return rx

    def event(self):
        """An application of acme's program: an event for partner A."""
        return self.apply(self.srv, person(*ADA, program="acme"))

    def deliveries(self, n):
        """The first n entries of A's delivery log, once there are n."""
        def enough():
            st, _, js = self.p(self.a, "GET",
                               "/v1/partner/webhook/deliveries?limit=200")
            self.assertEqual(st, 200, js)
            return js["items"][:n] if len(js["items"]) >= n else None
        return wait_until(enough, 30, 0.1, "%d deliveries" % n)


class PrivateRefusedTest(ResolverCase):

    def test_put_refuses_every_private_kind(self):
        self.assertNotIn(WARNING, self.srv.stderr())
        self.resolve({
            "public.example.test": PUBLIC,
            "loop.example.test": "127.0.0.1",
            "ten.example.test": "10.1.2.3",
            "cgn.example.test": "100.64.0.1",
            "metadata.example.test": "169.254.169.254",
            "home.example.test": "192.168.1.1",
            "corp.example.test": "172.20.0.1",
            "zero.example.test": "0.0.0.0",
            "bcast.example.test": "255.255.255.255",
            "mcast.example.test": "224.0.0.1",
            "loop6.example.test": "::1",
            "ula.example.test": "fd00::1",
            "linklocal.example.test": "fe80::1",
            "mapped.example.test": "::ffff:127.0.0.1",
            "nat64.example.test": "64:ff9b::7f00:1",
            "doc6.example.test": "2001:db8::1",
            "mixed.example.test": [PUBLIC, "10.0.0.1"],
        })
        own = "%d" % self.srv.port
        refused = [
            # The issue's own case: the server's operator route.
            "http://127.0.0.1:%s/v1/ops/partners" % own,
            "https://127.0.0.1:%s/v1/ops/partners" % own,
            "http://public.example.test/hook",      # http:// at all
            "https://0.0.0.0/", "https://10.0.0.1/", "https://100.64.0.1/",
            "https://127.255.255.255/", "https://169.254.169.254/latest",
            "https://172.16.0.1/", "https://172.31.255.255/",
            "https://192.168.0.1/", "https://224.0.0.1/",
            "https://240.0.0.1/", "https://255.255.255.255/",
            "https://[::1]:8443/", "https://[::]/", "https://[fc00::1]/",
            "https://[fe80::1]/", "https://[ff02::1]/",
            "https://[::ffff:127.0.0.1]/", "https://[::ffff:a00:1]/",
            "https://[64:ff9b::7f00:1]/", "https://[2001:db8::1]/",
            "https://localhost/", "https://127.1/", "https://2130706433/",
            "https://0x7f000001/", "https://user@public.example.test/",
            "https://public.example.test@127.0.0.1/",
            "https://nowhere.example.test/",        # does not resolve
        ] + ["https://%s.example.test/hook" % n for n in (
            "loop", "ten", "cgn", "metadata", "home", "corp", "zero",
            "bcast", "mcast", "loop6", "ula", "linklocal", "mapped",
            "nat64", "doc6", "mixed")]
        for url in refused:
            body = self.assertProblem(self.put(url), 422, "url")
            self.assertNotIn("secret", body, url)
        # Nothing was stored or audited.
        self.assertProblem(self.p(self.a, "GET", "/v1/partner/webhook"), 404)
        self.assertEqual(self.db.count(
            "audit_log", "action = 'partner.webhook_set'"), 0)
        # A name that resolves to a public address, and a public literal.
        for url in ("https://public.example.test/hook",
                    "HTTPS://Public.Example.Test:8443/hook?x=1",
                    "https://%s/hook" % PUBLIC):
            st, _, js = self.put(url)
            self.assertEqual(st, 200, (url, js))

    def test_rebinding_refused_at_delivery(self):
        rx = self.receiver()
        self.resolve({"rebind.example.test": PUBLIC})
        url = "https://rebind.example.test:%d/hook" % rx.port
        st, _, js = self.put(url)
        self.assertEqual(st, 200, js)
        # The name now points at the receiver on loopback.
        self.resolve({"rebind.example.test": "127.0.0.1"})
        self.event()
        first = self.deliveries(1)[0]
        self.assertEqual(first["error"], REFUSED, first)
        self.assertIsNone(first["http_status"], first)
        self.assertEqual(first["outcome"], "failed", first)
        # A URL stored under the old rules (a loopback literal) is
        # refused at delivery as well: the check does not trust PUT.
        plain = "http://127.0.0.1:%d/hook" % rx.port
        self.db.query("UPDATE partner_webhooks SET url = '%s'" % plain)

        def tried_plain():
            return self.db.scalar(
                "SELECT error FROM webhook_deliveries WHERE url = '%s' "
                "LIMIT 1" % plain)
        self.assertEqual(
            wait_until(tried_plain, 30, 0.1, "a try of the literal"),
            REFUSED)
        for d in self.deliveries(2):
            self.assertEqual(d["error"], REFUSED, d)
        # The receiver never saw a connection, let alone a request.
        self.assertEqual(rx.connections, 0)
        self.assertEqual(rx.received(), [])


class PrivateAllowedTest(ResolverCase):
    private = "1"

    def test_name_pinned_and_closed_port_neutral(self):
        self.assertIn(WARNING, self.srv.stderr())
        rx = self.receiver()
        self.resolve({"hooks.example.test": "127.0.0.1"})
        st, _, js = self.put("http://hooks.example.test:%d/hook" % rx.port)
        self.assertEqual(st, 200, js)
        self.event()
        d = self.deliveries(1)[0]
        self.assertEqual(d["outcome"], "delivered", d)
        # Delivered to the address of the file, under the name.
        h, _, _ = rx.received()[0]
        self.assertEqual(h["host"], "hooks.example.test:%d" % rx.port)
        # A closed port: one neutral error, no curl words.
        rx.stop()
        self.event()

        def failed():
            st, _, js = self.p(self.a, "GET",
                               "/v1/partner/webhook/deliveries?limit=200")
            f = [x for x in js["items"] if x["outcome"] == "failed"]
            return f or None
        f = wait_until(failed, 30, 0.1, "a failed try")[0]
        self.assertEqual(f["error"], NEUTRAL, f)
        self.assertIsNone(f["http_status"])
        # Names still must resolve, and never to 0.0.0.0 or multicast.
        self.resolve({"zero.example.test": "0.0.0.0",
                      "mcast.example.test": "ff02::1"})
        for url in ("http://zero.example.test/", "http://mcast.example.test/",
                    "http://nowhere.example.test/", "https://0.0.0.0/",
                    "ftp://127.0.0.1/"):
            self.assertProblem(self.put(url), 422, "url")


class InvitationStatusTest(PartnerCase):
    # Two tries, or (where mail is kept until a deadline) a day of them.
    extra_env = dict(PartnerCase.extra_env, RXCA_JOB_MAX_ATTEMPTS="2",
                     RXCA_MAIL_KEEP_DAYS="1")

    def invite(self, who, addr, name=None):
        body = {"email": addr}
        if name is not None:
            body["given_name"] = name
        st, _, js = self.p(who, "POST", "/v1/partner/invitations", body)
        self.assertEqual(st, 202, js)
        self.assertEqual(js["status"], "queued")
        return js

    def status(self, inv, want, who=None):
        def reached():
            st, _, js = self.p(who or self.a, "GET",
                               "/v1/partner/invitations/%s" % inv["id"])
            self.assertEqual(st, 200, js)
            return js if js["status"] == want else None
        return wait_until(reached, 30, 0.1, "invitation %s" % want)

    def test_sent_without_a_name_and_listed(self):
        addr = harness.unique_email("inv")
        inv = self.invite(self.a, addr)
        msg = self.srv.sink.wait_for(addr, 20)
        text = harness.mail_text(msg)
        self.assertTrue(text.startswith("Hello,"), text)
        self.assertIn("program=acme", text)
        js = self.status(inv, "sent")
        self.assertEqual(js["email"], addr.lower())
        self.assertIsNotNone(js["sent_at"])
        self.assertIsNone(js["failed_at"])
        self.assertEqual(js["attempts"], 1)
        # With a name too; then the list, one a page, each once (in
        # (created_at, id) order: the same second orders by id).
        inv2 = self.invite(self.a, harness.unique_email("inv"), "Grace")
        self.status(inv2, "sent")
        ids, after = [], None
        for _ in range(3):
            q = "?limit=1" + ("&after=" + after if after else "")
            st, _, page = self.p(self.a, "GET", "/v1/partner/invitations"
                                 + q)
            self.assertEqual(st, 200, page)
            ids += [i["id"] for i in page["items"]]
            after = page["next_after"]
            if after is None:
                break
        self.assertEqual(sorted(ids), sorted([inv["id"], inv2["id"]]))
        self.assertEqual(len(ids), 2)
        # The other partner sees none of them.
        self.assertProblem(self.p(self.b, "GET", "/v1/partner/invitations/%s"
                                  % inv["id"]), 404)
        st, _, js = self.p(self.b, "GET", "/v1/partner/invitations")
        self.assertEqual((st, js["items"]), (200, []))
        for q, field in (("?after=x", "after"), ("?after=5:", "after"),
                         ("?limit=0", "limit"), ("?limit=201", "limit"),
                         ("?status=delivered", "status")):
            self.assertProblem(self.p(self.a, "GET",
                                      "/v1/partner/invitations" + q), 422,
                               field)

    def test_failed_when_mail_never_goes(self):
        self.srv.sink.stop()
        inv = self.invite(self.a, harness.unique_email("inv"), "Alan")

        def tried():
            st, _, js = self.p(self.a, "GET", "/v1/partner/invitations/%s"
                               % inv["id"])
            return js if js["attempts"] >= 1 else None
        js = wait_until(tried, 30, 0.1, "a failed try")
        self.assertIn(js["status"], ("queued", "failed"))
        self.assertIsNone(js["sent_at"])
        # Past any deadline a mail job may have.
        self.srv.set_clock(2 * DAY)
        js = self.status(inv, "failed")
        self.assertIsNotNone(js["failed_at"])
        self.assertIsNone(js["sent_at"])
        st, _, page = self.p(self.a, "GET", "/v1/partner/invitations")
        self.assertEqual([i["status"] for i in page["items"]], ["failed"])


class PurgeTest(PartnerCase):
    """Webhook events and deliveries are kept RXCA_WEBHOOK_KEEP_DAYS (30)
    and then deleted by the server's sweep (the clock moved, never a
    sleep): a delivery by its try's time, an event by its creation once it
    is no longer pending and has no delivery left."""
    extra_env = dict(PartnerCase.extra_env, RXCA_LOG_LEVEL="debug")

    def event(self, name, days, state):
        """An event of partner A made days from now (real time)."""
        return self.db.scalar(
            "INSERT INTO webhook_events (id, partner_id, type, body, "
            "created_at, state, next_at) VALUES ('evt_%s', '%s', "
            "'application.created', '{}', now() + interval '%d days', "
            "'%s', now()) RETURNING seq" % (name, self.a["id"], days,
                                            state))

    def delivery(self, seq, days):
        return self.db.scalar(
            "INSERT INTO webhook_deliveries (event_seq, partner_id, "
            "attempt, at, url, http_status, duration_ms, outcome) VALUES "
            "(%s, '%s', 1, now() + interval '%d days', "
            "'https://ehr.example/hook', 200, 5, 'delivered') RETURNING id"
            % (seq, self.a["id"], days))

    def kept(self):
        events = {r[0] for r in self.db.query(
            "SELECT id FROM webhook_events WHERE id LIKE 'evt_p%'")}
        deliveries = {r[0] for r in self.db.query(
            "SELECT id FROM webhook_deliveries")}
        return events, deliveries

    def test_kept_then_purged(self):
        old = self.event("pold", -2, "delivered")
        d_old = self.delivery(old, -2)
        self.event("punsent", -2, "unsent")
        self.event("pdead", -2, "dead")
        self.event("ppending", -2, "pending")
        young = self.event("pyoung", 0, "delivered")
        d_young = self.delivery(young, 0)
        again = self.event("pagain", -2, "delivered")
        d_again_old = self.delivery(again, -2)
        d_again = self.delivery(again, 0)
        every = ({"evt_pold", "evt_punsent", "evt_pdead", "evt_ppending",
                  "evt_pyoung", "evt_pagain"},
                 {d_old, d_young, d_again_old, d_again})
        self.srv.wait_sweeps()
        self.assertEqual(self.kept(), every)
        # 29 days on: what was made two days before is past 30 days and
        # goes, with its delivery; a pending event stays, and so does an
        # event redelivered since, while its newer delivery is kept.
        self.srv.set_clock(29 * DAY)
        self.srv.wait_sweeps()
        self.assertEqual(self.kept(), (
            {"evt_ppending", "evt_pyoung", "evt_pagain"},
            {d_young, d_again}))
        # 31 days on: the rest but the pending event.
        self.srv.set_clock(31 * DAY)
        self.srv.wait_sweeps()
        self.assertEqual(self.kept(), ({"evt_ppending"}, set()))
        self.assertIn("webhook events purged", self.srv.stderr())


if __name__ == "__main__":
    harness.main()
