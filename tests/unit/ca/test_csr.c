/*
 * Unit tests of ca/csr.c: valid requests made here (P-256, P-384,
 * RSA-2048) and hostile ones from tests/data/csr (directory from
 * RXCA_TEST_DATA; see the README there), the key policy, and the key
 * fingerprint against the one the openssl CLI computed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ca/csr.h"
#include "common/bounds.h"
#include "common/digest.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

static EVP_PKEY *k256, *k384, *krsa;

/* The contents of tests/data/csr/name (caller frees), length in *len. */
static char *
slurp(const char *name, size_t *len)
{
	const char *dir;
	char path[1024], *buf;
	FILE *f;
	long n;

	if ((dir = getenv("RXCA_TEST_DATA")) == NULL)
		dir = "tests/data";
	snprintf(path, sizeof(path), "%s/csr/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* A request for key signed with md, as PEM (caller frees). */
static char *
make_csr(EVP_PKEY *key, const EVP_MD *md, size_t *len)
{
	X509_REQ *req;
	X509_NAME *name;
	BIO *bio;
	char *data, *out;
	long n;

	req = X509_REQ_new();
	name = X509_REQ_get_subject_name(req);
	CU_ASSERT_FATAL(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	                    (const unsigned char *)"whoever", -1, -1, 0) == 1);
	CU_ASSERT_FATAL(X509_REQ_set_version(req, X509_REQ_VERSION_1) == 1);
	CU_ASSERT_FATAL(X509_REQ_set_pubkey(req, key) == 1);
	CU_ASSERT_FATAL(X509_REQ_sign(req, key, md) > 0);
	bio = BIO_new(BIO_s_mem());
	CU_ASSERT_FATAL(PEM_write_bio_X509_REQ(bio, req) == 1);
	n = BIO_get_mem_data(bio, &data);
	out = malloc((size_t)n + 1);
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	*len = (size_t)n;
	BIO_free(bio);
	X509_REQ_free(req);
	return out;
}

static int
suite_init(void)
{
	k256 = EVP_EC_gen("P-256");
	k384 = EVP_EC_gen("P-384");
	krsa = EVP_RSA_gen(2048);
	return k256 != NULL && k384 != NULL && krsa != NULL ? 0 : -1;
}

static int
suite_clean(void)
{
	EVP_PKEY_free(k256);
	EVP_PKEY_free(k384);
	EVP_PKEY_free(krsa);
	return 0;
}

/* Parses pem and expects success; the key must be key (if not NULL). */
static void
expect_ok(const char *pem, size_t len, EVP_PKEY *key)
{
	struct problem p;
	X509_REQ *req;

	problem_clear(&p);
	req = csr_parse(pem, len, &p);
	CU_ASSERT_PTR_NOT_NULL(req);
	CU_ASSERT_EQUAL(p.status, 0);
	CU_ASSERT_EQUAL(ERR_peek_error(), 0);
	if (req != NULL && key != NULL)
		CU_ASSERT(EVP_PKEY_eq(X509_REQ_get0_pubkey(req), key) == 1);
	X509_REQ_free(req);
}

/* Parses pem and expects a 422 on "csr" whose message contains want. */
static void
expect_refused(const char *what, const char *pem, size_t len, const char *want)
{
	struct problem p;
	X509_REQ *req;

	problem_clear(&p);
	req = csr_parse(pem, len, &p);
	CU_ASSERT_PTR_NULL(req);
	CU_ASSERT_EQUAL(p.status, 422);
	CU_ASSERT_EQUAL(p.nfields, 1);
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "csr");
	if (want != NULL && strstr(p.fields[0].message, want) == NULL) {
		fprintf(stderr, "\n%s: \"%s\" lacks \"%s\"\n", what,
		    p.fields[0].message, want);
		CU_FAIL("wrong message");
	}
	CU_ASSERT_EQUAL(ERR_peek_error(), 0);
	X509_REQ_free(req);
}

