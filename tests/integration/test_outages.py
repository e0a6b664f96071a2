#!/usr/bin/python3
"""Outside services going away: SMTP down while applying, PostgreSQL
restarted under a running server."""
import concurrent.futures

import harness


class SmtpOutageTest(harness.TestCase):

    def test_mail_is_sent_once_smtp_is_back(self):
        port = harness.free_port()  # nothing listens there yet
        srv = self.start_server(smtp_port=port)
        app = self.apply(srv)
        sink = self.start_sink(port=port)
        srv.sink = sink
        code = self.code_for(srv, app["_email"], timeout=30)
        st, _, js = self.verify(srv, app["id"], code)
        self.assertEqual(st, 200, js)
        self.assertEqual(len(sink.for_address(app["_email"])), 1)
        self.assertGreaterEqual(int(srv.db.scalar(
            "SELECT max(attempts) FROM jobs")), 1)

    def test_sink_restarted_on_the_same_port(self):
        srv = self.start_server()
        sink = srv.sink
        first = self.apply(srv)
        self.code_for(srv, first["_email"])
        sink.stop()
        app = self.apply(srv)
        sink.start()
        code = self.code_for(srv, app["_email"], timeout=30)
        self.assertEqual(self.verify(srv, app["id"], code)[0], 200)


class PostgresRestartTest(harness.TestCase):

    def test_503_while_down_then_recovers(self):
        cluster = harness.PrivateCluster()
        self.addCleanup(cluster.cleanup)
        db = self.start_db(cluster)
        srv = self.start_server(db)
        before = self.apply(srv)
        before_code = self.code_for(srv, before["_email"])

        cluster.stop()
        resp = srv.http("GET", "/readyz")
        self.assertProblem(resp, 503)
        self.assertRetryAfter(resp[1])
        resp = srv.http("POST", "/v1/applications", harness.application())
        self.assertProblem(resp, 503)
        self.assertRetryAfter(resp[1])
        st, _, js = srv.http("GET", "/healthz")
        self.assertEqual((st, js), (200, {"status": "ok"}))
        self.assertIn(srv.http("GET", "/v1/products")[0], (200, 503))

        cluster.start()
        # Within about 10 s: normal service, i.e. a round of parallel
        # requests (more than the server has workers, so every database
        # connection is used) that all succeed.
        def apply_one(_):
            addr = harness.unique_email()
            st, _, js = srv.http("POST", "/v1/applications",
                                 harness.application(email_addr=addr))
            return (addr, js) if st == 201 else None

        def normal_service():
            if srv.http("GET", "/readyz")[0] != 200:
                return None
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                apps = list(pool.map(apply_one, range(8)))
            return apps if all(apps) else None
        apps = harness.wait_until(normal_service, 12, 0.25,
                                  "normal service after the restart")
        addr, app = apps[-1]
        # Jobs (LISTEN/NOTIFY and polling) are back too.
        code = self.code_for(srv, addr, timeout=20)
        st, _, js = self.verify(srv, app["id"], code)
        self.assertEqual(st, 200, js)
        # What was written before the restart is still there.
        st, _, js = self.verify(srv, before["id"], before_code)
        self.assertEqual(st, 200, js)


if __name__ == "__main__":
    harness.main()
