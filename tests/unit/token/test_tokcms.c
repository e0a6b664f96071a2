/* Unit tests of token/tokcms.c: detached CMS made by a struct signer,
 * checked by OpenSSL's own CMS_verify() against a CA made here. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <CUnit/Basic.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/signer.h"
#include "token/tokcms.h"
#include "token/tokcmd.h"
#include "common/problem.h"

static const char content[] = "Rx: 1 tablet, controlled substance\n";

static EVP_PKEY *ca_key, *leaf_key;
static X509 *ca, *leaf;

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509_EXTENSION *ext;
	X509V3_CTX v3;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	CU_ASSERT_FATAL(ext != NULL && X509_add_ext(x, ext, -1) == 1);
	X509_EXTENSION_free(ext);
}

static X509 *
make(EVP_PKEY *pub, const char *cn, X509 *issuer, EVP_PKEY *ikey)
{
	X509_NAME *name;
	X509 *x;

	CU_ASSERT_FATAL((x = X509_new()) != NULL);
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), issuer == NULL ? 1 : 2);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(
	    name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(
	    x, issuer != NULL ? X509_get_subject_name(issuer) : name);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L);
	X509_set_pubkey(x, pub);
	if (issuer == NULL) {
		add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, issuer, NID_key_usage,
		    "critical,digitalSignature,nonRepudiation");
		add_ext(x, issuer, NID_ext_key_usage, "emailProtection");
	}
	CU_ASSERT_FATAL(
	    X509_sign(x, ikey != NULL ? ikey : ca_key, EVP_sha256()) > 0);
	return x;
}

static int
suite_init(void)
{
	if ((ca_key = EVP_EC_gen("P-256")) == NULL ||
	    (leaf_key = EVP_EC_gen("P-256")) == NULL)
		return -1;
	return 0;
}

static int
suite_clean(void)
{
	X509_free(ca);
	X509_free(leaf);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(leaf_key);
	return 0;
}

/* CMS_verify() of der over data with ca trusted. */
static int
verify(const unsigned char *der, size_t len, const char *data)
{
	const unsigned char *q = der;
	CMS_ContentInfo *cms;
	X509_STORE *store;
	BIO *in;
	int ok;

	CU_ASSERT_FATAL(
	    (cms = d2i_CMS_ContentInfo(NULL, &q, (long)len)) != NULL);
	CU_ASSERT(q == der + len);
	store = X509_STORE_new();
	X509_STORE_add_cert(store, ca);
	X509_STORE_set_purpose(store, X509_PURPOSE_SMIME_SIGN);
	in = BIO_new_mem_buf(data, (int)strlen(data));
	ok = CMS_verify(cms, NULL, store, in, NULL, CMS_BINARY) == 1;
	ERR_clear_error();
	CU_ASSERT(CMS_is_detached(cms) == 1);
	BIO_free(in);
	X509_STORE_free(store);
	CMS_ContentInfo_free(cms);
	return ok;
}

static void
test_sign_verify(void)
{
	unsigned char digest[EVP_MAX_MD_SIZE], *der = NULL;
	STACK_OF(X509) * chain;
	struct signer *s;
	struct problem p;
	unsigned int dlen = 0;
	size_t derlen = 0;

	ca = make(ca_key, "test root", NULL, NULL);
	leaf = make(leaf_key, "Ada Lovelace", ca, ca_key);
	CU_ASSERT_FATAL((s = signer_from_key(leaf_key)) != NULL);
	CU_ASSERT_FATAL(EVP_Digest(content, strlen(content), digest, &dlen,
	                    signer_md(s), NULL) == 1);
	chain = sk_X509_new_null();
	sk_X509_push(chain, ca);
	problem_clear(&p);
	CU_ASSERT_FATAL(tokcms_sign(s, leaf, chain, digest, dlen, time(NULL),
	                    &der, &derlen, &p) == 0);
	CU_ASSERT(verify(der, derlen, content));
	CU_ASSERT(
	    !verify(der, derlen, "Rx: 10 tablets, controlled substance\n"));
	OPENSSL_free(der);
	/* the certificate must be the signer's */
	problem_clear(&p);
	CU_ASSERT(tokcms_sign(s, ca, chain, digest, dlen, time(NULL), &der,
	              &derlen, &p) == -1);
	CU_ASSERT(p.status == 409);
	CU_ASSERT(der == NULL);
	/* a digest of the wrong length */
	problem_clear(&p);
	CU_ASSERT(tokcms_sign(s, leaf, NULL, digest, 20, time(NULL), &der,
	              &derlen, &p) == -1);
	sk_X509_free(chain);
	signer_free(s);
}

static void
test_b64(void)
{
	unsigned char *out = NULL;
	size_t len = 0;
	char *t;

	t = tokcmd_b64((const unsigned char *)"ab", 2);
	CU_ASSERT(strcmp(t, "YWI=") == 0);
	CU_ASSERT(tokcmd_unb64(t, &out, &len) == 0);
	CU_ASSERT(len == 2 && memcmp(out, "ab", 2) == 0);
	free(out);
	free(t);
	CU_ASSERT(tokcmd_unb64("YWI", &out, &len) == -1);
	CU_ASSERT(tokcmd_unb64("", &out, &len) == -1);
	CU_ASSERT(tokcmd_unb64("%%%%", &out, &len) == -1);
	CU_ASSERT(tokcmd_unb64("Y=Jj", &out, &len) == -1); /* '=' inside */
	CU_ASSERT(tokcmd_unb64("YWJj YWJj", &out, &len) == -1);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("tokcms", suite_init, suite_clean);
	CU_add_test(
	    s, "detached CMS verifies; tampered content not", test_sign_verify);
	CU_add_test(s, "base64", test_b64);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