static void
test_valid(void)
{
	static const char *const files[] = {
	    "valid_p256.pem", "valid_new_label.pem", "valid_crlf_spaces.pem"};
	char *pem;
	size_t len, i;

	pem = make_csr(k256, EVP_sha256(), &len);
	expect_ok(pem, len, k256);
	free(pem);
	pem = make_csr(k384, EVP_sha384(), &len);
	expect_ok(pem, len, k384);
	free(pem);
	pem = make_csr(krsa, EVP_sha256(), &len);
	expect_ok(pem, len, krsa);
	/* without its last newline, and as a NUL-terminated string */
	expect_ok(pem, len - 1, krsa);
	expect_ok(pem, strlen(pem), krsa);
	free(pem);
	pem = make_csr(k256, EVP_sha512(), &len);
	expect_ok(pem, len, k256);
	free(pem);
	for (i = 0; i < NITEMS(files); i++) {
		pem = slurp(files[i], &len);
		CU_ASSERT_FATAL(pem != NULL);
		expect_ok(pem, len, NULL);
		free(pem);
	}
}

static void
test_hostile_files(void)
{
	static const struct {
		const char *file;
		const char *message;
	} cases[] = {
	    {"empty.pem", "empty"},
	    {"truncated.pem", "truncated or malformed PEM"},
	    {"truncated_der.pem", "not a DER certificate request"},
	    {"bad_base64.pem", "base64"},
	    {"two_blocks.pem", "more than one PEM block"},
	    {"text_before.pem", "not a PEM certificate request"},
	    {"text_after.pem", "text after the PEM block"},
	    {"pem_header.pem", "PEM headers"},
	    {"mismatched_end.pem", "truncated or malformed PEM"},
	    {"der.csr", "not a PEM certificate request"},
	    {"nul.pem", "not a PEM certificate request"},
	    {"oversize.pem", "too large"},
	    {"certificate.pem", "not a certificate request"},
	    {"cert_as_csr.pem", "not a DER certificate request"},
	    {"bad_signature.pem", "signature does not verify"},
	    {"trailing_der.pem", "data after the certificate request"},
	    {"ber_length.pem", "not in DER"},
	    {"rsa1024.pem", "key type or size not accepted"},
	    {"rsa_e3.pem", "key type or size not accepted"},
	    {"rsa_pss.pem", "key type or size not accepted"},
	    {"p224.pem", "key type or size not accepted"},
	    {"p521.pem", "key type or size not accepted"},
	    {"ed25519.pem", "key type or size not accepted"},
	    {"dsa.pem", "key type or size not accepted"},
	    {"ec_explicit.pem", "key type or size not accepted"},
	    {"sha1.pem", "signature algorithm not accepted"},
	};
	char *pem;
	size_t len, i;

	for (i = 0; i < NITEMS(cases); i++) {
		pem = slurp(cases[i].file, &len);
		CU_ASSERT_PTR_NOT_NULL(pem);
		if (pem == NULL) {
			fprintf(stderr, "\nmissing %s\n", cases[i].file);
			continue;
		}
		expect_refused(cases[i].file, pem, len, cases[i].message);
		free(pem);
	}
	expect_refused("NULL", NULL, 10, "empty");
	pem = slurp("oversize.pem", &len);
	CU_ASSERT_FATAL(pem != NULL && len > BOUND_CSR_PEM);
	/* the same request within the bound is fine */
	expect_ok(pem, BOUND_CSR_PEM, NULL);
	free(pem);
}

/* A long-form DER length of n at out; returns its size. */
static size_t
der_len(unsigned char *out, size_t n)
{
	if (n < 0x80) {
		out[0] = (unsigned char)n;
		return 1;
	}
	if (n < 0x100) {
		out[0] = 0x81;
		out[1] = (unsigned char)n;
		return 2;
	}
	out[0] = 0x82;
	out[1] = (unsigned char)(n >> 8);
	out[2] = (unsigned char)n;
	return 3;
}

/*
 * A request whose CertificationRequestInfo is BER (a non-minimal length)
 * and is correctly signed as such: the signature verifies, the DER check
 * alone refuses it.
 */
