#!/usr/bin/python3
"""Webhooks a partner can rely on (issue 16, item 4) and the Date header
(item 6).

Ordering is kept per application and per certificate, not per partner: a
receiver that fails one application's events for an hour (the clock
moved, never slept) still gets the other applications' events and every
revocation at once.  Every event carries a per-partner sequence, strictly
increasing with no gaps, also when events are made concurrently; a
receiver catches up through GET /v1/partner/events; POST
/v1/partner/events/{id}/redeliver queues one new delivery; a rotated
secret signs beside the new one for its overlap, then stops; a partner
cannot list or redeliver another partner's events."""
import email.utils
import json
import threading
import time

import harness
from harness import wait_until
from test_partners import PartnerCase
from test_proofing import ADA, person
from webhook_receiver import Receiver, verify_signature

HOUR = 3600


class OrderCase(PartnerCase):
    extra_env = dict(PartnerCase.extra_env,
                     RXCA_WEBHOOK_SECRET_OVERLAP="600",
                     RXCA_JOB_BACKOFF_MAX="1")

    def setUp(self):
        super().setUp()
        self.failing = set()      # application ids whose events fail
        self.failing_all = False  # every application's events fail
        self.rx = Receiver(fail=self.fails).start()
        self.addCleanup(self.rx.stop)
        st, _, js = self.p(self.a, "PUT", "/v1/partner/webhook",
                           {"url": self.rx.url})
        self.assertEqual(st, 200, js)
        self.secret = js["secret"]

    def fails(self, body):
        """The receiver fails the application events of self.failing
        (of every application while self.failing_all)."""
        return body["type"].startswith("application.") and (
            self.failing_all or
            body["data"].get("application_id") in self.failing)

    def events(self, who, limit=1000):
        """Every event of who, through /v1/partner/events pages."""
        out, after = [], None
        while True:
            path = "/v1/partner/events?limit=%d" % limit
            if after is not None:
                path += "&after=%d" % after
            st, _, js = self.p(who, "GET", path)
            self.assertEqual(st, 200, js)
            out += js["items"]
            if js["next_after"] is None:
                return out
            after = js["next_after"]

    def delivery(self, event_id, timeout=30, count=1):
        """The last delivered try of event_id in the delivery log, once
        count of them are there (their transactions committed: the
        receiver may see a try before)."""
        def logged():
            st, _, js = self.p(self.a, "GET",
                               "/v1/partner/webhook/deliveries?limit=200")
            self.assertEqual(st, 200, js)
            got = [d for d in js["items"] if d["event_id"] == event_id
                   and d["outcome"] == "delivered"]
            return got[-1] if len(got) >= count else None
        return wait_until(logged, timeout, 0.1, "the delivery logged")

    def arrived(self, pred, timeout):
        """The first body the receiver accepted that pred holds for, and
        when it came."""
        def find():
            for b, t in self.rx.accepted():
                if pred(b):
                    return b, t
            return None
        return wait_until(find, timeout, 0.02, "an accepted event")


