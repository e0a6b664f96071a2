#!/usr/bin/env bash
# ops/bench-proofing.sh: identity checks completed per second against the
# reference providers (proofing/reference/idprovider.py), with 1, 2, ...
# rxca-server processes on one database, and the wait from e-mail
# verification to decision when the provider answers at once.  A
# measurement, not a test.
#
#   BENCH_APPS      applications checked per throughput run (default 1000)
#   BENCH_RUNS      runs per line; the median is reported (default 3)
#   BENCH_LAT       applications in the latency run (default 30)
#   BENCH_NODES     server counts to measure (default "1 2")
#   BENCH_DELAY_MS  the provider's answer delay (default 0: CPU-bound;
#                   100 makes the checks I/O-bound, so that CPU is not
#                   the limit and nodes should add capacity linearly)
#   BENCH_JOBS      RXCA_JOB_CONCURRENCY of each server (default 2)
#   BENCH_WORKERS   RXCA_WORKERS of each server (default 4; the jobs
#                   run at once are at most BENCH_WORKERS - 1)
#   BENCH_PORT      the first server's port, the next ones after it;
#   BENCH_PROVIDER_PORT  the reference provider's (default: free ones)
#   BENCH_BASELINE  another source tree (say `git archive main | tar -x -C
#                   /tmp/main`) measured side by side in the same run: its
#                   release build (made in <tree>/build if missing) on a
#                   database of its own, migrated by its own rxca-admin,
#                   each round just before this tree's; the ratio of the
#                   two is the figure that a busy machine does not blur
#
# While a throughput run lasts, pg_stat_activity is sampled every 50 ms,
# through one psql connection (the wait events of active backends say what serialises the nodes), and
# so is pg_locks (the lock types that backends wait for).
#
# Uses the release build (build/) and the project's PostgreSQL cluster
# (var/pg, started if needed) with a fresh database, dropped at the end.
set -euo pipefail

# shellcheck source=ops/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

APPS=${BENCH_APPS:-1000}
RUNS=${BENCH_RUNS:-3}
LAT=${BENCH_LAT:-30}
NODES=${BENCH_NODES:-1 2}
DELAY=${BENCH_DELAY_MS:-0}
JOBS=${BENCH_JOBS:-2}
WORKERS=${BENCH_WORKERS:-4}
bench_init bench-proofing

ensure_packages
say "building build/ (release)"
build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRXCA_TESTS=OFF \
	>"$WORK/build.log" 2>&1 || { tail -n 30 "$WORK/build.log" >&2; die "build failed"; }
BASELINE=${BENCH_BASELINE:-}
if [ -n "$BASELINE" ]; then
	BASELINE=$(cd "$BASELINE" && pwd -P)
	say "building $BASELINE/build (release): the baseline"
	{ cmake -S "$BASELINE" -B "$BASELINE/build" \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DRXCA_TESTS=OFF &&
		cmake --build "$BASELINE/build" -j"$(nproc)"; } \
		>"$WORK/build-base.log" 2>&1 ||
		{ tail -n 30 "$WORK/build-base.log" >&2; die "baseline build failed"; }
fi
cluster_start
bench_db
RXCA_DATABASE_URL=$DB_URL "$ROOT/build/api/rxca-admin" migrate >/dev/null
# The variants measured: this tree ("new"), and the baseline ("base").
declare -A BIN DBURL DBNAME
BIN[new]=$ROOT/build/api
DBURL[new]=$DB_URL
DBNAME[new]=$BENCH_DB
VARIANTS=new
if [ -n "$BASELINE" ]; then
	BIN[base]=$BASELINE/build/api
	DBNAME[base]=${BENCH_DB}_base
	EXTRA_DBS+=("${DBNAME[base]}")
	cluster_psql -d postgres -qc "CREATE DATABASE ${DBNAME[base]}" >/dev/null
	DBURL[base]=$(database_url "${DBNAME[base]}")
	RXCA_DATABASE_URL=${DBURL[base]} "${BIN[base]}/rxca-admin" migrate >/dev/null
	VARIANTS="base new"
