#!/usr/bin/env bash
# Regenerates the CSRs of this directory (see README.md) with the openssl
# CLI; python3 does the byte surgery on DER.  Run from anywhere; the files
# land beside this script.  Keys are thrown away.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
subj="/CN=ignored by rxca"

csr() { # csr <keyfile> <out> [extra req options]
	local key=$1 out=$2
	shift 2
	openssl req -new -key "$key" -subj "$subj" -out "$out" "$@"
}
armour() { # armour <der> <out> [label]
	local label=${3:-CERTIFICATE REQUEST}
	{
		echo "-----BEGIN $label-----"
		base64 -w 64 "$1"
		echo "-----END $label-----"
	} >"$2"
}
surgery() { # surgery <in.der> <out.der> <python expression on bytearray d>
	python3 -c "import sys; d=bytearray(open(sys.argv[1],'rb').read()); $3; open(sys.argv[2],'wb').write(d)" "$1" "$2"
}

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/p256.key" 2>/dev/null
csr "$tmp/p256.key" valid_p256.pem
openssl req -in valid_p256.pem -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1 >valid_p256.spki.sha256
openssl req -in valid_p256.pem -outform DER -out "$tmp/p256.der"
sed 's/CERTIFICATE REQUEST/NEW CERTIFICATE REQUEST/' valid_p256.pem >valid_new_label.pem
{ printf '\n  \r\n'; sed 's/$/\r/' valid_p256.pem; printf '\t \n\n'; } >valid_crlf_spaces.pem

: >empty.pem
head -c 200 valid_p256.pem >truncated.pem
head -c 100 "$tmp/p256.der" >"$tmp/short.der"
armour "$tmp/short.der" truncated_der.pem
sed '2s/^\(.\{10\}\)./\1!/' valid_p256.pem >bad_base64.pem
cat valid_p256.pem valid_p256.pem >two_blocks.pem
{ echo "Subject: a CSR"; cat valid_p256.pem; } >text_before.pem
{ cat valid_p256.pem; echo "thanks"; } >text_after.pem
sed '1a Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00000000000000000000000000000000\n' valid_p256.pem >pem_header.pem
sed 's/END CERTIFICATE REQUEST/END CERTIFICATE/' valid_p256.pem >mismatched_end.pem
cp "$tmp/p256.der" der.csr
{ head -c 100 valid_p256.pem; printf '\0'; tail -c +101 valid_p256.pem; } >nul.pem
{ cat valid_p256.pem; head -c 17000 /dev/zero | tr '\0' '\n'; } >oversize.pem

openssl req -x509 -key "$tmp/p256.key" -subj "$subj" -days 30 -out certificate.pem
openssl x509 -in certificate.pem -outform DER -out "$tmp/cert.der"
armour "$tmp/cert.der" cert_as_csr.pem

surgery "$tmp/p256.der" "$tmp/badsig.der" 'd[-1]^=1'
armour "$tmp/badsig.der" bad_signature.pem
surgery "$tmp/p256.der" "$tmp/trail.der" 'd+=b"\0\0"'
armour "$tmp/trail.der" trailing_der.pem
# the outer SEQUENCE length in long form with a leading zero octet (BER)
surgery "$tmp/p256.der" "$tmp/ber.der" 'assert d[1]==0x81; d[1:2]=b"\x82\x00"'
armour "$tmp/ber.der" ber_length.pem

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$tmp/k" 2>/dev/null
csr "$tmp/k" rsa1024.pem
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_keygen_pubexp:3 -out "$tmp/k" 2>/dev/null
csr "$tmp/k" rsa_e3.pem
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out "$tmp/k" 2>/dev/null
csr "$tmp/k" rsa_pss.pem
for c in P-224 P-521; do
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:$c -out "$tmp/k" 2>/dev/null
	csr "$tmp/k" "$(echo $c | tr 'A-Z-' 'a-z\0' | tr -d '\0').pem"
done
openssl genpkey -algorithm ED25519 -out "$tmp/k"
csr "$tmp/k" ed25519.pem
openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -out "$tmp/dsap" 2>/dev/null
openssl genpkey -paramfile "$tmp/dsap" -out "$tmp/k"
csr "$tmp/k" dsa.pem
openssl ecparam -name prime256v1 -param_enc explicit -genkey -noout -out "$tmp/k"
csr "$tmp/k" ec_explicit.pem
csr "$tmp/p256.key" sha1.pem -sha1
