#!/usr/bin/env bash
# ops/bench-ocsp.sh: the OCSP responder with a bounded cache
# (RXCA_OCSP_CACHE_MB) over many stored responses.  A measurement, not a
# test.
#
#   BENCH_ROWS         certificates bulk-loaded (1000000)
#   BENCH_MDS          the stored responses each has, by CertID hash
#                      ("sha1 sha256"; "sha1" halves the table, enough for
#                      the miss line, which asks with SHA-1)
#   BENCH_ONLY_MISS    1: only the miss line (a 10 M table's extrapolation)
#   BENCH_CACHE_MB     RXCA_OCSP_CACHE_MB of the measured server (256)
#   BENCH_HOT          serials of the hit set, all held in memory (20000)
#   BENCH_MISS         distinct serials asked for in the miss runs (400000)
#   BENCH_FILL_SECONDS at most this long filling the cache to its bound (120)
#   BENCH_RUNS         rounds of the HTTP figures; medians reported (3)
#   BENCH_DURATION     seconds of one wrk run (10)
#   BENCH_CONNS        wrk connections (64)
#   BENCH_OPEN_RATE    offered requests/s of the open-loop miss line (300)
#   BENCH_THREADS      wrk threads (2)
#   BENCH_LOAD_CHUNK   certificates one COPY loads (1000000)
#   BENCH_CALLGRIND    answers of each kind counted under callgrind
#                      (2000; 0: none)
#   BENCH_PORT         the servers' port, one at a time (default: a free
#                      one; see bench_port in ops/bench-lib.sh)
#
# One certificate is issued in process (rxca-bench-issue) and a first
# rxca-server pre-signs its two responses (SHA-1 and SHA-256 CertIDs);
# then BENCH_ROWS certificates are copied from it (serials 0x40 00 .. i,
# 16 bytes), each with the template's stored responses of BENCH_MDS (so
# each stored row is as large as a real one; the answers name the
# template's serial, which wrk does not look at), by binary COPY
# (ops/bench/ocsp_load.py writes the rows; the two tables load side by
# side, BENCH_LOAD_CHUNK certificates a COPY) with the version trigger and
# the foreign keys off (session_replication_role = replica; versions still
# come from the sequence), then VACUUM ANALYZE.  The copied certificates'
# tbs and der are one byte and spki_sha256 is the serial twice (no OCSP
# answer reads them; it keeps the load short on a shared machine).
#
# The measured rxca-server has RXCA_OCSP_CACHE_MB=BENCH_CACHE_MB.  Lines:
#   hit      POST /ocsp round robin over BENCH_HOT serials, asked once
#            before (all in memory); /healthz through the same script
#   fill     BENCH_MISS random serials, each asked once, until the cache
#            holds its bound: its RSS then, against the bound + 64 MiB;
#            the hit rate of the last fill run (uniform random asks over
#            BENCH_MISS serials, the worst case for a cache; before the
#            bound every response was in memory: 1.00)
#   miss     a second server with RXCA_OCSP_CACHE_MB=1: every request a
#            miss read from the database (no signing), at BENCH_CONNS
# Requests are SHA-1 CertIDs without a nonce, all of one length (the
# template's `openssl ocsp -reqout` with its serial replaced), sent by
# ops/bench/ocsp.lua (-- fixed).  Hit and miss counts come from /metrics.
#
# Uses the release build (build/, -DRXCA_BENCH=ON) and the project's
# PostgreSQL cluster (var/pg, started if needed) with a fresh database,
# dropped at the end (df before and after the load is reported: a 10 M
# table of both hashes takes about 25 GB).
set -euo pipefail

# shellcheck source=ops/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

