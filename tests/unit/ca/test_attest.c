/*
 * Unit tests of ca/attest.c: PIV key attestations built here as YubiKey
 * PIV makes them (a "manufacturer" root, a device attestation
 * certificate under it, a slot attestation certificate for the key with
 * Yubico's serial and firmware extensions): a good chain, another
 * manufacturer's root, an attestation of another key, an expired or not
 * yet valid attestation certificate, junk, and the evidence kinds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/attest.h"

#define DAY 86400L

static const time_t now = 1780000000; /* 2026-05-28 */

static EVP_PKEY *root_key, *other_root_key, *device_key, *slot_key, *alien;
static X509 *root, *other_root;

static EVP_PKEY *
key_new(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static void
ext_add(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *e;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	CU_ASSERT_FATAL(e != NULL);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

/* Yubico's extension oid with DER contents der. */
static void
ext_raw(X509 *x, const char *oid, const unsigned char *der, int len)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *e;

	ASN1_OCTET_STRING_set(os, der, len);
	e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
	CU_ASSERT_FATAL(e != NULL);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
}

/* A certificate for key named cn, issued by issuer (NULL: itself) with
 * ikey, valid [nb, na]; ca says whether it may issue. */
static X509 *
cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, int ca,
    time_t nb, time_t na, int yubico)
{
	static long serial = 1;
	static const unsigned char sn[] = {0x02, 0x04, 0x00, 0xbc, 0x61, 0x4e};
	static const unsigned char fw[] = {5, 4, 3};
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_NAME_add_entry_by_txt(
	    n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(
	    x, issuer != NULL ? X509_get_subject_name(issuer) : n);
	X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &nb);
	X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &na);
	X509_set_pubkey(x, key);
	ext_add(x, issuer != NULL ? issuer : x, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "CA:FALSE");
	if (ca)
		ext_add(x, x, NID_key_usage, "critical,keyCertSign");
	ext_add(x, x, NID_subject_key_identifier, "hash");
	if (yubico) {
		ext_raw(x, ATTEST_OID_SERIAL, sn, sizeof(sn));
		ext_raw(x, ATTEST_OID_FIRMWARE, fw, sizeof(fw));
	}
	CU_ASSERT_FATAL(X509_sign(x, ikey, EVP_sha256()) > 0);
	X509_NAME_free(n);
	return x;
}

/* x as PEM (caller frees). */
static char *
pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out;
	long n;

	PEM_write_bio_X509(b, x);
	n = BIO_get_mem_data(b, &data);
	out = malloc((size_t)n + 1);
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	BIO_free(b);
	return out;
}

static int
suite_init(void)
{
	root_key = key_new();
	other_root_key = key_new();
	device_key = key_new();
	slot_key = key_new();
	alien = key_new();
	if (!root_key || !other_root_key || !device_key || !slot_key || !alien)
		return -1;
	return 0;
}

static int
suite_clean(void)
{
	X509_free(root);
	X509_free(other_root);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(other_root_key);
	EVP_PKEY_free(device_key);
	EVP_PKEY_free(slot_key);
	EVP_PKEY_free(alien);
	return 0;
}

/* Runs attest_piv_verify on a chain under rkey/rcert; the problem's
 * first field into field (or ""). */
static int
check(X509 *slot, X509 *device, STACK_OF(X509) * roots, EVP_PKEY *key,
    time_t at, struct attest_result *r, char field[96])
{
	char *s = pem(slot), *d = pem(device);
	struct problem p;
	int rc;

	problem_clear(&p);
	rc = attest_piv_verify(s, d, roots, key, at, r, &p);
	snprintf(field, 96, "%s", p.nfields > 0 ? p.fields[0].field : "");
	if (rc == -1)
		CU_ASSERT(p.status == 422);
	free(s);
	free(d);
	return rc;
}

/* The two manufacturer roots (made in a test, since cert() asserts). */
static void
roots_make(void)
{
	if (root != NULL)
		return;
	root = cert("Maker PIV Root CA", root_key, NULL, root_key, 1,
	    now - 3650 * DAY, now + 3650 * DAY, 0);
	other_root = cert("Maker PIV Root CA", other_root_key, NULL,
	    other_root_key, 1, now - 3650 * DAY, now + 3650 * DAY, 0);
}

static STACK_OF(X509) * roots_of(X509 *x)
{
	STACK_OF(X509) *sk = sk_X509_new_null();

	sk_X509_push(sk, x);
	return sk;
}

