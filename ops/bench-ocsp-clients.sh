#!/usr/bin/env bash
# ops/bench-ocsp-clients.sh: how small an OCSP response can be, and which
# forms relying parties accept.  A measurement, not a test.
#
# A throw-away PKI made with openssl, shaped as rxca's (ECDSA P-384 root,
# issuing CA and delegated OCSP signer with id-kp-OCSPSigning and
# ocsp-nocheck; a leaf whose AIA names the responder), and responses made
# by `openssl ocsp` for it in these forms:
#
#   deleg_cert      delegated signer, its certificate embedded (rxca today)
#   deleg_nocert    delegated signer, no certificate (-resp_no_certs)
#   deleg_keyid     delegated signer, embedded, ResponderID byKey
#   issuer_nocert   the issuing CA signs, no certificate
#   issuer_keyid    the issuing CA signs, no certificate, byKey
#   two_deleg_cert  delegated, embedded, two SingleResponses (SHA-1 and
#                   SHA-256 CertIDs of the same certificate, one signature)
#   two256_deleg_cert  the same, the SHA-256 one first (GnuTLS's TLS
#                   status check reads only the first SingleResponse)
#   two_issuer_nocert  the same, signed by the issuing CA, no certificate
#
# Each is served (whatever the request) by a small HTTP responder at the
# leaf's AIA URL and checked by three clients, each asking with a SHA-1
# CertID and, where the client can, SHA-256:
#   openssl   `openssl ocsp -url` with the chain as -CAfile
#   gnutls    `ocsptool --ask` with --load-issuer (GnuTLS)
#   nss       `vfychain -pp -g leaf -m ocsp -s failIfNoInfo` (NSS), root
#             trusted in a fresh NSS database
# A form passes with a client when it reports the certificate good and the
# response verified.  `openssl ocsp -sha256` against a form holding only a
# SHA-1 CertID must fail (no answer for the CertID asked): that column
# shows that the clients match the CertID.  BENCH_KEEP=1 keeps the work
# folder (gnutls.log, nss.log).  BENCH_PORT: the responder's port
# (default: a free one; see bench_port in ops/bench-lib.sh).
set -euo pipefail

# shellcheck source=ops/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

WORK=$(mktemp -d /tmp/rxca-bench-ocsp-clients.XXXXXX)
PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
say() { printf 'bench-ocsp-clients: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
cd "$WORK"
PORT=$(bench_port BENCH_PORT)
URL=http://127.0.0.1:$PORT/

# --- the PKI -------------------------------------------------------------------

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
	-out "$1.key" 2>/dev/null; }