ROWS=${BENCH_ROWS:-1000000}
MDS=${BENCH_MDS:-sha1 sha256}
ONLY_MISS=${BENCH_ONLY_MISS:-0}
CACHE_MB=${BENCH_CACHE_MB:-256}
HOT=${BENCH_HOT:-20000}
MISS=${BENCH_MISS:-400000}
[ "$MISS" -le "$ROWS" ] || MISS=$ROWS
FILL_S=${BENCH_FILL_SECONDS:-120}
RUNS=${BENCH_RUNS:-3}
DUR=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNS:-64}
OPEN_RATE=${BENCH_OPEN_RATE:-300}
THREADS=${BENCH_THREADS:-2}
LOAD_CHUNK=${BENCH_LOAD_CHUNK:-1000000}
CG=${BENCH_CALLGRIND:-2000}
PY=/usr/bin/python3
LUA=$ROOT/ops/bench/ocsp.lua
bench_init bench-ocsp

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
rss_mib() { # rss_mib <pid> <VmRSS|VmHWM>
	awk -v k="$2:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}
metric() { # metric <port> <name>
	curl -fsS "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n { print $2 }'
}
to_ms() {
	awk -v v="$1" 'BEGIN { n = v + 0
		if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n
		else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
		printf "%.2f", n }'
}

# --- set up ------------------------------------------------------------------

bench_ca_setup
cat "$CA/issuing.crt" "$CA/root.crt" >"$WORK/chain.pem"
bench_issue_one

start_server() { # start_server <log file stem> <RXCA_* settings...>
	local stem=$1 port
	shift
	port=$(bench_port BENCH_PORT)
	env "${ENV[@]}" RXCA_LISTEN="127.0.0.1:$port" RXCA_LOG_LEVEL=warn "$@" \
		"$SERVER" >"$WORK/$stem.out" 2>"$WORK/$stem.err" &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	SERVER_PORT=$port
	wait_line "$WORK/$stem.out" "listening on http://" "$SERVER_PID"
}
stop_server() { # stop_server <pid>
	kill -TERM "$1"
	wait "$1" 2>/dev/null || true
	forget "$1"
}

say "pre-signing the template's OCSP responses (a first rxca-server)"
start_server presign RXCA_SWEEP_INTERVAL=1 RXCA_JOB_POLL_INTERVAL=1
for _ in $(seq 600); do
	[ "$(sql "SELECT count(*) FROM ocsp_responses")" = 2 ] && break
	sleep 0.5
done
[ "$(sql "SELECT count(*) FROM ocsp_responses")" = 2 ] ||
	die "the server did not pre-sign the template's responses"
stop_server "$SERVER_PID"
TEMPLATE=$(sql "SELECT encode(serial, 'hex') FROM certificates LIMIT 1")
DER_LEN=$(sql "SELECT length(der) FROM ocsp_responses WHERE md = 'sha1'")

read -ra MD_ARR <<<"$MDS"
for md in "${MD_ARR[@]}"; do
	[[ $md =~ ^sha(1|256)$ ]] || die "BENCH_MDS: $md is not sha1 or sha256"
done
MD_LIST=$(printf "'%s'," "${MD_ARR[@]}")
MD_LIST=${MD_LIST%,}
NMD=${#MD_ARR[@]}
DF0=$(df -h --output=avail /work | tail -n1 | tr -d ' ')
say "bulk-loading $ROWS certificates, $((NMD * ROWS)) stored responses"
CERT_COLS=$(sql "SELECT string_agg(column_name, ',' ORDER BY ordinal_position)
	FROM information_schema.columns WHERE table_schema = 'public' AND
	table_name = 'certificates'")
OCSP_COLS=serial,md,status,der,this_update,next_update,updated_at
cluster_psql -d "$BENCH_DB" -qc "COPY (SELECT $CERT_COLS FROM certificates
	WHERE serial = '\\x$TEMPLATE') TO STDOUT (FORMAT binary)" \
	>"$WORK/certificates.copy"
cluster_psql -d "$BENCH_DB" -qc "COPY (SELECT $OCSP_COLS FROM ocsp_responses
	WHERE serial = '\\x$TEMPLATE' AND md IN ($MD_LIST) ORDER BY md)
	TO STDOUT (FORMAT binary)" >"$WORK/ocsp_responses.copy"
