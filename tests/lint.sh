#!/usr/bin/env bash
# The house rules that a script can check (docs/testing.md, "Checks of style and docs"):
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

curl=$(grep -lE '#include[[:space:]]*<curl/' $src | grep -vE '^(\./)?(api/out/[a-z_]+\.c|proofing/provider_[a-z_]+\.c|token/[a-z_]+_http\.c)$')
[ -n "$curl" ] && fail "libcurl outside the adapter files:
$curl"

# The HTTP layer (api/CMakeLists.txt's rxca_http: its sources, read from
# there, and their headers) knows no database and no JSON.
http_layer=$(sed -n '/^add_library(rxca_http /,/)/p' api/CMakeLists.txt |
	sed 's/add_library(rxca_http STATIC//; s/)//' | tr -s ' \t' '\n' |
	grep '\.c$' | sed 's|^|api/|; p; s|\.c$|.h|' | sort -u)
[ -z "$http_layer" ] && fail "cannot read rxca_http's sources from api/CMakeLists.txt"
http_up=$(for f in $http_layer; do [ -f "$f" ] && grep -HnE '#include[[:space:]]*[<"](libpq-fe\.h|jansson\.h|api/db\.h)' "$f"; done)
[ -n "$http_up" ] && fail "the HTTP layer must not use libpq, jansson or api/store/db.h:
$http_up"

spliced=$(grep -nE 'PQexec[[:space:]]*\([^,]+,[[:space:]]*[A-Za-z_]' $src)
[ -n "$spliced" ] && fail "PQexec with a query that is not a string literal:
$spliced"

prefix=$(grep -nE '^(json|evhttp|evbuffer|PQ|X509|OCSP|CU)_[a-z_]*\(' $(echo "$src" | grep '\.c$'))
[ -n "$prefix" ] && fail "our functions must not take a dependency's prefix:
$prefix"

# The layers of api/ (api/CMakeLists.txt): each folder includes only the
# folders below it.  The job runner (jobs/) so imports no domain: each
# domain registers its job kinds.  admin/ and the top (the server's
# wiring) may include any.  One awk reads every file of api/ (a shell
# loop with subshells per file took over a minute on a loaded machine).
upward=$(awk '
function layer(f, parts) {
	if (f ~ /^api\/config\.[ch]$/)
		return "config"
	if (f ~ /^api\/[a-z].*\//) {
		split(f, parts, "/")
		return parts[2]
	}
	return ""
}
BEGIN {
	ok["http"] = "http"
	ok["config"] = "http config"
	ok["store"] = "store config"
	ok["out"] = "out config"
	ok["jobs"] = "jobs store http config"
	ok["service"] = "service jobs store out http config"
	ok["routes"] = "routes service jobs store out http config"
}
FNR == 1 {
	f = FILENAME
	sub(/^\.\//, "", f)
	from = layer(f)
}
(from in ok) && match($0, /#include[ \t]*"api\/[a-z_\/]*\.h"/) {
	inc = substr($0, RSTART, RLENGTH)
	sub(/.*"api\//, "", inc)
	sub(/"$/, "", inc)
	to = inc
	sub(/\/.*/, "", to)
	if (inc == "config.h")
		to = "config"
	if (index(" " ok[from] " ", " " to " ") == 0)
		printf "%s (%s) includes api/%s (%s)\n", f, from, inc, to
}' $(echo "$src" | grep -E '^(\./)?api/') /dev/null)
[ -n "$upward" ] && fail "an include against the layers of api/:
$upward"

# The storage boundary: libpq, query results, statements and BEGIN only
# under api/store/, with no exceptions (the build also refuses libpq's
# headers to every other library: rxca_store links libpq PRIVATE).
outside=$(echo "$src" | grep -E '^(\./)?api/' | grep -vE '^(\./)?api/store/')
storeb=$(grep -nE '#include[[:space:]]*<libpq-fe\.h>|\bPGresult\b|\bPQ[a-z]+\(|\bstruct sql\b|\bdb_(exec|exec_binary|run|get|get_int|get_time|get_bytea|begin|commit|rollback)\(|\bdbargs_[a-z]+\(|#include[[:space:]]*"api/store/db\.h"' $outside /dev/null)
[ -n "$storeb" ] && fail "libpq, query results, statements or BEGIN outside api/store/:
$storeb"

# Query results are read by column name (db_text(r, row, "version"),
# api/store/db.h), never by position: a SELECT's column list reordered
# would feed one column's value to another (a password hash, say).
positional=$(grep -nE '\bPQget(value|isnull|length)[[:space:]]*\([^,]+,[^,]+,[[:space:]]*[0-9]+[[:space:]]*\)' $(echo "$src" | grep -E '^(\./)?(api|ca|proofing|token|common)/') /dev/null)
[ -n "$positional" ] && fail "a query result read by column position:
$positional"

# Prepared statements are named per connection: a name used twice with two
# texts would run the wrong SQL.
dupes=$( (grep -ho '^STMT([a-z_0-9]*' $src | sed 's/STMT(//'
	grep -ho 'struct sql sql_[a-z_0-9]* = {"[a-z_0-9]*"' $src | sed 's/.*{"//; s/"//') |
	sort | uniq -d)
[ -n "$dupes" ] && fail "SQL statement names used twice:
$dupes"

[ $rc -eq 0 ] && echo "lint: clean"
exit $rc
