#!/usr/bin/env bash
# ops/bench-revocation.sh: OCSP responses per second and their latency,
# rxca next to the stock `openssl ocsp` responder serving the same
# certificates from an index file and next to rxca's own /healthz, with
# wrk at 64 connections; then the time and peak memory of making the CRL
# (the crl.refresh job) with 10,000 and 1,000,000 revoked certificates.
# A measurement, not a test.
#
#   BENCH_CERTS      certificates issued, each with its OCSP request (1000)
#   BENCH_RUNS       rounds of the HTTP figures; medians are reported (3)
#   BENCH_DURATION   seconds of one wrk run (10)
#   BENCH_CONNS      wrk connections (64)
#   BENCH_THREADS    wrk threads (2)
#   BENCH_LOG_LEVEL  rxca-server's RXCA_LOG_LEVEL in the rounds (warn; one
#                    extra line is measured at info, which logs each
#                    request)
#   BENCH_PORT, BENCH_OPENSSL_PORT  rxca-server's and openssl ocsp's ports
#                    (default: free ones)
#   BENCH_CRL_SIZES  revoked certificates per CRL step ("10000 1000000")
#   BENCH_CRL_RUNS   runs of each CRL mode per size; medians (3)
#   BENCH_PROFILE    1: perf profiles of rxca-server under the POST load
#                    and of one CRL job at the largest size (1 if perf is
#                    there)
#
# OCSP: the certificates are issued in process by rxca-bench-issue
# (ops/bench/bench_issue.c: the steps of POST /v1/retrievals once the kit
# is accepted), then a first rxca-server pre-signs their OCSP responses
# itself (the sweep queues ocsp.refresh jobs) and is stopped.  The
# measured rxca-server starts with its defaults (but the log level) and
# loads the responses into memory; every request is checked to get the
# pre-signed response of the database before the clock starts.  The OCSP
# signer's key (an encrypted PKCS#8 file) is decrypted into the work
# folder for openssl's responder, which signs every response when asked
# (ECDSA P-384, as rxca's OCSP signer) and answers HTTP/1.0, one
# connection per request; it runs as one process and with -multi <nproc>,
# started afresh for each run (it hangs on a connection closed before its
# request: see ossl_up below).  One request per certificate (SHA-1 CertID, no nonce,
# made by `openssl ocsp -reqout`), sent round robin by wrk
# (ops/bench/ocsp.lua): POST /ocsp, GET /ocsp/<percent-encoded base64>,
# POST to openssl's responder; /healthz through the same script.  Each
# round runs every line once, interleaved, so that a burst of load from
# others on a shared machine does not land on one line only; the CPU that
# the server, wrk and the whole machine spent is measured over each run.
#
# CRL: one synthetic application holds the revoked certificates, inserted
# by SQL (random 16-byte serials, the tbs and der of a real certificate,
# revocation times over a year, a mix of reasons), vacuumed and
# checkpointed; then rxca-bench-crl (ops/bench/bench_crl.c) runs the
# crl.refresh job (api/service/pki.c pki_job_crl) in its own process, and the same
# steps split with a clock, reporting wall time, CPU and peak resident
# memory (ru_maxrss).  `openssl crl` parsing and verifying the CRL made is
# timed as a reference.
#
# Uses the release build (build/, with -DRXCA_BENCH=ON) and the project's
# PostgreSQL cluster (var/pg, started if needed) with a fresh database,
# dropped at the end.
set -euo pipefail

# shellcheck source=ops/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

CERTS=${BENCH_CERTS:-1000}
RUNS=${BENCH_RUNS:-3}
DUR=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNS:-64}
THREADS=${BENCH_THREADS:-2}
LOG_LEVEL=${BENCH_LOG_LEVEL:-warn}
read -r -a CRL_SIZES <<<"${BENCH_CRL_SIZES:-10000 1000000}"
CRL_RUNS=${BENCH_CRL_RUNS:-3}
if command -v perf >/dev/null 2>&1; then
	PROFILE=${BENCH_PROFILE:-1}
else
	PROFILE=0
fi
PY=/usr/bin/python3
LUA=$ROOT/ops/bench/ocsp.lua
bench_init bench-revocation

ratio() { # a / b to two places
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'
}

kv() { # kv <key> <line of key=value pairs>
	tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k { print $2 }'
}

