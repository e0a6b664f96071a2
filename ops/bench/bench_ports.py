#!/usr/bin/python3
"""The ports and load average of the benchmarks that run on the
integration harness (ops/bench-cades.sh, bench-connections.sh,
bench-partners.sh, bench-webhook-order.py), as ops/bench-lib.sh's
bench_port and round_load give them to the shell benchmarks.

install(harness): with BENCH_PORT set, harness.free_port hands out
BENCH_PORT, BENCH_PORT + 1, ... in turn (a port something listens on is
skipped), so that every server the harness starts (rxca-server, SMTP
sink, providers, receivers) takes its port from that setting (a shared
machine's firewall or a fixed port plan); unset or empty, the harness
picks free ports as before.

load(): the load average now, "1 5 15 min", for each round's line (also
ops/bench-login.sh's).

As a program, `bench_ports.py <script> <args...>` installs the plan on
the harness of the script's folder and runs the script as __main__
(ops/bench-cades.sh runs tests/integration/test_cades.py this way)."""
import itertools
import os
import runpy
import socket
import sys


def load():
    """The load average now: its 1, 5 and 15 minute figures."""
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def install(harness):
    """Makes harness.free_port follow BENCH_PORT (see the module)."""
    base = os.environ.get("BENCH_PORT", "")
    if not base:
        return
    if not base.isdigit() or int(base) >= 65536:
        raise SystemExit("BENCH_PORT: not a port number: %r" % base)
    ports = itertools.count(int(base))

    def planned():
        for port in ports:
            if port >= 65536:
                raise SystemExit("BENCH_PORT: the ports from %s ran past "
                                 "65535" % base)
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue  # taken: the next one
            return port

    harness.free_port = planned


def main():
    script = os.path.abspath(sys.argv[1])
    sys.path.insert(0, os.path.dirname(script))
    import harness
    install(harness)
    sys.argv = sys.argv[1:]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
