#!/usr/bin/env bash
# The rxca-token Debian package (cmake/package.cmake, docs/token.md):
# built by CPack from the build tree, unpacked into a throwaway root with
# dpkg -x, and run from there: the settings come from the package's
# /etc/rxca-token.conf (filled in, named by RXCA_TOKEN_CONF), the command
# line wins, a malformed file is refused by line, and `rxca-token status`
# finds a SoftHSM token.
#   usage: test_token_deb.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd -P)
tmp=$(mktemp -d /tmp/rxca-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Build the package.
(cd "$build" && cpack -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1) ||
	{ cat "$tmp/cpack.log" >&2; fail "cpack -G DEB"; }
deb=$(ls "$tmp"/out/rxca-token_*.deb)
[ "$(dpkg-deb -f "$deb" Package)" = rxca-token ] || fail "package name"
dpkg-deb -f "$deb" Depends | grep -q libcurl || fail "no shared-library dependencies"
dpkg-deb -e "$deb" "$tmp/control"
grep -qx /etc/rxca-token.conf "$tmp/control/conffiles" ||
	fail "/etc/rxca-token.conf is not a conffile"
dpkg-deb -c "$deb" >"$tmp/contents"
doc=./usr/share/doc/rxca-token
for f in ./usr/bin/rxca-token ./etc/rxca-token.conf \
	./usr/lib/systemd/user/rxca-token-agent.service "$doc/README" \
	"$doc/token"; do
	grep -Eq " $f(\.md)?\$" "$tmp/contents" || fail "$f not in the package"
done

# Install it into a throwaway root.
root=$tmp/root
dpkg -x "$deb" "$root"
tok=$root/usr/bin/rxca-token
grep -q '^ExecStart=/usr/bin/rxca-token agent$' \
	"$root/usr/lib/systemd/user/rxca-token-agent.service" || fail "unit"

# The shipped file has every setting commented out: no server.
conf=$root/etc/rxca-token.conf
out=$(RXCA_TOKEN_CONF=$conf "$tok" config)
grep -qx "config: $conf" <<<"$out" || fail "config not read: $out"
grep -qx "server: (none)" <<<"$out" || fail "a server from nowhere: $out"

# Filled in as an administrator would.
fp=$(printf 'AB:%.0s' $(seq 31))AB
cat >>"$conf" <<CONF
server = http://127.0.0.1:8080
root_sha256 = $fp
origin = https://portal.example.org
origin = https://ehr.example.org
CONF
out=$(RXCA_TOKEN_CONF=$conf "$tok" config)
grep -qx "server: http://127.0.0.1:8080" <<<"$out" || fail "server: $out"
grep -qx "root_sha256: $(printf 'ab%.0s' $(seq 32))" <<<"$out" ||
	fail "root_sha256: $out"
[ "$(grep -c '^origin: ' <<<"$out")" = 2 ] || fail "origins: $out"
# The command line wins.
out=$(RXCA_TOKEN_CONF=$conf "$tok" --server http://other:1 \
	--origin https://x.example config)
grep -qx "server: http://other:1" <<<"$out" || fail "--server lost: $out"
grep -qx "origin: https://x.example" <<<"$out" || fail "--origin lost: $out"
[ "$(grep -c '^origin: ' <<<"$out")" = 1 ] || fail "origins mixed: $out"

# A command that needs the server takes it from the file: `test` with
# none anywhere says so; with the file's it gets past that check.
printf '' >"$tmp/empty.conf"
if RXCA_TOKEN_CONF=$tmp/empty.conf "$tok" test </dev/null \
	>"$tmp/noserver" 2>&1; then fail "test without a server"; fi
grep -q "needs --server URL" "$tmp/noserver" || fail "$(cat "$tmp/noserver")"

# A malformed file is refused, naming the line; a missing one too.
printf 'server = http://a\nserver_url = http://b\n' >"$tmp/bad.conf"
if RXCA_TOKEN_CONF=$tmp/bad.conf "$tok" config >"$tmp/bad" 2>&1; then
	fail "a bad config accepted"
fi
grep -q "bad.conf, line 2: unknown key" "$tmp/bad" || fail "$(cat "$tmp/bad")"
if RXCA_TOKEN_CONF=$tmp/missing.conf "$tok" config >/dev/null 2>&1; then
	fail "a missing RXCA_TOKEN_CONF accepted"
fi

# rxca-token status from the root, on a SoftHSM token.
mkdir -p "$tmp/softhsm/tokens"
printf 'directories.tokendir = %s/softhsm/tokens\nobjectstore.backend = file\n' \
	"$tmp" >"$tmp/softhsm/softhsm2.conf"
export SOFTHSM2_CONF=$tmp/softhsm/softhsm2.conf
softhsm2-util --init-token --free --label rxca-deb --pin 123456 \
	--so-pin 12345678 >/dev/null
out=$(RXCA_TOKEN_CONF=$conf "$tok" status 2>&1) || fail "status: $out"
grep -q rxca-deb <<<"$out" || fail "status: $out"
echo "token package: ok ($(basename "$deb"), $(stat -c %s "$deb") bytes)"
