#!/usr/bin/env bash
# ops/bench-ca.sh: certificates issued per second, in process (the
# server's own issue_record and issue_sign: ops/bench/bench_issue.c) and
# end to end over HTTP (POST /v1/retrievals), each next to its peer or
# limit measured in the same run:
#   - in process: `openssl speed` for the issuing CA's curve on one core,
#     per CPU second (openssl's default, never -elapsed: the wall clock of
#     a shared machine gave 210 to 1,395 sign/s between rounds); rxca's
#     figure is per wall second and per CPU second (the bench process and
#     its PostgreSQL backend), and the ratio to openssl uses the latter;
#   - callgrind: instructions per issuance of the bench process
#     (--toggle-collect=bench_issue_one), with the top functions;
#   - over HTTP, at each of BENCH_CONNS concurrent connections: rxca and
#     `cfssl serve` (Debian's golang-cfssl) with a P-256 CA and its
#     PostgreSQL certificate store (cfssl's certdb schema), signing the
#     same CSRs through /api/v1/cfssl/sign.
# A measurement, not a test.
#
#   BENCH_N        certificates per in-process run (default 2000)
#   BENCH_RUNS     rounds; each figure is the median of its rounds (3)
#   BENCH_E2E      requests per end-to-end run (default 400)
#   BENCH_CONNS    concurrent HTTP connections, one run each (default "8 64")
#   BENCH_ARGON2   Argon2id parameter sets of rxca's runs, "cheap" (the
#                  default: m=1024 KiB t=1, so that the password check is
#                  out of it) and/or "default" (the server's defaults)
#   BENCH_STORES   key stores, in round order (default "file"; "file
#                  softhsm" adds the key on a SoftHSM token)
#   BENCH_CFSSL    1 (default) runs cfssl serve side by side; 0 does not
#   BENCH_HASH_WORKERS  rxca-server's RXCA_HASH_WORKERS (default: its
#                  default), the workers that retrievals run on
#   BENCH_CALLGRIND  certificates issued under callgrind (default 200; 0:
#                  none; needs valgrind)
#   BENCH_PORT, BENCH_CFSSL_PORT  the two servers' ports (default: free
#                  ones; see bench_port in ops/bench-lib.sh)
#
# End to end, each run retrieves BENCH_E2E kits written straight into the
# database (applications in kit_shipped, kits shipped with known
# activation codes: no proofing), one CSR each made beforehand by
# `openssl req`, with key_evidence client-asserted (what epcs-hardware
# requires), from a Python client (http.client, one thread per
# connection), against a freshly started rxca-server (warmed up: CA key
# opened).  While rxca's run lasts, every 100 ms: what each of its
# backends is doing (pg_stat_activity: idle, i.e. waiting for the server;
# a wait event; or running), the locks they wait for, and how many retrievals are queued or running
# on the workers they run on (/metrics, rxca_hash_workers_busy).  cfssl
# then signs the same CSRs.  The CPU the whole machine
# spent during each run is reported next to the server's own, and the
# load average before and after, and its 1-minute figure after each round.
#
# Uses the release build (build/, with -DRXCA_BENCH=ON) and the project's
# PostgreSQL cluster (var/pg, started if needed) with a fresh database per
# key store and one for cfssl, dropped at the end.
set -euo pipefail

# shellcheck source=ops/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

N=${BENCH_N:-2000}
RUNS=${BENCH_RUNS:-3}
E2E=${BENCH_E2E:-400}
read -r -a CONNS <<<"${BENCH_CONNS:-8 64}"
read -r -a A2SETS <<<"${BENCH_ARGON2:-cheap}"
read -r -a STORES <<<"${BENCH_STORES:-file}"
CFSSL=${BENCH_CFSSL:-1}
CG_N=${BENCH_CALLGRIND:-200}
PY=/usr/bin/python3
SOFTHSM_MODULE=/usr/lib/softhsm/libsofthsm2.so
PASSWORD='correct horse battery staple'
DBS=()
SERVER_PID=
bench_init bench-ca

# The databases of each key store, then what bench-lib cleans up.
cleanup() {
	local db
	if cluster_running; then
		for db in "${DBS[@]}"; do
			cluster_psql -d postgres -qc \
				"DROP DATABASE IF EXISTS $db WITH (FORCE)" \
				>/dev/null 2>&1 || true
		done
	fi
	bench_cleanup
}
trap cleanup EXIT

ratio() { # a / b to three places ("-" without b: BENCH_CFSSL=0)
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b
		else printf "-" }'
}

per_wall() { # seconds of CPU / seconds of wall, two places
	awk -v c="$1" -v w="$2" 'BEGIN { printf "%.2f", (w > 0) ? c / w : 0 }'
}

setting() { # the server's default of RXCA_<name>, from its --help
	"$ROOT/build/api/rxca-server" --help |
		awk -v n="RXCA_$1" '$1 == n { print $2 }'
}