class OrderTest(OrderCase):

    def test_failing_application_holds_back_nothing(self):
        # Application A's events fail from the start, for an hour: its
        # first may reach the receiver before its reply reaches us.
        self.failing_all = True
        a = self.apply(self.srv, person(*ADA, program="acme"))
        self.failing.add(a["id"])
        self.failing_all = False
        issued = self.issued_for("acme")
        self.failing.add(issued["id"])     # its application events too
        wait_until(lambda: int(self.db.scalar(
            "SELECT count(*) FROM webhook_deliveries WHERE outcome = "
            "'failed'")) >= 2 or None, 30, 0.2, "failed tries")
        # Its certificate's events are not behind its failing
        # application events: issued, then revoked at once.
        serial = issued["_cert"]["serial"]
        self.arrived(lambda b: b["type"] == "certificate.issued" and
                     b["data"]["serial"] == serial, 10)
        st, _, js = self.revoke(issued)
        t0 = time.time()  # from the reply, not the revocation's start
        self.assertEqual(st, 200, js)
        _, t1 = self.arrived(lambda b: b["type"] == "certificate.revoked"
                             and b["data"]["serial"] == serial, 5)
        self.assertLess(t1 - t0, 5)
        # An hour later A still fails; another application's events and
        # its revocation come at once.
        self.srv.set_clock(HOUR)
        other = self.issued_for("acme")
        st, _, js = self.revoke(other)
        t0 = time.time()  # from the reply, not the revocation's start
        self.assertEqual(st, 200, js)
        _, t1 = self.arrived(
            lambda b: b["type"] == "certificate.revoked" and
            b["data"]["serial"] == other["_cert"]["serial"], 5)
        self.assertLess(t1 - t0, 5)
        got = {b["id"] for b, _ in self.rx.accepted()}
        mine = [e for e in self.events(self.a)
                if e["event"]["data"].get("application_id") == other["id"]]
        self.assertTrue(mine)
        wait_until(lambda: {e["id"] for e in mine} <=
                   {b["id"] for b, _ in self.rx.accepted()} or None,
                   10, 0.1, "the other application's events")
        # A's events were tried and are still pending, none delivered.
        a_events = [e for e in self.events(self.a)
                    if e["event"]["data"].get("application_id") == a["id"]]
        self.assertTrue(a_events)
        self.assertEqual({e["delivery_state"] for e in a_events},
                         {"pending"})
        self.assertFalse({e["id"] for e in a_events} & got)
        # The receiver mends: A's events come, in their order.
        self.failing.clear()
        self.srv.set_clock(2 * HOUR)
        wait_until(lambda: {e["id"] for e in a_events} <=
                   {b["id"] for b, _ in self.rx.accepted()} or None,
                   60, 0.2, "A's events once the receiver mends")
        seqs = [b["sequence"] for b, _ in self.rx.accepted()
                if b["data"].get("application_id") == a["id"]]
        self.assertEqual(seqs, sorted(seqs))

    def test_sequence_and_catch_up(self):
        self.rx.stop()       # nothing delivered: /events alone
        apps = [self.apply(self.srv, person(*ADA, program="acme"))
                for _ in range(3)]
        self.apply(self.srv, person(*ADA, program="bolt"))
        items = self.events(self.a, limit=2)
        seqs = [e["sequence"] for e in items]
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)))
        self.assertGreaterEqual(len(seqs), 3)
        for e in items:
            self.assertEqual(e["event"]["sequence"], e["sequence"])
            self.assertEqual(e["event"]["id"], e["id"])
            self.assertEqual(e["ordering_key"], e["event"]["ordering_key"])
            self.assertIn(e["event"]["data"]["application_id"],
                          [x["id"] for x in apps])
        # after= resumes past a sequence; a bad cursor is 422.
        st, _, js = self.p(self.a, "GET", "/v1/partner/events?after=%d"
                           % seqs[1])
        self.assertEqual([e["sequence"] for e in js["items"]], seqs[2:])
        self.assertProblem(self.p(self.a, "GET",
                                  "/v1/partner/events?after=x"), 422,
                           "after")
        self.assertProblem(self.p(self.a, "GET",
                                  "/v1/partner/events?limit=0"), 422,
                           "limit")
        # B sees its own event only, numbered from 1.
        theirs = self.events(self.b)
        self.assertEqual([e["sequence"] for e in theirs], [1])
        self.assertFalse({e["id"] for e in theirs} & {e["id"]
                                                       for e in items})
        st, _, _ = self.srv.http("GET", "/v1/partner/events")
        self.assertEqual(st, 401)

    def test_sequence_no_gap_under_concurrency(self):
        """Events made by concurrent transactions of one partner: every
        number once, none skipped, and a failed transaction leaves no
        hole."""
        errors = []

        def one():
            try:
                self.apply(self.srv, person(*ADA, program="acme"))
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
        threads = [threading.Thread(target=one) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        # A transaction that makes an event and then aborts.
        self.db.query(
            "BEGIN; INSERT INTO webhook_events (id, partner_id, type, body, "
            "created_at, next_at) VALUES ('evt_abort', '%s', 'x', '{}', "
            "now(), now()); ROLLBACK" % self.a["id"])
        self.apply(self.srv, person(*ADA, program="acme"))
        seqs = [int(r[0]) for r in self.db.query(
            "SELECT sequence FROM webhook_events WHERE partner_id = '%s' "
            "ORDER BY seq" % self.a["id"])]
        self.assertGreaterEqual(len(seqs), 9)
        self.assertEqual(sorted(seqs), list(range(1, len(seqs) + 1)))
        # Committed in sequence order: the outbox's own order agrees.
        self.assertEqual(seqs, sorted(seqs))
        listed = [e["sequence"] for e in self.events(self.a, limit=3)]
        self.assertEqual(listed, list(range(1, len(seqs) + 1)))


class RedeliverTest(OrderCase):

    def test_redeliver_once_and_scoped(self):
        app = self.apply(self.srv, person(*ADA, program="acme"))
        evs = self.events(self.a)
        first = evs[0]
        self.delivery(first["id"])
        # The receiver now fails everything: the redelivery stays queued
        # between its tries, and a second ask queues nothing more.
        self.failing.add(app["id"])
        path = "/v1/partner/events/%s/redeliver" % first["id"]
        st, _, js = self.p(self.a, "POST", path)
        self.assertEqual((st, js["redelivery"]), (202, "queued"), js)
        st, _, js = self.p(self.a, "POST", path)
        self.assertEqual((st, js["redelivery"]), (202, "already_queued"), js)
        self.assertEqual(int(self.db.scalar(
            "SELECT count(*) FROM jobs WHERE kind = 'webhook.redeliver'")),
            1)
        wait_until(lambda: int(self.db.scalar(
            "SELECT count(*) FROM webhook_deliveries WHERE redelivery AND "
            "outcome = 'failed'")) >= 1 or None, 30, 0.2,
            "a failed redelivery")
        self.failing.clear()
        wait_until(lambda: [b for b, _ in self.rx.accepted()
                            if b["id"] == first["id"]][1:] or None,
                   30, 0.2, "the event a second time")
        self.assertTrue(self.delivery(first["id"], count=2)["redelivery"])
        st, _, js = self.p(self.a, "GET",
                           "/v1/partner/webhook/deliveries?limit=200")
        mine = [d for d in js["items"] if d["event_id"] == first["id"]]
        self.assertEqual([d["redelivery"] for d in mine if
                          d["outcome"] == "delivered"], [False, True])
        # Another partner's event, or an unknown one: 404 alike.
        self.assertProblem(self.p(self.b, "POST", path), 404)
        self.assertProblem(self.p(
            self.a, "POST", "/v1/partner/events/evt_nope/redeliver"), 404)
        self.assertNotIn(first["id"], [e["id"] for e in self.events(self.b)])


class RotationTest(OrderCase):

    def test_both_signatures_during_the_overlap_only(self):
        st, _, hook = self.p(self.a, "GET", "/v1/partner/webhook")
        old_id = hook["secret_id"]
        self.assertIsNone(hook["old_secret_id"])
        self.assertNotIn("secret", hook)
        self.assertProblem(self.p(self.a, "POST", "/v1/partner/webhook/secret",
                                  {"overlap_seconds": 601}), 422,
                           "overlap_seconds")
        self.assertProblem(self.p(self.b, "POST",
                                  "/v1/partner/webhook/secret"), 404)
        st, _, rot = self.p(self.a, "POST", "/v1/partner/webhook/secret")
        self.assertEqual(st, 200, rot)
        self.assertNotEqual(rot["secret"], self.secret)
        self.assertNotEqual(rot["secret_id"], old_id)
        st, _, hook = self.p(self.a, "GET", "/v1/partner/webhook")
        self.assertEqual(hook["old_secret_id"], old_id)
        self.assertEqual(hook["old_secret_until"], rot["old_secret_until"])
        app = self.apply(self.srv, person(*ADA, program="acme"))
        b, _ = self.arrived(
            lambda b: b["data"].get("application_id") == app["id"], 30)
        h, raw = [(h, r) for h, r, _ in self.rx.received()
                  if json.loads(r)["id"] == b["id"]][0]
        sig = h["rxca-signature"]
        self.assertEqual(sig.count("v1="), 2)
        self.assertTrue(verify_signature(rot["secret"], sig, raw)[0])
        self.assertTrue(verify_signature(self.secret, sig, raw)[0])
        self.assertFalse(verify_signature("wrong", sig, raw)[0])
        # The new one signs first.
        newv1 = sig.split(",")[1]
        self.assertTrue(verify_signature(
            rot["secret"], sig.split(",")[0] + "," + newv1, raw)[0])
        d = self.delivery(b["id"])
        self.assertEqual(d["signed_with"], [rot["secret_id"], old_id])
        st, _, js = self.p(self.a, "GET",
                           "/v1/partner/webhook/deliveries?limit=200")
        self.assertNotIn(self.secret, json.dumps(js))
        self.assertNotIn(rot["secret"], json.dumps(js))
        # After the overlap: the new secret only.
        self.srv.set_clock(601)
        app2 = self.apply(self.srv, person(*ADA, program="acme"))
        b2, _ = self.arrived(
            lambda b: b["data"].get("application_id") == app2["id"], 30)
        h2, raw2 = [(h, r) for h, r, _ in self.rx.received()
                    if json.loads(r)["id"] == b2["id"]][0]
        sig2 = h2["rxca-signature"]
        self.assertEqual(sig2.count("v1="), 1)
        t = int(sig2.split(",")[0][2:])
        self.assertTrue(verify_signature(rot["secret"], sig2, raw2,
                                         )[0])
        self.assertFalse(verify_signature(self.secret, sig2, raw2)[0])
        self.assertGreater(t, time.time() + 500)  # the moved clock
        d = self.delivery(b2["id"])
        self.assertEqual(d["signed_with"], [rot["secret_id"]])
        st, _, hook = self.p(self.a, "GET", "/v1/partner/webhook")
        self.assertIsNone(hook["old_secret_id"])


class DateTest(OrderCase):

    def test_date_on_every_response_from_the_clock(self):
        for method, path, who in (("GET", "/healthz", None),
                                  ("GET", "/v1/partner/events", self.a),
                                  ("GET", "/v1/nowhere", None),
                                  ("GET", "/v1/partner/events", None)):
            hdrs = self.srv.http(method, path, headers=self.bearer(
                who["key"]) if who else None)[1]
            when = email.utils.parsedate_to_datetime(hdrs["date"])
            self.assertTrue(hdrs["date"].endswith(" GMT"), hdrs["date"])
            self.assertLess(abs(when.timestamp() - time.time()), 5)
        self.srv.set_clock(HOUR)
        hdrs = self.srv.http("GET", "/healthz")[1]
        when = email.utils.parsedate_to_datetime(hdrs["date"])
        self.assertLess(abs(when.timestamp() - time.time() - HOUR), 5)


if __name__ == "__main__":
    harness.main()
