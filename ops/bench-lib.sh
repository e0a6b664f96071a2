# shellcheck shell=bash
# ops/bench-lib.sh: what the benchmark scripts share.  It sources
# ops/rxca-dev (ROOT, die, build and the cluster functions); a script
# starts with
#
#   source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
#   bench_init <name>
#
# bench_init sets say(), WORK (a temporary folder), BENCH_DB (a database
# name of this run), PIDS (processes to stop) and the EXIT trap that stops
# them (with their children, for openssl ocsp -multi), drops the database
# (and those the script adds to EXTRA_DBS),
# stops the cluster if this run started it and removes WORK.  It also
# sets CA_PASSPHRASE (the bench CA key's passphrase) and the results R
# (add, med).  PIDS lives in the main shell: start processes there, not in
# $(...), whose additions to PIDS are lost.  A die anywhere (a subshell
# too: BENCH_SHELL, see die in ops/rxca-dev) and a TERM, INT or HUP end
# the main shell through the EXIT trap.

# shellcheck source=ops/rxca-dev
source "$(dirname "${BASH_SOURCE[0]}")/rxca-dev"

bench_init() {
	BENCH_NAME=$1
	WORK=$(mktemp -d "/tmp/rxca-$1.XXXXXX")
	BENCH_DB=rxca_${1//-/_}_$$
	PIDS=()
	EXTRA_DBS=() # more databases of this run, dropped with BENCH_DB
	CA_PASSPHRASE='bench passphrase for the CA key'
	# Results: R[<figure>] holds one value per round, space-separated.
	declare -gA R=()
	BENCH_SHELL=$BASHPID
	trap bench_cleanup EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
	trap 'exit 129' HUP
}

# add <figure> <value>: one more round's value of figure.
add() { R[$1]="${R[$1]:+${R[$1]} }$2"; }
# med <figure>: the median of figure's rounds ("-" if it has none).
med() { # shellcheck disable=SC2086
	median ${R[$1]:-}
}
# round_load <figure>: the 1-minute load average now, one more round of
# figure; each round records it, since the machine is shared and a
# round's figures are read against its load.
round_load() { add "$1" "$(cut -d' ' -f1 /proc/loadavg)"; }

say() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; }

# forget <pid>: takes a process the script has stopped out of PIDS (its
# pid could be another process's by the end).
forget() {
	local i
	for i in "${!PIDS[@]}"; do
		[ "${PIDS[$i]}" = "$1" ] && unset "PIDS[$i]"
	done
	PIDS=("${PIDS[@]}")
}

