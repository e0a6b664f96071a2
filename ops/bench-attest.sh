#!/usr/bin/env bash
# ops/bench-attest.sh: the time to verify one PIV key attestation
# (ca/attest.c attest_piv_verify, as a retrieval with attested key
# evidence runs it), on a chain made here with the stock openssl command
# line (a "manufacturer" root, a device attestation certificate, the
# attestation certificate of a P-256 key), in a release build
# (build-bench/, -DRXCA_BENCH=ON).  A measurement, not a test.
#
#   BENCH_RUNS       verifications timed; the median is reported (2000)
#   BENCH_CALLGRIND  1: also the instructions of 20 verifications under
#                    valgrind --tool=callgrind (1 if valgrind is there)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
RUNS=${BENCH_RUNS:-2000}
CALLGRIND=${BENCH_CALLGRIND:-$(command -v valgrind >/dev/null && echo 1 || echo 0)}
B=$ROOT/build-bench
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

cmake -S "$ROOT" -B "$B" -DRXCA_BENCH=ON -DCMAKE_BUILD_TYPE=Release \
	>/dev/null
cmake --build "$B" --target rxca-bench-attest -j"$(nproc)" >/dev/null

cd "$W"
ec() { openssl ecparam -name prime256v1 -genkey -noout -out "$1"; }
ec root.key
ec device.key
ec slot.key
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n' >ca.ext
printf 'basicConstraints=CA:FALSE\n' >leaf.ext
openssl req -x509 -new -key root.key -subj "/CN=Maker PIV Root CA" \
	-days 3650 -addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign -out root.pem
openssl req -new -key device.key -subj "/CN=Maker PIV Attestation" \
	-out device.csr
openssl x509 -req -in device.csr -CA root.pem -CAkey root.key \
	-CAcreateserial -days 3650 -extfile ca.ext -out device.pem 2>/dev/null
openssl req -new -key slot.key -subj "/CN=Maker PIV Attestation 9c" \
	-out slot.csr
openssl x509 -req -in slot.csr -CA device.pem -CAkey device.key \
	-CAcreateserial -days 3650 -extfile leaf.ext -out slot.pem 2>/dev/null

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rxca-bench-attest $RUNS verifications:"
"$B/ops/rxca-bench-attest" root.pem slot.pem device.pem slot.key "$RUNS"
if [ "$CALLGRIND" = 1 ]; then
	valgrind --tool=callgrind --callgrind-out-file=cg.out \
		"$B/ops/rxca-bench-attest" root.pem slot.pem device.pem \
		slot.key 20 >/dev/null 2>&1
	echo "callgrind, instructions of 20 verifications (inclusive):"
	callgrind_annotate --inclusive=yes cg.out 2>/dev/null |
		grep -m1 'attest_piv_verify' || true
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
