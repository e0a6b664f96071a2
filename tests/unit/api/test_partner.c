/*
 * Unit tests of api/service/partner.c's pure parts: parsing an API key
 * ("rxp_<24 base32>_<43 base64url>", or a sandbox key "rxp_test_...") into
 * its id, its kind and the SHA-256 of its secret, refusing every malformed
 * form, and program codes.
 */
#include <string.h>

#include <CUnit/Basic.h>

#include "api/service/partner.h"
#include "common/digest.h"

#define KID    "abcdefghijklmnopqrstuvwx"
#define SECRET "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE"
#define KEY    "rxp_" KID "_" SECRET
#define TKEY   "rxp_test_" KID "_" SECRET

static void
test_parse_good(void)
{
	char id[PARTNER_KEY_ID_LEN + 1];
	unsigned char hash[32], want[32];
	int sandbox = -1;

	CU_ASSERT_EQUAL_FATAL(strlen(SECRET), PARTNER_SECRET_LEN);
	CU_ASSERT_EQUAL(partner_key_parse(KEY, id, hash, &sandbox), 0);
	CU_ASSERT_STRING_EQUAL(id, KID);
	CU_ASSERT_EQUAL(sandbox, 0);
	digest_sha256(SECRET, strlen(SECRET), want);
	CU_ASSERT_EQUAL(memcmp(hash, want, 32), 0);
	memset(hash, 0, sizeof(hash));
	CU_ASSERT_EQUAL_FATAL(strlen(TKEY), PARTNER_KEY_MAX);
	CU_ASSERT_EQUAL(partner_key_parse(TKEY, id, hash, &sandbox), 0);
	CU_ASSERT_STRING_EQUAL(id, KID);
	CU_ASSERT_EQUAL(sandbox, 1);
	CU_ASSERT_EQUAL(memcmp(hash, want, 32), 0);
}

static void
test_parse_bad(void)
{
	static const char *const bad[] = {
	    "",
	    "rxp_",
	    "rxq_" KID "_" SECRET,
	    "RXP_" KID "_" SECRET,
	    "rxp_" KID "-" SECRET,
	    "rxp_" KID "_" SECRET "A",
	    "rxp_" KID "_"
	    "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCd",
	    "rxp_abcdefghijklmnopqrstuvw1_" SECRET, /* 1 is not base32 */
	    "rxp_ABCDEFGHIJKLMNOPQRSTUVWX_" SECRET,
	    "rxp_" KID "_"
	    "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/AbCdE",
	    "rxp_" KID "_"
	    "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 _AbCdE",
	    "rxp_test_" KID "_" SECRET "A",
	    "rxp_test_" KID "_"
	    "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCd",
	    "rxp_TEST_" KID "_" SECRET,
	    "rxp_live_" KID "_" SECRET,
	    "rxp_test-" KID "_" SECRET,
	    "rxp_test_" KID "-" SECRET,
	    "rxp_test_abcdefghijklmnopqrstuvw1_" SECRET,
	    "rxp_testa" KID "_" SECRET,
	    NULL,
	};
	char id[PARTNER_KEY_ID_LEN + 1];
	unsigned char hash[32];
	int sandbox;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(
		    partner_key_parse(bad[i], id, hash, &sandbox), -1);
}

static void
test_programs(void)
{
	char long_code[PARTNER_PROGRAM_MAX + 2];

	CU_ASSERT_EQUAL(partner_program_valid("acme"), 1);
	CU_ASSERT_EQUAL(partner_program_valid("acme-ehr-2"), 1);
	CU_ASSERT_EQUAL(partner_program_valid("9lives"), 1);
	CU_ASSERT_EQUAL(partner_program_valid(""), 0);
	CU_ASSERT_EQUAL(partner_program_valid("-acme"), 0);
	CU_ASSERT_EQUAL(partner_program_valid("Acme"), 0);
	CU_ASSERT_EQUAL(partner_program_valid("acme ehr"), 0);
	CU_ASSERT_EQUAL(partner_program_valid("acme_ehr"), 0);
	CU_ASSERT_EQUAL(partner_program_valid(NULL), 0);
	memset(long_code, 'a', sizeof(long_code) - 1);
	long_code[sizeof(long_code) - 1] = '\0';
	CU_ASSERT_EQUAL(partner_program_valid(long_code), 0);
	long_code[PARTNER_PROGRAM_MAX] = '\0';
	CU_ASSERT_EQUAL(partner_program_valid(long_code), 1);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("partner", NULL, NULL);
	CU_add_test(s, "parse good", test_parse_good);
	CU_add_test(s, "parse bad", test_parse_bad);
	CU_add_test(s, "programs", test_programs);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
