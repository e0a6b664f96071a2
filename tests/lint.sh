#!/usr/bin/env bash
# The house rules of ../shared/STYLE.md that a script can check:
# banned functions, layering, PQexec only with a literal, one header per
# module compiling on its own is left to the build.
set -u
cd "$(dirname "$0")/.."
rc=0
fail() { echo "lint: $*"; rc=1; }

src=$(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')

banned=$(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|system|gets)[[:space:]]*\(' $src)
[ -n "$banned" ] && fail "banned functions:
$banned"

layer=$(grep -nE '#include[[:space:]]*[<"](event2/|libpq-fe\.h)' $(echo "$src" | grep -E '^(\./)?(ca|proofing)/'))
[ -n "$layer" ] && fail "ca/ and proofing/ must not use libevent or libpq:
$layer"

# token/: the rxca-token application; libevent only in its HTTP adapters
# (token/*_http.c, the agent), never libpq.
tok=$(echo "$src" | grep -E '^(\./)?token/')
token=$(grep -nE '#include[[:space:]]*[<"]libpq-fe\.h' $tok /dev/null
	grep -nE '#include[[:space:]]*<event2/' $(echo "$tok" | grep -vE '^(\./)?token/[a-z_]+_http\.c$') /dev/null)
[ -n "$token" ] && fail "token/ uses libevent only in *_http.c, and never libpq:
$token"

curl=$(grep -lE '#include[[:space:]]*<curl/' $src | grep -vE '^(\./)?(api/mailer\.c|api/webhook_http\.c|proofing/provider_[a-z_]+\.c|token/[a-z_]+_http\.c)$')
[ -n "$curl" ] && fail "libcurl outside the adapter files:
$curl"

spliced=$(grep -nE 'PQexec[[:space:]]*\([^,]+,[[:space:]]*[A-Za-z_]' $src)
[ -n "$spliced" ] && fail "PQexec with a query that is not a string literal:
$spliced"

prefix=$(grep -nE '^(json|evhttp|evbuffer|PQ|X509|OCSP|CU)_[a-z_]*\(' $(echo "$src" | grep '\.c$'))
[ -n "$prefix" ] && fail "our functions must not take a dependency's prefix:
$prefix"

# Prepared statements are named per connection: a name used twice with two
# texts would run the wrong SQL.
dupes=$( (grep -ho '^STMT([a-z_0-9]*' $src | sed 's/STMT(//'
	grep -ho 'struct sql sql_[a-z_0-9]* = {"[a-z_0-9]*"' $src | sed 's/.*{"//; s/"//') |
	sort | uniq -d)
[ -n "$dupes" ] && fail "SQL statement names used twice:
$dupes"

[ $rc -eq 0 ] && echo "lint: clean"
exit $rc
