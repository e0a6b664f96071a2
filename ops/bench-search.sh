#!/usr/bin/env bash
# ops/bench-search.sh: the latency of the operators' search
# (GET /v1/ops/search) over HTTPS with a client certificate, p50 and p99
# per kind of query, with BENCH_APPS applications and as many certificates
# and kits seeded in bulk (SQL generate_series into a throwaway database,
# not through the API).  A measurement, not a test.
#
#   BENCH_APPS      applications, kits and certificates (default 100000)
#   BENCH_QUERIES   queries per kind (default 300)
#   BENCH_PORT, BENCH_TLS_PORT  the server's ports (default: free ones)
#   BENCH_BUILD     the build to use (default build, the release build made
#                   here; build-test is instrumented: slower figures)
#
# Uses the project's PostgreSQL cluster (var/pg, started if needed) with a
# fresh database, dropped at the end.  Each search is audited, as in
# production, so the figures include the audit record's commit; the
# "baseline" row is GET /v1/products on the same connection, for the cost
# of the round trip itself.
set -euo pipefail

# shellcheck source=ops/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

APPS=${BENCH_APPS:-100000}
QUERIES=${BENCH_QUERIES:-300}
BUILD=${BENCH_BUILD:-build}
bench_init bench-search

ensure_packages
if [ "$BUILD" = build ]; then
	say "building build/ (release)"
	build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRXCA_TESTS=OFF \
		>"$WORK/build.log" 2>&1 || { tail -n 30 "$WORK/build.log" >&2; die "build failed"; }
fi
ADMIN=$ROOT/$BUILD/api/rxca-admin
cluster_start
bench_db
export RXCA_DATABASE_URL=$DB_URL
"$ADMIN" migrate >/dev/null

# Names from syllables: 40 given names, 8,000 family names.
say "seeding $APPS applications, kits and certificates"
t0=$(date +%s)
sql "
CREATE TEMP TABLE syl AS SELECT * FROM unnest(ARRAY['an', 'ber', 'cal',
	'dor', 'el', 'fin', 'gar', 'hol', 'is', 'jen', 'kel', 'lov', 'mar',
	'nor', 'os', 'per', 'quin', 'ros', 'sten', 'tur'])
	WITH ORDINALITY AS s(v, i);
CREATE TEMP TABLE given AS SELECT * FROM unnest(ARRAY['Ada', 'Alan',
	'Grace', 'Mary', 'John', 'Linda', 'James', 'Susan', 'Robert', 'Karen',
	'Maria', 'David', 'Lisa', 'Daniel', 'Nancy', 'Paul', 'Sandra', 'Mark',
	'Emily', 'Steven', 'Laura', 'Kevin', 'Anna', 'Brian', 'Sarah', 'Eric',
	'Helen', 'Jacob', 'Irene', 'Peter', 'Olga', 'Ravi', 'Mei', 'Omar',
	'Fatima', 'Hiro', 'Ines', 'Lars', 'Noor', 'Tomas'])
	WITH ORDINALITY AS g(v, i);
INSERT INTO ca_certificates (name, serial, subject, der, key_ref,
	not_before, not_after, created_at)
VALUES ('issuing', '\\xfeedbeef', 'CN=Bench Issuing', '\\x3003020107',
	'file', now(), now() + interval '5 years', now());
INSERT INTO applications (id, status, policy, product, storage, shipping,
	given_name, family_name, date_of_birth, email, phone, addr_line1,
	addr_city, addr_state, addr_postal_code, addr_country, npi,
	dea_number, ssn_last4, avs_card_token, payment_card_token,
	password_hash, agreement_version, agreement_accepted_at, price,
	price_total_cents, created_at, updated_at, email_verify_by,
	email_verified_at)
SELECT 'app_bench' || lpad(g::text, 8, '0'), 'issued', 'igc',
	'epcs-hardware', 'new-token', 'usps',
	(SELECT v FROM given WHERE i = 1 + g % 40),
	initcap((SELECT v FROM syl WHERE i = 1 + g % 20) ||
		(SELECT v FROM syl WHERE i = 1 + (g / 20) % 20) ||
		(SELECT v FROM syl WHERE i = 1 + (g / 400) % 20)),
	date '1950-01-01' + (g % 15000),
	'doc' || g || '@example.org', '+13175550100', '1 Main St',
	'Indianapolis', 'IN', '46204', 'US', (1000000000 + g)::text,
	'AB' || lpad(g::text, 7, '0'), '1234', 'tok_avs_1', 'tok_pay_1', 'x',
	'2026-01', now(), '{}'::jsonb, 17700, now(), now(),
	now() + interval '30 days', now()
FROM generate_series(1, $APPS) g;
INSERT INTO kits (id, application_id, state, new_token, prints, expires_at,
	printed_at, shipped_at, carrier, tracking, created_at, updated_at)
SELECT 'kit_bench' || lpad(g::text, 8, '0'),
	'app_bench' || lpad(g::text, 8, '0'), 'used', true, 1,
	now() + interval '90 days', now(), now(), 'USPS', '9400' || g, now(),
	now()
