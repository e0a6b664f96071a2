/* Unit tests of api/store/audit.c: the row hash, recomputed independently. */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <openssl/evp.h>

#include "api/store/audit.h"
#include "common/digest.h"

static const unsigned char zero[32];

/* The documented encoding, built by hand: prev, then each field as an
 * 8-byte big-endian length and its bytes. */
static void
reference_hash(const unsigned char prev[32], const char *const fields[6],
    unsigned char out[32])
{
	unsigned char buf[4096];
	size_t off = 0, n, i, k;
	unsigned int len = 0;

	memcpy(buf, prev, 32);
	off = 32;
	for (i = 0; i < 6; i++) {
		n = strlen(fields[i]);
		for (k = 0; k < 8; k++)
			buf[off++] = (unsigned char)((unsigned long long)n >>
			    (56 - 8 * k));
		memcpy(buf + off, fields[i], n);
		off += n;
	}
	CU_ASSERT_FATAL(
	    EVP_Digest(buf, off, out, &len, EVP_sha256(), NULL) == 1);
	CU_ASSERT_EQUAL(len, 32);
}

static void
hex_of(const unsigned char h[32], char out[65])
{
	digest_hex(h, 32, out);
}

/* The vector in audit.h, and the next row chained on it (both computed
 * with Python's hashlib and struct.pack(">Q", ...)). */
static void
test_vectors(void)
{
	unsigned char h1[32], h2[32];
	char hex[65];

	CU_ASSERT_EQUAL_FATAL(audit_hash(zero, 1, "2026-01-01T00:00:00Z",
	                          "system", "ca.init", "ca", "{}", h1),
	    0);
	hex_of(h1, hex);
	CU_ASSERT_STRING_EQUAL(hex,
	    "a60be063c6522553f2f589030af1270743dd1f0dac9ecdedcf7778bd0dd933ec");
	CU_ASSERT_EQUAL_FATAL(
	    audit_hash(h1, 2, "2026-01-01T00:00:01Z", "op_alice",
	        "application.approved", "app_x", "{\"note\":\"ok\"}", h2),
	    0);
	hex_of(h2, hex);
	CU_ASSERT_STRING_EQUAL(hex,
	    "67a59d3b325daa42ec967602e1cd9182c7d61230b99de146ddf6ca38183d985d");
}

/* The function agrees with the documented bytes, built here by hand. */
static void
test_reference(void)
{
	static const struct {
		long long id;
		const char *idtext;
		const char *f[5];
	} cases[] = {
	    {1, "1",
	        {"2026-11-22T04:49:39Z", "system", "job.dead", "job_1", "{}"}},
	    {42, "42", {"1999-12-31T23:59:59Z", "", "", "", ""}},
	    {9223372036854775807LL, "9223372036854775807",
	        {"2026-11-22T04:49:39Z", "Zoë Müller", "名前.変更", "app_ä",
	            "{\"a\":\"\\u0000\",\"b\":[1,2]}"}},
	};
	unsigned char prev[32], got[32], want[32];
	const char *fields[6];
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(prev, (int)i * 17, sizeof(prev));
		fields[0] = cases[i].idtext;
		for (k = 0; k < 5; k++)
			fields[k + 1] = cases[i].f[k];
		reference_hash(prev, fields, want);
		CU_ASSERT_EQUAL(
		    audit_hash(prev, cases[i].id, cases[i].f[0], cases[i].f[1],
		        cases[i].f[2], cases[i].f[3], cases[i].f[4], got),
		    0);
		CU_ASSERT(memcmp(got, want, 32) == 0);
	}
}

