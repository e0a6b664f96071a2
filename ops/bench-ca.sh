#!/usr/bin/env bash
# ops/bench-ca.sh: certificates issued per second, in process (profile,
# lint, record, sign, store: ops/bench/bench_issue.c) and end to end over
# HTTP (POST /v1/retrievals), next to `openssl speed` for the issuing CA's
# curve measured in the same run (per CPU second, openssl's default: the
# wall clock of a shared machine gave 210 to 1,395 sign/s between rounds),
# with the issuing CA's key in a file and on a SoftHSM token.  rxca's
# in-process figure is given per wall second and per CPU second (the bench
# process and its PostgreSQL backend), and the ratio to openssl uses the
# latter.
# A measurement, not a test.
#
#   BENCH_N       certificates per in-process run (default 2000)
#   BENCH_RUNS    rounds; each figure is the median of its rounds (3)
#   BENCH_E2E     retrievals per end-to-end run (default 200)
#   BENCH_CONNS   concurrent HTTP connections of the client (default 8)
#   BENCH_STORES  key stores, in round order (default "file softhsm")
#   BENCH_PORT    the server's port (default: a free one)
#
# A round measures, for each key store in turn: openssl speed, the
# in-process run, then end to end with the server's default Argon2id
# parameters and with cheap ones (RXCA_ARGON2_MEMORY_KIB=1024,
# RXCA_ARGON2_ITERATIONS=1, the account password hashed with the same
# parameters), to show what the password check costs next to signing.
# Rounds interleave the key stores so that a burst of load from others on
# a shared machine does not land on one key store only; the CPU the whole
# machine spent during each run is reported next to rxca's own.
#
# End to end, each run retrieves BENCH_E2E kits written straight into the
# database (applications in kit_shipped, kits shipped with known
# activation codes: no proofing), one CSR each made beforehand by
# `openssl req`, from a Python client (http.client, BENCH_CONNS threads),
# against a freshly started rxca-server (warmed up: CA key opened).
#
# Uses the release build (build/, with -DRXCA_BENCH=ON) and the project's
# PostgreSQL cluster (var/pg, started if needed) with a fresh database per
# key store, dropped at the end.
set -euo pipefail

# shellcheck source=ops/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

N=${BENCH_N:-2000}
RUNS=${BENCH_RUNS:-3}
E2E=${BENCH_E2E:-200}
CONNS=${BENCH_CONNS:-8}
read -r -a STORES <<<"${BENCH_STORES:-file softhsm}"
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

ratio() { # a / b to three places
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }'
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
PGCONF=$(cluster_psql -d postgres -Atc "SELECT string_agg(name || '=' ||
	setting, ' ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync',
	'synchronous_commit', 'wal_sync_method', 'shared_buffers')")

A2_M=${RXCA_ARGON2_MEMORY_KIB:-$(setting ARGON2_MEMORY_KIB)}
A2_T=${RXCA_ARGON2_ITERATIONS:-$(setting ARGON2_ITERATIONS)}
A2_P=${RXCA_ARGON2_PARALLELISM:-$(setting ARGON2_PARALLELISM)}
WORKERS=${RXCA_WORKERS:-$(setting WORKERS)}
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
# store has its own database, so the set serves them all.
NCSR=$((2 * RUNS * E2E))
say "making $NCSR CSRs with openssl req (not timed)"
mkdir -p "$WORK/csr"
seq 0 $((NCSR - 1)) | xargs -P "$(nproc)" -I{} openssl req -new \
	-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout /dev/null -out "$WORK/csr/{}.pem" -subj /CN=bench 2>/dev/null
[ "$(find "$WORK/csr" -name '*.pem' | wc -l)" = "$NCSR" ] ||
	die "openssl req did not make every CSR"

