/* Unit tests of proofing/emailcode.c: format, alphabet, normalisation,
 * uniqueness and the stored hash. */
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "common/digest.h"
#include "proofing/emailcode.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))
#define DRAWS     1000

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static int
cmp_code(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
test_new(void)
{
	static char codes[DRAWS][EMAILCODE_CHARS + 2];
	char norm[EMAILCODE_CHARS + 1];
	int seen[256] = {0}, i, j, distinct = 0;

	for (i = 0; i < DRAWS; i++) {
		emailcode_new(codes[i]);
		CU_ASSERT_EQUAL(strlen(codes[i]), EMAILCODE_CHARS + 1);
		CU_ASSERT_EQUAL(codes[i][5], '-');
		for (j = 0; j < EMAILCODE_CHARS + 1; j++) {
			if (j == 5)
				continue;
			CU_ASSERT_PTR_NOT_NULL(strchr(alphabet, codes[i][j]));
			seen[(unsigned char)codes[i][j]]++;
		}
		/* its own canonical form is itself without the dash */
		CU_ASSERT_EQUAL(emailcode_normalize(codes[i], norm), 0);
		CU_ASSERT_EQUAL(strncmp(norm, codes[i], 5), 0);
		CU_ASSERT_EQUAL(strcmp(norm + 5, codes[i] + 6), 0);
	}
	/* 1000 draws of 50 bits: no repeats */
	qsort(codes, DRAWS, sizeof(codes[0]), cmp_code);
	for (i = 1; i < DRAWS; i++)
		CU_ASSERT(strcmp(codes[i - 1], codes[i]) != 0);
	/* 10000 characters cover the whole alphabet */
	for (i = 0; alphabet[i] != '\0'; i++)
		distinct += seen[(unsigned char)alphabet[i]] > 0;
	CU_ASSERT_EQUAL(distinct, 32);
	CU_ASSERT_EQUAL(seen['I'] + seen['L'] + seen['O'] + seen['U'], 0);
}

static void
test_normalize(void)
{
	static const struct {
		const char *in;
		int rc;
		const char *out;
	} c[] = {
	    {"ABCDE-FGHJK", 0, "ABCDEFGHJK"},
	    {"abcde-fghjk", 0, "ABCDEFGHJK"},
	    {"ABCDEFGHJK", 0, "ABCDEFGHJK"},
	    {" abc de-fgh jk ", 0, "ABCDEFGHJK"},
	    {"A-B-C-D-E-F-G-H-J-K", 0, "ABCDEFGHJK"},
	    {"OoIiLl0123", 0, "0011110123"},
	    {"01234-56789", 0, "0123456789"},
	    {"VWXYZ-MNPQR", 0, "VWXYZMNPQR"},
	    {"ABCDE-FGHJ", -1, ""},   /* 9 */
	    {"ABCDE-FGHJKM", -1, ""}, /* 11 */
	    {"ABCDE-FGHJU", -1, ""},  /* U is not Crockford */
	    {"ABCDE_FGHJK", -1, ""},
	    {"ABCDE.FGHJK", -1, ""},
	    {"ABCDE\tFGHJK", -1, ""},
	    {"ABCDE-FGH\xc3\x89", -1, ""},
	    {"", -1, ""},
	    {"----------", -1, ""},
	    /* 33 bytes: over BOUND_CODE though 10 characters */
	    {"ABCDE-----------------------FGHJK", -1, ""},
	    /* 32 bytes is fine */
	    {"ABCDE----------------------FGHJK", 0, "ABCDEFGHJK"},
	};
	char out[EMAILCODE_CHARS + 1];
	size_t i;

	for (i = 0; i < NITEMS(c); i++) {
		CU_ASSERT_EQUAL(emailcode_normalize(c[i].in, out), c[i].rc);
		CU_ASSERT_STRING_EQUAL(out, c[i].out);
	}
	CU_ASSERT_EQUAL(emailcode_normalize(NULL, out), -1);
}

static void
test_hash(void)
{
	unsigned char a[32], b[32], want[32];

	emailcode_hash("app_x", "ABCDEFGHJK", a);
	digest_sha256("app_x:ABCDEFGHJK", 16, want);
	CU_ASSERT_EQUAL(memcmp(a, want, 32), 0);
	emailcode_hash("app_y", "ABCDEFGHJK", b);
	CU_ASSERT(memcmp(a, b, 32) != 0);
	emailcode_hash("app_x", "ABCDEFGHJM", b);
	CU_ASSERT(memcmp(a, b, 32) != 0);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("emailcode", NULL, NULL);
	CU_add_test(s, "new codes", test_new);
	CU_add_test(s, "normalise", test_normalize);
	CU_add_test(s, "hash", test_hash);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
