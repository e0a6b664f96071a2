#!/usr/bin/env bash
# ops/bench-crl.sh: the time, CPU and peak memory of making the issuing
# CA's CRL (the crl.refresh job, ops/bench/bench_crl.c in its own process)
# with BENCH_CRL_SIZE revoked certificates, full CRL only and with
# partitioned CRLs, against the stock `openssl ca -gencrl` making the same
# CRL in the same run; and the size of each shard.
#
# The revoked certificates are rows of `certificates` inserted by SQL
# (serials from SHA-256, one real certificate's tbs and der so the rows
# are as large as real ones, one of five reasons, one in five without),
# each with the shard the server would give it (bytes 2..5 of the serial
# modulo BENCH_CRL_SHARDS, api/service/authority.c).  With the default
# 1,000,000 revoked, this is the CRL of a 10 M-certificate population
# with 10 % revoked (certificates not revoked are on no CRL).
#
# Each job and each openssl run is measured with /usr/bin/time -v: wall
# seconds, CPU seconds (user + system) and peak RSS.  Medians of
# BENCH_RUNS rounds; the load average before and after, and after each
# round, is printed (the machine is shared).
#
# Settings:
#   BENCH_CRL_SIZE    revoked certificates (1000000)
#   BENCH_CRL_SHARDS  shards of the partitioned run (16)
#   BENCH_RUNS        rounds; medians (3)
#   BENCH_OPENSSL     1: measure `openssl ca -gencrl` too (1)
#
# Needs: PostgreSQL (ops/rxca-dev), openssl, /usr/bin/time.
set -euo pipefail

# shellcheck source=ops/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

SIZE=${BENCH_CRL_SIZE:-1000000}
SHARDS=${BENCH_CRL_SHARDS:-16}
RUNS=${BENCH_RUNS:-3}
OPENSSL=${BENCH_OPENSSL:-1}
[[ $SIZE =~ ^[1-9][0-9]*$ ]] || die "BENCH_CRL_SIZE: a positive number"
[[ $SHARDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_CRL_SHARDS: a positive number"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS: a positive number"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
bench_init bench-crl

# Results (bench-lib: R, add, med): R[<figure>].
kv() { # kv <key> <line of key=value pairs>
	tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k { print $2 }'
}
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

# timed <name> <command...>: runs it under /usr/bin/time -v, its output to
# $WORK/<name>.out; adds <name>.wall, <name>.cpu (user + system seconds)
# and <name>.kib (peak RSS).
timed() {
	local name=$1
	shift
	/usr/bin/time -v -o "$WORK/$name.time" "$@" >"$WORK/$name.out" \
		2>"$WORK/$name.err" ||
		{ cat "$WORK/$name.err" >&2; die "$name failed"; }
	add "$name.wall" "$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2,
		t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i];
		printf "%.2f", s }' "$WORK/$name.time")"
	add "$name.cpu" "$(awk -F': ' '/User time/ { u = $2 }
		/System time/ { s = $2 } END { printf "%.2f", u + s }' \
		"$WORK/$name.time")"
	add "$name.kib" "$(awk -F': ' '/Maximum resident/ { print $2 }' \
		"$WORK/$name.time")"
}

# --- set up ------------------------------------------------------------------

bench_ca_setup
# One real certificate, whose tbs and der the synthetic rows copy.
bench_issue_one

say "revoking $SIZE certificates (SQL)"
bench_crl_application
sql "INSERT INTO certificates (serial, application_id, issuer, subject,
	spki_sha256, tbs, der, state, not_before, not_after, recorded_at,
	issued_at, revoked_at, revocation_reason, revoked_by, crl_shard)
SELECT s, 'app_bench_crl', 'issuing', x.subject,
	sha256(('rxca-bench-spki:' || g)::bytea), x.tbs, x.der, 'revoked',
	x.not_before, x.not_after, x.recorded_at, x.issued_at,
	now() - (g % 31536000) * interval '1 second',
	(ARRAY['keyCompromise', 'cessationOfOperation', 'superseded',
	'affiliationChanged', NULL])[1 + g % 5], 'bench',
	((get_byte(s, 1)::bigint << 24) | (get_byte(s, 2) << 16) |
	(get_byte(s, 3) << 8) | get_byte(s, 4)) % $SHARDS
