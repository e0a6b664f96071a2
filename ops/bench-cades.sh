#!/usr/bin/env bash
# ops/bench-cades.sh: the time to make and to check a CAdES signature with
# rxca-token, without and with an RFC 3161 time-stamp: `rxca-token sign`
# (SoftHSM token, P-256) and `rxca-token verify` (CMS, chain to the root,
# the time-stamp, OCSP asked of a live rxca-server), each a whole process,
# median of BENCH_RUNS (20).  It runs the CadesMeasure case of
# tests/integration/test_cades.py (the TSA is `openssl ts -reply` behind
# a loopback HTTP server) on the private cluster, with the binaries of
# BENCH_BUILD (build-test: the ASan+UBSan build ops/rxca-dev test makes;
# build: the optimised one of ops/rxca-dev run).  BENCH_PORT: the first of
# the ports the harness's servers take, one after another (default: free
# ones; ops/bench/bench_ports.py).  The load average is printed before and
# after.  A measurement, not a test.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/rxca-dev"
BUILD=${BENCH_BUILD:-build-test}
[ -x "$ROOT/$BUILD/token/rxca-token" ] ||
	die "build $BUILD first (ops/rxca-dev test or run)"
cluster_start
if [ "$STARTED_CLUSTER" = 1 ]; then
	trap cluster_stop EXIT
fi
export RXCA_TEST_PGHOST=$PGRUN RXCA_TEST_PGPORT=$PGPORT RXCA_TEST_PGUSER=rxca
export RXCA_BUILD_DIR=$ROOT/$BUILD RXCA_SOURCE_DIR=$ROOT
export RXCA_CADES_RUNS=${BENCH_RUNS:-20} PYTHONDONTWRITEBYTECODE=1
cd "$ROOT/tests/integration"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 "$ROOT/ops/bench/bench_ports.py" test_cades.py \
	CadesMeasure 2>&1 | grep MEASURE
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