kv() { # kv <key> <line of key=value pairs>
	tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k { print $2 }'
}

# Results (bench-lib: R, add, med): R[<store>.<figure>].

# --- set up ------------------------------------------------------------------

bench_build_start
: >"$WORK/waits"
: >"$WORK/locks"
: >"$WORK/queue"
PGCONF=$(cluster_psql -d postgres -Atc "SELECT string_agg(name || '=' ||
	setting, ' ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync',
	'synchronous_commit', 'wal_sync_method', 'shared_buffers')")

A2_M=${RXCA_ARGON2_MEMORY_KIB:-$(setting ARGON2_MEMORY_KIB)}
A2_T=${RXCA_ARGON2_ITERATIONS:-$(setting ARGON2_ITERATIONS)}
A2_P=${RXCA_ARGON2_PARALLELISM:-$(setting ARGON2_PARALLELISM)}
WORKERS=${RXCA_WORKERS:-$(setting WORKERS)}
HASH_WORKERS=${BENCH_HASH_WORKERS:-$(setting HASH_WORKERS)}
CHEAP_M=1024
CHEAP_T=1
# The account password, hashed once per parameter set as the server would.
a2hash() { # a2hash <memory KiB> <iterations>
	printf %s "$PASSWORD" |
		argon2 "$(openssl rand -hex 8)" -id -t "$2" -k "$1" -p "$A2_P" -e
}
declare -A HASH A2ARGS
HASH[default]=$(a2hash "$A2_M" "$A2_T")
HASH[cheap]=$(a2hash "$CHEAP_M" "$CHEAP_T")
A2ARGS[default]="$A2_M $A2_T"
A2ARGS[cheap]="$CHEAP_M $CHEAP_T"

