#!/usr/bin/env bash
# ops/bench.sh: requests per second and latency of rxca-server (wrk), next
# to two ceilings measured on the same machine: the database's (pgbench
# committing an application-sized row plus an audit row per transaction)
# and the CPU's (Argon2id with the server's parameters, argon2 CLI, from
# its CPU time: cores / (4 x CPU seconds per hash)).  A measurement, not a
# test.  Medians of BENCH_RUNS runs (3) of BENCH_DURATION seconds (15)
# each.  BENCH_PORT: the server's port (default: a free one).  The
# 1-minute load average is recorded after each run, and reported.
#
# Uses the release build (build/) and the project's PostgreSQL cluster
# (var/pg, started if needed) with a fresh database, dropped at the end.
# RXCA_ARGON2_* in the environment override the server's defaults.
set -euo pipefail

# shellcheck source=ops/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

DURATION=${BENCH_DURATION:-15}
RUNS=${BENCH_RUNS:-3}
BENCHDIR=$ROOT/ops/bench
SERVER_PID=
bench_init bench

to_ms() { # wrk latency ("950.00us", "12.3ms", "1.02s", "2.00m") in ms
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000
		else if (u == "m") n *= 60000
		printf "%.2f\n", n }'
}

setting() { # the server's default of RXCA_<name>, from its --help
	"$ROOT/build/api/rxca-server" --help |
		awk -v n="RXCA_$1" '$1 == n { print $2 }'
}

# --- set up ------------------------------------------------------------------

ensure_packages
say "building build/ (release)"
build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRXCA_TESTS=OFF >"$WORK/build.log" 2>&1 ||
	{ tail -n 30 "$WORK/build.log" >&2; die "build failed"; }
cluster_start
bench_db
RXCA_DATABASE_URL=$DB_URL "$ROOT/build/api/rxca-admin" migrate \
	>"$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log" >&2; die "migrate failed"; }

A2_M=${RXCA_ARGON2_MEMORY_KIB:-$(setting ARGON2_MEMORY_KIB)}
A2_T=${RXCA_ARGON2_ITERATIONS:-$(setting ARGON2_ITERATIONS)}
A2_P=${RXCA_ARGON2_PARALLELISM:-$(setting ARGON2_PARALLELISM)}
WORKERS=${RXCA_WORKERS:-$(setting WORKERS)}
PORT=$(bench_port BENCH_PORT)

say "starting rxca-server on 127.0.0.1:$PORT"
env RXCA_DATABASE_URL="$DB_URL" RXCA_LISTEN="127.0.0.1:$PORT" \
	RXCA_SMTP_URL= RXCA_MAIL_DIR="$WORK/mail" \
	RXCA_ARGON2_MEMORY_KIB="$A2_M" RXCA_ARGON2_ITERATIONS="$A2_T" \
	RXCA_ARGON2_PARALLELISM="$A2_P" RXCA_WORKERS="$WORKERS" \
	"$ROOT/build/api/rxca-server" >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
wait_line "$WORK/server.out" 'listening on http://' "$SERVER_PID"
URL=http://127.0.0.1:$PORT

# --- wrk -----------------------------------------------------------------------

RESULTS=()
bench_wrk() { # bench_wrk <label> <connections> <path> [lua script]
	local label=$1 conns=$2 path=$3 script=${4:-} r out
	local rps=() p50=() p99=() bad=0 errs=0
	for r in $(seq "$RUNS"); do
		out=$(BENCH_RUN="$$-$conns-$r" wrk -t2 -c"$conns" -d"${DURATION}s" \
			--timeout 30s --latency ${script:+-s "$script"} "$URL$path")
		echo "$out" >>"$WORK/wrk.log"
		rps+=("$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")")
		p50+=("$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")")
		p99+=("$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")")
		bad=$((bad + $(awk '/Non-2xx or 3xx/ { n = $NF } END { print n + 0 }' <<<"$out")))
		errs=$((errs + $(awk '/Socket errors:/ { gsub(/,/, ""); n = $4 + $6 + $8 + $10 } END { print n + 0 }' <<<"$out")))
		round_load "wrk.load"
	done
	RESULTS+=("$(printf '%-24s %5s %10.1f %10.2f %10.2f %8s' "$label" \
		"$conns" "$(median "${rps[@]}")" "$(median "${p50[@]}")" \
		"$(median "${p99[@]}")" "$bad/$errs")")
	say "$label c=$conns: ${rps[*]} req/s"
}

say "wrk: $RUNS runs of ${DURATION}s each per line"
bench_wrk "GET /healthz" 8 /healthz
bench_wrk "GET /healthz" 64 /healthz
APPS_BEFORE=$(cluster_psql -d "$BENCH_DB" -Atc 'SELECT count(*) FROM applications')
bench_wrk "POST /v1/applications" 8 /v1/applications "$BENCHDIR/apply.lua"
bench_wrk "POST /v1/applications" 64 /v1/applications "$BENCHDIR/apply.lua"
APPS=$(cluster_psql -d "$BENCH_DB" -Atc 'SELECT count(*) FROM applications')
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
PIDS=()
SERVER_PID=

# --- the database's ceiling: pgbench --------------------------------------------

cluster_psql -d "$BENCH_DB" -q >/dev/null <<'EOF'
CREATE TABLE bench_app (LIKE applications INCLUDING DEFAULTS);
ALTER TABLE bench_app ADD PRIMARY KEY (id);
CREATE INDEX ON bench_app (email, created_at DESC);
CREATE TABLE bench_audit (id bigserial PRIMARY KEY, at timestamptz NOT NULL,
	actor text NOT NULL, action text NOT NULL, subject text NOT NULL,
	details text NOT NULL, prev_hash bytea NOT NULL, hash bytea NOT NULL);
