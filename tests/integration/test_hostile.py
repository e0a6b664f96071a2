#!/usr/bin/python3
"""Hostile clients: malformed requests (tests/data/http/), a client that
drips bytes, and more idle connections than the server allows."""
import http.client
import os
import re
import select
import socket
import time

import harness

SAMPLES = os.path.join(harness.DATA_DIR, "http")
# Statuses allowed besides "a 4xx or a closed connection".
ALSO = {"chunked-body.http": (411, 501),
        "content-length-and-chunked.http": (501,)}
ONLY = {"chunked-body.http": (411, 501, None),
        "huge-header.http": (431, 400, None),
        "huge-content-length.http": (413, None),
        "duplicate-keys.http": (400,)}
# RXCA_REQUEST_TIMEOUT here: 4 s, not the harness's 2 (see assertHealthy).
REQUEST_TIMEOUT = "4"


class HostileTest(harness.TestCase):

    def setUp(self):
        super().setUp()
        self.srv = self.start_server(
            env={"RXCA_REQUEST_TIMEOUT": REQUEST_TIMEOUT})

    def request_timeout(self):
        return int(self.srv.env["RXCA_REQUEST_TIMEOUT"])

    def assertHealthy(self):
        # A server that serves the others only once a hostile client is
        # gone makes /healthz wait for its cut-off, RXCA_REQUEST_TIMEOUT
        # after its accept: half of that is slow enough to say so, and
        # leaves a loaded machine the rest.
        within = self.request_timeout() / 2
        t0 = time.monotonic()
        st, _, js = self.srv.http("GET", "/healthz", timeout=5)
        took = time.monotonic() - t0
        self.assertEqual((st, js), (200, {"status": "ok"}))
        self.assertLess(took, within, "/healthz took %.2f s" % took)
        self.assertIsNone(self.srv.proc.poll(), "the server died")

    def test_samples(self):
        names = sorted(n for n in os.listdir(SAMPLES) if n.endswith(".http"))
        self.assertGreaterEqual(len(names), 7)
        for name in names:
            with self.subTest(sample=name):
                with open(os.path.join(SAMPLES, name), "rb") as f:
                    data = f.read()
                status, resp = self.srv.raw(data, timeout=8)
                ok = status is None or 400 <= status < 500 or \
                    status in ALSO.get(name, ())
                self.assertTrue(ok, "%s: got %s: %r" % (name, status,
                                                        resp[:300]))
                if name in ONLY:
                    self.assertIn(status, ONLY[name], resp[:300])
                if status is not None and status != 431:
                    self.assertIn(b"application/problem+json", resp)
                self.assertHealthy()
        for table in ("applications", "audit_log", "sessions"):
            self.assertEqual(self.srv.db.count(table), 0, table)

    def test_slow_drip_is_cut_off(self):
        # One header byte every 0.5 s, cut off after RXCA_REQUEST_TIMEOUT
        # (4 s): a /healthz meanwhile that waited for the cut-off would
        # take at least 3.5 s, not under the 2 s assertHealthy allows.
        timeout = self.request_timeout()
        data = (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: "
                + b"a" * 200)
        s = socket.create_connection(("127.0.0.1", self.srv.port))
        self.addCleanup(s.close)
        start = time.monotonic()
        closed = None
        answer = b""
        for i in range(len(data)):
            try:
                s.send(data[i:i + 1])
            except OSError:
                closed = time.monotonic()
                break
            deadline = time.monotonic() + 0.5
            while closed is None and time.monotonic() < deadline:
                r, _, _ = select.select([s], [], [],
                                        max(0, deadline - time.monotonic()))
                if not r:
                    break
                try:
                    chunk = s.recv(4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    closed = time.monotonic()
                answer += chunk
            if closed is not None:
                break
            # Meanwhile everybody else is served at once.
            self.assertHealthy()
            if time.monotonic() - start > 5 * timeout:
                break
        self.assertIsNotNone(closed, "the dripping client was never cut "
                             "off (%.1f s)" % (time.monotonic() - start))
        took = closed - start
        self.assertGreater(took, timeout - 0.5, "cut off too early")
        self.assertLess(took, 2 * timeout, "cut off after %.1f s, not "
                        "about %d s" % (took, timeout))
        if answer:
            self.assertIn(harness.parse_status(answer), (408, 400, None))
        self.assertHealthy()

    def test_slow_body_is_cut_off(self):
        timeout = self.request_timeout()
        body = b'{"email": "a@example.org", "password": "correct horse"}'
        head = (b"POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: %d\r\n"
                b"\r\n" % len(body))
        s = socket.create_connection(("127.0.0.1", self.srv.port))
        self.addCleanup(s.close)
        s.sendall(head)
        start = time.monotonic()
        closed = None
        for i in range(len(body) - 1):  # never the last byte
            try:
                s.send(body[i:i + 1])
            except OSError:
                closed = time.monotonic()
                break
            r, _, _ = select.select([s], [], [], 0.5)
            if r:
                try:
                    chunk = s.recv(4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    closed = time.monotonic()
                    break
            if time.monotonic() - start > 5 * timeout:
                break
        self.assertIsNotNone(closed, "a dripping body was never cut off")
        self.assertLess(closed - start, 2 * timeout)
        self.assertHealthy()

    def test_idle_connections_over_the_cap(self):
        # A connection that never sends a byte is cut after
        # RXCA_REQUEST_TIMEOUT (the harness's 2 s here, for the test
        # waits for it; its one assertHealthy comes once the server is
        # free again), counted from accept.
        self.srv.stop()
        srv = self.start_server(env={"RXCA_MAX_CONNECTIONS": "20",
                                     "RXCA_IDLE_TIMEOUT": "30",
                                     "RXCA_REQUEST_TIMEOUT": "2"})
        self.srv = srv
        socks = []
        try:
            for _ in range(30):
                socks.append(socket.create_connection(
                    ("127.0.0.1", srv.port), timeout=5))
            # Over the cap: a well-formed 503 or a closed connection, at
            # once; not a request left unanswered on an open connection.
            status, resp = srv.raw(b"GET /healthz HTTP/1.1\r\n"
                                   b"Host: 127.0.0.1\r\n\r\n", timeout=3,
                                   must_end=True)
            if status is not None:
                self.assertEqual(status, 503, resp)
                head, _, body = resp.partition(b"\r\n\r\n")
                m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                self.assertIsNotNone(m, resp)
                self.assertEqual(int(m.group(1)), len(body),
                                 "Content-Length differs from the body: %r"
                                 % resp)
            # Idle connections time out, so the server frees itself even
            # while the clients keep their sockets.
            harness.wait_until(
                lambda: self._healthz_quick(srv), 20, 0.5,
                "/healthz to answer while 30 idle sockets are open")
        finally:
            for s in socks:
                s.close()
        harness.wait_until(lambda: self._healthz_quick(srv), 10, 0.2,
                           "/healthz after the idle sockets went")
        self.assertHealthy()
        self.assertLessEqual(self._open_connections(srv), 2)

    def _healthz_quick(self, srv):
        try:
            return srv.http("GET", "/healthz", timeout=1)[0] == 200
        except (OSError, http.client.HTTPException):
            return False

    def _open_connections(self, srv):
        """Established TCP connections to the server's port (from /proc)."""
        n = 0
        hexport = ":%04X" % srv.port
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                with open(table) as f:
                    for line in f.readlines()[1:]:
                        cols = line.split()
                        if cols[1].endswith(hexport) and cols[3] == "01":
                            n += 1
            except FileNotFoundError:
                pass
        return n


if __name__ == "__main__":
    harness.main()
