#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include "ca/csr.h"
#include "common/bounds.h"
#include "common/digest.h"
#include "common/logger.h"

#define CSR_SMALL_FACTOR_MAX 1000 /* trial division of an RSA modulus */
#define CSR_EC_POINT_MAX     97   /* bytes of a P-384 point, uncompressed */

/* Drains OpenSSL's error queue at warning level: input was refused. */
static void
csr_drain(const char *why)
{
	char buf[256];
	unsigned long e;
	int any = 0;

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_warn(
		    "csr: refused", "reason=\"%s\" openssl=\"%s\"", why, buf);
		any = 1;
	}
	if (!any)
		log_warn("csr: refused", "reason=\"%s\"", why);
}

/* Refuses the request with msg (client-safe) for the field "csr". */
static int
csr_refuse(struct problem *p, const char *msg)
{
	csr_drain(msg);
	return problem_invalid(p, CSR_FIELD, msg);
}

static int
csr_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* 1 if s[0..len) is printable ASCII and white space only. */
static int
csr_text(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!csr_space((char)c) && (c < 0x20 || c > 0x7e))
			return 0;
	}
	return 1;
}

/* The message for what follows the PEM block, or NULL if only space. */
static const char *
csr_rest(const char *s, size_t len)
{
	static const char begin[] = "-----BEGIN";
	size_t i;

	for (i = 0; i < len && csr_space(s[i]); i++)
		continue;
	if (i == len)
		return NULL;
	if (len - i >= sizeof(begin) - 1 &&
	    memcmp(s + i, begin, sizeof(begin) - 1) == 0)
		return "more than one PEM block";
	return "text after the PEM block";
}

/* 1 if the signature algorithm of req is one rxca accepts. */
static int
csr_sigalg_ok(const X509_REQ *req)
{
	const X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *obj = NULL;
	const void *param = NULL;
	int ptype = 0;

	X509_REQ_get0_signature(req, NULL, &alg);
	if (alg == NULL)
		return 0;
	X509_ALGOR_get0(&obj, &ptype, &param, alg);
	switch (OBJ_obj2nid(obj)) {
	case NID_ecdsa_with_SHA256:
	case NID_ecdsa_with_SHA384:
	case NID_ecdsa_with_SHA512:
		return ptype == V_ASN1_UNDEF;
	case NID_sha256WithRSAEncryption:
	case NID_sha384WithRSAEncryption:
	case NID_sha512WithRSAEncryption:
		return ptype == V_ASN1_NULL;
	default:
		return 0;
	}
}

X509_REQ *
csr_parse(const char *pem, size_t len, struct problem *p)
{
	static const char begin[] = "-----BEGIN ";
	BIO *bio = NULL;
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL, *again = NULL;
	const unsigned char *q;
	const char *msg;
	X509_REQ *req = NULL;
	size_t i, used;
	long derlen = 0;
	int n;

	if (pem == NULL || len == 0) {
		csr_refuse(p, "the request is empty");
		goto fail;
	}
	if (len > BOUND_CSR_PEM) {
		csr_refuse(p, "the request is too large");
		goto fail;
	}
	for (i = 0; i < len && csr_space(pem[i]); i++)
		continue;
	if (!csr_text(pem, len) || len - i < sizeof(begin) - 1 ||
	    memcmp(pem + i, begin, sizeof(begin) - 1) != 0) {
		csr_refuse(p, "not a PEM certificate request");
		goto fail;
	}
	if ((bio = BIO_new_mem_buf(pem + i, (int)(len - i))) == NULL) {
		log_openssl("csr: cannot make a memory BIO");
		problem_internal(p);
		goto fail;
	}
	if (PEM_read_bio(bio, &name, &header, &der, &derlen) != 1) {
		if (ERR_GET_REASON(ERR_peek_last_error()) ==
		    PEM_R_BAD_BASE64_DECODE)
			csr_refuse(p, "bad base64 in the PEM block");
		else
			csr_refuse(p, "truncated or malformed PEM");
		goto fail;
	}
	if (strcmp(name, PEM_STRING_X509_REQ) != 0 &&
	    strcmp(name, PEM_STRING_X509_REQ_OLD) != 0) {
		csr_refuse(p, "the PEM block is not a certificate request");
		goto fail;
	}
	if (header[0] != '\0') {
		csr_refuse(p, "PEM headers are not allowed");
		goto fail;
	}
	used = len - i - BIO_ctrl_pending(bio);
	if ((msg = csr_rest(pem + i + used, len - i - used)) != NULL) {
		csr_refuse(p, msg);
		goto fail;
	}

	q = der;
	if ((req = d2i_X509_REQ(NULL, &q, derlen)) == NULL) {
		csr_refuse(p, "not a DER certificate request");
		goto fail;
	}
	if (q != der + derlen) {
		csr_refuse(p, "data after the certificate request");
		goto fail;
	}
	/* re-encode from the parsed fields, not from the cached bytes */
	if (i2d_re_X509_REQ_tbs(req, NULL) <= 0 ||
	    (n = i2d_X509_REQ(req, &again)) <= 0 || n != derlen ||
	    memcmp(again, der, (size_t)n) != 0) {
		csr_refuse(p, "the request is not in DER");
		goto fail;
	}
	if (X509_REQ_get_version(req) != X509_REQ_VERSION_1) {
		csr_refuse(p, "unsupported certificate request version");
		goto fail;
	}
	if (csr_key_check(X509_REQ_get0_pubkey(req), p) == -1)
		goto fail;
	if (!csr_sigalg_ok(req)) {
		csr_refuse(p, "signature algorithm not accepted");
		goto fail;
	}
	if (X509_REQ_verify(req, X509_REQ_get0_pubkey(req)) != 1) {
		csr_refuse(p, "the signature does not verify");
		goto fail;
	}
	goto out;
fail:
	X509_REQ_free(req);
	req = NULL;
out:
	OPENSSL_free(again);
	OPENSSL_free(der);
	OPENSSL_free(header);
	OPENSSL_free(name);
	BIO_free(bio);
	return req;
}

