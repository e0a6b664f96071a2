#!/usr/bin/python3
"""Many clients at once: one Idempotency-Key from 50 threads makes exactly
one application; distinct applications in parallel all succeed."""
import concurrent.futures
import threading

import harness


class ConcurrencyTest(harness.TestCase):

    def parallel(self, n, fn):
        barrier = threading.Barrier(n)

        def run(i):
            barrier.wait(10)
            return fn(i)
        with concurrent.futures.ThreadPoolExecutor(n) as pool:
            return list(pool.map(run, range(n)))

    def test_one_idempotency_key_from_50_threads(self):
        srv = self.start_server()
        body = harness.application()
        key = {"Idempotency-Key": "par-" + harness.unique_email("k")}
        results = self.parallel(50, lambda i: srv.http(
            "POST", "/v1/applications", body, headers=key, timeout=60))
        statuses = [r[0] for r in results]
        self.assertEqual(statuses, [201] * 50, [r[2] for r in results
                                                if r[0] != 201][:3])
        ids = {r[2]["id"] for r in results}
        self.assertEqual(len(ids), 1, ids)
        self.assertEqual(srv.db.count("applications"), 1)
        self.assertEqual(srv.db.count("email_codes"), 1)
        self.assertEqual(srv.db.count("idempotency_keys"), 1)
        srv.sink.wait_for(body["applicant"]["email"])
        self.assertEqual(len(srv.sink.for_address(
            body["applicant"]["email"])), 1)

    def test_parallel_distinct_applications(self):
        srv = self.start_server()
        bodies = [harness.application() for _ in range(20)]
        results = self.parallel(20, lambda i: srv.http(
            "POST", "/v1/applications", bodies[i], timeout=60))
        self.assertEqual([r[0] for r in results], [201] * 20)
        self.assertEqual(len({r[2]["id"] for r in results}), 20)
        self.assertEqual(srv.db.count("applications"), 20)
        for b in bodies:
            srv.sink.wait_for(b["applicant"]["email"], timeout=30)
        r = srv.db.admin("audit", "verify")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    harness.main()
