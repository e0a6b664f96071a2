#!/usr/bin/python3
"""ops/bench-partners.sh's measurement (not a test): with the integration
harness (a throwaway database, rxca-server with a CA, a real webhook
receiver on loopback), the time from an operator's revocation request to
the partner's receiver getting the certificate.revoked event (median and
worst of BENCH_REVOCATIONS, one after another), and partner reads per
second with wrk (list and one application)."""
import json
import os
import re
import statistics
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.environ["RXCA_SOURCE_DIR"], "tests",
                                "integration"))
import harness  # noqa: E402
from harness import wait_until  # noqa: E402
from test_partners import PartnerCase  # noqa: E402
from webhook_receiver import Receiver  # noqa: E402
import bench_ports  # noqa: E402

bench_ports.install(harness)

N = int(os.environ.get("BENCH_REVOCATIONS", "100"))
SECS = os.environ.get("BENCH_WRK_SECONDS", "10")
CONNS = os.environ.get("BENCH_WRK_CONNS", "16")


class Bench(PartnerCase):
    extra_env = {"RXCA_WEBHOOK_BACKOFF_MAX": "1", "RXCA_WORKERS": "8",
                 "RXCA_WEBHOOK_ALLOW_PRIVATE": "1"}  # a loopback receiver

    def test_bench(self):
        rx = Receiver().start()
        self.addCleanup(rx.stop)
        st, _, js = self.p(self.a, "PUT", "/v1/partner/webhook",
                           {"url": rx.url})
        self.assertEqual(st, 200, js)
        app = self.issued_for("acme")
        # N more certificates of the same application: copies of the
        # issued row with fresh serials (revocation needs only the row).
        self.db.query(
            "INSERT INTO certificates (serial, application_id, issuer, "
            "subject, spki_sha256, tbs, der, state, not_before, not_after, "
            "recorded_at, issued_at) SELECT decode(md5(random()::text || g::text), 'hex'), "
            "application_id, issuer, subject, sha256((random()::text || g::text)::bytea), tbs, "
            "der, 'issued', not_before, not_after, recorded_at, issued_at "
            "FROM certificates, generate_series(1, %d) g WHERE serial = "
            "decode('%s', 'hex')" % (N, app["_cert"]["serial"]))
        serials = [r[0] for r in self.db.query(
            "SELECT encode(serial, 'hex') FROM certificates WHERE "
            "state = 'issued' AND kit_id IS NULL")]
        lat = []
        for s in serials[:N]:
            t0 = time.time()
            st, _, js = self.ops("POST", "/v1/ops/certificates/%s/revocation"
                                 % s, {"reason": "superseded"},
                                 who=self.rev)
            self.assertEqual(st, 200, js)

            def got(s=s):
                for _, b, t in rx.received():
                    j = json.loads(b)
                    if j["type"] == "certificate.revoked" and \
                            j["data"]["serial"] == s:
                        return t
                return None
            lat.append(wait_until(got, 30, 0.002, "event") - t0)
        lat.sort()
        print("\nrevocation -> receiver, %d revocations: median %.0f ms, "
              "worst %.0f ms, p90 %.0f ms; load average %s" % (
                  len(lat), statistics.median(lat) * 1000, lat[-1] * 1000,
                  lat[int(len(lat) * 0.9) - 1] * 1000, bench_ports.load()),
              flush=True)
        # Reads: 20 more applications of the program, then wrk.
        for _ in range(20):
            one = self.apply(self.srv, harness.application(program="acme"))
        base = "http://127.0.0.1:%d" % self.srv.port
        for path in ("/v1/partner/applications?limit=50",
                     "/v1/partner/applications/%s" % one["id"]):
            r = subprocess.run(
                ["wrk", "-t2", "-c" + CONNS, "-d" + SECS + "s", "-H",
                 "Authorization: Bearer " + self.a["key"], base + path],
                capture_output=True, text=True, timeout=120)
            rps = re.search(r"Requests/sec:\s+([\d.]+)", r.stdout)
            non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", r.stdout)
            print("wrk GET %s: %s requests/s (%s connections, %ss)%s; "
                  "load average %s" % (
                      path.split("?")[0].replace(one["id"], "{id}"),
                      rps.group(1) if rps else "?", CONNS, SECS,
                      ", non-2xx %s" % non2xx.group(1) if non2xx else "",
                      bench_ports.load()),
                  flush=True)


if __name__ == "__main__":
    harness.pg_env()
    unittest.main(argv=[sys.argv[0], "Bench"], verbosity=1)