HZ=$(getconf CLK_TCK)
cpu_of() { # CPU seconds (user + system) of the processes given
	local pid t=0 v
	for pid in "$@"; do
		v=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null |
			awk '{ print $12 + $13 }') || v=0
		t=$((t + ${v:-0}))
	done
	awk -v t="$t" -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }'
}
cpu_thread() { # CPU seconds of thread <tid> of process <pid>
	local v
	v=$(sed 's/.*) //' "/proc/$1/task/$2/stat" | awk '{ print $12 + $13 }')
	awk -v t="$v" -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }'
}
cpu_machine() { # CPU seconds the machine spent busy, every core
	awk -v hz="$HZ" '$1 == "cpu" { printf "%.2f", ($2 + $3 + $4 + $7 + \
		$8 + $9) / hz }' /proc/stat
}
ptree() { # a process and its children
	echo "$1" $(cat "/proc/$1/task/$1/children" 2>/dev/null)
}
forget() { # forget <pid>: stopped and waited for, not to be signalled again
	local i
	for i in "${!PIDS[@]}"; do
		[ "${PIDS[$i]}" = "$1" ] && unset "PIDS[$i]"
	done
	PIDS=("${PIDS[@]}")
}

# Results (bench-lib: R, add, med): R[<line>.<figure>].
last() { printf '%s\n' "${R[$1]##* }"; }

# --- set up ------------------------------------------------------------------

bench_ca_setup
cat "$CA/issuing.crt" "$CA/root.crt" >"$WORK/chain.pem"

say "issuing $CERTS certificates in process (rxca-bench-issue)"
ISSUE=$(env "${ENV[@]}" "$BENCH_ISSUE" "$CERTS" 2>"$WORK/bench-issue.err") ||
	{ cat "$WORK/bench-issue.err" >&2; die "rxca-bench-issue failed"; }
say "issued: $ISSUE"

start_server() { # start_server <log file stem> <RXCA_* settings...>
	local stem=$1 port
	shift
	port=$(bench_port BENCH_PORT)
	env "${ENV[@]}" RXCA_LISTEN="127.0.0.1:$port" "$@" "$SERVER" \
		>"$WORK/$stem.out" 2>"$WORK/$stem.err" &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	SERVER_PORT=$port
	wait_line "$WORK/$stem.out" "listening on http://" "$SERVER_PID"
}
stop_server() {
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null || true
	forget "$SERVER_PID"
}

# The server pre-signs every certificate's responses (SHA-1 and SHA-256
# CertIDs): its sweep finds them due and queues ocsp.refresh jobs.
say "pre-signing the OCSP responses (a first rxca-server, sweep every second)"
T0=$(date +%s.%N)
start_server presign RXCA_SWEEP_INTERVAL=1 RXCA_JOB_POLL_INTERVAL=1 \
	RXCA_LOG_LEVEL=warn
for _ in $(seq 600); do
	[ "$(sql "SELECT count(*) FROM ocsp_responses")" = $((2 * CERTS)) ] &&
		break
	sleep 0.5
done
PRESIGN_S=$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
[ "$(sql "SELECT count(*) FROM ocsp_responses")" = $((2 * CERTS)) ] ||
	die "the server did not pre-sign every response"
stop_server

# index.txt for openssl's responder: V, expiry, no revocation, serial (hex,
# upper case, as openssl looks it up), file name, subject.  Subjects repeat
# (one subscriber), so unique_subject = no.
sql "SELECT 'V' || E'\t' || to_char(not_after AT TIME ZONE 'UTC',
	'YYMMDDHH24MISS') || 'Z' || E'\t' || E'\t' || upper(encode(serial,
	'hex')) || E'\t' || 'unknown' || E'\t' || subject FROM certificates
	WHERE state = 'issued' ORDER BY serial" >"$WORK/index.txt"
echo 'unique_subject = no' >"$WORK/index.txt.attr"
sql "SELECT encode(der, 'hex') FROM ocsp_responses WHERE md = 'sha1'" \
	>"$WORK/presigned.hex"
say "making one OCSP request per certificate (openssl ocsp -reqout)"
mkdir -p "$WORK/req"
cut -f4 "$WORK/index.txt" | xargs -P "$(nproc)" -I{} openssl ocsp \
	-issuer "$CA/issuing.crt" -serial 0x{} -no_nonce \
	-reqout "$WORK/req/{}.der"
find "$WORK/req" -name '*.der' | sort >"$WORK/post.list"
[ "$(wc -l <"$WORK/post.list")" = "$CERTS" ] || die "missing OCSP requests"
while read -r f; do
	printf '/ocsp/%s\n' "$(base64 -w0 "$f" |
		sed 's/+/%2B/g; s#/#%2F#g; s/=/%3D/g')"
done <"$WORK/post.list" >"$WORK/get.list"
echo /healthz >"$WORK/healthz.list"

# The OCSP signer's key, decrypted for openssl (removed with $WORK).
(umask 077 && openssl pkey -in "$CA/ocsp.key" \
	-passin "file:$WORK/passphrase" -out "$WORK/ocsp-key.pem")