/* Changing any one input changes the hash. */
static void
test_each_input_counts(void)
{
	unsigned char base[32], h[32], prev[32];

	CU_ASSERT_EQUAL_FATAL(audit_hash(zero, 7, "2026-01-01T00:00:00Z", "a",
	                          "b", "c", "{}", base),
	    0);
	memset(prev, 0, sizeof(prev));
	prev[31] = 1;
	CU_ASSERT_EQUAL(
	    audit_hash(prev, 7, "2026-01-01T00:00:00Z", "a", "b", "c", "{}", h),
	    0);
	CU_ASSERT(memcmp(h, base, 32) != 0);
	CU_ASSERT_EQUAL(
	    audit_hash(zero, 8, "2026-01-01T00:00:00Z", "a", "b", "c", "{}", h),
	    0);
	CU_ASSERT(memcmp(h, base, 32) != 0);
	CU_ASSERT_EQUAL(
	    audit_hash(zero, 7, "2026-01-01T00:00:01Z", "a", "b", "c", "{}", h),
	    0);
	CU_ASSERT(memcmp(h, base, 32) != 0);
	CU_ASSERT_EQUAL(
	    audit_hash(zero, 7, "2026-01-01T00:00:00Z", "A", "b", "c", "{}", h),
	    0);
	CU_ASSERT(memcmp(h, base, 32) != 0);
	CU_ASSERT_EQUAL(
	    audit_hash(zero, 7, "2026-01-01T00:00:00Z", "a", "B", "c", "{}", h),
	    0);
	CU_ASSERT(memcmp(h, base, 32) != 0);
	CU_ASSERT_EQUAL(
	    audit_hash(zero, 7, "2026-01-01T00:00:00Z", "a", "b", "C", "{}", h),
	    0);
	CU_ASSERT(memcmp(h, base, 32) != 0);
	CU_ASSERT_EQUAL(audit_hash(zero, 7, "2026-01-01T00:00:00Z", "a", "b",
	                    "c", "{ }", h),
	    0);
	CU_ASSERT(memcmp(h, base, 32) != 0);
	/* and the same inputs give the same hash */
	CU_ASSERT_EQUAL(
	    audit_hash(zero, 7, "2026-01-01T00:00:00Z", "a", "b", "c", "{}", h),
	    0);
	CU_ASSERT(memcmp(h, base, 32) == 0);
}

/* Moving a byte across a field boundary changes the hash. */
static void
test_field_boundaries(void)
{
	unsigned char h1[32], h2[32];

	/* actor|action */
	audit_hash(zero, 1, "2026-01-01T00:00:00Z", "ab", "c", "s", "{}", h1);
	audit_hash(zero, 1, "2026-01-01T00:00:00Z", "a", "bc", "s", "{}", h2);
	CU_ASSERT(memcmp(h1, h2, 32) != 0);
	/* action|subject */
	audit_hash(zero, 1, "2026-01-01T00:00:00Z", "x", "ab", "c", "{}", h1);
	audit_hash(zero, 1, "2026-01-01T00:00:00Z", "x", "a", "bc", "{}", h2);
	CU_ASSERT(memcmp(h1, h2, 32) != 0);
	/* subject|details */
	audit_hash(zero, 1, "2026-01-01T00:00:00Z", "x", "y", "{", "}", h1);
	audit_hash(zero, 1, "2026-01-01T00:00:00Z", "x", "y", "", "{}", h2);
	CU_ASSERT(memcmp(h1, h2, 32) != 0);
	/* id|at: id 11 with "1..." against id 1 with "11..." */
	audit_hash(zero, 11, "2026-01-01T00:00:00Z", "x", "y", "z", "{}", h1);
	audit_hash(zero, 1, "12026-01-01T00:00:00Z", "x", "y", "z", "{}", h2);
	CU_ASSERT(memcmp(h1, h2, 32) != 0);
	/* an empty field is not an absent one */
	audit_hash(zero, 1, "2026-01-01T00:00:00Z", "", "ab", "", "{}", h1);
	audit_hash(zero, 1, "2026-01-01T00:00:00Z", "ab", "", "", "{}", h2);
	CU_ASSERT(memcmp(h1, h2, 32) != 0);
}

static void
test_bad_arguments(void)
{
	unsigned char h[32];

	CU_ASSERT_EQUAL(audit_hash(NULL, 1, "t", "a", "b", "c", "{}", h), -1);
	CU_ASSERT_EQUAL(audit_hash(zero, 0, "t", "a", "b", "c", "{}", h), -1);
	CU_ASSERT_EQUAL(audit_hash(zero, -1, "t", "a", "b", "c", "{}", h), -1);
	CU_ASSERT_EQUAL(audit_hash(zero, 1, NULL, "a", "b", "c", "{}", h), -1);
	CU_ASSERT_EQUAL(audit_hash(zero, 1, "t", NULL, "b", "c", "{}", h), -1);
	CU_ASSERT_EQUAL(audit_hash(zero, 1, "t", "a", NULL, "c", "{}", h), -1);
	CU_ASSERT_EQUAL(audit_hash(zero, 1, "t", "a", "b", NULL, "{}", h), -1);
	CU_ASSERT_EQUAL(audit_hash(zero, 1, "t", "a", "b", "c", NULL, h), -1);
	CU_ASSERT_EQUAL(
	    audit_hash(zero, 1, "t", "a", "b", "c", "{}", NULL), -1);
}

int
main(void)
{
	CU_pSuite s;
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("audit", NULL, NULL);
	CU_add_test(s, "vectors", test_vectors);
	CU_add_test(s, "documented bytes", test_reference);
	CU_add_test(s, "each input counts", test_each_input_counts);
	CU_add_test(s, "field boundaries", test_field_boundaries);
	CU_add_test(s, "bad arguments", test_bad_arguments);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