FROM generate_series(1, $SIZE) g,
	LATERAL (SELECT set_byte(substring(sha256(('rxca-bench-crl:' ||
	g)::bytea) FROM 1 FOR 16), 0, 1 + g % 127) AS s) v,
	(SELECT subject, tbs, der, not_before, not_after, recorded_at,
	issued_at FROM certificates WHERE state = 'issued' LIMIT 1) x" \
	>/dev/null
sql "VACUUM ANALYZE certificates" >/dev/null
sql "CHECKPOINT" >/dev/null
# How PostgreSQL reads the revoked certificates (the statement of
# store_crl_revoked, api/store/store_ca.c): an index-only scan of
# certificates_revoked reads about 70 bytes an entry, a scan of the table
# each row's DER and TBS as well.
PLAN=$(sql "EXPLAIN SELECT serial, revoked_at, revocation_reason, crl_shard
	FROM certificates WHERE issuer = 'issuing'
	AND state IN ('revoked', 'abandoned')" | head -n 1 | sed 's/  (cost.*//')
# and what it costs there, run once (buffers read and the time in the
# executor, without the per-row timer)
PLAN_RUN=$(sql "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) SELECT serial,
	revoked_at, revocation_reason, crl_shard FROM certificates WHERE
	issuer = 'issuing' AND state IN ('revoked', 'abandoned')" |
	awk '/Heap Fetches|Buffers: shared|Execution Time/ && !b[$1]++ {
	sub(/^ */, ""); printf "%s%s", n++ ? "; " : "", $0 }')

# openssl ca: index.txt of the same revoked certificates (R, expiry,
# revocation time and reason, serial hex, file, subject), the issuing
# CA's key decrypted (removed with $WORK).
if [ "$OPENSSL" = 1 ]; then
	say "writing openssl's index.txt"
	sql "SELECT 'R' || E'\t' || to_char(not_after AT TIME ZONE 'UTC',
		'YYMMDDHH24MISS') || 'Z' || E'\t' || to_char(revoked_at AT TIME
		ZONE 'UTC', 'YYMMDDHH24MISS') || 'Z' || coalesce(',' ||
		revocation_reason, '') || E'\t' || upper(encode(serial, 'hex')) ||
		E'\t' || 'unknown' || E'\t' || '/CN=bench' FROM certificates
		WHERE state = 'revoked' ORDER BY serial" >"$WORK/index.txt"
	echo 'unique_subject = no' >"$WORK/index.txt.attr"
	echo 01 >"$WORK/crlnumber"
	(umask 077 && openssl pkey -in "$CA/issuing.key" \
		-passin "file:$WORK/passphrase" -out "$WORK/issuing-key.pem")
	cat >"$WORK/ca.cnf" <<EOF
[ ca ]
default_ca = bench
[ bench ]
database = $WORK/index.txt
certificate = $CA/issuing.crt
private_key = $WORK/issuing-key.pem
crlnumber = $WORK/crlnumber
default_md = default
default_crl_days = 2
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid
EOF
fi

# --- rounds --------------------------------------------------------------------

for r in $(seq "$RUNS"); do
	say "round $r of $RUNS: the full CRL only"
	timed full env "${ENV[@]}" RXCA_CRL_SHARDS=0 "$BENCH_CRL" job
	line=$(cat "$WORK/full.out")
	[ "$(kv entries "$line")" = "$SIZE" ] ||
		die "the CRL has $(kv entries "$line") entries, not $SIZE"
	add full.bytes "$(kv bytes "$line")"
	add full.pg_cpu "$(kv backend_cpu_seconds "$line")"
	say "full: $line"
	say "round $r of $RUNS: the full CRL and $SHARDS shards"
	timed sharded env "${ENV[@]}" RXCA_CRL_SHARDS="$SHARDS" "$BENCH_CRL" job
	line=$(cat "$WORK/sharded.out")
	add sharded.pg_cpu "$(kv backend_cpu_seconds "$line")"
	say "sharded: $line"
	if [ "$OPENSSL" = 1 ]; then
		say "round $r of $RUNS: openssl ca -gencrl"
		timed openssl openssl ca -config "$WORK/ca.cnf" -gencrl \
			-out "$WORK/openssl-crl.pem"
	fi
	round_load load
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# The CRLs made: each verifies under the issuing CA and holds every entry.
sql "SELECT encode(der, 'base64') FROM crls WHERE issuer = 'issuing'" |
	base64 -d >"$WORK/full.der"