# check.py <base url> <post.list> <presigned.hex>: POSTs every request
# once; each answer must be a pre-signed response of the database.
cat >"$WORK/check.py" <<'EOF'
import http.client, sys, time
base, lst, hexes = sys.argv[1:]
host, port = base.split("//")[1].split(":")
want = {bytes.fromhex(l.strip()) for l in open(hexes) if l.strip()}
reqs = [open(l.strip(), "rb").read() for l in open(lst) if l.strip()]
deadline = time.monotonic() + 60
while True:
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    bad = 0
    for body in reqs:
        c.request("POST", "/ocsp", body,
                  {"Content-Type": "application/ocsp-request"})
        r = c.getresponse()
        out = r.read()
        if r.status != 200 or out not in want:
            bad += 1
    c.close()
    if bad == 0:
        print("ok %d" % len(reqs))
        break
    if time.monotonic() > deadline:
        sys.exit("%d of %d answers are not the pre-signed ones" % (bad,
                 len(reqs)))
    time.sleep(0.5)
EOF

# keepalive.py <port>: 1 if the server answers two requests on one
# connection, else 0.
cat >"$WORK/keepalive.py" <<'EOF'
import http.client, sys
port, body = int(sys.argv[1]), open(sys.argv[2], "rb").read()
c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
n = 0
try:
    for _ in range(2):
        c.request("POST", "/ocsp", body, {"Content-Type":
                  "application/ocsp-request", "Connection": "keep-alive"})
        r = c.getresponse()
        r.read()
        n += 1
        if r.will_close:
            break
except (OSError, http.client.HTTPException):
    pass
print(1 if n == 2 and not r.will_close else 0)
EOF

# rusage.py <command...>: runs it; then prints client_cpu=<CPU seconds>.
cat >"$WORK/rusage.py" <<'EOF'
import resource, subprocess, sys
rc = subprocess.run(sys.argv[1:]).returncode
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("client_cpu=%.2f" % (ru.ru_utime + ru.ru_stime))
sys.exit(rc)
EOF

# ocsp_status <url> <serial hex>: what `openssl ocsp` says of it, checked
# against the chain ("good", or the whole output).
ocsp_status() {
	local out
	out=$(openssl ocsp -issuer "$CA/issuing.crt" -serial "0x$2" \
		-url "$1" -CAfile "$WORK/chain.pem" 2>&1) || true
	if grep -q '^Response verify OK' <<<"$out" &&
		grep -Eq "^0x$2: good" <<<"$out"; then
		echo good
	else
		printf '%s\n' "$out"
	fi
}

# --- the responders ----------------------------------------------------------

say "starting rxca-server (defaults, RXCA_LOG_LEVEL=$LOG_LEVEL)"
start_server server RXCA_LOG_LEVEL="$LOG_LEVEL"
RXCA_PID=$SERVER_PID
RXCA=http://127.0.0.1:$SERVER_PORT
WORKERS=$("$SERVER" --help | awk '$1 == "RXCA_WORKERS" { print $2 }')
CHECK=$($PY "$WORK/check.py" "$RXCA" "$WORK/post.list" "$WORK/presigned.hex")
say "rxca: every request answered from memory ($CHECK)"

# openssl's responder is started afresh for each run and stopped after:
# when wrk stops, some connections close before their request is sent,
# and openssl ocsp 3.0 then spins on that connection for ever (openssl
# issues 23934, 31129; ops/bench/ocsp.lua says more).
ossl_up() { # ossl_up <name> [-multi n]: sets OSSL_PID, OSSL_URL
	local name=$1 port s st
	shift
	port=$(bench_port BENCH_OPENSSL_PORT)
	openssl ocsp -index "$WORK/index.txt" -port "$port" \
		-rsigner "$CA/ocsp.crt" -rkey "$WORK/ocsp-key.pem" \
		-CA "$CA/issuing.crt" -nmin 60 "$@" >"$WORK/$name.log" 2>&1 &
	OSSL_PID=$!
	PIDS+=("$OSSL_PID")
	OSSL_URL=http://127.0.0.1:$port
	# one process: "waiting for OCSP client connections"; -multi: "ACCEPT"
	wait_line "$WORK/$name.log" \
		"waiting for OCSP client connections\\|^ACCEPT " "$OSSL_PID"
	for s in "$SAMPLE" "$LAST"; do
		st=$(ocsp_status "$OSSL_URL" "$s")
		[ "$st" = good ] || die "openssl ocsp -url $OSSL_URL, 0x$s: $st"
	done
}
ossl_down() { # -multi: the parent only notes SIGTERM, and acts on it
	local kid  # (stopping the others) when a child ends
	kill -TERM "$OSSL_PID" 2>/dev/null || true
	for kid in $(cat "/proc/$OSSL_PID/task/$OSSL_PID/children" \
		2>/dev/null); do
		kill -TERM "$kid" 2>/dev/null || true
	done
	wait "$OSSL_PID" 2>/dev/null || true
	forget "$OSSL_PID"
}
NPROC=$(nproc)
SAMPLE=$(head -n1 "$WORK/index.txt" | cut -f4)
LAST=$(tail -n1 "$WORK/index.txt" | cut -f4)
for s in "$SAMPLE" "$LAST"; do
	st=$(ocsp_status "$RXCA/ocsp" "$s")
	[ "$st" = good ] || die "openssl ocsp -url $RXCA/ocsp, 0x$s: $st"