fi
V=new # the variant that sql, seed and start_servers work on
sql() { cluster_psql -d "${DBNAME[$V]}" -Atqc "$1"; }

# The provider's data: the shipped identities (the latency run applies as
# one of them) and one person per seeded application (Ada Byron, born
# 1900-01-01 + k days, k = 0, 1, ...: see seed), as many as every run
# of every variant seeds.
SEEDS=$((APPS * RUNS * $(wc -w <<<"$NODES") * 2))
/usr/bin/python3 - "$ROOT/proofing/reference/identities.json" "$SEEDS" \
	>"$WORK/identities.json" <<'EOF2'
import datetime, json, sys
doc = json.load(open(sys.argv[1]))
day0 = datetime.date(1900, 1, 1)
doc["identities"] += [{"given_name": "Ada", "family_name": "Byron",
    "date_of_birth": (day0 + datetime.timedelta(days=k)).isoformat(),
    "ssn_last4": "1234", "decision": "pass", "score": 96, "reasons": [],
    "behaviour": None} for k in range(int(sys.argv[2]))]
json.dump(doc, sys.stdout)
EOF2
echo 0 >"$WORK/seeded"
PROV_PORT=$(bench_port BENCH_PROVIDER_PORT)
/usr/bin/python3 "$ROOT/proofing/reference/idprovider.py" \
	--listen "127.0.0.1:$PROV_PORT" \
	--data "$WORK/identities.json" \
	--delay-ms "$DELAY" >"$WORK/idp.out" 2>"$WORK/idp.err" &
PIDS+=($!)
PROV_PID=$!
wait_line "$WORK/idp.out" "listening on" "${PIDS[-1]}"
PROV=http://127.0.0.1:$PROV_PORT

SERVERS=()
start_servers() { # start_servers <n>
	local i port pid
	SERVERS=()
	for i in $(seq "$1"); do
		port=$(bench_port BENCH_PORT $((i - 1)))
		env RXCA_DATABASE_URL="${DBURL[$V]}" RXCA_LISTEN="127.0.0.1:$port" \
			RXCA_SMTP_URL= RXCA_MAIL_DIR="$WORK/mail" \
			RXCA_IDV_URL="$PROV" RXCA_AVS_URL="$PROV" \
			RXCA_JOB_POLL_INTERVAL=1 RXCA_LOG_LEVEL=warn \
			RXCA_APPLY_PER_CLIENT_DAY=1000000 \
			RXCA_APPLY_PER_EMAIL_DAY=1000000 \
			RXCA_CODE_MAILS_PER_CLIENT_DAY=1000000 \
			RXCA_JOB_CONCURRENCY="$JOBS" RXCA_WORKERS="$WORKERS" \
			"${BIN[$V]}/rxca-server" >"$WORK/srv$i.out" \
			2>"$WORK/srv$i.err" &
		pid=$!
		PIDS+=("$pid")
		SERVERS+=("$pid:$port")
		wait_line "$WORK/srv$i.out" "listening on http://" "$pid"
	done
}

stop_servers() {
	local s
	for s in "${SERVERS[@]}"; do
		kill -TERM "${s%%:*}"
		wait "${s%%:*}" 2>/dev/null || true
		forget "${s%%:*}"
	done
	SERVERS=()
}

# servers_alive: dies if one of the servers has exited (the run would
# otherwise wait for its checks for ever).
servers_alive() {
	local s
	for s in "${SERVERS[@]}"; do
		kill -0 "${s%%:*}" 2>/dev/null ||
			die "the rxca-server on port ${s##*:} exited (logs: $WORK/srv*.err)"
	done
}