/*
 * 1 if key is EC on P-256 or P-384, named, with a valid public point: on
 * the curve and not the point at infinity.  Both curves have cofactor 1,
 * so every such point has the group's prime order and the full check's
 * multiplication by the order (SP 800-56A 5.6.2.3.3 step 4) proves
 * nothing more; the quick check skips it (it cost as much as verifying a
 * signature, three times per issuance).
 */
static int
csr_ec_ok(EVP_PKEY *key)
{
	EVP_PKEY_CTX *ctx = NULL;
	char group[80];
	size_t glen = 0;
	int nid, expl = 0, ok = 0;

	if (!EVP_PKEY_is_a(key, "EC") ||
	    EVP_PKEY_get_group_name(key, group, sizeof(group), &glen) != 1)
		goto out;
	nid = OBJ_txt2nid(group);
	if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1)
		goto out;
	if (EVP_PKEY_get_int_param(key,
	        OSSL_PKEY_PARAM_EC_DECODED_FROM_EXPLICIT_PARAMS, &expl) != 1 ||
	    expl != 0)
		goto out;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL ||
	    EVP_PKEY_public_check_quick(ctx) != 1)
		goto out;
	ok = 1;
out:
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

/*
 * 1 if key is RSA (PKCS#1) of CSR_RSA_MIN_BITS..CSR_RSA_MAX_BITS, odd
 * modulus without a factor below CSR_SMALL_FACTOR_MAX, e = 65537.  The
 * full public key check of SP 800-56B (a Miller-Rabin round on the
 * modulus) is left out: it costs a modular exponentiation as large as the
 * key on every hostile request.
 */
static int
csr_rsa_ok(EVP_PKEY *key)
{
	BIGNUM *n = NULL, *e = NULL;
	BN_ULONG d;
	int bits, ok = 0;

	if (!EVP_PKEY_is_a(key, "RSA"))
		goto out;
	bits = EVP_PKEY_get_bits(key);
	if (bits < CSR_RSA_MIN_BITS || bits > CSR_RSA_MAX_BITS)
		goto out;
	if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) != 1)
		goto out;
	if (!BN_is_word(e, CSR_RSA_EXPONENT) || !BN_is_odd(n) ||
	    BN_num_bits(n) != bits)
		goto out;
	for (d = 3; d < CSR_SMALL_FACTOR_MAX; d += 2)
		if (BN_mod_word(n, d) == 0)
			goto out;
	ok = 1;
out:
	BN_free(n);
	BN_free(e);
	return ok;
}