done
GET1=$(head -n1 "$WORK/get.list")
curl -fsS -o "$WORK/get.der" "$RXCA$GET1" || die "GET $GET1 failed"
grep -qxF "$(od -An -v -tx1 "$WORK/get.der" | tr -d ' \n')" \
	"$WORK/presigned.hex" || die "GET /ocsp/... is not the pre-signed answer"
KA_RXCA=$($PY "$WORK/keepalive.py" "$SERVER_PORT" \
	"$(head -n1 "$WORK/post.list")")
ossl_up ossl-check
KA_OSSL=$($PY "$WORK/keepalive.py" "${OSSL_URL##*:}" \
	"$(head -n1 "$WORK/post.list")")
ossl_down
say "openssl ocsp says good, response verified, for two serials at each"
yesno() { [ "$1" = 1 ] && echo yes || echo "no (a new connection per request)"; }

# --- HTTP rounds ---------------------------------------------------------------

to_ms() { # wrk's "1.23ms", "456.00us", "1.02s" in ms
	awk -v v="$1" 'BEGIN { n = v + 0
		if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n
		else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
		printf "%.2f", n }'
}

# load <line> <url> <mode> <list> <server pid>: one wrk run, figures added
load() {
	local line=$1 url=$2 mode=$3 list=$4 pid=$5 out rps p50 p99 c0 c1 \
		m0 m1 l0 l1 t0 t1 wall bad errs ccpu pids
	pids=$(ptree "$pid")
	# shellcheck disable=SC2086
	c0=$(cpu_of $pids)
	m0=$(cpu_machine)
	l0=$(cpu_thread "$pid" "$pid")
	t0=$(date +%s.%N)
	out=$($PY "$WORK/rusage.py" wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" \
		--latency -s "$LUA" "$url" -- "$mode" "$list") ||
		{ printf '%s\n' "$out" >&2; die "wrk failed ($line)"; }
	t1=$(date +%s.%N)
	# shellcheck disable=SC2086
	c1=$(cpu_of $pids)
	m1=$(cpu_machine)
	l1=$(cpu_thread "$pid" "$pid")
	printf '%s\n' "$out" >"$WORK/wrk-$line-$(date +%s%N).txt"
	rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
	p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
	p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
	bad=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")
	errs=$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' \
		<<<"$out")
	ccpu=$(kv client_cpu "$(tail -n1 <<<"$out")")
	[ -n "$rps" ] || { printf '%s\n' "$out" >&2; die "no figures ($line)"; }
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
	add "$line.rps" "$rps"
	add "$line.p50" "$p50"
	add "$line.p99" "$p99"
	add "$line.bad" "${bad:-0}"
	add "$line.errs" "${errs:-0}"
	add "$line.cpu_server" "$(awk -v a="$c0" -v b="$c1" -v w="$wall" \
		'BEGIN { printf "%.2f", (b - a) / w }')"
	add "$line.cpu_loop" "$(awk -v a="$l0" -v b="$l1" -v w="$wall" \
		'BEGIN { printf "%.2f", (b - a) / w }')"
	add "$line.cpu_client" "$(awk -v c="$ccpu" -v w="$wall" \
		'BEGIN { printf "%.2f", c / w }')"
	add "$line.cpu_machine" "$(awk -v a="$m0" -v b="$m1" -v w="$wall" \
		'BEGIN { printf "%.2f", (b - a) / w }')"
	add "$line.cpu_others" "$(awk -v a="$m0" -v b="$m1" -v c="$c0" \
		-v d="$c1" -v e="$ccpu" -v w="$wall" \
		'BEGIN { printf "%.2f", ((b - a) - (d - c) - e) / w }')"
	say "round $r $line: $rps/s p50 ${p50}ms p99 ${p99}ms" \
		"(non-2xx ${bad:-0}, socket errors ${errs:-0})"
}

LINES=(rxca_post rxca_get healthz ossl_1 ossl_n)
say "HTTP: $RUNS rounds of ${DUR}s per line, wrk -t$THREADS -c$CONNS"
SPEED=()
for r in $(seq "$RUNS"); do
	load rxca_post "$RXCA/ocsp" post "$WORK/post.list" "$RXCA_PID"
	ossl_up ossl1
	load ossl_1 "$OSSL_URL/" post "$WORK/post.list" "$OSSL_PID"
	ossl_down
	load rxca_get "$RXCA" get "$WORK/get.list" "$RXCA_PID"
	ossl_up ossln -multi "$NPROC"
	load ossl_n "$OSSL_URL/" post "$WORK/post.list" "$OSSL_PID"
	ossl_down
	load healthz "$RXCA" get "$WORK/healthz.list" "$RXCA_PID"
	# ratios within the round (the lines ran one after the other)
	add ratio_ossl1 "$(ratio "$(last rxca_post.rps)" "$(last ossl_1.rps)")"
	add ratio_ossln "$(ratio "$(last rxca_post.rps)" "$(last ossl_n.rps)")"
	add ratio_p99_ossln "$(ratio "$(last rxca_post.p99)" \
		"$(last ossl_n.p99)")"
	add ratio_hz "$(ratio "$(last rxca_post.rps)" "$(last healthz.rps)")"
	add ratio_p99_hz "$(ratio "$(last rxca_post.p99)" "$(last healthz.p99)")"
	add ratio_get_hz "$(ratio "$(last rxca_get.rps)" "$(last healthz.rps)")"
	# openssl's own signing rate, one core, per CPU second (openssl's
	# default; -elapsed, per wall second, read 210 to 1,395 sign/s between
	# rounds on the shared machine, issue 19)
	SPEED+=("$(openssl speed -seconds 2 ecdsap384 2>/dev/null |
		awk '/ecdsa \(nistp384\)/ { print $(NF - 1) }')")
	round_load load
done

# Where rxca's time goes under the POST load.
PERF_OCSP=
if [ "$PROFILE" = 1 ]; then
	say "profiling rxca-server under the POST load (perf, 5 s)"
	wrk -t"$THREADS" -c"$CONNS" -d8s -s "$LUA" "$RXCA/ocsp" -- post \
		"$WORK/post.list" >/dev/null &
	WRK_PID=$!
	PIDS+=("$WRK_PID")
	sleep 1
	perf record -q -F 499 --call-graph dwarf,16384 -p "$RXCA_PID" \
		-o "$WORK/perf-ocsp.data" -- sleep 5 >/dev/null 2>&1 || true
	wait "$WRK_PID" || true
	forget "$WRK_PID"
	PERF_OCSP=$( (perf report -q -i "$WORK/perf-ocsp.data" --stdio \
		--no-children --sort dso -g none --percent-limit 1 2>/dev/null |
		sed '/^$/d' | head -n 8
	echo "inclusive (children, self) of the steps of a request:"
	perf report -q -i "$WORK/perf-ocsp.data" --stdio --children \
		--sort sym -g none 2>/dev/null | grep -E '\] (on_request|h_ocsp|'\
'ocsp_request_parse|ocsp_issuer_matches|ocspcache_get|ocsp_reply|'\
'exchange_finish|http_parse_head|router_match|evbuffer_read|'\
'__GI___writev|__GI_epoll_ctl|EVP_RAND_generate|EVP_MD_fetch)' |
		awk '!seen[$4]++' | head -n 20)) || true
fi

# One more line: the same POST load with the server logging each request.
stop_server
start_server server-info RXCA_LOG_LEVEL=info
$PY "$WORK/check.py" "http://127.0.0.1:$SERVER_PORT" "$WORK/post.list" \
	"$WORK/presigned.hex" >/dev/null
r=info
load rxca_post_info "http://127.0.0.1:$SERVER_PORT/ocsp" post \
	"$WORK/post.list" "$SERVER_PID"
stop_server

# --- CRL -----------------------------------------------------------------------

bench_crl_application

# revoke_rows <from> <to>: revoked certificates g = from..to of the
# synthetic application: serial from SHA-256 of g with its first byte set
# to 0x01..0x7f, a unique SPKI hash, the tbs and der of a real
# certificate (so that the rows are as large as real ones), revoked in the
# past year with one of five reasons (one in five without).
revoke_rows() {
	sql "INSERT INTO certificates (serial, application_id, issuer, subject,
		spki_sha256, tbs, der, state, not_before, not_after, recorded_at,
		issued_at, revoked_at, revocation_reason, revoked_by)
	SELECT set_byte(substring(sha256(('rxca-bench-crl:' || g)::bytea)
		FROM 1 FOR 16), 0, 1 + g % 127), 'app_bench_crl', 'issuing',
		x.subject, sha256(('rxca-bench-spki:' || g)::bytea), x.tbs, x.der,
		'revoked', x.not_before, x.not_after, x.recorded_at, x.issued_at,
		now() - (g % 31536000) * interval '1 second',
		(ARRAY['keyCompromise', 'cessationOfOperation', 'superseded',
		'affiliationChanged', NULL])[1 + g % 5], 'bench'
	FROM generate_series($1, $2) g,
		(SELECT subject, tbs, der, not_before, not_after, recorded_at,
		issued_at FROM certificates WHERE state = 'issued' LIMIT 1) x" \
		>/dev/null
}