# Verified applications waiting for their check: <n> rows in status
# proofing, each with its identity.check job, written while no server runs.
# Each is another person (name and birth date, NPI, DEA number: the k-th
# seeded of the whole benchmark, $WORK/seeded counts them), as a real
# population is: one person applying thousands of times would make each
# check's duplicate search (rule 10) read every earlier application, a
# cost that grew from run to run and charged the later, larger node
# counts more.
seed() { # seed <n> <tag>
	local k0
	k0=$(cat "$WORK/seeded")
	echo $((k0 + $1)) >"$WORK/seeded"
	sql "INSERT INTO applications (id, status, policy, product, storage,
		shipping, given_name, family_name, date_of_birth, email, phone,
		addr_line1, addr_city, addr_state, addr_postal_code, addr_country,
		npi, dea_number, ssn_last4, avs_card_token, payment_card_token,
		password_hash, agreement_version, agreement_accepted_at, price,
		price_total_cents, created_at, updated_at, email_verify_by,
		email_verified_at)
	SELECT 'app_b$2_' || g, 'proofing', 'igc', 'epcs-hardware', 'new-token',
		'usps', 'Ada', 'Byron', date '1900-01-01' + ($k0 + g - 1),
		'b$2.' || g || '@example.org', '+13175550100', '1 Main St',
		'Indianapolis', 'IN', '46204', 'US', (2000000000 + $k0 + g)::text,
		'AB' || lpad(($k0 + g)::text, 7, '0'),
		'1234', 'tok_avs_1', 'tok_pay_1', 'x', '2026-01', now(),
		'{}'::jsonb, 17700, now(), now(), now() + interval '30 days', now()
	FROM generate_series(1, $1) g;
	INSERT INTO jobs (kind, application_id, run_at, max_attempts,
		created_at, updated_at)
	SELECT 'identity.check', 'app_b$2_' || g, now(), 9, now(), now()
	FROM generate_series(1, $1) g;"
}