# load <table> <columns> <first> <last>: one COPY of the template's rows
# for serials first..last
load() {
	$PY "$ROOT/ops/bench/ocsp_load.py" "$1" "$2" "$WORK/$1.copy" "$3" "$4" |
		cluster_psql -d "$BENCH_DB" -q \
			-c "SET session_replication_role = replica" \
			-c "COPY $1 ($2) FROM STDIN (FORMAT binary)"
}
T0=$(date +%s.%N)
for ((from = 1; from <= ROWS; from += LOAD_CHUNK)); do
	to=$((from + LOAD_CHUNK - 1 < ROWS ? from + LOAD_CHUNK - 1 : ROWS))
	load certificates "$CERT_COLS" "$from" "$to" &
	CPID=$!
	PIDS+=("$CPID") # stopped with its python and psql if the other dies
	load ocsp_responses "$OCSP_COLS" "$from" "$to" ||
		die "loading ocsp_responses $from..$to failed"
	wait "$CPID" || die "loading certificates $from..$to failed"
	forget "$CPID"
	say "loaded $to ($(df -h --output=avail /work | tail -n1 | tr -d ' ') free)"
done
LOAD_COPY_S=$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
sql "VACUUM ANALYZE certificates" >/dev/null
sql "VACUUM ANALYZE ocsp_responses" >/dev/null
LOAD_S=$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
[ "$(sql "SELECT count(*) FROM ocsp_responses")" = $((NMD * ROWS + 2)) ] ||
	die "ocsp_responses does not hold $((NMD * ROWS + 2)) rows"
TABLE_MB=$(sql "SELECT round(pg_total_relation_size('ocsp_responses') /
	1048576.0)")
CERTS_MB=$(sql "SELECT round(pg_total_relation_size('certificates') /
	1048576.0)")
DF1=$(df -h --output=avail /work | tail -n1 | tr -d ' ')
say "loaded in ${LOAD_S}s; ocsp_responses: $TABLE_MB MiB, certificates: $CERTS_MB MiB"

# --- requests ------------------------------------------------------------------

openssl ocsp -issuer "$CA/issuing.crt" -sha1 -serial "0x$TEMPLATE" \
	-no_nonce -reqout "$WORK/req.der" 2>/dev/null
# reqs.py <template request> <template serial> <out> <first> <last>
#   <count> <seed>: count requests for serials 0x40 00.. i, i in
# [first, last] (all of them in order if seed is 0, else a random sample),
# concatenated (each the template's length).
cat >"$WORK/reqs.py" <<'PYEOF'
import random, sys
tpl, serial, out, first, last, count, seed = sys.argv[1:]
der = open(tpl, "rb").read()
at = der.index(b"\x02\x10" + bytes.fromhex(serial)) + 2
first, last, count, seed = int(first), int(last), int(count), int(seed)
if seed:
    ids = random.Random(seed).sample(range(first, last + 1), count)
else:
    ids = range(first, first + count)
with open(out, "wb") as f:
    for i in ids:
        f.write(der[:at] + bytes.fromhex("40%030x" % i) + der[at + 16:])
PYEOF
REQ_LEN=$(stat -c %s "$WORK/req.der")
$PY "$WORK/reqs.py" "$WORK/req.der" "$TEMPLATE" "$WORK/hot.bin" 1 "$ROWS" \
	"$HOT" 0
$PY "$WORK/reqs.py" "$WORK/req.der" "$TEMPLATE" "$WORK/miss.bin" 1 "$ROWS" \
	"$MISS" 7
