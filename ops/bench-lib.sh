# ops/bench-lib.sh: what the benchmark scripts share.  Sourced after
# ops/rxca-dev (for its cluster functions) as
#
#   source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
#   bench_init <name>
#
# bench_init sets say(), WORK (a temporary folder), BENCH_DB (a database
# name of this run), PIDS (processes to stop) and the EXIT trap that stops
# them (with their children, for openssl ocsp -multi), drops the database,
# stops the cluster if this run started it and removes WORK.

bench_init() {
	BENCH_NAME=$1
	WORK=$(mktemp -d "/tmp/rxca-$1.XXXXXX")
	BENCH_DB=rxca_${1//-/_}_$$
	PIDS=()
	trap bench_cleanup EXIT
}

say() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; }

bench_cleanup() {
	local pid kid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
		for kid in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do
			kill -TERM "$kid" 2>/dev/null || true
		done
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK" # with any decrypted key
	# PGPORT is set once cluster_start has run
	if [ -n "${PGPORT:-}" ] && cluster_running; then
		cluster_psql -d postgres -qc \
			"DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" \
			>/dev/null 2>&1 || true
	fi
	if [ "$STARTED_CLUSTER" = 1 ]; then
		cluster_stop
	fi
}

# bench_db: creates BENCH_DB on the running cluster, sets DB_URL.
bench_db() {
	cluster_psql -d postgres -qc "CREATE DATABASE $BENCH_DB" >/dev/null
	DB_URL=$(database_url "$BENCH_DB")
}

sql() { cluster_psql -d "$BENCH_DB" -Atqc "$1"; }

median() {
	printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1}
		END { if (NR % 2) print v[(NR + 1) / 2];
		      else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# bench_port <setting> [<offset>]: the port the setting names (BENCH_PORT,
# BENCH_TLS_PORT, BENCH_PROVIDER_PORT, BENCH_OPENSSL_PORT) plus offset, or
# a free one when the setting is unset or empty.  Every bench script takes
# its ports this way, so that a shared machine's firewall or a fixed port
# plan can be followed.
bench_port() {
	local v=${!1:-}
	if [ -z "$v" ]; then
		free_port
		return
	fi
	[[ $v =~ ^[0-9]+$ ]] && [ $((v + ${2:-0})) -lt 65536 ] ||
		die "$1: not a port number"
	echo $((v + ${2:-0}))
}

# wait_line <file> <text> <pid>: until file holds text, or pid exits.
wait_line() {
	local _
	for _ in $(seq 300); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || { cat "$1" >&2; die "$1: process exited"; }
		sleep 0.1
	done
	die "timed out waiting for '$2' in $1"
}