# rusage_of <out prefix> <command...>: wall seconds and peak RSS (KiB) of
# the command into <prefix>.s and <prefix>.kib; its output to <prefix>.out.
cat >"$WORK/peak.py" <<'EOF'
import resource, subprocess, sys, time
t = time.monotonic()
with open(sys.argv[1] + ".out", "wb") as out:
    rc = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.STDOUT
                        ).returncode
t = time.monotonic() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f %d" % (t, ru.ru_maxrss))
sys.exit(rc)
EOF

HAVE=0
PERF_CRL=
for size in "${CRL_SIZES[@]}"; do
	[ "$size" -gt "$HAVE" ] || die "BENCH_CRL_SIZES must grow"
	say "CRL: revoking certificates $((HAVE + 1))..$size (SQL)"
	T0=$(date +%s.%N)
	revoke_rows $((HAVE + 1)) "$size"
	HAVE=$size
	sql "VACUUM ANALYZE certificates" >/dev/null
	sql "CHECKPOINT" >/dev/null
	add "crl$size.insert_s" "$(awk -v a="$T0" -v b="$(date +%s.%N)" \
		'BEGIN { printf "%.1f", b - a }')"
	add "crl$size.heap_mb" "$(sql "SELECT pg_relation_size('certificates')
		/ 1048576")"
	for r in $(seq "$CRL_RUNS"); do
		for mode in job; do
			line=$(env "${ENV[@]}" "$BENCH_CRL" "$mode" \
				2>>"$WORK/bench-crl.err") ||
				{ cat "$WORK/bench-crl.err" >&2; die "rxca-bench-crl failed"; }
			[ "$(kv entries "$line")" = "$size" ] ||
				die "the CRL has $(kv entries "$line") entries, not $size"
			for k in seconds cpu_seconds backend_cpu_seconds bytes \
				rss_before_kib peak_rss_kib lock_s query_s decode_s \
				build_s sign_s der_s store_s query_rss_kib \
				decode_rss_kib build_rss_kib sign_rss_kib der_rss_kib \
				store_rss_kib; do
				v=$(kv "$k" "$line")
				[ -n "$v" ] && add "crl$size.$mode.$k" "$v"
			done
			say "CRL $size round $r $mode: $line"
			round_load crl.load
		done
	done
	# openssl as a relying party: parse, and parse and verify the CRL.
	sql "SELECT encode(der, 'base64') FROM crls WHERE issuer = 'issuing'" |
		base64 -d >"$WORK/crl.der"
	for r in $(seq "$CRL_RUNS"); do
		out=$($PY "$WORK/peak.py" "$WORK/parse" openssl crl -inform DER \
			-in "$WORK/crl.der" -noout) ||
			{ cat "$WORK/parse.out" >&2; die "openssl crl cannot parse it"; }
		read -r s k <<<"$out"
		add "crl$size.parse_s" "$s"
		add "crl$size.parse_kib" "$k"
		out=$($PY "$WORK/peak.py" "$WORK/verify" openssl crl -inform DER \
			-in "$WORK/crl.der" -CAfile "$CA/issuing.crt" -noout) ||
			{ cat "$WORK/verify.out" >&2; die "openssl crl cannot verify it"; }
		read -r s k <<<"$out"
		grep -q 'verify OK' "$WORK/verify.out" ||
			{ cat "$WORK/verify.out" >&2; die "the CRL does not verify"; }
		add "crl$size.verify_s" "$s"
		add "crl$size.verify_kib" "$k"
	done
	if [ "$size" -le 100000 ]; then
		n=$(openssl crl -inform DER -in "$WORK/crl.der" -noout -text |
			grep -c 'Serial Number:')
		[ "$n" = "$size" ] || die "openssl lists $n entries, not $size"
		CHECKED_ENTRIES="${CHECKED_ENTRIES:+$CHECKED_ENTRIES, }$size"
	fi
	if [ "$PROFILE" = 1 ] && [ "$size" = "${CRL_SIZES[-1]}" ]; then
		say "profiling one CRL job at $size (perf)"
		env "${ENV[@]}" perf record -q -F 499 -g -o "$WORK/perf-crl.data" \
			"$BENCH_CRL" job >/dev/null 2>>"$WORK/bench-crl.err" || true
		PERF_CRL=$( (perf report -q -i "$WORK/perf-crl.data" --stdio \
			--no-children --sort dso -g none --percent-limit 1 \
			2>/dev/null | sed '/^$/d' | head -n 8
		echo "by symbol:"
		perf report -q -i "$WORK/perf-crl.data" --stdio --no-children \
			--sort dso,sym -g none --percent-limit 2 2>/dev/null |
			sed '/^$/d' | head -n 20)) || true
	fi