# One CSR (P-256, new key) per retrieval of every end-to-end run; each key
# store has its own database, so the set serves them all, and cfssl signs
# the CSRs of the rxca run before it.
NCSR=$((${#A2SETS[@]} * ${#CONNS[@]} * RUNS * E2E))
say "making $NCSR CSRs with openssl req (not timed)"
mkdir -p "$WORK/csr"
seq 0 $((NCSR - 1)) | xargs -P "$(nproc)" -I{} openssl req -new \
	-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout /dev/null -out "$WORK/csr/{}.pem" -subj /CN=bench 2>/dev/null
[ "$(find "$WORK/csr" -name '*.pem' | wc -l)" = "$NCSR" ] ||
	die "openssl req did not make every CSR"

# seed.py <tag> <n> <first csr> <password hash> <sql out> <jobs out>:
# applications in kit_shipped and their shipped kits, each with a fresh
# activation code (ca/actcode.h: 20 Crockford base32 symbols and the check
# character, their weighted sum in GF(32); stored as
# SHA-256("rxca-activation-code:" + the 21)).  With tag "-": prints one
# valid code of no kit.
cat >"$WORK/seed.py" <<'EOF'
import hashlib, json, secrets, sys
tag, n, first, pwhash, sql_out, jobs_out = sys.argv[1:]
n, first = int(n), int(first)
SYM = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
def code():
    data = "".join(SYM[secrets.randbelow(32)] for _ in range(20))
    c = 0
    for ch in data:  # Horner's rule in GF(32), x^5 + x^2 + 1
        c = (c ^ SYM.index(ch)) << 1
        if c & 32:
            c ^= 0x25
    norm = data + SYM[c]
    h = hashlib.sha256(b"rxca-activation-code:" + norm.encode()).hexdigest()
    printed = "-".join(data[i:i + 5] for i in range(0, 20, 5)) + "-" + SYM[c]
    return printed, h
if tag == "-":
    print(code()[0])
    sys.exit(0)
assert "'" not in pwhash
jobs, rows = [], []
for g in range(n):
    printed, h = code()
    jobs.append({"code": printed, "csr": first + g})
    rows.append("('kit_e%s_%d', 'app_e%s_%d', '\\x%s'::bytea)"
                % (tag, g, tag, g, h))
with open(sql_out, "w") as f:
    f.write("""BEGIN;
INSERT INTO applications (id, status, policy, product, storage, shipping,
    given_name, family_name, date_of_birth, email, phone, addr_line1,
    addr_city, addr_state, addr_postal_code, addr_country, npi, dea_number,
    ssn_last4, avs_card_token, payment_card_token, password_hash,
    agreement_version, agreement_accepted_at, price, price_total_cents,
    created_at, updated_at, email_verify_by, email_verified_at)
SELECT 'app_e%s_' || g, 'kit_shipped', 'igc', 'epcs-hardware', 'new-token',
    'usps', 'Ada', 'Lovelace', '1975-12-10', 'e%s.' || g || '@example.org',
    '+13175550100', '1 Main St', 'Indianapolis', 'IN', '46204', 'US',
    '1234567893', 'AL1234563', '1234', 'tok_avs_1', 'tok_pay_1', '%s',
    '2026-01', now(), '{}'::jsonb, 17700, now(), now(),
    now() + interval '30 days', now()
FROM generate_series(0, %d) g;
INSERT INTO kits (id, application_id, state, new_token, code_hash, prints,
    expires_at, printed_at, shipped_at, carrier, tracking, created_at,
    updated_at)
SELECT v.kit, v.app, 'shipped', true, v.hash, 1, now() + interval '90 days',
    now(), now(), 'USPS', '9400100000', now(), now()
FROM (VALUES %s) v (kit, app, hash);
COMMIT;
""" % (tag, tag, pwhash, n - 1, ",\n    ".join(rows)))
with open(jobs_out, "w") as f:
    json.dump(jobs, f)
EOF

# client.py <rxca|cfssl> <url> <jobs> <csr dir> <password> <connections>
# [<server pid> <backends>]: rxca: POST /v1/retrievals for every job
# (201 expected); cfssl: POST /api/v1/cfssl/sign with the job's CSR (200
# expected).  Prints "rate p50_ms p99_ms ok bad", then the CPU per wall
# second, over the batch, of the client, the server, its backends and the
# whole machine (/proc).  The backends are either their pids (rxca's
# worker pool, connected for the whole run), or "pg:<postmaster
# pid>:<database>": whatever backends of that database come and go during
# the batch (cfssl's: database/sql opens connections on demand and closes
# all but two idle ones, so a list taken before the batch held none and
# read 0): those alive at its end, and those that ended, reaped by the
# postmaster (its children's CPU, so any other child of the cluster that
# ends meanwhile counts too: nothing else of this run connects then).
# With jobs "warm:<n>" (rxca), n requests with a valid code of no kit
# (401 expected): the server opens the CA key and its workers connect.
cat >"$WORK/client.py" <<'EOF'
import http.client, json, os, queue, resource, subprocess, sys, threading, time
mode, url, jobs_arg, csrdir, password, conns = sys.argv[1:7]
server, backends = sys.argv[7:8], sys.argv[8:]
host, port = url.split("//")[1].split(":")
conns = int(conns)
if jobs_arg.startswith("warm:"):
    seed = os.path.join(os.path.dirname(sys.argv[0]), "seed.py")
    jobs = [{"code": subprocess.check_output(
        [sys.executable, seed, "-", "0", "0", "x", "-", "-"],
        text=True).strip(), "csr": 0} for _ in range(int(jobs_arg[5:]))]
    want = 401
else:
    with open(jobs_arg) as f:
        jobs = json.load(f)
    want = 201 if mode == "rxca" else 200
path = "/v1/retrievals" if mode == "rxca" else "/api/v1/cfssl/sign"
EVIDENCE = {"kind": "client-asserted", "token": {"model": "SoftHSM v2",
            "serial": "bench", "manufacturer": "SoftHSM project"}}
bodies = queue.Queue()
for j in jobs:
    with open(os.path.join(csrdir, "%d.pem" % j["csr"])) as f:
        csr = f.read()
    if mode == "rxca":
        bodies.put(json.dumps({"activation_code": j["code"],
                               "password": password, "csr": csr,
                               "key_evidence": EVIDENCE}))
    else:
        bodies.put(json.dumps({"certificate_request": csr}))
HZ = os.sysconf("SC_CLK_TCK")
def stat(pid):  # the fields of /proc/<pid>/stat after the name
    try:
        with open("/proc/%s/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
def cpu(pids):  # CPU seconds of pids (user + system)
    t = 0
    for pid in pids:
        v = stat(pid)
        if v:
            t += int(v[11]) + int(v[12])
    return t / HZ
def of_database(pm, db):  # {pid: CPU seconds} of db's live backends
    try:
        with open("/proc/%s/task/%s/children" % (pm, pm)) as f:
            kids = f.read().split()
    except OSError:
        return {}
    out = {}
    for pid in kids:
        try:  # "postgres: <user> <database> <client> <activity>"
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                title = f.read().replace(b"\0", b" ").split()
        except OSError:
            continue
        if title[:1] == [b"postgres:"] and title[2:3] == [db.encode()]:
            out[pid] = cpu([pid])
    return out
def reaped(pm):  # CPU seconds of the postmaster's ended children
    v = stat(pm)
    return (int(v[13]) + int(v[14])) / HZ if v else 0
class Backends:  # the CPU seconds that the backends spent since start
    def __init__(self, spec):
        self.spec = spec
        if spec[:1] and spec[0].startswith("pg:"):
            self.pm, self.db = spec[0].split(":", 2)[1:]
        else:
            self.pm = None
        self.t0 = self.now()
    def now(self):
        if not self.pm:
            return cpu(self.spec)
        return of_database(self.pm, self.db), reaped(self.pm)
    def since(self):
        t1 = self.now()
        if not self.pm:
            return t1 - self.t0
        (live0, r0), (live1, r1) = self.t0, t1
        return (sum(c - live0.get(p, 0) for p, c in live1.items()) +
                r1 - r0 - sum(c for p, c in live0.items() if p not in live1))
def machine():  # CPU seconds the machine spent busy, all cores
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / HZ
def me():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime
lat, bad, lock = [], [], threading.Lock()
go = threading.Barrier(conns + 1)
def worker():
    c = http.client.HTTPConnection(host, int(port), timeout=120)
    h = {"Content-Type": "application/json"}
    go.wait()
    while True:
        try:
            body = bodies.get_nowait()
        except queue.Empty:
            break
        t0 = time.monotonic()
        try:
            c.request("POST", path, body, h)
            r = c.getresponse()
            out = r.read()
            st = r.status
        except (OSError, http.client.HTTPException) as e:
            c.close()
            st, out = 0, str(e).encode()
        dt = (time.monotonic() - t0) * 1000
        with lock:
            lat.append(dt)
            if st != want or (mode == "cfssl" and st == 200 and
                              b'"success":true' not in out):
                bad.append((st, out[:200]))
    c.close()
threads = [threading.Thread(target=worker) for _ in range(conns)]
for t in threads:
    t.start()
go.wait()
b = Backends(backends)
c0 = (me(), cpu(server), 0, machine())
t0 = time.monotonic()
for t in threads:
    t.join()
wall = time.monotonic() - t0
c1 = (me(), cpu(server), b.since(), machine())
for st, out in bad[:3]:
    print("unexpected %d: %r" % (st, out), file=sys.stderr)
lat.sort()
print("%.1f %.1f %.1f %d %d" % (len(jobs) / wall, lat[len(lat) // 2],
      lat[max(0, int(len(lat) * 0.99) - 1)], len(jobs) - len(bad), len(bad)),
      " ".join("%.2f" % ((b - a) / wall) for a, b in zip(c0, c1)))
EOF

# --- key stores ---------------------------------------------------------------

store_db() { printf 'rxca_benchca_%s_%s' "$$" "$1"; }

store_env() { # sets STORE_ENV: the RXCA_* settings of key store $1
	local d=$WORK/$1
	STORE_ENV=(RXCA_CA_DIR="$d/ca" RXCA_DATABASE_URL="$(database_url \
		"$(store_db "$1")")")
	if [ "$1" = softhsm ]; then
		STORE_ENV+=(SOFTHSM2_CONF="$d/softhsm2.conf"
			RXCA_PKCS11_MODULE="$SOFTHSM_MODULE"
			RXCA_PKCS11_TOKEN=rxca-bench RXCA_PKCS11_PIN_FILE="$d/pin")
	else
		STORE_ENV+=(RXCA_CA_PASSPHRASE_FILE="$d/passphrase")
	fi
}

store_setup() { # a database, the token or passphrase, migrate, ca init
	local store=$1 db d=$WORK/$1
	db=$(store_db "$store")
	DBS+=("$db")
	cluster_psql -d postgres -qc "CREATE DATABASE $db" >/dev/null
	mkdir -p "$d"
	if [ "$store" = softhsm ]; then
		mkdir -p "$d/tokens"
		printf 'directories.tokendir = %s\nobjectstore.backend = file\n' \
			"$d/tokens" >"$d/softhsm2.conf"
		printf '246810\n' >"$d/pin"
		SOFTHSM2_CONF=$d/softhsm2.conf softhsm2-util --init-token \
			--free --label rxca-bench --pin 246810 --so-pin 13579135 \
			>/dev/null
	else
		printf '%s\n' "$CA_PASSPHRASE" >"$d/passphrase"
	fi
	store_env "$store"
	env "${STORE_ENV[@]}" "$ADMIN" migrate >"$d/migrate.log" 2>&1 ||
		{ cat "$d/migrate.log" >&2; die "migrate failed"; }
	env "${STORE_ENV[@]}" "$ADMIN" ca init >"$d/init.log" 2>&1 ||
		{ cat "$d/init.log" >&2; die "ca init failed ($store)"; }
	say "$store: $(grep '^issuing' "$d/init.log")"
	if [ -z "$SPEED_ALG" ]; then
		case $(cluster_psql -d "$(store_db "$store")" -Atc "SELECT
			encode(der, 'base64') FROM ca_certificates WHERE name =
			'issuing'" | base64 -d | openssl x509 -inform DER -noout \
			-text | awk '/ASN1 OID/ { print $3; exit }') in
		prime256v1) SPEED_ALG=ecdsap256 SPEED_CURVE=nistp256 ;;
		secp384r1) SPEED_ALG=ecdsap384 SPEED_CURVE=nistp384 ;;
		*) die "the issuing CA's key is not P-256 or P-384" ;;
		esac
	fi
	R[$store.first]=0
}

# openssl speed for the issuing CA's curve on one core: "sign/s
# verify/s", per CPU second (openssl's default: other processes on a
# shared machine do not slow it, as they slowed the wall clock).
SPEED_ALG=
speed_key() {
	openssl speed -seconds 3 "$SPEED_ALG" 2>/dev/null |
		awk -v c="$SPEED_CURVE" '$0 ~ "ecdsa \\(" c "\\)" {
			print $(NF - 1), $NF }'
}

inproc() { # inproc <store> <round>: openssl speed, then rxca-bench-issue
	local store=$1 r=$2 s v line w
	read -r s v <<<"$(speed_key)"
	add "$store.speed" "$s"
	add "$store.verify" "$v"
	store_env "$store"
	line=$(env "${STORE_ENV[@]}" "$BENCH_ISSUE" "$N" \
		2>>"$WORK/$store/bench-issue.err") ||
		{ cat "$WORK/$store/bench-issue.err" >&2; die "rxca-bench-issue failed"; }
	w=$(kv seconds "$line")
	add "$store.inproc" "$(kv per_second "$line")"
	add "$store.inproc_cpu" "$(awk -v n="$N" \
		-v a="$(kv cpu_seconds "$line")" \
		-v b="$(kv backend_cpu_seconds "$line")" \
		'BEGIN { printf "%.1f", (a + b > 0) ? n / (a + b) : 0 }')"
	add "$store.inproc_cpu_self" "$(awk -v n="$N" \
		-v a="$(kv cpu_seconds "$line")" \
		'BEGIN { printf "%.1f", (a > 0) ? n / a : 0 }')"
	for f in record_ms sign_ms; do
		add "$store.$f" "$(kv "$f" "$line")"
	done
	add "$store.cpu_bench" "$(per_wall "$(kv cpu_seconds "$line")" "$w")"
	add "$store.cpu_backend" \
		"$(per_wall "$(kv backend_cpu_seconds "$line")" "$w")"
	add "$store.cpu_machine" \
		"$(per_wall "$(kv machine_cpu_seconds "$line")" "$w")"
	say "round $r $store: openssl speed sign/s $s; in process $line"
}

# callgrind <store>: instructions per issuance of the bench process
# (bench_issue_one and what it calls; the PostgreSQL backend's are not in
# it), and the top functions by inclusive count, each once (cg_functions
# in ops/bench-lib.sh), without bench_issue_one's callers (main and the
# C library's start, each the whole count).
callgrind() {
	local store=$1 out=$WORK/$1/cg.out total
	store_env "$store"
	env "${STORE_ENV[@]}" valgrind --tool=callgrind \
		--callgrind-out-file="$out" --toggle-collect=bench_issue_one \
		"$BENCH_ISSUE" "$CG_N" >/dev/null 2>"$WORK/$store/cg.err" ||
		{ tail -n 20 "$WORK/$store/cg.err" >&2; die "callgrind run failed"; }
	# The awk programs read to the end: callgrind_annotate must not die
	# of SIGPIPE (pipefail).
	total=$(callgrind_annotate "$out" 2>/dev/null |
		awk '/PROGRAM TOTALS/ && !t { gsub(",", "", $1); t = $1 }
			END { print t }')
	R[$store.cg_per]=$(awk -v t="$total" -v n="$CG_N" \
		'BEGIN { printf "%.0f", t / n }')
	R[$store.cg_top]=$(cg_functions "$out" yes | awk -v n="$CG_N" \
		-v t="$total" '$1 < t || $2 ~ /:bench_issue_one$/ {
			c = $1; sub(/^[0-9]+ /, "")
			if (++k <= 40) printf "    %6.3f M  %s\n", c / n / 1e6, $0 }')
	say "$store callgrind: ${R[$store.cg_per]} instructions per issuance"
}

start_server() { # start_server <store> <argon2 memory KiB> <iterations>
	local port
	port=$(bench_port BENCH_PORT)
	store_env "$1"
	env "${STORE_ENV[@]}" RXCA_LISTEN="127.0.0.1:$port" RXCA_SMTP_URL= \
		RXCA_MAIL_DIR="$WORK/mail" RXCA_ARGON2_MEMORY_KIB="$2" \
		RXCA_ARGON2_ITERATIONS="$3" RXCA_ARGON2_PARALLELISM="$A2_P" \
		RXCA_WORKERS="$WORKERS" RXCA_HASH_WORKERS="$HASH_WORKERS" \
		RXCA_MAX_CONNECTIONS_PER_CLIENT=1024 \
		"$SERVER" >"$WORK/server.out" 2>>"$WORK/server.err" &
	SERVER_PID=$!
	PIDS=("$SERVER_PID")
	wait_line "$WORK/server.out" 'listening on http://' "$SERVER_PID"
	URL=http://127.0.0.1:$port
	$PY "$WORK/client.py" rxca "$URL" "warm:$((4 * HASH_WORKERS))" "$WORK/csr" \
		"$PASSWORD" 8 >/dev/null ||
		die "warm-up requests failed (log: $WORK/server.err)"
}

stop_server() {
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null || true
	PIDS=()
	SERVER_PID=
}

# record <figure prefix> <client output>: its figures, one more round.
record() {
	local k=$1 rps l50 l99 ok bad ccpu scpu bcpu mcpu
	read -r rps l50 l99 ok bad ccpu scpu bcpu mcpu <<<"$2"
	[ "$bad" = 0 ] || die "$k: $bad requests failed"
	add "$k.rps" "$rps"
	add "$k.p50" "$l50"
	add "$k.p99" "$l99"
	add "$k.cpu_client" "$ccpu"
	add "$k.cpu_server" "$scpu"
	add "$k.cpu_backends" "$bcpu"
	add "$k.cpu_machine" "$mcpu"
	say "$k: $rps/s p50 ${l50}ms p99 ${l99}ms ($ok answered)"
}

# sample <database> <key>: till killed, every 100 ms, one line per rxca
# backend ("key|state or wait event") to $WORK/waits, one per lock they
# wait for ("key|type:mode:class:id") to $WORK/locks and the workers'
# queue ("key|n") to $WORK/queue.
sample() {
	while :; do
		cluster_psql -d "$1" -Atc "SELECT '$2', CASE WHEN state =
			'active' THEN coalesce(wait_event_type || ':' ||
			wait_event, 'running') ELSE state END FROM
			pg_stat_activity WHERE datname = '$1' AND
			application_name = 'rxca'" >>"$WORK/waits" 2>/dev/null ||
			true
		cluster_psql -d "$1" -Atc "SELECT '$2', l.locktype || ':' ||
			l.mode || coalesce(':' || l.classid::regclass::text ||
			':' || l.objid, '') FROM pg_locks l JOIN
			pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted
			AND a.datname = '$1' AND a.application_name = 'rxca'" \
			>>"$WORK/locks" 2>/dev/null || true
		curl -fsS "$URL/metrics" 2>/dev/null | awk -v k="$2" \
			'$1 == "rxca_hash_workers_busy" { print k "|" $2 }' \
			>>"$WORK/queue" || true
		sleep 0.1
	done
}

e2e() { # e2e <store> <default|cheap> <connections> <round>
	local store=$1 cfg=$2 c=$3 r=$4 db pids out first
	db=$(store_db "$store")
	first=${R[$store.first]}
	$PY "$WORK/seed.py" "${cfg:0:1}${c}x$r" "$E2E" "$first" \
		"${HASH[$cfg]}" "$WORK/$store/seed.sql" "$WORK/$store/jobs.json"
	R[$store.first]=$((first + E2E))
	cluster_psql -d "$db" -q -v ON_ERROR_STOP=1 \
		-f "$WORK/$store/seed.sql" >/dev/null
	# shellcheck disable=SC2086
	start_server "$store" ${A2ARGS[$cfg]}
	pids=$(cluster_psql -d "$db" -Atc "SELECT pid FROM pg_stat_activity
		WHERE datname = '$db' AND application_name = 'rxca'")
	sample "$db" "$store.$cfg.c$c" &
	PIDS+=("$!")
	# shellcheck disable=SC2086
	out=$($PY "$WORK/client.py" rxca "$URL" "$WORK/$store/jobs.json" \
		"$WORK/csr" "$PASSWORD" "$c" "$SERVER_PID" $pids)
	kill "${PIDS[1]}"
	wait "${PIDS[1]}" 2>/dev/null || true
	PIDS=("$SERVER_PID")
	stop_server
	record "$store.$cfg.c$c" "$out"
	[ "$CFSSL" = 1 ] || return 0
	# cfssl signs the same CSRs.
	start_cfssl
	out=$($PY "$WORK/client.py" cfssl "$CFSSL_URL" \
		"$WORK/$store/jobs.json" "$WORK/csr" - "$c" "$SERVER_PID" \
		"pg:$(head -n1 "$PGDATA/postmaster.pid"):$CFSSL_DB")
	stop_server
	record "cfssl.$store.$cfg.c$c" "$out"
}

# --- cfssl -------------------------------------------------------------------

# cfssl_setup: a P-256 CA made by cfssl, a signing profile like rxca's
# (two years, digital signature), and its certificate store in a
# PostgreSQL database with cfssl's certdb schema (certdb/pg/migrations;
# the columns this Debian build's INSERTs name).
CFSSL_DB=rxca_benchca_$$_cfssl
cfssl_setup() {
	local d=$WORK/cfssl
	command -v cfssl >/dev/null || die "cfssl is missing: apt-get install golang-cfssl"
	mkdir -p "$d"
	printf '{"CN": "cfssl bench CA", "key": {"algo": "ecdsa", "size": 256}}\n' \
		>"$d/ca-csr.json"
	(cd "$d" && cfssl gencert -initca ca-csr.json 2>/dev/null |
		cfssljson -bare ca) || die "cfssl gencert -initca failed"
	printf '{"signing": {"default": {"expiry": "17520h", "usages": ["digital signature"]}}}\n' \
		>"$d/config.json"
	printf '{"driver": "postgres", "data_source": "%s sslmode=disable"}\n' \
		"$(database_url "$CFSSL_DB")" >"$d/db.json"
	DBS+=("$CFSSL_DB")
	cluster_psql -d postgres -qc "CREATE DATABASE $CFSSL_DB" >/dev/null
	cluster_psql -d "$CFSSL_DB" -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE TABLE certificates (
	serial_number bytea NOT NULL,
	authority_key_identifier bytea NOT NULL,
	ca_label bytea,
	status bytea NOT NULL,
	reason int,
	expiry timestamptz,
	revoked_at timestamptz,
	pem bytea NOT NULL,
	PRIMARY KEY (serial_number, authority_key_identifier)
);
CREATE INDEX certificates_revoked_at ON certificates (revoked_at);
CREATE TABLE ocsp_responses (
	serial_number bytea NOT NULL,
	authority_key_identifier bytea NOT NULL,
	body bytea NOT NULL,
	expiry timestamptz,
	PRIMARY KEY (serial_number, authority_key_identifier),
	FOREIGN KEY (serial_number, authority_key_identifier)
	    REFERENCES certificates (serial_number, authority_key_identifier)
);
SQL
}

start_cfssl() {
	local port d=$WORK/cfssl
	port=$(bench_port BENCH_CFSSL_PORT)
	cfssl serve -address 127.0.0.1 -port "$port" -ca "$d/ca.pem" \
		-ca-key "$d/ca-key.pem" -config "$d/config.json" \
		-db-config "$d/db.json" -loglevel 3 \
		>"$d/serve.out" 2>>"$d/serve.err" &
	SERVER_PID=$!
	PIDS=("$SERVER_PID")
	CFSSL_URL=http://127.0.0.1:$port
	for _ in $(seq 100); do
		curl -fsS -o /dev/null "$CFSSL_URL/api/v1/cfssl/info" \
			-d '{}' 2>/dev/null && return 0
		kill -0 "$SERVER_PID" 2>/dev/null ||
			{ cat "$d/serve.err" >&2; die "cfssl serve exited"; }
		sleep 0.1
	done
	die "cfssl serve did not answer"
}

# --- runs --------------------------------------------------------------------

for store in "${STORES[@]}"; do
	store_setup "$store"
done
[ "$CFSSL" = 1 ] && cfssl_setup
for r in $(seq "$RUNS"); do
	for store in "${STORES[@]}"; do
		inproc "$store" "$r"
		for cfg in "${A2SETS[@]}"; do
			for c in "${CONNS[@]}"; do
				e2e "$store" "$cfg" "$c" "$r"
			done
		done
	done
	round_load load
	say "round $r done, load average $(cut -d' ' -f1-3 /proc/loadavg)"
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
if [ "$CG_N" -gt 0 ] && command -v valgrind >/dev/null; then
	for store in "${STORES[@]}"; do
		callgrind "$store"
	done
fi
for store in "${STORES[@]}"; do
	db=$(store_db "$store")
	issued=$(cluster_psql -d "$db" -Atc "SELECT count(*) FROM certificates
		WHERE state = 'issued' AND kit_id IS NOT NULL")
	[ "$issued" = "${R[$store.first]}" ] ||
		die "$store: $issued certificates issued over HTTP, expected ${R[$store.first]}"
done
if [ "$CFSSL" = 1 ]; then
	stored=$(cluster_psql -d "$CFSSL_DB" -Atc "SELECT count(*) FROM
		certificates")
	say "cfssl stored $stored certificates"
fi

# --- report -------------------------------------------------------------------

echo
echo "rxca issuance benchmark: median of $RUNS rounds per figure"
echo "machine: nproc=$(nproc) ($(awk -F': ' '/model name/ { print $2; exit }' \
	/proc/cpuinfo)), $(openssl version | cut -d' ' -f1-2)"
echo "load average before: $LOAD0; after: $LOAD1; 1-minute after each" \
	"round: ${R[load]}"
echo "database: $PGCONF"
echo "CA key: $SPEED_CURVE; openssl speed -seconds 3 $SPEED_ALG (one core," \
	"per CPU second), next to each in-process run"
echo "in process: rxca-bench-issue, $N certificates per run, one thread," \
	"one connection"
echo "end to end: $E2E requests per run, RXCA_WORKERS=$WORKERS," \
	"RXCA_HASH_WORKERS=$HASH_WORKERS (retrievals run on these); Argon2id" \
	"default m=$A2_M t=$A2_T p=$A2_P, cheap m=$CHEAP_M t=$CHEAP_T;" \
	"$(if [ "$CFSSL" = 1 ]; then echo "cfssl: $(cfssl version 2>/dev/null |
		awk '/Version/ { print $2 }') serve, P-256 CA, certdb on the" \
		"same PostgreSQL"; else echo "cfssl: not run (BENCH_CFSSL=0)"; fi)"
for s in "${STORES[@]}"; do
	echo
	echo "$s key store:"
	echo "  in process: $(med "$s.inproc")/s wall (rounds: ${R[$s.inproc]});" \
		"$(med "$s.inproc_cpu")/s per CPU second of bench + backend," \
		"$(med "$s.inproc_cpu_self")/s of the bench alone"
	echo "    ms per certificate: issue_record+commit $(med "$s.record_ms")," \
		"issue_sign $(med "$s.sign_ms"); CPU per wall second: bench" \
		"$(med "$s.cpu_bench"), backend $(med "$s.cpu_backend")," \
		"machine $(med "$s.cpu_machine") of $(nproc)"
	echo "  openssl speed $SPEED_ALG: sign/s $(med "$s.speed") (rounds:" \
		"${R[$s.speed]}), verify/s $(med "$s.verify")"
	echo "  in process / openssl sign (CPU): bench + backend" \
		"$(ratio "$(med "$s.inproc_cpu")" "$(med "$s.speed")")," \
		"bench alone $(ratio "$(med "$s.inproc_cpu_self")" "$(med "$s.speed")")"
	if [ -n "${R[$s.cg_per]:-}" ]; then
		echo "  callgrind: ${R[$s.cg_per]} instructions per issuance" \
			"(bench process, $CG_N issued); top inclusive per issuance:"
		printf '%s\n' "${R[$s.cg_top]}"
	fi
	for cfg in "${A2SETS[@]}"; do
		printf '  %-7s %4s %9s %9s %9s %9s %9s %9s %7s\n' "argon2" "c" \
			"rxca/s" "p50 ms" "p99 ms" "cfssl/s" "p50 ms" "p99 ms" "ratio"
		for c in "${CONNS[@]}"; do
			k=$s.$cfg.c$c
			printf '  %-7s %4s %9s %9s %9s %9s %9s %9s %7s\n' "$cfg" "$c" \
				"$(med "$k.rps")" "$(med "$k.p50")" "$(med "$k.p99")" \
				"$(med "cfssl.$k.rps")" "$(med "cfssl.$k.p50")" \
				"$(med "cfssl.$k.p99")" \
				"$(ratio "$(med "$k.rps")" "$(med "cfssl.$k.rps")")"
		done
		for c in "${CONNS[@]}"; do
			k=$s.$cfg.c$c
			echo "    c=$c rxca backends, share of samples (every" \
				"100 ms, all rounds): $(awk -F'|' -v k="$k" \
				'$1 == k { c[$2]++; t++ } END { for (x in c)
				printf "%d %s\n", c[x], x }' "$WORK/waits" |
				sort -rn | head -5 | awk -v t="$(awk -F'|' \
				-v k="$k" '$1 == k' "$WORK/waits" | wc -l)" \
				'{ n = $1; sub(/^[0-9]+ /, "")
				printf "%s%s %.0f%%", (NR > 1 ? ", " : ""),
				$0, 100 * n / t }')"
			echo "      locks waited for (samples): $(awk -F'|' \
				-v k="$k" '$1 == k { c[$2]++ } END { for (x in c)
				printf "%d %s\n", c[x], x }' "$WORK/locks" |
				sort -rn | head -3 | awk '{ printf "%s%s x %s",
				(NR > 1 ? ", " : ""), $2, $1 }')"
			echo "      retrievals queued or running on the" \
				"$HASH_WORKERS workers: $(awk -F'|' -v k="$k" \
				'$1 == k { s += $2; if ($2 > m) m = $2; n++ }
				END { printf "mean %.1f, max %d", n ? s / n : 0,
				m }' "$WORK/queue")"
			echo "    c=$c rounds: rxca ${R[$k.rps]}; cfssl" \
				"${R[cfssl.$k.rps]:-}; CPU per wall second: rxca server" \
				"$(med "$k.cpu_server") backends $(med "$k.cpu_backends")" \
				"client $(med "$k.cpu_client") machine" \
				"$(med "$k.cpu_machine"); cfssl server" \
				"$(med "cfssl.$k.cpu_server") backends" \
				"$(med "cfssl.$k.cpu_backends") machine" \
				"$(med "cfssl.$k.cpu_machine")"
		done
	done
done