static void
test_good(void)
{
	X509 *device;
	X509 *slot;
	STACK_OF(X509) * roots;
	struct attest_result r;
	char field[96];

	roots_make();
	device = cert("Maker PIV Attestation", device_key, root, root_key, 1,
	    now - DAY, now + 3650 * DAY, 0);
	slot = cert("Maker PIV Attestation 9c", slot_key, device, device_key, 0,
	    now - DAY, now + 3650 * DAY, 1);
	roots = roots_of(root);
	CU_ASSERT(check(slot, device, roots, slot_key, now, &r, field) == 0);
	CU_ASSERT_STRING_EQUAL(r.serial, "12345678");
	CU_ASSERT_STRING_EQUAL(r.firmware, "5.4.3");
	CU_ASSERT_STRING_EQUAL(r.device, "/CN=Maker PIV Attestation");
	/* another manufacturer's root (same name, other key) */
	sk_X509_free(roots);
	roots = roots_of(other_root);
	CU_ASSERT(check(slot, device, roots, slot_key, now, &r, field) == -1);
	CU_ASSERT_STRING_EQUAL(field, "key_evidence.attestation");
	sk_X509_free(roots);
	/* no roots configured */
	CU_ASSERT(check(slot, device, NULL, slot_key, now, &r, field) == -1);
	/* the attestation of another key */
	roots = roots_of(root);
	CU_ASSERT(check(slot, device, roots, alien, now, &r, field) == -1);
	CU_ASSERT_STRING_EQUAL(field, "key_evidence.attestation");
	/* the slot certificate given as the device's: no chain */
	CU_ASSERT(check(slot, slot, roots, slot_key, now, &r, field) == -1);
	sk_X509_free(roots);
	X509_free(slot);
	X509_free(device);
}

static void
test_expired(void)
{
	X509 *device, *slot, *late, *olddev, *slot2;
	STACK_OF(X509) * roots;
	struct attest_result r;
	char field[96];

	roots_make();
	device = cert("Maker PIV Attestation", device_key, root, root_key, 1,
	    now - 3 * DAY, now + 3650 * DAY, 0);
	slot = cert("Maker PIV Attestation 9c", slot_key, device, device_key, 0,
	    now - 2 * DAY, now - DAY, 1);
	late = cert("Maker PIV Attestation 9c", slot_key, device, device_key, 0,
	    now + DAY, now + 2 * DAY, 1);
	olddev = cert("Maker PIV Attestation", device_key, root, root_key, 1,
	    now - 3 * DAY, now - DAY, 0);
	slot2 = cert("Maker PIV Attestation 9c", slot_key, olddev, device_key,
	    0, now - 2 * DAY, now + DAY, 1);
	roots = roots_of(root);
	CU_ASSERT(check(slot, device, roots, slot_key, now, &r, field) == -1);
	CU_ASSERT_STRING_EQUAL(field, "key_evidence.attestation");
	/* valid two days earlier */
	CU_ASSERT(check(slot, device, roots, slot_key, now - 36 * 3600, &r,
	              field) == 0);
	CU_ASSERT(check(late, device, roots, slot_key, now, &r, field) == -1);
	CU_ASSERT(check(slot2, olddev, roots, slot_key, now, &r, field) == -1);
	sk_X509_free(roots);
	X509_free(slot);
	X509_free(late);
	X509_free(olddev);
	X509_free(slot2);
	X509_free(device);
}

static void
test_junk_and_kinds(void)
{
	static const char *const junk[] = {"", "not PEM",
	    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"};
	STACK_OF(X509) * roots;
	struct attest_result r;
	struct problem p;
	enum attest_kind k;
	char *big;
	size_t i;

	roots_make();
	roots = roots_of(root);

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		problem_clear(&p);
		CU_ASSERT(attest_piv_verify(junk[i], junk[i], roots, slot_key,
		              now, &r, &p) == -1);
		CU_ASSERT(p.status == 422);
	}
	problem_clear(&p);
	CU_ASSERT(
	    attest_piv_verify(NULL, NULL, roots, slot_key, now, &r, &p) == -1);
	big = malloc(ATTEST_PEM_MAX + 2);
	memset(big, 'A', ATTEST_PEM_MAX + 1);
	big[ATTEST_PEM_MAX + 1] = '\0';
	problem_clear(&p);
	CU_ASSERT(
	    attest_piv_verify(big, big, roots, slot_key, now, &r, &p) == -1);
	free(big);
	sk_X509_free(roots);
	CU_ASSERT(
	    attest_kind_parse("attested", &k) == 0 && k == ATTEST_ATTESTED);
	CU_ASSERT(attest_kind_parse("client-asserted", &k) == 0 &&
	    k == ATTEST_CLIENT_ASSERTED);
	CU_ASSERT(attest_kind_parse("none", &k) == 0 && k == ATTEST_NONE);
	CU_ASSERT(attest_kind_parse("Attested", &k) == -1);
	CU_ASSERT(attest_kind_parse(NULL, &k) == -1);
	CU_ASSERT_STRING_EQUAL(
	    attest_kind_name(ATTEST_CLIENT_ASSERTED), "client-asserted");
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("attest", suite_init, suite_clean);
	CU_add_test(s, "good chain, wrong root, another key", test_good);
	CU_add_test(s, "expired and not yet valid", test_expired);
	CU_add_test(s, "junk and evidence kinds", test_junk_and_kinds);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