# seed.py <tag> <n> <first csr> <password hash> <sql out> <jobs out>:
# applications in kit_shipped and their shipped kits, each with a fresh
# activation code (ca/actcode.c: 20 Crockford base32 symbols and the
# check symbol; stored as SHA-256("rxca-activation-code:" + the 21)).
# With tag "-": prints one valid code of no kit.
cat >"$WORK/seed.py" <<'EOF'
import hashlib, json, secrets, sys
tag, n, first, pwhash, sql_out, jobs_out = sys.argv[1:]
n, first = int(n), int(first)
SYM = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U"
def code():
    data = "".join(SYM[secrets.randbelow(32)] for _ in range(20))
    r = 0
    for c in data:
        r = (r * 32 + SYM.index(c)) % 37
    norm = data + SYM[r]
    h = hashlib.sha256(b"rxca-activation-code:" + norm.encode()).hexdigest()
    printed = "-".join(data[i:i + 5] for i in range(0, 20, 5)) + "-" + SYM[r]
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

# client.py <url> <jobs> <csr dir> <password> <connections> [<server pid>
# <backend pid>...]: POST /v1/retrievals for every job; prints "rate p50_ms
# p99_ms ok bad", then the CPU per wall second, over the batch, of the
# client, the server, its backends and the whole machine (/proc).  With
# jobs "warm:<n>", n requests with a valid code of no kit (401 expected):
# the server opens the CA key and its workers connect.
cat >"$WORK/client.py" <<'EOF'
import http.client, json, os, queue, resource, subprocess, sys, threading, time
url, jobs_arg, csrdir, password, conns = sys.argv[1:6]
server, backends = sys.argv[6:7], sys.argv[7:]
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
    want = 201
bodies = queue.Queue()
for j in jobs:
    with open(os.path.join(csrdir, "%d.pem" % j["csr"])) as f:
        bodies.put(json.dumps({"activation_code": j["code"],
                               "password": password, "csr": f.read()}))
HZ = os.sysconf("SC_CLK_TCK")
def cpu(pids):  # CPU seconds of pids (user + system)
    t = 0
    for pid in pids:
        try:
            with open("/proc/%s/stat" % pid) as f:
                v = f.read().rsplit(")", 1)[1].split()
            t += int(v[11]) + int(v[12])
        except (OSError, IndexError, ValueError):
            pass
    return t / HZ
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
            c.request("POST", "/v1/retrievals", body, h)
            r = c.getresponse()
            out = r.read()
            st = r.status
        except (OSError, http.client.HTTPException) as e:
            c.close()
            st, out = 0, str(e).encode()
        dt = (time.monotonic() - t0) * 1000
        with lock:
            lat.append(dt)
            if st != want:
                bad.append((st, out[:200]))
    c.close()
threads = [threading.Thread(target=worker) for _ in range(conns)]
for t in threads:
    t.start()
go.wait()
c0 = (me(), cpu(server), cpu(backends), machine())
t0 = time.monotonic()
for t in threads:
    t.join()
wall = time.monotonic() - t0
c1 = (me(), cpu(server), cpu(backends), machine())
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
	add "$store.signps" "$(kv sign_per_second "$line")"
	for f in profile_ms record_ms sign_ms check_ms store_ms; do
		add "$store.$f" "$(kv "$f" "$line")"
	done
	add "$store.cpu_bench" "$(per_wall "$(kv cpu_seconds "$line")" "$w")"
	add "$store.cpu_backend" \
		"$(per_wall "$(kv backend_cpu_seconds "$line")" "$w")"
	add "$store.cpu_machine" \
		"$(per_wall "$(kv machine_cpu_seconds "$line")" "$w")"
	add "$store.cpu_others" "$(per_wall "$(awk \
		-v m="$(kv machine_cpu_seconds "$line")" \
		-v a="$(kv cpu_seconds "$line")" \
		-v b="$(kv backend_cpu_seconds "$line")" \
		'BEGIN { print m - a - b }')" "$w")"
	say "round $r $store: openssl speed sign/s $s; in process $line"
}