FROM generate_series(1, $APPS) g;
INSERT INTO certificates (serial, application_id, kit_id, issuer, subject,
	spki_sha256, tbs, der, state, not_before, not_after, recorded_at,
	issued_at)
SELECT decode(md5('serial' || g), 'hex'),
	'app_bench' || lpad(g::text, 8, '0'),
	'kit_bench' || lpad(g::text, 8, '0'), 'issuing', 'CN=bench ' || g,
	sha256(('spki' || g)::bytea), '\\x00', '\\x3003020105', 'issued',
	now(), now() + interval '2 years', now(), now()
FROM generate_series(1, $APPS) g;
ANALYZE;"
say "seeded in $(($(date +%s) - t0)) s: $(sql "SELECT count(*) FROM applications") applications, $(sql "SELECT count(*) FROM certificates") certificates"

TLS=$WORK/tls
"$ADMIN" tls init "$TLS" >/dev/null
export RXCA_OPERATOR_CA=$TLS/operators-ca.crt
export RXCA_OPERATOR_CA_KEY=$TLS/operators-ca.key
"$ADMIN" operator add bench revoker --out "$TLS" >/dev/null

PORT=$(bench_port BENCH_PORT)
TLS_PORT=$(bench_port BENCH_TLS_PORT)
env RXCA_LISTEN="127.0.0.1:$PORT" RXCA_TLS_LISTEN="127.0.0.1:$TLS_PORT" \
	RXCA_TLS_CERT="$TLS/server.crt" RXCA_TLS_KEY="$TLS/server.key" \
	RXCA_SMTP_URL= RXCA_MAIL_DIR="$WORK/mail" RXCA_LOG_LEVEL=warn \
	"$ROOT/$BUILD/api/rxca-server" >"$WORK/srv.out" 2>"$WORK/srv.err" &
PIDS+=($!)
wait_line "$WORK/srv.out" "listening on https://" "${PIDS[-1]}"

# The queries: existing keys picked at random, in each kind's spellings.
sql "SELECT 'application', id FROM applications ORDER BY random()
	LIMIT $QUERIES" >"$WORK/q"
sql "SELECT 'kit', id FROM kits ORDER BY random() LIMIT $QUERIES" >>"$WORK/q"
sql "SELECT 'serial', upper(regexp_replace(encode(serial, 'hex'),
	'(..)(?!$)', '\\1:', 'g')) FROM certificates ORDER BY random()
	LIMIT $QUERIES" >>"$WORK/q"
sql "SELECT 'email', email FROM applications ORDER BY random()
	LIMIT $QUERIES" >>"$WORK/q"
sql "SELECT 'npi', npi FROM applications ORDER BY random()
	LIMIT $QUERIES" >>"$WORK/q"
sql "SELECT 'dea_number', lower(dea_number) FROM applications
	ORDER BY random() LIMIT $QUERIES" >>"$WORK/q"
sql "SELECT 'name', given_name || ' ' || family_name FROM applications
	ORDER BY random() LIMIT $QUERIES" >>"$WORK/q"
# A typo: two letters of the family name swapped.
sql "SELECT 'name_typo', given_name || ' ' || left(family_name, 2) ||
	substr(family_name, 4, 1) || substr(family_name, 3, 1) ||
	substr(family_name, 5) FROM applications ORDER BY random()
	LIMIT $QUERIES" >>"$WORK/q"
sql "SELECT 'name_prefix', left(family_name, 5) FROM applications
	ORDER BY random() LIMIT $QUERIES" >>"$WORK/q"

# A baseline on the same connection: a read without search or audit.
for _ in $(seq "$QUERIES"); do echo "baseline|"; done >>"$WORK/q"

say "searching: $QUERIES queries per kind over one HTTPS connection"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$TLS_PORT" "$TLS" "$WORK/q" <<'EOF'
import http.client, json, ssl, sys, time, urllib.parse
port, tls, qfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=tls + "/operators-ca.crt")
ctx.load_cert_chain(tls + "/bench.crt", tls + "/bench.key")
conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)
by_kind, found = {}, {}
for line in open(qfile):
    kind, q = line.rstrip("\n").split("|", 1)
    path = "/v1/ops/search?" + urllib.parse.urlencode({"q": q})
    if kind == "baseline":
        path = "/v1/products"
    t = time.perf_counter()
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    ms = (time.perf_counter() - t) * 1000
    if r.status != 200:
        sys.exit("%s %r: %d %s" % (kind, q, r.status, body[:200]))
    by_kind.setdefault(kind, []).append(ms)
    items = json.loads(body)
    found.setdefault(kind, []).append(
        len(items["items"]) if kind != "baseline" else 0)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


print("%-12s %6s %8s %8s %8s %9s" % ("kind", "n", "p50 ms", "p99 ms",
                                    "max ms", "hits/q"))
for kind, v in by_kind.items():
    print("%-12s %6d %8.1f %8.1f %8.1f %9.1f" % (
        kind, len(v), pct(v, 50), pct(v, 99), max(v),
        sum(found[kind]) / len(found[kind])))
EOF
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