# Where the CPU goes: the machine's busy and total jiffies (/proc/stat),
# and a process's own (utime + stime).
machine_cpu() { awk '/^cpu / { print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat; }
proc_cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
# The jiffies of the servers running now, and of their PostgreSQL
# backends (each server's workers keep their connections for the whole
# run, so a backend's own time is its part of the run).  Read just before
# the servers stop.
servers_cpu() {
	local s t=0
	for s in "${SERVERS[@]}"; do
		t=$((t + $(proc_cpu "${s%%:*}")))
	done
	echo "$t"
}
backends_cpu() { # backends_cpu [<a backend not to count>]
	local pid t=0
	for pid in $(sql "SELECT pid FROM pg_stat_activity WHERE datname =
		current_database() AND pid <> pg_backend_pid()
		AND pid <> ${1:-0}"); do
		t=$((t + $(proc_cpu "$pid" 2>/dev/null || echo 0)))
	done
	echo "$t"
}

declare -A RATES CORES PROVC SRVMS PGMS PROVMS
: >"$WORK/waits"
: >"$WORK/locks"
# throughput <servers> <run>: sets TP to rate, cores busy, provider cores,
# and the CPU milliseconds per check of the servers, of their PostgreSQL
# backends and of the provider.  It runs in the main shell, not in $(...):
# there the servers it started were not in the main shell's PIDS, and a
# die left them running (and the main shell carried on).
throughput() {
	local tag="s$1r$2" t0 t1 left m0 m1 p0 p1 sc bc
	seed "$APPS" "$tag"
	t0=$(date +%s.%N)
	m0=$(machine_cpu)
	p0=$(proc_cpu "$PROV_PID")
	start_servers "$1"
	# One psql for all the samples: a psql (and a PostgreSQL backend
	# forked for it) per query, three queries every 50 ms, cost the
	# machine more CPU than the checks measured.
	coproc SAMPLER { cluster_psql -d "${DBNAME[$V]}" -Atq 2>&1; }
	local sin=${SAMPLER[1]} sout=${SAMPLER[0]} spid=$SAMPLER_PID line sbackend
	PIDS+=("$spid")
	printf '%s\n' "SELECT pg_backend_pid();" >&"$sin"
	read -r sbackend <&"$sout"
	while :; do
		printf '%s\n' "SELECT 'left', count(*)::text FROM jobs
			WHERE kind = 'identity.check' AND state = 'queued'
		UNION ALL SELECT 'wait', coalesce(wait_event_type || ':' ||
			wait_event, 'cpu') FROM pg_stat_activity
			WHERE state = 'active' AND datname = current_database()
			AND pid <> pg_backend_pid()
		UNION ALL SELECT 'lock', l.locktype || ':' || l.mode ||
			coalesce(':' || l.objid::text, '') FROM pg_locks l
			JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE NOT l.granted AND a.datname = current_database();
		SELECT 'end';" >&"$sin" || line="psql gone"
		left=
		while [ -z "$left" ] || [ "$line" != end ]; do
			read -r line <&"$sout" || line="psql gone"
			case $line in
			end) ;;
			left\|*) left=${line#left|} ;;
			wait\|*) echo "$V$1|${line#wait|}" >>"$WORK/waits" ;;
			lock\|*) echo "$V$1|${line#lock|}" >>"$WORK/locks" ;;
			*) die "sampling: $line" ;;
			esac
		done
		[ "$left" = 0 ] && break
		servers_alive
		sleep 0.05
	done
	eval "exec $sin>&-"
	wait "$spid" 2>/dev/null || true
	forget "$spid"
	t1=$(date +%s.%N)
	m1=$(machine_cpu)
	p1=$(proc_cpu "$PROV_PID")
	sc=$(servers_cpu)
	bc=$(backends_cpu "$sbackend")
	stop_servers
	local bad
	# Each a person the provider passes, and no duplicate of another:
	# approved (with its kit and decision mail, as a real approval).
	bad=$(sql "SELECT count(*) FROM applications WHERE id LIKE 'app_b${tag}_%'
		AND status <> 'approved'")
	[ "$bad" = 0 ] || die "$bad applications of run $tag not approved"
	TP=$(awk -v n="$APPS" -v a="$t0" -v b="$t1" -v m0="$m0" -v m1="$m1" \
		-v p0="$p0" -v p1="$p1" -v hz="$HZ" -v ncpu="$(nproc)" \
		-v sc="$sc" -v bc="$bc" 'BEGIN {
		split(m0, x, " "); split(m1, y, " ")
		printf "%.1f %.2f %.2f %.2f %.2f %.2f\n", n / (b - a),
		    ncpu * (y[1] - x[1]) / (y[2] - x[2]),
		    (p1 - p0) / hz / (b - a), 1000 * sc / hz / n,
		    1000 * bc / hz / n, 1000 * (p1 - p0) / hz / n }')
}

say "throughput: $RUNS runs of $APPS applications per line, nodes: $NODES, provider delay ${DELAY} ms, variants: $VARIANTS"
LOADS=()
for r in $(seq "$RUNS"); do
	line="run $r:"
	for n in $NODES; do
		for V in $VARIANTS; do
			throughput "$n" "$r"
			read -r rate cores provc srvms pgms provms <<<"$TP"
			RATES[$V$n]+="$rate " CORES[$V$n]+="$cores "
			PROVC[$V$n]+="$provc "
			SRVMS[$V$n]+="$srvms " PGMS[$V$n]+="$pgms "
			PROVMS[$V$n]+="$provms "
			line+=" $V $n server(s) ${rate}/s ($cores cores busy);"
		done
	done
	LOADS+=("$(cut -d' ' -f1 /proc/loadavg)")
	say "$line load $(cut -d' ' -f1-3 /proc/loadavg)"