done

# --- report --------------------------------------------------------------------

mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
echo
echo "rxca revocation benchmark: medians of $RUNS rounds (HTTP) and" \
	"$CRL_RUNS runs (CRL)"
echo "machine: nproc=$NPROC ($(awk -F': ' '/model name/ { print $2; exit }' \
	/proc/cpuinfo)), $(openssl version | cut -d' ' -f1-2);" \
	"load average at the start: $LOAD0; 1-minute after each HTTP round:" \
	"${R[load]:-}; after each CRL run: ${R[crl.load]:-}"
echo "certificates: $CERTS issued by rxca-bench-issue ($(kv per_second \
	"$ISSUE")/s in process); their $((2 * CERTS)) OCSP responses pre-signed" \
	"by rxca-server in ${PRESIGN_S}s (jobs, from start)"
echo "load: wrk -t$THREADS -c$CONNS -d${DUR}s --latency, ops/bench/ocsp.lua," \
	"one request per certificate round robin (SHA-1 CertID, no nonce)," \
	"on the same machine as the servers"
echo "rxca-server: RXCA_WORKERS=$WORKERS, RXCA_LOG_LEVEL=$LOG_LEVEL; OCSP" \
	"and /healthz are answered on its one event-loop thread"
echo "openssl ocsp: -index (unique_subject = no) -rsigner/-rkey" \
	"(the same P-384 OCSP signer) -CA issuing -nmin 60; signs each response" \
	"when asked; keep-alive: $(yesno "$KA_OSSL") (rxca: $(yesno "$KA_RXCA"))"
