#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "ca/profile.h"
#include "token/tokts.h"
#include "common/logger.h"

int
tokts_request(const unsigned char *sigv, size_t len, TS_REQ **req,
    unsigned char **der, size_t *derlen, struct problem *p)
{
	unsigned char md[EVP_MAX_MD_SIZE], nb[TOKTS_NONCE_LEN];
	unsigned int mdlen = 0;
	TS_MSG_IMPRINT *imp = NULL;
	X509_ALGOR *alg = NULL;
	ASN1_INTEGER *nonce = NULL;
	BIGNUM *bn = NULL;
	TS_REQ *r = NULL;
	unsigned char *out = NULL;
	int n, rc = -1;

	*req = NULL;
	*der = NULL;
	*derlen = 0;
	if (EVP_Digest(sigv, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    RAND_bytes(nb, sizeof(nb)) != 1 ||
	    (bn = BN_bin2bn(nb, sizeof(nb), NULL)) == NULL ||
	    (nonce = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    (alg = X509_ALGOR_new()) == NULL ||
	    X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) !=
	        1 ||
	    (imp = TS_MSG_IMPRINT_new()) == NULL ||
	    TS_MSG_IMPRINT_set_algo(imp, alg) != 1 ||
	    TS_MSG_IMPRINT_set_msg(imp, md, (int)mdlen) != 1 ||
	    (r = TS_REQ_new()) == NULL || TS_REQ_set_version(r, 1) != 1 ||
	    TS_REQ_set_msg_imprint(r, imp) != 1 ||
	    TS_REQ_set_nonce(r, nonce) != 1 || TS_REQ_set_cert_req(r, 1) != 1 ||
	    (n = i2d_TS_REQ(r, &out)) <= 0) {
		log_openssl("tokts: cannot build the time-stamp request");
		problem_internal(p);
		goto out;
	}
	*req = r;
	r = NULL;
	*der = out;
	*derlen = (size_t)n;
	rc = 0;
out:
	TS_REQ_free(r);
	TS_MSG_IMPRINT_free(imp);
	X509_ALGOR_free(alg);
	ASN1_INTEGER_free(nonce);
	BN_free(bn);
	return rc;
}

/* A store trusting the PEM bundle file, or the system's CA store. */
static X509_STORE *
tokts_store(const char *file)
{
	X509_STORE *st = X509_STORE_new();

	if (st == NULL)
		abort();
	if ((file != NULL ? X509_STORE_load_file(st, file)
	                  : X509_STORE_set_default_paths(st)) != 1) {
		X509_STORE_free(st);
		return NULL;
	}
	return st;
}

/* The time of a token's TSTInfo into *when; -1 if unreadable. */
static int
tokts_time(TS_TST_INFO *ti, time_t *when)
{
	const ASN1_GENERALIZEDTIME *t = TS_TST_INFO_get_time(ti);

	return t == NULL ? -1 : profile_time(t, when);
}

int
tokts_accept(TS_REQ *req, const unsigned char *resp, size_t len,
    const char *tsa_ca, unsigned char **tst, size_t *tstlen, time_t *when,
    struct problem *p)
{
	const unsigned char *q = resp;
	TS_RESP *r = NULL;
	TS_VERIFY_CTX *ctx = NULL;
	X509_STORE *st = NULL;
	unsigned char *out = NULL;
	int n, rc = -1;

	*tst = NULL;
	*tstlen = 0;
	if ((r = d2i_TS_RESP(NULL, &q, (long)len)) == NULL || q != resp + len) {
		log_openssl("tokts: the TSA's reply does not parse");
		problem_set(p, 502, "tsa-refused", "Time-stamp refused",
		    "The time-stamp authority's answer is not a time-stamp "
		    "response.");
		goto out;
	}
	if ((ctx = TS_REQ_to_TS_VERIFY_CTX(req, NULL)) == NULL)
		abort();
	if (tsa_ca != NULL) {
		if ((st = tokts_store(tsa_ca)) == NULL) {
			log_openssl("tokts: cannot read the TSA CA file");
			problem_field(p, "tsa_ca", "Cannot read %s.", tsa_ca);
			goto out;
		}
		TS_VERIFY_CTX_set_store(ctx, st); /* ctx owns it */
		TS_VERIFY_CTX_add_flags(ctx, TS_VFY_SIGNATURE);
	}
	if (TS_RESP_verify_response(ctx, r) != 1 ||
	    tokts_time(TS_RESP_get_tst_info(r), when) == -1) {
		log_openssl("tokts: the TSA's reply is refused");
		problem_set(p, 502, "tsa-refused", "Time-stamp refused",
		    "The time-stamp authority did not grant a valid time-stamp "
		    "for this signature.");
		goto out;
	}
	if ((n = i2d_PKCS7(TS_RESP_get_token(r), &out)) <= 0) {
		problem_internal(p);
		goto out;
	}
	*tst = out;
	*tstlen = (size_t)n;
	rc = 0;
out:
	TS_VERIFY_CTX_free(ctx);
	TS_RESP_free(r);
	return rc;
}

int
tokts_verify(const unsigned char *tst, size_t len, const unsigned char *sigv,
    size_t sigvlen, const char *tsa_ca, time_t *when, char name[TOKTS_NAME_MAX],
    struct problem *p)
{
	const unsigned char *q = tst;
	STACK_OF(X509) *signers = NULL;
	PKCS7 *token = NULL;
	TS_TST_INFO *ti = NULL;
	TS_VERIFY_CTX *ctx = NULL;
	X509_STORE *st = NULL;
	BIO *data = NULL;
	int rc = -1;

	name[0] = '\0';
	if ((token = d2i_PKCS7(NULL, &q, (long)len)) == NULL ||
	    q != tst + len || (ti = PKCS7_to_TS_TST_INFO(token)) == NULL ||
	    tokts_time(ti, when) == -1) {
		log_openssl("tokts: the time-stamp token does not parse");
		problem_field(p, "timestamp", "Not an RFC 3161 time-stamp.");
		goto out;
	}
	if ((st = tokts_store(tsa_ca)) == NULL) {
		log_openssl("tokts: cannot read the TSA CA file");
		problem_field(p, "tsa_ca", "Cannot read the TSA CA file.");
		goto out;
	}
	if ((ctx = TS_VERIFY_CTX_new()) == NULL ||
	    (data = BIO_new_mem_buf(sigv, (int)sigvlen)) == NULL)
		abort();
	TS_VERIFY_CTX_set_store(ctx, st); /* ctx owns both */
	TS_VERIFY_CTX_set_data(ctx, data);
	st = NULL;
	data = NULL;
	TS_VERIFY_CTX_set_flags(
	    ctx, TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_DATA);
	if (TS_RESP_verify_token(ctx, token) != 1) {
		log_openssl("tokts: the time-stamp does not verify");
		problem_field(p, "timestamp",
		    "The time-stamp is not for this signature or not signed by "
		    "a trusted time-stamp authority.");
		goto out;
	}
	if ((signers = PKCS7_get0_signers(token, NULL, 0)) != NULL &&
	    sk_X509_num(signers) > 0)
		X509_NAME_oneline(
		    X509_get_subject_name(sk_X509_value(signers, 0)), name,
		    TOKTS_NAME_MAX);
	ERR_clear_error();
	rc = 0;
out:
	sk_X509_free(signers);
	BIO_free(data);
	X509_STORE_free(st);
	TS_VERIFY_CTX_free(ctx);
	TS_TST_INFO_free(ti);
	PKCS7_free(token);
	return rc;
}