EOF
cat >"$WORK/intake.sql" <<'EOF'
\set n random(1, 2000000000)
BEGIN;
INSERT INTO bench_app (id, status, policy, product, storage, shipping,
	given_name, family_name, date_of_birth, email, phone, addr_line1,
	addr_city, addr_state, addr_postal_code, addr_country, npi, dea_number,
	ssn_last4, avs_card_token, payment_card_token, password_hash,
	agreement_version, agreement_accepted_at, price, price_total_cents,
	created_at, updated_at, email_verify_by)
VALUES ('app_' || md5(random()::text), 'email_pending', 'igc',
	'epcs-hardware', 'new-token', 'usps', 'Ada', 'Lovelace', '1975-12-10',
	'bench' || :n || '@example.org', '+13175550100', '1 Main St',
	'Indianapolis', 'IN', '46204', 'US', '1234567893', 'AL1234563', '1234',
	'tok_avs_1', 'tok_pay_1',
	'$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$OgdRwrKrUb276fcKlz9U4jFcFVrNS1sMxXDkysDX+Y4',
	'2026-01', now(), jsonb_build_object('total', 17700, 'currency', 'USD',
	'items', jsonb_build_array(jsonb_build_object('code', 'epcs-hardware',
	'amount_cents', 10900), jsonb_build_object('code', 'new-token',
	'amount_cents', 6800))), 17700, now(), now(), now() + interval '30 days');
INSERT INTO bench_audit (at, actor, action, subject, details, prev_hash, hash)
VALUES (now(), 'applicant', 'application.created', 'app_' || :n,
	'{"status": "email_pending", "product": "epcs-hardware"}',
	sha256(:n::text::bytea), sha256(md5(random()::text)::bytea));
COMMIT;
EOF

PGB=()
bench_pg() { # bench_pg <clients>
	local c=$1 r tps=()
	for r in $(seq "$RUNS"); do
		tps+=("$("$PGBIN/pgbench" -n -h "$PGRUN" -p "$PGPORT" -U rxca \
			-f "$WORK/intake.sql" -c "$c" -j 2 -T "$DURATION" "$BENCH_DB" \
			2>>"$WORK/pgbench.log" | tee -a "$WORK/pgbench.log" |
			awk '/^tps = / { print $3; exit }')")
		round_load "pgbench.load"
	done
	PGB+=("$(printf '%-24s %5s %10.1f' "pgbench commits/s" "$c" \
		"$(median "${tps[@]}")")")
	say "pgbench c=$c: ${tps[*]} tps"
}
bench_pg 8
bench_pg 64

# --- the CPU's ceiling: Argon2id ------------------------------------------------

# CPU seconds per hash, not wall: on a shared machine the wall time of the
# argon2 command includes waiting for a core (it reported 5.0
# applications/s while the server did 13.5/s).  HASHES hashes run one
# after another under /usr/bin/time; user + system time, divided.
HASHES=20
A2_MS=()
A2_WALL_MS=()
for r in $(seq "$RUNS"); do
	/usr/bin/time -f '%U %S %e' -o "$WORK/argon2.time" bash -c '
		for i in $(seq "$1"); do
			printf "correct horse battery" |
				argon2 "saltsalt$i" -id -t "$2" -k "$3" -p "$4" >/dev/null
		done' _ "$HASHES" "$A2_T" "$A2_M" "$A2_P"
	A2_MS+=("$(awk -v n="$HASHES" '{ printf "%.2f", ($1 + $2) * 1000 / n }' 		"$WORK/argon2.time")")
	A2_WALL_MS+=("$(awk -v n="$HASHES" '{ printf "%.2f", $3 * 1000 / n }' 		"$WORK/argon2.time")")
	round_load "argon2.load"
done
A2=$(median "${A2_MS[@]}")
A2_WALL=$(median "${A2_WALL_MS[@]}")
CORES=$(nproc)
# An application hashes its password and three secret answers; each core
# gives one second of CPU per second.
A2_CEIL=$(awk -v ms="$A2" -v c="$CORES" 'BEGIN { printf "%.1f", c * 1000 / (4 * ms) }')

# --- report ----------------------------------------------------------------------

echo
echo "rxca benchmark: median of $RUNS runs of ${DURATION}s (wrk -t2 --latency)"
echo "machine: nproc=$CORES ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo))"
echo "server: RXCA_WORKERS=$WORKERS RXCA_ARGON2_MEMORY_KIB=$A2_M" \
	"RXCA_ARGON2_ITERATIONS=$A2_T RXCA_ARGON2_PARALLELISM=$A2_P" \
	"(4 Argon2id hashes per application)"
echo
printf '%-24s %5s %10s %10s %10s %8s\n' "" conns "req/s" "p50 ms" "p99 ms" \
	"non2xx/err"
printf '%s\n' "${RESULTS[@]}"
echo "applications written during the intake runs: $((APPS - APPS_BEFORE))"
echo
echo "ceilings on this machine:"
printf '%s  (one application-sized row + one audit row per commit)\n' "${PGB[@]}"
printf '%-24s %5s %10s  (%s ms CPU per hash, %s ms wall; m=%s KiB t=%s p=%s)\n' \
	"argon2id apps/s (CPU)" "$CORES" "$A2_CEIL" "$A2" "$A2_WALL" "$A2_M" \
	"$A2_T" "$A2_P"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); 1-minute after each" \
	"run: wrk ${R[wrk.load]}; pgbench ${R[pgbench.load]}; argon2" \
	"${R[argon2.load]}"