echo
printf '%-34s %9s %8s %8s %7s %6s %6s %6s %6s %6s\n' "" "req/s" \
	"p50 ms" "p99 ms" "errors" "server" "loop" "wrk" "all" "others"
line_row() { # line_row <line> <label> [loop figure]
	local l=$1
	printf '%-34s %9s %8s %8s %7s %6s %6s %6s %6s %6s\n' "$2" \
		"$(med "$l.rps")" "$(med "$l.p50")" "$(med "$l.p99")" \
		"$(tr ' ' '\n' <<<"${R[$l.bad]} ${R[$l.errs]}" |
			awk '{ s += $1 } END { print s + 0 }')" \
		"$(med "$l.cpu_server")" "${3:-$(med "$l.cpu_loop")}" \
		"$(med "$l.cpu_client")" "$(med "$l.cpu_machine")" \
		"$(med "$l.cpu_others")"
}
line_row rxca_post "rxca POST /ocsp"
line_row rxca_get "rxca GET /ocsp/{base64}"
line_row healthz "rxca GET /healthz"
line_row ossl_1 "openssl ocsp, 1 process"
line_row ossl_n "openssl ocsp -multi $NPROC" -
line_row rxca_post_info "rxca POST /ocsp, log info (1 run)"
echo "errors: non-2xx answers and socket errors over all runs; server, loop," \
	"wrk, all, others: CPU seconds per wall second of the server (every" \
	"thread or process), of rxca's event-loop thread, of wrk, of the whole" \
	"machine (of $NPROC), and of the rest (all - server - wrk: other" \
	"tenants, PostgreSQL, kernel work not charged to a process)"
echo
echo "ratios: of the medians above; [median of the ratios within each round]"
echo "  rxca POST /ocsp / openssl ocsp (1 process):   $(ratio \
	"$(med rxca_post.rps)" "$(med ossl_1.rps)")x req/s" \
	"[$(med ratio_ossl1)x]"
echo "  rxca POST /ocsp / openssl ocsp -multi $NPROC:     $(ratio \
	"$(med rxca_post.rps)" "$(med ossl_n.rps)")x req/s" \
	"[$(med ratio_ossln)x], p99 $(ratio "$(med rxca_post.p99)" \
	"$(med ossl_n.p99)")x [$(med ratio_p99_ossln)x]"
