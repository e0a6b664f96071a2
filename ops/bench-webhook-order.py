#!/usr/bin/python3
"""Webhook ordering benchmark (issue 16, item 4): revocation -> partner
receiver latency while another application's events fail, and (where the
tree has it) the paging rate of GET /v1/partner/events.

    ops/bench-webhook-order.py [--tree DIR] [--revocations N]
                               [--events N] [--wait SECONDS]

DIR is a source tree with its test build in DIR/build-test (default:
this tree); it runs against that tree's rxca-server and rxca-admin with
its own integration harness (a throwaway database on the PostgreSQL
cluster of ops/rxca-dev, RXCA_TEST_PG* or this tree's var/pg), so the
same script measures main (before) and a branch (after).

Latency: a partner's receiver answers 500 to every application event of
one application (A, created first: its events keep failing) and 2xx to
everything else.  N other applications get a certificate each; then each
certificate is revoked in turn through the operators' API, and the time
from just before the revocation request to the receiver's 2xx for its
certificate.revoked is measured.  A revocation not delivered within
--wait seconds after the last one is counted as not delivered (its
latency is then at least the time waited).

Paging: --events events are seeded in bulk for one partner (one INSERT
naming the sequences 1..N, the partner's counter set to N, then ANALYZE,
as autovacuum would after such an insert), then read through GET
/v1/partner/events at limit 1000 and 100; pages/s and events/s.  (Left
to the trigger, which takes the partner's counter row once per row, one
transaction of 100,000 events takes minutes: each update of that row
walks the versions the transaction already made.)

BENCH_PORT: the first of the ports the harness's servers take, one after
another (default: free ones; ops/bench/bench_ports.py).  Each LATENCY and
PAGING line holds the load average at its end.
"""
import argparse
import http.server
import json
import os
import statistics
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def parse():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree", default=os.path.dirname(HERE))
    ap.add_argument("--revocations", type=int, default=100)
    ap.add_argument("--events", type=int, default=100000)
    ap.add_argument("--wait", type=float, default=60.0)
    ap.add_argument("--paging-only", action="store_true")
    return ap.parse_args()


ARGS = parse()
TREE = os.path.abspath(ARGS.tree)
os.environ.setdefault("RXCA_SOURCE_DIR", TREE)
os.environ.setdefault("RXCA_BUILD_DIR", os.path.join(TREE, "build-test"))
if "RXCA_TEST_PGHOST" not in os.environ:
    pg = os.path.join(os.path.dirname(HERE), "var", "pg")
    os.environ["RXCA_TEST_PGHOST"] = os.path.join(pg, "run")
    with open(os.path.join(pg, "port")) as f:
        os.environ["RXCA_TEST_PGPORT"] = f.read().strip()
    os.environ["RXCA_TEST_PGUSER"] = "rxca"
sys.path.insert(0, os.path.join(TREE, "tests", "integration"))
sys.argv = sys.argv[:1]

sys.path.insert(0, os.path.join(HERE, "bench"))
import bench_ports  # noqa: E402
import harness  # noqa: E402 (the tree's)
import test_ca  # noqa: E402 (the tree's test base)
from test_partners import PartnerCase  # noqa: E402
from test_proofing import ADA, dea, npi, person  # noqa: E402

bench_ports.install(harness)

# --revocations people who each pass the reference provider: a second
# application of one person goes to review (docs/proofing.md), and the
# reference data has only a dozen of Ada's twins.  Each is Ada with a
# date of birth, an NPI and a DEA number of her own, added to the
# provider's data for this run.
PEOPLE = [("Ada", "Lovelace", "%04d-%02d-%02d" % (1940 + i // 300,
                                                   1 + i // 25 % 12,
                                                   1 + i % 25), "1234")
          for i in range(ARGS.revocations)]


def bench_identities():
    with open(os.path.join(TREE, "proofing", "reference",
                           "identities.json")) as f:
        data = json.load(f)
    data["identities"] += [
        {"given_name": g, "family_name": fam, "date_of_birth": dob,
         "ssn_last4": ssn, "decision": "pass", "score": 96, "reasons": [],
         "behaviour": None} for g, fam, dob, ssn in PEOPLE]
    return data


START_PROVIDER = test_ca.start_provider
test_ca.start_provider = lambda test, data=None, **kw: START_PROVIDER(
    test, data=bench_identities(), **kw)