static void
test_ber_signed(void)
{
	unsigned char *tbs = NULL, *alg = NULL, ber[1024], sig[256], der[2048];
	const X509_ALGOR *sigalg = NULL;
	const unsigned char *q;
	EVP_MD_CTX *md;
	X509_REQ *req, *back;
	BIO *bio;
	char *pem, *data;
	size_t tlen, hdr, blen, slen = sizeof(sig), inner, o;
	int alen;
	long n;

	pem = make_csr(k256, EVP_sha256(), &tlen);
	bio = BIO_new_mem_buf(pem, (int)tlen);
	req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
	BIO_free(bio);
	free(pem);
	CU_ASSERT_FATAL(req != NULL);
	tlen = (size_t)i2d_re_X509_REQ_tbs(req, &tbs);
	CU_ASSERT_FATAL(tbs[0] == 0x30 && tlen < 256);
	hdr = tbs[1] == 0x81 ? 3 : 2;
	/* 30 84 00 00 00 LL: a four-octet length where one would do */
	ber[0] = 0x30;
	ber[1] = 0x84;
	ber[2] = ber[3] = ber[4] = 0;
	ber[5] = (unsigned char)(tlen - hdr);
	memcpy(ber + 6, tbs + hdr, tlen - hdr);
	blen = 6 + tlen - hdr;

	md = EVP_MD_CTX_new();
	CU_ASSERT_FATAL(
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k256) == 1);
	CU_ASSERT_FATAL(EVP_DigestSign(md, sig, &slen, ber, blen) == 1);
	EVP_MD_CTX_free(md);
	X509_REQ_get0_signature(req, NULL, &sigalg);
	alen = i2d_X509_ALGOR(sigalg, &alg);
	CU_ASSERT_FATAL(alen > 0);

	inner = blen + (size_t)alen + 2 + 1 + slen;
	o = 0;
	der[o++] = 0x30;
	o += der_len(der + o, inner);
	memcpy(der + o, ber, blen);
	o += blen;
	memcpy(der + o, alg, (size_t)alen);
	o += (size_t)alen;
	der[o++] = 0x03;
	o += der_len(der + o, slen + 1);
	der[o++] = 0;
	memcpy(der + o, sig, slen);
	o += slen;

	/* OpenSSL takes it and the signature verifies over the BER bytes */
	q = der;
	back = d2i_X509_REQ(NULL, &q, (long)o);
	CU_ASSERT_FATAL(back != NULL);
	CU_ASSERT(q == der + o);
	CU_ASSERT(X509_REQ_verify(back, k256) == 1);
	X509_REQ_free(back);

	bio = BIO_new(BIO_s_mem());
	CU_ASSERT_FATAL(
	    PEM_write_bio(bio, "CERTIFICATE REQUEST", "", der, (long)o) > 0);
	n = BIO_get_mem_data(bio, &data);
	expect_refused("BER inside", data, (size_t)n, "not in DER");
	BIO_free(bio);
	OPENSSL_free(tbs);
	OPENSSL_free(alg);
	X509_REQ_free(req);
}

/* An RSA public key from n and e (no checks by OpenSSL). */
static EVP_PKEY *
rsa_public(const BIGNUM *n, unsigned long e)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params;
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *key = NULL;
	BIGNUM *be = BN_new();

	BN_set_word(be, e);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be);
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(be);
	return key;
}

/* An EC public key on curve with the encoded point pt[0..len), or NULL if
 * OpenSSL will not make one. */
static EVP_PKEY *
ec_point(const char *curve, const unsigned char *pt, size_t len)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params;
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *key = NULL;

	OSSL_PARAM_BLD_push_utf8_string(
	    bld, OSSL_PKEY_PARAM_GROUP_NAME, curve, 0);
	OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, len);
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

/* The public half of EC key of, made again with EVP_PKEY_fromdata() from
 * its curve name and encoded point, as a token's public key is. */
