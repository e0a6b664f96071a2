#!/usr/bin/python3
"""SIGTERM: the request in flight completes, then the process exits 0;
within RXCA_SHUTDOWN_TIMEOUT; no job is claimed after the signal; and
"stopped" is the last line.  Password hashing runs on its own workers."""
import socket
import threading
import time

import harness


class ShutdownTest(harness.TestCase):

    def test_sigterm_finishes_the_request_in_flight(self):
        # Slow Argon2id (4 hashes of about 0.5 s) keeps the request busy.
        srv = self.start_server(env={"RXCA_ARGON2_MEMORY_KIB": "131072",
                                     "RXCA_ARGON2_ITERATIONS": "4",
                                     "RXCA_SHUTDOWN_TIMEOUT": "60"})
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
        code = srv.stop(check=False, timeout=60)
        t.join(30)
        self.assertNotIn("error", result)
        st, _, js = result["resp"]
        self.assertEqual(st, 201, js)
        self.assertEqual(code, 0, srv.stderr()[-2000:])
        self.assertEqual(srv.db.count("applications"), 1)

    def test_sigterm_gives_up_on_a_slow_request_at_the_timeout(self):
        # One application: four Argon2id hashes of about 2 s each.
        srv = self.start_server(env={"RXCA_ARGON2_MEMORY_KIB": "131072",
                                     "RXCA_ARGON2_ITERATIONS": "16",
                                     "RXCA_SHUTDOWN_TIMEOUT": "2"})
        result = {}

        def client():
            try:
                result["resp"] = srv.http("POST", "/v1/applications",
                                          harness.application(), timeout=60)
            except Exception as e:  # the connection is closed unanswered
                result["error"] = e
        t = threading.Thread(target=client)
        t.start()
        time.sleep(0.5)
        self.assertNotIn("resp", result, "the request was too quick")
        t0 = time.monotonic()
        code = srv.stop(check=False, timeout=30)
        took = time.monotonic() - t0
        t.join(30)
        self.assertEqual(code, 0, srv.stderr()[-2000:])
        self.assertLess(took, 4.0, "stopped %.1f s after SIGTERM, with "
                        "RXCA_SHUTDOWN_TIMEOUT=2" % took)
        self.assertGreater(took, 1.5)
        self.assertNotIn("resp", result, "the slow request was answered")
        lines = srv.stderr().strip().splitlines()
        self.assertIn('msg="stopped"', lines[-1], lines[-5:])

    def test_no_job_claimed_after_sigterm(self):
        # Mail jobs that each take the whole SMTP timeout (1 s): a server
        # that does not answer.  Runs are in progress at the signal.
        tarpit = socket.socket()
        tarpit.bind(("127.0.0.1", 0))
        tarpit.listen(64)
        self.addCleanup(tarpit.close)
        srv = self.start_server(smtp_port=tarpit.getsockname()[1],
                                env={"RXCA_SMTP_TIMEOUT": "1"})
        for _ in range(8):
            self.apply(srv)
        harness.wait_until(lambda: 'msg="job failed"' in srv.stderr(), 20,
                           what="a mail job failing on the tarpit")
        t0 = time.monotonic()
        self.assertEqual(srv.stop(timeout=30), 0)
        took = time.monotonic() - t0
        lines = srv.stderr().strip().splitlines()
        stop = max(i for i, l in enumerate(lines)
                   if 'msg="stopping' in l)
        after = [l for l in lines[stop:] if 'msg="job ' in l]
        # Only the runs in flight (RXCA_JOB_CONCURRENCY, 2) finish theirs.
        self.assertLessEqual(len(after), 2, "\n".join(after))
        self.assertIn('msg="stopped"', lines[-1], lines[-5:])
        self.assertLess(took, 4.0)

    def test_reads_do_not_queue_behind_password_hashing(self):
        # Each log-in verifies against a hash of about 0.3 s; 8 of them,
        # more than there are workers, keep the hash workers busy.
        srv = self.start_server(env={"RXCA_ARGON2_MEMORY_KIB": "65536",
                                     "RXCA_ARGON2_ITERATIONS": "6"})
        self.assertEqual(srv.http("GET", "/v1/products")[0], 200)
        done = []

        def login(i):
            srv.http("POST", "/v1/sessions",
                     {"email": "nobody%d@example.org" % i,
                      "password": "wrong password %d" % i}, timeout=120)
            done.append(time.monotonic())
        # One log-in alone, on this machine as loaded as it is: the time
        # of one hash, the least a read queued behind them would wait.
        t0 = time.monotonic()
        login(-1)
        one = time.monotonic() - t0
        done.clear()
        threads = [threading.Thread(target=login, args=(i,))
                   for i in range(8)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        t0 = time.monotonic()
        st, _, body = srv.http("GET", "/v1/products", timeout=60)
        took = time.monotonic() - t0
        self.assertEqual(st, 200, body)
        for t in threads:
            t.join(120)
        self.assertEqual(len(done), 8)
        self.assertGreater(max(done), t0 + took, "the log-ins were over "
                           "before the read: nothing was tested")
        self.assertLess(took, one, "GET /v1/products took %.2f s behind "
                        "the log-ins, one of which took %.2f s alone"
                        % (took, one))

    def test_sigterm_when_idle_exits_0(self):
        srv = self.start_server()
        self.assertEqual(srv.http("GET", "/healthz")[0], 200)
        t0 = time.monotonic()
        self.assertEqual(srv.stop(), 0)
        self.assertLess(time.monotonic() - t0, 5)


if __name__ == "__main__":
    harness.main()