cat >ext.cnf <<CNF
[req]
distinguished_name = dn
[dn]
[x_ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[x_ocsp]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
noCheck = ignored
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[x_leaf]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
authorityInfoAccess = OCSP;URI:$URL
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
for k in root issuing ocsp leaf; do key "$k"; done
openssl req -x509 -new -key root.key -subj "/O=rxca bench/CN=Bench Root" \
	-days 30 -sha384 -extensions x_ca -config ext.cnf -out root.crt
sign() { # sign <name> <subject> <issuer> <extensions>
	openssl req -new -key "$1.key" -subj "$2" -config ext.cnf -out "$1.csr"
	openssl x509 -req -in "$1.csr" -CA "$3.crt" -CAkey "$3.key" \
		-CAcreateserial -days 30 -sha384 -extfile ext.cnf \
		-extensions "x_$4" -out "$1.crt" 2>/dev/null
}
sign issuing "/O=rxca bench/CN=Bench Issuing CA" root ca
sign ocsp "/O=rxca bench/CN=Bench OCSP Signer" issuing ocsp
sign leaf "/O=rxca bench/CN=Dr Ada Lovelace" issuing leaf
cat issuing.crt root.crt >chain.pem
SERIAL=$(openssl x509 -in leaf.crt -noout -serial | cut -d= -f2)
EXP=$(date -u -d '+30 days' +%y%m%d%H%M%SZ)
printf 'V\t%s\t\t%s\tunknown\t/O=rxca bench/CN=Dr Ada Lovelace\n' "$EXP" \
	"$SERIAL" >index.txt

# --- the responses -------------------------------------------------------------

openssl ocsp -issuer issuing.crt -sha1 -cert leaf.crt -no_nonce \
	-reqout one.req 2>/dev/null
openssl ocsp -issuer issuing.crt -sha1 -cert leaf.crt -sha256 -cert leaf.crt \
	-no_nonce -reqout two.req 2>/dev/null
openssl ocsp -issuer issuing.crt -sha256 -cert leaf.crt -sha1 -cert leaf.crt \
	-no_nonce -reqout two256.req 2>/dev/null
respond() { # respond <form> <request> <signer> <openssl options...>
	local form=$1 req=$2 signer=$3
	shift 3
	openssl ocsp -index index.txt -CA issuing.crt -rsigner "$signer.crt" \
		-rkey "$signer.key" -reqin "$req" -ndays 1 "$@" \
		-respout "$form.der" 2>/dev/null
}
FORMS=(deleg_cert deleg_nocert deleg_keyid issuer_nocert issuer_keyid
	two_deleg_cert two256_deleg_cert two_issuer_nocert)
respond deleg_cert one.req ocsp
respond deleg_nocert one.req ocsp -resp_no_certs
respond deleg_keyid one.req ocsp -resp_key_id
respond issuer_nocert one.req issuing -resp_no_certs
respond issuer_keyid one.req issuing -resp_no_certs -resp_key_id
respond two_deleg_cert two.req ocsp
respond two256_deleg_cert two256.req ocsp
respond two_issuer_nocert two.req issuing -resp_no_certs

# --- the responder and the clients ---------------------------------------------

cat >responder.py <<'PYEOF'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        body = open(open("current").read().strip(), "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/ocsp-response")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = answer
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PYEOF
echo deleg_cert.der >current
/usr/bin/python3 responder.py "$PORT" &
PIDS+=($!)
for _ in $(seq 50); do
	curl -fs -o /dev/null -X POST "$URL" && break
	sleep 0.1
done

mkdir nssdb
certutil -N -d sql:nssdb --empty-password
certutil -A -d sql:nssdb -n root -t CT,C,C -i root.crt
certutil -A -d sql:nssdb -n issuing -t ,, -i issuing.crt
openssl x509 -in leaf.crt -outform DER -out leaf.der

c_openssl() { # c_openssl <sha1|sha256>
	local out
	out=$(openssl ocsp -issuer issuing.crt "-$1" -cert leaf.crt -url "$URL" \
		-CAfile chain.pem -no_nonce 2>&1) || true
	grep -q '^Response verify OK' <<<"$out" &&
		grep -q ': good' <<<"$out" && echo ok || echo FAIL
}
c_gnutls() {
	local out
	out=$(ocsptool --ask="$URL" --load-issuer issuing.crt \
		--load-cert leaf.crt --no-nonce 2>&1) || true
	printf '%s\n' "$out" >>gnutls.log
	grep -q 'Verifying OCSP Response: Success' <<<"$out" &&
		grep -q 'Certificate Status: good' <<<"$out" && echo ok || echo FAIL
}
c_nss() {
	if vfychain -d sql:nssdb -pp -u 0 -g leaf -m ocsp -s failIfNoInfo \
		leaf.der >>nss.log 2>&1; then
		echo ok
	else
		echo FAIL
	fi
}

printf '\n== ops/bench-ocsp-clients.sh (%s; %s, GnuTLS %s, NSS vfychain)\n' \
	"$(date -u +%FT%TZ)" "$(openssl version | cut -d' ' -f1-2)" \
	"$(ocsptool --version 2>&1 | head -n1 | awk '{ print $NF }')"
printf '%-18s %6s  %-8s %-8s %-8s %-8s\n' form bytes openssl openssl gnutls nss
printf '%-18s %6s  %-8s %-8s %-8s %-8s\n' '' '' sha1 sha256 sha1 sha1
for f in "${FORMS[@]}"; do
	echo "$f.der" >current
	printf '%-18s %6s  %-8s %-8s %-8s %-8s\n' "$f" "$(stat -c %s "$f.der")" \
		"$(c_openssl sha1)" "$(c_openssl sha256)" "$(c_gnutls)" "$(c_nss)"
done