start_server() { # start_server <store> <argon2 memory KiB> <iterations>
	local port
	port=$(bench_port BENCH_PORT)
	store_env "$1"
	env "${STORE_ENV[@]}" RXCA_LISTEN="127.0.0.1:$port" RXCA_SMTP_URL= \
		RXCA_MAIL_DIR="$WORK/mail" RXCA_ARGON2_MEMORY_KIB="$2" \
		RXCA_ARGON2_ITERATIONS="$3" RXCA_ARGON2_PARALLELISM="$A2_P" \
		RXCA_WORKERS="$WORKERS" \
		"$SERVER" >"$WORK/server.out" 2>>"$WORK/server.err" &
	SERVER_PID=$!
	PIDS=("$SERVER_PID")
	wait_line "$WORK/server.out" 'listening on http://' "$SERVER_PID"
	URL=http://127.0.0.1:$port
	$PY "$WORK/client.py" "$URL" "warm:$((4 * WORKERS))" "$WORK/csr" \
		"$PASSWORD" "$CONNS" >/dev/null ||
		die "warm-up requests failed (log: $WORK/server.err)"
}

stop_server() {
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null || true
	PIDS=()
	SERVER_PID=
}

e2e() { # e2e <store> <default|cheap> <round>
	local store=$1 cfg=$2 r=$3 db pids out
	local rps l50 l99 ok bad ccpu scpu bcpu mcpu
	db=$(store_db "$store")
	$PY "$WORK/seed.py" "${cfg:0:1}$r" "$E2E" "${R[$store.first]}" \
		"${HASH[$cfg]}" "$WORK/$store/seed.sql" "$WORK/$store/jobs.json"
	R[$store.first]=$((${R[$store.first]} + E2E))
	cluster_psql -d "$db" -q -v ON_ERROR_STOP=1 \
		-f "$WORK/$store/seed.sql" >/dev/null
	# shellcheck disable=SC2086
	start_server "$store" ${A2ARGS[$cfg]}
	pids=$(cluster_psql -d "$db" -Atc "SELECT pid FROM pg_stat_activity
		WHERE datname = '$db' AND application_name = 'rxca'")
	# shellcheck disable=SC2086
	out=$($PY "$WORK/client.py" "$URL" "$WORK/$store/jobs.json" \
		"$WORK/csr" "$PASSWORD" "$CONNS" "$SERVER_PID" $pids)
	stop_server
	read -r rps l50 l99 ok bad ccpu scpu bcpu mcpu <<<"$out"
	[ "$bad" = 0 ] || die "$store $cfg round $r: $bad retrievals failed"
	add "$store.e2e_$cfg" "$rps"
	add "$store.p50_$cfg" "$l50"
	add "$store.p99_$cfg" "$l99"
	add "$store.cpu_client_$cfg" "$ccpu"
	add "$store.cpu_server_$cfg" "$scpu"
	add "$store.cpu_backends_$cfg" "$bcpu"
	add "$store.cpu_machine_$cfg" "$mcpu"
	add "$store.cpu_others_$cfg" "$(awk -v m="$mcpu" -v a="$ccpu" \
		-v b="$scpu" -v c="$bcpu" 'BEGIN { printf "%.2f", m - a - b - c }')"
	say "round $r $store e2e $cfg: $rps/s p50 ${l50}ms p99 ${l99}ms" \
		"($ok issued)"
}

for store in "${STORES[@]}"; do
	store_setup "$store"
done
for r in $(seq "$RUNS"); do
	for store in "${STORES[@]}"; do
		inproc "$store" "$r"
		e2e "$store" default "$r"
		e2e "$store" cheap "$r"
	done
done
for store in "${STORES[@]}"; do
	db=$(store_db "$store")
	issued=$(cluster_psql -d "$db" -Atc "SELECT count(*) FROM certificates
		WHERE state = 'issued' AND kit_id IS NOT NULL")
	[ "$issued" = "$NCSR" ] ||
		die "$store: $issued certificates issued over HTTP, expected $NCSR"
	cluster_psql -d postgres -qc "DROP DATABASE $db WITH (FORCE)" >/dev/null
done

# --- report -------------------------------------------------------------------

cols() { printf '%-8s %9s %9s %9s %9s %9s %9s %9s %9s\n' "$@"; }
echo
echo "rxca issuance benchmark: median of $RUNS rounds per figure"
echo "machine: nproc=$(nproc) ($(awk -F': ' '/model name/ { print $2; exit }' \
	/proc/cpuinfo)), $(openssl version | cut -d' ' -f1-2)"
echo "load average at the start: $LOAD0"
echo "database: $PGCONF"
echo "in process: rxca-bench-issue, $N certificates per run, one thread," \
	"one connection"
echo "end to end: $E2E retrievals per run, $CONNS connections," \
	"RXCA_WORKERS=$WORKERS; Argon2id default m=$A2_M t=$A2_T p=$A2_P," \
	"cheap m=$CHEAP_M t=$CHEAP_T"
echo "CA key: $SPEED_CURVE; openssl speed -seconds 3 $SPEED_ALG (one core," \
	"per CPU second), next to each in-process run; in-proc/openssl:" \
	"rxca's certificates per CPU second (bench + its backend)"
echo
cols "" "in-proc" "e2e/s" "e2e/s" "openssl" "key" "in-proc/" "e2e def/" \
	"e2e chp/"
cols "key" "issued/s" "default" "cheap" "sign/s" "sign/s" "openssl" \
	"in-proc" "in-proc"
for s in "${STORES[@]}"; do
	cols "$s" "$(med "$s.inproc")" "$(med "$s.e2e_default")" \
		"$(med "$s.e2e_cheap")" "$(med "$s.speed")" "$(med "$s.signps")" \
		"$(ratio "$(med "$s.inproc_cpu")" "$(med "$s.speed")")" \
		"$(ratio "$(med "$s.e2e_default")" "$(med "$s.inproc")")" \
		"$(ratio "$(med "$s.e2e_cheap")" "$(med "$s.inproc")")"
done
echo "key sign/s: signer_sign_x509 alone, in process (N / time spent in it);"
echo "  for softhsm that is the token's signing rate through PKCS#11"
for s in "${STORES[@]}"; do
	echo
	echo "$s:"
	echo "  in process, issued/s per round: ${R[$s.inproc]}; per CPU" \
		"second (bench + backend): ${R[$s.inproc_cpu]}"
	echo "    ms per certificate: profile+lint $(med "$s.profile_ms")," \
		"record+commit $(med "$s.record_ms"), sign $(med "$s.sign_ms")," \
		"check $(med "$s.check_ms"), store+commit $(med "$s.store_ms")"
	echo "    CPU per wall second: bench $(med "$s.cpu_bench")," \
		"its backend $(med "$s.cpu_backend"), whole machine" \
		"$(med "$s.cpu_machine") of $(nproc), others" \
		"$(med "$s.cpu_others")"
	echo "  openssl speed $SPEED_ALG sign/s per round: ${R[$s.speed]};" \
		"verify/s $(med "$s.verify")"
	for cfg in default cheap; do
		echo "  e2e $cfg, retrievals/s per round: ${R[$s.e2e_$cfg]};" \
			"latency p50 $(med "$s.p50_$cfg") ms," \
			"p99 $(med "$s.p99_$cfg") ms"
		echo "    CPU per wall second: server $(med "$s.cpu_server_$cfg")," \
			"backends $(med "$s.cpu_backends_$cfg"), client" \
			"$(med "$s.cpu_client_$cfg"), whole machine" \
			"$(med "$s.cpu_machine_$cfg") of $(nproc), others" \
			"$(med "$s.cpu_others_$cfg")"
	done
done