bench_cleanup() {
	local pid kid db kids
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
		kids=()
		read -ra kids 2>/dev/null <"/proc/$pid/task/$pid/children" || true
		for kid in "${kids[@]}"; do
			kill -TERM "$kid" 2>/dev/null || true
		done
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK" # with any decrypted key
	# PGPORT is set once cluster_start has run
	if [ -n "${PGPORT:-}" ] && cluster_running; then
		for db in "$BENCH_DB" "${EXTRA_DBS[@]}"; do
			cluster_psql -d postgres -qc \
				"DROP DATABASE IF EXISTS $db WITH (FORCE)" \
				>/dev/null 2>&1 || true
		done
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
	[ $# -gt 0 ] || { echo -; return 0; }
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
# BENCH_TLS_PORT, BENCH_PROVIDER_PORT, BENCH_OPENSSL_PORT,
# BENCH_CFSSL_PORT) plus offset, or a free one when the setting is unset or empty.  Every bench script takes
# its ports this way, so that a shared machine's firewall or a fixed port
# plan can be followed.
bench_port() {
	local v=${!1:-}
	if [ -z "$v" ]; then
		free_port
		return
	fi
	if ! [[ $v =~ ^[0-9]+$ ]] || [ $((v + ${2:-0})) -ge 65536 ]; then
		die "$1: not a port number"
	fi
	echo $((v + ${2:-0}))
}

# wait_line <file> <text> <pid> [<tenths of a second, 300>]: until file
# holds text, or pid exits.
wait_line() {
	local _
	for _ in $(seq "${4:-300}"); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || { cat "$1" >&2; die "$1: process exited"; }
		sleep 0.1
	done
	die "timed out waiting for '$2' in $1"
}

# bench_build_start: builds build/ (release, -DRXCA_BENCH=ON), sets ADMIN,
# SERVER, BENCH_ISSUE and BENCH_CRL (the programs), starts the cluster and
# sets LOAD0 (the load average before).
# shellcheck disable=SC2034 # set for the scripts that source this
bench_build_start() {
	ensure_packages
	say "building build/ (release, -DRXCA_BENCH=ON)"
	build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRXCA_TESTS=OFF \
		-DRXCA_BENCH=ON >"$WORK/build.log" 2>&1 ||
		{ tail -n 30 "$WORK/build.log" >&2; die "build failed"; }
	ADMIN=$ROOT/build/api/rxca-admin
	SERVER=$ROOT/build/api/rxca-server
	BENCH_ISSUE=$ROOT/build/ops/rxca-bench-issue
	BENCH_CRL=$ROOT/build/ops/rxca-bench-crl
	cluster_start
	LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
}

# bench_ca_setup: the set-up of the benchmarks that run rxca's own CA on
# one database: bench_build_start, then creates BENCH_DB and makes a CA
# in CA=$WORK/ca (migrate, ca init) whose key CA_PASSPHRASE opens.  ENV
# is the settings every rxca program of the run takes (database, CA
# folder, passphrase file, mail to $WORK/mail).
bench_ca_setup() {
	bench_build_start
	bench_db
	CA=$WORK/ca
	mkdir -p "$CA" "$WORK/mail"
	(umask 077 && printf '%s\n' "$CA_PASSPHRASE" >"$WORK/passphrase")
	ENV=(RXCA_DATABASE_URL="$DB_URL" RXCA_CA_DIR="$CA"
		RXCA_CA_PASSPHRASE_FILE="$WORK/passphrase" RXCA_SMTP_URL=
		RXCA_MAIL_DIR="$WORK/mail")
	env "${ENV[@]}" "$ADMIN" migrate >"$WORK/migrate.log" 2>&1 ||
		{ cat "$WORK/migrate.log" >&2; die "migrate failed"; }
	env "${ENV[@]}" "$ADMIN" ca init >"$WORK/init.log" 2>&1 ||
		{ cat "$WORK/init.log" >&2; die "ca init failed"; }
}

# bench_issue_one: one certificate issued in process (rxca-bench-issue),
# the template whose rows the benchmark copies by SQL.
bench_issue_one() {
	env "${ENV[@]}" "$BENCH_ISSUE" 1 >/dev/null 2>"$WORK/bench-issue.err" ||
		{ cat "$WORK/bench-issue.err" >&2; die "rxca-bench-issue failed"; }
}

# bench_crl_application: the one application (app_bench_crl, kit shipped)
# that the synthetic revoked certificates of the CRL benchmarks belong to.
bench_crl_application() {
	sql "INSERT INTO applications (id, status, policy, product, storage,
		shipping, given_name, family_name, date_of_birth, email, phone,
		addr_line1, addr_city, addr_state, addr_postal_code, addr_country,
		npi, dea_number, ssn_last4, avs_card_token, payment_card_token,
		password_hash, agreement_version, agreement_accepted_at, price,
		price_total_cents, created_at, updated_at, email_verify_by,
		email_verified_at) VALUES ('app_bench_crl', 'kit_shipped', 'igc',
		'epcs-hardware', 'new-token', 'usps', 'Ada', 'Lovelace', '1975-12-10',
		'bench.crl@example.org', '+13175550100', '1 Main St', 'Indianapolis',
		'IN', '46204', 'US', '1234567893', 'AL1234563', '1234', 'tok_avs_1',
		'tok_pay_1', 'x', '2026-01', now(), '{}'::jsonb, 17700, now(), now(),
		now() + interval '30 days', now())" >/dev/null
}

# cg_functions <callgrind dump> <yes|no>: the functions of the dump, each
# once, as "instructions file:function", inclusive (yes) or self (no)
# counts, highest first.  callgrind_annotate's table (--auto=no: without
# the annotated sources, whose "=> file:function" call lines were read as
# more functions) can list one function several times: once per source
# file its code came from (the part inlined from jansson.h apart, without
# its [object]); with --inclusive=yes, the whole function's count from its
# call sites next to those parts when the file names differ (run from
# the source tree, the one was relative and the other absolute: issue_sign
# 44.37 M and 44.35 M, main twice at 100 %); callgrind's recursion levels
# (name'2); and namesakes in other objects ((below main) in libc and in
# the program).  Self counts split the instructions among them and are
# summed; inclusive ones nest, and the largest is kept.
cg_functions() {
	callgrind_annotate --auto=no --threshold=100 --inclusive="$2" "$1" \
		2>/dev/null | awk -v incl="$2" -v root="$ROOT/" '
		/file:function$/ { table = 1; getline; next }
		!table || !NF { next }
		{
			c = $1; gsub(",", "", c); c += 0
			s = $0; sub(/^ *[0-9,.]+ +(\([^)]*\) +)?/, "", s)
			sub(/ \[[^]]*\]$/, "", s)
			if (index(s, root) == 1) s = substr(s, length(root) + 1)
			sub(/\047[0-9]+$/, "", s)
			fn = s; sub(/^.*:/, "", fn)
			if (incl == "no") {
				sum[fn] += c
			} else if (!(fn in sum) || c > sum[fn]) {
				sum[fn] = c
			}
			if (!(fn in name) || c > top[fn]) { name[fn] = s; top[fn] = c }
		}
		END { for (fn in sum) printf "%.0f %s\n", sum[fn], name[fn] }' |
		sort -k1,1nr
}
