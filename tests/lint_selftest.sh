#!/usr/bin/env bash
# tests/lint.sh catches what it is for: a copy of the sources with
# includes against the layers of api/ and a read of a query result by
# column position planted must fail, naming each.
set -u
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/tests"
cp -r api ca proofing token common "$tmp/"
cp tests/lint.sh "$tmp/tests/"
echo '#include "api/routes/h_public.h"' >>"$tmp/api/store/db.c"
echo '#include "api/service/issue.h"' >>"$tmp/api/jobs/jobs.c"
echo '#include "api/server.h"' >>"$tmp/api/http/router.c"
echo '#include "api/store/db.h"' >>"$tmp/api/config.c"
echo 'static const char *v(PGresult *r) { return PQgetvalue(r, 0, 3); }' \
	>>"$tmp/api/store/store_pki.c"
out=$("$tmp/tests/lint.sh")
rc=$?
fails=0
[ "$rc" -eq 1 ] || { echo "lint_selftest: lint.sh exited $rc, not 1"; fails=1; }
for want in 'api/store/db.c (store) includes api/routes/h_public.h (routes)' \
	'api/jobs/jobs.c (jobs) includes api/service/issue.h (service)' \
	'api/http/router.c (http) includes api/server.h (server.h)' \
	'api/config.c (config) includes api/store/db.h (store)' \
	'lint: a query result read by column position:'; do
	grep -qxF "$want" <<<"$out" ||
		{ echo "lint_selftest: not reported: $want"; fails=1; }
done
[ "$fails" -eq 0 ] && echo "lint_selftest: every planted fault reported"
[ "$fails" -eq 0 ] || printf '%s\n' "$out"
exit "$fails"
