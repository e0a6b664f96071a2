#!/usr/bin/env bash
# ops/bench-oidc.sh: OpenID Connect ID token checks per second on one
# core with the key set cached (proofing/oidc.c oidc_token_check: the
# base64url guards, the JSON, cjose's ES256 verification and the claims),
# beside `openssl speed -seconds 3 ecdsap256` (its verify/s is the bare
# P-256 verification), both pinned to one CPU, in a release build
# (build-bench/, -DRXCA_BENCH=ON).  A measurement, not a test.
#
#   BENCH_SECONDS   seconds of each run (default 3)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
SECS=${BENCH_SECONDS:-3}
B=$ROOT/build-bench
CPU=$(($(nproc) - 1))

cmake -S "$ROOT" -B "$B" -DRXCA_BENCH=ON -DCMAKE_BUILD_TYPE=Release \
	>/dev/null
cmake --build "$B" --target rxca-bench-oidc -j"$(nproc)" >/dev/null

echo "rxca-bench-oidc, $SECS s on CPU $CPU:"
taskset -c "$CPU" "$B/ops/rxca-bench-oidc" "$SECS"
echo "openssl speed -seconds $SECS ecdsap256 on CPU $CPU:"
taskset -c "$CPU" openssl speed -seconds "$SECS" ecdsap256 2>/dev/null |
	grep -E '^ *sign *verify|nistp256'
