#!/usr/bin/env bash
# ops/bench-connections.sh: connection fairness (issue 13, item 6), a
# measurement and not a test: /healthz latency (p50, p99, worst) and
# failures from 127.0.0.1 for BENCH_SECONDS (15) while another client
# holds BENCH_HOLD (1,100) idle connections from 127.0.0.2, opening again
# each one the server closes.  Loopback only; about 20 s.
#
#   BUILD   build directory with rxca-server (default build-test); run it
#           once with a build of main and once with this tree to compare
#   BENCH_PORT  the first of the ports the harness's servers take, one
#           after another (default: free ones; ops/bench/bench_ports.py)
#
# Uses the project's PostgreSQL cluster (var/pg, which must be running,
# e.g. `ops/rxca-dev run`) through the integration harness: a fresh
# database, dropped at the end.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export RXCA_SOURCE_DIR=$root
export RXCA_BUILD_DIR=${BUILD:-$root/build-test}
export RXCA_TEST_PGHOST=${RXCA_TEST_PGHOST:-$root/var/pg/run}
export RXCA_TEST_PGPORT=${RXCA_TEST_PGPORT:-$(cat "$root/var/pg/port")}
export RXCA_TEST_PGUSER=${RXCA_TEST_PGUSER:-rxca}
export PYTHONDONTWRITEBYTECODE=1
exec /usr/bin/python3 "$root/ops/bench/bench_connections.py"
