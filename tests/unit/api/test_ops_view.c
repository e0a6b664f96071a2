/* Unit tests of api/service/ops_view.c: what a search query is, and what
 * each role sees, table-driven. */
#include <string.h>

#include <CUnit/Basic.h>

#include "api/service/ops_view.h"

static void
test_classify(void)
{
	static const struct {
		const char *q;
		int kind; /* -1: refused */
		const char *key;
	} cases[] = {
	    {"app_k3jq7x2mvd5ha4nbe6rpt2wy", STORE_SEARCH_APPLICATION,
	        "app_k3jq7x2mvd5ha4nbe6rpt2wy"},
	    {" kit_p3x7ry2kq4hb5vcm6dnfw2ja ", STORE_SEARCH_KIT,
	        "kit_p3x7ry2kq4hb5vcm6dnfw2ja"},
	    {"5B3A9A5498C7A273F9A7C290926DA0E3", STORE_SEARCH_SERIAL,
	        "5b3a9a5498c7a273f9a7c290926da0e3"},
	    {"5b:3a:9a:54:98:c7:a2:73:f9:a7:c2:90:92:6d:a0:e3",
	        STORE_SEARCH_SERIAL, "5b3a9a5498c7a273f9a7c290926da0e3"},
	    {"5B:3A:9A:54:98:C7:A2:73:F9:A7:C2:90:92:6D:A0:E3",
	        STORE_SEARCH_SERIAL, "5b3a9a5498c7a273f9a7c290926da0e3"},
	    {"00000000000000000000000000000001", STORE_SEARCH_SERIAL,
	        "00000000000000000000000000000001"},
	    {"Ada@Example.ORG", STORE_SEARCH_EMAIL, "ada@example.org"},
	    {"1234567893", STORE_SEARCH_NPI, "1234567893"},
	    {"al1234563", STORE_SEARCH_DEA, "AL1234563"},
	    {"A91234563", STORE_SEARCH_DEA, "A91234563"},
	    {"Ada Lovelace", STORE_SEARCH_NAME, "ada lovelace"},
	    {"  ADA \t  Lovelace  ", STORE_SEARCH_NAME, "ada lovelace"},
	    {"O'Brien-Smith", STORE_SEARCH_NAME, "o'brien-smith"},
	    {"Zo\xc3\xab", STORE_SEARCH_NAME, "zo\xc3\xab"},
	    {"Li", STORE_SEARCH_NAME, "li"},
	    /* refused */
	    {"", -1, NULL},
	    {"   ", -1, NULL},
	    {"a", -1, NULL},
	    {"12345", -1, NULL},
	    {"123456789", -1, NULL},
	    {"12345678901", -1, NULL},
	    {"5b:3a9a5498c7a273f9a7c290926da0e3", -1, NULL},
	    {"5b3a9a5498c7a273f9a7c290926da0e", -1, NULL},
	    {"5b3a9a5498c7a273f9a7c290926da0e3ff", -1, NULL},
	    {"ada @example.org", -1, NULL},
	    {"app_bad!", -1, NULL},
	    {"app_", -1, NULL},
	    {"<script>", -1, NULL},
	    {"Robert'); DROP TABLE applications;--", -1, NULL},
	    {"50%", -1, NULL},
	    {"\xc3\x28", -1, NULL},
	};
	char key[OPS_SEARCH_Q_MAX + 1], longq[OPS_SEARCH_Q_MAX + 2];
	enum store_search_kind kind;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = ops_search_classify(cases[i].q, &kind, key, sizeof(key));
		if (cases[i].kind == -1) {
			CU_ASSERT_EQUAL(rc, -1);
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(rc, 0);
		CU_ASSERT_EQUAL(kind, (enum store_search_kind)cases[i].kind);
		CU_ASSERT_STRING_EQUAL(key, cases[i].key);
	}
	/* 128 bytes is a query; 129 is not */
	memset(longq, 'a', sizeof(longq));
	longq[OPS_SEARCH_Q_MAX] = '\0';
	CU_ASSERT_EQUAL(ops_search_classify(longq, &kind, key, sizeof(key)), 0);
	longq[OPS_SEARCH_Q_MAX] = 'a';
	longq[OPS_SEARCH_Q_MAX + 1] = '\0';
	CU_ASSERT_EQUAL(
	    ops_search_classify(longq, &kind, key, sizeof(key)), -1);
	/* a key buffer too small is refused, not overrun */
	CU_ASSERT_EQUAL(ops_search_classify("ada", &kind, key, 8), -1);
}

static void
test_table(void)
{
	enum ops_field f;

	CU_ASSERT_EQUAL(ops_view_show(OPS_VIEW_REVOKER, OPS_F_NPI), OPS_MASK);
	CU_ASSERT_EQUAL(ops_view_show(OPS_VIEW_REVOKER, OPS_F_DEA), OPS_MASK);
	CU_ASSERT_EQUAL(ops_view_show(OPS_VIEW_REVOKER, OPS_F_NAME), OPS_SHOW);
	CU_ASSERT_EQUAL(
	    ops_view_show(OPS_VIEW_REVOKER, OPS_F_CERTIFICATES), OPS_SHOW);
	CU_ASSERT_EQUAL(ops_view_show(OPS_VIEW_REVOKER, OPS_F_BIRTH), OPS_HIDE);
	CU_ASSERT_EQUAL(ops_view_show(OPS_VIEW_REVIEWER, OPS_F_NPI), OPS_SHOW);
	CU_ASSERT_EQUAL(
	    ops_view_show(OPS_VIEW_REVIEWER, OPS_F_BIRTH), OPS_SHOW);
	CU_ASSERT_EQUAL(
	    ops_view_show(OPS_VIEW_FULFILLER, OPS_F_ADDRESS), OPS_SHOW);
	CU_ASSERT_EQUAL(ops_view_show(OPS_VIEW_FULFILLER, OPS_F_NPI), OPS_HIDE);
	/* several roles: the most open of them */
	CU_ASSERT_EQUAL(
	    ops_view_show(OPS_VIEW_REVOKER | OPS_VIEW_REVIEWER, OPS_F_NPI),
	    OPS_SHOW);
	CU_ASSERT_EQUAL(
	    ops_view_show(OPS_VIEW_REVOKER | OPS_VIEW_FULFILLER, OPS_F_NPI),
	    OPS_MASK);
	/* no role sees anything; nobody ever sees the SSN */
	for (f = 0; f < OPS_F_COUNT; f++) {
		CU_ASSERT_EQUAL(ops_view_show(0, f), OPS_HIDE);
		CU_ASSERT_STRING_NOT_EQUAL(ops_view_field_name(f), "");
	}
	CU_ASSERT_EQUAL(ops_view_show(0x1f, OPS_F_SSN), OPS_HIDE);
	CU_ASSERT_EQUAL(ops_view_show(0x1f, OPS_F_COUNT), OPS_HIDE);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ops_view", NULL, NULL);
	CU_add_test(s, "what a query is", test_classify);
	CU_add_test(s, "what each role sees", test_table);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
