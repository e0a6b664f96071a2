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

# Both divide by CPU time (ours: the process's user + system; openssl
# speed's default: its user time), so other load on the machine slows the
# run but not the figure.  Three rounds of each, interleaved; the medians.
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
ours=() theirs=()
for round in 1 2 3; do
	line=$(taskset -c "$CPU" "$B/ops/rxca-bench-oidc" "$SECS")
	echo "round $round: $line"
	ours+=("$(sed -E 's/^[^:]*: ([0-9]+)\/s.*/\1/' <<<"$line")")
	line=$(taskset -c "$CPU" openssl speed -seconds "$SECS" ecdsap256 \
		2>/dev/null | grep -E 'nistp256')
	echo "round $round: openssl speed ecdsap256: $line"
	theirs+=("$(awk '{print $(NF)}' <<<"$line" | cut -d. -f1)")
	echo "round $round: load average $(cut -d' ' -f1-3 /proc/loadavg)"
done
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "median of 3 on CPU $CPU: oidc_token_check ES256 $(median "${ours[@]}")/s," \
	"openssl ecdsap256 verify $(median "${theirs[@]}")/s"
