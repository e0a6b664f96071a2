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
#   BENCH_PORT      the first server's port, the next ones after it;
#   BENCH_PROVIDER_PORT  the reference provider's (default: free ones)
#
# While a throughput run lasts, pg_stat_activity is sampled every 50 ms:
# the wait events of active backends say what serialises the nodes.
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
bench_init bench-proofing

ensure_packages
say "building build/ (release)"
build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRXCA_TESTS=OFF \
	>"$WORK/build.log" 2>&1 || { tail -n 30 "$WORK/build.log" >&2; die "build failed"; }
cluster_start
bench_db
RXCA_DATABASE_URL=$DB_URL "$ROOT/build/api/rxca-admin" migrate >/dev/null

PROV_PORT=$(bench_port BENCH_PROVIDER_PORT)
/usr/bin/python3 "$ROOT/proofing/reference/idprovider.py" \
	--listen "127.0.0.1:$PROV_PORT" \
	--data "$ROOT/proofing/reference/identities.json" \
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
		env RXCA_DATABASE_URL="$DB_URL" RXCA_LISTEN="127.0.0.1:$port" \
			RXCA_SMTP_URL= RXCA_MAIL_DIR="$WORK/mail" \
			RXCA_IDV_URL="$PROV" RXCA_AVS_URL="$PROV" \
			RXCA_JOB_POLL_INTERVAL=1 RXCA_LOG_LEVEL=warn \
			RXCA_JOB_CONCURRENCY="$JOBS" \
			"$ROOT/build/api/rxca-server" >"$WORK/srv$i.out" \
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
	done
	SERVERS=()
}

# Verified applications waiting for their check: <n> rows in status
# proofing, each with its identity.check job, written while no server runs.
seed() { # seed <n> <tag>
	sql "INSERT INTO applications (id, status, policy, product, storage,
		shipping, given_name, family_name, date_of_birth, email, phone,
		addr_line1, addr_city, addr_state, addr_postal_code, addr_country,
		npi, dea_number, ssn_last4, avs_card_token, payment_card_token,
		password_hash, agreement_version, agreement_accepted_at, price,
		price_total_cents, created_at, updated_at, email_verify_by,
		email_verified_at)
	SELECT 'app_b$2_' || g, 'proofing', 'igc', 'epcs-hardware', 'new-token',
		'usps', 'Ada', 'Lovelace', '1975-12-10',
		'b$2.' || g || '@example.org', '+13175550100', '1 Main St',
		'Indianapolis', 'IN', '46204', 'US', '1234567893', 'AL1234563',
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

declare -A RATES CORES PROVC
: >"$WORK/waits"
throughput() { # throughput <servers> <run>: prints rate, cores busy, provider cores
	local tag="s$1r$2" t0 t1 left m0 m1 p0 p1
	seed "$APPS" "$tag"
	t0=$(date +%s.%N)
	m0=$(machine_cpu)
	p0=$(proc_cpu "$PROV_PID")
	start_servers "$1"
	while :; do
		left=$(sql "SELECT count(*) FROM jobs WHERE kind = 'identity.check'
			AND state = 'queued'")
		[ "$left" = 0 ] && break
		sql "SELECT '$1', coalesce(wait_event_type || ':' || wait_event, 'cpu')
			FROM pg_stat_activity WHERE state = 'active'
			AND datname = current_database() AND pid <> pg_backend_pid()" \
			>>"$WORK/waits"
		sleep 0.05
	done
	t1=$(date +%s.%N)
	m1=$(machine_cpu)
	p1=$(proc_cpu "$PROV_PID")
	stop_servers
	local bad
	# One person applying many times: after the first, the duplicate
	# rule sends each to review (proofing/decision.c, rule 10) - a
	# decision all the same, made after the same identity check.
	bad=$(sql "SELECT count(*) FROM applications WHERE id LIKE 'app_b${tag}_%'
		AND status NOT IN ('approved', 'review')")
	[ "$bad" = 0 ] || die "$bad applications of run $tag not decided"
	awk -v n="$APPS" -v a="$t0" -v b="$t1" -v m0="$m0" -v m1="$m1" \
		-v p0="$p0" -v p1="$p1" -v hz="$HZ" -v ncpu="$(nproc)" 'BEGIN {
		split(m0, x, " "); split(m1, y, " ")
		printf "%.1f %.2f %.2f\n", n / (b - a),
		    ncpu * (y[1] - x[1]) / (y[2] - x[2]),
		    (p1 - p0) / hz / (b - a) }'
}

say "throughput: $RUNS runs of $APPS applications per line, nodes: $NODES, provider delay ${DELAY} ms"
for r in $(seq "$RUNS"); do
	line="run $r:"
	for n in $NODES; do
		read -r rate cores provc <<<"$(throughput "$n" "$r")"
		RATES[$n]+="$rate " CORES[$n]+="$cores " PROVC[$n]+="$provc "
		line+=" $n server(s) ${rate}/s ($cores cores busy);"
	done
	say "$line"
done
DUPES=$(sql "SELECT count(*) FROM (SELECT application_id FROM identity_checks
	WHERE provider = 'idv' GROUP BY application_id HAVING count(*) > 1) d")

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
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
FIRST=${NODES%% *}
# shellcheck disable=SC2086 # the runs are words
BASE=$(median ${RATES[$FIRST]})
printf '%-32s %10s %8s  %s\n' "" "checks/s" "ratio" "runs; cores busy (of $(nproc)); provider cores"
for n in $NODES; do
	# shellcheck disable=SC2086
	m=$(median ${RATES[$n]})
	# shellcheck disable=SC2086
	printf '%-32s %10s %7.2fx  %s; %s; %s\n' "$n rxca-server on one database" \
		"$m" "$(awk -v a="$m" -v b="$BASE" 'BEGIN { print a / b }')" \
		"${RATES[$n]% }" "$(median ${CORES[$n]})" "$(median ${PROVC[$n]})"
done
echo "server: RXCA_WORKERS=4, RXCA_JOB_CONCURRENCY=$JOBS; provider delay $DELAY ms"
echo "active backends' wait events while checking (samples every 50 ms, top 6 per node count):"
for n in $NODES; do
	awk -F'|' -v n="$n" '$1 == n { c[$2]++; t++ }
		END { for (k in c) printf "%d %s\n", c[k], k; if (!t) print "0 (none)" }' \
		"$WORK/waits" | sort -rn | head -6 |
		awk -v n="$n" '{ printf "  %s node(s): %s x %s\n", n, $1, $2 }'
done
printf '%-40s %10s  (wrk c=2; a check makes 2 calls)\n' "reference provider alone, requests/s" "$PROV_RATE2"
printf '%-40s %10s  (wrk c=8)\n' "" "$PROV_RATE8"
echo "applications checked more than once: $DUPES"
read -r P50 P90 PMAX <<<"$LATENCY"
echo "e-mail verified -> decision visible (ms, $LAT apps): p50 $P50  p90 $P90  max $PMAX"