done
V=new
DUPES=0
for V in $VARIANTS; do
	DUPES=$((DUPES + $(sql "SELECT count(*) FROM (SELECT application_id
		FROM identity_checks WHERE provider = 'idv' GROUP BY
		application_id HAVING count(*) > 1) d")))
done
V=new

# The provider alone: IDV requests per second (wrk, 2 and 8 connections).
cat >"$WORK/idv.lua" <<'EOF2'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"request_id": "r", "given_name": "Ada", "middle_name": null, ' ..
	'"family_name": "Lovelace", "date_of_birth": "1975-12-10", ' ..
	'"email": "a@example.org", "phone": "+13175550100", "address": ' ..
	'{"line1": "1 Main St", "line2": null, "city": "X", "state": "IN", ' ..
	'"postal_code": "46204", "country": "US"}, "ssn_last4": "1234"}'
EOF2
prov_rate() { # prov_rate <connections>
	wrk -t1 -c"$1" -d5s -s "$WORK/idv.lua" "$PROV/v1/identity-checks" |
		awk '/^Requests\/sec:/ { printf "%.1f", $2 }'
}
PROV_RATE2=$(prov_rate 2)
PROV_RATE8=$(prov_rate 8)

say "latency: $LAT applications, apply -> verify -> decision, one at a time"
start_servers 1
PORT=${SERVERS[0]##*:}
LATENCY=$(/usr/bin/python3 - "http://127.0.0.1:$PORT" "$WORK/mail" "$LAT" <<'EOF'
import email, glob, http.client, json, os, re, statistics, sys, time
base, maildir, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
host, port = base.split("//")[1].split(":")
def call(method, path, body=None, token=None):
    c = http.client.HTTPConnection(host, int(port))
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    c.request(method, path, json.dumps(body) if body is not None else None, h)
    r = c.getresponse()
    out = json.loads(r.read() or b"null")
    c.close()
    return r.status, out
def code_for(addr):
    for _ in range(2000):
        for f in glob.glob(os.path.join(maildir, "*.eml")):
            with open(f, "rb") as fh:
                m = email.message_from_bytes(fh.read())
            if addr in m["To"]:
                text = m.get_payload(decode=True).decode()
                os.unlink(f)
                return re.search(r"\b[0-9A-Z]{5}-[0-9A-Z]{5}\b", text).group(0)
        time.sleep(0.005)
    raise SystemExit("no code mail for " + addr)
waits = []
for i in range(n):
    addr = "lat%d.%d@example.org" % (os.getpid(), i)
    body = {"product": "epcs-hardware", "storage": "new-token",
        "shipping": "usps", "program": None, "voucher": None,
        "applicant": {"given_name": "Ada", "middle_name": None,
            "family_name": "Lovelace", "date_of_birth": "1975-12-10",
            "email": addr, "phone": "+13175550100",
            "home_address": {"line1": "1 Main St", "line2": None,
                "city": "Indianapolis", "state": "IN",
                "postal_code": "46204", "country": "US"},
            "npi": "1234567893", "dea_number": "AL1234563",
            "ssn_last4": "1234"},
        "address_verification": {"card_token": "tok_avs_1"},
        "payment": {"card_token": "tok_pay_1"},
        "account": {"password": "correct horse battery",
            "secret_questions": [{"question": "a?", "answer": "x"},
                {"question": "b?", "answer": "y"},
                {"question": "c?", "answer": "z"}]},
        "subscriber_agreement": {"version": "2026-01", "accepted": True}}
    st, app = call("POST", "/v1/applications", body)
    assert st == 201, app
    code = code_for(addr)
    t0 = time.monotonic()
    st, out = call("POST", "/v1/applications/%s/email-verification"
                   % app["id"], {"code": code})
    assert st == 200, out
    while True:
        st, cur = call("GET", "/v1/applications/" + app["id"],
                       token=app["session"]["token"])
        if cur["status"] != "proofing":
            break
        time.sleep(0.002)
    assert cur["status"] in ("approved", "review"), cur
    waits.append((time.monotonic() - t0) * 1000)
waits.sort()
print("%.1f %.1f %.1f" % (statistics.median(waits),
      waits[int(len(waits) * 0.9) - 1], waits[-1]))
EOF
)
stop_servers

echo
echo "rxca identity-check benchmark: median of $RUNS runs, $APPS applications each"
echo "machine: nproc=$(nproc) ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo))"
echo "provider: idprovider.py (Python, ThreadingHTTPServer)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) now; 1-minute after each round: ${LOADS[*]}"
[ -z "$BASELINE" ] || echo "variants: base = $BASELINE, new = $ROOT"
FIRST=${NODES%% *}
printf '%-38s %10s %8s  %s\n' "" "checks/s" "ratio" "runs; cores busy (of $(nproc)); provider cores"
for V in $VARIANTS; do
	# shellcheck disable=SC2086 # the runs are words
	BASE=$(median ${RATES[$V$FIRST]})
	for n in $NODES; do
		# shellcheck disable=SC2086
		m=$(median ${RATES[$V$n]})
		# shellcheck disable=SC2086
		printf '%-38s %10s %7.2fx  %s; %s; %s\n' \
			"$V: $n rxca-server on one database" "$m" \
			"$(awk -v a="$m" -v b="$BASE" 'BEGIN { print a / b }')" \
			"${RATES[$V$n]% }" "$(median ${CORES[$V$n]})" \
			"$(median ${PROVC[$V$n]})"
	done
done
# What a check costs in CPU, wherever it runs: at a 100 ms provider delay
# a check that costs far less than (nodes x job slots) / rate seconds of
# CPU waits on I/O, and nodes add capacity until the machine's cores are
# full (the machine is shared: cores busy counts everyone's work).
echo "CPU milliseconds per check (medians): servers + their PostgreSQL backends + provider = total"
for V in $VARIANTS; do
	for n in $NODES; do
		# shellcheck disable=SC2086
		read -r a b c <<<"$(median ${SRVMS[$V$n]}) $(median ${PGMS[$V$n]}) $(median ${PROVMS[$V$n]})"
		printf '  %-36s %6s + %6s + %6s = %6s ms\n' "$V: $n node(s)" \
			"$a" "$b" "$c" "$(awk -v a="$a" -v b="$b" -v c="$c" \
			'BEGIN { printf "%.2f", a + b + c }')"
	done
done
echo "server: RXCA_WORKERS=$WORKERS, RXCA_JOB_CONCURRENCY=$JOBS; provider delay $DELAY ms"
for f in waits locks; do
	if [ $f = waits ]; then
		echo "active backends' wait events while checking (samples every 50 ms, top 6 per node count):"
	else
		echo "locks waited for (pg_locks, not granted: type:mode:objid; same samples, top 4):"
	fi
	for V in $VARIANTS; do
		for n in $NODES; do
			awk -F'|' -v k="$V$n" '$1 == k { c[$2]++; t++ }
				END { for (x in c) printf "%d %s\n", c[x], x
				      if (!t) print "0 (none)" }' "$WORK/$f" |
				sort -rn | head -"$([ $f = waits ] && echo 6 || echo 4)" |
				awk -v v="$V" -v n="$n" \
				'{ printf "  %s %s node(s): %s x %s\n", v, n, $1, $2 }'
		done
	done
done
printf '%-40s %10s  (wrk c=2; a check makes 2 calls)\n' "reference provider alone, requests/s" "$PROV_RATE2"
printf '%-40s %10s  (wrk c=8)\n' "" "$PROV_RATE8"
echo "applications checked more than once: $DUPES"
read -r P50 P90 PMAX <<<"$LATENCY"
echo "e-mail verified -> decision visible (ms, $LAT apps): p50 $P50  p90 $P90  max $PMAX"