static EVP_PKEY *
ec_public(EVP_PKEY *of)
{
	unsigned char pt[256];
	char group[64];
	size_t plen = 0, glen = 0;

	CU_ASSERT_FATAL(
	    EVP_PKEY_get_group_name(of, group, sizeof(group), &glen) == 1);
	CU_ASSERT_FATAL(
	    EVP_PKEY_get_octet_string_param(
	        of, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &plen) == 1);
	return ec_point(group, pt, plen);
}

/* A random odd modulus of bits bits without factors below 1000. */
static BIGNUM *
modulus(int bits)
{
	BIGNUM *n = BN_new();
	BN_ULONG d;

	for (;;) {
		CU_ASSERT_FATAL(
		    BN_rand(n, bits, BN_RAND_TOP_TWO, BN_RAND_BOTTOM_ODD) == 1);
		for (d = 3; d < 1000; d += 2)
			if (BN_mod_word(n, d) == 0)
				break;
		if (d >= 1000)
			return n;
	}
}

/* csr_key_check(key): 0 or a 422 on "csr". */
static int
key_ok(EVP_PKEY *key)
{
	struct problem p;
	int rc;

	problem_clear(&p);
	rc = csr_key_check(key, &p);
	if (rc == -1) {
		CU_ASSERT_EQUAL(p.status, 422);
		CU_ASSERT_STRING_EQUAL(p.fields[0].field, "csr");
		CU_ASSERT_STRING_EQUAL(
		    p.fields[0].message, "key type or size not accepted");
	} else {
		CU_ASSERT_EQUAL(p.status, 0);
	}
	CU_ASSERT_EQUAL(ERR_peek_error(), 0);
	return rc;
}

static void
test_keys(void)
{
	static const char *const curves[] = {"P-224", "P-521", "secp256k1"};
	static const char *const types[] = {"ED25519", "ED448", "X25519"};
	EVP_PKEY *k;
	BIGNUM *n, *three;
	BN_CTX *bn;
	size_t i;

	CU_ASSERT_EQUAL(key_ok(k256), 0);
	CU_ASSERT_EQUAL(key_ok(k384), 0);
	CU_ASSERT_EQUAL(key_ok(krsa), 0);
	CU_ASSERT_EQUAL(key_ok(NULL), -1);
	/* public keys made from their curve and point, as a token's are */
	k = ec_public(k384);
	CU_ASSERT_FATAL(k != NULL);
	CU_ASSERT_EQUAL(key_ok(k), 0);
	EVP_PKEY_free(k);
	k = ec_public(k256);
	CU_ASSERT_FATAL(k != NULL);
	CU_ASSERT_EQUAL(key_ok(k), 0);
	EVP_PKEY_free(k);
	for (i = 0; i < NITEMS(curves); i++) {
		k = EVP_EC_gen(curves[i]);
		CU_ASSERT_FATAL(k != NULL);
		CU_ASSERT_EQUAL(key_ok(k), -1);
		EVP_PKEY_free(k);
	}
	/* the point at infinity, which the quick check still refuses */
	if ((k = ec_point("P-256", (const unsigned char *)"", 1)) != NULL)
		CU_ASSERT_EQUAL(key_ok(k), -1);
	EVP_PKEY_free(k);
	ERR_clear_error();
	for (i = 0; i < NITEMS(types); i++) {
		k = EVP_PKEY_Q_keygen(NULL, NULL, types[i]);
		CU_ASSERT_FATAL(k != NULL);
		CU_ASSERT_EQUAL(key_ok(k), -1);
		EVP_PKEY_free(k);
	}
	k = EVP_RSA_gen(1024);
	CU_ASSERT_FATAL(k != NULL);
	CU_ASSERT_EQUAL(key_ok(k), -1);
	EVP_PKEY_free(k);

	/* sizes, exponent and modulus, on public keys made from numbers */
	n = modulus(2048);
	CU_ASSERT_EQUAL(key_ok(k = rsa_public(n, 65537)), 0);
	EVP_PKEY_free(k);
	CU_ASSERT_EQUAL(key_ok(k = rsa_public(n, 3)), -1);
	EVP_PKEY_free(k);
	CU_ASSERT_EQUAL(key_ok(k = rsa_public(n, 65539)), -1);
	EVP_PKEY_free(k);
	BN_clear_bit(n, 0); /* even */
	CU_ASSERT_EQUAL(key_ok(k = rsa_public(n, 65537)), -1);
	EVP_PKEY_free(k);
	BN_free(n);
	n = modulus(2047);
	CU_ASSERT_EQUAL(key_ok(k = rsa_public(n, 65537)), -1);
	EVP_PKEY_free(k);
	/* a multiple of 3 */
	three = BN_new();
	bn = BN_CTX_new();
	BN_set_word(three, 3);
	BN_mul(n, n, three, bn);
	BN_CTX_free(bn);
	CU_ASSERT(BN_num_bits(n) >= 2048);
	CU_ASSERT_EQUAL(key_ok(k = rsa_public(n, 65537)), -1);
	EVP_PKEY_free(k);
	BN_free(three);
	BN_free(n);
	n = modulus(8192);
	CU_ASSERT_EQUAL(key_ok(k = rsa_public(n, 65537)), 0);
	EVP_PKEY_free(k);
	BN_free(n);
	n = modulus(8200);
	CU_ASSERT_EQUAL(key_ok(k = rsa_public(n, 65537)), -1);
	EVP_PKEY_free(k);
	BN_free(n);
}

