/* Unit tests of ca/sigcheck.c: the hash that goes with a key, and
 * signatures that must and must not verify, with keys made here. */
#include <string.h>

#include <CUnit/Basic.h>
#include <openssl/evp.h>

#include "ca/sigcheck.h"

static EVP_PKEY *p256, *p256b, *p384, *rsa, *ed;

static const char msg[] = "nonce bytes the server chose";

/* key's signature over msg with md (NULL for Ed25519) into sig. */
static size_t
sign(EVP_PKEY *key, const EVP_MD *md, unsigned char *sig, size_t sigsz)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t len = sigsz;

	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_FATAL(EVP_DigestSignInit(c, NULL, md, NULL, key) == 1);
	CU_ASSERT_FATAL(EVP_DigestSign(c, sig, &len, (const unsigned char *)msg,
	                    sizeof(msg)) == 1);
	EVP_MD_CTX_free(c);
	return len;
}

static int
setup(void)
{
	p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	p256b = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return p256 == NULL || p256b == NULL || p384 == NULL || rsa == NULL ||
	    ed == NULL;
}

static int
teardown(void)
{
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p256b);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
	return 0;
}

static void
test_md(void)
{
	CU_ASSERT_PTR_EQUAL(sigcheck_md(p256), EVP_sha256());
	CU_ASSERT_PTR_EQUAL(sigcheck_md(p384), EVP_sha384());
	CU_ASSERT_PTR_EQUAL(sigcheck_md(rsa), EVP_sha256());
}

struct good {
	EVP_PKEY **key;
	const EVP_MD *(*md)(void);
	int want; /* sigcheck_verify's answer */
};

/* Each key with the right hash verifies; the other hash does not. */
static void
test_hash_per_key(void)
{
	const struct good cases[] = {
	    {&p256, EVP_sha256, 0},
	    {&p256, EVP_sha384, -1},
	    {&p256, EVP_sha512, -1},
	    {&p384, EVP_sha384, 0},
	    {&p384, EVP_sha256, -1},
	    {&rsa, EVP_sha256, 0},
	    {&rsa, EVP_sha384, -1},
	    {&rsa, EVP_sha1, -1},
	};
	unsigned char sig[512];
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = sign(*cases[i].key, cases[i].md(), sig, sizeof(sig));
		CU_ASSERT_EQUAL(
		    sigcheck_verify(*cases[i].key, sig, len, msg, sizeof(msg)),
		    cases[i].want);
	}
}

/* A signature by another key, over other bytes, cut or altered fails. */
static void
test_bad_signatures(void)
{
	unsigned char sig[512];
	size_t len;

	len = sign(p256, EVP_sha256(), sig, sizeof(sig));
	CU_ASSERT_EQUAL(sigcheck_verify(p256, sig, len, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(sigcheck_verify(p256b, sig, len, msg, sizeof(msg)), -1);
	CU_ASSERT_EQUAL(sigcheck_verify(p384, sig, len, msg, sizeof(msg)), -1);
	CU_ASSERT_EQUAL(
	    sigcheck_verify(p256, sig, len, msg, sizeof(msg) - 1), -1);
	CU_ASSERT_EQUAL(
	    sigcheck_verify(p256, sig, len - 1, msg, sizeof(msg)), -1);
	CU_ASSERT_EQUAL(sigcheck_verify(p256, sig, 0, msg, sizeof(msg)), -1);
	sig[len / 2] ^= 1;
	CU_ASSERT_EQUAL(sigcheck_verify(p256, sig, len, msg, sizeof(msg)), -1);
	CU_ASSERT_EQUAL(sigcheck_verify(NULL, sig, len, msg, sizeof(msg)), -1);

	len = sign(rsa, EVP_sha256(), sig, sizeof(sig));
	CU_ASSERT_EQUAL(
	    sigcheck_verify(rsa, sig, len - 1, msg, sizeof(msg)), -1);
	CU_ASSERT_EQUAL(sigcheck_verify(p256, sig, len, msg, sizeof(msg)), -1);
}

/* Ed25519 takes no separate hash: refused, as the handlers refused it. */
static void
test_ed25519_refused(void)
{
	unsigned char sig[64];
	size_t len;

	len = sign(ed, NULL, sig, sizeof(sig));
	CU_ASSERT_EQUAL(len, 64);
	CU_ASSERT_EQUAL(sigcheck_verify(ed, sig, len, msg, sizeof(msg)), -1);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("sigcheck", setup, teardown);
	CU_add_test(s, "hash per key", test_md);
	CU_add_test(s, "the right hash verifies", test_hash_per_key);
	CU_add_test(s, "bad signatures", test_bad_signatures);
	CU_add_test(s, "Ed25519 refused", test_ed25519_refused);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