openssl crl -inform DER -in "$WORK/full.der" -CAfile "$CA/issuing.crt" \
	-noout 2>&1 | grep -q "verify OK" || die "the full CRL does not verify"
read -r NSH SH_MIN SH_MAX SH_SUM SH_ENTRIES < <(sql "SELECT count(*),
	min(length(der)), max(length(der)), sum(length(der)), sum(entries)
	FROM crl_shards" | tr '|' ' ')
[ "$SH_ENTRIES" = "$SIZE" ] || die "the shards hold $SH_ENTRIES entries"
sql "SELECT encode(der, 'base64') FROM crl_shards ORDER BY length(der) DESC
	LIMIT 1" | base64 -d >"$WORK/shard.der"
openssl crl -inform DER -in "$WORK/shard.der" -CAfile "$CA/issuing.crt" \
	-noout 2>&1 | grep -q "verify OK" || die "a shard does not verify"

# --- report --------------------------------------------------------------------

echo
echo "CRL of $SIZE revoked certificates; medians of $RUNS rounds;" \
	"load average $LOAD0 before, $LOAD1 after; 1-minute after each" \
	"round: ${R[load]}"
printf '%-34s %8s %8s %8s %9s %9s\n' "" "wall s" "cpu s" "pg cpu s" \
	"peak MiB" "CRL MiB"
printf '%-34s %8s %8s %8s %9s %9s\n' "rxca, full CRL only" \
	"$(med full.wall)" "$(med full.cpu)" "$(med full.pg_cpu)" \
	"$(mib "$(med full.kib)")" \
	"$(mib "$(awk -v b="$(med full.bytes)" 'BEGIN { print b / 1024 }')")"
printf '%-34s %8s %8s %8s %9s %9s\n' "rxca, full CRL + $SHARDS shards" \
	"$(med sharded.wall)" "$(med sharded.cpu)" "$(med sharded.pg_cpu)" \
	"$(mib "$(med sharded.kib)")" "$(mib "$((SH_SUM / 1024))")"
if [ "$OPENSSL" = 1 ]; then
	printf '%-34s %8s %8s %8s %9s %9s\n' "openssl ca -gencrl (same list)" \
		"$(med openssl.wall)" "$(med openssl.cpu)" "-" \
		"$(mib "$(med openssl.kib)")" \
		"$(mib "$(($(openssl crl -in "$WORK/openssl-crl.pem" \
			-outform DER | wc -c) / 1024))")"
fi
echo "PostgreSQL reads the revoked certificates by: $PLAN"
echo "  once, EXPLAIN ANALYZE: $PLAN_RUN"
echo "shards: $NSH, bytes min $SH_MIN, max $SH_MAX (max $(awk -v b="$SH_MAX" \
	'BEGIN { printf "%.2f", b / 1048576 }') MiB), entries $SH_ENTRIES"
echo "rounds: full wall ${R[full.wall]}; cpu ${R[full.cpu]};" \
	"peak KiB ${R[full.kib]}"
echo "rounds: sharded wall ${R[sharded.wall]}; cpu ${R[sharded.cpu]};" \
	"peak KiB ${R[sharded.kib]}"
[ "$OPENSSL" = 1 ] && echo "rounds: openssl wall ${R[openssl.wall]};" \
	"cpu ${R[openssl.cpu]}; peak KiB ${R[openssl.kib]}"
exit 0