static void
test_spki(void)
{
	unsigned char mine[CSR_SPKI_HASH_LEN], want[DIGEST_LEN], *der = NULL;
	char hex[DIGEST_HEX_LEN], *pem, *expected;
	struct problem p;
	X509_REQ *req;
	size_t len, elen;
	int n;

	/* the file's key, against `openssl pkey -pubin -outform DER | sha256`
	 */
	pem = slurp("valid_p256.pem", &len);
	expected = slurp("valid_p256.spki.sha256", &elen);
	CU_ASSERT_FATAL(pem != NULL && expected != NULL && elen >= 64);
	problem_clear(&p);
	req = csr_parse(pem, len, &p);
	CU_ASSERT_FATAL(req != NULL);
	CU_ASSERT_EQUAL(csr_spki_sha256(X509_REQ_get0_pubkey(req), mine), 0);
	digest_hex(mine, sizeof(mine), hex);
	CU_ASSERT(strncmp(hex, expected, 64) == 0);
	X509_REQ_free(req);
	free(pem);
	free(expected);

	/* a key made here, against i2d_PUBKEY; different keys differ */
	n = i2d_PUBKEY(k384, &der);
	CU_ASSERT_FATAL(n > 0);
	digest_sha256(der, (size_t)n, want);
	OPENSSL_free(der);
	CU_ASSERT_EQUAL(csr_spki_sha256(k384, mine), 0);
	CU_ASSERT(memcmp(mine, want, sizeof(want)) == 0);
	CU_ASSERT_EQUAL(csr_spki_sha256(k256, want), 0);
	CU_ASSERT(memcmp(mine, want, sizeof(want)) != 0);
	CU_ASSERT_EQUAL(csr_spki_sha256(NULL, mine), -1);
	ERR_clear_error();
}

/* 1 if pub holds exactly key's SPKI as OpenSSL's encoder writes it. */
static int
spki_is(X509_PUBKEY *pub, EVP_PKEY *key)
{
	unsigned char *a = NULL, *b = NULL;
	int na = i2d_X509_PUBKEY(pub, &a), nb = i2d_PUBKEY(key, &b), same;

	same = na > 0 && na == nb && memcmp(a, b, (size_t)na) == 0;
	OPENSSL_free(a);
	OPENSSL_free(b);
	return same;
}

/*
 * An EC SPKI written from the curve and the point is the encoder's, byte
 * for byte (P-256, P-384, a compressed point too), and reads back as the
 * same key; an RSA key or a curve rxca does not certify is not written
 * (and csr_spki_sha256 still hashes the encoder's bytes), and an SPKI
 * whose point is off the curve does not read back.
 */
