#!/usr/bin/python3
"""Connection fairness (issue 13, item 6), a measurement and not a test:
/healthz latency from 127.0.0.1 while another client (127.0.0.2) holds
BENCH_HOLD (1,100) idle connections, opening again every connection the
server closes.  The server runs with its default limits and timeouts.
Prints requests, failures (non-200 or no answer), p50, p99 and worst."""
import os
import resource
import select
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tests", "integration"))
import harness  # noqa: E402
import bench_ports  # noqa: E402

bench_ports.install(harness)

HOLD = int(os.environ.get("BENCH_HOLD", "1100"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
DEFAULTS = {"RXCA_REQUEST_TIMEOUT": "10", "RXCA_IDLE_TIMEOUT": "30",
            "RXCA_MAX_CONNECTIONS_PER_CLIENT": "64"}


class Holder(threading.Thread):
    """Keeps HOLD connections from 127.0.0.2 open as far as it can."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.socks = [None] * HOLD
        self.stop = threading.Event()
        self.opened = 0
        self.ready = threading.Event()

    def open_one(self, i):
        s = socket.socket()
        s.setblocking(False)
        s.bind(("127.0.0.2", 0))
        try:
            s.connect(("127.0.0.1", self.port))
        except BlockingIOError:
            pass
        self.socks[i] = s
        self.opened += 1

    def run(self):
        for i in range(HOLD):
            self.open_one(i)
        self.ready.set()
        while not self.stop.is_set():
            poller = select.poll()
            byfd = {}
            for s in self.socks:
                if s is not None:
                    poller.register(s, select.POLLIN)
                    byfd[s.fileno()] = s
            for fd, _ in poller.poll(500):
                s = byfd[fd]
                try:
                    gone = s.recv(4096) == b""
                except (BlockingIOError, InterruptedError):
                    gone = False
                except OSError:
                    gone = True
                if gone:
                    i = self.socks.index(s)
                    s.close()
                    self.socks[i] = None
            for i, s in enumerate(self.socks):
                if s is None and not self.stop.is_set():
                    self.open_one(i)
            self.stop.wait(0.5)
        for s in self.socks:
            if s is not None:
                s.close()


def probe(port, seconds):
    lat, fails = [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t = time.monotonic()
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            s.close()
            st = harness.parse_status(data)
        except OSError:
            st = None
        lat.append(time.monotonic() - t)
        if st != 200:
            fails += 1
        time.sleep(0.01)
    return lat, fails


class Bench(harness.TestCase):

    def test_bench(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        load0 = bench_ports.load()
        srv = self.start_server(env=DEFAULTS)
        holder = Holder(srv.port)
        holder.start()
        holder.ready.wait(30)
        time.sleep(1)
        lat, fails = probe(srv.port, SECONDS)
        holder.stop.set()
        holder.join(10)
        lat.sort()

        def pct(p):
            return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
        print("\nbench-connections: server %s" % harness.BUILD_DIR)
        print("bench-connections: %d idle connections held from 127.0.0.2 "
              "(%d opened in all)" % (HOLD, holder.opened))
        print("bench-connections: /healthz from 127.0.0.1: %d requests in "
              "%.0f s, %d failed (non-200 or no answer)"
              % (len(lat), SECONDS, fails))
        print("bench-connections: latency p50 %.1f ms, p99 %.1f ms, worst "
              "%.1f ms" % (pct(0.5), pct(0.99), lat[-1] * 1000))
        print("bench-connections: load average %s before, %s after"
              % (load0, bench_ports.load()))


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore", ResourceWarning)
    harness.pg_env()
    unittest.main(argv=[sys.argv[0]], verbosity=0, warnings="ignore")
