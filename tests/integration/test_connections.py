#!/usr/bin/python3
"""Connections and anonymous callers: one client address cannot take the
connections of everybody else (a cap per client and per listener), a
connection that never sends a byte is closed after the request timeout,
refused operator requests without a valid certificate are counted and
rate-logged instead of audited, and /metrics answers only the addresses
of RXCA_METRICS_ALLOW or an operator."""
import http.client
import os
import re
import resource
import socket
import subprocess
import time

import harness
import tlsutil

ATTACKER = "127.0.0.2"  # all of 127/8 is loopback
HOLD = 1100             # idle connections the attacker opens
TIMEOUT = 10            # s: RXCA_REQUEST_TIMEOUT where a test waits for it


def raise_fd_limit(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need <= hard or (soft < need and hard ==
                               resource.RLIM_INFINITY):
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= need


def http_from(source, port, method, path, timeout=10):
    """One request from source (an address of 127/8): (status, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                      source_address=(source, 0))
    try:
        conn.request(method, path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def https_from(source, port, path, ctx, timeout=10):
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout,
                                       context=ctx,
                                       source_address=(source, 0))
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def metric(text, name, **labels):
    """The value of metric name with exactly these labels, or None."""
    want = ",".join('%s="%s"' % kv for kv in sorted(labels.items()))
    for line in text.splitlines():
        m = re.match(r'^(\w+)(?:\{(.*)\})?\s+(\S+)$', line)
        if not m or m.group(1) != name:
            continue
        got = ",".join(sorted((m.group(2) or "").split(","))) \
            if m.group(2) else ""
        if got == want:
            return float(m.group(3))
    return None


class OperatorServer(harness.TestCase):
    """A server with HTTPS and one operator of role (cert, key)."""

    def start_tls_server(self, env=None, role="auditor"):
        self.tls = tlsutil.tls_init(self.tmp)
        e = dict(self.tls["env"])
        e.update(env or {})
        certs = os.path.join(self.tmp, "operators")
        os.makedirs(certs, exist_ok=True)
        db = self.start_db(operators=harness.STAFF, env=self.tls["env"],
                           out=certs)
        srv = self.start_server(db=db, env=e)
        # The first of harness.STAFF with role.
        name = next(n for n, r in harness.STAFF if r == role)
        self.op = self.take_operator(db, name, role, certs, self.tls["env"])
        return srv

    def ops(self, srv, path, who=None):
        cert, key = who if who else (None, None)
        return tlsutil.https(srv.tls_port, "GET", path, cert=cert, key=key,
                             cafile=self.tls["ca"])

    def metrics(self, srv):
        st, _, body = srv.http("GET", "/metrics")
        self.assertEqual(st, 200)
        return body.decode() if isinstance(body, bytes) else body


class ExhaustionTest(OperatorServer):

    def test_one_client_cannot_take_every_connection(self):
        self.assertTrue(raise_fd_limit(HOLD + 200),
                        "the test needs %d open files" % (HOLD + 200))
        # Idle sockets are held for the whole request timeout here.
        srv = self.start_tls_server(env={
            "RXCA_REQUEST_TIMEOUT": str(TIMEOUT),
            "RXCA_MAX_CONNECTIONS_PER_CLIENT": "64"})  # the default
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        t0 = time.monotonic()
        for _ in range(HOLD):
            s = socket.socket()
            s.bind((ATTACKER, 0))
            s.settimeout(5)
            s.connect(("127.0.0.1", srv.port))
            socks.append(s)
        opened = time.monotonic() - t0
        # Everybody else is served at once while they are held, not
        # after one of them times out: a starved request waits TIMEOUT s
        # (http_from gives up then) or is refused.  One served waits for
        # the CPU only: 6-14 ms here under stress-ng --cpu 2 or 4, and a
        # bound of 0.1 s failed on a busier machine.
        worst = 0
        for _ in range(20):
            t = time.monotonic()
            st, body = http_from("127.0.0.1", srv.port, "GET", "/healthz",
                                 timeout=TIMEOUT)
            worst = max(worst, time.monotonic() - t)
            self.assertEqual(st, 200, body)
        self.assertLess(worst, TIMEOUT / 4, "/healthz took %.3f s" % worst)
        st, _, js = self.ops(srv, "/v1/ops/audit", who=self.op)
        self.assertEqual(st, 200, js)
        # The attacker's own extra connections were turned away.
        text = self.metrics(srv)
        refused = metric(text, "rxca_http_connections_refused_total",
                         listener="public", reason="client-cap")
        self.assertGreaterEqual(refused, HOLD - 64, text)
        self.assertLessEqual(metric(text, "rxca_http_listener_connections",
                                    listener="public"), 64 + 2)
        self.assertLess(time.monotonic() - t0, TIMEOUT - 0.5,
                        "the checks ran after the held sockets timed out "
                        "(opening them took %.1f s)" % opened)
        # ... and logged at a bounded rate, not once each.
        lines = srv.stderr().count("too many from one client")
        self.assertLessEqual(lines, 30, "one log line per refusal")

    def test_over_the_client_cap_503_others_served(self):
        srv = self.start_server(env={"RXCA_MAX_CONNECTIONS_PER_CLIENT": "3",
                                     "RXCA_REQUEST_TIMEOUT": "10"})
        held = []
        self.addCleanup(lambda: [s.close() for s in held])
        for _ in range(3):
            s = socket.socket()
            s.bind((ATTACKER, 0))
            s.connect(("127.0.0.1", srv.port))
            held.append(s)
        # 3 held, and the connection that asks
        harness.wait_until(lambda: metric(
            self.metrics(srv), "rxca_http_listener_connections",
            listener="public") == 4, 5, what="3 connections held")
        s = socket.socket()
        s.bind((ATTACKER, 0))
        s.settimeout(5)
        s.connect(("127.0.0.1", srv.port))
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        self.assertEqual(harness.parse_status(data), 503, data)
        self.assertIn(b"application/problem+json", data)
        self.assertEqual(http_from("127.0.0.3", srv.port, "GET",
                                   "/healthz")[0], 200)
        # Once the attacker lets go, it is served again.
        for s in held:
            s.close()
        harness.wait_until(lambda: http_from(
            ATTACKER, srv.port, "GET", "/healthz")[0] == 200, 5, 0.1,
            "the attacker's address to be served again")


class DeadlineTest(harness.TestCase):

    def test_silent_connection_closed_after_request_timeout(self):
        # RXCA_REQUEST_TIMEOUT is 2 s (harness); the idle timeout 30 s.
        srv = self.start_server(env={"RXCA_IDLE_TIMEOUT": "30"})
        t0 = time.monotonic()
        with socket.create_connection(("127.0.0.1", srv.port)) as s:
            s.settimeout(10)
            try:
                data = s.recv(100)
            except (ConnectionResetError, socket.timeout):
                data = None
        took = time.monotonic() - t0
        self.assertEqual(data, b"", "not closed within 10 s")
        self.assertGreater(took, 1.5)
        self.assertLess(took, 4, "closed after %.1f s, not about 2" % took)

    def test_malformed_heads_refused_at_once(self):
        # A bare LF used to leave the connection waiting out its request
        # timeout (TIMEOUT s here) for a CRLF CRLF; a framing field spelt
        # with '_' used to pass as another field.  Answered at once took
        # 1-18 ms under stress-ng --cpu 4, waited 2 s with the harness's
        # timeout, too near a bound that tells them apart on a loaded
        # machine.
        srv = self.start_server(env={"RXCA_REQUEST_TIMEOUT": str(TIMEOUT)})
        for head in (b"GET /healthz HTTP/1.1\nHost: x\n\n",
                     b"POST /v1/applications HTTP/1.1\r\nHost: x\r\n"
                     b"Transfer_Encoding: chunked\r\n\r\n"):
            with socket.create_connection(("127.0.0.1", srv.port)) as s:
                s.settimeout(TIMEOUT + 5)
                t0 = time.monotonic()
                s.sendall(head)
                data = s.recv(100)
                took = time.monotonic() - t0
            self.assertTrue(data.startswith(b"HTTP/1.1 400"), data)
            self.assertLess(took, TIMEOUT / 4,
                            "answered after %.1f s" % took)

    def test_keep_alive_idle_keeps_the_idle_timeout(self):
        srv = self.start_server(env={"RXCA_IDLE_TIMEOUT": "30"})
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        self.addCleanup(conn.close)
        for i in range(2):
            conn.request("GET", "/healthz")
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            r.read()
            if i == 0:
                time.sleep(3)  # longer than the request timeout


class AnonymousRefusalTest(OperatorServer):

    def test_anonymous_refusals_are_counted_not_audited(self):
        srv = self.start_tls_server(role="fulfiller")
        before = srv.db.count("audit_log")
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        t0 = time.monotonic()
        for _ in range(400):
            conn.request("GET", "/v1/ops/applications")
            r = conn.getresponse()
            self.assertEqual(r.status, 401)
            r.read()
        conn.close()
        ctx = tlsutil.client_context(self.tls["ca"])
        conn = http.client.HTTPSConnection("127.0.0.1", srv.tls_port,
                                           timeout=10, context=ctx)
        for _ in range(100):
            conn.request("POST", "/v1/ops/partners", body=b"{}",
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            self.assertEqual(r.status, 401)
            r.read()
        conn.close()
        took = time.monotonic() - t0
        self.assertEqual(srv.db.count("audit_log"), before,
                         "anonymous refusals were audited")
        text = self.metrics(srv)
        self.assertEqual(metric(text, "rxca_operator_refusals_total",
                                reason="not-https"), 400, text)
        self.assertEqual(metric(text, "rxca_operator_refusals_total",
                                reason="no-certificate"), 100, text)
        # At most a line a second for each reason.
        lines = srv.stderr().count('msg="operator refused"')
        self.assertLessEqual(lines, 2 * (int(took) + 2), lines)
        # A known operator without the role is still audited.
        st, _, js = self.ops(srv, "/v1/ops/audit", who=self.op)
        self.assertEqual(st, 403, js)
        self.assertEqual(srv.db.count(
            "audit_log", "action = 'operator.refused' AND "
            "details::jsonb ->> 'reason' = 'missing-role'"), 1)
        self.assertEqual(srv.db.count(
            "audit_log", "action = 'operator.refused'"), 1)


class MetricsAccessTest(OperatorServer):

    def test_metrics_only_for_the_allowed_or_an_operator(self):
        srv = self.start_tls_server(
            env={"RXCA_METRICS_ALLOW": "127.0.0.1"})
        st, body = http_from(ATTACKER, srv.port, "GET", "/metrics")
        self.assertEqual(st, 404, body)
        self.assertNotIn(b"rxca_", body)
        st, body = http_from("127.0.0.1", srv.port, "GET", "/metrics")
        self.assertEqual(st, 200)
        self.assertIn(b"rxca_http_requests_total", body)
        # Over HTTPS from elsewhere: an operator yes, anyone else no.
        ctx = tlsutil.client_context(self.tls["ca"], *self.op)
        st, body = https_from(ATTACKER, srv.tls_port, "/metrics", ctx)
        self.assertEqual(st, 200, body)
        self.assertIn(b"rxca_http_requests_total", body)
        anon = tlsutil.client_context(self.tls["ca"])
        st, body = https_from(ATTACKER, srv.tls_port, "/metrics", anon)
        self.assertEqual(st, 404, body)

    def test_bad_allow_list_stops_start_up(self):
        db = self.start_db()
        env = harness.clean_env(dict(harness.TEST_SETTINGS))
        env.update({"RXCA_DATABASE_URL": db.url,
                    "RXCA_LISTEN": "127.0.0.1:%d" % harness.free_port(),
                    "RXCA_METRICS_ALLOW": "127.0.0.1,localhost"})
        r = subprocess.run([harness.binary("rxca-server")], env=env,
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=30)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("RXCA_METRICS_ALLOW", r.stderr)


if __name__ == "__main__":
    harness.main()