printf '/healthz\n' >"$WORK/healthz.list"
WANT=$(sql "SELECT encode(der, 'hex') FROM ocsp_responses
	WHERE serial = '\\x$TEMPLATE' AND md = 'sha1'")
# ask <port> <requests file> [<answer, hex>]: each request of the file in
# turn over one connection; each answer must be the given one (any 200
# without it)
cat >"$WORK/ask.py" <<'PYEOF'
import http.client, sys
port, path, n, want = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
data = open(path, "rb").read()
c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=120)
for at in range(0, len(data), n):
    c.request("POST", "/ocsp", data[at:at + n],
              {"Content-Type": "application/ocsp-request"})
    r = c.getresponse()
    body = r.read()
    if r.status != 200 or (want and body.hex() != want):
        sys.exit("answer %d is not the stored response" % (at // n))
PYEOF
ask() { $PY "$WORK/ask.py" "$1" "$2" "$REQ_LEN" "${3:-}"; }

# run <line> <port> <wrk args...>: one wrk run of ops/bench/ocsp.lua
# against the server's /ocsp; rps, p50, p99 added
run() {
	local line=$1 port=$2 out rps p50 p99 bad
	shift 2
	out=$(wrk -t"$THREADS" -c"$CONNS" --latency -s "$LUA" \
		"http://127.0.0.1:$port/ocsp" "$@") ||
		{ printf '%s\n' "$out" >&2; die "wrk failed ($line)"; }
	printf '%s\n' "$out" >>"$WORK/wrk-$line.txt"
	rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
	p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
	p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
	bad=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")
	add "$line.rps" "$rps"
	add "$line.p50" "$p50"
	add "$line.p99" "$p99"
	round_load "$line.load"
	say "$line: $rps/s p50 ${p50}ms p99 ${p99}ms (non-2xx ${bad:-0})"
}

# cache_run <line> <hit|miss> <port> <requests file>: one run of that
# line (DUR seconds of the file's requests); <line>.rate added, the share
# of the run's answers that were cache hits (or misses), by /metrics.
cache_run() {
	local line=$1 kind=$2 port=$3 file=$4 h0 m0 h1 m1
	h0=$(metric "$port" rxca_ocsp_cache_hits_total)
	m0=$(metric "$port" rxca_ocsp_cache_misses_total)
	run "$line" "$port" -d"${DUR}s" -- fixed "$file" "$REQ_LEN"
	h1=$(metric "$port" rxca_ocsp_cache_hits_total)
	m1=$(metric "$port" rxca_ocsp_cache_misses_total)
	add "$line.rate" "$(awk -v h=$((h1 - h0)) -v m=$((m1 - m0)) -v k="$kind" \
		'BEGIN { printf "%.4f", (k == "hit" ? h : m) / (h + m) }')"
}

# open_run <line> <port> <requests file>: one open-loop run
# (ops/bench/openloop.py, OPEN_RATE offered over CONNS connections, DUR
# seconds); <line>.rps, .p50_ms, .p99_ms, .errors added
open_run() {
	local line
	line=$($PY "$ROOT/ops/bench/openloop.py" "$2" /ocsp "$3" "$REQ_LEN" \
		"$OPEN_RATE" "$DUR" "$CONNS") || die "openloop.py failed: $line"
	say "$1: $line"
	round_load "$1.load"
	for k in rps p50_ms p99_ms errors; do
		add "$1.$k" "$(tr ' ' '\n' <<<"$line" | awk -F= -v k=$k \
			'$1 == k { print $2 }')"
	done
}

# cpu_s <pid...>: user + system seconds of those processes, summed
cpu_s() {
	local pid t=0
	for pid in "$@"; do
		[ -r "/proc/$pid/stat" ] &&
			t=$((t + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
	done
	awk -v t="$t" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

# --- the bounded cache ---------------------------------------------------------

bounded_cache() {
say "rxca-server with RXCA_OCSP_CACHE_MB=$CACHE_MB"
start_server server RXCA_OCSP_CACHE_MB="$CACHE_MB"
SRV=$SERVER_PID
PORT=$SERVER_PORT
RSS_START=$(rss_mib "$SRV" VmRSS)
# The answers are the stored ones.
ask "$PORT" "$WORK/hot.bin" "$WANT"
say "every hot serial answered with its stored response (now held)"
SIGNED0=$(metric "$PORT" rxca_ocsp_signed_on_demand_total)
for _ in $(seq "$RUNS"); do
	cache_run hit hit "$PORT" "$WORK/hot.bin"
	run healthz "$PORT" -d"${DUR}s" -- get "$WORK/healthz.list"
	add ratio_hz "$(ratio "${R[hit.rps]##* }" "${R[healthz.rps]##* }")"
done
# The same open loop as the misses' below, over answers held in memory:
# the floor of this client and machine for the open-loop latencies.
for _ in $(seq "$RUNS"); do
	open_run openhit "$PORT" "$WORK/hot.bin"
done
RSS_HOT=$(rss_mib "$SRV" VmRSS)

say "filling the cache: $MISS random serials, at most ${FILL_S}s"
T0=$(date +%s)
BUDGET=$(metric "$PORT" rxca_ocsp_cache_limit_bytes)
while [ $(($(date +%s) - T0)) -lt "$FILL_S" ]; do
	DUR=10 cache_run fill hit "$PORT" "$WORK/miss.bin"
	[ "$(metric "$PORT" rxca_ocsp_cache_evictions_total)" -gt 1000 ] && break
done
DUR=10 cache_run fill hit "$PORT" "$WORK/miss.bin" # once more, full
ENTRIES=$(metric "$PORT" rxca_ocsp_cache_entries)
BYTES=$(metric "$PORT" rxca_ocsp_cache_bytes)
EVICT=$(metric "$PORT" rxca_ocsp_cache_evictions_total)
RSS_FULL=$(rss_mib "$SRV" VmRSS)
HWM_FULL=$(rss_mib "$SRV" VmHWM)
SIGNED1=$(metric "$PORT" rxca_ocsp_signed_on_demand_total)
stop_server "$SRV"
}
[ "$ONLY_MISS" = 1 ] || bounded_cache

say "misses: rxca-server with RXCA_OCSP_CACHE_MB=1"
start_server server-miss RXCA_OCSP_CACHE_MB=1
# CPU per miss: the server's and its PostgreSQL backends' (the worker
# pool's connections, open since start) over the closed-loop runs.
read -ra PG_PIDS <<<"$(sql "SELECT string_agg(pid::text, ' ') FROM
	pg_stat_activity WHERE datname = current_database() AND
	pid <> pg_backend_pid()")"
L0=$(metric "$SERVER_PORT" rxca_ocsp_db_lookups_total)
S0=$(cpu_s "$SERVER_PID")
P0=$(cpu_s "${PG_PIDS[@]}")
for _ in $(seq "$RUNS"); do
	cache_run miss miss "$SERVER_PORT" "$WORK/miss.bin"
done
LOOKUPS=$(($(metric "$SERVER_PORT" rxca_ocsp_db_lookups_total) - L0))
SRV_US=$(awk -v a="$S0" -v b="$(cpu_s "$SERVER_PID")" -v n="$LOOKUPS" \
	'BEGIN { printf "%.0f", (n > 0 ? (b - a) * 1e6 / n : 0) }')
PG_US=$(awk -v a="$P0" -v b="$(cpu_s "${PG_PIDS[@]}")" -v n="$LOOKUPS" \
	'BEGIN { printf "%.0f", (n > 0 ? (b - a) * 1e6 / n : 0) }')
for _ in $(seq "$RUNS"); do
	open_run open "$SERVER_PORT" "$WORK/miss.bin"
done
MISS_SIGNED=$(metric "$SERVER_PORT" rxca_ocsp_signed_on_demand_total)
stop_server "$SERVER_PID"

# --- instructions per answer -------------------------------------------------

# cg_total <dump>: the instructions a callgrind dump counted
cg_total() { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }
# cg_top <dump> <per>: its costliest functions (self), then rxca's own
# (inclusive: those of the tree's files), instructions per answer (per
# answers in the dump), each function once (cg_functions in
# ops/bench-lib.sh)
cg_top() {
	local f
	for f in no yes; do
		cg_functions "$1" $f | awk -v per="$2" -v f=$f '
			f == "no" || $2 !~ /^(\?\?\?|\.|\/)/ {
			fn = $0; sub(/^[0-9]+ [^:]*:/, "", fn)
			if (++k <= 12) printf "    %8.0f %s %s\n", $1 / per,
				f == "no" ? "self" : "incl", fn }'
	done
}
instructions() {
say "callgrind: instructions per answer, $CG answers each"
local port n
port=$(bench_port BENCH_PORT)
env "${ENV[@]}" RXCA_LISTEN="127.0.0.1:$port" RXCA_LOG_LEVEL=warn \
	RXCA_OCSP_CACHE_MB="$CACHE_MB" valgrind --tool=callgrind \
	--instr-atstart=no --callgrind-out-file="$WORK/cg.out" "$SERVER" \
	>"$WORK/cg.stdout" 2>"$WORK/cg.stderr" &
CG_PID=$!
PIDS+=("$CG_PID")
wait_line "$WORK/cg.stdout" "listening on http://" "$CG_PID" 3000
# hit: CG hot serials asked once before (held); miss: CG serials after
# the hot set, in order, never asked of this server (each read from the
# database, then held); idle: 10 s of nothing (the change feed's reads)
head -c $((CG * REQ_LEN)) "$WORK/hot.bin" >"$WORK/cg-hit.bin"
$PY "$WORK/reqs.py" "$WORK/req.der" "$TEMPLATE" "$WORK/cg-miss.bin" \
	$((HOT + 1)) "$ROWS" "$CG" 0
ask "$port" "$WORK/cg-hit.bin" "$WANT"
callgrind_control -i on "$CG_PID" >/dev/null
callgrind_control -z "$CG_PID" >/dev/null
n=$(metric "$port" rxca_ocsp_cache_hits_total)
ask "$port" "$WORK/cg-hit.bin" "$WANT"
callgrind_control -d hit "$CG_PID" >/dev/null
CG_HITS=$(($(metric "$port" rxca_ocsp_cache_hits_total) - n))
n=$(metric "$port" rxca_ocsp_db_lookups_total)
ask "$port" "$WORK/cg-miss.bin" "$WANT"
callgrind_control -d miss "$CG_PID" >/dev/null
CG_MISSES=$(($(metric "$port" rxca_ocsp_db_lookups_total) - n))
sleep 10
callgrind_control -d idle "$CG_PID" >/dev/null
stop_server "$CG_PID"
CG_HIT=$(cg_total "$WORK/cg.out.1")
CG_MISS=$(cg_total "$WORK/cg.out.2")
CG_IDLE=$(cg_total "$WORK/cg.out.3")
# the miss's own query in PostgreSQL
CG_PLAN=$(sql "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF)
	SELECT serial, md, der, this_update, next_update, version,
	(SELECT coalesce(max(version), 0) FROM ocsp_responses) AS head
	FROM ocsp_responses WHERE serial = '\\x40$(printf '%030x' \
	$((HOT + CG + 1)))' AND md = 'sha1'" | sed 's/^/    /')
}
[ "$CG" -gt 0 ] && command -v valgrind >/dev/null && instructions
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

cat <<REPORT

== ops/bench-ocsp.sh ($(date -u +%FT%TZ), load before: $LOAD0, after: $LOAD1, $(nproc) cores)
stored: $ROWS certificates, $((NMD * ROWS)) responses ($MDS) of $DER_LEN bytes
  (SHA-1 CertID), ocsp_responses $TABLE_MB MiB, certificates $CERTS_MB MiB,
  loaded in ${LOAD_S}s (COPY ${LOAD_COPY_S}s, then VACUUM ANALYZE); /work
  free $DF0 before, $DF1 loaded
1-minute load average after each run:$(for l in hit healthz openhit fill miss \
	open; do [ -z "${R[$l.load]:-}" ] || printf ' %s %s;' "$l" "${R[$l.load]}"
	done)
REPORT
[ "$ONLY_MISS" = 1 ] || cat <<REPORT
cache: RXCA_OCSP_CACHE_MB=$CACHE_MB (bound $BUDGET bytes)
RSS at start ${RSS_START} MiB; after the hit runs ${RSS_HOT} MiB
after filling: ${RSS_FULL} MiB (peak ${HWM_FULL} MiB); bound + 64 MiB =
  $((CACHE_MB + 64)) MiB; held $ENTRIES responses, $BYTES bytes, $EVICT
  evicted; signed on demand: $((SIGNED1 - SIGNED0))
hit ($HOT serials, in memory), wrk -t$THREADS -c$CONNS -d${DUR}s, medians of $RUNS:
  $(med hit.rps)/s p50 $(med hit.p50) ms p99 $(med hit.p99) ms; hit rate $(med hit.rate)
  /healthz $(med healthz.rps)/s p99 $(med healthz.p99) ms; hit/healthz $(med ratio_hz)
fill (uniform random over $MISS serials, cache $CACHE_MB MiB): rps ${R[fill.rps]},
  p99 ${R[fill.p99]} ms; hit rate ${R[fill.rate]} (the last $( [ "$EVICT" -gt 0 ] &&
  echo "with the cache at its bound" || echo "before the bound: BENCH_FILL_SECONDS ran out"))
REPORT
cat <<REPORT
miss (RXCA_OCSP_CACHE_MB=1, $MISS random serials), wrk -t$THREADS -c$CONNS -d${DUR}s, medians of $RUNS:
  $(med miss.rps)/s p50 $(med miss.p50) ms p99 $(med miss.p99) ms;
  miss rate $(med miss.rate); signed on demand: $MISS_SIGNED
  CPU per miss over those runs ($LOOKUPS database reads): rxca-server
  $SRV_US us, its ${#PG_PIDS[@]} PostgreSQL backends $PG_US us (2 cores /
  their sum: $(awk -v a="$SRV_US" -v b="$PG_US" 'BEGIN { printf "%.0f",
  (a + b > 0 ? 2e6 / (a + b) : 0) }') misses/s at most)
open loop at $OPEN_RATE/s offered over $CONNS connections, ${DUR}s, medians of $RUNS:
  misses: $(med open.rps)/s answered, p50 $(med open.p50_ms) ms p99 $(med open.p99_ms) ms
  (rounds: p99 ${R[open.p99_ms]} ms; errors ${R[open.errors]})
REPORT
[ "$ONLY_MISS" = 1 ] || cat <<REPORT
  hits, the same load (the floor of this client and machine):
  $(med openhit.rps)/s answered, p50 $(med openhit.p50_ms) ms p99 $(med openhit.p99_ms) ms
  (rounds: p99 ${R[openhit.p99_ms]} ms; errors ${R[openhit.errors]})
REPORT
[ -n "${CG_HIT:-}" ] && cat <<REPORT
callgrind (rxca-server, RXCA_OCSP_CACHE_MB=$CACHE_MB, one connection, in turn),
  instructions per answer, all threads:
  hit  $((CG_HIT / CG)) ($CG asked, $CG_HITS cache hits)
  miss $((CG_MISS / CG)) ($CG asked, $CG_MISSES database reads)
  idle $((CG_IDLE / 10)) a second (the change feed), not subtracted
  hit, instructions per answer of the costliest functions (self), then
  of rxca's own (inclusive):
$(cg_top "$WORK/cg.out.1" "$CG")
  miss, the same:
$(cg_top "$WORK/cg.out.2" "$CG")
  the miss's query in PostgreSQL (EXPLAIN ANALYZE, one serial):
$CG_PLAN
REPORT
true
