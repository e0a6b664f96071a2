#!/usr/bin/python3
"""SIGTERM: the request in flight completes, then the process exits 0."""
import threading
import time

import harness


class ShutdownTest(harness.TestCase):

    def test_sigterm_finishes_the_request_in_flight(self):
        # Slow Argon2id (4 hashes of about 0.5 s) keeps the request busy.
        srv = self.start_server(env={"RXCA_ARGON2_MEMORY_KIB": "131072",
                                     "RXCA_ARGON2_ITERATIONS": "4"})
        body = harness.application()
        result = {}

        def client():
            t0 = time.monotonic()
            try:
                result["resp"] = srv.http("POST", "/v1/applications", body,
                                          timeout=60)
            except Exception as e:  # reported below
                result["error"] = e
            result["took"] = time.monotonic() - t0
        t = threading.Thread(target=client)
        t.start()
        time.sleep(0.5)  # the request is being handled now
        self.assertNotIn("resp", result, "the request was too quick to "
                         "be in flight at SIGTERM")
        code = srv.stop(check=False, timeout=30)
        t.join(30)
        self.assertNotIn("error", result)
        st, _, js = result["resp"]
        self.assertEqual(st, 201, js)
        self.assertEqual(code, 0, srv.stderr()[-2000:])
        self.assertEqual(srv.db.count("applications"), 1)

    def test_sigterm_when_idle_exits_0(self):
        srv = self.start_server()
        self.assertEqual(srv.http("GET", "/healthz")[0], 200)
        t0 = time.monotonic()
        self.assertEqual(srv.stop(), 0)
        self.assertLess(time.monotonic() - t0, 5)


if __name__ == "__main__":
    harness.main()
