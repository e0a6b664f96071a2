#!/usr/bin/env bash
# fuzz.sh: build the instrumented fuzz drivers (build-fuzz/, clang, every
# library compiled with -fsanitize=fuzzer-no-link,address,undefined) and
# run each driver (or the named ones) for a given time, each on a scratch
# copy of its seed corpus (the committed corpus never grows); prints the
# executions and the coverage of each.  Exits 1 if a driver crashed, leaked
# or hung: the input that did it is kept in build-fuzz/fuzz-artifacts/.
#
#   ops/fuzz.sh [-t SECONDS] [-j PARALLEL] [-b|-n] [-k] [DRIVER...] [-- ARGS]
#     -t SECONDS   time per driver (default 60)
#     -j PARALLEL  drivers run at the same time (default 1)
#     -b           only build
#     -n           do not build: use build-fuzz/ as it is
#     -k           keep the scratch corpora (to look at what was found)
#     DRIVER       e.g. fuzz_csr or csr (default: every driver)
#     ARGS         more libFuzzer options, e.g. -- -jobs=1 -workers=1
#
# A driver joins by one line in tests/fuzz/CMakeLists.txt (rxca_fuzz);
# build-fuzz/tests/fuzz/drivers.txt lists them with their corpora.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
BUILD=$ROOT/build-fuzz
SECONDS_EACH=60
PARALLEL=1
DO_BUILD=1
DO_RUN=1
KEEP=0

say() { printf 'fuzz: %s\n' "$*" >&2; }
die() { printf 'fuzz: error: %s\n' "$*" >&2; exit 2; }
usage() { sed -n '2,19s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

want=()
extra=()
while [ $# -gt 0 ]; do
	case $1 in
	-t) SECONDS_EACH=${2:?}; shift 2 ;;
	-j) PARALLEL=${2:?}; shift 2 ;;
	-b) DO_RUN=0; shift ;;
	-n) DO_BUILD=0; shift ;;
	-k) KEEP=1; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; extra=("$@"); break ;;
	-*) usage >&2; exit 2 ;;
	*) want+=("$1"); shift ;;
	esac
done
[[ $SECONDS_EACH =~ ^[0-9]+$ ]] && [ "$SECONDS_EACH" -gt 0 ] ||
	die "-t wants a number of seconds"
[[ $PARALLEL =~ ^[0-9]+$ ]] && [ "$PARALLEL" -gt 0 ] ||
	die "-j wants a number of drivers"

if [ "$DO_BUILD" = 1 ]; then
	command -v clang >/dev/null || die "clang missing (Debian: clang libclang-rt-14-dev)"
	say "building the fuzz drivers in $BUILD"
	CC=clang cmake -S "$ROOT" -B "$BUILD" -DRXCA_FUZZ=ON \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$BUILD" --target fuzz -j"$(nproc)" >"$BUILD/fuzz-build.log" 2>&1 ||
		{ tail -n 40 "$BUILD/fuzz-build.log" >&2; die "the fuzz build failed"; }
fi
[ "$DO_RUN" = 1 ] || exit 0
LIST=$BUILD/tests/fuzz/drivers.txt
[ -s "$LIST" ] || die "$LIST missing: build first (without -n)"

# The drivers to run, with their corpora.
names=()
corpora=()
while read -r name corpus; do
	if [ ${#want[@]} -gt 0 ]; then
		hit=0
		for w in "${want[@]}"; do
			[ "$w" = "$name" ] || [ "fuzz_$w" = "$name" ] && hit=1
		done
		[ "$hit" = 1 ] || continue
	fi
	[ -x "$BUILD/tests/fuzz/$name" ] || die "$name not built in $BUILD"
	names+=("$name")
	corpora+=("$corpus")
done <"$LIST"
[ ${#names[@]} -gt 0 ] || die "no such driver: ${want[*]} (see $LIST)"
for w in "${want[@]}"; do
	grep -qE "^(fuzz_)?$w " "$LIST" || die "no such driver: $w (see $LIST)"
done

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/rxca-fuzz.XXXXXX")
ARTIFACTS=$BUILD/fuzz-artifacts
mkdir -p "$ARTIFACTS"
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	[ "$KEEP" = 1 ] || rm -rf "$SCRATCH"
}
trap cleanup EXIT

# Runs one driver in its own scratch directory; its log in dir/log.
run_one() { # run_one <name> <corpus>
	local name=$1 corpus=$2 dir=$SCRATCH/$1 rc=0
	mkdir -p "$dir/corpus" "$ARTIFACTS/$name"
	cp -R "$corpus"/. "$dir/corpus/"
	(cd "$dir" && exec "$BUILD/tests/fuzz/$name" \
		-max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$ARTIFACTS/$name/" \
		"${extra[@]}" "$dir/corpus") >"$dir/log" 2>&1 || rc=$?
	# with -jobs=N the workers log to fuzz-N.log
	cat "$dir"/fuzz-*.log >>"$dir/log" 2>/dev/null || true
	echo "$rc" >"$dir/rc"
}

say "running ${#names[@]} driver(s) for ${SECONDS_EACH}s each, $PARALLEL at a time"
running=0
for i in "${!names[@]}"; do
	if [ "$running" -ge "$PARALLEL" ]; then
		wait -n || true
		running=$((running - 1))
	fi
	run_one "${names[$i]}" "${corpora[$i]}" &
	pids+=($!)
	running=$((running + 1))
done
wait || true
pids=()

# A line per driver: the final figures of libFuzzer.
failed=0
printf '%-20s %12s %10s %8s %8s %8s  %s\n' driver execs exec/s cov ft corpus result
for name in "${names[@]}"; do
	dir=$SCRATCH/$name
	log=$dir/log
	rc=$(cat "$dir/rc" 2>/dev/null || echo 1)
	execs=$(grep -o 'number_of_executed_units: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$' || true)
	rate=$(grep -o 'average_exec_per_sec: *[0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$' || true)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$' || true)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$' || true)
	corp=$(grep -o 'corp: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$' || true)
	if [ "$rc" = 0 ] && grep -q 'DONE' "$log"; then
		result=ok
	else
		result="FAILED (exit $rc)"
		failed=1
	fi
	printf '%-20s %12s %10s %8s %8s %8s  %s\n' "$name" "${execs:--}" \
		"${rate:--}" "${cov:--}" "${ft:--}" "${corp:--}" "$result"
done
for name in "${names[@]}"; do
	dir=$SCRATCH/$name
	rc=$(cat "$dir/rc" 2>/dev/null || echo 1)
	if [ "$rc" != 0 ] || ! grep -q 'DONE' "$dir/log"; then
		printf '\n--- %s (log tail; inputs in %s/%s/) ---\n' "$name" \
			"$ARTIFACTS" "$name"
		# the error, the first stack's top frames, where the input is
		awk '/ERROR|deadly signal|timeout after|out-of-memory/ && !e { e = 1; print; next }
			e == 1 && /^ *#[0-9]/ { if (++f <= 10) print; next }
			e == 1 && f > 0 { e = 2 }
			/^SUMMARY|Test unit written/ { print }' "$dir/log"
		grep -q 'Test unit written' "$dir/log" || tail -n 20 "$dir/log"
	fi
done
[ "$KEEP" = 1 ] && say "scratch corpora kept in $SCRATCH"
exit "$failed"