int
csr_key_check(EVP_PKEY *key, struct problem *p)
{
	if (key != NULL && (csr_ec_ok(key) || csr_rsa_ok(key)))
		return 0;
	return csr_refuse(p, "key type or size not accepted");
}

/* The NID of an EC key's named curve, or NID_undef. */
static int
csr_ec_curve(EVP_PKEY *key)
{
	char group[80];
	size_t glen = 0;
	int nid;

	if (key == NULL || !EVP_PKEY_is_a(key, "EC") ||
	    EVP_PKEY_get_group_name(key, group, sizeof(group), &glen) != 1)
		return NID_undef;
	if ((nid = OBJ_sn2nid(group)) == NID_undef)
		nid = EC_curve_nist2nid(group);
	return nid;
}

int
csr_ec_spki_set(X509_PUBKEY *pub, EVP_PKEY *key)
{
	char form[32];
	unsigned char *point = NULL;
	size_t n;
	int nid;

	/* Uncompressed points only: the encoder writes others its own way. */
	if (EVP_PKEY_get_utf8_string_param(key,
	        OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, form, sizeof(form),
	        NULL) != 1 ||
	    strcmp(form, OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) !=
	        0)
		return -1;
	if (pub == NULL || (nid = csr_ec_curve(key)) == NID_undef ||
	    (n = EVP_PKEY_get1_encoded_public_key(key, &point)) == 0 ||
	    n > INT_MAX || point[0] != POINT_CONVERSION_UNCOMPRESSED ||
	    X509_PUBKEY_set0_param(pub, OBJ_nid2obj(NID_X9_62_id_ecPublicKey),
	        V_ASN1_OBJECT, OBJ_nid2obj(nid), point, (int)n) != 1) {
		OPENSSL_free(point);
		return -1;
	}
	return 0;
}

EVP_PKEY *
csr_ec_spki_key(X509_PUBKEY *pub)
{
	const ASN1_OBJECT *alg = NULL, *curve;
	const unsigned char *point = NULL;
	unsigned char pt[CSR_EC_POINT_MAX];
	char group[32];
	const void *pval = NULL;
	X509_ALGOR *a = NULL;
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	int n = 0, ptype = 0, nid;

	if (pub == NULL ||
	    X509_PUBKEY_get0_param(NULL, &point, &n, &a, pub) != 1 ||
	    point == NULL || n <= 0)
		return NULL;
	X509_ALGOR_get0(&alg, &ptype, &pval, a);
	if (OBJ_obj2nid(alg) != NID_X9_62_id_ecPublicKey ||
	    ptype != V_ASN1_OBJECT || (curve = pval) == NULL ||
	    ((nid = OBJ_obj2nid(curve)) != NID_X9_62_prime256v1 &&
	        nid != NID_secp384r1))
		return NULL;
	/* OSSL_PARAM takes writable buffers: copies. */
	if ((size_t)n > sizeof(pt))
		return NULL;
	memcpy(pt, point, (size_t)n);
	snprintf(group, sizeof(group), "%s", OBJ_nid2sn(nid));
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(
	    OSSL_PKEY_PARAM_PUB_KEY, pt, (size_t)n);
	params[2] = OSSL_PARAM_construct_end();
	/* The point is decoded, and checked to be on the curve, here. */
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		EVP_PKEY_free(key);
		key = NULL;
		ERR_clear_error();
	}
	EVP_PKEY_CTX_free(ctx);
	return key;
}

int
csr_spki_sha256(EVP_PKEY *key, unsigned char out[CSR_SPKI_HASH_LEN])
{
	X509_PUBKEY *pub = NULL;
	unsigned char *der = NULL;
	int n = -1;

	/* An EC key's SPKI written from its curve and point, as OpenSSL's
	 * encoder writes it, without the encoder's cost. */
	if ((pub = X509_PUBKEY_new()) != NULL && csr_ec_spki_set(pub, key) == 0)
		n = i2d_X509_PUBKEY(pub, &der);
	X509_PUBKEY_free(pub);
	if (n <= 0 && key != NULL)
		n = i2d_PUBKEY(key, &der);
	if (key == NULL || n <= 0) {
		log_openssl("csr: cannot encode the public key");
		return -1;
	}
	digest_sha256(der, (size_t)n, out);
	OPENSSL_free(der);
	return 0;
}
