/* Unit tests of proofing/secret.c: Argon2id round trips and answer
 * normalisation.  Small parameters (t=1, m=64 KiB) keep them fast. */
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "proofing/secret.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

static const struct secret_params fast = {1, 64, 1};

static void
test_round_trip(void)
{
	char *a, *b;
	size_t n;

	n = secret_encoded_len(&fast);
	CU_ASSERT(n > 64 && n < 200);
	a = malloc(n);
	b = malloc(n);
	CU_ASSERT_FATAL(a != NULL && b != NULL);
	CU_ASSERT_EQUAL(secret_hash("correct horse", 13, &fast, a, n), 0);
	CU_ASSERT_EQUAL(strncmp(a, "$argon2id$v=19$m=64,t=1,p=1$", 28), 0);
	CU_ASSERT(strlen(a) < n);
	CU_ASSERT_EQUAL(secret_verify(a, "correct horse", 13), 1);
	CU_ASSERT_EQUAL(secret_verify(a, "correct horsE", 13), 0);
	CU_ASSERT_EQUAL(secret_verify(a, "correct hors", 12), 0);
	CU_ASSERT_EQUAL(secret_verify(a, "", 0), 0);
	/* a fresh salt each time */
	CU_ASSERT_EQUAL(secret_hash("correct horse", 13, &fast, b, n), 0);
	CU_ASSERT(strcmp(a, b) != 0);
	CU_ASSERT_EQUAL(secret_verify(b, "correct horse", 13), 1);
	/* bytes after a NUL count: the length is the secret's */
	CU_ASSERT_EQUAL(secret_hash("ab\0cd", 5, &fast, a, n), 0);
	CU_ASSERT_EQUAL(secret_verify(a, "ab\0cd", 5), 1);
	CU_ASSERT_EQUAL(secret_verify(a, "ab", 2), 0);
	free(a);
	free(b);
}

static void
test_bad(void)
{
	static const struct secret_params zero_t = {0, 64, 1};
	static const struct secret_params tiny_m = {1, 1, 1};
	static const char *const malformed[] = {
	    "",
	    "garbage",
	    "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
	    "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
	    "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA",
	    "$argon2id$v=19$m=64,t=1,p=1$!!!$YWJj",
	    "$argon2id$v=19$m=64,t=x,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
	    "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY",
	};
	char buf[256], small[16];
	size_t i;

	for (i = 0; i < NITEMS(malformed); i++)
		CU_ASSERT_EQUAL(secret_verify(malformed[i], "x", 1), -1);
	CU_ASSERT_EQUAL(secret_verify(NULL, "x", 1), -1);
	/* a well-formed encoding of another secret is a mismatch */
	CU_ASSERT_EQUAL(secret_hash("one", 3, &fast, buf, sizeof(buf)), 0);
	CU_ASSERT_EQUAL(secret_verify(buf, "two", 3), 0);
	/* a flipped tag byte */
	buf[strlen(buf) - 2] = buf[strlen(buf) - 2] == 'A' ? 'B' : 'A';
	CU_ASSERT_EQUAL(secret_verify(buf, "one", 3), 0);
	CU_ASSERT_EQUAL(secret_hash("x", 1, &fast, small, sizeof(small)), -1);
	CU_ASSERT_STRING_EQUAL(small, "");
	CU_ASSERT_EQUAL(secret_hash("x", 1, &zero_t, buf, sizeof(buf)), -1);
	CU_ASSERT_EQUAL(secret_hash("x", 1, &tiny_m, buf, sizeof(buf)), -1);
}

static void
test_normalize(void)
{
	static const struct {
		const char *in;
		int rc;
		const char *out;
	} c[] = {
	    {"Rex", 0, "rex"},
	    {"  Rex  ", 0, "rex"},
	    {"New   York\tCity", 0, "new york city"},
	    {"\n\tMAIN\r\n STREET \f", 0, "main street"},
	    {"Z\xc3\x9c"
	     "RICH",
	        0,
	        "z\xc3\x9c"
	        "rich"}, /* kept as is */
	    {"a", 0, "a"},
	    {"", -1, ""},
	    {"   ", -1, ""},
	    {"\t\n", -1, ""},
	};
	char out[64], tiny[4];
	size_t i;

	for (i = 0; i < NITEMS(c); i++) {
		CU_ASSERT_EQUAL(
		    secret_normalize_answer(c[i].in, out, sizeof(out)),
		    c[i].rc);
		CU_ASSERT_STRING_EQUAL(out, c[i].out);
	}
	/* "abc" needs 4 bytes; "ab c" needs 5 */
	CU_ASSERT_EQUAL(secret_normalize_answer("ABC", tiny, sizeof(tiny)), 0);
	CU_ASSERT_STRING_EQUAL(tiny, "abc");
	CU_ASSERT_EQUAL(
	    secret_normalize_answer("  ab   ", tiny, sizeof(tiny)), 0);
	CU_ASSERT_STRING_EQUAL(tiny, "ab");
	CU_ASSERT_EQUAL(
	    secret_normalize_answer("abcd", tiny, sizeof(tiny)), -1);
	CU_ASSERT_STRING_EQUAL(tiny, "");
	CU_ASSERT_EQUAL(
	    secret_normalize_answer("ab c", tiny, sizeof(tiny)), -1);
	CU_ASSERT_EQUAL(secret_normalize_answer("x", tiny, 0), -1);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("secret", NULL, NULL);
	CU_add_test(s, "hash and verify", test_round_trip);
	CU_add_test(s, "bad input", test_bad);
	CU_add_test(s, "answer normalisation", test_normalize);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
