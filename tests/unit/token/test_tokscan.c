/* Unit tests of tokcmd_scan() (token/tokcmd_load.c): which key pair on
 * the token is the current credential, on a SoftHSM 2 token made for this
 * run. */
#include <string.h>
#include <time.h>

#include <CUnit/Basic.h>

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include "ca/pkcs11.h"
#include "ca/signer.h"
#include "common/problem.h"
#include "fixture/softhsm.h"
#include "token/tokcmd_load.h"
#include "token/tokdev.h"

#define TOKEN  "rxca-scan"
#define PIN    "123456"
#define SO_PIN "12345678"
#define KEY2   TOKDEV_KEY "-2"
#define KEY3   TOKDEV_KEY "-3"

static char dir[] = "/tmp/rxca-tokscan-XXXXXX";
static time_t issued; /* every certificate's notBefore */

static int
suite_init(void)
{
	/* a whole minute back, so that "valid now" holds */
	issued = time(NULL) - 60;
	return softhsm_setup(dir, TOKEN, PIN, SO_PIN);
}

static int
suite_clean(void)
{
	return softhsm_teardown(dir);
}

static struct p11 *
open_token(void)
{
	struct problem p;
	struct p11 *t;

	problem_clear(&p);
	t = p11_open(SOFTHSM_MODULE, TOKEN, PIN, &p);
	CU_ASSERT_FATAL(t != NULL);
	return t;
}

/* Makes the key pair label on t with a certificate on it issued at
 * `issued`, valid for days; its serial is serial. */
static void
add_credential(struct p11 *t, const char *label, long serial, long days)
{
	struct problem p;
	struct signer *s;
	EVP_PKEY *pub;
	X509 *x;

	problem_clear(&p);
	pub = p11_keygen(t, label, P11_KEY_P256, &p);
	CU_ASSERT_FATAL(pub != NULL);
	EVP_PKEY_free(pub);
	s = signer_from_p11(t, label, &p);
	CU_ASSERT_FATAL(s != NULL);
	CU_ASSERT_FATAL((x = X509_new()) != NULL);
	CU_ASSERT_FATAL(X509_set_version(x, X509_VERSION_3) == 1);
	CU_ASSERT_FATAL(
	    ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1);
	CU_ASSERT_FATAL(X509_NAME_add_entry_by_txt(X509_get_subject_name(x),
	                    "CN", MBSTRING_UTF8,
	                    (const unsigned char *)"Dr. Scan", -1, -1, 0) == 1);
	CU_ASSERT_FATAL(X509_set_issuer_name(x, X509_get_subject_name(x)) == 1);
	CU_ASSERT_FATAL(ASN1_TIME_set(X509_getm_notBefore(x), issued) != NULL);
	CU_ASSERT_FATAL(ASN1_TIME_set(X509_getm_notAfter(x),
	                    issued + days * 86400L) != NULL);
	CU_ASSERT_FATAL(X509_set_pubkey(x, signer_pubkey(s)) == 1);
	CU_ASSERT_FATAL(signer_sign_x509(s, x, &p) == 0);
	CU_ASSERT_FATAL(p11_store_cert(t, label, x, &p) == 0);
	X509_free(x);
	signer_free(s);
}

/* The serial of sc's current certificate. */
static long
current_serial(const struct tokcmd_scan *sc)
{
	return ASN1_INTEGER_get(X509_get0_serialNumber(sc->cert));
}

/*
 * A renewal issued in the same second as the certificate it renews (so
 * with the same notBefore and notAfter) is the current one, and the old
 * one still counts as an older valid credential: a rerun of `rxca-token
 * renew` must find the renewal done, not renew it again.
 */
static void
test_same_second_renewal(void)
{
	struct tokcmd_scan sc;
	struct problem p;
	struct p11 *t;

	t = open_token();
	problem_clear(&p);
	CU_ASSERT_FATAL(tokcmd_scan(t, &sc, &p) == -1);
	CU_ASSERT(p.status == 404);
	tokcmd_scan_free(&sc);

	add_credential(t, TOKDEV_KEY, 1, 80);
	problem_clear(&p);
	CU_ASSERT_FATAL(tokcmd_scan(t, &sc, &p) == 0);
	CU_ASSERT_STRING_EQUAL(sc.key, TOKDEV_KEY);
	CU_ASSERT(current_serial(&sc) == 1);
	CU_ASSERT(sc.older_valid == 0);
	CU_ASSERT(sc.pending[0] == '\0');
	CU_ASSERT(sc.next == 2);
	tokcmd_scan_free(&sc);

	add_credential(t, KEY2, 2, 80);
	problem_clear(&p);
	CU_ASSERT_FATAL(tokcmd_scan(t, &sc, &p) == 0);
	CU_ASSERT_STRING_EQUAL(sc.key, KEY2);
	CU_ASSERT(current_serial(&sc) == 2);
	CU_ASSERT(sc.older_valid == 1);
	CU_ASSERT(sc.pending[0] == '\0');
	CU_ASSERT(sc.next == 3);
	tokcmd_scan_free(&sc);
	p11_close(t);
}

/* A key pair made by a renewal that did not finish is pending; the
 * current credential stays the newest one with a certificate. */
static void
test_pending_pair(void)
{
	struct tokcmd_scan sc;
	struct problem p;
	struct p11 *t;
	EVP_PKEY *pub;

	t = open_token();
	problem_clear(&p);
	pub = p11_keygen(t, KEY3, P11_KEY_P256, &p);
	CU_ASSERT_FATAL(pub != NULL);
	EVP_PKEY_free(pub);
	CU_ASSERT_FATAL(tokcmd_scan(t, &sc, &p) == 0);
	CU_ASSERT_STRING_EQUAL(sc.key, KEY2);
	CU_ASSERT_STRING_EQUAL(sc.pending, KEY3);
	CU_ASSERT(sc.next == 4);
	tokcmd_scan_free(&sc);
	p11_close(t);
}

int
main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("tokscan", suite_init, suite_clean);
	if (s == NULL ||
	    CU_add_test(s, "same-second renewal", test_same_second_renewal) ==
	        NULL ||
	    CU_add_test(s, "pending pair", test_pending_pair) == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return fails == 0 ? 0 : 1;
}