echo "  rxca POST /ocsp / rxca /healthz:              $(ratio \
	"$(med rxca_post.rps)" "$(med healthz.rps)") of the req/s" \
	"[$(med ratio_hz)], p99 $(ratio "$(med rxca_post.p99)" \
	"$(med healthz.p99)")x [$(med ratio_p99_hz)x]"
echo "  rxca GET /ocsp / rxca /healthz:               $(ratio \
	"$(med rxca_get.rps)" "$(med healthz.rps)") of the req/s" \
	"[$(med ratio_get_hz)]"
echo "  openssl speed ecdsap384, sign/s per CPU second, per round:" \
	"${SPEED[*]} (median $(median "${SPEED[@]}"))"
echo "per round, req/s:"
for l in rxca_post rxca_get healthz ossl_1 ossl_n; do
	printf '  %-12s %s   p99 ms: %s\n' "$l" "${R[$l.rps]}" "${R[$l.p99]}"
done
if [ -n "$PERF_OCSP" ]; then
	echo
	echo "perf, rxca-server under the POST load, 5 s (self time by dso; then" \
		"the inclusive share of some steps):"
	printf '%s\n' "$PERF_OCSP" | sed 's/^/  /'
fi
echo
echo "CRL (the crl.refresh job, rxca-bench-crl in its own process; release" \
	"build; file key, P-384):"
printf '%-10s %8s %8s %8s %8s %9s %9s %8s %8s\n' "revoked" "job s" "cpu s" \
	"pg cpu s" "peak MiB" "base MiB" "CRL MiB" "parse s" "verify s"
for size in "${CRL_SIZES[@]}"; do
	printf '%-10s %8s %8s %8s %8s %9s %9s %8s %8s\n' "$size" \
		"$(med "crl$size.job.seconds")" "$(med "crl$size.job.cpu_seconds")" \
		"$(med "crl$size.job.backend_cpu_seconds")" \
		"$(mib "$(med "crl$size.job.peak_rss_kib")")" \
		"$(mib "$(med "crl$size.job.rss_before_kib")")" \
		"$(awk -v b="$(med "crl$size.job.bytes")" \
			'BEGIN { printf "%.1f", b / 1048576 }')" \
		"$(med "crl$size.parse_s")" "$(med "crl$size.verify_s")"
done
echo "job s: BEGIN to COMMIT; cpu s: of rxca-bench-crl; pg cpu s: of its" \
	"PostgreSQL backend; peak: ru_maxrss of the process (base: resident" \
	"before the job, the CA loaded); parse/verify: openssl crl -noout," \
	"without and with -CAfile (peak RSS below)"
for size in "${CRL_SIZES[@]}"; do
	echo "$size revoked: job seconds per run ${R[crl$size.job.seconds]};" \
		"CRL $(med "crl$size.job.bytes") bytes"
	echo "  split (seconds, resident MiB after): lock" \
		"$(med "crl$size.split.lock_s"), query $(med "crl$size.split.query_s")" \
		"($(mib "$(med "crl$size.split.query_rss_kib")")), decode" \
		"$(med "crl$size.split.decode_s")" \
		"($(mib "$(med "crl$size.split.decode_rss_kib")")), crl_build" \
		"$(med "crl$size.split.build_s")" \
		"($(mib "$(med "crl$size.split.build_rss_kib")")), sign" \
		"$(med "crl$size.split.sign_s")" \
		"($(mib "$(med "crl$size.split.sign_rss_kib")")), der+sha256" \
		"$(med "crl$size.split.der_s")" \
		"($(mib "$(med "crl$size.split.der_rss_kib")")), store+commit" \
		"$(med "crl$size.split.store_s")" \
		"($(mib "$(med "crl$size.split.store_rss_kib")"));" \
		"total $(med "crl$size.split.seconds"), peak" \
		"$(mib "$(med "crl$size.split.peak_rss_kib")") MiB"
	echo "  openssl crl peak MiB: parse $(mib "$(med "crl$size.parse_kib")")," \
		"verify $(mib "$(med "crl$size.verify_kib")"); rows inserted in" \
		"${R[crl$size.insert_s]}s (SQL, vacuum, checkpoint); certificates" \
		"heap $(med "crl$size.heap_mb") MiB"
done
if [ -n "${CHECKED_ENTRIES:-}" ]; then
	echo "entries counted in openssl crl -text for: $CHECKED_ENTRIES"
fi
if [ -n "$PERF_CRL" ]; then
	echo
	echo "perf, one rxca-bench-crl job run at ${CRL_SIZES[-1]}, start-up" \
		"included (self time by dso; then by symbol, at least 2%):"
	printf '%s\n' "$PERF_CRL" | sed 's/^/  /'
fi