class FailingReceiver:
    """Answers 500 to application events of the ids in failing, 204 to
    the rest; notes when each accepted body came."""

    def __init__(self):
        self.failing = set()
        self.accepted = {}        # event id -> (parsed body, time)
        self.lock = threading.Lock()
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(
                    int(self.headers.get("Content-Length", "0"))))
                now = time.time()
                bad = body["type"].startswith("application.") and \
                    body["data"].get("application_id") in rec.failing
                if not bad:
                    with rec.lock:
                        rec.accepted.setdefault(body["id"], (body, now))
                self.send_response(500 if bad else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever,
                         daemon=True).start()
        self.url = "http://127.0.0.1:%d/hook" % self.httpd.server_address[1]

    def revoked_at(self, serial):
        with self.lock:
            for b, t in self.accepted.values():
                if b["type"] == "certificate.revoked" and \
                        b["data"]["serial"] == serial:
                    return t
        return None

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


class Bench(PartnerCase):
    # Paging 100,000 events at limit 100 is 1,000 requests: past the
    # default partner rate limit, which would measure the 429s.
    extra_env = dict(PartnerCase.extra_env,
                     RXCA_PARTNER_RATE_LIMIT="1000000")

    def person(self, who=ADA, **over):
        """The next of PEOPLE (issued_for takes one per certificate)."""
        i = self.people = getattr(self, "people", -1) + 1
        body = person(*PEOPLE[i], **over)
        body["applicant"]["npi"] = npi("6%08d" % i)
        body["applicant"]["dea_number"] = dea(PEOPLE[i][1], "6%05d" % i)
        return body

    def test_bench(self):
        if ARGS.paging_only:
            self.paging()
            return
        rx = FailingReceiver()
        self.addCleanup(rx.stop)
        st, _, js = self.p(self.a, "PUT", "/v1/partner/webhook",
                           {"url": rx.url})
        self.assertEqual(st, 200, js)
        a = self.apply(self.srv, person(*ADA, program="acme"))
        rx.failing.add(a["id"])
        n = ARGS.revocations
        t0 = time.time()
        apps = [self.issued_for("acme") for _ in range(n)]
        print("issued %d certificates in %.0f s" % (n, time.time() - t0),
              file=sys.stderr)
        starts = []
        for app in apps:
            s = time.time()
            st, _, js = self.revoke(app)
            self.assertEqual(st, 200, js)
            starts.append((app["_cert"]["serial"], s))
        last = time.time()
        while time.time() < last + ARGS.wait:
            if all(rx.revoked_at(s) is not None for s, _ in starts):
                break
            time.sleep(0.05)
        lat, missing = [], 0
        for serial, s in starts:
            t = rx.revoked_at(serial)
            if t is None:
                missing += 1
            else:
                lat.append(t - s)
        failed = self.db.scalar("SELECT count(*) FROM webhook_deliveries "
                                "WHERE outcome = 'failed'")
        out = {"tree": TREE, "revocations": n,
               "delivered": len(lat), "not_delivered": missing,
               "waited_s": ARGS.wait, "failed_tries_of_A": int(failed)}
        if lat:
            out.update({"p50_ms": round(1000 * pct(lat, 0.50)),
                        "p99_ms": round(1000 * pct(lat, 0.99)),
                        "max_ms": round(1000 * max(lat)),
                        "mean_ms": round(1000 * statistics.mean(lat))})
        out["load"] = bench_ports.load()
        print("LATENCY " + json.dumps(out), file=sys.stderr)
        self.paging()

    def paging(self):
        st, _, _ = self.p(self.b, "GET", "/v1/partner/events?limit=1")
        if st == 404:
            print("PAGING not in this tree (no /v1/partner/events)",
                  file=sys.stderr)
            return
        n = ARGS.events
        t0 = time.time()
        self.db.query(
            "INSERT INTO webhook_events (id, partner_id, type, body, "
            "created_at, next_at, state, sequence) SELECT 'evt_bench' || "
            "g, '%s', 'application.status_changed', '{\"id\":\"evt_bench' "
            "|| g || '\",\"data\":{},\"sequence\":' || g || '}', now(), "
            "now(), 'delivered', g FROM generate_series(1, %d) g; "
            "INSERT INTO webhook_sequences (partner_id, last_seq) VALUES "
            "('%s', %d); ANALYZE webhook_events"
            % (self.b["id"], n, self.b["id"], n))
        seeded = time.time() - t0
        for limit in (1000, 100):
            after, pages, rows = 0, 0, 0
            t0 = time.time()
            while True:
                st, _, js = self.p(self.b, "GET",
                                   "/v1/partner/events?after=%d&limit=%d"
                                   % (after, limit))
                self.assertEqual(st, 200, js)
                pages += 1
                rows += len(js["items"])
                if js["next_after"] is None:
                    break
                after = js["next_after"]
            dt = time.time() - t0
            self.assertEqual(rows, n)
            print("PAGING " + json.dumps({
                "events": n, "seed_s": round(seeded, 1), "limit": limit,
                "pages": pages, "seconds": round(dt, 2),
                "pages_per_s": round(pages / dt, 1),
                "events_per_s": round(rows / dt),
                "load": bench_ports.load()}), file=sys.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=1)