static void
test_ec_spki(void)
{
	EVP_PKEY *keys[3], *back, *k521 = EVP_EC_gen("P-521"), *small;
	unsigned char mine[CSR_SPKI_HASH_LEN], want[DIGEST_LEN], *der = NULL;
	const unsigned char *point = NULL;
	unsigned char bad[65];
	X509_PUBKEY *pub;
	int i, n = 0;

	keys[0] = k256;
	keys[1] = k384;
	keys[2] = NULL;
	small = EVP_EC_gen("P-256");
	CU_ASSERT_FATAL(k521 != NULL && small != NULL);
	CU_ASSERT_FATAL(
	    EVP_PKEY_set_utf8_string_param(small,
	        OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed") == 1);
	for (i = 0; i < 2; i++) {
		pub = X509_PUBKEY_new();
		CU_ASSERT_EQUAL(csr_ec_spki_set(pub, keys[i]), 0);
		CU_ASSERT(spki_is(pub, keys[i]));
		back = csr_ec_spki_key(pub);
		CU_ASSERT(back != NULL && EVP_PKEY_eq(back, keys[i]) == 1);
		EVP_PKEY_free(back);
		X509_PUBKEY_free(pub);
	}
	/* a compressed point: left to the encoder, hashed as it writes it */
	pub = X509_PUBKEY_new();
	CU_ASSERT_EQUAL(csr_ec_spki_set(pub, small), -1);
	n = i2d_PUBKEY(small, &der);
	CU_ASSERT_FATAL(n > 0);
	digest_sha256(der, (size_t)n, want);
	OPENSSL_free(der);
	der = NULL;
	CU_ASSERT_EQUAL(csr_spki_sha256(small, mine), 0);
	CU_ASSERT(memcmp(mine, want, sizeof(want)) == 0);
	CU_ASSERT_EQUAL(csr_ec_spki_set(pub, krsa), -1);
	CU_ASSERT_EQUAL(csr_ec_spki_set(pub, NULL), -1);
	CU_ASSERT_EQUAL(csr_ec_spki_set(pub, k521), 0);
	CU_ASSERT_PTR_NULL(csr_ec_spki_key(pub)); /* not certified */
	X509_PUBKEY_free(pub);
	n = i2d_PUBKEY(krsa, &der);
	CU_ASSERT_FATAL(n > 0);
	digest_sha256(der, (size_t)n, want);
	OPENSSL_free(der);
	CU_ASSERT_EQUAL(csr_spki_sha256(krsa, mine), 0);
	CU_ASSERT(memcmp(mine, want, sizeof(want)) == 0);
	/* the P-256 point with its y coordinate changed */
	pub = X509_PUBKEY_new();
	CU_ASSERT_EQUAL(csr_ec_spki_set(pub, k256), 0);
	CU_ASSERT(X509_PUBKEY_get0_param(NULL, &point, &n, NULL, pub) == 1);
	CU_ASSERT_FATAL(n == (int)sizeof(bad));
	memcpy(bad, point, sizeof(bad));
	bad[64] ^= 1;
	CU_ASSERT(
	    X509_PUBKEY_set0_param(pub, OBJ_nid2obj(NID_X9_62_id_ecPublicKey),
	        V_ASN1_OBJECT, OBJ_nid2obj(NID_X9_62_prime256v1),
	        OPENSSL_memdup(bad, sizeof(bad)), (int)sizeof(bad)) == 1);
	CU_ASSERT_PTR_NULL(csr_ec_spki_key(pub));
	X509_PUBKEY_free(pub);
	EVP_PKEY_free(small);
	EVP_PKEY_free(k521);
	ERR_clear_error();
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("csr", suite_init, suite_clean);
	CU_add_test(s, "valid requests", test_valid);
	CU_add_test(s, "hostile files", test_hostile_files);
	CU_add_test(s, "BER signed as BER", test_ber_signed);
	CU_add_test(s, "key policy", test_keys);
	CU_add_test(s, "key fingerprint", test_spki);
	CU_add_test(s, "EC SPKI without the encoder", test_ec_spki);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
