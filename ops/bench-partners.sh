#!/usr/bin/env bash
# ops/bench-partners.sh: the partner measurements of issue 7, not a test:
# time from an operator's revocation to the partner's webhook receiver
# getting certificate.revoked (median and worst of BENCH_REVOCATIONS,
# default 100, one at a time), and partner reads per second with wrk
# (GET /v1/partner/applications and /v1/partner/applications/{id}).
#
#   BUILD               build directory with rxca-server (default build-prt)
#   BENCH_REVOCATIONS   revocations timed (100)
#   BENCH_WRK_SECONDS   seconds of each wrk run (10)
#   BENCH_WRK_CONNS     wrk connections (16)
#   BENCH_PORT          the first of the ports the harness's servers take,
#                       one after another (default: free ones;
#                       ops/bench/bench_ports.py)
#
# Each line holds the load average at its end.
#
# Uses the project's PostgreSQL cluster (var/pg) through the integration
# harness: a fresh database, dropped at the end.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export RXCA_SOURCE_DIR=$root
export RXCA_BUILD_DIR=${BUILD:-$root/build-prt}
export RXCA_TEST_PGHOST=${RXCA_TEST_PGHOST:-$root/var/pg/run}
export RXCA_TEST_PGPORT=${RXCA_TEST_PGPORT:-$(cat "$root/var/pg/port")}
export RXCA_TEST_PGUSER=${RXCA_TEST_PGUSER:-rxca}
export PYTHONDONTWRITEBYTECODE=1
exec /usr/bin/python3 "$root/ops/bench/bench_partners.py"
